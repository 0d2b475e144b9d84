package index

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"veille/corpus"
)

// sample reads testdata/articles.jsonl: a small mixed-language corpus
// (French, English, German) whose companies, countries and amounts the
// fake enricher finds.
func sample(t testing.TB) []corpus.Article {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpus.Article
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a corpus.Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// openSample opens an index holding the sample corpus.
func openSample(t testing.TB) *Index {
	t.Helper()
	x, _ := openTest(t, Options{})
	put(t, x, sample(t)...)
	return x
}

func TestPutGetReplaceDelete(t *testing.T) {
	ctx := context.Background()
	x, _ := openTest(t, Options{})
	a := corpus.Article{ID: "art-1", Title: "Nvidia au Royaume-Uni", Body: "Nvidia investit 683 millions de dollars.", Published: day("2025-09-19")}

	created, stored, err := x.Put(ctx, a, Origin{})
	if err != nil || !created {
		t.Fatalf("first Put: created=%v err=%v, want created", created, err)
	}
	if stored.Language != "fr" || !slices.Equal(stored.Companies, []string{"Nvidia"}) || !slices.Equal(stored.Countries, []string{"GB"}) || len(stored.Amounts) != 1 {
		t.Errorf("stored article not enriched: %+v", stored)
	}
	got, err := x.Get(ctx, "art-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != a.Title || got.Body != a.Body || !got.Published.Equal(a.Published) || !slices.Equal(got.Companies, stored.Companies) {
		t.Errorf("Get = %+v, want %+v", got, stored)
	}

	// Replace: the new text is searchable, the old one is not.
	a.Title, a.Body = "Microsoft en France", "Microsoft investit en France."
	created, _, err = x.Put(ctx, a, Origin{})
	if err != nil || created {
		t.Fatalf("second Put: created=%v err=%v, want replaced", created, err)
	}
	if res := mustSearch(t, x, Query{Text: "nvidia"}); res.Total != 0 {
		t.Errorf("old text still found: %v", hitIDs(res))
	}
	if res := mustSearch(t, x, Query{Text: "microsoft"}); !slices.Equal(hitIDs(res), []string{"art-1"}) {
		t.Errorf("new text not found: %v", hitIDs(res))
	}
	if res := mustSearch(t, x, Query{}); res.Total != 1 {
		t.Errorf("replace changed the count: %d", res.Total)
	}

	if err := x.Delete(ctx, "art-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Get(ctx, "art-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := x.Delete(ctx, "art-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
	if res := mustSearch(t, x, Query{}); res.Total != 0 {
		t.Errorf("deleted article still found")
	}
}

func TestPutInvalid(t *testing.T) {
	ctx := context.Background()
	x, _ := openTest(t, Options{})
	for _, tc := range []struct {
		name string
		a    corpus.Article
	}{
		{"no id", corpus.Article{Title: "t"}},
		{"bad id", corpus.Article{ID: "../etc", Title: "t"}},
		{"no text", corpus.Article{ID: "x"}},
		{"bad utf8", corpus.Article{ID: "x", Title: "\xff"}},
		{"bad language", corpus.Article{ID: "x", Title: "t", Language: "french"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := x.Put(ctx, tc.a, Origin{}); !errors.Is(err, ErrInvalidArticle) {
				t.Errorf("Put: %v, want ErrInvalidArticle", err)
			}
		})
	}
}

func TestPutManyCreatedAndErrors(t *testing.T) {
	x, _ := openTest(t, Options{})
	put(t, x, corpus.Article{ID: "old", Title: "ancien"})
	res := x.PutMany(context.Background(), []Item{
		{Article: corpus.Article{ID: "new", Title: "nouveau"}},
		{Article: corpus.Article{ID: "old", Title: "remplacé"}},
		{Article: corpus.Article{ID: "", Title: "sans id"}},
		{Article: corpus.Article{ID: "dup", Title: "premier"}},
		{Article: corpus.Article{ID: "dup", Title: "second"}},
	})
	want := []struct {
		created bool
		invalid bool
	}{{true, false}, {false, false}, {false, true}, {true, false}, {false, false}}
	for i, w := range want {
		if w.invalid != errors.Is(res[i].Err, ErrInvalidArticle) || (!w.invalid && res[i].Err != nil) {
			t.Errorf("item %d: err %v, want invalid=%v", i, res[i].Err, w.invalid)
		}
		if res[i].Created != w.created {
			t.Errorf("item %d: created %v, want %v", i, res[i].Created, w.created)
		}
	}
	got, err := x.Get(context.Background(), "dup")
	if err != nil || got.Title != "second" {
		t.Errorf("dup = %q, %v; want the last one", got.Title, err)
	}
}

func TestDurabilityAcrossReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	arts := sample(t)
	put(t, x, arts...)
	if _, _, err := x.Put(ctx, corpus.Article{ID: "single", Title: "un seul"}, Origin{Path: "a/single.txt", Stamp: "42"}); err != nil {
		t.Fatal(err)
	}
	if err := x.Delete(ctx, arts[0].ID); err != nil {
		t.Fatal(err)
	}
	before, err := x.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}

	y, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	after, err := y.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Articles != uint64(len(arts)) || after.Articles != before.Articles {
		t.Errorf("articles after reopen = %d, before %d, want %d", after.Articles, before.Articles, len(arts))
	}
	if !after.LastIngest.Equal(before.LastIngest) || after.LastIngest.IsZero() {
		t.Errorf("last ingest %v, want %v", after.LastIngest, before.LastIngest)
	}
	for _, a := range arts[1:] {
		if _, err := y.Get(ctx, a.ID); err != nil {
			t.Errorf("Get(%s) after reopen: %v", a.ID, err)
		}
	}
	if _, err := y.Get(ctx, arts[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted article back after reopen: %v", err)
	}
	origins, err := y.Origins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]Origin{"single": {Path: "a/single.txt", Stamp: "42"}}; !mapsEqual(origins, want) {
		t.Errorf("Origins = %v, want %v", origins, want)
	}
}

func mapsEqual(a, b map[string]Origin) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSearchableRightAfterPut(t *testing.T) {
	x, _ := openTest(t, Options{})
	for i := range 20 {
		id := fmt.Sprintf("n-%d", i)
		if _, _, err := x.Put(context.Background(), corpus.Article{ID: id, Title: fmt.Sprintf("dépêche numéro%d", i)}, Origin{}); err != nil {
			t.Fatal(err)
		}
		res := mustSearch(t, x, Query{Text: fmt.Sprintf("numéro%d", i)})
		if !slices.Equal(hitIDs(res), []string{id}) {
			t.Fatalf("article %s not searchable right after Put: %v", id, hitIDs(res))
		}
	}
}

func TestFilters(t *testing.T) {
	x := openSample(t)
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name string
		q    Query
		want []string // ids, any order
	}{
		{"company", Query{Companies: []string{"Microsoft"}}, []string{"fr-microsoft-france", "fr-openai-microsoft", "en-siemens"}},
		{"company case and accents", Query{Companies: []string{"microsoft"}}, []string{"fr-microsoft-france", "fr-openai-microsoft", "en-siemens"}},
		{"companies OR", Query{Companies: []string{"Airbus", "Siemens"}}, []string{"fr-airbus", "en-siemens", "de-siemens"}},
		{"unknown company", Query{Companies: []string{"Nokia"}}, nil},
		{"country", Query{Countries: []string{"gb"}}, []string{"fr-nvidia-uk", "fr-nodate", "en-nvidia-britain"}},
		{"company AND country", Query{Companies: []string{"Microsoft"}, Countries: []string{"DE"}}, []string{"en-siemens"}},
		{"languages OR", Query{Languages: []string{"en", "de"}}, []string{"en-siemens", "en-nvidia-britain", "de-siemens"}},
		{"source", Query{Sources: []string{"wire", "blog"}}, []string{"en-siemens", "en-nvidia-britain", "fr-nodate", "fr-script"}},
		{"amount range", Query{AmountMin: f(1e9), AmountMax: f(1e10)}, []string{"fr-microsoft-france", "fr-openai-microsoft", "en-siemens"}},
		{"amount min only", Query{AmountMin: f(1e11)}, []string{"fr-huge"}},
		{"amount bounds inclusive", Query{AmountMin: f(3e6), AmountMax: f(3e6)}, []string{"fr-huge"}},
		{"date range inclusive", Query{From: day("2025-09-19"), To: day("2025-09-20")}, []string{"fr-nvidia-uk", "fr-microsoft-france", "fr-huge"}},
		{"date from only", Query{From: day("2025-09-20")}, []string{"fr-microsoft-france", "fr-openai-microsoft"}},
		{"text and filter", Query{Text: "nvidia", Languages: []string{"en"}}, []string{"en-nvidia-britain"}},
		{"everything", Query{Text: "siemens", Companies: []string{"Siemens"}, Countries: []string{"DE"}, Languages: []string{"en"}, Sources: []string{"wire"}, AmountMin: f(1e9), From: day("2025-01-01"), To: day("2025-12-31")}, []string{"en-siemens"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSearch(t, x, tc.q)
			got := hitIDs(res)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || res.Total != uint64(len(want)) {
				t.Errorf("got %v (total %d), want %v", got, res.Total, want)
			}
		})
	}
}

// facetMap turns facet values into value -> count.
func facetMap(fvs []FacetValue) map[string]int {
	m := make(map[string]int, len(fvs))
	for _, fv := range fvs {
		m[fv.Value] = fv.Count
	}
	return m
}

func TestMultiSelectFacets(t *testing.T) {
	x := openSample(t)
	f := func(v float64) *float64 { return &v }
	type counts = map[string]int
	for _, tc := range []struct {
		name                   string
		q                      Query
		company, country, lang counts
		amount, month          counts
	}{
		{
			name:    "no filter",
			q:       Query{},
			company: counts{"Nvidia": 4, "Nscale": 3, "Microsoft": 3, "OpenAI": 2, "Siemens": 2, "Airbus": 1},
			country: counts{"GB": 3, "CN": 2, "FR": 2, "DE": 2},
			lang:    counts{"fr": 8, "en": 2, "de": 1},
			amount:  counts{"100 M-1 Md€": 3, "1-10 Md€": 3, "1-100 M€": 1, "≥ 100 Md€": 1},
		},
		{
			// The company facet ignores the company filter; the others apply it.
			name:    "company selected",
			q:       Query{Companies: []string{"Microsoft"}},
			company: counts{"Nvidia": 4, "Nscale": 3, "Microsoft": 3, "OpenAI": 2, "Siemens": 2, "Airbus": 1},
			country: counts{"FR": 1, "DE": 1},
			lang:    counts{"fr": 2, "en": 1},
			amount:  counts{"1-10 Md€": 3},
			month:   counts{"2025-09": 3},
		},
		{
			name:    "company and country selected",
			q:       Query{Companies: []string{"Microsoft"}, Countries: []string{"DE"}},
			company: counts{"Siemens": 2, "Microsoft": 1},
			country: counts{"FR": 1, "DE": 1},
			lang:    counts{"en": 1},
			amount:  counts{"1-10 Md€": 1},
		},
		{
			name:    "amount range selected",
			q:       Query{AmountMin: f(1e9), AmountMax: f(1e10)},
			company: counts{"Microsoft": 3, "OpenAI": 2, "Nvidia": 1, "Siemens": 1},
			amount:  counts{"100 M-1 Md€": 3, "1-10 Md€": 3, "1-100 M€": 1, "≥ 100 Md€": 1},
		},
		{
			name:  "date range selected",
			q:     Query{From: day("2025-09-01"), To: day("2025-09-30")},
			lang:  counts{"fr": 4, "en": 2},
			month: counts{"2025-09": 6, "2025-08": 1, "2025-07": 1, "2025-06": 1, "2025-05": 1},
		},
		{
			name:    "language selected",
			q:       Query{Languages: []string{"de"}},
			company: counts{"Siemens": 1},
			lang:    counts{"fr": 8, "en": 2, "de": 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSearch(t, x, tc.q)
			check := func(name string, got []FacetValue, want counts) {
				if want == nil {
					return
				}
				g := facetMap(got)
				for v, n := range g { // selected values with no article are listed with 0
					if n == 0 {
						delete(g, v)
					}
				}
				if len(g) != len(want) {
					t.Errorf("%s facet = %v, want %v", name, g, want)
					return
				}
				for v, n := range want {
					if g[v] != n {
						t.Errorf("%s facet = %v, want %v", name, g, want)
						return
					}
				}
			}
			check("company", res.Facets.Company, tc.company)
			check("country", res.Facets.Country, tc.country)
			check("lang", res.Facets.Language, tc.lang)
			check("amount", res.Facets.Amount, tc.amount)
			check("month", res.Facets.Month, tc.month)
		})
	}
}

func TestFacetDetails(t *testing.T) {
	x := openSample(t)
	res := mustSearch(t, x, Query{Companies: []string{"Nokia"}, FacetSize: 2})
	company := res.Facets.Company
	if len(company) != 3 || company[0].Value != "Nvidia" || company[0].Count != 4 || company[2].Value != "Nokia" || company[2].Count != 0 {
		t.Errorf("company facet with size 2 and an unknown selected value = %+v", company)
	}
	res = mustSearch(t, x, Query{})
	for _, fv := range res.Facets.Amount {
		b := amountBands[slices.IndexFunc(amountBands[:], func(b band) bool { return b.Label == fv.Value })]
		if fv.Min == nil || *fv.Min != b.Min || (fv.Max == nil) != (b.Label == "≥ 100 Md€") {
			t.Errorf("amount value %+v: bounds wrong", fv)
		}
	}
	if got := res.Facets.Amount; len(got) < 2 || got[0].Value != "1-100 M€" {
		t.Errorf("amount bands not in increasing order: %+v", got)
	}
	if got := res.Facets.Month; len(got) == 0 || got[0].Value != "2025-09" {
		t.Errorf("months not newest first: %+v", got)
	}
}

func TestSorts(t *testing.T) {
	x := openSample(t)
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"default without text: newest first, undated last", Query{PerPage: 100}, []string{
			"fr-openai-microsoft", "fr-microsoft-france", "fr-huge", "fr-nvidia-uk", "en-nvidia-britain", "en-siemens",
			"fr-airbus", "fr-societes", "de-siemens", "fr-script", "fr-nodate"}},
		{"date ascending, undated last", Query{Sort: "date", PerPage: 3}, []string{"fr-script", "de-siemens", "fr-societes"}},
		{"amount descending", Query{Sort: "-amount", PerPage: 4}, []string{"fr-huge", "fr-openai-microsoft", "fr-microsoft-france", "en-siemens"}},
		{"amount ascending, none last", Query{Sort: "amount", PerPage: 100}, []string{
			"de-siemens", "fr-airbus", "fr-nvidia-uk", "en-siemens", "fr-microsoft-france", "fr-openai-microsoft", "fr-huge",
			"en-nvidia-britain", "fr-nodate", "fr-script", "fr-societes"}},
		{"date with text", Query{Text: "nvidia", Sort: "-date"}, []string{"fr-openai-microsoft", "fr-nvidia-uk", "en-nvidia-britain", "fr-script"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hitIDs(mustSearch(t, x, tc.q)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v\nwant %v", got, tc.want)
			}
		})
	}
	// Relevance: scores never increase down the page.
	res := mustSearch(t, x, Query{Text: "nvidia"})
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("relevance order broken at %d: %v", i, hitIDs(res))
		}
	}
	if res.Hits[0].Score <= 0 {
		t.Errorf("relevance hits have no score")
	}
}

func TestPagingAndCursor(t *testing.T) {
	x, _ := openTest(t, Options{})
	var arts []corpus.Article
	for i := range 57 {
		arts = append(arts, corpus.Article{
			ID:        fmt.Sprintf("p-%02d", i),
			Title:     "dépêche économie",
			Body:      strings.Repeat("économie ", 1+i%5),
			Published: day("2025-01-01").AddDate(0, 0, i%7), // many ties
		})
	}
	put(t, x, arts...)
	for _, q := range []Query{{}, {Text: "économie"}, {Sort: "date"}, {Sort: "-amount"}, {Text: "économie", Sort: "-date"}} {
		t.Run(q.Text+string(q.Sort), func(t *testing.T) {
			all := mustSearch(t, x, Query{Text: q.Text, Sort: q.Sort, PerPage: 100})
			if len(all.Hits) != 57 || all.NextCursor != "" {
				t.Fatalf("one big page: %d hits, cursor %q", len(all.Hits), all.NextCursor)
			}
			// Pages.
			var paged []string
			for page := 1; ; page++ {
				res := mustSearch(t, x, Query{Text: q.Text, Sort: q.Sort, PerPage: 10, Page: page})
				if res.Total != 57 {
					t.Fatalf("page %d: total %d", page, res.Total)
				}
				if len(res.Hits) == 0 {
					break
				}
				paged = append(paged, hitIDs(res)...)
			}
			if !slices.Equal(paged, hitIDs(all)) {
				t.Errorf("pages differ from the big page:\n%v\n%v", paged, hitIDs(all))
			}
			// Cursor.
			var walked []string
			cursor := ""
			for n := 0; n < 10; n++ {
				res := mustSearch(t, x, Query{Text: q.Text, Sort: q.Sort, PerPage: 8, Cursor: cursor})
				walked = append(walked, hitIDs(res)...)
				if res.NextCursor == "" {
					break
				}
				cursor = res.NextCursor
			}
			if !slices.Equal(walked, hitIDs(all)) {
				t.Errorf("cursor walk differs from the big page:\n%v\n%v", walked, hitIDs(all))
			}
		})
	}
	first := mustSearch(t, x, Query{Text: "économie", PerPage: 5})
	for _, tc := range []struct {
		name string
		q    Query
	}{
		{"cursor of another query", Query{Text: "dépêche", PerPage: 5, Cursor: first.NextCursor}},
		{"cursor with another page size", Query{Text: "économie", PerPage: 6, Cursor: first.NextCursor}},
		{"garbage cursor", Query{Text: "économie", PerPage: 5, Cursor: "not-a-cursor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := x.Search(context.Background(), tc.q); !errors.Is(err, ErrInvalidQuery) {
				t.Errorf("got %v, want ErrInvalidQuery", err)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	x := openSample(t)
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name string
		q    Query
		ok   bool
	}{
		{"defaults", Query{}, true},
		{"per_page 100", Query{PerPage: 100}, true},
		{"per_page 101", Query{PerPage: 101}, false},
		{"per_page negative", Query{PerPage: -1}, false},
		{"page negative", Query{Page: -2}, false},
		{"deep page", Query{Page: 1001, PerPage: 10}, false},
		{"last allowed page", Query{Page: 1000, PerPage: 10}, true},
		{"unknown sort", Query{Sort: "title"}, false},
		{"unknown mode", Query{Text: "x", Mode: "some"}, false},
		{"amount min above max", Query{AmountMin: f(10), AmountMax: f(1)}, false},
		{"from after to", Query{From: day("2025-02-01"), To: day("2025-01-01")}, false},
		{"from equals to", Query{From: day("2025-02-01"), To: day("2025-02-01")}, true},
		{"facet size negative", Query{FacetSize: -1}, false},
		{"invalid utf8 text", Query{Text: "\xff"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := x.Search(context.Background(), tc.q)
			if tc.ok && err != nil {
				t.Errorf("unexpected error %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidQuery) {
				t.Errorf("got %v, want ErrInvalidQuery", err)
			}
		})
	}
}

func TestHighlights(t *testing.T) {
	x := openSample(t)
	res := mustSearch(t, x, Query{Text: "nvidia", Highlight: true, PerPage: 100})
	var script *Hit
	for i, h := range res.Hits {
		hl := hlStrings(h.Highlights)
		if len(hl["title"]) == 0 || len(hl["body"]) == 0 {
			t.Errorf("%s: highlights %v", h.Article.ID, hl)
		}
		if !strings.Contains(strings.Join(hl["title"], "")+strings.Join(hl["body"], ""), "<mark>") {
			t.Errorf("%s: no mark in %v", h.Article.ID, hl)
		}
		if h.Article.Body != "" {
			t.Errorf("%s: a hit carries its body", h.Article.ID)
		}
		if h.Article.ID == "fr-script" {
			script = &res.Hits[i]
		}
	}
	if script == nil {
		t.Fatal("fr-script not found")
	}
	// Markup in the text is text: only the marks say what matched.
	for _, m := range slices.Concat([]Mark{}, script.Highlights.Title.Marks) {
		if w := script.Highlights.Title.Text[m.Start:m.End]; !strings.EqualFold(w, "nvidia") {
			t.Errorf("fr-script: title mark on %q", w)
		}
	}
	if tl := script.Highlights.Title.Text; !strings.Contains(tl, "<script>alert(1)</script>") {
		t.Errorf("the script tag of the title is not in its text: %q", tl)
	}
	// Without text there is nothing to mark, but a snippet is given.
	res = mustSearch(t, x, Query{Highlight: true, PerPage: 1})
	if b := res.Hits[0].Highlights.Body; len(b) != 1 || len(b[0].Marks) > 0 || b[0].Text == "" {
		t.Errorf("snippet without text = %q", markups(b))
	}
	// Without Highlight, none.
	if res := mustSearch(t, x, Query{Text: "nvidia"}); res.Hits[0].Highlights != nil {
		t.Errorf("highlights without Highlight: %v", res.Hits[0].Highlights)
	}
}

func TestMixedLanguages(t *testing.T) {
	x := openSample(t)
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Gewerkschaft", []string{"de-siemens"}},
		{"sociétés", []string{"fr-societes"}},
		{"societe etats-unis", []string{"fr-societes"}},
		{"factories", []string{"en-siemens"}},
		{"centres de données", []string{"fr-microsoft-france", "fr-nvidia-uk"}},
	} {
		got := hitIDs(mustSearch(t, x, Query{Text: tc.text}))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.text, got, tc.want)
		}
	}
	st, err := x.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != 11 || st.Languages["fr"] != 8 || st.Languages["en"] != 2 || st.Languages["de"] != 1 || st.Generation != 1 || st.SizeBytes <= 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestLockedByAnotherOpen(t *testing.T) {
	x, dir := openTest(t, Options{})
	_ = x
	start := time.Now()
	y, err := Open(context.Background(), dir, Options{LockTimeout: 300 * time.Millisecond})
	if err == nil {
		y.Close()
		t.Fatal("second Open succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second Open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %s", d)
	}
	// Once closed, the folder can be opened again.
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err = Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	y.Close()
}

func TestOpenRemovesStaleGeneration(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	put(t, x, sample(t)[:2]...)
	x.Close()
	// A rebuild interrupted by a crash leaves a generation CURRENT does not name.
	stale := filepath.Join(dir, genName(2))
	if err := os.MkdirAll(filepath.Join(stale, "store"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, currentFile+".tmp-123"), []byte("gen-000002"), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err = Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale generation still there: %v", err)
	}
	if res := mustSearch(t, x, Query{}); res.Total != 2 {
		t.Errorf("total %d after reopen", res.Total)
	}
}

func TestOpenReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write anywhere")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if _, err := Open(context.Background(), filepath.Join(dir, "data"), Options{}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Open in a read-only folder: %v, want ErrReadOnly", err)
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	x := openSample(t)
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := x.Put(ctx, corpus.Article{ID: "a", Title: "t"}, Origin{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Put: %v", err)
	}
	if r := x.PutMany(ctx, []Item{{Article: corpus.Article{ID: "a", Title: "t"}}}); !errors.Is(r[0].Err, ErrClosed) {
		t.Errorf("PutMany: %v", r[0].Err)
	}
	if _, err := x.Get(ctx, "fr-airbus"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get: %v", err)
	}
	if err := x.Delete(ctx, "fr-airbus"); !errors.Is(err, ErrClosed) {
		t.Errorf("Delete: %v", err)
	}
	if _, err := x.Search(ctx, Query{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Search: %v", err)
	}
	if _, err := x.Stats(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Stats: %v", err)
	}
	if _, err := x.Origins(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Origins: %v", err)
	}
	if err := x.Rebuild(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Rebuild: %v", err)
	}
}

func TestCloseFlushesQueuedWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}, CommitInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := x.Put(ctx, corpus.Article{ID: fmt.Sprintf("c-%d", i), Title: "concurrent"}, Origin{}); err == nil {
				acked.Add(1)
			} else if !errors.Is(err, ErrClosed) {
				t.Errorf("Put: %v", err)
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	y, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if res := mustSearch(t, y, Query{}); res.Total < uint64(acked.Load()) {
		t.Errorf("%d acknowledged writes, %d found after reopen", acked.Load(), res.Total)
	}
}

func TestOrigins(t *testing.T) {
	ctx := context.Background()
	x, _ := openTest(t, Options{})
	res := x.PutMany(ctx, []Item{
		{Article: corpus.Article{ID: "f1", Title: "un"}, Origin: Origin{Path: "f1.txt", Stamp: "s1"}},
		{Article: corpus.Article{ID: "f2", Title: "deux"}, Origin: Origin{Path: "sub/f2.md", Stamp: "s2"}},
		{Article: corpus.Article{ID: "api", Title: "trois"}},
	})
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if err := x.Delete(ctx, "f1"); err != nil {
		t.Fatal(err)
	}
	got, err := x.Origins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]Origin{"f2": {Path: "sub/f2.md", Stamp: "s2"}}; !mapsEqual(got, want) {
		t.Errorf("Origins = %v, want %v", got, want)
	}
}

func TestContextCancelled(t *testing.T) {
	x := openSample(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.Search(ctx, Query{Text: "nvidia"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search: %v", err)
	}
	if _, _, err := x.Put(ctx, corpus.Article{ID: "z", Title: "z"}, Origin{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put: %v", err)
	}
}

func TestOpenWithoutCurrentKeepsData(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	put(t, x, sample(t)[:3]...)
	x.Close()
	if err := os.Remove(filepath.Join(dir, currentFile)); err != nil {
		t.Fatal(err)
	}
	x, err = Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if res := mustSearch(t, x, Query{}); res.Total != 3 {
		t.Errorf("after losing CURRENT: %d articles, want 3", res.Total)
	}
	if cur, err := readCurrent(dir); cur != 1 || err != nil {
		t.Errorf("CURRENT = %d, %v", cur, err)
	}
}
