package index

import (
	"math/rand/v2"
	"testing"
)

// TestLazyDFAAcceptsAsItsAutomaton checks that the edit distance a tiny
// segment's terms are checked by accepts exactly what the Levenshtein
// automaton would, on random words (accents, transpositions, lengths).
func TestLazyDFAAcceptsAsItsAutomaton(t *testing.T) {
	var l levBuilders
	rng := rand.New(rand.NewPCG(16, 2))
	letters := []rune("abcdeéèrst")
	word := func() string {
		rs := make([]rune, 1+rng.IntN(8))
		for i := range rs {
			rs[i] = letters[rng.IntN(len(letters))]
		}
		return string(rs)
	}
	for range 300 {
		term := word()
		for edits := 1; edits <= 2; edits++ {
			z := &lazyDFA{l: &l, term: term, edits: edits}
			a, err := z.build()
			if err != nil {
				t.Fatal(err)
			}
			for range 40 {
				// Near words: a few random edits of term, or any word.
				w := []rune(term)
				for range rng.IntN(4) {
					switch i := rng.IntN(len(w) + 1); rng.IntN(4) {
					case 0:
						w = append(w[:i], append([]rune{letters[rng.IntN(len(letters))]}, w[i:]...)...)
					case 1:
						if i < len(w) {
							w = append(w[:i], w[i+1:]...)
						}
					case 2:
						if i < len(w) {
							w[i] = letters[rng.IntN(len(letters))]
						}
					default:
						if i+1 < len(w) {
							w[i], w[i+1] = w[i+1], w[i]
						}
					}
				}
				cand := string(w)
				if rng.IntN(5) == 0 {
					cand = word()
				}
				s := a.Start()
				for i := 0; i < len(cand) && a.CanMatch(s); i++ {
					s = a.Accept(s, cand[i])
				}
				if want, got := a.IsMatch(s), z.accepts(cand); got != want {
					t.Errorf("%q within %d of %q: accepts %v, automaton %v", cand, edits, term, got, want)
				}
			}
		}
	}
}
