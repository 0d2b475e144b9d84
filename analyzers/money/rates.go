package money

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/currency"
)

// ecbMonthly is the ECB table: monthly means of the daily reference
// rates, in units per euro (see its header and ./ecbmonthly).
//
//go:embed data/ecb-monthly.txt
var ecbMonthly string

// pegsData gives the rates of the currencies the ECB does not quote (see
// its header).
//
//go:embed data/pegs.txt
var pegsData string

// Month is a calendar month, counted from January of year 0.
type Month int32

// MonthOf returns t's month.
func MonthOf(t time.Time) Month { return Month(t.Year()*12 + int(t.Month()) - 1) }

// ParseMonth reads "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a month (YYYY-MM)", s)
	}
	return MonthOf(t), nil
}

// String formats m as "YYYY-MM".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", int(m)/12, int(m)%12+1) }

// Rates converts sums to euros at the reference rate of a month: the
// ECB's rates (monthly means of its daily euro reference rates, 1999-01
// to the table's last month, embedded), the fixed rates of the currencies
// the euro replaced and of those pegged to the euro or the US dollar, and
// documented approximations for the few others (see data/pegs.txt). A
// Rates value is immutable and safe for concurrent use.
type Rates struct {
	first, last Month
	series      map[string]*series
}

// series is one currency's rate for each month of [Rates.first,
// Rates.last]: EUR per unit, and the month of the rate used.
type series struct {
	eur  []float64
	date []Month
}

// ErrInvalidRates is returned (wrapped) by [ParseRates] for input that is
// not a valid rate table.
var ErrInvalidRates = errors.New("money: invalid rate table")

var defaultRates = sync.OnceValue(func() *Rates {
	r, err := buildDefault(ecbMonthly, pegsData)
	if err != nil {
		panic(err) // the embedded tables are checked by the package tests
	}
	return r
})

// DefaultRates returns veille's embedded reference rates (see [Rates]).
func DefaultRates() *Rates { return defaultRates() }

// First and Last return the months the table covers; a month outside
// converts at the nearest one.
func (r *Rates) First() Month { return r.first }

// Last is the table's latest month: the one undated articles use.
func (r *Rates) Last() Month { return r.last }

// Codes returns the currencies r converts, sorted.
func (r *Rates) Codes() []string { return slices.Sorted(maps.Keys(r.series)) }

// ToEUR converts value units of currency to euros at the rate of month m
// (the latest month when m is 0), rounded to the cent. It also returns the
// month whose rate was used. ok is false, and eur 0, when r has no rate
// for currency. EUR converts to itself at any month.
func (r *Rates) ToEUR(value float64, currency string, m Month) (eur float64, rateDate Month, ok bool) {
	if m == 0 || m > r.last {
		m = r.last
	}
	if m < r.first {
		m = r.first
	}
	if currency == "EUR" {
		return value, m, true
	}
	s := r.series[currency]
	if s == nil {
		return 0, m, false
	}
	i := m - r.first
	return roundCents(value * s.eur[i]), s.date[i], true
}

// roundCents rounds v to two decimals; values too large to carry cents
// are returned unchanged.
func roundCents(v float64) float64 {
	if math.Abs(v) >= 1e15 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*100) / 100
}

// rule is one line of the pegs table or of a rate file.
type rule struct {
	code     string
	kind     string  // "euro", "eur", "usd", "approx", "fixed" (a rate file's EUR per unit)
	value    float64 // units per euro (per dollar for "usd"; EUR per unit for "fixed")
	from, to Month   // 0: open
}

func (u rule) holds(m Month) bool {
	if u.kind == "approx" {
		return true // its month is the rate's, not a bound
	}
	return (u.from == 0 || m >= u.from) && (u.to == 0 || m <= u.to)
}

// buildDefault parses the ECB table and the pegs.
func buildDefault(ecb, pegs string) (*Rates, error) {
	r, quoted, err := parseECB(ecb)
	if err != nil {
		return nil, err
	}
	rules, err := parseRules(pegs, false)
	if err != nil {
		return nil, fmt.Errorf("pegs: %w", err)
	}
	r.apply(rules, quoted)
	return r, nil
}

// parseECB reads the monthly table: header "month CODE CODE...", then
// "YYYY-MM rate rate..." lines, rates in units per euro or "-".
func parseECB(data string) (r *Rates, quoted map[string][]bool, err error) {
	var codes []string
	raw := map[string][]float64{}
	var months []Month
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if f[0] == "month" {
			codes = f[1:]
			continue
		}
		if codes == nil || len(f) != len(codes)+1 {
			return nil, nil, fmt.Errorf("money: ECB table line %d: want a month and %d rates", n+1, len(codes))
		}
		m, err := ParseMonth(f[0])
		if err != nil {
			return nil, nil, fmt.Errorf("money: ECB table line %d: %v", n+1, err)
		}
		if len(months) > 0 && m != months[len(months)-1]+1 {
			return nil, nil, fmt.Errorf("money: ECB table line %d: %s does not follow %s", n+1, m, months[len(months)-1])
		}
		months = append(months, m)
		for i, v := range f[1:] {
			x := 0.0
			if v != "-" {
				if x, err = strconv.ParseFloat(v, 64); err != nil || x <= 0 || math.IsInf(x, 0) {
					return nil, nil, fmt.Errorf("money: ECB table line %d: %s rate %q", n+1, codes[i], v)
				}
			}
			raw[codes[i]] = append(raw[codes[i]], x)
		}
	}
	if len(months) == 0 {
		return nil, nil, errors.New("money: empty ECB table")
	}
	r = &Rates{first: months[0], last: months[len(months)-1], series: map[string]*series{}}
	quoted = map[string][]bool{}
	for code, vals := range raw {
		s := r.newSeries()
		q := make([]bool, len(vals))
		for i, v := range vals {
			if v > 0 {
				s.eur[i], s.date[i], q[i] = 1/v, r.first+Month(i), true
			}
		}
		r.series[code] = s
		quoted[code] = q
	}
	return r, quoted, nil
}

func (r *Rates) newSeries() *series {
	n := int(r.last-r.first) + 1
	return &series{eur: make([]float64, n), date: make([]Month, n)}
}

// apply fills every month of every series: the rules first where they
// hold (pegs and changeovers), then for months still empty the nearest
// quoted month, or the approximation after the quotes stopped.
func (r *Rates) apply(rules []rule, quoted map[string][]bool) {
	usd := r.series["USD"]
	byCode := map[string][]rule{}
	for _, u := range rules {
		byCode[u.code] = append(byCode[u.code], u)
	}
	for _, code := range slices.Sorted(maps.Keys(byCode)) {
		s := r.series[code]
		if s == nil {
			s = r.newSeries()
			r.series[code] = s
		}
		q := quoted[code]
		for i := range s.eur {
			m := r.first + Month(i)
			for _, u := range byCode[code] {
				if !u.holds(m) {
					continue
				}
				switch u.kind {
				case "euro":
					if u.from != 0 && m < u.from && i < len(q) && q[i] {
						continue // quoted by the ECB before the changeover
					}
					s.eur[i], s.date[i] = 1/u.value, m
				case "eur":
					s.eur[i], s.date[i] = 1/u.value, m
				case "usd":
					s.eur[i], s.date[i] = usd.eur[i]/u.value, usd.date[i]
				case "approx":
					if i < len(q) && q[i] {
						continue
					}
					s.eur[i], s.date[i] = 1/u.value, u.from
				case "fixed":
					s.eur[i], s.date[i] = u.value, m
				}
			}
		}
	}
	for _, s := range r.series {
		fillGaps(s)
	}
}

// fillGaps gives months without a rate the rate of the nearest earlier
// month that has one, or of the first that has one.
func fillGaps(s *series) {
	first := -1
	for i, v := range s.eur {
		if v > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return
	}
	for i := range first {
		s.eur[i], s.date[i] = s.eur[first], s.date[first]
	}
	for i := first + 1; i < len(s.eur); i++ {
		if s.eur[i] == 0 {
			s.eur[i], s.date[i] = s.eur[i-1], s.date[i-1]
		}
	}
}

// parseRules reads rule lines "CODE KIND VALUE [FROM [TO]]" (pegs) or,
// with rateFile, the lines of a rate file: "CODE RATE" or
// "YYYY-MM CODE RATE", RATE in euros per unit ("CODE=RATE" and
// "CODE: RATE" are accepted too).
func parseRules(data string, rateFile bool) ([]rule, error) {
	var out []rule
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(string(bytes.TrimPrefix(sc.Bytes(), []byte("\xef\xbb\xbf"))))
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		if rateFile {
			f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '=' || r == ':' })
			u := rule{kind: "fixed"}
			if len(f) == 3 {
				m, err := ParseMonth(f[0])
				if err != nil {
					return nil, fmt.Errorf("%w: line %d: %v", ErrInvalidRates, n, err)
				}
				u.from, u.to = m, m
				f = f[1:]
			}
			if len(f) != 2 {
				return nil, fmt.Errorf("%w: line %d: want \"CODE RATE\" or \"YYYY-MM CODE RATE\", got %q", ErrInvalidRates, n, line)
			}
			v, err := checkRate(f[0], f[1])
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %v", ErrInvalidRates, n, err)
			}
			key := f[0] + " " + u.from.String()
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("%w: line %d: %s already given on line %d", ErrInvalidRates, n, f[0], prev)
			}
			seen[key] = n
			u.code, u.value = f[0], v
			out = append(out, u)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 || len(f) > 5 {
			return nil, fmt.Errorf("line %d: want CODE KIND VALUE [FROM [TO]]", n)
		}
		v, err := checkRate(f[0], f[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		u := rule{code: f[0], kind: f[1], value: v}
		switch u.kind {
		case "euro", "eur", "usd", "approx":
		default:
			return nil, fmt.Errorf("line %d: unknown kind %q", n, u.kind)
		}
		for k, dst := range []*Month{&u.from, &u.to} {
			if len(f) > 3+k && f[3+k] != "-" {
				if *dst, err = ParseMonth(f[3+k]); err != nil {
					return nil, fmt.Errorf("line %d: %v", n, err)
				}
			}
		}
		if u.kind == "approx" && u.from == 0 {
			return nil, fmt.Errorf("line %d: an approximation needs its month", n)
		}
		out = append(out, u)
	}
	return out, sc.Err()
}

// checkRate validates one code and its rate text.
func checkRate(code, rateText string) (float64, error) {
	if len(code) != 3 || !isUpper(code[0]) || !isUpper(code[1]) || !isUpper(code[2]) {
		return 0, fmt.Errorf("%q is not an ISO 4217 code (three capital letters)", code)
	}
	if _, err := currency.ParseISO(code); err != nil && !historical[code] {
		return 0, fmt.Errorf("%q is not an ISO 4217 currency", code)
	}
	rate, err := strconv.ParseFloat(rateText, 64)
	if err != nil || math.IsInf(rate, 0) || math.IsNaN(rate) || rate <= 0 {
		return 0, fmt.Errorf("rate of %s: %q is not a number > 0", code, rateText)
	}
	if code == "EUR" && rate != 1 {
		return 0, fmt.Errorf("rate of EUR must be 1, got %s", rateText)
	}
	return rate, nil
}

// historical are withdrawn ISO 4217 codes x/text/currency does not know.
var historical = map[string]bool{"ROL": true, "TRL": true}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// ParseRates reads a rate file, in either of two formats:
//
//   - text: one "CODE RATE" pair a line (also "CODE=RATE" or "CODE: RATE"),
//     optionally after a month ("2020-03 USD 0.91"), blank lines and
//     text after '#' ignored:
//
//     # EUR per unit, ECB reference 2025-09-19
//     USD 0.853
//     2020-03 GBP 1.12
//
//   - JSON: one object, {"USD": 0.853, "GBP": 1.146}; it is recognised by
//     its first non-blank byte, '{'.
//
// CODE is an ISO 4217 code; RATE is the value of one unit in euros, a
// finite number > 0. A rate without a month holds for every month; one
// with a month for that month only. Merge the result over [DefaultRates]
// with [Rates.Merge]. Errors wrap [ErrInvalidRates] (with the line number
// for text), or are the reader's error.
func ParseRates(rd io.Reader) (*RateFile, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("money: reading rates: %w", err)
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return parseRatesJSON(t)
	}
	rules, err := parseRules(string(data), true)
	if err != nil {
		return nil, err
	}
	return &RateFile{rules: rules}, nil
}

// RateFile is a parsed rate file: rates that replace the defaults.
type RateFile struct{ rules []rule }

// Len returns the number of rates in the file.
func (f *RateFile) Len() int { return len(f.rules) }

func parseRatesJSON(data []byte) (*RateFile, error) {
	var raw map[string]json.Number
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrInvalidRates, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: JSON: data after the object", ErrInvalidRates)
	}
	f := &RateFile{}
	for _, code := range slices.Sorted(maps.Keys(raw)) {
		rate, err := checkRate(code, string(raw[code]))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidRates, err)
		}
		f.rules = append(f.rules, rule{code: code, kind: "fixed", value: rate})
	}
	return f, nil
}

// Merge returns a new table with r's rates, replaced by f's where f gives
// one (a rate without a month replaces every month's). Neither r nor f is
// modified.
func (r *Rates) Merge(f *RateFile) *Rates {
	out := &Rates{first: r.first, last: r.last, series: make(map[string]*series, len(r.series)+len(f.rules))}
	for code, s := range r.series {
		out.series[code] = s
	}
	for _, u := range f.rules {
		if u.code == "EUR" {
			continue
		}
		old := out.series[u.code]
		s := out.newSeries()
		if old != nil && old == r.series[u.code] {
			copy(s.eur, old.eur)
			copy(s.date, old.date)
		} else if old != nil {
			s = old
		}
		for i := range s.eur {
			if m := out.first + Month(i); u.holds(m) {
				s.eur[i], s.date[i] = u.value, m
			}
		}
		fillGaps(s)
		out.series[u.code] = s
	}
	return out
}
