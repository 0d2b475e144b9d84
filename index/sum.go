package index

// A disjunction that scores a document with the sum of its matching
// parts. Bleve's disjunction multiplies that sum by the share of its
// parts that match (coord), which made a word found in the body only
// weigh half a word found in both title and body, and a word with many
// typo corrections weigh less than one without: scores that no weight
// could tune. Mode "any" asks for coord (more matching words rank
// higher): Coord.
//
// The sum is taken in the order of the parts, whatever the order in
// which their matches come: Bleve's disjunction adds them as they leave
// a heap ordered by document number, and a document's number changes
// when segments merge, so that the last bits of a score, and with them
// the order of equal scores and the hits a cursor continues after,
// changed while nothing was written.

import (
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
	// Coord multiplies a document's score by the share of the parts
	// that match it, as Bleve's disjunction does.
	Coord bool `json:"coord,omitempty"`
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
	sum := newSumSearcher(ss)
	sum.coord = q.Coord
	return sum, nil
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
	coord     bool
}

type sumCurr struct {
	s    search.Searcher
	idx  int    // the part's index, the order of the sum
	id   uint64 // curr's document number
	curr *search.DocumentMatch
}

// sumHeap holds the parts' current matches, the lowest document number at
// the root, compared by number rather than by their ids' bytes. It is
// written out rather than through container/heap, whose interface calls
// and byte comparisons took half of the time the sum spent outside its
// parts on the 188k-article index's pages of many hits.
type sumHeap []*sumCurr

// push adds c, its curr set.
func (h *sumHeap) push(c *sumCurr) {
	c.id = c.curr.IndexInternalID.Value()
	*h = append(*h, c)
	a := *h
	for j := len(a) - 1; j > 0; {
		p := (j - 1) / 2
		if a[p].id <= a[j].id {
			break
		}
		a[p], a[j] = a[j], a[p]
		j = p
	}
}

// pop removes and returns the root.
func (h *sumHeap) pop() *sumCurr {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = nil
	a = a[:n]
	*h = a
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && a[r].id < a[l].id {
			m = r
		}
		if a[i].id <= a[m].id {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	return top
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
	for i, c := range s.searchers {
		dm, err := c.Next(ctx)
		if err != nil {
			return err
		}
		if dm != nil {
			s.heap.push(&sumCurr{s: c, idx: i, curr: dm})
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
			s.heap.push(c)
		}
	}
	s.matching = s.matching[:0]
	if len(s.heap) == 0 {
		return nil, nil
	}
	first := s.heap.pop()
	s.matching = append(s.matching, first)
	rv := first.curr
	for len(s.heap) > 0 && s.heap[0].id == first.id {
		s.matching = append(s.matching, s.heap.pop())
	}
	// Parts in their order (insertion sort: a handful of matches).
	m := s.matching
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && m[j].idx < m[j-1].idx; j-- {
			m[j], m[j-1] = m[j-1], m[j]
		}
	}
	score := 0.0
	for _, c := range m {
		score += c.curr.Score
		if c.curr != rv {
			rv.FieldTermLocations = append(rv.FieldTermLocations, c.curr.FieldTermLocations...)
		}
	}
	if s.coord {
		score *= float64(len(m)) / float64(len(s.searchers))
	}
	rv.Score = score
	// The other parts' matches are recycled; rv is handed out, and its
	// searcher moves on at the next call without touching it.
	for _, c := range m {
		if c.curr != rv {
			ctx.DocumentMatchPool.Put(c.curr)
		}
		c.curr = nil
	}
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
	target := id.Value()
	for len(s.heap) > 0 && s.heap[0].id < target {
		c := s.heap.pop()
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
			s.heap.push(c)
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
