package index

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"veille/corpus"
)

// TestPercolatorCandidatesCoverSearch checks, query by query, that every
// sample article a search returns is a candidate of that query, that
// the percolator leaves out articles that cannot match, and that what
// Match decides without a search is what the search answers.
func TestPercolatorCandidatesCoverSearch(t *testing.T) {
	x := openSample(t)
	p := x.NewPercolator()
	amt := func(v float64) *float64 { return &v }
	queries := map[string]Query{
		"word":        {Text: "nvidia"},
		"two words":   {Text: "centres données"},
		"phrase":      {Text: `"centres de données"`},
		"typo":        {Text: "nvidai"},
		"stem typo":   {Text: "investisement"},
		"prefix":      {Text: "micros"},
		"excluded":    {Text: "nvidia -chine"},
		"only out":    {Text: "-nvidia"},
		"any":         {Text: "airbus siemens", Mode: "any"},
		"company":     {Companies: []string{"nvidia"}},
		"country":     {Text: "investit", Countries: []string{"GB"}},
		"lang":        {Languages: []string{"en"}},
		"source":      {Sources: []string{"Journal"}},
		"amount":      {AmountMin: amt(1e9)},
		"dates":       {From: day("2025-09-20"), To: day("2025-09-21")},
		"until":       {To: day("2025-09-20")},
		"since":       {From: day("2025-09-20")},
		"everything":  {},
		"stop words":  {Text: "les des"},
		"english":     {Text: "british"},
		"german typo": {Text: "siemenz"},
		"no company":  {Text: "centres", ExcludeCompanies: []string{"Microsoft"}},
		"loose name":  {Companies: []string{"NVIDIA"}},
		"phrase out":  {Text: `nvidia -"centres de données"`},
	}
	for name, q := range queries {
		if err := p.Add(name, q); err != nil {
			t.Fatalf("Add(%s): %v", name, err)
		}
	}
	ctx := context.Background()
	var pairs, matches, candidates, decided int
	for _, a := range sample(t) {
		stored, err := x.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := x.NewCommitted(stored)
		if err != nil {
			t.Fatal(err)
		}
		cands, err := p.Candidates(cm)
		if err != nil {
			t.Fatal(err)
		}
		candidates += len(cands)
		sure, unsure, err := p.Match(cm)
		if err != nil {
			t.Fatal(err)
		}
		decided += len(cands) - len(unsure)
		for name, q := range queries {
			q.IDs = []string{a.ID}
			res := mustSearch(t, x, q)
			pairs++
			matches += int(res.Total)
			if res.Total > 0 && !slices.Contains(cands, name) {
				t.Errorf("%s: the search %q returns %s, which is not among its candidates %v", a.ID, name, a.ID, cands)
			}
			if in, decidedHere := slices.Contains(sure, name), !slices.Contains(unsure, name); slices.Contains(cands, name) && decidedHere && in != (res.Total > 0) {
				t.Errorf("%s: Match decides %q matches: %v, the search returns %d", a.ID, name, in, res.Total)
			}
		}
		if a.ID == "de-siemens" && slices.Contains(cands, "phrase") {
			t.Errorf("a German article is a candidate of a French phrase: %v", cands)
		}
	}
	t.Logf("%d article-query pairs, %d matches, %d candidates, %d decided without a search", pairs, matches, candidates, decided)
	if matches < 25 || candidates > pairs/2 || 4*decided < 3*candidates {
		t.Errorf("%d matches, %d candidates (%d decided) of %d pairs: the test or the sieve is off", matches, candidates, decided, pairs)
	}
}

// TestSearchIDs checks that IDs restricts a search to those articles and
// nothing else changes which of them match, in every language (typos
// included, which depend on what the whole index holds).
func TestSearchIDs(t *testing.T) {
	x := openSample(t)
	for _, q := range []Query{{Text: "nvidia"}, {Text: "centres"}, {}, {Text: "-chine"}, {Companies: []string{"Microsoft"}},
		{Text: "nvidai"}, {Text: "siemenz"}, {Text: "britsh centres"}, {Text: "siemens", Mode: "any"}, {Text: `"data centres"`}} {
		all := hitIDs(mustSearch(t, x, Query{Text: q.Text, Mode: q.Mode, Companies: q.Companies, PerPage: 100}))
		for _, ids := range [][]string{{"fr-nvidia-uk"}, {"fr-microsoft-france", "en-siemens", "nope"}, {"fr-airbus", "fr-nvidia-uk", "de-siemens"},
			{"en-nvidia-britain"}, {"de-siemens"}, {"en-siemens", "de-siemens"}} {
			q.IDs, q.PerPage = ids, 100
			got := hitIDs(mustSearch(t, x, q))
			var want []string
			for _, id := range all {
				if slices.Contains(ids, id) {
					want = append(want, id)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q with IDs %v: %v, want %v", q.Text, ids, got, want)
			}
		}
	}
}

// hookRecorder is a CommitHook that records what it is told and fails on demand.
type hookRecorder struct {
	mu      sync.Mutex
	commits []Commit
	fail    error
}

func (h *hookRecorder) hook(ctx context.Context, c Commit) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return h.fail
	}
	h.commits = append(h.commits, c)
	return nil
}

func (h *hookRecorder) ids() [][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out [][]string
	for _, c := range h.commits {
		var ids []string
		for _, a := range c.Articles {
			ids = append(ids, a.Article.ID)
		}
		out = append(out, ids)
	}
	return out
}

// TestCommitHook checks what the hook is told: every put once, with the
// index it left searchable; failed calls hand their articles again;
// rebuilds tell nothing; the last batch survives a restart.
func TestCommitHook(t *testing.T) {
	ctx := context.Background()
	h := &hookRecorder{}
	var x *Index
	var seen []string
	opts := Options{OnCommit: func(ctx context.Context, c Commit) error {
		for _, a := range c.Articles {
			res, err := c.Search(ctx, Query{IDs: []string{a.Article.ID}})
			if err != nil || res.Total != 1 {
				return fmt.Errorf("article %s is not searchable in the hook: %v %v", a.Article.ID, res.Total, err)
			}
			if len(a.terms(map[string]struct{}{}, nil)) == 0 {
				return fmt.Errorf("article %s has no terms", a.Article.ID)
			}
			seen = append(seen, a.Article.ID)
		}
		return h.hook(ctx, c)
	}}
	x, dir := openTest(t, opts)
	put(t, x, sample(t)[:3]...)
	if _, _, err := x.Put(ctx, corpus.Article{ID: "a1", Title: "Nvidia", Body: "Nvidia au Royaume-Uni"}, Origin{}); err != nil {
		t.Fatal(err)
	}
	if err := x.Delete(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	got := h.ids()
	if n := len(slices.Concat(got...)); n != 4 {
		t.Fatalf("hook saw %v, want the 4 puts", got)
	}
	// A failing hook fails the writes, which stay stored, and its
	// articles are handed to the next call.
	h.mu.Lock()
	h.fail = errors.New("disk gone")
	h.mu.Unlock()
	_, _, err := x.Put(ctx, corpus.Article{ID: "a2", Title: "Airbus", Body: "Airbus en Chine"}, Origin{})
	if err == nil {
		t.Fatal("Put succeeded with a failing hook")
	}
	if _, err := x.Get(ctx, "a2"); err != nil {
		t.Fatalf("the article of a failed hook is not stored: %v", err)
	}
	h.mu.Lock()
	h.fail = nil
	h.mu.Unlock()
	if _, _, err := x.Put(ctx, corpus.Article{ID: "a3", Title: "Siemens", Body: "Siemens en Allemagne"}, Origin{}); err != nil {
		t.Fatal(err)
	}
	got = h.ids()
	if last := got[len(got)-1]; !slices.Equal(last, []string{"a3", "a2"}) {
		t.Fatalf("after a failed call the hook saw %v, want [a3 a2]", last)
	}
	// A rebuild hands nothing.
	before := len(h.ids())
	if err := x.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.ids()); n != before {
		t.Fatalf("a rebuild called the hook %d times", n-before)
	}
	h.mu.Lock()
	seq := h.commits[len(h.commits)-1].Seq
	h.mu.Unlock()
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	// The last batch is known after a restart, numbers go on.
	y, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}, OnCommit: h.hook})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	last, err := y.LastCommit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range last.Articles {
		ids = append(ids, a.Article.ID)
	}
	if last.Seq != seq || !slices.Equal(ids, []string{"a3", "a2"}) || len(last.Articles[0].terms(map[string]struct{}{}, nil)) == 0 {
		t.Fatalf("LastCommit = seq %d %v, want seq %d [a3 a2] with terms", last.Seq, ids, seq)
	}
	if _, _, err := y.Put(ctx, corpus.Article{ID: "a4", Title: "Nscale", Body: "Nscale"}, Origin{}); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.commits[len(h.commits)-1].Seq; s != seq+1 {
		t.Fatalf("the first batch after a restart is number %d, want %d", s, seq+1)
	}
}

// TestWithin checks the typo distance the sieve uses against plain cases,
// ASCII or not.
func TestWithinEdits(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		k    int
		want bool
	}{
		{"nvidia", "nvidia", 0, true}, {"nvidia", "nvidai", 1, true}, {"nvidia", "nvdia", 1, true},
		{"nvidia", "nvidiaa", 1, true}, {"nvidia", "nvdiai", 1, false}, {"nvidia", "nvdiai", 2, true},
		{"gouvern", "gouvernemnt", 2, false}, {"etat", "état", 1, true}, {"état", "étaient", 2, false},
		{"xab", "abx", 1, false}, {"xab", "abx", 2, true}, {"ab", "", 2, true}, {"abc", "", 2, false},
	} {
		if got := withinEdits(tc.a, tc.b, tc.k); got != tc.want {
			t.Errorf("withinEdits(%q, %q, %d) = %v, want %v", tc.a, tc.b, tc.k, got, tc.want)
		}
	}
}

// TestWithinOneASCIIAsOSA checks the linear one-edit test against the
// optimal string alignment distance on random short words.
func TestWithinOneASCIIAsOSA(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 3))
	word := func() string {
		b := make([]byte, rng.IntN(7))
		for i := range b {
			b[i] = "abc"[rng.IntN(3)]
		}
		return string(b)
	}
	for range 20000 {
		a, b := word(), word()
		if d := len(a) - len(b); d > 1 || d < -1 {
			continue
		}
		if got, want := withinOneASCII(a, b), osaDistance([]rune(a), []rune(b)) <= 1; got != want {
			t.Fatalf("withinOneASCII(%q, %q) = %v, distance %d", a, b, got, osaDistance([]rune(a), []rune(b)))
		}
	}
}

// TestMayBeNearKeepsNearTerms checks that the rune-class filter of the
// sieve's scan never drops a near term of a need (stemWays), on words
// one or two random edits from a need's term or cut form, accents too.
func TestMayBeNearKeepsNearTerms(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	letters := []rune("abcdeéèu")
	word := func() []rune {
		w := make([]rune, 3+rng.IntN(6))
		for i := range w {
			w[i] = letters[rng.IntN(len(letters))]
		}
		return w
	}
	edit := func(w []rune) []rune {
		w = slices.Clone(w)
		i := rng.IntN(len(w))
		switch rng.IntN(4) {
		case 0:
			w = slices.Delete(w, i, i+1)
		case 1:
			w = slices.Insert(w, i, letters[rng.IntN(len(letters))])
		case 2:
			w[i] = letters[rng.IntN(len(letters))]
		default:
			if i+1 < len(w) {
				w[i], w[i+1] = w[i+1], w[i]
			}
		}
		return w
	}
	p := &Percolator{needs: map[string]*need{}}
	near, dropped := 0, 0
	for range 5000 {
		term, cut := word(), word()
		first := string(term[:1])
		n := p.intern(&need{term: string(term), edits: 1 + rng.IntN(2), keep: first, keep0: first, cuts: []string{string(cut)}})
		for range 20 {
			from := []rune(n.term)
			if rng.IntN(2) == 0 {
				from = []rune(n.cuts[0])
			}
			w := from
			for range 1 + rng.IntN(2) {
				if len(w) > 1 {
					w = edit(w)
				}
			}
			if n.stemWays(string(w)) == 0 {
				continue
			}
			near++
			if !n.mayBeNear(runeSet(string(w))) {
				dropped++
				t.Errorf("mayBeNear drops %q, near %q (edits %d) or %q", string(w), n.term, n.edits, n.cuts[0])
			}
		}
	}
	if near < 1000 {
		t.Fatalf("only %d near terms tried", near)
	}
	t.Logf("%d near terms, %d dropped", near, dropped)
}
