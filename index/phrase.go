package index

// Phrases without term vectors.
//
// The index keeps no term positions (Bleve's term vectors): they were a
// fifth of the cost of indexing and of the index's size, for phrases and
// highlights only. A phrase query finds the articles that hold all its
// terms, then reads the field's text of each and analyzes it again to
// check the terms' positions, as PostgreSQL rechecks its phrase matches.
// Highlights are found the same way (matched.go), on a page's hits only.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
)

// phraseQuery matches the articles whose field (title_<lang> or
// body_<lang>) holds the phrase Terms: Terms[i] lists the terms accepted
// at the phrase's i-th position, and an empty list (a stop word removed
// by the analyzer) accepts any word. Its score is that of the conjunction
// of its terms, as with Bleve's phrase query.
type phraseQuery struct {
	Lang  string     `json:"lang"`
	Field string     `json:"field"`
	Terms [][]string `json:"terms"`
	boost float64
}

// SetBoost implements query.BoostableQuery.
func (q *phraseQuery) SetBoost(b float64) { q.boost = b }

// Boost implements query.BoostableQuery.
func (q *phraseQuery) Boost() float64 {
	if q.boost == 0 {
		return 1
	}
	return q.boost
}

// textReader reads the stored text of a document's title or body, at
// most limit bytes of it (0: all), as a copy the caller may keep; the
// readers of searches (memoReader) implement it.
type textReader interface {
	storedText(id bleveindex.IndexInternalID, part string, limit int) ([]byte, error)
}

// Phrases in long texts are checked a chunk at a time, the context and
// the cost checked between chunks: a 10 MB body takes tens of
// milliseconds to analyze. Chunks overlap by phraseOverlap bytes, cut at
// white space, so that an occurrence across a cut is found whole in the
// next chunk (one spread over more than phraseOverlap bytes, which takes
// a run of thousands of spaces or signs between its words, may be missed
// at a cut).
const (
	phraseChunk   = 1 << 20
	phraseOverlap = 16 << 10
)

// Searcher implements query.Query. It reads texts through r when r is a
// textReader, otherwise from the stored fields r's Document returns.
func (q *phraseQuery) Searcher(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, opt search.SearcherOptions) (search.Searcher, error) {
	tr, ok := r.(textReader)
	if !ok {
		tr = docTextReader{r, q.Field}
	}
	an := m.AnalyzerNamed(m.AnalyzerNameForPath(q.Field))
	if an == nil {
		return nil, fmt.Errorf("index: phrase: no analyzer for field %s", q.Field)
	}
	part, _, _ := strings.Cut(q.Field, "_")
	var slots []search.Searcher
	fail := func(err error) (search.Searcher, error) {
		for _, s := range slots {
			_ = s.Close()
		}
		return nil, err
	}
	for _, terms := range q.Terms {
		var ss []search.Searcher
		for _, t := range terms {
			s, err := searcher.NewTermSearcher(ctx, r, t, q.Field, q.Boost(), opt)
			if err != nil {
				for _, s := range ss {
					_ = s.Close()
				}
				return fail(err)
			}
			ss = append(ss, s)
		}
		switch len(ss) {
		case 0:
			continue
		case 1:
			slots = append(slots, ss[0])
		default:
			d, err := searcher.NewDisjunctionSearcher(ctx, r, ss, 1, opt)
			if err != nil {
				for _, s := range ss {
					_ = s.Close()
				}
				return fail(err)
			}
			slots = append(slots, d)
		}
	}
	filters, exact, err := pairFilters(ctx, r, m, q.Lang, q.Field, q.Terms, opt)
	if err != nil {
		return fail(err)
	}
	slots = append(slots, filters...)
	// The candidates are at most as many as the documents of the
	// rarest slot (or pair filter).
	bound := uint64(math.MaxUint64)
	for _, s := range slots {
		bound = min(bound, s.Count())
	}
	var all search.Searcher
	if len(slots) == 1 {
		all = slots[0]
	} else {
		c, err := searcher.NewConjunctionSearcher(ctx, r, slots, opt)
		if err != nil {
			return fail(err)
		}
		all = c
	}
	if exact {
		return all, nil
	}
	// The candidates come in increasing document number: how many there
	// can be and how far they went tell what the rest will cost.
	var cost *projection
	if mr, ok := r.(*memoReader); ok {
		cost = mr.cost.project(part, bound, mr.view.docSpace())
	} else {
		cost = (*meter)(nil).project(part, bound, 0)
	}
	return &verifyingSearcher{Searcher: all, end: cost.finish, check: func(id bleveindex.IndexInternalID) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		text, err := tr.storedText(id, part, 0)
		if err != nil || len(text) == 0 {
			return false, err
		}
		if err := cost.add(len(text), id.Value()); err != nil {
			return false, err
		}
		return containsPhrase(ctx, an, text, q.Terms)
	}}, nil
}

// containsPhrase reports whether text holds the phrase slots (see
// analyzers.ContainsPhrase), a chunk at a time, returning ctx's error
// when it is done between two chunks.
func containsPhrase(ctx context.Context, an analysis.Analyzer, text []byte, slots [][]string) (bool, error) {
	for start := 0; ; {
		end := len(text)
		if end-start > phraseChunk {
			end = spaceAfter(text, start+phraseChunk, min(len(text), start+phraseChunk+phraseOverlap))
		}
		if analyzers.ContainsPhrase(an, text[start:end], slots) {
			return true, nil
		}
		if end == len(text) {
			return false, nil
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		next := spaceAfter(text, end-phraseOverlap, end)
		if next <= start {
			next = end
		}
		start = next
	}
}

// spaceAfter returns the offset of the first ASCII white space of
// text[from:to], or to (on a UTF-8 boundary) when there is none.
func spaceAfter(text []byte, from, to int) int {
	for i := from; i < to; i++ {
		switch text[i] {
		case ' ', '\n', '\t', '\r', '\f', '\v':
			return i
		}
	}
	for to < len(text) && to > 0 && !utf8.RuneStart(text[to]) {
		to--
	}
	return to
}

// visitTokensStartingWith calls visit with the tokens of an's analysis of
// input whose term starts with a byte b for which first[b] is true. pos
// is the token's position when positions is true, and may be 0 otherwise.
func visitTokensStartingWith(an analysis.Analyzer, input []byte, first *[256]bool, positions bool, visit func(term []byte, pos, start, end int)) {
	if iv, ok := an.(interface {
		VisitTokensStartingWith(input []byte, first *[256]bool, positions bool, visit func(term []byte, pos, start, end int))
	}); ok {
		iv.VisitTokensStartingWith(input, first, positions, visit)
		return
	}
	visitTokens(an, input, func(term []byte, pos, start, end int) {
		if len(term) > 0 && first[term[0]] {
			visit(term, pos, start, end)
		}
	})
}

// visitTokens calls visit with every token of an's analysis of input.
func visitTokens(an analysis.Analyzer, input []byte, visit func(term []byte, pos, start, end int)) {
	if tv, ok := an.(tokenVisitor); ok {
		tv.VisitTokens(input, visit)
		return
	}
	for _, t := range an.Analyze(input) {
		visit(t.Term, t.Position, t.Start, t.End)
	}
}

// verifyingSearcher passes on the matches of its Searcher that check
// accepts; check also returns the context's and the cost's errors. end
// is called when the Searcher has no more matches.
type verifyingSearcher struct {
	search.Searcher
	check func(id bleveindex.IndexInternalID) (bool, error)
	end   func()
}

// exhausted calls end when the Searcher answered no match and no error.
func (s *verifyingSearcher) exhausted(dm *search.DocumentMatch, err error) {
	if dm == nil && err == nil && s.end != nil {
		s.end()
	}
}

// accept returns dm when it passes the check, nil (dm recycled) otherwise.
func (s *verifyingSearcher) accept(sctx *search.SearchContext, dm *search.DocumentMatch) (*search.DocumentMatch, error) {
	ok, err := s.check(dm.IndexInternalID)
	if err != nil {
		return nil, fmt.Errorf("index: phrase: %w", err)
	}
	if ok {
		return dm, nil
	}
	sctx.DocumentMatchPool.Put(dm)
	return nil, nil
}

// Next implements search.Searcher.
func (s *verifyingSearcher) Next(sctx *search.SearchContext) (*search.DocumentMatch, error) {
	for {
		dm, err := s.Searcher.Next(sctx)
		if dm == nil || err != nil {
			s.exhausted(dm, err)
			return nil, err
		}
		if dm, err = s.accept(sctx, dm); dm != nil || err != nil {
			return dm, err
		}
	}
}

// Advance implements search.Searcher.
func (s *verifyingSearcher) Advance(sctx *search.SearchContext, id bleveindex.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(sctx, id)
	if dm == nil || err != nil {
		s.exhausted(dm, err)
		return nil, err
	}
	if dm, err = s.accept(sctx, dm); dm != nil || err != nil {
		return dm, err
	}
	return s.Next(sctx)
}

// storedPart returns a copy of the title or the body of stored fields,
// at most limit bytes of the body (0: all).
func storedPart(f *storedFields, part string, limit int) ([]byte, error) {
	if part != "title" {
		return bytes.Clone(f.body[:utf8Cut(f.body, limit)]), nil
	}
	var t struct {
		Title string `json:"title"`
	}
	if err := json.Unmarshal(f.src, &t); err != nil {
		return nil, fmt.Errorf("index: decode stored article: %w", err)
	}
	return []byte(t.Title), nil
}

// docTextReader is the textReader of any Bleve index reader: the stored
// value of field when the index stores it, else the article's stored
// title or body.
type docTextReader struct {
	r     bleveindex.IndexReader
	field string
}

func (d docTextReader) storedText(id bleveindex.IndexInternalID, part string, limit int) ([]byte, error) {
	ext, err := d.r.ExternalID(id)
	if err != nil {
		return nil, err
	}
	doc, err := d.r.Document(ext)
	if err != nil || doc == nil {
		return nil, err
	}
	var f storedFields
	var own []byte
	doc.VisitFields(func(fl bleveindex.Field) {
		if fl.Name() == d.field {
			own = fl.Value()
		}
		f.visit(fl.Name(), 0, fl.Value(), nil)
	})
	if own != nil {
		return bytes.Clone(own), nil
	}
	if f.src == nil && f.body == nil {
		return nil, nil
	}
	return storedPart(&f, part, limit)
}
