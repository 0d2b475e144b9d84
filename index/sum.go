package index

// A disjunction that scores a document with the sum of its matching
// parts. Bleve's disjunction multiplies that sum by the share of its
// parts that match (coord), which made a word found in the body only
// weigh half a word found in both title and body, and a word with many
// typo corrections weigh less than one without: scores that no weight
// could tune. Query modes keep Bleve's disjunction where coord is meant
// (mode "any": more matching words rank higher).

import (
	"container/heap"
	"context"
	"math"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// sumQuery matches the documents any of its Parts matches, scored with
// the sum of the scores of the parts that match, times Boost.
type sumQuery struct {
	Parts []query.Query `json:"parts"`
	boost float64
}

// SetBoost implements query.BoostableQuery.
func (q *sumQuery) SetBoost(b float64) { q.boost = b }

// Boost implements query.BoostableQuery.
func (q *sumQuery) Boost() float64 {
	if q.boost == 0 {
		return 1
	}
	return q.boost
}

// Searcher implements query.Query.
func (q *sumQuery) Searcher(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, opt search.SearcherOptions) (search.Searcher, error) {
	ss := make([]search.Searcher, 0, len(q.Parts))
	for _, p := range q.Parts {
		if b, ok := p.(query.BoostableQuery); ok && q.boost != 0 && q.boost != 1 {
			b.SetBoost(b.Boost() * q.boost)
		}
		s, err := p.Searcher(ctx, r, m, opt)
		if err != nil {
			closeAll(ss)
			return nil, err
		}
		ss = append(ss, s)
	}
	q.boost = 1 // applied to the parts once
	return newSumSearcher(ss), nil
}

func closeAll(ss []search.Searcher) {
	for _, s := range ss {
		_ = s.Close()
	}
}

// sumSearcher merges the matches of its searchers by document, in
// increasing internal id order, scoring each with the sum of the scores.
type sumSearcher struct {
	searchers []search.Searcher
	heap      sumHeap
	matching  []*sumCurr
	started   bool
}

type sumCurr struct {
	s    search.Searcher
	curr *search.DocumentMatch
}

type sumHeap []*sumCurr

func (h sumHeap) Len() int { return len(h) }
func (h sumHeap) Less(i, j int) bool {
	return h[i].curr.IndexInternalID.Compare(h[j].curr.IndexInternalID) < 0
}
func (h sumHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *sumHeap) Push(x any)   { *h = append(*h, x.(*sumCurr)) }
func (h *sumHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newSumSearcher(ss []search.Searcher) *sumSearcher {
	s := &sumSearcher{searchers: ss}
	// The query norm Bleve's scorers multiply by, as its disjunction sets it.
	var sq float64
	for _, c := range ss {
		sq += c.Weight()
	}
	if sq > 0 {
		norm := 1 / math.Sqrt(sq)
		for _, c := range ss {
			c.SetQueryNorm(norm)
		}
	}
	return s
}

func (s *sumSearcher) start(ctx *search.SearchContext) error {
	s.started = true
	for _, c := range s.searchers {
		dm, err := c.Next(ctx)
		if err != nil {
			return err
		}
		if dm != nil {
			heap.Push(&s.heap, &sumCurr{s: c, curr: dm})
		}
	}
	return nil
}

// Next implements search.Searcher.
func (s *sumSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if !s.started {
		if err := s.start(ctx); err != nil {
			return nil, err
		}
	}
	// Move on the searchers of the document returned last.
	for _, c := range s.matching {
		dm, err := c.s.Next(ctx)
		if err != nil {
			return nil, err
		}
		if dm != nil {
			c.curr = dm
			heap.Push(&s.heap, c)
		}
	}
	s.matching = s.matching[:0]
	if len(s.heap) == 0 {
		return nil, nil
	}
	first := heap.Pop(&s.heap).(*sumCurr)
	s.matching = append(s.matching, first)
	rv := first.curr
	for len(s.heap) > 0 && s.heap[0].curr.IndexInternalID.Equals(rv.IndexInternalID) {
		c := heap.Pop(&s.heap).(*sumCurr)
		rv.Score += c.curr.Score
		rv.FieldTermLocations = append(rv.FieldTermLocations, c.curr.FieldTermLocations...)
		s.matching = append(s.matching, c)
	}
	// The other parts' matches are recycled; rv is handed out, and its
	// searcher moves on at the next call without touching it.
	for _, c := range s.matching[1:] {
		ctx.DocumentMatchPool.Put(c.curr)
		c.curr = nil
	}
	first.curr = nil
	return rv, nil
}

// Advance implements search.Searcher.
func (s *sumSearcher) Advance(ctx *search.SearchContext, id bleveindex.IndexInternalID) (*search.DocumentMatch, error) {
	if !s.started {
		if err := s.start(ctx); err != nil {
			return nil, err
		}
	}
	// Searchers of the last match advance from scratch.
	pending := s.matching
	s.matching = nil
	for len(s.heap) > 0 && s.heap[0].curr.IndexInternalID.Compare(id) < 0 {
		c := heap.Pop(&s.heap).(*sumCurr)
		ctx.DocumentMatchPool.Put(c.curr)
		c.curr = nil
		pending = append(pending, c)
	}
	for _, c := range pending {
		dm, err := c.s.Advance(ctx, id)
		if err != nil {
			return nil, err
		}
		if dm != nil {
			c.curr = dm
			heap.Push(&s.heap, c)
		}
	}
	return s.Next(ctx)
}

// Weight implements search.Searcher.
func (s *sumSearcher) Weight() float64 {
	var w float64
	for _, c := range s.searchers {
		w += c.Weight()
	}
	return w
}

// SetQueryNorm implements search.Searcher.
func (s *sumSearcher) SetQueryNorm(n float64) {
	for _, c := range s.searchers {
		c.SetQueryNorm(n)
	}
}

// Count implements search.Searcher.
func (s *sumSearcher) Count() uint64 {
	var n uint64
	for _, c := range s.searchers {
		n += c.Count()
	}
	return n
}

// Close implements search.Searcher.
func (s *sumSearcher) Close() error {
	var err error
	for _, c := range s.searchers {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Min implements search.Searcher.
func (s *sumSearcher) Min() int { return 0 }

// Size implements search.Searcher.
func (s *sumSearcher) Size() int {
	n := 64
	for _, c := range s.searchers {
		n += c.Size()
	}
	return n
}

// DocumentMatchPoolSize implements search.Searcher.
func (s *sumSearcher) DocumentMatchPoolSize() int {
	n := len(s.searchers)
	for _, c := range s.searchers {
		n += c.DocumentMatchPoolSize()
	}
	return n
}
