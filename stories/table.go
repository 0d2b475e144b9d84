package stories

import (
	"slices"
	"sync"
)

// Table is the LSH table of a whole collection in little memory: for each
// band, sorted (band hash, slot) pairs plus a small map of the latest
// additions, merged into the sorted pairs when it grows; a slot names an
// article id. It keeps no signatures: the caller checks the candidates
// against the articles as stored, so that an article replaced or removed
// since it was added (whose slot stays) is judged on what it is now.
// About 260 bytes an article. It is safe for concurrent use.
type Table struct {
	mu     sync.RWMutex
	ids    []string
	sorted [NumBands][]uint64 // hash<<32 | slot, sorted
	tail   [NumBands]map[uint32][]uint32
	tailN  int
}

// tailLimit is how many articles the maps hold before a merge.
const tailLimit = 4096

// NewTable returns an empty Table.
func NewTable() *Table {
	t := &Table{}
	for b := range t.tail {
		t.tail[b] = map[uint32][]uint32{}
	}
	return t
}

// Len returns how many articles were added.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.ids)
}

// Add adds the article id with signature sig; signatures that are not
// Matchable are not added.
func (t *Table) Add(id string, sig Signature) {
	if !sig.Matchable() {
		return
	}
	bands := sig.Bands()
	t.mu.Lock()
	defer t.mu.Unlock()
	slot := uint32(len(t.ids))
	t.ids = append(t.ids, id)
	for b, h := range bands {
		k := uint32(h)
		t.tail[b][k] = append(t.tail[b][k], slot)
	}
	if t.tailN++; t.tailN >= tailLimit {
		t.merge()
	}
}

// merge moves the maps' pairs into the sorted slices.
func (t *Table) merge() {
	for b := range t.tail {
		s := t.sorted[b]
		for k, slots := range t.tail[b] {
			for _, slot := range slots {
				s = append(s, uint64(k)<<32|uint64(slot))
			}
		}
		slices.Sort(s)
		t.sorted[b] = s
		t.tail[b] = map[uint32][]uint32{}
	}
	t.tailN = 0
}

// Candidates returns the ids of the articles sharing a band with sig,
// each once, at most limit of them (the first added first).
func (t *Table) Candidates(sig Signature, limit int) []string {
	if !sig.Matchable() {
		return nil
	}
	bands := sig.Bands()
	t.mu.RLock()
	defer t.mu.RUnlock()
	var slots []uint32
	for b, h := range bands {
		k := uint32(h)
		s := t.sorted[b]
		i, _ := slices.BinarySearch(s, uint64(k)<<32)
		for ; i < len(s) && uint32(s[i]>>32) == k; i++ {
			slots = append(slots, uint32(s[i]))
		}
		slots = append(slots, t.tail[b][k]...)
	}
	slices.Sort(slots)
	slots = slices.Compact(slots)
	ids := make([]string, 0, min(len(slots), limit))
	seen := make(map[string]bool, len(slots))
	for _, s := range slots {
		id := t.ids[s]
		if seen[id] {
			continue
		}
		seen[id] = true
		if ids = append(ids, id); len(ids) == limit {
			break
		}
	}
	return ids
}
