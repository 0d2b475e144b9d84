package index

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"veille/corpus"
)

// fakeEnricher is a tiny deterministic stand-in for analyzers.Extractor:
// language "fr" unless given, a fixed list of companies and countries, and
// amounts written "<n> millions|milliards d'euros|de dollars".
type fakeEnricher struct{}

var (
	fakeCompanies = []string{"Nvidia", "Microsoft", "OpenAI", "Nscale", "Airbus", "Siemens"}
	fakeCountries = map[string]string{"France": "FR", "Royaume-Uni": "GB", "Chine": "CN", "Allemagne": "DE", "Germany": "DE", "Britain": "GB"}
	fakeAmountRe  = regexp.MustCompile(`(\d+(?:,\d+)?) (millions|milliards) (d'euros|de dollars)`)
)

func (fakeEnricher) Enrich(_ context.Context, a *corpus.Article) error {
	text := a.Title + "\n" + a.Body
	if a.Language == "" {
		a.Language = "fr"
	}
	a.Companies, a.Countries, a.Amounts = nil, nil, nil
	for _, c := range fakeCompanies {
		if strings.Contains(text, c) {
			a.Companies = append(a.Companies, c)
		}
	}
	names := make([]string, 0, len(fakeCountries))
	for n := range fakeCountries {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if strings.Contains(text, n) && !slices.Contains(a.Countries, fakeCountries[n]) {
			a.Countries = append(a.Countries, fakeCountries[n])
		}
	}
	for _, m := range fakeAmountRe.FindAllStringSubmatch(text, -1) {
		v, _ := strconv.ParseFloat(strings.Replace(m[1], ",", ".", 1), 64)
		mult := 1e6
		if m[2] == "milliards" {
			mult = 1e9
		}
		cur, eur := "EUR", v*mult
		if m[3] == "de dollars" {
			cur, eur = "USD", v*mult*0.9
		}
		a.Amounts = append(a.Amounts, corpus.Amount{Value: v * mult, Currency: cur, EUR: eur, Text: m[0]})
	}
	return nil
}

// day returns the UTC midnight of a "YYYY-MM-DD" date.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// openTest opens an index in a fresh temporary folder with the fake
// enricher, closed at the end of the test.
func openTest(t testing.TB, opts Options) (*Index, string) {
	t.Helper()
	dir := t.TempDir()
	if opts.Enricher == nil {
		opts.Enricher = fakeEnricher{}
	}
	x, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = x.Close() })
	return x, dir
}

// put stores articles and fails the test on any error.
func put(t testing.TB, x *Index, arts ...corpus.Article) {
	t.Helper()
	items := make([]Item, len(arts))
	for i, a := range arts {
		items[i] = Item{Article: a}
	}
	for i, r := range x.PutMany(context.Background(), items) {
		if r.Err != nil {
			t.Fatalf("put %s: %v", arts[i].ID, r.Err)
		}
	}
}

// search runs q and fails the test on error.
func mustSearch(t testing.TB, x *Index, q Query) Results {
	t.Helper()
	res, err := x.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

// hlStrings returns h as {"title": [title], "body": fragments}, each
// fragment with its marks as <mark> tags (see markup); nil for nil.
func hlStrings(h *Highlights) map[string][]string {
	if h == nil {
		return nil
	}
	out := map[string][]string{"body": markups(h.Body)}
	if h.Title.Text != "" {
		out["title"] = []string{markup(h.Title)}
	}
	return out
}

// cursorWalk returns the ids of the hits of q's pages, following
// NextCursor, at most pages of them.
func cursorWalk(t testing.TB, x *Index, q Query, pages int) []string {
	t.Helper()
	var ids []string
	for range pages {
		res := mustSearch(t, x, q)
		ids = append(ids, hitIDs(res)...)
		if res.NextCursor == "" {
			break
		}
		q.Cursor = res.NextCursor
	}
	return ids
}

func hitIDs(res Results) []string {
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.Article.ID
	}
	return ids
}

// dataFile returns the path of a shared data file, skipping the test when
// it is absent (the data folder sits next to the module: ../../shared/data
// from this package).
func dataFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not available: %v", name, err)
	}
	return p
}

// readJSONL reads up to limit articles (0: all) of a shared data file.
func readJSONL(t testing.TB, name string, limit int) []corpus.Article {
	t.Helper()
	f, err := os.Open(dataFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var out []corpus.Article
	for sc.Scan() {
		var rec struct {
			ID, URL, Date, Category, Title, Text, Lang string
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		a := corpus.Article{ID: rec.ID, Title: rec.Title, Body: rec.Text, URL: rec.URL, Source: rec.Category, Language: rec.Lang}
		if rec.Date != "" {
			if d, err := time.Parse(time.DateOnly, rec.Date); err == nil {
				a.Published = d
			}
		}
		out = append(out, a)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var _ = runtime.NumCPU
