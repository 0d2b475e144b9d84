package index

import (
	"context"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/blevesearch/vellum"
	lev "github.com/blevesearch/vellum/levenshtein"
)

// levBuilders build Levenshtein automata of edit distance 1 and 2
// (transpositions count as one edit, as in Bleve). Building them takes a
// few milliseconds, so an Index makes them once, on first use. They also
// remember the last automata built and the last words' surface
// neighbours (each depends on its word alone, not on the index): the
// searches that confirm the candidates of a saved search ask for the same
// words article after article.
type levBuilders struct {
	once   sync.Once
	b1, b2 *lev.LevenshteinAutomatonBuilder
	err    error

	mu       sync.Mutex
	dfas     map[dfaKey]*classDFA
	dfaBytes int       // the size of dfas' tables
	scratch  sync.Pool // compactDFA's working tables
	near     map[string]map[string]string
	// segMemo remembers, per segment and look-up of liveTerms, the terms
	// the segment's dictionary gives (segments never change, only their
	// deletions): a confirming search reads the dictionaries of the
	// segments written since the last one that made the look-up, not all
	// of them. It holds only segments of the last search that asked (the
	// others, merged away, are dropped with their entries) and at most
	// maxSegLookups entries, segMemoN of them now (past the bound, all
	// are dropped at once).
	segMemo  map[segment.Segment]map[string]*segTerms // by memoKey; nil: no term
	segMemoN int
}

// segTerms is what one segment's dictionary gives for a look-up: its
// terms and the documents of the segment holding each, deleted or not.
type segTerms struct {
	terms []string
	n     []uint64
}

// Bounds of what levBuilders remember (past one, all of that kind is
// forgotten at once): automata by the size of their tables (stored by
// byte classes, 2-35 KiB each for words of 5 to 17 letters, against
// 40-590 KiB in vellum's tables of 256 transitions a state), at most
// maxRememberedDFAs of them; a neighbour set, hundreds of terms.
const (
	maxRememberedDFAs     = 1024
	maxRememberedDFABytes = 4 << 20
	maxRememberedNears    = 1024
	// maxSegLookups bounds the (segment, look-up) entries of segMemo:
	// BenchmarkSegMemoHeap measures 60 bytes for an entry that gives no
	// term (most do), so 15 MiB at the bound, plus the terms the others
	// give (a few each, typos of one word in one segment).
	maxSegLookups = 1 << 18
)

// dfa returns the automaton of the terms within fuzziness edits of term.
func (l *levBuilders) dfa(term string, fuzziness int) (vellum.Automaton, error) {
	k := dfaKey{term, fuzziness}
	l.mu.Lock()
	a, ok := l.dfas[k]
	l.mu.Unlock()
	if ok {
		return a, nil
	}
	b, err := l.get(fuzziness)
	if err != nil {
		return nil, err
	}
	full, err := b.BuildDfa(term, uint8(fuzziness))
	if err != nil {
		return nil, fmt.Errorf("index: fuzzy automaton of %q: %w", term, err)
	}
	d := compactDFA(full, &l.scratch)
	l.mu.Lock()
	if l.dfas == nil || len(l.dfas) >= maxRememberedDFAs || l.dfaBytes+d.bytes() > maxRememberedDFABytes {
		l.dfas, l.dfaBytes = make(map[dfaKey]*classDFA), 0
	}
	if _, dup := l.dfas[k]; !dup {
		l.dfas[k] = d
		l.dfaBytes += d.bytes()
	}
	l.mu.Unlock()
	return d, nil
}

// surface returns surfaceNeighbours(an, word, term) for lang's analyzer
// an, remembered; callers must not change it.
func (l *levBuilders) surface(an analysis.Analyzer, lang, word, term string) map[string]string {
	k := lang + "\x00" + word + "\x00" + term
	l.mu.Lock()
	ws, ok := l.near[k]
	l.mu.Unlock()
	if ok {
		return ws
	}
	ws = surfaceNeighbours(an, word, term)
	l.mu.Lock()
	if l.near == nil || len(l.near) >= maxRememberedNears {
		l.near = make(map[string]map[string]string)
	}
	l.near[k] = ws
	l.mu.Unlock()
	return ws
}

func (l *levBuilders) get(fuzziness int) (*lev.LevenshteinAutomatonBuilder, error) {
	l.once.Do(func() {
		if l.b1, l.err = lev.NewLevenshteinAutomatonBuilder(1, true); l.err == nil {
			l.b2, l.err = lev.NewLevenshteinAutomatonBuilder(2, true)
		}
	})
	switch {
	case l.err != nil:
		return nil, l.err
	case fuzziness == 1:
		return l.b1, nil
	case fuzziness == 2:
		return l.b2, nil
	}
	return nil, fmt.Errorf("index: fuzziness %d is not 1 or 2", fuzziness)
}

// memoReader is the snapshot a search reads, with its dictionary
// look-ups remembered. Building a Levenshtein automaton costs more than
// the rest of a typical query (0.5 ms for a 12-letter word at distance 2),
// and a search asks for the same terms several times: once per language
// whose analyzer gives the same term, and for each of a term's fields.
// Everything else is the snapshot's own (the embedded pointer keeps every
// optional interface Bleve's searchers look for: BM25 statistics,
// regexp, contains...).
type memoReader struct {
	*scorch.IndexSnapshot
	lev   *levBuilders
	mu    sync.Mutex
	terms map[termsKey]map[string]uint64
	view  *view    // the snapshot's segments, for storedText
	allow []uint64 // restricted search: the documents it may visit (restrict.go); nil for all
	cost  *meter
	stats *readerStats // statistics recorded or replaced (stats.go); nil: the snapshot's own
	carry *carrier     // the percolator's expansions: counts carried across snapshots (percolate_delta.go); nil: none
	// near, when set, gives the terms of some words' surface neighbours
	// (nearTermsSource): the percolator's, held by its needs.
	near func(an analysis.Analyzer, lang, word, term string) ([]string, bool)
	// dfs are termDF's counts.
	dfs map[dfKey]uint64
}

// termsKey names one dictionary look-up of liveTerms.
type termsKey struct {
	field, kind, key string
}

// dfKey names a term of a field, for termDF.
type dfKey struct{ field, term string }

type dfaKey struct {
	term      string
	fuzziness int
}

func newMemoReader(v *view, lb *levBuilders, cost *meter) *memoReader {
	return &memoReader{
		IndexSnapshot: v.snap, lev: lb, view: v, cost: cost,
		terms: make(map[termsKey]map[string]uint64),
	}
}

// termDF returns the number of live documents whose field holds term,
// remembered: a search counts each of its words' terms in every field
// to decide whether the word is known (prepareWords), then again as it
// expands it, and each count opens a term reader on every segment (on
// the 188k-article index, 18-26 segments, counting twice made a quarter
// of a page's garbage, once an eighth).
func (m *memoReader) termDF(ctx context.Context, term, field string) (uint64, error) {
	k := dfKey{field, term}
	m.mu.Lock()
	n, ok := m.dfs[k]
	m.mu.Unlock()
	if ok {
		return n, nil
	}
	n, err := countPostings(ctx, m, term, field)
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	if m.dfs == nil {
		m.dfs = make(map[dfKey]uint64)
	}
	m.dfs[k] = n
	m.mu.Unlock()
	return n, nil
}

// storedText implements textReader: the title or the body ("title",
// "body") of the document whose internal id is id, at most limit bytes
// of it (0: all).
func (m *memoReader) storedText(id bindex.IndexInternalID, part string, limit int) ([]byte, error) {
	s, local := m.view.locate(id.Value(), 0)
	// Only the stored field that holds part is copied.
	want := fieldBody
	if part == "title" {
		want = fieldSrc
	}
	var text []byte
	var partErr error
	err := m.view.visitStored(s, local, func(name string, _ byte, val []byte, _ []uint64) bool {
		if name != want {
			return true
		}
		// val is only valid during the visit.
		f := storedFields{body: val}
		if want == fieldSrc {
			f = storedFields{src: val}
		}
		text, partErr = storedPart(&f, part, limit)
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("index: read stored article: %w", err)
	}
	return text, partErr
}

// nearWords implements termSource (levBuilders.surface).
func (m *memoReader) nearWords(an analysis.Analyzer, lang, word, term string) map[string]string {
	return m.lev.surface(an, lang, word, term)
}

// nearTerms implements nearTermsSource (memoReader.near).
func (m *memoReader) nearTerms(an analysis.Analyzer, lang, word, term string) ([]string, bool) {
	if m.near == nil {
		return nil, false
	}
	return m.near(an, lang, word, term)
}

// fuzzyAutomaton returns the automaton of the terms within fuzziness
// edits of term (levBuilders.dfa).
func (m *memoReader) fuzzyAutomaton(term string, fuzziness int) (vellum.Automaton, error) {
	if _, err := m.lev.get(fuzziness); err != nil {
		return nil, err
	}
	return &lazyDFA{l: m.lev, term: term, edits: fuzziness}, nil
}

// lazyDFA is the automaton of the terms within edits of term, built on
// first need (levBuilders.dfa): levBuilders.liveTerms checks the few
// terms of a tiny segment by their edit distance instead, and reads the
// other segments' terms from its memory.
type lazyDFA struct {
	l     *levBuilders
	term  string
	edits int
	once  sync.Once
	a     vellum.Automaton
	err   error
}

// build returns the automaton, building it the first time.
func (z *lazyDFA) build() (vellum.Automaton, error) {
	z.once.Do(func() { z.a, z.err = z.l.dfa(z.term, z.edits) })
	return z.a, z.err
}

// accepts reports whether t is within z's edits of z's term, as its
// automaton decides (editDistance counts a transposition once, as the
// automata built with transpositions do).
func (z *lazyDFA) accepts(t string) bool {
	n, m := utf8.RuneCountInString(z.term), utf8.RuneCountInString(t)
	if n-m > z.edits || m-n > z.edits {
		return false
	}
	return editDistance(z.term, t) <= z.edits
}

// The vellum.Automaton methods are only called once build succeeded.
func (z *lazyDFA) Start() int                 { return z.a.Start() }
func (z *lazyDFA) IsMatch(s int) bool         { return z.a.IsMatch(s) }
func (z *lazyDFA) CanMatch(s int) bool        { return z.a.CanMatch(s) }
func (z *lazyDFA) WillAlwaysMatch(s int) bool { return z.a.WillAlwaysMatch(s) }
func (z *lazyDFA) Accept(s int, b byte) int   { return z.a.Accept(s, b) }

// tinySegmentDocs is the size up to which a segment's terms are checked
// against a lazyDFA's term by their edit distance rather than by its
// automaton: the segments a live writer makes (an article written alone,
// a batch of 100, their first merges), whose terms under the kept
// prefix are few, where building the automaton (0.1-0.5 ms, and its
// garbage) cost more than the whole walk, for each word of each new
// segment.
const tinySegmentDocs = 256

// liveTerms returns the terms of field that a accepts (every term when a
// is nil) from start (inclusive) to end (exclusive; nil: no bound), with
// the number of live documents holding each. Terms only deleted documents
// hold are left out, so that the answer depends on the documents alone,
// not on how they are spread over segments (merges purge deleted
// documents in the background, which once made the completions of a
// prefix, and so totals, change while nothing was written). kind and key
// name the look-up for the memo of the search.
func (m *memoReader) liveTerms(field string, a vellum.Automaton, start, end []byte, kind, key string) (map[string]uint64, error) {
	k := termsKey{field, kind, key}
	m.mu.Lock()
	out, ok := m.terms[k]
	m.mu.Unlock()
	if ok {
		return out, nil
	}
	if m.stats != nil {
		if l, ok := m.stats.list(listKey(k)); ok {
			return l, nil // the corpus's (stats.go)
		}
	}
	if m.carry != nil {
		if out, ok = m.carry.carriedTerms(k, a, start, end); ok {
			m.mu.Lock()
			m.terms[k] = out
			m.mu.Unlock()
			return out, nil
		}
	}
	out, err := m.lev.liveTerms(m.view.segs, k, a, start, end, m.cost)
	if err != nil {
		return nil, err
	}
	if m.stats != nil {
		m.stats.recordList(listKey(k), out)
	}
	if m.carry != nil {
		m.carry.recordTerms(k, out)
	}
	m.mu.Lock()
	m.terms[k] = out
	m.mu.Unlock()
	return out, nil
}

// liveTermsOf is liveTerms on segments.
func liveTermsOf(segs []*scorch.SegmentSnapshot, field string, a vellum.Automaton, start, end []byte, cost *meter) (map[string]uint64, error) {
	out := make(map[string]uint64)
	var pl segment.PostingsList
	for _, ss := range segs {
		dict, err := ss.Segment().Dictionary(field)
		if err != nil {
			return nil, fmt.Errorf("index: dictionary of %s: %w", field, err)
		}
		del := ss.Deleted()
		if del != nil && del.IsEmpty() {
			del = nil
		}
		var itr segment.DictionaryIterator
		if oc, ok := dict.(dictOmitCount); ok && del != nil {
			itr = oc.AutomatonIteratorOmitCount(a, start, end)
		} else {
			itr = dict.AutomatonIterator(a, start, end)
		}
		visited := 0
		e, err := itr.Next()
		for ; err == nil && e != nil; e, err = itr.Next() {
			visited++
			n := e.Count
			// The count of a dictionary entry that follows a term of one
			// document ("1-hit" encoded) reads 1 whatever it is (zap keeps
			// the 1-hit flag of the previous entry), and which terms are
			// 1-hit depends on the segments: a count of 1 is checked.
			if del != nil || n == 1 {
				if pl, err = dict.PostingsList([]byte(e.Term), del, pl); err != nil {
					break
				}
				n = pl.Count()
			}
			if n > 0 {
				out[e.Term] += n
			}
		}
		if err != nil {
			return nil, fmt.Errorf("index: terms of %s: %w", field, err)
		}
		if err := cost.add(visited * costTerm); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// liveTerms is liveTermsOf on segs for the look-up k, with the terms of
// each segment remembered across searches (levBuilders.segMemo): only
// the segments not seen for k read their dictionary; the others count
// their remembered terms' live documents.
func (l *levBuilders) liveTerms(segs []*scorch.SegmentSnapshot, k termsKey, a vellum.Automaton, start, end []byte, cost *meter) (map[string]uint64, error) {
	type known struct {
		st segTerms
		ok bool
	}
	mk := k.field + "\x00" + k.kind + "\x00" + k.key
	ks := make([]known, len(segs))
	l.mu.Lock()
	for i, ss := range segs {
		var st *segTerms
		if st, ks[i].ok = l.segMemo[ss.Segment()][mk]; st != nil {
			ks[i].st = *st
		}
	}
	l.mu.Unlock()
	out := make(map[string]uint64)
	var fresh []int
	var pl segment.PostingsList
	for i, ss := range segs {
		seg := ss.Segment()
		st := ks[i].st
		if ks[i].ok {
			if err := cost.add(len(st.terms) * costTerm); err != nil {
				return nil, err
			}
		} else {
			var err error
			if st, err = readSegTerms(seg, k.field, a, start, end, cost); err != nil {
				return nil, err
			}
			ks[i].st = st
			fresh = append(fresh, i)
		}
		if len(st.terms) == 0 {
			continue
		}
		del := ss.Deleted()
		if del != nil && del.IsEmpty() {
			del = nil
		}
		var dict segment.TermDictionary
		for j, t := range st.terms {
			n := st.n[j]
			if del != nil {
				if dict == nil {
					var err error
					if dict, err = seg.Dictionary(k.field); err != nil {
						return nil, fmt.Errorf("index: dictionary of %s: %w", k.field, err)
					}
				}
				var err error
				if pl, err = dict.PostingsList([]byte(t), del, pl); err != nil {
					return nil, fmt.Errorf("index: terms of %s: %w", k.field, err)
				}
				n = pl.Count()
			}
			if n > 0 {
				out[t] += n
			}
		}
	}
	if len(fresh) > 0 {
		l.mu.Lock()
		if l.segMemo == nil || l.segMemoN+len(fresh) > maxSegLookups {
			l.segMemo, l.segMemoN = make(map[segment.Segment]map[string]*segTerms), 0
		}
		for _, i := range fresh {
			seg := segs[i].Segment()
			m := l.segMemo[seg]
			if m == nil {
				m = make(map[string]*segTerms)
				l.segMemo[seg] = m
			}
			if _, dup := m[mk]; !dup {
				var st *segTerms
				if len(ks[i].st.terms) > 0 {
					st = &ks[i].st
				}
				m[mk] = st
				l.segMemoN++
			}
		}
		l.forgetSegmentsLocked(segs)
		l.mu.Unlock()
	}
	return out, nil
}

// forgetSegmentsLocked drops the memo of the segments not in segs (merged
// away, or of an older snapshot). The caller holds l.mu.
func (l *levBuilders) forgetSegmentsLocked(segs []*scorch.SegmentSnapshot) {
	if len(l.segMemo) <= len(segs) {
		return // every remembered segment may be one of segs
	}
	live := make(map[segment.Segment]bool, len(segs))
	for _, ss := range segs {
		live[ss.Segment()] = true
	}
	for seg, m := range l.segMemo {
		if !live[seg] {
			l.segMemoN -= len(m)
			delete(l.segMemo, seg)
		}
	}
}

// readSegTerms reads the terms of field in seg's dictionary that a
// accepts from start to end, with the documents of seg holding each
// (deleted ones included).
func readSegTerms(seg segment.Segment, field string, a vellum.Automaton, start, end []byte, cost *meter) (segTerms, error) {
	var st segTerms
	dict, err := seg.Dictionary(field)
	if err != nil {
		return st, fmt.Errorf("index: dictionary of %s: %w", field, err)
	}
	var accepts func(string) bool
	if z, ok := a.(*lazyDFA); ok {
		if seg.Count() <= tinySegmentDocs {
			a, accepts = nil, z.accepts
		} else if a, err = z.build(); err != nil {
			return st, err
		}
	}
	var pl segment.PostingsList
	visited := 0
	itr := dict.AutomatonIterator(a, start, end)
	e, err := itr.Next()
	for ; err == nil && e != nil; e, err = itr.Next() {
		visited++
		if accepts != nil && !accepts(e.Term) {
			continue
		}
		n := e.Count
		// A count of 1 may be a "1-hit" flag misread (see liveTermsOf).
		if n == 1 {
			if pl, err = dict.PostingsList([]byte(e.Term), nil, pl); err != nil {
				break
			}
			n = pl.Count()
		}
		if n > 0 {
			st.terms = append(st.terms, e.Term)
			st.n = append(st.n, n)
		}
	}
	if err != nil {
		return st, fmt.Errorf("index: terms of %s: %w", field, err)
	}
	return st, cost.add(visited * costTerm)
}

// dictOmitCount is what zap dictionaries offer to iterate terms without
// reading their postings counts.
type dictOmitCount interface {
	AutomatonIteratorOmitCount(a segment.Automaton, startKeyInclusive, endKeyExclusive []byte) segment.DictionaryIterator
}

// prefixEnd returns the smallest key greater than every key starting with
// prefix, or nil when there is none (prefix is all 0xff bytes).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
