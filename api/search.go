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
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"veille/index"
)

// Limits of the search parameters.
const (
	maxPerPage     = 100
	defaultPerPage = 10
	// maxWindow bounds page*per_page: deeper pages cost the engine more
	// and more; the cursor pages at constant cost.
	maxWindow     = 10000
	maxQueryBytes = 1000
	maxFilterVals = 50
)

// searchParameters lists every query parameter /api/search accepts; others
// are rejected with 400. "pretty" indents the JSON (Echo's convention).
func searchParameters() []string {
	return []string{"q", "mode", "company", "country", "lang", "source",
		"amount_min", "amount_max", "from", "to", "sort", "page", "per_page",
		"cursor", "highlight", "pretty"}
}

// repeatable lists the parameters that may be given more than once.
func repeatable(name string) bool {
	switch name {
	case "company", "country", "lang", "source":
		return true
	}
	return false
}

// search answers GET /api/search.
func (s *Server) search(c echo.Context) error {
	q, err := s.parseSearch(c.QueryParams())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.SearchTimeout)
	defer cancel()
	start := time.Now()
	res, err := s.svc.Search(ctx, q)
	if err != nil {
		return err
	}
	took := res.Took
	if took <= 0 {
		took = time.Since(start)
	}
	page := q.Page
	if q.Cursor != "" {
		page = 0 // cursor paging has no page number
	}
	out := searchJSON{
		Query:      q.Text,
		Total:      res.Total,
		Page:       page,
		PerPage:    q.PerPage,
		TookMS:     math.Round(float64(took.Microseconds())) / 1000,
		NextCursor: res.NextCursor,
		Hits:       make([]hitJSON, 0, len(res.Hits)),
		Facets:     s.toFacets(res.Facets),
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, s.toHit(h))
	}
	return c.JSON(http.StatusOK, out)
}

// parseSearch turns the query parameters into an index.Query, with a
// message a user understands for each bad value.
func (s *Server) parseSearch(params url.Values) (index.Query, error) {
	q := index.Query{Page: 1, PerPage: defaultPerPage, Highlight: true}
	known := searchParameters()
	for name, vals := range params {
		if !slices.Contains(known, name) {
			return q, errParam("unknown parameter %q; /api/search accepts %s", name, strings.Join(known, ", "))
		}
		if len(vals) > 1 && !repeatable(name) {
			return q, errParam("%s must be given once", name)
		}
		if len(vals) > maxFilterVals {
			return q, errParam("%s is given %d times; at most %d values", name, len(vals), maxFilterVals)
		}
		for _, v := range vals {
			if !utf8.ValidString(v) {
				return q, errParam("%s is not valid UTF-8", name)
			}
		}
	}
	one := func(name string) string { return strings.TrimSpace(params.Get(name)) }

	q.Text = strings.TrimSpace(params.Get("q"))
	if len(q.Text) > maxQueryBytes {
		return q, errParam("q is too long: at most %d bytes", maxQueryBytes)
	}
	switch m := strings.ToLower(one("mode")); m {
	case "", "all":
		q.Mode = "all"
	case "any":
		q.Mode = "any"
	default:
		return q, errParam("mode must be \"all\" or \"any\", not %q", m)
	}

	q.Companies = values(params["company"])
	q.Sources = values(params["source"])
	for _, l := range values(params["lang"]) {
		l = strings.ToLower(l)
		if len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z' {
			return q, errParam("lang must be a two-letter ISO 639-1 code such as fr or en, not %q", l)
		}
		q.Languages = appendUnique(q.Languages, l)
	}
	for _, name := range values(params["country"]) {
		code, err := s.resolveCountry(name)
		if err != nil {
			return q, err
		}
		q.Countries = appendUnique(q.Countries, code)
	}

	var err error
	if q.AmountMin, err = parseAmount("amount_min", one("amount_min")); err != nil {
		return q, err
	}
	if q.AmountMax, err = parseAmount("amount_max", one("amount_max")); err != nil {
		return q, err
	}
	if q.AmountMin != nil && q.AmountMax != nil && *q.AmountMin > *q.AmountMax {
		return q, errParam("amount_min (%g) is greater than amount_max (%g)", *q.AmountMin, *q.AmountMax)
	}
	if q.From, err = parseDate("from", one("from")); err != nil {
		return q, err
	}
	to, err := parseDate("to", one("to"))
	if err != nil {
		return q, err
	}
	if !to.IsZero() {
		// "to" names a whole day: include everything published on it.
		q.To = to.Add(24*time.Hour - time.Nanosecond)
	}
	if !q.From.IsZero() && !to.IsZero() && q.From.After(to) {
		return q, errParam("from (%s) is after to (%s)", one("from"), one("to"))
	}

	switch srt := one("sort"); srt {
	case "", "relevance", "date", "-date", "amount", "-amount":
		q.Sort = srt
	default:
		return q, errParam("sort must be one of relevance, date, -date, amount, -amount; not %q", srt)
	}

	if v := one("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			return q, errParam("per_page must be a whole number from 1 to %d, not %q", maxPerPage, v)
		}
		q.PerPage = n
	}
	q.Cursor = one("cursor")
	if v := one("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, errParam("page must be a whole number from 1, not %q", v)
		}
		if q.Cursor != "" && n != 1 {
			return q, errParam("give either page or cursor, not both")
		}
		q.Page = n
	}
	if q.Page > maxWindow/q.PerPage {
		return q, errParam("page %d is too deep: page × per_page may not exceed %d; page further with cursor (next_cursor of the previous response)", q.Page, maxWindow)
	}
	if len(q.Cursor) > 4096 {
		return q, errParam("cursor is too long; pass next_cursor from the previous response unchanged")
	}

	switch h := strings.ToLower(one("highlight")); h {
	case "", "html":
		q.Highlight = true
	case "none":
		q.Highlight = false
	default:
		return q, errParam("highlight must be \"html\" or \"none\", not %q", h)
	}
	return q, nil
}

// resolveCountry maps a country filter value to its ISO code.
func (s *Server) resolveCountry(name string) (string, error) {
	if s.opts.Countries != nil {
		if code, ok := s.opts.Countries.Lookup(name); ok {
			return code, nil
		}
	} else if len(name) == 2 && isASCIILetters(name) {
		return strings.ToUpper(name), nil
	}
	return "", errParam("unknown country %q: give an ISO 3166-1 code (FR, GB...) or a French or English name (Norvège, Norway...)", name)
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

// parseAmount reads an amount in euros: a plain decimal number ("1e9" and
// "2500000.50" work; "2,5" is accepted as a French decimal comma).
func parseAmount(name, v string) (*float64, error) {
	if v == "" {
		return nil, nil
	}
	clean := strings.ReplaceAll(strings.ReplaceAll(v, "_", ""), " ", "")
	if strings.Count(clean, ",") == 1 && !strings.Contains(clean, ".") {
		clean = strings.Replace(clean, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errParam("%s must be a number of euros such as 1000000 or 1e9, not %q", name, v)
	}
	if f < 0 {
		return nil, errParam("%s must not be negative", name)
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
		return time.Time{}, errParam("%s must be a date written YYYY-MM-DD, such as 2025-09-19, not %q", name, v)
	}
	return t, nil
}
