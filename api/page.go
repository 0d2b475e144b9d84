package api

// The article view: GET /articles/{id}, an HTML page of one article, its
// whole text with the query's matches marked, its entities and amounts,
// and the link to its source.

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"veille/corpus"
	"veille/index"
)

//go:embed templates/article.html
var articleTemplateText string

// parseArticleTemplate parses the article view's template; it panics on a
// template that does not parse (a build error the tests catch).
func parseArticleTemplate() *template.Template {
	return template.Must(template.New("article").Parse(articleTemplateText))
}

// articleView is what the article template shows.
type articleView struct {
	ID, Query, Back string
	Missing         bool
	Title           string
	TitleHTML       template.HTML
	Source          string
	SourceLink      string
	Published       string
	PublishedLabel  string
	Language        string
	LanguageLabel   string
	URL             string
	Marked          string
	Companies       []entityLink
	Countries       []entityLink
	Amounts         []amountRow
	Paragraphs      []template.HTML
}

type entityLink struct{ Label, Link string }

type amountRow struct{ Text, Value, EUR, RateDate string }

// articlePage answers GET /articles/:id: the article as a page, the words
// of ?q= (with ?mode= and ?prefix=) marked; the other search parameters
// make the link back to the results.
func (s *Server) articlePage(c echo.Context) error {
	params := c.QueryParams()
	view := articleView{Query: strings.TrimSpace(params.Get("q")), Back: backLink(params)}
	id, err := pathID(c)
	if err != nil {
		view.ID, view.Missing, view.Title = c.Param("id"), true, "Article introuvable"
		return s.renderArticle(c, http.StatusNotFound, view)
	}
	view.ID = id
	q := index.Query{Text: view.Query, Mode: index.Mode(strings.ToLower(params.Get("mode"))), Prefix: params.Get("prefix") == "last"}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.SearchTimeout)
	defer cancel()
	a, marks, err := s.svc.Article(ctx, id, q)
	var qe *index.QueryError
	if errors.As(err, &qe) || errors.Is(err, index.ErrBusy) || errors.Is(err, context.DeadlineExceeded) && c.Request().Context().Err() == nil {
		// A query that cannot run, or not now, marks nothing.
		a, marks, err = s.svc.Article(c.Request().Context(), id, index.Query{})
	}
	switch {
	case errors.Is(err, index.ErrNotFound):
		view.Missing, view.Title = true, "Article introuvable"
		return s.renderArticle(c, http.StatusNotFound, view)
	case err != nil:
		return err
	}
	s.fillArticle(&view, a, marks)
	return s.renderArticle(c, http.StatusOK, view)
}

func (s *Server) renderArticle(c echo.Context, status int, v articleView) error {
	var buf bytes.Buffer
	if err := s.articleTmpl.Execute(&buf, v); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.HTMLBlob(status, buf.Bytes())
}

// backLink returns the search page's address with the search parameters
// of params.
func backLink(params url.Values) string {
	back := url.Values{}
	for name, vals := range params {
		if slices.Contains(searchParameters(), name) && name != "pretty" && name != "prefix" {
			back[name] = vals
		}
	}
	if len(back) == 0 {
		return "/"
	}
	return "/?" + back.Encode()
}

// fillArticle fills v from a and where the query matched it.
func (s *Server) fillArticle(v *articleView, a corpus.Article, marks index.Marks) {
	v.Title = a.Title
	if v.Title == "" {
		v.Title = a.ID
	}
	v.TitleHTML = markedHTML(v.Title, marks.Title)
	if a.Source != "" {
		v.Source, v.SourceLink = a.Source, "/?"+url.Values{"source": {a.Source}}.Encode()
	}
	if !a.Published.IsZero() {
		v.Published, v.PublishedLabel = formatPublished(a.Published), frenchDate(a.Published)
	}
	if a.Language != "" {
		v.Language, v.LanguageLabel = a.Language, languageLabel(a.Language)
	}
	if u, err := url.Parse(a.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		v.URL = u.String()
	}
	if n := len(marks.Title) + len(marks.Body); n > 0 {
		v.Marked = strconv.Itoa(n) + " passage"
		if n > 1 {
			v.Marked += "s"
		}
		v.Marked += " surligné"
		if n > 1 {
			v.Marked += "s"
		}
	}
	for _, co := range a.Companies {
		v.Companies = append(v.Companies, entityLink{co, "/?" + url.Values{"company": {co}}.Encode()})
	}
	for _, code := range a.Countries {
		v.Countries = append(v.Countries, entityLink{s.countryName(code), "/?" + url.Values{"country": {code}}.Encode()})
	}
	for _, am := range a.Amounts {
		row := amountRow{Text: am.Text, Value: frenchNumber(am.Value) + "\u00a0" + am.Currency}
		if !math.IsNaN(am.EUR) && !math.IsInf(am.EUR, 0) {
			row.EUR = frenchNumber(am.EUR) + "\u00a0€"
		}
		row.RateDate = rateDate(am)
		v.Amounts = append(v.Amounts, row)
	}
	v.Paragraphs = paragraphs(a.Body, marks.Body)
}

// rateDate returns the month of the reference rate an amount's euro
// value uses ("mars 2020"), when the amount says.
func rateDate(a corpus.Amount) string {
	t, err := time.Parse("2006-01", a.RateDate)
	if err != nil {
		return a.RateDate
	}
	return frenchMonthsLong[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

var frenchMonthsLong = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// markedHTML returns text as HTML with marks.
func markedHTML(text string, marks []index.Mark) template.HTML {
	var b strings.Builder
	writeMarked(&b, text, marks)
	return template.HTML(b.String()) // escaped by writeMarked
}

// paragraphs cuts text at its line breaks into paragraphs of HTML with
// the marks that fall in each.
func paragraphs(text string, marks []index.Mark) []template.HTML {
	var out []template.HTML
	start := 0
	for start < len(text) {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		if line := strings.TrimSpace(text[start:end]); line != "" {
			var local []index.Mark
			for _, m := range marks {
				if m.End > start && m.Start < end {
					local = append(local, index.Mark{Start: max(m.Start, start) - start, End: min(m.End, end) - start})
				}
			}
			out = append(out, markedHTML(text[start:end], local))
		}
		start = end + 1
	}
	return out
}

// frenchNumber writes v with narrow no-break spaces between thousands
// and a decimal comma (at most two decimals).
func frenchNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	neg := v < 0
	v = math.Abs(v)
	whole := math.Floor(v)
	frac := v - whole
	digits := strconv.FormatFloat(whole, 'f', 0, 64)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(d)
	}
	if cents := math.Round(frac * 100); cents > 0 && cents < 100 {
		dec := strings.TrimRight(strconv.FormatFloat(cents/100, 'f', 2, 64)[2:], "0")
		b.WriteString("," + dec)
	}
	return b.String()
}

var frenchMonths = [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}

// frenchDate writes t's date as the page does: "19 sept. 2025".
func frenchDate(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + frenchMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// languageLabel returns the French name of a language code, or the code.
func languageLabel(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.French.Languages().Name(tag); name != "" {
		return name
	}
	return code
}
