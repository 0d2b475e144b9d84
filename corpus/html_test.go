package corpus

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"veille/internal/testrace"
)

// htmlPage is one line of orangesum-html-sample.jsonl.gz: a page as
// served, and the OrangeSum dataset's own extraction of it.
type htmlPage struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	HTML  string `json:"html"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Date  string `json:"date"`
}

// tokenF1 is the F1 score of the bag of lower-cased words of got against
// want's.
func tokenF1(got, want string) float64 {
	bag := func(s string) map[string]int {
		m := map[string]int{}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			m[w]++
		}
		return m
	}
	g, w := bag(got), bag(want)
	ng, nw, both := 0, 0, 0
	for k, n := range g {
		ng += n
		both += min(n, w[k])
	}
	for _, n := range w {
		nw += n
	}
	if both == 0 {
		return 0
	}
	p, r := float64(both)/float64(ng), float64(both)/float64(nw)
	return 2 * p * r / (p + r)
}

// oneSpace collapses the runs of white space of s, trimmed.
func oneSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// autoSuffix is what auto.orange.fr appends to its <title>, and the
// dataset keeps in its titles: not part of the headline.
const autoSuffix = " : actualité automobile, infos, scoop"

// TestHTMLExtractionQuality measures ParseHTML on the 500 real pages of
// the shared sample against the OrangeSum dataset's own extraction:
// titles exact (white space runs collapsed on both sides), titles exact
// once the dataset's auto.orange.fr <title> suffix is set aside, dates
// right (the day of the page's publication time, in its zone) and body
// token F1 with the dataset's text (which leaves out the lead paragraph
// the page shows and ParseHTML keeps). The floors are the figures reached,
// rounded down.
func TestHTMLExtractionQuality(t *testing.T) {
	testrace.SkipHeavy(t)
	pages := readSharedJSONL[htmlPage](t, "orangesum-html-sample.jsonl.gz", -1)
	var titles, titlesNoSuffix, dates, good int
	var f1s []float64
	start := time.Now()
	for _, p := range pages {
		r, err := ParseHTML([]byte(p.HTML), "text/html", p.URL)
		if err != nil {
			t.Errorf("%s: %v", p.ID, err)
			continue
		}
		got, want := oneSpace(r.Title), oneSpace(p.Title)
		if got == want {
			titles++
		}
		if got == strings.TrimSuffix(want, autoSuffix) {
			titlesNoSuffix++
		} else if testing.Verbose() {
			t.Logf("title %s: %q, want %q", p.ID, got, want)
		}
		if !r.Published.IsZero() && r.Published.Format(time.DateOnly) == p.Date {
			dates++
		} else if testing.Verbose() {
			t.Logf("date %s: %v, want %s", p.ID, r.Published, p.Date)
		}
		f := tokenF1(r.Body, p.Text)
		f1s = append(f1s, f)
		if f >= 0.8 {
			good++
		}
	}
	elapsed := time.Since(start)
	n := float64(len(pages))
	mean := 0.0
	for _, f := range f1s {
		mean += f
	}
	mean /= n
	slices.Sort(f1s)
	median := f1s[len(f1s)/2]
	t.Logf("%d pages in %v: titles exact %.3f (%.3f without the auto.orange.fr title suffix), dates %.3f, body token F1 mean %.3f, median %.3f, pages with F1 >= 0.8 %.3f",
		len(pages), elapsed.Round(time.Millisecond), float64(titles)/n, float64(titlesNoSuffix)/n, float64(dates)/n, mean, median, float64(good)/n)
	floors := []struct {
		name       string
		got, floor float64
	}{
		{"titles exact", float64(titles) / n, 0.92},
		{"titles exact without the suffix", float64(titlesNoSuffix) / n, 0.99},
		{"dates", float64(dates) / n, 0.99},
		{"body F1 mean", mean, 0.94},
		{"body F1 median", median, 0.95},
	}
	for _, f := range floors {
		if f.got < f.floor {
			t.Errorf("%s: %.3f, floor %.3f", f.name, f.got, f.floor)
		}
	}
}

// Keep the test's helpers honest.
func TestTokenF1(t *testing.T) {
	tests := []struct {
		got, want string
		f1        float64
	}{
		{"le chat dort", "Le chat dort.", 1},
		{"", "le chat", 0},
		{"le chat", "le chien", 0.5},
		{"a a b", "a b b", 2.0 / 3},
	}
	for _, tt := range tests {
		if f := tokenF1(tt.got, tt.want); f < tt.f1-1e-9 || f > tt.f1+1e-9 {
			t.Errorf("tokenF1(%q, %q) = %v, want %v", tt.got, tt.want, f, tt.f1)
		}
	}
}

// TestParseHTMLGolden reads the sample pages of testdata/html (real pages
// of the shared sample, gzipped) through ReadFile, as the watched folder
// and veille index do, and compares every field with the .golden file
// beside each page. Refresh with -update and review the diff.
func TestParseHTMLGolden(t *testing.T) {
	fsys := os.DirFS(filepath.Join("testdata", "html"))
	names, err := Files(fsys)
	if err != nil || len(names) == 0 {
		t.Fatalf("no sample pages: %v", err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			arts, err := ReadFile(fsys, name)
			if err != nil || len(arts) != 1 {
				t.Fatalf("ReadFile: %d articles, %v", len(arts), err)
			}
			a := arts[0]
			if a.ID != IDFromPath(name) {
				t.Errorf("id %q, want %q", a.ID, IDFromPath(name))
			}
			got, err := json.MarshalIndent(struct {
				Title, URL, Source, Language string
				Published                    time.Time
				Body                         []string
			}{a.Title, a.URL, a.Source, a.Language, a.Published, strings.Split(a.Body, "\n\n")}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "html", a.ID+".golden")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("%s differs from %s:\n%s", name, golden, got)
			}
		})
	}
}
