package index

import (
	"bytes"
	"hash/maphash"
)

// termSet numbers the distinct terms of one text, in order of first
// occurrence, without a string for each: the terms themselves stay where
// the caller keeps them (key returns the k-th), and the set holds only
// their numbers in an open-addressing table. It replaces a
// map[string]uint32, whose every insertion copied its key. The zero value
// is ready; reset makes it empty for another text, keeping its table.
type termSet struct {
	seed  maphash.Seed
	slots []uint32 // number+1 of the term hashed there, 0 when free
	n     int
}

// find returns the number of term, adding it as number n (the count so
// far) when it is new; key(k) returns the term numbered k.
func (s *termSet) find(term []byte, key func(k int) []byte) (k int, added bool) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow(key)
	}
	mask := uint64(len(s.slots) - 1)
	for i := maphash.Bytes(s.seed, term) & mask; ; i = (i + 1) & mask {
		v := s.slots[i]
		if v == 0 {
			s.slots[i] = uint32(s.n + 1)
			s.n++
			return s.n - 1, true
		}
		if bytes.Equal(key(int(v-1)), term) {
			return int(v - 1), false
		}
	}
}

// grow doubles the table (or makes its first one) and places the terms
// again.
func (s *termSet) grow(key func(k int) []byte) {
	if s.slots == nil {
		s.seed = maphash.MakeSeed()
	}
	slots := make([]uint32, max(64, 2*len(s.slots)))
	mask := uint64(len(slots) - 1)
	for k := range s.n {
		i := maphash.Bytes(s.seed, key(k)) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = uint32(k + 1)
	}
	s.slots = slots
}

// reset empties the set. A table grown for a long text is dropped
// rather than cleared for every short one after it.
func (s *termSet) reset() {
	if len(s.slots) > 1<<12 {
		s.slots = nil
	}
	clear(s.slots)
	s.n = 0
}
