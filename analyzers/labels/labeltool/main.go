// Command labeltool selects the articles to label and imports and checks
// the labels of testdata/labels (see its README):
//
//	go run ./analyzers/labels/labeltool select -data ../shared/data -out batches
//	go run ./analyzers/labels/labeltool import -batches batches -labelled out -o testdata/labels/labels.jsonl
//	go run ./analyzers/labels/labeltool check -data ../shared/data testdata/labels/labels.jsonl testdata/labels/round2.jsonl
//
// and for the second round (train split only, four batches):
//
//	go run ./analyzers/labels/labeltool select -round 2 -data ../shared/data -out batches2
//	go run ./analyzers/labels/labeltool import -round 2 -batches batches2 -labelled out2 -o testdata/labels/round2.jsonl
//
// and for the third (train split only, ten batches):
//
//	go run ./analyzers/labels/labeltool select -round 3 -data ../shared/data -out batches3
//	go run ./analyzers/labels/labeltool import -round 3 -batches batches3 -labelled out3 -o testdata/labels/round3.jsonl
//
// and for the fourth (the same, eight batches):
//
//	go run ./analyzers/labels/labeltool select -round 4 -data ../shared/data -out batches4
//	go run ./analyzers/labels/labeltool import -round 4 -batches batches4 -labelled out4 -o testdata/labels/round4.jsonl
//
// select writes the chosen articles (with their text, for the labellers)
// as batches of JSON lines, each holding every set; import joins the
// labellers' lines to the batches by id, records set, split and the hash of
// each text instead of the text, and reports the labels that fail the
// checks; check loads the labels against the shared data and reports the
// same problems.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"veille/analyzers/labels"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "labeltool:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: labeltool select|import|check [flags]")
	}
	switch args[0] {
	case "select":
		return selectCmd(args[1:], stderr)
	case "import":
		return importCmd(args[1:], stdout, stderr)
	case "check":
		return checkCmd(args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q (want select, import or check)", args[0])
}

// batchLine is one article to label, as the labellers read it.
type batchLine struct {
	ID    string `json:"id"`
	Set   string `json:"set"`
	Split string `json:"split"`
	Lang  string `json:"lang"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Draft any    `json:"draft,omitempty"`
}

func selectCmd(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("select", flag.ContinueOnError)
	data := fs.String("data", "../shared/data", "shared data `folder`")
	out := fs.String("out", "batches", "output `folder`")
	firstIDs := fs.String("first", "testdata/labels/first-round-ids.txt", "`file` of the first round's ids, one a line")
	n := fs.Int("batches", 0, "number of batches (0: 5 in the first round, 4 in the second, 10 in the third, 8 in the fourth)")
	round := fs.Int("round", 1, "labelling `round`: 1 to 4 (after the first: the next articles in the same order, train split only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	first, err := readLines(*firstIDs)
	if err != nil {
		return err
	}
	var cands []labels.Candidate
	switch *round {
	case 1:
		cands, err = labels.Select(*data, first)
		if *n == 0 {
			*n = 5
		}
	case 2:
		cands, err = labels.SelectRound2(*data, first)
		if *n == 0 {
			*n = 4
		}
	case 3:
		cands, err = labels.SelectRound3(*data, first)
		if *n == 0 {
			*n = 10
		}
	case 4:
		cands, err = labels.SelectRound4(*data, first)
		if *n == 0 {
			*n = 8
		}
	default:
		return fmt.Errorf("select: round %d (want 1 to 4)", *round)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	counts := map[string]int{}
	for b := range *n {
		f, err := os.Create(filepath.Join(*out, fmt.Sprintf("batch-%d.jsonl", b)))
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		for i := b; i < len(cands); i += *n {
			c := cands[i]
			counts[c.Set+" "+c.Split]++
			line, err := json.Marshal(batchLine{ID: c.ID, Set: c.Set, Split: c.Split, Lang: c.Lang, Title: c.Title, Text: c.Text})
			if err != nil {
				return err
			}
			w.Write(line)
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(stderr, "%s %d\n", k, counts[k])
	}
	fmt.Fprintf(stderr, "%d articles in %d batches\n", len(cands), *n)
	return nil
}

func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

func importCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	batches := fs.String("batches", "batches", "`folder` of the batches given to the labellers")
	labelled := fs.String("labelled", "out", "`folder` of the labellers' files, named as the batches")
	out := fs.String("o", "testdata/labels/labels.jsonl", "output `file`")
	round := fs.Int("round", 1, "labelling `round` of the batches (2 to 4: recorded in each line)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	inputs, err := filepath.Glob(filepath.Join(*batches, "*.jsonl"))
	if err != nil {
		return err
	}
	slices.Sort(inputs)
	var all []labels.Article
	problems := 0
	for _, in := range inputs {
		src := map[string]batchLine{}
		var order []string
		if err := eachLine(in, func(b []byte) error {
			var l batchLine
			if err := json.Unmarshal(b, &l); err != nil {
				return err
			}
			src[l.ID] = l
			order = append(order, l.ID)
			return nil
		}); err != nil {
			return err
		}
		lab := filepath.Join(*labelled, filepath.Base(in))
		n := 0
		err := eachLine(lab, func(b []byte) error {
			var a labels.Article
			if err := json.Unmarshal(b, &a); err != nil {
				return err
			}
			l, ok := src[a.ID]
			if !ok {
				return fmt.Errorf("%s: %s is not in %s", lab, a.ID, in)
			}
			a.Set, a.Split, a.Lang = l.Set, l.Split, l.Lang
			if *round > 1 {
				a.Round = *round
			}
			a.Title, a.Text = l.Title, l.Text
			for _, p := range labels.Problems(&a) {
				fmt.Fprintf(stderr, "%s [%s %s]: %s\n", a.ID, a.Set, a.Split, p)
				problems++
			}
			all = append(all, a)
			n++
			return nil
		})
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "%s: not labelled yet\n", in)
			continue
		}

		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: %d of %d labelled\n", in, n, len(order))
	}
	return writeLabels(*out, all, stdout, problems)
}

// writeLabels writes the articles without their text, sorted by set, split and id.
func writeLabels(path string, all []labels.Article, stdout io.Writer, problems int) error {
	for i := range all {
		a := &all[i]
		a.SHA256 = labels.Hash(a.Title, a.Text)
		a.Title, a.Text = "", ""
		if a.Companies == nil {
			a.Companies = []string{}
		}
		if a.Countries == nil {
			a.Countries = []string{}
		}
		if a.Amounts == nil {
			a.Amounts = []labels.Amount{}
		}
		if a.Mentions == nil {
			a.Mentions = map[string][]string{}
		}
	}
	slices.SortFunc(all, func(a, b labels.Article) int {
		return strings.Compare(a.Set+"\x00"+a.Split+"\x00"+a.ID, b.Set+"\x00"+b.Split+"\x00"+b.ID)
	})
	if err := labels.Write(path, all); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d articles written to %s, %d problems\n", len(all), path, problems)
	return nil
}

func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s line %d: %w", path, line, err)
		}
	}
	return sc.Err()
}

func checkCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	data := fs.String("data", "../shared/data", "shared data `folder`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	as, err := labels.Load(*data, fs.Args()...)
	if err != nil {
		return err
	}
	problems := 0
	counts := map[string]int{}
	for i := range as {
		a := &as[i]
		counts[a.Set+" "+a.Split]++
		for _, p := range labels.Problems(a) {
			fmt.Fprintf(stdout, "%s [%s %s]: %s\n", a.ID, a.Set, a.Split, p)
			problems++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "%s %d\n", k, counts[k])
	}
	fmt.Fprintf(stdout, "%d articles, %d problems\n", len(as), problems)
	if problems > 0 {
		return fmt.Errorf("%d problems", problems)
	}
	return nil
}
