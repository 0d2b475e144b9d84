// Package index is veille's search engine: a Bleve v2 index of articles
// with per-language fields, multi-select facets, highlighting, a single
// group-committing writer and zero-downtime rebuilds.
package index

import (
	"context"
	"errors"
	"time"

	"veille/corpus"
)

// Sentinel errors. Methods document which ones they return, always wrapped.
var (
	// ErrNotFound: no article has the given id.
	ErrNotFound = errors.New("index: article not found")
	// ErrInvalidQuery: the query or one of its parameters cannot be run.
	ErrInvalidQuery = errors.New("index: invalid query")
	// ErrInvalidArticle: the article fails validation (see corpus.Article.Validate).
	ErrInvalidArticle = errors.New("index: invalid article")
	// ErrLocked: another process holds the data folder.
	ErrLocked = errors.New("index: data folder is in use by another process")
	// ErrClosed: the index has been closed.
	ErrClosed = errors.New("index: closed")
	// ErrRebuilding: a rebuild is already running.
	ErrRebuilding = errors.New("index: a rebuild is already running")
	// ErrReadOnly: the data folder cannot be written (read-only or full disk).
	ErrReadOnly = errors.New("index: data folder is not writable")
)

// Enricher fills an article's extracted fields (language when empty,
// companies, countries, amounts) from its title and body.
type Enricher interface {
	Enrich(a *corpus.Article)
}

// Options configure [Open]. The zero value is usable.
type Options struct {
	// Enricher runs on every article before it is indexed; nil leaves articles as given.
	Enricher Enricher
	// CommitInterval bounds how long a write waits for others to join its
	// batch (group commit). Zero means a sensible default (a few ms).
	CommitInterval time.Duration
	// MaxBatch caps the number of articles in one batch. Zero means 1000.
	MaxBatch int
	// LockTimeout bounds the wait for the data folder's lock. Zero means 2 s.
	LockTimeout time.Duration
}

// Origin says where an article came from: the relative path of a file in
// the watched corpus folder and a stamp of its content (size and
// modification time, or a hash), or the zero value for API writes.
type Origin struct {
	Path  string
	Stamp string
}

// Query is a search: text, filters, facets, sorting and paging.
type Query struct {
	// Text uses the query language of the contract: words all match (Mode
	// "all") or any matches (Mode "any"), "phrases", -excluded words.
	Text string
	Mode string // "all" (default) or "any"

	// Filters: OR within one, AND across. Countries are ISO 3166-1 alpha-2 codes.
	Companies, Countries, Languages, Sources []string
	AmountMin, AmountMax                     *float64  // euros, inclusive bounds
	From, To                                 time.Time // publication dates, inclusive; zero = open

	// Sort is "relevance", "date", "-date", "amount" or "-amount"; empty
	// means relevance when Text has words, "-date" otherwise.
	Sort string
	// Page is 1-based; PerPage is 1..100 (0 = 10). Cursor, when set, is the
	// NextCursor of a previous [Results] for the same query and replaces Page.
	Page, PerPage int
	Cursor        string
	// Highlight asks for HTML fragments (<mark>, everything else escaped).
	Highlight bool
	// FacetSize caps the values returned per term facet (0 = 20).
	FacetSize int
}

// Results is one page of a search.
type Results struct {
	Total      uint64
	Hits       []Hit
	Facets     Facets
	NextCursor string // empty on the last page
	Took       time.Duration
}

// Hit is one matching article.
type Hit struct {
	Article corpus.Article
	Score   float64
	// Highlights maps "title" and "body" to up to three HTML fragments.
	Highlights map[string][]string
}

// Facets holds every facet's counts. Counts count articles; each facet's
// counts apply every filter of the query except its own.
type Facets struct {
	Company  []FacetValue
	Country  []FacetValue // Label is the French country name
	Language []FacetValue
	Amount   []FacetValue // Min/Max are the band's euro bounds, Max nil for the top band
	Month    []FacetValue // "2025-09"
}

// FacetValue is one value of a facet and the number of matching articles.
type FacetValue struct {
	Value string
	Label string
	Min   *float64
	Max   *float64
	Count int
}

// Stats describes the index.
type Stats struct {
	Articles   uint64
	Languages  map[string]uint64
	SizeBytes  int64
	LastIngest time.Time
	Reindexing bool
	Generation int
}

// Compile-time reminder of the surface the service relies on; see index_impl.go.
var _ interface {
	Put(ctx context.Context, a corpus.Article, o Origin) (created bool, stored corpus.Article, err error)
	Get(ctx context.Context, id string) (corpus.Article, error)
	Delete(ctx context.Context, id string) error
	Search(ctx context.Context, q Query) (Results, error)
	Rebuild(ctx context.Context) error
	Stats(ctx context.Context) (Stats, error)
	Origins(ctx context.Context) (map[string]Origin, error)
	Close() error
} = (*Index)(nil)
