package index

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"veille/corpus"
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

// memoArticles stores n small articles, one a batch (a segment each
// until merges), and returns the body field they are indexed under.
func memoArticles(t testing.TB, x *Index, n int) string {
	for i := range n {
		put(t, x, corpus.Article{ID: fmt.Sprintf("m%d", i), Language: "fr", Title: fmt.Sprintf("titre %d", i),
			Body: fmt.Sprintf("corps bourse%d marché%d banque entreprise%d", i, i%7, i%3)})
	}
	return "body_" + fieldLang4("fr")
}

// segMemoState returns the segments the memo holds, its entry count, and
// whether each remembered segment is one of segs.
func segMemoState(l *levBuilders, segs []*scorch.SegmentSnapshot) (nsegs, entries int, within bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	within = true
	for seg := range l.segMemo {
		within = within && slices.ContainsFunc(segs, func(ss *scorch.SegmentSnapshot) bool { return ss.Segment() == seg })
	}
	return len(l.segMemo), l.segMemoN, within
}

// TestSegMemoForgetsMergedSegments checks that the memo of look-ups per
// segment holds only the segments of the last search, stays under its
// bound, and gives the terms of the live documents as a fresh read does.
func TestSegMemoForgetsMergedSegments(t *testing.T) {
	x, _ := openTest(t, Options{})
	field := memoArticles(t, x, 12)
	var l levBuilders
	for round := range 3 {
		_, snap, release, err := x.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		segs := snap.Segments()
		for _, p := range []string{"bours", "march", "entrep", "banq", "corp", "zzz"} {
			k := termsKey{field, "prefix", p}
			got, err := l.liveTerms(segs, k, nil, []byte(p), prefixEnd([]byte(p)), nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := liveTermsOf(segs, field, nil, []byte(p), prefixEnd([]byte(p)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("round %d, %q: memo %v, read %v", round, p, got, want)
			}
		}
		if n, entries, within := segMemoState(&l, segs); !within || n > len(segs) || entries > maxSegLookups {
			t.Errorf("round %d: memo of %d segments (%d entries), snapshot of %d, all of them: %v", round, n, entries, len(segs), within)
		}
		release()
		// New segments, and deletions: the next round's look-ups see them.
		memoArticles(t, x, 4+round)
		if err := x.Delete(context.Background(), "m1"); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkSegMemoHeap measures the heap a (segment, look-up) entry of
// levBuilders.segMemo holds: distinct prefix look-ups (most giving no
// term in a segment, as most typo look-ups do) on an index of a few
// segments, up to the memo's bound.
func BenchmarkSegMemoHeap(b *testing.B) {
	x, _ := openTest(b, Options{})
	field := memoArticles(b, x, 8)
	_, snap, release, err := x.snapshot()
	if err != nil {
		b.Fatal(err)
	}
	defer release()
	segs := snap.Segments()
	for range b.N {
		var l levBuilders
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; l.segMemoN+len(segs) <= maxSegLookups; i++ {
			p := fmt.Sprintf("bourse%d", i)
			if _, err := l.liveTerms(segs, termsKey{field, "fuzzy", p + "\x00b\x002"}, nil, []byte(p), prefixEnd([]byte(p)), nil); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(l.segMemoN), "B/entry")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-at-bound")
		b.ReportMetric(float64(len(segs)), "segments")
		runtime.KeepAlive(&l)
	}
}
