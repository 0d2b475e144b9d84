package api

// GET /api/export: every article a search matches, as CSV or NDJSON,
// streamed a page at a time with the search's cursor.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"veille/index"
)

// exportParameters lists the parameters /api/export accepts: those of
// /api/search that choose articles, and format.
func exportParameters() []string {
	var out []string
	for _, p := range searchParameters() {
		switch p {
		case "page", "per_page", "cursor", "highlight", "facet_size", "facet_query", "pretty":
		default:
			out = append(out, p)
		}
	}
	return append(out, "format")
}

// ExportRow is one article of an NDJSON export.
type ExportRow struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Published string   `json:"published,omitempty"`
	Source    string   `json:"source,omitempty"`
	URL       string   `json:"url,omitempty"`
	Companies []string `json:"companies"`
	Countries []string `json:"countries"`
	Amounts   []Amount `json:"amounts"`
}

// exportColumns are the columns of a CSV export, in order.
var exportColumns = []string{"id", "title", "published", "source", "url", "companies", "countries", "amounts"}

// export answers GET /api/export?format=csv|ndjson&<search parameters>.
// Errors found before the first article is written are answered as
// usual; a failure later cuts the response short (the client sees an
// incomplete body, never a complete-looking partial export).
func (s *Server) export(c echo.Context) error {
	params := c.QueryParams()
	format := strings.ToLower(strings.TrimSpace(params.Get("format")))
	rest := make(map[string][]string, len(params))
	for k, v := range params {
		if k != "format" {
			rest[k] = v
		}
	}
	if len(params["format"]) > 1 {
		return errParamOf("format", "format must be given once")
	}
	q, _, err := s.parseSearch(rest, exportParameters())
	if err != nil {
		return err
	}
	var contentType, ext string
	switch format {
	case "csv":
		contentType, ext = "text/csv; charset=utf-8", "csv"
	case "ndjson":
		contentType, ext = "application/x-ndjson", "ndjson"
	default:
		return errParamOf("format", "format must be csv or ndjson, not %q", format)
	}
	q.PerPage, q.NoFacets, q.Highlight = index.MaxPerPage, true, false
	if err := q.Validate(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	page, err := s.exportPage(c, q)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="veille-export.%s"`, ext))
	h.Set(echo.HeaderCacheControl, "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := c.Response()
	cw := csv.NewWriter(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if format == "csv" {
		_ = cw.Write(exportColumns)
	}
	for {
		for _, hit := range page.Hits {
			row := s.exportRow(hit)
			if format == "csv" {
				err = cw.Write(csvRecord(row))
			} else {
				err = enc.Encode(row)
			}
			if err != nil {
				return nil // the client went away
			}
		}
		cw.Flush()
		w.Flush()
		if page.NextCursor == "" || ctx.Err() != nil {
			return nil
		}
		q.Cursor = page.NextCursor
		if page, err = s.exportPage(c, q); err != nil {
			if !errors.Is(err, ctx.Err()) {
				s.log.Warn("export cut short", "request_id", w.Header().Get(echo.HeaderXRequestID), "err", err)
			}
			panic(http.ErrAbortHandler) // the body so far must not pass for a whole export
		}
	}
}

// exportPage runs one page of an export within the search timeout.
func (s *Server) exportPage(c echo.Context, q index.Query) (index.Results, error) {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.SearchTimeout)
	defer cancel()
	return s.svc.Search(ctx, q)
}

func (s *Server) exportRow(h index.Hit) ExportRow {
	a := h.Article
	return ExportRow{
		ID: a.ID, Title: a.Title, Published: formatPublished(a.Published), Source: a.Source, URL: a.URL,
		Companies: nonNil(a.Companies), Countries: nonNil(a.Countries), Amounts: toAmounts(a.Amounts),
	}
}

// csvRecord returns the CSV cells of row: lists joined with "; ",
// amounts as "VALUE CURRENCY (EUR EUR)". A cell a spreadsheet would take
// for a formula (=, +, -, @ first) starts with an apostrophe.
func csvRecord(r ExportRow) []string {
	amounts := make([]string, len(r.Amounts))
	for i, a := range r.Amounts {
		amounts[i] = fmt.Sprintf("%s %s (%s EUR)", plainNumber(a.Value), a.Currency, plainNumber(a.EUR))
	}
	cells := []string{r.ID, r.Title, r.Published, r.Source, r.URL,
		strings.Join(r.Companies, "; "), strings.Join(r.Countries, "; "), strings.Join(amounts, "; ")}
	for i, c := range cells {
		if c != "" && slices.Contains([]byte("=+-@\t\r"), c[0]) {
			cells[i] = "'" + c
		}
	}
	return cells
}

// plainNumber writes v in decimal without an exponent.
func plainNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
