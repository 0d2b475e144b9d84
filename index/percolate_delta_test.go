package index

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/blevesearch/vellum"

	"veille/corpus"
)

// TestCarriedCountsMatchTheSegments writes new articles one by one and
// in batches, with updates and deletes between them (barriers), while
// the index merges its segments in the background, and checks after
// each write that the counts the percolator's expansions carry from the
// batches' terms (prefix, typo and word-set look-ups, document counts)
// are those the snapshot's segments give, the oldest batches dropped
// from what is kept as it goes.
func TestCarriedCountsMatchTheSegments(t *testing.T) {
	x, _ := openTest(t, Options{OnCommit: func(context.Context, Commit) error { return nil }})
	p := x.NewPercolator()
	x.batches.maxDocs = 20 // the oldest batches are dropped as the test goes
	base := sample(t)
	put(t, x, base...)
	ctx := context.Background()
	type lookup struct {
		k          termsKey
		a          vellum.Automaton // as the expansions ask
		ref        vellum.Automaton // for liveTermsOf (a lazyDFA's built automaton)
		start, end []byte
	}
	body := "body_fr"
	var lookups []lookup
	for _, pre := range []string{"nv", "ce", "in", "mil", "d"} {
		lookups = append(lookups, lookup{termsKey{body, "prefix", pre}, nil, nil, []byte(pre), prefixEnd([]byte(pre))})
	}
	for _, w := range []struct {
		term  string
		edits int
	}{{"nvidia", 1}, {"investit", 2}, {"centr", 1}, {"donne", 1}, {"millon", 2}} {
		keep := w.term[:1]
		ref, err := x.lev.dfa(w.term, w.edits)
		if err != nil {
			t.Fatal(err)
		}
		lookups = append(lookups, lookup{termsKey{body, "fuzzy", w.term}, &lazyDFA{l: &x.lev, term: w.term, edits: w.edits}, ref, []byte(keep), prefixEnd([]byte(keep))})
	}
	set, err := setAutomaton(map[string]string{"nvidia": "", "centr": "", "royaum": "", "absentword": ""})
	if err != nil {
		t.Fatal(err)
	}
	lookups = append(lookups, lookup{termsKey{body, "surface", "set"}, set, set, nil, nil})
	dfTerms := []string{"nvidia", "centr", "invest", "royaum", "absentword"}

	rng := rand.New(rand.NewPCG(3, 5))
	var words []string
	for _, a := range base {
		words = append(words, strings.Fields(a.Body)...)
	}
	next := 0
	article := func() corpus.Article {
		a := base[rng.IntN(len(base))]
		next++
		a.ID = fmt.Sprintf("carried-%d", next)
		for range 3 {
			a.Body += " " + words[rng.IntN(len(words))]
		}
		a.Body += fmt.Sprintf(" nvidiaa%d centrx", next%7)
		return a
	}
	var carried, read int
	for step := range 120 {
		switch r := rng.IntN(10); {
		case r < 5:
			if _, _, err := x.Put(ctx, article(), Origin{}); err != nil {
				t.Fatal(err)
			}
		case r < 8:
			batch := make([]corpus.Article, 2+rng.IntN(5))
			for i := range batch {
				batch[i] = article()
			}
			put(t, x, batch...)
		case r < 9:
			a := base[rng.IntN(len(base))]
			a.Body += " nvidiia"
			if _, _, err := x.Put(ctx, a, Origin{}); err != nil {
				t.Fatal(err)
			}
		default:
			if next > 0 {
				if err := x.Delete(ctx, fmt.Sprintf("carried-%d", 1+rng.IntN(next))); err != nil && !strings.Contains(err.Error(), "not found") {
					t.Fatal(err)
				}
			}
		}
		func() {
			batch := x.batches.settled()
			g, snap, release, err := x.snapshot()
			if err != nil {
				t.Fatal(err)
			}
			defer release() // Close waits for it, even after a failure
			if batch == 0 || x.batches.settled() != batch {
				t.Fatalf("step %d: no batch was being applied, yet settled is %d", step, batch)
			}
			mr := newMemoReader(&view{snap: snap, segs: snap.Segments(), stored: &g.records.stored}, &x.lev, nil)
			c := &carrier{c: &p.carried, log: &x.batches, g: g, batch: batch}
			mr.carry = c
			for _, l := range lookups {
				if rng.IntN(3) == 0 {
					continue // asked now and then: carried over several batches
				}
				want, err := liveTermsOf(snap.Segments(), l.k.field, l.ref, l.start, l.end, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got, ok := c.carriedTerms(l.k, l.a, l.start, l.end); ok {
					carried++
					if !maps.Equal(got, want) {
						t.Fatalf("step %d, %v: carried %v, the segments give %v", step, l.k, got, want)
					}
				} else {
					read++
					got, err := mr.liveTerms(l.k.field, l.a, l.start, l.end, l.k.kind, l.k.key)
					if err != nil {
						t.Fatal(err)
					}
					if !maps.Equal(got, want) {
						t.Fatalf("step %d, %v: read %v, the segments give %v", step, l.k, got, want)
					}
				}
			}
			for _, term := range dfTerms {
				want, err := liveDF(ctx, snap, term, "title_fr", body)
				if err != nil {
					t.Fatal(err)
				}
				got, err := liveDF(ctx, mr, term, "title_fr", body)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("step %d: liveDF(%q) carried %d, the segments give %d", step, term, got, want)
				}
			}
		}()
	}
	t.Logf("%d look-ups carried, %d read from the segments", carried, read)
	if carried < read {
		t.Errorf("%d look-ups carried, %d read: the batches that only add articles should carry most", carried, read)
	}
}

// TestUnreadBatchesAreBounded writes batches while a percolator exists
// but never reads (a bulk load with no saved search to check): the
// documents the batch log holds stay within its bound, a batch of more
// than a quarter of the bound is not held at all, and the counts read
// afterwards are still the segments'.
func TestUnreadBatchesAreBounded(t *testing.T) {
	x, _ := openTest(t, Options{OnCommit: func(context.Context, Commit) error { return nil }})
	p := x.NewPercolator()
	x.batches.maxDocs = 20
	base := sample(t)
	next := 0
	batch := func(n int) []corpus.Article {
		out := make([]corpus.Article, n)
		for i := range out {
			a := base[next%len(base)]
			next++
			a.ID = fmt.Sprintf("unread-%d", next)
			a.Body += fmt.Sprintf(" nvidiaa%d", next%5)
			out[i] = a
		}
		return out
	}
	held := func() int {
		x.batches.mu.Lock()
		defer x.batches.mu.Unlock()
		n := 0
		for _, d := range x.batches.pending {
			n += len(d.docs)
		}
		if n != x.batches.pendingDocs {
			t.Fatalf("pendingDocs %d, the pending batches hold %d", x.batches.pendingDocs, n)
		}
		return n
	}
	for range 30 {
		put(t, x, batch(5)...)
		if n := held(); n > 20 {
			t.Fatalf("%d unread documents held, bound 20", n)
		}
	}
	if n := held(); n == 0 {
		t.Fatal("no unread batch held: the bound dropped everything")
	}
	put(t, x, batch(6)...) // more than a quarter of the bound: a barrier
	if n := held(); n != 0 {
		t.Fatalf("after a batch of 6, %d documents held; want none", n)
	}
	put(t, x, batch(5)...)
	ctx := context.Background()
	settled := x.batches.settled()
	g, snap, release, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if settled == 0 || x.batches.settled() != settled {
		t.Fatal("a batch was being applied")
	}
	mr := newMemoReader(&view{snap: snap, segs: snap.Segments(), stored: &g.records.stored}, &x.lev, nil)
	mr.carry = &carrier{c: &p.carried, log: &x.batches, g: g, batch: settled}
	for _, term := range []string{"nvidiaa1", "nvidiaa3", "nvidia", "absentword"} {
		want, err := liveDF(ctx, snap, term, "title_fr", "body_fr")
		if err != nil {
			t.Fatal(err)
		}
		got, err := liveDF(ctx, mr, term, "title_fr", "body_fr")
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("liveDF(%q) carried %d, the segments give %d", term, got, want)
		}
	}
}

// TestWarmReadsAheadForMatch saves queries whose words lack their term in
// the articles written next (typos, a word being typed), warms the
// percolator, then writes articles one by one with the commit hook
// matching them: the expansions must read no dictionary of a segment
// (what Warm read is carried over the commits), where a percolator that
// was not warmed reads them.
func TestWarmReadsAheadForMatch(t *testing.T) {
	var hooked *Percolator
	var matchErr error
	x, _ := openTest(t, Options{OnCommit: func(_ context.Context, c Commit) error {
		for _, a := range c.Articles {
			if hooked != nil {
				if _, _, err := hooked.Match(a); err != nil {
					matchErr = err
				}
			}
		}
		return nil
	}})
	base := sample(t)
	put(t, x, base...)
	ctx := context.Background()
	queries := map[string]Query{
		"typo":      {Text: "nvidai centres"},
		"stem typo": {Text: "investisement"},
		"two edits": {Text: "infrastrutcures données"},
		"prefix":    {Text: "nvidia centr", Prefix: true},
		"rare typo": {Text: "royaumme"},
	}
	segReads := func() int {
		x.lev.mu.Lock()
		defer x.lev.mu.Unlock()
		return x.lev.segMemoN
	}
	write := func(p *Percolator, from int) int {
		hooked = p
		before := segReads()
		for i := range 4 {
			a := base[(from+i)%len(base)]
			a.ID = fmt.Sprintf("warm-%d", from+i)
			a.Body += fmt.Sprintf(" nvidiaa centrx investissementt infrastructure royaume%d", i)
			if _, _, err := x.Put(ctx, a, Origin{}); err != nil {
				t.Fatal(err)
			}
		}
		hooked = nil
		if matchErr != nil {
			t.Fatal(matchErr)
		}
		return segReads() - before
	}
	warmed := x.NewPercolator()
	for id, q := range queries {
		if err := warmed.Add(id, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := warmed.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	if n := write(warmed, 0); n != 0 {
		t.Errorf("warmed: the commits' matching read %d look-ups from the segments, want none", n)
	}
	cold := x.NewPercolator()
	for id, q := range queries {
		if err := cold.Add(id, q); err != nil {
			t.Fatal(err)
		}
	}
	if n := write(cold, 10); n == 0 {
		t.Error("not warmed: the commits' matching read no look-up from the segments: the test checks nothing")
	}
}
