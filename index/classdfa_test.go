package index

import (
	"math/rand/v2"
	"testing"
)

// TestCompactDFAIsItsAutomaton checks, state by state, that the
// automaton stored by byte classes is the Levenshtein automaton it was
// made from: walking both together from their starts on every byte, each
// pair of states agrees on IsMatch and CanMatch and one state of the
// compact automaton always stands for the same state of vellum's (words
// with accents, other scripts, lengths 1 to 20, distances 1 and 2).
func TestCompactDFAIsItsAutomaton(t *testing.T) {
	var l levBuilders
	rng := rand.New(rand.NewPCG(18, 6))
	letters := []rune("abcdeéèrstœ€ßж日")
	full, compact := 0, 0
	for n := range 200 {
		rs := make([]rune, 1+n%20)
		for i := range rs {
			rs[i] = letters[rng.IntN(len(letters))]
		}
		term := string(rs)
		for edits := 1; edits <= 2; edits++ {
			b, err := l.get(edits)
			if err != nil {
				t.Fatal(err)
			}
			a, err := b.BuildDfa(term, uint8(edits))
			if err != nil {
				t.Fatal(err)
			}
			d := compactDFA(a, &l.scratch)
			seen := map[int]int{d.Start(): a.Start()}
			queue := []int{d.Start()}
			for len(queue) > 0 {
				s := queue[0]
				queue = queue[1:]
				o := seen[s]
				if d.IsMatch(s) != a.IsMatch(o) || d.CanMatch(s) != a.CanMatch(o) || d.WillAlwaysMatch(s) != a.WillAlwaysMatch(o) {
					t.Fatalf("%q, %d edits: state %d (vellum's %d) differs", term, edits, s, o)
				}
				for c := range 256 {
					ds, os := d.Accept(s, byte(c)), a.Accept(o, byte(c))
					if prev, ok := seen[ds]; !ok {
						seen[ds] = os
						queue = append(queue, ds)
					} else if prev != os {
						t.Fatalf("%q, %d edits: state %d stands for vellum's %d and %d", term, edits, ds, prev, os)
					}
				}
			}
			if len(seen) != len(d.flags) {
				t.Fatalf("%q, %d edits: %d states reachable of %d", term, edits, len(seen), len(d.flags))
			}
			full += 1024 * len(d.flags)
			compact += d.bytes()
		}
	}
	t.Logf("tables: vellum's %d KiB, by byte classes %d KiB", full>>10, compact>>10)
}

// TestByteClasses checks that bytes share a class exactly when every
// row sends them to the same state.
func TestByteClasses(t *testing.T) {
	rows := make([][256]uint32, 3)
	for b := range 256 {
		rows[0][b] = uint32(b % 3)
		rows[1][b] = uint32(b % 2)
		rows[2][b] = 7
	}
	var class [256]uint8
	if n := byteClasses(rows, &class); n != 6 {
		t.Fatalf("%d classes, want 6", n)
	}
	for b := range 256 {
		for c := range 256 {
			same := b%6 == c%6
			if (class[b] == class[c]) != same {
				t.Fatalf("bytes %d and %d: same class %v, want %v", b, c, class[b] == class[c], same)
			}
		}
	}
}

// BenchmarkCompactDFA measures building a distance-2 automaton of a
// 12-letter word with and without storing it by byte classes.
func BenchmarkCompactDFA(b *testing.B) {
	var l levBuilders
	lb, err := l.get(2)
	if err != nil {
		b.Fatal(err)
	}
	for _, compact := range []bool{false, true} {
		name := "vellum"
		if compact {
			name = "classes"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, err := lb.BuildDfa("gouvernement", 2)
				if err != nil {
					b.Fatal(err)
				}
				if compact {
					compactDFA(a, &l.scratch)
				}
			}
		})
	}
}
