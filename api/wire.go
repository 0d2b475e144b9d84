package api

import (
	"math"
	"time"

	"veille/corpus"
	"veille/index"
)

// Wire types: the JSON the API answers, exported for Go clients
// ([Client], the command line). They mirror the contract and are built
// from domain values by the to* functions; slices are never nil so that
// JSON carries [] rather than null.

// Article is an article as the API shows it.
type Article struct {
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
	Amounts      []Amount          `json:"amounts"`
}

// articleJSON is the name the handlers' tests know Article by.
type articleJSON = Article

// Amount is a sum of money of an article: its value in its currency,
// its value in euros and the text it was read from.
type Amount struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
	EUR      float64 `json:"eur"`
	Text     string  `json:"text"`
	// RateDate is the month of the reference rate EUR used ("2020-03").
	RateDate string `json:"rate_date,omitempty"`
}

// Hit is one search hit: the article without its body, plus score and
// highlights.
type Hit struct {
	ID           string            `json:"id"`
	Score        float64           `json:"score"`
	Title        string            `json:"title"`
	URL          string            `json:"url,omitempty"`
	Source       string            `json:"source,omitempty"`
	Published    string            `json:"published,omitempty"`
	Language     string            `json:"language,omitempty"`
	Companies    []string          `json:"companies"`
	Countries    []string          `json:"countries"`
	CountryNames map[string]string `json:"country_names"`
	Amounts      []Amount          `json:"amounts"`
	// Highlights holds HTML fragments (<mark>, everything else escaped)
	// of the title and body with highlight=html; empty lists otherwise.
	Highlights map[string][]string `json:"highlights"`
	// Fragments holds the same as text and match ranges with
	// highlight=ranges.
	Fragments *Fragments `json:"fragments,omitempty"`
	// Story is the id the article shares with its near-duplicates.
	Story string `json:"story"`
	// Others, with collapse=story, counts the other matching articles of
	// the story; OtherHits lists the first of them (index.MaxStoryHits)
	// in the order of the search.
	Others    *int       `json:"others,omitempty"`
	OtherHits []StoryHit `json:"other_hits,omitempty"`
}

// StoryHit is another article of a collapsed hit's story.
type StoryHit struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"`
	Source    string `json:"source,omitempty"`
	Published string `json:"published,omitempty"`
	Language  string `json:"language,omitempty"`
}

// Fragments are a hit's highlights as text and ranges.
type Fragments struct {
	Title []Fragment `json:"title"`
	Body  []Fragment `json:"body"`
}

// Fragment is a piece of text and the byte ranges [start, end) of it the
// query matched.
type Fragment struct {
	Text  string   `json:"text"`
	Marks [][2]int `json:"marks"`
}

// SearchResponse answers GET /api/search.
type SearchResponse struct {
	Query string `json:"query"`
	// Total counts what Counts says: matching articles, or stories with
	// collapse=story; Articles counts the matching articles either way.
	Total    uint64 `json:"total"`
	Articles uint64 `json:"articles"`
	// Counts is "articles" or "stories" (collapse=story): what Total and
	// the facet counts count.
	Counts     string  `json:"counts"`
	Page       int     `json:"page"`
	PerPage    int     `json:"per_page"`
	TookMS     float64 `json:"took_ms"`
	NextCursor string  `json:"next_cursor,omitempty"`
	// Corrections maps the query's words to those searched in their place.
	Corrections map[string]string `json:"corrections"`
	// Filters are the filters as applied: country names resolved to
	// codes, amounts in euros, dates as days.
	Filters Filters `json:"filters"`
	Hits    []Hit   `json:"hits"`
	// Facets are multi-select counts: each facet applies every filter
	// but its own (for a list of values to tick).
	Facets Facets `json:"facets"`
	// ResultFacets count within the results, every filter applied (for
	// charts of the results).
	ResultFacets Facets `json:"result_facets"`
}

// What a search response's total and facets count.
const (
	countsArticles = "articles"
	countsStories  = "stories"
)

// Filters are the filters of a search as the index applied them.
type Filters struct {
	Company          []string `json:"company,omitempty"`
	Country          []string `json:"country,omitempty"`
	Lang             []string `json:"lang,omitempty"`
	Source           []string `json:"source,omitempty"`
	ExcludeCompanies []string `json:"exclude_company,omitempty"`
	ExcludeCountries []string `json:"exclude_country,omitempty"`
	ExcludeSources   []string `json:"exclude_source,omitempty"`
	AmountMin        *float64 `json:"amount_min,omitempty"`
	AmountMax        *float64 `json:"amount_max,omitempty"`
	From             string   `json:"from,omitempty"`
	To               string   `json:"to,omitempty"`
}

// Facets are the counts of a search by facet.
type Facets struct {
	Company []FacetValue   `json:"company"`
	Country []CountryValue `json:"country"`
	Lang    []FacetValue   `json:"lang"`
	Source  []FacetValue   `json:"source"`
	Amount  []AmountBand   `json:"amount"`
	Month   []FacetValue   `json:"month"`
}

// FacetValue is one value of a facet and its count of articles.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// CountryValue is one country of the country facet: its ISO code, its
// French name and its count.
type CountryValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// AmountBand is one euro band of the amount facet; Max is null for the
// open top band.
type AmountBand struct {
	Value string   `json:"value"`
	Min   *float64 `json:"min"`
	Max   *float64 `json:"max"`
	Count int      `json:"count"`
}

// searchJSON is the name the handlers' tests know SearchResponse by.
type searchJSON = SearchResponse

// statsJSON answers GET /api/stats; [Stats] is its exported name.
type statsJSON struct {
	Articles       uint64            `json:"articles"`
	Languages      map[string]uint64 `json:"languages"`
	IndexSizeBytes int64             `json:"index_size_bytes"`
	LastIngest     *string           `json:"last_ingest"`
	Reindexing     bool              `json:"reindexing"`
	Generation     int               `json:"generation"`
	DataID         string            `json:"data_id,omitempty"` // identifies the data folder (index.DataID)
	Cluster        *clusterJSON      `json:"cluster,omitempty"` // a node of a cluster only
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
	// On a node of a cluster only: lines durable in the stream but not yet
	// applied on this node, and the highest stream sequence of the lines.
	Accepted int    `json:"accepted,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
}

// bulkItemJSON reports one line, or with LastLine the lines Line to
// LastLine, which all had this outcome.
type bulkItemJSON struct {
	Line     int          `json:"line"`
	LastLine int          `json:"last_line,omitempty"`
	ID       string       `json:"id,omitempty"`
	Status   string       `json:"status"` // created, updated, error, or accepted (a cluster node: durable, not yet applied here)
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

// Stats is what GET /api/stats answers.
type Stats = statsJSON

func toAmounts(in []corpus.Amount) []Amount {
	out := make([]Amount, 0, len(in))
	for _, a := range in {
		out = append(out, Amount{Value: finite(a.Value), Currency: a.Currency, EUR: finite(a.EUR), Text: a.Text, RateDate: a.RateDate})
	}
	return out
}

func (s *Server) toArticle(a corpus.Article) Article {
	return Article{
		ID: a.ID, Title: a.Title, Body: a.Body, URL: a.URL, Source: a.Source,
		Published: formatPublished(a.Published), Language: a.Language,
		Companies:    nonNil(a.Companies),
		Countries:    nonNil(a.Countries),
		CountryNames: s.countryNames(a.Countries),
		Amounts:      toAmounts(a.Amounts),
	}
}

// toHit renders h with its highlights in the form hl asks for.
func (s *Server) toHit(h index.Hit, hl highlightMode) Hit {
	a := h.Article
	out := Hit{
		ID: a.ID, Score: finite(h.Score), Title: a.Title, URL: a.URL, Source: a.Source,
		Published: formatPublished(a.Published), Language: a.Language,
		Companies:    nonNil(a.Companies),
		Countries:    nonNil(a.Countries),
		CountryNames: s.countryNames(a.Countries),
		Amounts:      toAmounts(a.Amounts),
		Highlights:   map[string][]string{"title": {}, "body": {}},
		Story:        a.Story,
	}
	if h.Story != nil {
		out.Others = &h.Story.Others
		out.OtherHits = make([]StoryHit, len(h.Story.Hits))
		for i, o := range h.Story.Hits {
			out.OtherHits[i] = StoryHit{ID: o.Article.ID, Title: o.Article.Title, URL: o.Article.URL, Source: o.Article.Source,
				Published: formatPublished(o.Article.Published), Language: o.Article.Language}
		}
	}
	if h.Highlights == nil {
		return out
	}
	switch hl {
	case highlightHTML:
		if h.Highlights.Title.Text != "" {
			out.Highlights["title"] = []string{fragmentHTML(h.Highlights.Title)}
		}
		for _, f := range h.Highlights.Body {
			out.Highlights["body"] = append(out.Highlights["body"], fragmentHTML(f))
		}
	case highlightRanges:
		out.Fragments = &Fragments{Title: []Fragment{}, Body: []Fragment{}}
		if h.Highlights.Title.Text != "" {
			out.Fragments.Title = append(out.Fragments.Title, toFragment(h.Highlights.Title))
		}
		for _, f := range h.Highlights.Body {
			out.Fragments.Body = append(out.Fragments.Body, toFragment(f))
		}
	}
	return out
}

func toFragment(f index.Fragment) Fragment {
	out := Fragment{Text: f.Text, Marks: make([][2]int, len(f.Marks))}
	for i, m := range f.Marks {
		out.Marks[i] = [2]int{m.Start, m.End}
	}
	return out
}

func (s *Server) toFacets(f index.Facets) Facets {
	terms := func(in []index.FacetValue) []FacetValue {
		out := make([]FacetValue, 0, len(in))
		for _, v := range in {
			out = append(out, FacetValue{Value: v.Value, Count: v.Count})
		}
		return out
	}
	out := Facets{
		Company: terms(f.Company),
		Country: make([]CountryValue, 0, len(f.Country)),
		Lang:    terms(f.Language),
		Source:  terms(f.Source),
		Amount:  make([]AmountBand, 0, len(f.Amount)),
		Month:   terms(f.Month),
	}
	for _, v := range f.Country {
		out.Country = append(out.Country, CountryValue{Value: v.Value, Label: s.countryName(v.Value), Count: v.Count})
	}
	for _, v := range f.Amount {
		out.Amount = append(out.Amount, AmountBand{Value: v.Value, Min: v.Min, Max: v.Max, Count: v.Count})
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
		DataID:         st.DataID,
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
