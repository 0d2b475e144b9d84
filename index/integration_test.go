package index

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"veille/corpus"
)

var updateSearch = flag.Bool("update-search", false, "rewrite testdata/search.golden")

// TestSearchGolden pins the results (order, totals, facets) of a set of
// searches on the sample corpus with the fake enricher; run with
// -update-search after an intended change and review the diff.
func TestSearchGolden(t *testing.T) {
	x := openSample(t)
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name string
		q    Query
	}{
		{"everything", Query{}},
		{"word", Query{Text: "nvidia"}},
		{"two words", Query{Text: "microsoft france"}},
		{"any mode", Query{Text: "airbus siemens", Mode: "any"}},
		{"phrase", Query{Text: `"centres de données"`}},
		{"exclusion", Query{Text: "nvidia -chine"}},
		{"typo", Query{Text: "microsfot"}},
		{"whole word", Query{Text: "investi"}},
		{"prefix", Query{Text: "investi", Prefix: true}},
		{"excluded company and source", Query{ExcludeCompanies: []string{"Nvidia"}, ExcludeSources: []string{"blog"}}},
		{"typo of a word the index lacks", Query{Text: "investisment"}},
		{"stemmed and folded", Query{Text: "societe"}},
		{"filter company", Query{Companies: []string{"Nvidia"}, Sort: "-date"}},
		{"filters across facets", Query{Companies: []string{"Microsoft", "Siemens"}, Countries: []string{"DE"}}},
		{"amount sort with range", Query{Sort: "-amount", AmountMin: f(1e8)}},
		{"date range", Query{From: day("2025-09-01"), To: day("2025-09-19"), Sort: "date"}},
		{"english text", Query{Text: "data centres"}},
	}
	var b strings.Builder
	for _, tc := range cases {
		res := mustSearch(t, x, tc.q)
		fmt.Fprintf(&b, "== %s\n", tc.name)
		fmt.Fprintf(&b, "total %d: %s\n", res.Total, strings.Join(hitIDs(res), " "))
		facet := func(name string, fvs []FacetValue) {
			parts := make([]string, len(fvs))
			for i, fv := range fvs {
				parts[i] = fmt.Sprintf("%s=%d", fv.Value, fv.Count)
			}
			fmt.Fprintf(&b, "%s: %s\n", name, strings.Join(parts, " "))
		}
		facet("company", res.Facets.Company)
		facet("country", res.Facets.Country)
		facet("lang", res.Facets.Language)
		facet("source", res.Facets.Source)
		facet("amount", res.Facets.Amount)
		facet("month", res.Facets.Month)
		facet("results: company", res.ResultFacets.Company)
		facet("results: source", res.ResultFacets.Source)
		if len(res.Corrections) > 0 {
			fmt.Fprintf(&b, "corrections: %v\n", res.Corrections)
		}
	}
	path := filepath.Join("testdata", "search.golden")
	if *updateSearch {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestSearchGolden -update-search to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("results differ from %s (run with -update-search to accept):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines that differ between want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// TestSeedsWithExtractor indexes the seed corpus (raw web pages) with the
// real extraction and searches it.
func TestSeedsWithExtractor(t *testing.T) {
	ctx := context.Background()
	x, _ := openTest(t, Options{Enricher: newExtractor(t)})
	names, err := corpus.Files(corpus.Seeds())
	if err != nil {
		t.Fatal(err)
	}
	var items []Item
	for _, name := range names {
		arts, err := corpus.ReadFile(corpus.Seeds(), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, a := range arts {
			items = append(items, Item{Article: a, Origin: Origin{Path: name, Stamp: "seed"}})
		}
	}
	if len(items) != 5 {
		t.Fatalf("%d seed articles, want 5", len(items))
	}
	for i, r := range x.PutMany(ctx, items) {
		if r.Err != nil {
			t.Fatalf("%s: %v", items[i].Article.ID, r.Err)
		}
		if r.Article.Language != "fr" {
			t.Errorf("%s: language %q, want fr", r.Article.ID, r.Article.Language)
		}
	}
	res := mustSearch(t, x, Query{Text: "nvidia", Highlight: true})
	if res.Total == 0 {
		t.Fatal("no seed article found for nvidia")
	}
	if h := strings.Join(hlStrings(res.Hits[0].Highlights)["body"], " "); !strings.Contains(strings.ToLower(h), "<mark>nvidia</mark>") {
		t.Errorf("first hit's body highlight has no marked Nvidia: %q", h)
	}
	if n := facetMap(res.Facets.Company)["Nvidia"]; n == 0 || uint64(n) > res.Total {
		t.Errorf("company facet for nvidia: %+v", res.Facets.Company)
	}
	all := mustSearch(t, x, Query{})
	if all.Total != 5 || facetMap(all.Facets.Language)["fr"] != 5 {
		t.Errorf("match all: total %d, languages %+v", all.Total, all.Facets.Language)
	}
	for _, fv := range all.Facets.Country {
		if len(fv.Value) != 2 || strings.ToUpper(fv.Value) != fv.Value {
			t.Errorf("country facet value %q is not an ISO code", fv.Value)
		}
	}
	origins, err := x.Origins(ctx)
	if err != nil || len(origins) != 5 {
		t.Errorf("Origins: %d, %v", len(origins), err)
	}
}

// TestLanguagesWithExtractor indexes English, German and French news
// without their language: detection routes each to its own fields.
func TestLanguagesWithExtractor(t *testing.T) {
	var arts []corpus.Article
	for _, src := range []struct {
		file, lang string
	}{{"news-en.jsonl.gz", "en"}, {"news-de.jsonl.gz", "de"}, {"orangesum-fr.jsonl.gz", "fr"}} {
		for _, a := range readJSONL(t, src.file, 30) {
			if a.Title == "" {
				a.Title = firstWords(a.Body, 8)
			}
			a.Language = ""
			arts = append(arts, a)
		}
	}
	x, _ := openTest(t, Options{Enricher: newExtractor(t)})
	put(t, x, arts...)
	st, err := x.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"en", "de", "fr"} {
		if st.Languages[l] < 27 {
			t.Errorf("%d articles detected as %s, want about 30 (%v)", st.Languages[l], l, st.Languages)
		}
	}
	for _, tc := range []struct{ text, lang string }{
		{"profits", "en"},
		{"Regierung", "de"},
		{"selon", "fr"},
	} {
		res := mustSearch(t, x, Query{Text: tc.text, PerPage: 100})
		if res.Total == 0 {
			t.Errorf("%q: no hit", tc.text)
			continue
		}
		langs := facetMap(res.Facets.Language)
		if top := slices.MaxFunc(res.Facets.Language, func(a, b FacetValue) int { return a.Count - b.Count }); top.Value != tc.lang {
			t.Errorf("%q: hits mostly in %s (%v), want %s", tc.text, top.Value, langs, tc.lang)
		}
	}
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(n, len(w))], " ")
}
