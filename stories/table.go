package stories

import (
	"slices"
	"sync"
)

// Table is the LSH table of a whole collection in little memory: for each
// band, sorted (band hash, position) pairs, plus the latest additions in
// small maps, merged into the sorted pairs when they grow; a position
// names an article id, in the order the articles were added. It keeps no
// signatures: the caller checks the candidates against the articles as
// stored, so that an article replaced or removed since it was added
// (whose position stays) is judged on what it is now. About 270 bytes an
// article (the sorted pairs hold 8 bytes a band, the id's string header
// 16). It is safe for concurrent use.
type Table struct {
	mu     sync.RWMutex
	ids    []string
	sorted [NumBands][]uint64 // hash<<32 | position, sorted
	// The tail: for each band, the first position added since the last
	// merge with each hash, and in more the further ones (copies share
	// bands, most hashes have one position).
	tail  [NumBands]map[uint32]uint32
	more  [NumBands]map[uint32][]uint32
	tailN int
}

// tailLimit is how many articles the maps hold before a merge.
const tailLimit = 4096

// NewTable returns an empty Table.
func NewTable() *Table {
	t := &Table{}
	t.resetTail()
	return t
}

func (t *Table) resetTail() {
	for b := range t.tail {
		t.tail[b] = make(map[uint32]uint32, tailLimit)
		t.more[b] = map[uint32][]uint32{}
	}
	t.tailN = 0
}

// Len returns how many articles were added: the position the next one
// gets (see [Table.CandidatesSince]).
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
	pos := uint32(len(t.ids))
	t.ids = append(t.ids, id)
	for b, h := range bands {
		k := uint32(h)
		if _, ok := t.tail[b][k]; ok {
			t.more[b][k] = append(t.more[b][k], pos)
		} else {
			t.tail[b][k] = pos
		}
	}
	if t.tailN++; t.tailN >= tailLimit {
		t.merge()
	}
}

// merge moves the maps' pairs into the sorted slices: the tail's pairs
// are sorted and merged in place from the end, so that a merge costs the
// length of the table, not a sort of it.
func (t *Table) merge() {
	var add []uint64
	for b := range t.tail {
		add = add[:0]
		for k, pos := range t.tail[b] {
			add = append(add, uint64(k)<<32|uint64(pos))
		}
		for k, more := range t.more[b] {
			for _, pos := range more {
				add = append(add, uint64(k)<<32|uint64(pos))
			}
		}
		slices.Sort(add)
		t.sorted[b] = mergeSorted(t.sorted[b], add)
	}
	t.resetTail()
}

// mergeSorted returns the sorted s with the sorted add merged in, in s's
// array when it has room.
func mergeSorted(s, add []uint64) []uint64 {
	n := len(s)
	s = slices.Grow(s, len(add))[:n+len(add)]
	i, j := n-1, len(add)-1
	for k := len(s) - 1; j >= 0; k-- {
		if i >= 0 && s[i] > add[j] {
			s[k] = s[i]
			i--
		} else {
			s[k] = add[j]
			j--
		}
	}
	return s
}

// Candidates returns the ids of the articles sharing a band with sig,
// each once, at most limit of them (the first added first).
func (t *Table) Candidates(sig Signature, limit int) []string {
	return t.candidates(sig, 0, limit)
}

// CandidatesSince returns the ids of the articles added at position from
// or later (see [Table.Len]) that share a band with sig, each once, in
// the order they were added.
func (t *Table) CandidatesSince(sig Signature, from int) []string {
	return t.candidates(sig, uint32(max(from, 0)), int(^uint(0)>>1))
}

func (t *Table) candidates(sig Signature, from uint32, limit int) []string {
	if !sig.Matchable() {
		return nil
	}
	bands := sig.Bands()
	t.mu.RLock()
	defer t.mu.RUnlock()
	var found []uint32
	for b, h := range bands {
		k := uint32(h)
		s := t.sorted[b]
		i, _ := slices.BinarySearch(s, uint64(k)<<32|uint64(from))
		for ; i < len(s) && uint32(s[i]>>32) == k; i++ {
			found = append(found, uint32(s[i]))
		}
		if pos, ok := t.tail[b][k]; ok && pos >= from {
			found = append(found, pos)
		}
		for _, pos := range t.more[b][k] {
			if pos >= from {
				found = append(found, pos)
			}
		}
	}
	slices.Sort(found)
	found = slices.Compact(found)
	ids := make([]string, 0, min(len(found), limit))
	seen := make(map[string]bool, len(found))
	for _, pos := range found {
		id := t.ids[pos]
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
