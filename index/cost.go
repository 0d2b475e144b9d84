package index

// The cost of a search, and the lane expensive searches share.
//
// A search of words costs a few milliseconds whatever the corpus; one of
// phrases of frequent words reads and analyzes again the text of every
// article holding all their words, seconds of CPU on a large corpus. So
// a search counts what it does as it runs (bytes of text checked for
// phrases, dictionary terms visited for typos and prefixes, hits
// scanned) in cost units of about one byte of text analyzed. Past
// expensiveCost a search must hold one of the few places of the
// expensive lane (Options.MaxExpensive) or fail at once with ErrBusy, so
// that expensive searches cannot take every core from the cheap ones;
// past its budget (maxCost) it fails with a *QueryError on Text: the
// same query would cost as much again.

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
)

// Costs, in units of about one byte of text analyzed.
const (
	costTerm      = 64      // one dictionary term visited by an expansion
	costHit       = 2       // one hit of the text query scanned
	expensiveCost = 8 << 20 // past this a search needs a place in the expensive lane
	maxCost       = 1 << 30 // the budget of one search
)

// meter counts the cost of one search. It is safe for concurrent use; a
// nil meter counts nothing.
type meter struct {
	used      atomic.Int64
	expensive int64 // the cost past which the search needs the lane
	budget    int64
	lane      *lane
	held      atomic.Bool
}

// newMeter returns the meter of a search of an index with opts.
func newMeter(l *lane, opts *Options) *meter {
	m := &meter{lane: l, expensive: opts.ExpensiveCost, budget: opts.SearchBudget}
	if m.expensive <= 0 {
		m.expensive = expensiveCost
	}
	if m.budget <= 0 {
		m.budget = maxCost
	}
	return m
}

// add counts n units. The error wraps ErrBusy when the search turned
// expensive and the lane is full, or is a *QueryError past the budget.
func (m *meter) add(n int) error {
	if m == nil || n <= 0 {
		return nil
	}
	used := m.used.Add(int64(n))
	if used > m.expensive && m.lane != nil && !m.held.Load() {
		if !m.lane.tryAcquire() {
			return fmt.Errorf("%w: %d expensive searches are running already (phrases of frequent words, many typos or prefixes); try again in a moment", ErrBusy, m.lane.size)
		}
		if m.held.Swap(true) {
			m.lane.release() // another goroutine of this search took it first
		}
	}
	if used > m.budget {
		return queryErr("Text", "costs too much to run (its phrases or expansions read more than %d MB of text); use rarer words or fewer phrases", m.budget>>20)
	}
	return nil
}

// done releases the search's place in the lane, if it took one.
func (m *meter) done() {
	if m != nil && m.held.Swap(false) {
		m.lane.release()
	}
}

// tookLane reports whether the search took a place in the lane.
func (m *meter) tookLane() bool { return m != nil && m.held.Load() }

// lane bounds the expensive searches running at once.
type lane struct {
	size  int
	slots chan struct{}
}

// newLane returns a lane of n places; n <= 0 means half the processors
// (at least one), so that cheap searches keep the other half.
func newLane(n int) *lane {
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &lane{size: n, slots: make(chan struct{}, n)}
}

func (l *lane) tryAcquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l *lane) release() { <-l.slots }

// checkpoint returns ctx's error, or the meter's for n more units.
func checkpoint(ctx context.Context, m *meter, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.add(n)
}
