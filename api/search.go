package api

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"veille/corpus/fold"
	"veille/index"
)

// searchParameters lists every query parameter /api/search accepts; others
// are rejected with 400. "pretty" indents the JSON (Echo's convention).
func searchParameters() []string {
	return []string{"q", "mode", "prefix", "company", "country", "lang", "source",
		"exclude_company", "exclude_country", "exclude_source",
		"amount_min", "amount_max", "from", "to", "sort", "page", "per_page",
		"cursor", "highlight", "facet_size", "facet_query", "collapse", "pretty"}
}

// repeatable lists the parameters that may be given more than once.
func repeatable(name string) bool {
	switch name {
	case "company", "country", "lang", "source", "exclude_company", "exclude_country", "exclude_source":
		return true
	}
	return false
}

// parameterOf names the query parameter of a field of index.Query, for
// the index's *QueryError.
func parameterOf(field string) string {
	switch field {
	case "Text":
		return "q"
	case "Mode":
		return "mode"
	case "Prefix":
		return "prefix"
	case "Companies":
		return "company"
	case "Countries":
		return "country"
	case "Languages":
		return "lang"
	case "Sources":
		return "source"
	case "ExcludeCompanies":
		return "exclude_company"
	case "ExcludeCountries":
		return "exclude_country"
	case "ExcludeSources":
		return "exclude_source"
	case "AmountMin":
		return "amount_min"
	case "AmountMax":
		return "amount_max"
	case "From":
		return "from"
	case "To":
		return "to"
	case "Sort":
		return "sort"
	case "Page":
		return "page"
	case "PerPage":
		return "per_page"
	case "Cursor":
		return "cursor"
	case "FacetSize":
		return "facet_size"
	case "FacetQuery":
		return "facet_query"
	case "Collapse":
		return "collapse"
	}
	return strings.ToLower(field)
}

// highlightMode is the form of a response's highlights.
type highlightMode int

const (
	highlightHTML   highlightMode = iota // HTML fragments in "highlights"
	highlightNone                        // none
	highlightRanges                      // text and ranges in "fragments"
)

// search answers GET /api/search.
func (s *Server) search(c echo.Context) error {
	res, err := s.Search(c.Request().Context(), c.QueryParams())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// Search runs the search that params (the parameters of GET /api/search)
// describe and returns the response /api/search answers, within the
// server's search timeout. Errors are those the handler answers; [ErrorOf]
// gives their status, code and message.
func (s *Server) Search(ctx context.Context, params url.Values) (SearchResponse, error) {
	q, hl, err := s.parseSearch(params, searchParameters())
	if err != nil {
		return SearchResponse{}, err
	}
	q.Highlight = hl != highlightNone
	if err := q.Validate(); err != nil {
		return SearchResponse{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.SearchTimeout)
	defer cancel()
	start := time.Now()
	res, err := s.svc.Search(ctx, q)
	if err != nil {
		return SearchResponse{}, err
	}
	took := res.Took
	if took <= 0 {
		took = time.Since(start)
	}
	page, perPage := max(q.Page, 1), q.PerPage
	if perPage == 0 {
		perPage = index.DefaultPerPage
	}
	if q.Cursor != "" {
		page = 0 // cursor paging has no page number
	}
	counts := countsArticles
	if res.Stories {
		counts = countsStories
	}
	out := SearchResponse{
		Query:        q.Text,
		Total:        res.Total,
		Articles:     res.Articles,
		Counts:       counts,
		Page:         page,
		PerPage:      perPage,
		TookMS:       math.Round(float64(took.Microseconds())) / 1000,
		NextCursor:   res.NextCursor,
		Corrections:  res.Corrections,
		Filters:      filtersOf(q),
		Hits:         make([]Hit, 0, len(res.Hits)),
		Facets:       s.toFacets(res.Facets),
		ResultFacets: s.toFacets(res.ResultFacets),
	}
	if out.Corrections == nil {
		out.Corrections = map[string]string{}
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, s.toHit(h, hl))
	}
	return out, nil
}

// filtersOf returns the filters of q as the response shows them.
func filtersOf(q index.Query) Filters {
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	return Filters{
		Company: q.Companies, Country: q.Countries, Lang: q.Languages, Source: q.Sources,
		ExcludeCompanies: q.ExcludeCompanies, ExcludeCountries: q.ExcludeCountries, ExcludeSources: q.ExcludeSources,
		AmountMin: q.AmountMin, AmountMax: q.AmountMax, From: day(q.From), To: day(q.To),
	}
}

// parseSearch turns the query parameters into an index.Query and the
// highlight form. It decodes their syntax only (numbers, dates, amounts,
// country names): the index checks their ranges and limits and says
// which field is wrong (see parameterOf). known lists the parameters the
// route accepts.
func (s *Server) parseSearch(params url.Values, known []string) (index.Query, highlightMode, error) {
	q := index.Query{}
	for name, vals := range params {
		if !slices.Contains(known, name) {
			return q, 0, errParam("unknown parameter %q; this route accepts %s", name, strings.Join(known, ", "))
		}
		if len(vals) > 1 && !repeatable(name) {
			return q, 0, errParamOf(name, "%s must be given once", name)
		}
		if len(vals) > index.MaxFilterValues {
			return q, 0, errParamOf(name, "%s is given %d times; at most %d values", name, len(vals), index.MaxFilterValues)
		}
		for _, v := range vals {
			if !utf8.ValidString(v) {
				return q, 0, errParamOf(name, "%s is not valid UTF-8", name)
			}
		}
	}
	one := func(name string) string { return strings.TrimSpace(params.Get(name)) }

	q.Text = strings.TrimSpace(params.Get("q"))
	q.Mode = index.Mode(strings.ToLower(one("mode")))
	switch p := strings.ToLower(one("prefix")); p {
	case "", "none":
	case "last":
		q.Prefix = true
	default:
		return q, 0, errParamOf("prefix", "prefix must be \"last\" (the last word is being typed) or \"none\", not %q", p)
	}

	q.Companies = values(params["company"])
	q.Sources = values(params["source"])
	q.ExcludeCompanies = values(params["exclude_company"])
	q.ExcludeSources = values(params["exclude_source"])
	for _, l := range values(params["lang"]) {
		l = strings.ToLower(l)
		if len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z' {
			return q, 0, errParamOf("lang", "lang must be a two-letter ISO 639-1 code such as fr or en, not %q", l)
		}
		q.Languages = appendUnique(q.Languages, l)
	}
	var err error
	if q.Countries, err = s.resolveCountries("country", params["country"]); err != nil {
		return q, 0, err
	}
	if q.ExcludeCountries, err = s.resolveCountries("exclude_country", params["exclude_country"]); err != nil {
		return q, 0, err
	}
	if q.AmountMin, err = parseAmountParam("amount_min", one("amount_min")); err != nil {
		return q, 0, err
	}
	if q.AmountMax, err = parseAmountParam("amount_max", one("amount_max")); err != nil {
		return q, 0, err
	}
	if q.From, err = parseDate("from", one("from")); err != nil {
		return q, 0, err
	}
	to, err := parseDate("to", one("to"))
	if err != nil {
		return q, 0, err
	}
	if !to.IsZero() {
		// "to" names a whole day: include everything published on it.
		q.To = to.Add(24*time.Hour - time.Nanosecond)
	}
	q.Sort = index.Sort(one("sort"))
	if q.PerPage, err = parseInt("per_page", one("per_page")); err != nil {
		return q, 0, err
	}
	if q.Page, err = parseInt("page", one("page")); err != nil {
		return q, 0, err
	}
	q.Cursor = one("cursor")
	q.Collapse = index.Collapse(strings.ToLower(one("collapse")))
	if q.FacetSize, err = parseInt("facet_size", one("facet_size")); err != nil {
		return q, 0, err
	}
	if fq := one("facet_query"); fq != "" {
		facet, text, ok := strings.Cut(fq, ":")
		if !ok || strings.TrimSpace(text) == "" {
			return q, 0, errParamOf("facet_query", "facet_query must be FACET:TEXT, such as company:nv, not %q", fq)
		}
		facet = strings.TrimSpace(facet)
		match := wordPrefixMatcher(text)
		q.FacetQuery = index.FacetQuery{Facet: facet, Match: match}
		if facet == "country" {
			q.FacetQuery.Match = func(code string) bool { return match(code) || match(s.countryName(code)) }
		}
	}

	hl := highlightHTML
	switch h := strings.ToLower(one("highlight")); h {
	case "", "html":
	case "none":
		hl = highlightNone
	case "ranges":
		hl = highlightRanges
	default:
		return q, 0, errParamOf("highlight", "highlight must be \"html\", \"ranges\" or \"none\", not %q", h)
	}
	return q, hl, nil
}

// resolveCountries maps country filter values to ISO codes.
func (s *Server) resolveCountries(param string, names []string) ([]string, error) {
	var out []string
	for _, name := range values(names) {
		code, err := s.resolveCountry(param, name)
		if err != nil {
			return nil, err
		}
		out = appendUnique(out, code)
	}
	return out, nil
}

// resolveCountry maps a country filter value to its ISO code.
func (s *Server) resolveCountry(param, name string) (string, error) {
	if s.opts.Countries != nil {
		if code, ok := s.opts.Countries.Lookup(name); ok {
			return code, nil
		}
	} else if len(name) == 2 && isASCIILetters(name) {
		return strings.ToUpper(name), nil
	}
	return "", errParamOf(param, "%s: unknown country %q: give an ISO 3166-1 code (FR, GB...) or a French or English name (Norvège, Norway...)", param, name)
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i] | 0x20; b < 'a' || b > 'z' {
			return false
		}
	}
	return true
}

// values trims vals and drops empty and repeated ones.
func values(vals []string) []string {
	var out []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			out = appendUnique(out, v)
		}
	}
	return out
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// parseInt reads a whole number; "" is 0 (the index's default).
func parseInt(name, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errParamOf(name, "%s must be a whole number, not %q", name, v)
	}
	return n, nil
}

// parseAmountParam reads an amount of euros with [ParseEuros].
func parseAmountParam(name, v string) (*float64, error) {
	if v == "" {
		return nil, nil
	}
	f, err := ParseEuros(v)
	if err != nil {
		return nil, errParamOf(name, "%s %v", name, err)
	}
	return &f, nil
}

// parseDate reads a YYYY-MM-DD date as midnight UTC.
func parseDate(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, errParamOf(name, "%s must be a date written YYYY-MM-DD, such as 2025-09-19, not %q", name, v)
	}
	return t, nil
}

// wordPrefixMatcher returns a predicate on facet values: true when each
// word of text (folded) starts a word of the value (folded), as a box
// filtering a long list of values behaves ("nv" keeps Nvidia, "roy uni"
// Royaume-Uni).
func wordPrefixMatcher(text string) func(string) bool {
	want := foldWords(text)
	return func(value string) bool {
		words := foldWords(value)
		for _, w := range want {
			if !slices.ContainsFunc(words, func(v string) bool { return strings.HasPrefix(v, w) }) {
				return false
			}
		}
		return true
	}
}

// foldWords returns the runs of letters and digits of s, lower-cased and
// without accents.
func foldWords(s string) []string {
	return strings.FieldsFunc(fold.Lower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
