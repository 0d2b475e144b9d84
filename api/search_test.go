package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"veille/analyzers/countries"
	"veille/corpus"
	"veille/index"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// fakeCountries resolves a few names, like countries.Matcher does.
type fakeCountries map[string]string

func (f fakeCountries) Lookup(name string) (string, bool) {
	code, ok := f[strings.ToLower(name)]
	return code, ok
}

var _ CountryResolver = (*countries.Matcher)(nil)

func testCountries() fakeCountries {
	return fakeCountries{"no": "NO", "norvège": "NO", "norway": "NO", "gb": "GB", "royaume-uni": "GB", "uk": "GB", "fr": "FR"}
}

func ptr(f float64) *float64 { return &f }

func TestSearchParameters(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	endOf := func(s string) time.Time { return day(s).Add(24*time.Hour - time.Nanosecond) }
	base := index.Query{Highlight: true}
	tests := []struct {
		name  string
		query string
		want  func(q *index.Query)
	}{
		{"defaults", "", func(q *index.Query) {}},
		{"text trimmed", "q=%20nvidia%20", func(q *index.Query) { q.Text = "nvidia" }},
		{"mode any", "q=a+b&mode=ANY", func(q *index.Query) { q.Text, q.Mode = "a b", "any" }},
		{"mode all", "mode=all", func(q *index.Query) { q.Mode = "all" }},
		{"prefix while typing", "q=nvid&prefix=last", func(q *index.Query) { q.Text, q.Prefix = "nvid", true }},
		{"exclusions", "exclude_company=Nvidia&exclude_country=norway&exclude_source=blog&exclude_source=blog",
			func(q *index.Query) {
				q.ExcludeCompanies, q.ExcludeCountries, q.ExcludeSources = []string{"Nvidia"}, []string{"NO"}, []string{"blog"}
			}},
		{"facet size", "facet_size=200", func(q *index.Query) { q.FacetSize = 200 }},
		{"repeatable facets", "company=Nvidia&company=Nscale&company=Nvidia&source=lemonde.fr&lang=FR&lang=en",
			func(q *index.Query) {
				q.Companies = []string{"Nvidia", "Nscale"}
				q.Sources = []string{"lemonde.fr"}
				q.Languages = []string{"fr", "en"}
			}},
		{"country names and codes", "country=Norv%C3%A8ge&country=norway&country=GB&country=Royaume-Uni",
			func(q *index.Query) { q.Countries = []string{"NO", "GB"} }},
		{"empty values ignored", "company=&country=&lang=", func(q *index.Query) {}},
		{"amounts", "amount_min=1e9&amount_max=2500000000.5", func(q *index.Query) { q.AmountMin, q.AmountMax = ptr(1e9), ptr(2500000000.5) }},
		{"french decimal comma", "amount_min=2,5", func(q *index.Query) { q.AmountMin = ptr(2.5) }},
		{"amounts as people write them", "amount_min=1,5+Md&amount_max=2+milliards+d%27euros", func(q *index.Query) { q.AmountMin, q.AmountMax = ptr(1.5e9), ptr(2e9) }},
		{"page and per_page 0 are the defaults", "page=0&per_page=0", func(q *index.Query) {}},
		{"dates", "from=2025-09-01&to=2025-09-19", func(q *index.Query) { q.From, q.To = day("2025-09-01"), endOf("2025-09-19") }},
		{"same day", "from=2025-09-19&to=2025-09-19", func(q *index.Query) { q.From, q.To = day("2025-09-19"), endOf("2025-09-19") }},
		{"sort", "sort=-amount", func(q *index.Query) { q.Sort = "-amount" }},
		{"paging", "page=3&per_page=100", func(q *index.Query) { q.Page, q.PerPage = 3, 100 }},
		{"highlight ranges", "highlight=ranges", func(q *index.Query) {}},
		{"deepest page", "page=100&per_page=100", func(q *index.Query) { q.Page, q.PerPage = 100, 100 }},
		{"cursor", "cursor=abc", func(q *index.Query) { q.Cursor = "abc" }},
		{"cursor with page 1", "cursor=abc&page=1", func(q *index.Query) { q.Cursor, q.Page = "abc", 1 }},
		{"no highlight", "highlight=none", func(q *index.Query) { q.Highlight = false }},
		{"pretty accepted", "pretty", func(q *index.Query) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			s, _ := testServer(t, f, Options{Countries: testCountries()})
			rec := do(t, s, http.MethodGet, "/api/search?"+tc.query, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			want := base
			tc.want(&want)
			got := f.lastQuery
			got.FacetQuery.Match = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("query = %+v\nwant    %+v", f.lastQuery, want)
			}
		})
	}
}

func TestSearchParameterErrors(t *testing.T) {
	tests := []struct {
		query     string
		param     string // the parameter the error names
		code      string // empty: invalid_parameter
		fragments []string
	}{
		{"amount_min=abc", "amount_min", "", []string{"amount_min must be an amount of euros", "1,5 Md"}},
		{"amount_max=1e999", "amount_max", "", []string{"amount_max must be an amount"}},
		{"amount_max=NaN", "amount_max", "", []string{"amount_max must be an amount"}},
		{"amount_min=-5", "amount_min", "", []string{"amount_min"}},
		{"amount_min=10&amount_max=5", "amount_min", "", []string{"amount_min", "above amount_max"}},
		{"from=2025-13-01", "from", "", []string{"from", "YYYY-MM-DD"}},
		{"to=19/09/2025", "to", "", []string{"to", "YYYY-MM-DD", "19/09/2025"}},
		{"from=2025-09-20&to=2025-09-19", "from", "", []string{"from", "after"}},
		{"sort=score", "sort", "", []string{"sort", "relevance", "score"}},
		{"mode=some", "mode", "", []string{"mode", "all", "any"}},
		{"prefix=first", "prefix", "", []string{"prefix", "last"}},
		{"page=two", "page", "", []string{"page", "two"}},
		{"page=-1", "page", "", []string{"page"}},
		{"per_page=-3", "per_page", "", []string{"per_page", "1 to 100"}},
		{"per_page=1000", "per_page", "", []string{"per_page", "1 to 100"}},
		{"per_page=99999999999999999999", "per_page", "", []string{"per_page"}},
		{"page=101&per_page=100", "page", "", []string{"too deep", "cursor"}},
		{"page=1001", "page", "", []string{"too deep"}},
		{"cursor=abc&page=2", "page", "", []string{"either page or cursor"}},
		{"highlight=yes", "highlight", "", []string{"highlight", "html", "none"}},
		{"country=Atlantis", "country", "", []string{"unknown country", "Atlantis"}},
		{"exclude_country=Atlantis", "exclude_country", "", []string{"unknown country", "Atlantis"}},
		{"lang=french", "lang", "", []string{"lang", "ISO 639-1"}},
		{"lang=f1", "lang", "", []string{"lang"}},
		{"facet_size=0&facet_size=1", "facet_size", "", []string{"facet_size must be given once"}},
		{"facet_size=5000", "facet_size", "", []string{"facet_size", "1000"}},
		{"facet_query=nvidia", "facet_query", "", []string{"facet_query", "FACET:TEXT"}},
		{"facet_query=month:2025", "facet_query", "", []string{"facet_query", "company, country, lang or source"}},
		{"per-page=5", "", "", []string{"unknown parameter", "per-page"}},
		{"q=a&q=b", "q", "", []string{"q must be given once"}},
		{"sort=date&sort=-date", "sort", "", []string{"sort must be given once"}},
		{"q=" + strings.Repeat("x", 1001), "q", codeInvalidQuery, []string{"q is too long"}},
		{"q=caf%E9", "q", "", []string{"UTF-8"}},
		{"company=" + strings.Repeat("a&company=", 50) + "b", "company", "", []string{"company", "at most 50"}},
	}
	s, _ := testServer(t, newFake(), Options{Countries: testCountries()})
	for _, tc := range tests {
		name := tc.query
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			rec := do(t, s, http.MethodGet, "/api/search?"+tc.query, "")
			code := tc.code
			if code == "" {
				code = codeInvalidParameter
			}
			e := wantError(t, rec, http.StatusBadRequest, code, tc.fragments...)
			if e.Parameter != tc.param {
				t.Errorf("parameter %q, want %q", e.Parameter, tc.param)
			}
		})
	}
}

func TestCountryWithoutResolver(t *testing.T) {
	f := newFake()
	s, _ := testServer(t, f, Options{})
	if rec := do(t, s, http.MethodGet, "/api/search?country=gb", ""); rec.Code != http.StatusOK || f.lastQuery.Countries[0] != "GB" {
		t.Fatalf("country=gb: %d %v", rec.Code, f.lastQuery.Countries)
	}
	wantError(t, do(t, s, http.MethodGet, "/api/search?country=Norway", ""), http.StatusBadRequest, codeInvalidParameter, "Norway")
}

func TestSearchInvalidQueryFromEngine(t *testing.T) {
	f := newFake()
	f.searchErr = &wrapErr{msg: "index: invalid query: unbalanced quote in \"nvidia", err: index.ErrInvalidQuery}
	s, _ := testServer(t, f, Options{})
	e := wantError(t, do(t, s, http.MethodGet, `/api/search?q=%22nvidia`, ""), http.StatusBadRequest, codeInvalidQuery, "unbalanced quote")
	if strings.HasPrefix(e.Message, "index") {
		t.Errorf("message keeps the package prefix: %q", e.Message)
	}
}

type wrapErr struct {
	msg string
	err error
}

func (e *wrapErr) Error() string { return e.msg }
func (e *wrapErr) Unwrap() error { return e.err }

// cannedResults is a page of results exercising every wire field.
func cannedResults() index.Results {
	a := seedArticle()
	timed := corpus.Article{ID: "002_b646f2462df05c32", Title: "OpenAI et Nvidia",
		Published: time.Date(2025, 9, 22, 18, 5, 0, 0, time.FixedZone("", 2*3600)), Language: "fr"}
	a.Story = a.ID
	timed.Story = timed.ID
	reprint := corpus.Article{ID: "003_reprint", Title: "Nvidia mise sur le Royaume-Uni", URL: "https://example.org/nvidia",
		Source: "Le Monde", Published: time.Date(2025, 9, 19, 0, 0, 0, 0, time.UTC), Language: "fr", Story: a.ID}
	return index.Results{
		Total:    3, // stories (collapse=story)
		Articles: 4,
		Stories:  true,
		Hits: []index.Hit{
			{Article: a, Score: 1.92, Story: &index.StoryHits{Others: 1, Hits: []index.Hit{{Article: reprint}}}, Highlights: &index.Highlights{
				Title: index.Fragment{Text: "Nvidia investit au Royaume-Uni", Marks: []index.Mark{{Start: 0, End: 6}}},
				Body: []index.Fragment{
					{Text: "Nvidia va investir 683 millions de dollars dans Nscale.", Marks: []index.Mark{{Start: 0, End: 6}}},
					{Text: "… <script> & \"l'été\" …", Marks: []index.Mark{{Start: 18, End: 23}}},
				}}},
			{Article: timed, Score: 1.5, Story: &index.StoryHits{Hits: []index.Hit{}}},
		},
		Facets: index.Facets{
			Company:  []index.FacetValue{{Value: "Nvidia", Count: 4}, {Value: "Nscale", Count: 2}},
			Country:  []index.FacetValue{{Value: "GB", Count: 3}, {Value: "CN", Count: 1}},
			Source:   []index.FacetValue{{Value: "AFP", Count: 3}},
			Language: []index.FacetValue{{Value: "fr", Count: 5}},
			Amount: []index.FacetValue{
				{Value: "1-10 Md€", Min: ptr(1e9), Max: ptr(1e10), Count: 2},
				{Value: "≥ 10 Md€", Min: ptr(1e10), Count: 1}},
			Month: []index.FacetValue{{Value: "2025-09", Count: 3}},
		},
		ResultFacets: index.Facets{
			Company: []index.FacetValue{{Value: "Nvidia", Count: 2}},
			Country: []index.FacetValue{{Value: "GB", Count: 2}},
		},
		Corrections: map[string]string{"nvidai": "nvidia"},
		NextCursor:  "opaque-cursor",
		Took:        1300 * time.Microsecond,
	}
}

func TestSearchResponseGolden(t *testing.T) {
	f := newFake()
	res := cannedResults()
	f.results = &res
	names := func(code string) string {
		return map[string]string{"GB": "Royaume-Uni", "CN": "Chine"}[code]
	}
	s, _ := testServer(t, f, Options{CountryName: names})
	rec := do(t, s, http.MethodGet, "/api/search?q=nvidia&collapse=story&pretty", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	golden(t, "search_response.json", rec.Body.Bytes())

	// No hits, no facets: arrays, not null.
	f.results = &index.Results{}
	rec = do(t, s, http.MethodGet, "/api/search?q=zzz", "")
	if strings.Contains(rec.Body.String(), "null") || strings.Contains(rec.Body.String(), "next_cursor") {
		t.Errorf("empty results: %s", rec.Body)
	}
	for _, want := range []string{`"hits":[]`, `"company":[]`, `"country":[]`, `"lang":[]`, `"amount":[]`, `"month":[]`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("empty results lack %s: %s", want, rec.Body)
		}
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./api -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
	var v any
	if err := json.Unmarshal(want, &v); err != nil {
		t.Errorf("golden %s is not JSON: %v", name, err)
	}
}

// FuzzSearchParameters checks that no query string makes the search route
// panic or answer 5xx, and that every 4xx carries the error body.
func FuzzSearchParameters(f *testing.F) {
	for _, seed := range []string{
		"", "q=nvidia", "q=%22unclosed", "page=0", "per_page=-1", "amount_min=1e309", "from=2025-02-30",
		"country=%00", "lang=%FF", "sort=", "cursor=%2F%2F", "q=a&q=b", "page=9223372036854775807", "per_page=1&page=10000",
		"company=" + url.QueryEscape("Nvidia & co"), "highlight=HTML", "amount_min=0x10", "to=0000-01-01",
	} {
		f.Add(seed)
	}
	svc := newFake(seedArticle())
	s, _ := testServer(f, svc, Options{Countries: testCountries()})
	f.Fuzz(func(t *testing.T, query string) {
		// The raw query as a client could send it, unparsed.
		rec := do(t, s, http.MethodGet, "/api/search", "", func(r *http.Request) { r.URL.RawQuery = query })
		switch {
		case rec.Code == http.StatusOK:
		case rec.Code >= 400 && rec.Code < 500:
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
				t.Fatalf("%s: %d with body %s", query, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("%s: status %d: %s", query, rec.Code, rec.Body)
		}
	})
}

func BenchmarkSearchHandler(b *testing.B) {
	f := newFake()
	res := cannedResults()
	f.results = &res
	s, _ := testServer(b, f, Options{Countries: testCountries()})
	b.ReportAllocs()
	for b.Loop() {
		rec := do(b, s, http.MethodGet, "/api/search?q=nvidia&country=GB&company=Nvidia&amount_min=1e6&from=2025-01-01", "")
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
