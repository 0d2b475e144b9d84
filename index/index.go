// Package index is veille's search engine: a Bleve v2 index of articles
// with per-language fields, multi-select facets, highlighting, a single
// group-committing writer and zero-downtime rebuilds.
//
// The data folder holds one Bleve index per generation (gen-000001...),
// a CURRENT file naming the live one, the key that signs cursors and a
// lock file (see store.go). Filters, facets and sort keys are evaluated in
// memory from per-segment records read once from doc values (records.go),
// so that a search costs one pass over the text query's hits whatever the
// filters (search.go). The writer analyzes a batch on every core, in a
// compact form, while the batch before it commits (writer.go,
// analyzed.go); a results page of a query of words reads its highlight
// locations from the hits' postings (matched.go).
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
	// ErrLocked: another process (or another Open in this one) holds the data folder.
	ErrLocked = errors.New("index: data folder is in use by another process")
	// ErrClosed: the index has been closed.
	ErrClosed = errors.New("index: closed")
	// ErrRebuilding: a rebuild is already running.
	ErrRebuilding = errors.New("index: a rebuild is already running")
	// ErrReadOnly: the data folder cannot be written (read-only or full
	// disk). Reads keep working; writes are tried again each time.
	ErrReadOnly = errors.New("index: data folder is not writable")
	// ErrBusy: the search turned expensive while Options.MaxExpensive
	// expensive searches were running; it may succeed a moment later.
	ErrBusy = errors.New("index: too many expensive searches")
	// ErrUnavailable: the data folder is gone (deleted, unmounted,
	// unreachable) or is no longer the folder that was opened (replaced by
	// another one, or its lock file replaced). Nothing more is written to
	// it; reads and writes fail until it comes back (see [Index.Health]).
	ErrUnavailable = errors.New("index: data folder is unavailable")
	// ErrDamaged: the data folder holds an index that does not open. Open
	// changes nothing in such a folder; the error says how to recover.
	ErrDamaged = errors.New("index: data folder is damaged")
)

// Enricher fills an article's extracted fields (language when empty,
// companies, countries, amounts) from its title and body. It returns
// ctx's error when ctx ends first.
type Enricher interface {
	Enrich(ctx context.Context, a *corpus.Article) error
}

// Options configure [Open]. The zero value is usable.
type Options struct {
	// Enricher runs on every article before it is indexed; nil leaves articles as given.
	Enricher Enricher
	// CommitInterval bounds how long a write waits for others to join its
	// batch (group commit). Zero means 2 ms. Writes queued while a batch
	// commits join the next one whatever this value.
	CommitInterval time.Duration
	// MaxBatch caps the number of articles in one batch. Zero means 500:
	// the writer holds two batches analyzed at a time (and PutAll 2×MaxBatch
	// enriched articles), and in the service, under its memory limit,
	// larger batches save segment builds and merges until their garbage
	// costs more. With the session-3 heap 1,000 was best (OrangeSum through
	// the bulk API, mean of 2 to 5 runs: 3,700 articles/s at 250, 4,000 at
	// 500, 4,240 at 1,000, 4,100 at 2,000); with the live heap of stories
	// and the phrase pairs (BENCHMARKS.md, issue 18 stage 2) 500 gives
	// 1,703–1,722 articles/s against 1,400–1,515 at 1,000.
	MaxBatch int
	// LockTimeout bounds the wait for the data folder's lock (then Open
	// fails with ErrLocked). Zero means 2 s.
	LockTimeout time.Duration
	// MaxExpensive bounds the searches running at once past
	// ExpensiveCost (phrases of frequent words...); a search that turns
	// expensive with no place left fails with ErrBusy. Zero means half
	// the processors, at least 1. See cost.go for the units.
	MaxExpensive int
	// ExpensiveCost is the cost past which a search is expensive; zero
	// means 8 Mi units (about 8 MB of text checked for phrases).
	ExpensiveCost int64
	// SearchBudget is the cost past which a search fails with a
	// *QueryError; zero means 1 Gi units.
	SearchBudget int64
	// OnHealth, when set, is called each time [Index.Health] changes: with
	// its new error (wrapping ErrUnavailable) when the data folder becomes
	// unusable, with nil when the index works again. Calls come one at a
	// time, from the index's own goroutines; OnHealth must not block.
	OnHealth func(err error)
	// OnCommit, when set, is called by the writer after each batch that
	// stores articles is durable and searchable, and before the batch's
	// writes are acknowledged (see [Commit]).
	OnCommit CommitHook
	// CursorKey, when set, signs cursors in place of the data folder's
	// own key, so that the nodes of a cluster accept each other's
	// cursors; it must be 32 bytes.
	CursorKey []byte
}

// Origin says where an article came from: the relative path of a file in
// the watched corpus folder and a stamp of its content (size and
// modification time, or a hash), or the zero value for API writes.
type Origin struct {
	Path  string
	Stamp string
}

// Query is a search: text, filters, facets, sorting and paging. The
// zero value matches every article, newest first. Limits are the
// constants of limits.go; a field out of them is a *QueryError.
type Query struct {
	// Text uses the query language of the contract: words all match (Mode
	// ModeAll) or any matches (ModeAny), "phrases", -excluded words.
	Text string
	Mode Mode // empty means ModeAll
	// Prefix makes the last word of Text also match as the start of a
	// longer word (search as you type); otherwise words match whole.
	Prefix bool

	// Filters: OR within one, AND across. Countries are ISO 3166-1 alpha-2 codes.
	Companies, Countries, Languages, Sources []string
	// Exclusions: articles with any of these values are left out.
	ExcludeCompanies, ExcludeCountries, ExcludeSources []string
	AmountMin, AmountMax                               *float64  // euros, inclusive bounds
	From, To                                           time.Time // publication dates, inclusive; zero = open

	// Sort empty means SortRelevance when Text has words, SortDateDesc
	// otherwise.
	Sort Sort
	// Page is 1-based (0 = 1); PerPage is 1..MaxPerPage (0 =
	// DefaultPerPage); Page*PerPage may not exceed MaxWindow: deeper, use
	// the cursor. Cursor, when set, is the NextCursor of a previous
	// [Results] for the same query (text, mode, prefix, filters, sort and
	// PerPage) and replaces Page.
	Page, PerPage int
	Cursor        string
	// Highlight asks for each hit's [Highlights].
	Highlight bool
	// FacetSize caps the values returned per facet (0 = DefaultFacetSize,
	// at most MaxFacetSize); the month facet lists every month.
	FacetSize int
	// IDs, when not empty, restricts the search to the articles with
	// these ids: the hits are those of the same query without IDs that
	// have one of them (scores may differ), and no facet is counted. A
	// percolator confirms its candidates with it.
	IDs []string
	// FacetQuery, when its Facet is set, keeps in that facet only the
	// values Match accepts (a search among a facet's values). It changes
	// no hit, and is not encoded.
	FacetQuery FacetQuery `json:"-"`
	// NoFacets skips counting facets (an export pages through hits only).
	NoFacets bool
	// Collapse CollapseStory gives one hit per story (near-duplicates,
	// package stories): its best-ranked matching article, with how many
	// others match ([Hit.Story]). Total and facet counts then count
	// stories. Empty means CollapseNone.
	Collapse Collapse
	// Stats, when set, are the counts the search reads in place of the
	// index's own: those of every shard of a corpus, summed (see
	// [Index.TermStats]), so that each shard searches and scores as one
	// index holding the whole corpus would.
	Stats *TermStats
}

// Collapse says whether a search groups the articles of a story.
type Collapse string

// Collapse modes.
const (
	CollapseNone  Collapse = "none"  // one hit per article (the default)
	CollapseStory Collapse = "story" // one hit per story
)

// FacetQuery restricts the values of one facet ("company", "country",
// "lang", "source") to those Match accepts.
type FacetQuery struct {
	Facet string
	Match func(value string) bool `json:"-"`
}

// Results is one page of a search.
type Results struct {
	// Total counts the matching articles, all filters applied; stories
	// with Query.Collapse CollapseStory (then Articles counts the
	// articles).
	Total    uint64
	Articles uint64 // matching articles, whether collapsed or not
	// Stories is true when Total and the facet counts count stories.
	Stories bool
	Hits    []Hit
	// Facets are multi-select counts: each facet's counts apply every
	// filter of the query except its own (see [Facets]).
	Facets Facets
	// ResultFacets count within the results: every filter applied, to
	// every facet (what charts of the results show).
	ResultFacets Facets
	// Corrections maps a word of the query to the word searched in its
	// place: a typo corrected ("gouvernemnt": "gouvernement"), or the
	// completion of a last word that matches nothing whole. Never nil.
	Corrections map[string]string
	NextCursor  string // empty on the last page
	Took        time.Duration
	// Missing, when Query.Stats is set, holds the counts the search read
	// that Stats lacked, as this index has them (see [Index.TermStats]);
	// nil when Stats had every count.
	Missing *TermStats
}

// Hit is one matching article. Its Article has no Body (long, and
// unneeded for a list of results): [Index.Get] has it.
type Hit struct {
	Article corpus.Article
	Score   float64 // 0 unless sorted by relevance
	// Highlights is set when the query asked for them.
	Highlights *Highlights
	// Story is set in a collapsed search: the other matching articles of
	// the hit's story.
	Story *StoryHits
}

// StoryHits are the articles of a collapsed hit's story that match the
// search besides the hit itself.
type StoryHits struct {
	Others int // how many
	// Hits are the first MaxStoryHits of them in the order of the
	// search, without highlights.
	Hits []Hit
}

// Highlights are where a query matched an article.
type Highlights struct {
	// Title is the whole title, white space collapsed.
	Title Fragment
	// Body holds up to three fragments of about 160 characters, or
	// without a match its first lines; empty when the body is.
	Body []Fragment
}

// Fragment is a piece of an article's text, white space runs collapsed,
// with "…" where the text was cut, and the byte ranges of Text the query
// matched: sorted, disjoint, non-empty and on UTF-8 boundaries.
type Fragment struct {
	Text  string
	Marks []Mark
}

// Mark is the byte range Text[Start:End] of a [Fragment].
type Mark struct{ Start, End int }

// Facets holds every facet's counts. Counts count articles (stories in
// a collapsed search: a story counts once for a value any of its
// matching articles has). Company,
// Country, Language and Source list the values with the most articles
// first (ties by value), then any selected value beyond FacetSize, with a
// zero count when no article has it.
type Facets struct {
	Company  []FacetValue
	Country  []FacetValue // ISO codes
	Language []FacetValue
	Source   []FacetValue
	Amount   []FacetValue // bands in increasing order; Min/Max are the band's euro bounds, Max nil for the top band
	Month    []FacetValue // "2025-09", every month with articles, newest first
}

// FacetValue is one value of a facet and the number of matching articles.
type FacetValue struct {
	Value string
	Min   *float64
	Max   *float64
	Count int
}

// Stats describes the index.
type Stats struct {
	Articles   uint64
	Languages  map[string]uint64 // articles by language code
	SizeBytes  int64             // bytes of the live generation's folder
	LastIngest time.Time         // last acknowledged write; zero if unknown
	Reindexing bool              // a rebuild is running
	Generation int               // number of the live generation (1, 2...)
	// DataID identifies the data folder (see [DataID]).
	DataID string
	// AppliedSeq is the sequence of the last log entry the counted
	// articles reflect (see [Index.ApplyAsync]): read from the same
	// snapshot as Articles and Languages, so the two always agree.
	AppliedSeq uint64
}
