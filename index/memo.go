package index

import (
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
)

// memoReader is the snapshot a search reads, remembering its fuzzy
// dictionary look-ups: the highlight pass runs the text query again on the
// same snapshot, and building a Levenshtein automaton costs more than the
// rest of a typical query. Everything else is the snapshot's own (the
// embedded pointer keeps every optional interface Bleve's searchers look
// for: BM25 statistics, regexp, fuzzy, contains...).
type memoReader struct {
	*scorch.IndexSnapshot
	mu    sync.Mutex
	fuzzy map[fuzzyKey][]bindex.DictEntry
}

type fuzzyKey struct {
	field, term, prefix string
	fuzziness           int
}

func newMemoReader(snap *scorch.IndexSnapshot) *memoReader {
	return &memoReader{IndexSnapshot: snap, fuzzy: make(map[fuzzyKey][]bindex.DictEntry)}
}

// FieldDictFuzzy implements bindex.IndexReaderFuzzy, reading the
// snapshot's dictionary once per distinct look-up.
func (m *memoReader) FieldDictFuzzy(field, term string, fuzziness int, prefix string) (bindex.FieldDict, error) {
	k := fuzzyKey{field, term, prefix, fuzziness}
	m.mu.Lock()
	entries, ok := m.fuzzy[k]
	m.mu.Unlock()
	if !ok {
		d, err := m.IndexSnapshot.FieldDictFuzzy(field, term, fuzziness, prefix)
		if err != nil {
			return nil, err
		}
		e, err := d.Next()
		for ; err == nil && e != nil; e, err = d.Next() {
			entries = append(entries, *e)
		}
		if cerr := d.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		m.fuzzy[k] = entries
		m.mu.Unlock()
	}
	return &sliceDict{entries: entries}, nil
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
