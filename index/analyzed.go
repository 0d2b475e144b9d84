package index

// Fields analyzed ahead of their batch (see Index.build), held compactly.

import (
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
)

// keywordField is a keyword field (language, source, company, day,
// number...): one term, its whole value, as the keyword analyzer gives it,
// with the token frequencies made when its document is built, without
// running the analyzer (which allocates a token stream and a copy of the
// term for each field): Bleve's analysis step finds nothing left to do.
type keywordField struct {
	document.Field
	freqs bindex.TokenFrequencies
}

// newKeywordField returns the keyword field name holding value, at
// arrayPositions, with analyzer an (Bleve's keyword analyzer: its one
// token is the value), whose options must not include term vectors.
func newKeywordField(name string, arrayPositions []uint64, value string, opts bindex.FieldIndexingOptions, an analysis.Analyzer) keywordField {
	f := document.NewTextFieldCustom(name, arrayPositions, []byte(value), opts, an)
	tf := &bindex.TokenFreq{Term: f.Value()}
	tf.SetFrequency(1)
	return keywordField{Field: f, freqs: bindex.TokenFrequencies{value: tf}}
}

// Analyze does nothing: the field was analyzed by newKeywordField.
func (keywordField) Analyze() {}

// AnalyzedLength returns the number of tokens of the field: one.
func (keywordField) AnalyzedLength() int { return 1 }

// AnalyzedTokenFrequencies returns the field's one term.
func (f keywordField) AnalyzedTokenFrequencies() bindex.TokenFrequencies { return f.freqs }

// compactText is a text field (title, body) analyzed when its document was
// built, off the writer's path, holding its distinct terms and their
// counts: the writer keeps one batch analyzed while the one before
// commits, and two batches in Bleve's form would double the memory of a
// bulk load. Analyze, which Bleve runs when the batch is committed,
// expands them into Bleve's token frequencies, exactly as
// [analysis.TokenFrequency] would for a field without term vectors.
type compactText struct {
	document.Field
	terms  [][]byte // distinct terms, in order of first occurrence
	counts []int    // occurrences of each term
	flags  []uint8  // while analyzing: each term's flags in the pair lists
	length int      // the number of tokens
	freqs  bindex.TokenFrequencies
}

// tokenVisitor is an analyzer that can hand out its tokens one by one
// (analyzers.MemoAnalyzerType does), saving the token stream.
type tokenVisitor interface {
	VisitTokens(input []byte, visit func(term []byte, pos, start, end int))
}

// newCompactText analyzes value with an into the compact form of field f
// (whose options must not include term vectors). Terms are shared with
// the analyzer's output, which must not change afterwards. sets recycles
// the *termSet that numbers the distinct terms.
//
// When pairs is not nil it also gets every token (see pairCollector), and
// pf is then the field of the pairs, returned as the second field (nil
// when the text has none).
func newCompactText(f document.Field, an analysis.Analyzer, value []byte, sets *sync.Pool, pairs *pairLists, pf document.Field) (*compactText, *compactText) {
	guess := len(value)/16 + 8
	c := &compactText{Field: f, terms: make([][]byte, 0, guess), counts: make([]int, 0, guess)}
	set := getTermSet(sets)
	defer sets.Put(set)
	key := func(k int) []byte { return c.terms[k] }
	var pc *pairCollector
	if pairs != nil {
		pc = &pairCollector{pairLists: pairs, pos: [3]int{-3, -3, -3}, set: getTermSet(sets)}
		defer sets.Put(pc.set)
	}
	visitTokens(an, value, func(term []byte, pos, _, _ int) {
		c.length++
		k, added := set.find(term, key)
		if added {
			c.terms = append(c.terms, term)
			c.counts = append(c.counts, 0)
			if pc != nil {
				c.flags = append(c.flags, pc.flags[string(term)])
			}
		}
		c.counts[k]++
		if pc != nil {
			pc.add(term, c.flags[k], pos)
		}
	})
	c.flags = nil
	if pc == nil || len(pc.ends) == 0 {
		return c, nil
	}
	p := &compactText{Field: pf, terms: pc.terms(), counts: pc.counts, length: len(pc.counts)}
	return c, p
}

// getTermSet returns an empty *termSet from sets.
func getTermSet(sets *sync.Pool) *termSet {
	s, _ := sets.Get().(*termSet)
	if s == nil {
		return new(termSet)
	}
	s.reset()
	return s
}

// Analyze expands the terms into Bleve's token frequencies, once.
func (c *compactText) Analyze() {
	if c.freqs != nil {
		return
	}
	n := len(c.terms)
	size := 0
	for _, term := range c.terms {
		size += len(term)
	}
	// One allocation each for the map keys and the TokenFreqs, instead of
	// one per term.
	var keys strings.Builder
	keys.Grow(size)
	for _, term := range c.terms {
		keys.Write(term)
	}
	all := keys.String()
	freqs := make([]bindex.TokenFreq, n)
	m := make(bindex.TokenFrequencies, n)
	off := 0
	for i, term := range c.terms {
		freqs[i].Term = term
		freqs[i].SetFrequency(c.counts[i])
		m[all[off:off+len(term)]] = &freqs[i]
		off += len(term)
	}
	c.freqs = m
	c.terms, c.counts = nil, nil
}

// AnalyzedLength returns the number of tokens of the field.
func (c *compactText) AnalyzedLength() int { return c.length }

// AnalyzedTokenFrequencies returns the token frequencies made by Analyze.
func (c *compactText) AnalyzedTokenFrequencies() bindex.TokenFrequencies {
	c.Analyze()
	return c.freqs
}
