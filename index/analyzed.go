package index

// Fields analyzed ahead of their batch (see Index.build), held compactly.

import (
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
)

// analyzedField is a small indexed field (keyword, number, date) analyzed
// when its document was built: Bleve's analysis step (Field.Analyze, run
// again by every batch) finds nothing left to do.
type analyzedField struct{ document.Field }

// Analyze does nothing: the field was analyzed by [docBuilder.build].
func (analyzedField) Analyze() {}

// compactText is a text field (title, body) analyzed when its document was
// built, off the writer's path, holding its tokens in 16 bytes each rather
// than Bleve's ~80: the writer keeps one batch analyzed while the one
// before commits, and two batches in Bleve's form would double the memory
// of a bulk load. Analyze, which Bleve runs on every core when the batch
// is committed, expands the tokens into Bleve's token frequencies (with
// term vectors), exactly as [analysis.TokenFrequency] would.
type compactText struct {
	document.Field
	terms  [][]byte       // distinct terms, in order of first occurrence
	tokens []compactToken // in stream order, until Analyze
	length int            // the number of tokens
	freqs  bindex.TokenFrequencies
}

// compactToken is one token: the index of its term in terms, its
// position and its byte offsets in the field's text.
type compactToken struct{ term, pos, start, end uint32 }

// tokenVisitor is an analyzer that can hand out its tokens one by one
// (analyzers.MemoAnalyzerType does), saving the token stream.
type tokenVisitor interface {
	VisitTokens(input []byte, visit func(term []byte, pos, start, end int))
}

// newCompactText analyzes value with an into the compact form of field f
// (whose options must include term vectors and frequencies). Terms are
// shared with the analyzer's output, which must not change afterwards.
// indexes recycles the maps that give each distinct term its index.
func newCompactText(f document.Field, an analysis.Analyzer, value []byte, indexes *sync.Pool) *compactText {
	c := &compactText{Field: f, terms: make([][]byte, 0, len(value)/16+8)}
	index, _ := indexes.Get().(map[string]uint32)
	if index == nil {
		index = make(map[string]uint32, 512)
	}
	add := func(term []byte, pos, start, end int) {
		k, ok := index[string(term)]
		if !ok {
			k = uint32(len(c.terms))
			index[string(term)] = k
			c.terms = append(c.terms, term)
		}
		c.tokens = append(c.tokens, compactToken{term: k, pos: uint32(pos), start: uint32(start), end: uint32(end)})
	}
	if tv, ok := an.(tokenVisitor); ok {
		c.tokens = make([]compactToken, 0, len(value)/7+8)
		tv.VisitTokens(value, add)
	} else {
		tokens := an.Analyze(value)
		c.tokens = make([]compactToken, 0, len(tokens))
		for _, t := range tokens {
			add(t.Term, t.Position, t.Start, t.End)
		}
	}
	c.length = len(c.tokens)
	clear(index)
	indexes.Put(index)
	return c
}

// Analyze expands the tokens into Bleve's token frequencies, once.
func (c *compactText) Analyze() {
	if c.freqs != nil {
		return
	}
	n := len(c.terms)
	counts := make([]int, n)
	size := 0
	for _, t := range c.tokens {
		counts[t.term]++
	}
	for _, term := range c.terms {
		size += len(term)
	}
	// One allocation each for the map keys, the TokenFreqs, the locations
	// and the per-term location lists, instead of some per term.
	var keys strings.Builder
	keys.Grow(size)
	for _, term := range c.terms {
		keys.Write(term)
	}
	all := keys.String()
	freqs := make([]bindex.TokenFreq, n)
	locs := make([]bindex.TokenLocation, len(c.tokens))
	ptrs := make([]*bindex.TokenLocation, len(c.tokens))
	off := 0
	for i, term := range c.terms {
		freqs[i].Term = term
		freqs[i].Locations = ptrs[off : off : off+counts[i]]
		freqs[i].SetFrequency(counts[i])
		off += counts[i]
	}
	for k, t := range c.tokens {
		locs[k] = bindex.TokenLocation{Start: int(t.start), End: int(t.end), Position: int(t.pos)}
		f := &freqs[t.term]
		f.Locations = append(f.Locations, &locs[k])
	}
	m := make(bindex.TokenFrequencies, n)
	off = 0
	for i, term := range c.terms {
		m[all[off:off+len(term)]] = &freqs[i]
		off += len(term)
	}
	c.freqs = m
	c.terms, c.tokens = nil, nil
}

// AnalyzedLength returns the number of tokens of the field.
func (c *compactText) AnalyzedLength() int { return c.length }

// AnalyzedTokenFrequencies returns the token frequencies made by Analyze.
func (c *compactText) AnalyzedTokenFrequencies() bindex.TokenFrequencies {
	c.Analyze()
	return c.freqs
}
