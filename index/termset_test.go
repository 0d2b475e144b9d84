package index

import (
	"fmt"
	"testing"
)

// TestTermSet checks that termSet numbers terms as a map would, in order
// of first occurrence, across growth and resets (a long text drops the
// table it grew).
func TestTermSet(t *testing.T) {
	var s termSet
	for _, n := range []int{0, 1, 31, 32, 33, 1000, 5000, 3} {
		s.reset()
		var terms [][]byte
		want := map[string]int{}
		key := func(k int) []byte { return terms[k] }
		for i := range 3 * n {
			term := []byte(fmt.Sprint(i*7919%(n+1), "é"))
			k, added := s.find(term, key)
			w, seen := want[string(term)]
			if !seen {
				w = len(want)
				want[string(term)] = w
				terms = append(terms, term)
			}
			if k != w || added == seen {
				t.Fatalf("n=%d: find(%q) = %d, %v; want %d, %v", n, term, k, added, w, !seen)
			}
		}
		if s.n != len(want) {
			t.Fatalf("n=%d: %d terms numbered, want %d", n, s.n, len(want))
		}
	}
}
