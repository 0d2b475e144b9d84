package index

import (
	"fmt"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/blevesearch/vellum"
	lev "github.com/blevesearch/vellum/levenshtein"
)

// levBuilders build Levenshtein automata of edit distance 1 and 2
// (transpositions count as one edit, as in Bleve). Building them takes a
// few milliseconds, so an Index makes them once, on first use.
type levBuilders struct {
	once   sync.Once
	b1, b2 *lev.LevenshteinAutomatonBuilder
	err    error
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

// memoReader is the snapshot a search reads, with its fuzzy dictionary
// look-ups remembered. Building a Levenshtein automaton costs more than
// the rest of a typical query (0.5 ms for a 12-letter word at distance 2),
// and a search asks for the same automaton several times: once per
// language whose analyzer gives the same term, and again in the highlight
// pass, which runs the text query a second time. Everything else is the
// snapshot's own (the embedded pointer keeps every optional interface
// Bleve's searchers look for: BM25 statistics, regexp, contains...).
type memoReader struct {
	*scorch.IndexSnapshot
	lev   *levBuilders
	mu    sync.Mutex
	fuzzy map[fuzzyKey][]bindex.DictEntry
	dfas  map[dfaKey]vellum.Automaton
	view  *view    // the snapshot's segments, for storedText
	allow []uint64 // restricted search: the documents it may visit (restrict.go); nil for all
}

type fuzzyKey struct {
	field, term, prefix string
	fuzziness           int
}

type dfaKey struct {
	term      string
	fuzziness int
}

func newMemoReader(v *view, lb *levBuilders) *memoReader {
	return &memoReader{
		IndexSnapshot: v.snap, lev: lb, view: v,
		fuzzy: make(map[fuzzyKey][]bindex.DictEntry), dfas: make(map[dfaKey]vellum.Automaton),
	}
}

// storedText implements textReader: the title or the body ("title",
// "body") of the document whose internal id is id.
func (m *memoReader) storedText(id bindex.IndexInternalID, part string) ([]byte, error) {
	s, local := m.view.locate(id.Value(), 0)
	// Only the stored field that holds part is copied.
	want := fieldBody
	if part == "title" {
		want = fieldSrc
	}
	var text []byte
	var partErr error
	err := m.view.segs[s].VisitDocument(uint64(local), func(name string, _ byte, val []byte, _ []uint64) bool {
		if name != want {
			return true
		}
		// val is only valid during the visit.
		f := storedFields{body: val}
		if want == fieldSrc {
			f = storedFields{src: val}
		}
		text, partErr = storedPart(&f, part)
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("index: read stored article: %w", err)
	}
	return text, partErr
}

// FieldDictFuzzy implements bindex.IndexReaderFuzzy: the terms of field
// within fuzziness edits of term that start with prefix, in order. Unlike
// the snapshot's, it builds each automaton once per search, and reads
// each (field, term) once.
func (m *memoReader) FieldDictFuzzy(field, term string, fuzziness int, prefix string) (bindex.FieldDict, error) {
	k := fuzzyKey{field, term, prefix, fuzziness}
	m.mu.Lock()
	defer m.mu.Unlock()
	entries, ok := m.fuzzy[k]
	if !ok {
		a, err := m.automaton(term, fuzziness)
		if err != nil {
			return nil, err
		}
		if entries, err = m.matchTerms(field, a, prefix); err != nil {
			return nil, err
		}
		m.fuzzy[k] = entries
	}
	return &sliceDict{entries: entries}, nil
}

// automaton returns the automaton of the terms within fuzziness edits of
// term; m.mu is held.
func (m *memoReader) automaton(term string, fuzziness int) (vellum.Automaton, error) {
	k := dfaKey{term, fuzziness}
	if a, ok := m.dfas[k]; ok {
		return a, nil
	}
	b, err := m.lev.get(fuzziness)
	if err != nil {
		return nil, err
	}
	a, err := b.BuildDfa(term, uint8(fuzziness))
	if err != nil {
		return nil, fmt.Errorf("index: fuzzy automaton of %q: %w", term, err)
	}
	m.dfas[k] = a
	return a, nil
}

// dictOmitCount is what zap dictionaries offer to iterate terms without
// reading their postings counts, which fuzzy candidates do not need.
type dictOmitCount interface {
	AutomatonIteratorOmitCount(a segment.Automaton, startKeyInclusive, endKeyExclusive []byte) segment.DictionaryIterator
}

// matchTerms returns the terms of field, in every segment, that a
// accepts and that start with prefix, sorted and without repeats.
func (m *memoReader) matchTerms(field string, a vellum.Automaton, prefix string) ([]bindex.DictEntry, error) {
	var start, end []byte
	if prefix != "" {
		start, end = []byte(prefix), prefixEnd([]byte(prefix))
	}
	seen := make(map[string]bool)
	var out []bindex.DictEntry
	for _, ss := range m.Segments() {
		dict, err := ss.Segment().Dictionary(field)
		if err != nil {
			return nil, fmt.Errorf("index: dictionary of %s: %w", field, err)
		}
		var itr segment.DictionaryIterator
		if oc, ok := dict.(dictOmitCount); ok {
			itr = oc.AutomatonIteratorOmitCount(a, start, end)
		} else {
			itr = dict.AutomatonIterator(a, start, end)
		}
		e, err := itr.Next()
		for ; err == nil && e != nil; e, err = itr.Next() {
			if !seen[e.Term] {
				seen[e.Term] = true
				out = append(out, bindex.DictEntry{Term: e.Term})
			}
		}
		if err != nil {
			return nil, fmt.Errorf("index: fuzzy terms of %s: %w", field, err)
		}
	}
	slices.SortFunc(out, func(a, b bindex.DictEntry) int {
		switch {
		case a.Term < b.Term:
			return -1
		case a.Term > b.Term:
			return 1
		}
		return 0
	})
	return out, nil
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

// sliceDict replays dictionary entries.
type sliceDict struct {
	entries []bindex.DictEntry
	next    int
}

func (d *sliceDict) Next() (*bindex.DictEntry, error) {
	if d.next >= len(d.entries) {
		return nil, nil
	}
	e := d.entries[d.next] // a copy: callers may keep or change it
	d.next++
	return &e, nil
}

func (d *sliceDict) Close() error      { return nil }
func (d *sliceDict) Cardinality() int  { return len(d.entries) }
func (d *sliceDict) BytesRead() uint64 { return 0 }
