package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"veille/corpus"
	"veille/index"
)

func TestBusySearchesAnswer429(t *testing.T) {
	f := newFake()
	f.searchErr = fmt.Errorf("search: %w: 1 expensive search running", index.ErrBusy)
	s, _ := testServer(t, f, Options{})
	rec := do(t, s, http.MethodGet, `/api/search?q=%22le+de+la%22`, "")
	wantError(t, rec, http.StatusTooManyRequests, codeBusy, "try again")
	if rec.Header().Get("Retry-After") != retryAfterBusy {
		t.Errorf("Retry-After = %q, want %s", rec.Header().Get("Retry-After"), retryAfterBusy)
	}
}

func TestQueryErrorsNameTheirParameter(t *testing.T) {
	for _, tc := range []struct {
		err         error
		code, param string
	}{
		{&index.QueryError{Field: "PerPage", Reason: "must be a whole number from 1 to 100, not 0"}, codeInvalidParameter, "per_page"},
		{&index.QueryError{Field: "ExcludeCountries", Reason: "has 51 values; at most 50"}, codeInvalidParameter, "exclude_country"},
		{&index.QueryError{Field: "Text", Reason: "costs too much to run"}, codeInvalidQuery, "q"},
		{fmt.Errorf("wrapped: %w", &index.QueryError{Field: "Cursor", Reason: "is not valid"}), codeInvalidQuery, "cursor"},
	} {
		f := newFake()
		f.searchErr = tc.err
		s, _ := testServer(t, f, Options{})
		var qe *index.QueryError
		errors.As(tc.err, &qe)
		e := wantError(t, do(t, s, http.MethodGet, "/api/search?q=x", ""), http.StatusBadRequest, tc.code, tc.param+" "+qe.Reason)
		if e.Parameter != tc.param {
			t.Errorf("%v: parameter %q, want %q", tc.err, e.Parameter, tc.param)
		}
		if got := ErrorOf(tc.err); got.Status != http.StatusBadRequest || got.Parameter != tc.param {
			t.Errorf("ErrorOf(%v) = %+v", tc.err, got)
		}
	}
}

func TestHighlightForms(t *testing.T) {
	f := newFake()
	res := cannedResults()
	f.results = &res
	s, _ := testServer(t, f, Options{})
	var html, ranges, none SearchResponse
	decode(t, do(t, s, http.MethodGet, "/api/search?q=nvidia", ""), &html)
	decode(t, do(t, s, http.MethodGet, "/api/search?q=nvidia&highlight=ranges", ""), &ranges)
	decode(t, do(t, s, http.MethodGet, "/api/search?q=nvidia&highlight=none", ""), &none)
	// HTML: the text escaped, the ranges marked.
	if got := html.Hits[0].Highlights["body"][1]; got != "… &lt;script&gt; &amp; &#34;l&#39;<mark>été</mark>&#34; …" {
		t.Errorf("HTML fragment %q", got)
	}
	if html.Hits[0].Fragments != nil {
		t.Error("fragments with highlight=html")
	}
	// Ranges: the same text and ranges, no HTML.
	fr := ranges.Hits[0].Fragments
	if fr == nil || len(fr.Body) != 2 || fr.Body[1].Text != "… <script> & \"l'été\" …" || fr.Body[1].Marks[0] != [2]int{18, 23} {
		t.Errorf("fragments %+v", fr)
	}
	if len(ranges.Hits[0].Highlights["body"]) != 0 {
		t.Error("HTML highlights with highlight=ranges")
	}
	if none.Hits[0].Fragments != nil || len(none.Hits[0].Highlights["title"]) != 0 || f.lastQuery.Highlight {
		t.Errorf("highlight=none: %+v, query asked for highlights %v", none.Hits[0], f.lastQuery.Highlight)
	}
	if html.Corrections["nvidai"] != "nvidia" || len(html.ResultFacets.Company) != 1 || html.Facets.Source[0].Value != "AFP" {
		t.Errorf("corrections %v, result facets %+v, source %+v", html.Corrections, html.ResultFacets, html.Facets.Source)
	}
}

func TestParseEuros(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"1000000", 1e6}, {"1e9", 1e9}, {"2500000.50", 2500000.5}, {"2,5", 2.5},
		{"1,5 Md", 1.5e9}, {"1,5Md€", 1.5e9}, {"100 M", 1e8}, {"100 M€", 1e8}, {"30 M$", math.NaN()},
		{"2 milliards", 2e9}, {"2 milliards d'euros", 2e9}, {"2 milliards d’euros", 2e9}, {"45 000 €", 45000},
		{"500.000", 500000}, {"500.000 euros", 500000}, {"1.234,5", 1234.5}, {"1,234,567", 1234567},
		{"1\u00a0000", 1000}, {"1\u202f000 EUR", 1000}, {"12k", 12000}, {"3 mille", 3000},
		{"1,2 million", 1.2e6}, {"4 millions", 4e6}, {"1.13bn", 1.13e9}, {"2 Mds", 2e9}, {"7 Mrd", 7e9},
		{"", math.NaN()}, {"abc", math.NaN()}, {"-5", math.NaN()}, {"1..2", math.NaN()}, {"1,2,3", math.NaN()},
		{"1e999", math.NaN()}, {"NaN", math.NaN()}, {"Infinity", math.NaN()}, {"0x10", math.NaN()}, {"5 Md Md", math.NaN()},
	} {
		got, err := ParseEuros(tc.in)
		if math.IsNaN(tc.want) {
			if err == nil {
				t.Errorf("ParseEuros(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || math.Abs(got-tc.want) > 1e-6*tc.want {
			t.Errorf("ParseEuros(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseEuros(f *testing.F) {
	for _, s := range []string{"1,5 Md", "100 M€", "2 milliards d'euros", "45 000 €", "1.234,5", "1e9", "", "€", "d'euros", "9e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseEuros(s)
		if err != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			t.Fatalf("ParseEuros(%q) = %v", s, v)
		}
	})
}

func TestFacetQueryParameter(t *testing.T) {
	f := newFake()
	s, _ := testServer(t, f, Options{Countries: testCountries(), CountryName: func(c string) string {
		return map[string]string{"GB": "Royaume-Uni", "NO": "Norvège"}[c]
	}})
	if rec := do(t, s, http.MethodGet, "/api/search?facet_query=company:nv&facet_size=100", ""); rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	m := f.lastQuery.FacetQuery
	if m.Facet != "company" || !m.Match("Nvidia") || !m.Match("La Nvida Corp") || m.Match("Airbus") || f.lastQuery.FacetSize != 100 {
		t.Errorf("company:nv: %+v", f.lastQuery)
	}
	do(t, s, http.MethodGet, "/api/search?facet_query=country:roy", "")
	if m := f.lastQuery.FacetQuery; !m.Match("GB") || m.Match("NO") {
		t.Error("country:roy does not match Royaume-Uni by its French name")
	}
}

// exportServer returns a real server holding n articles, a third of
// them naming Airbus.
func exportServer(t *testing.T, n int) *Server {
	t.Helper()
	s, idx := realServer(t, Options{})
	items := make([]index.Item, n)
	for i := range items {
		company := "Siemens"
		if i%3 == 0 {
			company = "Airbus"
		}
		items[i] = index.Item{Article: corpus.Article{
			ID: fmt.Sprintf("exp-%03d", i), Title: fmt.Sprintf("Rapport %d sur %s", i, company),
			Body:   fmt.Sprintf("Le groupe %s annonce %d millions d'euros d'investissement en France.", company, i+1),
			Source: "agence", URL: fmt.Sprintf("https://example.org/%d", i),
		}}
	}
	items[1].Article.Title = "=HYPERLINK(\"http://evil\") rapport"
	for _, r := range idx.PutMany(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return s
}

func TestExport(t *testing.T) {
	s := exportServer(t, 250)
	// NDJSON: every matching article once, in the search's order.
	rec := do(t, s, http.MethodGet, "/api/export?format=ndjson&q=rapport&sort=date", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("ndjson: %d %s %.200s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var ids []string
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		var row ExportRow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if row.Companies == nil || row.Countries == nil || row.Amounts == nil {
			t.Fatalf("row %+v has a null list", row)
		}
		ids = append(ids, row.ID)
	}
	if len(ids) != 250 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 250 {
		t.Errorf("ndjson: %d rows (%d distinct), want 250", len(ids), len(slices.Compact(slices.Sorted(slices.Values(ids)))))
	}
	// CSV, with filters: the articles naming Airbus.
	rec = do(t, s, http.MethodGet, "/api/export?format=csv&company=Airbus", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "veille-export.csv") {
		t.Fatalf("csv: %d %v", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], exportColumns) || len(rows) != 1+84 {
		t.Fatalf("csv: header %v, %d rows, want 84 Airbus articles", rows[0], len(rows)-1)
	}
	for _, r := range rows[1:] {
		if r[5] != "Airbus" || !strings.Contains(r[7], "EUR") || r[4] == "" {
			t.Errorf("csv row %v", r)
		}
	}
	// A cell a spreadsheet would run as a formula is defused.
	rec = do(t, s, http.MethodGet, "/api/export?format=csv&q=hyperlink", "")
	rows, _ = csv.NewReader(rec.Body).ReadAll()
	if len(rows) != 2 || !strings.HasPrefix(rows[1][1], "'=") {
		t.Errorf("formula title exported as %v", rows)
	}
	// Errors before the first row are JSON.
	wantError(t, do(t, s, http.MethodGet, "/api/export?q=x", ""), http.StatusBadRequest, codeInvalidParameter, "format", "csv")
	wantError(t, do(t, s, http.MethodGet, "/api/export?format=xml", ""), http.StatusBadRequest, codeInvalidParameter, "xml")
	wantError(t, do(t, s, http.MethodGet, "/api/export?format=csv&page=2", ""), http.StatusBadRequest, codeInvalidParameter, "unknown parameter")
	wantError(t, do(t, s, http.MethodGet, "/api/export?format=csv&amount_min=abc", ""), http.StatusBadRequest, codeInvalidParameter, "amount_min")
}

func TestArticlePage(t *testing.T) {
	dated := seedArticle()
	dated.Amounts[0].RateDate = "2025-09"
	f := newFake(dated, corpus.Article{ID: "hostile", Title: `<script>alert(1)</script> titre`,
		Body: "Ligne un <b>gras</b>.\n\nLigne deux.", URL: "javascript:alert(1)"})
	s, _ := testServer(t, f, Options{CountryName: func(c string) string { return map[string]string{"GB": "Royaume-Uni"}[c] }})
	rec := do(t, s, http.MethodGet, "/articles/001_eda08fda6618b654?q=Nvidia&company=Nscale&page=2", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("article page: %d %s", rec.Code, rec.Body)
	}
	page := rec.Body.String()
	for _, want := range []string{
		"<mark>Nvidia</mark> va investir", // the query's matches in the text
		`href="https://example.com/nvidia"`,
		"Royaume-Uni", `href="/?country=GB"`, `href="/?company=Nscale"`,
		"683 millions de dollars", "683\u202f000\u202f000\u00a0USD", "630\u202f000\u202f000\u00a0€",
		"19 sept. 2025", "français", "septembre 2025",
		`href="/?company=Nscale&amp;page=2&amp;q=Nvidia"`, // back to the results
		`value="Nvidia"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("article page lacks %q", want)
		}
	}
	// Untrusted text stays text; a javascript: address is no link.
	rec = do(t, s, http.MethodGet, "/articles/hostile?q=gras", "")
	page = rec.Body.String()
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>") || strings.Contains(page, "javascript:") ||
		!strings.Contains(page, "&lt;b&gt;<mark>gras</mark>&lt;/b&gt;") || !strings.Contains(page, "<p>Ligne deux.</p>") {
		t.Errorf("hostile article page:\n%s", page)
	}
	// Missing articles and bad ids: a page saying so, 404.
	for _, p := range []string{"/articles/nope", "/articles/..%2Fetc"} {
		rec = do(t, s, http.MethodGet, p, "")
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "Article introuvable") {
			t.Errorf("%s: %d", p, rec.Code)
		}
	}
}

func TestClient(t *testing.T) {
	f := newFake(seedArticle())
	s, _ := testServer(t, f, Options{})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	c := &Client{BaseURL: ts.URL + "/"}
	res, err := c.Search(context.Background(), url.Values{"q": {"Nvidia"}})
	if err != nil || res.Total != 1 || res.Hits[0].ID != "001_eda08fda6618b654" {
		t.Fatalf("Search: %+v, %v", res, err)
	}
	if st, err := c.Stats(context.Background()); err != nil || st.Articles != 1 {
		t.Fatalf("Stats: %+v, %v", st, err)
	}
	_, err = c.Search(context.Background(), url.Values{"per_page": {"x"}})
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Code != codeInvalidParameter || e.Parameter != "per_page" {
		t.Errorf("bad parameter: %v", err)
	}
	c.BaseURL = "http://127.0.0.1:1"
	if _, err := c.Stats(context.Background()); err == nil {
		t.Error("no server: no error")
	}
}

func TestSearchServesLocalCallers(t *testing.T) {
	f := newFake(seedArticle())
	s, _ := testServer(t, f, Options{})
	res, err := s.Search(context.Background(), url.Values{"q": {"Nvidia"}, "highlight": {"ranges"}})
	if err != nil || res.Total != 1 || res.PerPage != index.DefaultPerPage || res.Page != 1 || res.Corrections == nil {
		t.Fatalf("Search: %+v, %v", res, err)
	}
	if _, err := s.Search(context.Background(), url.Values{"sort": {"popularity"}}); ErrorOf(err).Parameter != "sort" {
		t.Errorf("a bad sort: %v", err)
	}
}
