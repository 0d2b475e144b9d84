package api

import (
	"math"
	"time"

	"veille/corpus"
	"veille/index"
)

// Wire types: the JSON the API answers. They mirror the contract and are
// built from domain values by the to* functions; slices are never nil so
// that JSON carries [] rather than null.

// articleJSON is an article as the API shows it.
type articleJSON struct {
	ID           string            `json:"id"`
	Title        string            `json:"title"`
	Body         string            `json:"body"`
	URL          string            `json:"url,omitempty"`
	Source       string            `json:"source,omitempty"`
	Published    string            `json:"published,omitempty"`
	Language     string            `json:"language,omitempty"`
	Companies    []string          `json:"companies"`
	Countries    []string          `json:"countries"`
	CountryNames map[string]string `json:"country_names"`
	Amounts      []amountJSON      `json:"amounts"`
}

type amountJSON struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
	EUR      float64 `json:"eur"`
	Text     string  `json:"text"`
	RateDate string  `json:"rate_date,omitempty"`
}

// hitJSON is one search hit: the article without its body, plus score and highlights.
type hitJSON struct {
	ID           string              `json:"id"`
	Score        float64             `json:"score"`
	Title        string              `json:"title"`
	URL          string              `json:"url,omitempty"`
	Source       string              `json:"source,omitempty"`
	Published    string              `json:"published,omitempty"`
	Language     string              `json:"language,omitempty"`
	Companies    []string            `json:"companies"`
	Countries    []string            `json:"countries"`
	CountryNames map[string]string   `json:"country_names"`
	Amounts      []amountJSON        `json:"amounts"`
	Highlights   map[string][]string `json:"highlights"`
}

type searchJSON struct {
	Query      string     `json:"query"`
	Total      uint64     `json:"total"`
	Page       int        `json:"page"`
	PerPage    int        `json:"per_page"`
	TookMS     float64    `json:"took_ms"`
	NextCursor string     `json:"next_cursor,omitempty"`
	Hits       []hitJSON  `json:"hits"`
	Facets     facetsJSON `json:"facets"`
}

type facetsJSON struct {
	Company []termFacetJSON   `json:"company"`
	Country []labelFacetJSON  `json:"country"`
	Lang    []termFacetJSON   `json:"lang"`
	Amount  []amountFacetJSON `json:"amount"`
	Month   []termFacetJSON   `json:"month"`
}

type termFacetJSON struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

type labelFacetJSON struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// amountFacetJSON is one euro band; Max is null for the open top band.
type amountFacetJSON struct {
	Value string   `json:"value"`
	Min   *float64 `json:"min"`
	Max   *float64 `json:"max"`
	Count int      `json:"count"`
}

type statsJSON struct {
	Articles       uint64            `json:"articles"`
	Languages      map[string]uint64 `json:"languages"`
	IndexSizeBytes int64             `json:"index_size_bytes"`
	LastIngest     *string           `json:"last_ingest"`
	Reindexing     bool              `json:"reindexing"`
	Generation     int               `json:"generation"`
}

// bulkJSON answers an NDJSON bulk request (see bulk.go: it is streamed,
// items first).
type bulkJSON struct {
	Lines     int            `json:"lines"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Failed    int            `json:"failed"`
	Items     []bulkItemJSON `json:"items"`
	Truncated bool           `json:"truncated"` // lines beyond the last item are counted only
}

// bulkItemJSON reports one line, or with LastLine the lines Line to
// LastLine, which all had this outcome.
type bulkItemJSON struct {
	Line     int          `json:"line"`
	LastLine int          `json:"last_line,omitempty"`
	ID       string       `json:"id,omitempty"`
	Status   string       `json:"status"` // created, updated or error
	Error    *errorDetail `json:"error,omitempty"`
}

// formatPublished renders a publication time (see corpus.FormatPublished).
func formatPublished(t time.Time) string { return corpus.FormatPublished(t) }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// finite replaces NaN and infinities, which JSON cannot carry, by 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func (s *Server) countryNames(codes []string) map[string]string {
	names := make(map[string]string, len(codes))
	for _, code := range codes {
		names[code] = s.countryName(code)
	}
	return names
}

func (s *Server) countryName(code string) string {
	if name := s.opts.CountryName(code); name != "" {
		return name
	}
	return code
}

func toAmounts(in []corpus.Amount) []amountJSON {
	out := make([]amountJSON, 0, len(in))
	for _, a := range in {
		out = append(out, amountJSON{Value: finite(a.Value), Currency: a.Currency, EUR: finite(a.EUR), Text: a.Text, RateDate: a.RateDate})
	}
	return out
}

func (s *Server) toArticle(a corpus.Article) articleJSON {
	return articleJSON{
		ID: a.ID, Title: a.Title, Body: a.Body, URL: a.URL, Source: a.Source,
		Published: formatPublished(a.Published), Language: a.Language,
		Companies:    nonNil(a.Companies),
		Countries:    nonNil(a.Countries),
		CountryNames: s.countryNames(a.Countries),
		Amounts:      toAmounts(a.Amounts),
	}
}

func (s *Server) toHit(h index.Hit) hitJSON {
	a := h.Article
	hl := map[string][]string{"title": {}, "body": {}}
	for field, frags := range h.Highlights {
		hl[field] = nonNil(frags)
	}
	return hitJSON{
		ID: a.ID, Score: finite(h.Score), Title: a.Title, URL: a.URL, Source: a.Source,
		Published: formatPublished(a.Published), Language: a.Language,
		Companies:    nonNil(a.Companies),
		Countries:    nonNil(a.Countries),
		CountryNames: s.countryNames(a.Countries),
		Amounts:      toAmounts(a.Amounts),
		Highlights:   hl,
	}
}

func (s *Server) toFacets(f index.Facets) facetsJSON {
	terms := func(in []index.FacetValue) []termFacetJSON {
		out := make([]termFacetJSON, 0, len(in))
		for _, v := range in {
			out = append(out, termFacetJSON{Value: v.Value, Count: v.Count})
		}
		return out
	}
	out := facetsJSON{
		Company: terms(f.Company),
		Country: make([]labelFacetJSON, 0, len(f.Country)),
		Lang:    terms(f.Language),
		Amount:  make([]amountFacetJSON, 0, len(f.Amount)),
		Month:   terms(f.Month),
	}
	for _, v := range f.Country {
		label := v.Label
		if label == "" || label == v.Value {
			label = s.countryName(v.Value)
		}
		out.Country = append(out.Country, labelFacetJSON{Value: v.Value, Label: label, Count: v.Count})
	}
	for _, v := range f.Amount {
		value := v.Value
		if value == "" {
			value = v.Label
		}
		out.Amount = append(out.Amount, amountFacetJSON{Value: value, Min: v.Min, Max: v.Max, Count: v.Count})
	}
	return out
}

func toStats(st index.Stats) statsJSON {
	out := statsJSON{
		Articles:       st.Articles,
		Languages:      st.Languages,
		IndexSizeBytes: st.SizeBytes,
		Reindexing:     st.Reindexing,
		Generation:     st.Generation,
	}
	if out.Languages == nil {
		out.Languages = map[string]uint64{}
	}
	if !st.LastIngest.IsZero() {
		t := st.LastIngest.UTC().Format(time.RFC3339)
		out.LastIngest = &t
	}
	return out
}
