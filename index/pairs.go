package index

// Pairs of words: phrases of frequent words without reading texts.
//
// A phrase is checked on the text of every article holding all its words
// (phrase.go), at 10 to 50 µs an article: a phrase of frequent words
// ("emmanuel macron": 4,483 OrangeSum articles hold both) took hundreds
// of milliseconds. So each title and body field also indexes, in a field
// of its own (pairField), terms for its adjacent terms:
//
//   - a frequent pair or triple (pairwords/<lang>-pairs.txt: those of at
//     least 50 OrangeSum articles, "emanuel macron", "gilet jaun") as
//     itself: the phrase is then one postings list;
//   - any other pair of frequent terms (pairwords/<lang>.txt: the 2,000 of
//     the most articles) as one of pairBuckets bucket terms, a hash of the
//     pair: a superset of the articles holding it, which leaves few to
//     check for a rare pair of frequent words ("homme autre": 2,857
//     articles hold both words, 3 the pair).
//
// A phrase adds the pair terms of its adjacent positions to the
// conjunction of its terms as filters (they add nothing to the score),
// and is checked on the few articles left; a phrase of two positions (or
// three) that is a frequent pair (or triple) is not checked at all. A
// phrase holding a rarer term is bounded by that term's articles, as
// before; a phrase whose words are separated by stop words ("passe-t-on
// devant": any word may stand in a stop word's place) gets no filter.
//
// The lists are part of the index format: a generation holds pairs only
// when its mapping has the pair fields, named after pairsVersion, so that
// an index built with other lists (or none) is searched without them.
// Changing a list means a new pairsVersion; existing indexes use their
// pairs again after a rebuild.

import (
	"context"
	"embed"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// pairsVersion names the word lists of pairwords/: bump it with them.
const pairsVersion = "2"

//go:embed pairwords
var pairWordFiles embed.FS

// pairField returns the field holding the word pairs of text field f.
func pairField(f string) string { return "pairs" + pairsVersion + "_" + f }

// wordSet is a set of terms.
type wordSet map[string]struct{}

// pairLists are the lists of a language.
type pairLists struct {
	pairs wordSet          // the frequent pairs, indexed as themselves
	flags map[string]uint8 // wordFrequent, wordStartsPair, wordEndsPair
}

// Flags of a term in pairLists.
const (
	wordFrequent   = 1 << iota // its pairs with other frequent terms are indexed (a pair or a bucket)
	wordStartsPair             // the first term of a frequent pair
	wordEndsPair               // the second term of a frequent pair
)

// pairOf returns the term indexing the pair of terms a then b with flags
// fa and fb: the pair itself when frequent, its bucket when both terms
// are, "" when neither.
func (l *pairLists) pairOf(pair []byte, fa, fb uint8) (term string, exact bool) {
	switch l.kindOf(pair, fa, fb) {
	case pairExact:
		return string(pair), true
	case pairBucket:
		return string(appendBucket(nil, pair)), false
	}
	return "", false
}

// How a pair of terms is indexed (see pairLists.kindOf).
const (
	pairNone   = iota // not at all
	pairExact         // as itself: a frequent pair
	pairBucket        // as its bucket term: a pair of frequent terms
)

// kindOf returns how the pair of terms a then b with flags fa and fb is
// indexed.
func (l *pairLists) kindOf(pair []byte, fa, fb uint8) int {
	if fa&wordStartsPair != 0 && fb&wordEndsPair != 0 {
		if _, ok := l.pairs[string(pair)]; ok {
			return pairExact
		}
	}
	if fa&fb&wordFrequent != 0 {
		return pairBucket
	}
	return pairNone
}

// pairWordSets holds the lists of each language that has them: files
// pairwords/<lang>.txt (frequent terms) and pairwords/<lang>-pairs.txt
// (frequent pairs).
var pairWordSets = sync.OnceValue(func() map[string]*pairLists {
	read := func(name string) []string {
		data, err := pairWordFiles.ReadFile("pairwords/" + name)
		if err != nil {
			return nil
		}
		var out []string
		for _, w := range strings.Split(string(data), "\n") {
			if w != "" && w[0] != '#' {
				out = append(out, w)
			}
		}
		return out
	}
	out := make(map[string]*pairLists)
	files, _ := pairWordFiles.ReadDir("pairwords")
	for _, f := range files {
		lang, ok := strings.CutSuffix(f.Name(), "-pairs.txt")
		if !ok {
			continue
		}
		l := &pairLists{pairs: make(wordSet), flags: make(map[string]uint8)}
		for _, w := range read(lang + ".txt") {
			l.flags[w] |= wordFrequent
		}
		for _, p := range read(f.Name()) {
			l.pairs[p] = struct{}{}
			if a, b, _ := strings.Cut(p, " "); !strings.Contains(b, " ") {
				l.flags[a] |= wordStartsPair
				l.flags[b] |= wordEndsPair
			}
		}
		out[lang] = l
	}
	return out
})

// pairWords returns the lists of lang, nil when lang has none.
func pairWords(lang string) *pairLists { return pairWordSets()[lang] }

// hasPairs reports whether the generation of mapping m indexes the pairs
// of text field f.
func hasPairs(m mapping.IndexMapping, f string) bool {
	return m.FieldMappingForPath(pairField(f)).Type != ""
}

// pairTerm returns the pair term of the terms a and b.
func pairTerm(a, b string) string { return a + " " + b }

// pairBuckets is the number of bucket terms that the pairs of frequent
// words outside the pair list share (see pairCollector). A batch of 500
// OrangeSum articles holds about 27 bucket pairs an article: with 16,384
// buckets it held 8,600 distinct bucket terms of 1.6 articles each, a
// third of the batch's distinct terms (zap's cost is per distinct term);
// with 2,048 it holds 2,040 of 6.5, and a bucket filters a little less.
const pairBuckets = 1 << 11

// appendBucket appends to dst the bucket term of a pair term: "#" and a
// hash of the pair (FNV-1a, stable across processes) modulo pairBuckets,
// in base 36.
func appendBucket(dst, pair []byte) []byte {
	h := uint32(2166136261)
	for _, c := range pair {
		h = (h ^ uint32(c)) * 16777619
	}
	return strconv.AppendUint(append(dst, '#'), uint64(h%pairBuckets), 36)
}

// pairCollector gathers the distinct pair terms of a text from its
// tokens, given in order (see add).
type pairCollector struct {
	*pairLists
	arena  []byte       // the pair terms, end to end
	ends   []int        // end of each distinct pair term in arena
	counts []int        // occurrences of each pair term
	set    *termSet     // numbers the pair terms
	pos    [3]int       // the last three positions seen, the latest last
	at     [3][]flagged // the terms with pairs at each
}

// flagged is a term and its flags.
type flagged struct {
	term  []byte
	flags uint8
}

// add takes the next token of the text: term, whose flags in the lists
// are fc, at position pos.
func (c *pairCollector) add(term []byte, fc uint8, pos int) {
	if pos != c.pos[2] {
		c.at[0], c.at[1], c.at[2] = c.at[1], c.at[2], c.at[0][:0]
		c.pos[0], c.pos[1], c.pos[2] = c.pos[1], c.pos[2], pos
	}
	if fc == 0 {
		return
	}
	c.at[2] = append(c.at[2], flagged{term, fc})
	if c.pos[1] != pos-1 {
		return
	}
	for _, b := range c.at[1] {
		start := len(c.arena)
		c.arena = append(append(append(c.arena, b.term...), ' '), term...)
		kind := c.kindOf(c.arena[start:], b.flags, fc)
		switch kind {
		case pairNone:
			c.arena = c.arena[:start]
			continue
		case pairBucket:
			pair := c.arena[start:]
			c.arena = appendBucket(c.arena, pair) // after the pair, then moved over it
			n := copy(c.arena[start:], c.arena[start+len(pair):])
			c.arena = c.arena[:start+n]
		}
		c.keep(start)
		if kind != pairExact || c.pos[0] != pos-2 || b.flags&wordStartsPair == 0 {
			continue
		}
		for _, a := range c.at[0] {
			if a.flags&wordStartsPair == 0 {
				continue
			}
			start := len(c.arena)
			c.arena = append(append(append(append(append(c.arena, a.term...), ' '), b.term...), ' '), term...)
			if _, ok := c.pairs[string(c.arena[start:])]; !ok {
				c.arena = c.arena[:start]
				continue
			}
			c.keep(start)
		}
	}
}

// keep counts the term at the end of the arena, from start.
func (c *pairCollector) keep(start int) {
	k, added := c.set.find(c.arena[start:], c.term)
	if !added {
		c.arena = c.arena[:start]
		c.counts[k]++
		return
	}
	c.ends = append(c.ends, len(c.arena))
	c.counts = append(c.counts, 1)
}

// term returns the k-th distinct pair term.
func (c *pairCollector) term(k int) []byte {
	start := 0
	if k > 0 {
		start = c.ends[k-1]
	}
	return c.arena[start:c.ends[k]]
}

// terms returns the distinct pairs, in order of first occurrence.
func (c *pairCollector) terms() [][]byte {
	out := make([][]byte, len(c.ends))
	start := 0
	for i, end := range c.ends {
		out[i] = c.arena[start:end:end]
		start = end
	}
	return out
}

// pairFilters returns, for a phrase's slots in field, a searcher of the
// pair terms of each two adjacent slots whose pairs are all indexed (a
// disjunction when a slot lists several terms), as filters: they match a
// superset of the phrase's articles and add nothing to the score. exact
// is true when the phrase is two adjacent slots whose pairs are all
// frequent pairs: the filter alone then decides it.
func pairFilters(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, lang, field string, slots [][]string, opt search.SearcherOptions) (filters []search.Searcher, exact bool, err error) {
	lists := pairWords(lang)
	if lists == nil || !hasPairs(m, field) {
		return nil, false, nil
	}
	fopt := opt
	fopt.Score = "none"
	fopt.Explain = false
	// Filters are not scored: no BM25 statistics for their field.
	ctx = context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return bleveindex.TFIDFScoring }))
	pf := pairField(field)
	if len(slots) == 3 && len(slots[0]) == 1 && len(slots[1]) == 1 && len(slots[2]) == 1 {
		// A frequent triple decides the phrase.
		t := slots[0][0] + " " + slots[1][0] + " " + slots[2][0]
		if _, ok := lists.pairs[t]; ok {
			s, err := searcher.NewTermSearcher(ctx, r, t, pf, 1, fopt)
			if err != nil {
				return nil, false, err
			}
			return []search.Searcher{filterSearcher{s}}, true, nil
		}
	}
	exact = len(slots) == 2
	for i := 1; i < len(slots); i++ {
		var terms []string
		for _, a := range slots[i-1] {
			for _, b := range slots[i] {
				t, ok := lists.pairOf([]byte(pairTerm(a, b)), lists.flags[a], lists.flags[b])
				if t == "" {
					terms = nil
					break
				}
				exact = exact && ok
				terms = append(terms, t)
			}
			if terms == nil {
				break
			}
		}
		if len(terms) == 0 {
			exact = false
			continue
		}
		var ss []search.Searcher
		for _, t := range terms {
			s, err := searcher.NewTermSearcher(ctx, r, t, pf, 1, fopt)
			if err != nil {
				closeAll(ss)
				closeAll(filters)
				return nil, false, err
			}
			ss = append(ss, s)
		}
		s := ss[0]
		if len(ss) > 1 {
			if s, err = searcher.NewDisjunctionSearcher(ctx, r, ss, 1, fopt); err != nil {
				closeAll(ss)
				closeAll(filters)
				return nil, false, err
			}
		}
		filters = append(filters, filterSearcher{s})
	}
	return filters, exact && len(filters) == 1, nil
}

// filterSearcher passes on its Searcher's matches with no score and no
// weight: in a conjunction it restricts the matches without changing
// their scores.
type filterSearcher struct{ search.Searcher }

// Weight implements search.Searcher: a filter adds nothing to the norm.
func (filterSearcher) Weight() float64 { return 0 }

// SetQueryNorm implements search.Searcher.
func (filterSearcher) SetQueryNorm(float64) {}

func unscored(dm *search.DocumentMatch, err error) (*search.DocumentMatch, error) {
	if dm != nil {
		dm.Score, dm.Expl = 0, nil
	}
	return dm, err
}

// Next implements search.Searcher.
func (f filterSearcher) Next(sctx *search.SearchContext) (*search.DocumentMatch, error) {
	return unscored(f.Searcher.Next(sctx))
}

// Advance implements search.Searcher.
func (f filterSearcher) Advance(sctx *search.SearchContext, id bleveindex.IndexInternalID) (*search.DocumentMatch, error) {
	return unscored(f.Searcher.Advance(sctx, id))
}
