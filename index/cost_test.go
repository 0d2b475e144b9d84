package index

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"veille/corpus"
)

// hugeArticles returns n articles whose bodies of about size bytes hold
// the words of "centre de données" everywhere but never the phrase, and
// "Nvidia" only at their very end.
func hugeArticles(n, size int) []corpus.Article {
	line := "Le centre ville publie des données sur le marché et la ville. "
	body := strings.Repeat(line, size/len(line)) + "Fin du texte : Nvidia."
	out := make([]corpus.Article, n)
	for i := range out {
		out[i] = corpus.Article{ID: fmt.Sprintf("huge-%02d", i), Language: "fr", Title: fmt.Sprintf("Rapport %d", i), Body: body}
	}
	return out
}

// TestDeadlineHoldsOnLargeArticles checks that checking phrases in huge
// texts stops at the search's deadline: the phrases' words are in every
// article, so each candidate's text is read and analyzed whole, a chunk
// at a time with the context checked between chunks (it once was checked
// every 64 candidates, so that 20 articles of 10 MB answered 503 after
// 30 s for a 10 s deadline).
func TestDeadlineHoldsOnLargeArticles(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes tens of megabytes")
	}
	x, _ := openTest(t, Options{})
	put(t, x, hugeArticles(12, 4<<20)...)
	q := Query{Text: `"centre de données" "données du centre" "ville des données" "marché de la publication"`, Mode: ModeAny}
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, err := x.Search(ctx, q)
	took := time.Since(start)
	t.Logf("4 phrases over 12 articles of 4 MB, deadline %v: %v in %v", deadline, err, took)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline's error", err)
	}
	if took > deadline+time.Second {
		t.Errorf("answered %v after a deadline of %v", took, deadline)
	}
}

// TestHighlightReadsTheStartOfHugeBodies checks that a page of huge
// articles is highlighted from the first maxHighlightBytes of their
// bodies, and that hits carry no body.
func TestHighlightReadsTheStartOfHugeBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes tens of megabytes")
	}
	x, _ := openTest(t, Options{})
	put(t, x, hugeArticles(3, 2<<20)...)
	res := mustSearch(t, x, Query{Text: "nvidia", Highlight: true})
	if res.Total != 3 {
		t.Fatalf("nvidia: %d hits", res.Total)
	}
	for _, h := range res.Hits {
		if h.Article.Body != "" {
			t.Errorf("%s: the hit carries a body of %d bytes", h.Article.ID, len(h.Article.Body))
		}
		b := h.Highlights.Body
		if len(b) != 1 || len(b[0].Marks) != 0 || !strings.HasPrefix(b[0].Text, "Le centre ville") {
			t.Errorf("%s: body highlight %q, want the start of the body, unmarked (Nvidia is beyond what is read)", h.Article.ID, markups(b))
		}
	}
}

func TestSearchBudget(t *testing.T) {
	x, _ := openTest(t, Options{SearchBudget: 1 << 20})
	put(t, x, hugeArticles(3, 600<<10)...)
	_, err := x.Search(context.Background(), Query{Text: `"centre de données"`})
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Field != "Text" || !strings.Contains(qe.Reason, "costs too much") {
		t.Fatalf("a phrase reading 1.8 MB with a budget of 1 MB: %v, want a QueryError on Text", err)
	}
	// Words cost little.
	if res := mustSearch(t, x, Query{Text: "nvidia marché"}); res.Total != 3 {
		t.Errorf("words: %d hits", res.Total)
	}
}

func TestExpensiveLane(t *testing.T) {
	x, _ := openTest(t, Options{ExpensiveCost: 64 << 10, MaxExpensive: 1})
	put(t, x, hugeArticles(3, 100<<10)...)
	phrase := Query{Text: `"centre de données"`}
	if _, err := x.Search(context.Background(), phrase); err != nil {
		t.Fatalf("an expensive search with the lane free: %v", err)
	}
	// Another expensive search holds the lane's only place.
	if !x.expensive.tryAcquire() {
		t.Fatal("the lane is taken after the search ended")
	}
	_, err := x.Search(context.Background(), phrase)
	if !errors.Is(err, ErrBusy) {
		t.Errorf("an expensive search with the lane full: %v, want ErrBusy", err)
	}
	if res := mustSearch(t, x, Query{Text: "nvidia"}); res.Total != 3 {
		t.Errorf("a cheap search with the lane full: %d hits", res.Total)
	}
	x.expensive.release()
	if _, err := x.Search(context.Background(), phrase); err != nil {
		t.Errorf("once the lane is free again: %v", err)
	}
}

func TestMeter(t *testing.T) {
	l := newLane(1)
	opts := &Options{ExpensiveCost: 10, SearchBudget: 100}
	a, b := newMeter(l, opts), newMeter(l, opts)
	if err := a.add(11); err != nil || !a.tookLane() {
		t.Fatalf("a past its expensive cost: %v, lane %v", err, a.tookLane())
	}
	if err := b.add(5); err != nil {
		t.Fatalf("b cheap: %v", err)
	}
	if err := b.add(6); !errors.Is(err, ErrBusy) {
		t.Fatalf("b expensive with the lane full: %v", err)
	}
	a.done()
	if err := b.add(1); err != nil || !b.tookLane() {
		t.Fatalf("b once a is done: %v", err)
	}
	if err := b.add(100); !errors.Is(err, ErrInvalidQuery) {
		t.Fatalf("b past its budget: %v", err)
	}
	b.done()
	b.done() // twice is harmless
	var none *meter
	if err := none.add(1 << 40); err != nil {
		t.Fatalf("a nil meter counts nothing: %v", err)
	}
}

func TestProjection(t *testing.T) {
	l := newLane(1)
	if !l.tryAcquire() { // another expensive search holds the lane
		t.Fatal("lane")
	}
	opts := &Options{ExpensiveCost: 10_000, SearchBudget: 1 << 20}
	// feed gives p texts of 100 units, numbered from first by step,
	// until an error; it returns the texts given and the error.
	feed := func(p *projection, first, step, n uint64) (uint64, error) {
		for i := range n {
			if err := p.add(100, first+i*step); err != nil {
				return i + 1, err
			}
		}
		return n, nil
	}
	// 1,000 candidates of 100 units: bound to cost 100,000, refused
	// once the mean size of a text is known.
	m := newMeter(l, opts)
	if n, err := feed(m.project("body", 1000, 1000), 0, 1, 1000); !errors.Is(err, ErrBusy) || n != projectAfter {
		t.Errorf("dense candidates: refused after %d texts: %v; want ErrBusy after %d", n, err, projectAfter)
	}
	// Two phrases of 60 candidates each: cheap alone, expensive together,
	// refused before the second starts.
	m = newMeter(l, opts)
	m.project("body", 60, 1000) // the second, not started yet
	if n, err := feed(m.project("body", 60, 1000), 0, 15, 60); !errors.Is(err, ErrBusy) || n != projectAfter {
		t.Errorf("two phrases: refused after %d texts: %v; want ErrBusy after %d", n, err, projectAfter)
	}
	// A bound far above the candidates: the share of the numbers passed
	// corrects it. 50 candidates spread over 1,000 documents, of a bound
	// of 500: 5,000 units in all, no lane needed.
	m = newMeter(l, opts)
	if _, err := feed(m.project("body", 500, 1000), 0, 20, 50); err != nil || m.tookLane() {
		t.Errorf("sparse candidates: %v, lane %v", err, m.tookLane())
	}
	// Titles are not bodies: the mean is by part.
	m = newMeter(l, opts)
	body := m.project("body", 200, 1000)
	if _, err := feed(m.project("title", 1000, 1000), 0, 1, 1); err != nil {
		t.Fatal(err)
	}
	for i := range uint64(projectAfter) {
		if err := body.add(1, i); err != nil {
			t.Fatalf("bodies of 1 unit: %v", err)
		}
	}
	// A part that checked its last candidate expects nothing more.
	m = newMeter(l, opts)
	first := m.project("body", 1000, 1000)
	if _, err := feed(first, 0, 1, projectAfter-1); err != nil {
		t.Fatal(err)
	}
	first.finish()
	if _, err := feed(m.project("body", 10, 1000), 500, 50, 10); err != nil {
		t.Errorf("after a finished part: %v", err)
	}
	// Without a meter: nothing counted.
	if err := (*meter)(nil).project("body", 10, 10).add(1<<40, 1); err != nil {
		t.Error(err)
	}
}

// TestExpensiveSearchRefusedEarly checks that a phrase search bound to
// turn expensive is refused, when the lane is full, from a projection of
// its first candidates rather than once it has done ExpensiveCost of
// work: here the budget is below ExpensiveCost, so that a search
// measured only by the work done would fail on its budget instead.
func TestExpensiveSearchRefusedEarly(t *testing.T) {
	x, _ := openTest(t, Options{ExpensiveCost: 1 << 20, SearchBudget: 512 << 10, MaxExpensive: 1})
	put(t, x, hugeArticles(400, 4<<10)...) // 1.6 MB of candidates
	if !x.expensive.tryAcquire() {
		t.Fatal("the lane is taken")
	}
	defer x.expensive.release()
	_, err := x.Search(context.Background(), Query{Text: `"centre de données"`})
	if !errors.Is(err, ErrBusy) {
		t.Errorf("with the lane full: %v, want ErrBusy from the projection", err)
	}
	if res := mustSearch(t, x, Query{Text: "nvidia"}); res.Total != 400 {
		t.Errorf("a cheap search with the lane full: %d hits", res.Total)
	}
}
