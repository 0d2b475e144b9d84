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
	"sync"
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
	used        atomic.Int64
	ahead       atomic.Int64 // the cost its projections still expect
	mu          sync.Mutex
	projections []*projection
	texts       map[string][2]int64 // by part: bytes and number of the texts read
	expensive   int64               // the cost past which the search needs the lane
	budget      int64
	lane        *lane
	held        atomic.Bool
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
	return m.check(m.used.Add(int64(n)))
}

// check applies the lane and the budget to a search that used units so
// far; the lane counts what its projections expect as well.
func (m *meter) check(used int64) error {
	if used+m.ahead.Load() > m.expensive && m.lane != nil && !m.held.Load() {
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

// A projection expects nothing before the search read projectAfter
// texts of its part, and trusts the share of document numbers it passed
// after projectAfter candidates of its own.
const projectAfter = 4

// projection follows a part of a search that checks the texts of
// candidate documents in increasing number, such as a phrase's, and
// expects what the rest will cost: its bound on their number times the
// mean size of the texts of that part ("title", "body") the search read
// so far; after projectAfter candidates of its own, no more than the
// share of the document numbers it passed tells. The
// meter counts every projection of the search at once, so that a search
// bound to turn expensive takes its place in the lane (or fails with
// ErrBusy) after a sample of its work, not after expensiveCost units of
// it: 20 clients sending costly phrases would otherwise each spend that
// much before being refused, taking the cores from cheap searches all
// the same. A projection that overrates its part only takes a place in
// the lane earlier. Safe for concurrent use; a projection of a nil
// meter counts nothing.
type projection struct {
	m     *meter
	part  string
	bound uint64 // candidates at most
	space uint64 // the candidates are numbered below space
	// Guarded by m.mu.
	used    int64 // units of the texts read
	docs    uint64
	lastDoc uint64
}

// project returns a projection of a part of m's search that checks at
// most bound candidates, numbered below space, reading texts of part.
func (m *meter) project(part string, bound, space uint64) *projection {
	if space > 0 {
		bound = min(bound, space)
	}
	p := &projection{m: m, part: part, bound: bound, space: space}
	if m != nil {
		m.mu.Lock()
		m.projections = append(m.projections, p)
		m.mu.Unlock()
	}
	return p
}

// add counts n units of the text of the candidate numbered doc (after
// those of lower numbers), with the errors of meter.add.
func (p *projection) add(n int, doc uint64) error {
	m := p.m
	if m == nil {
		return nil
	}
	if err := m.add(n); err != nil {
		return err
	}
	m.mu.Lock()
	p.used += int64(n)
	p.docs++
	p.lastDoc = doc
	if m.texts == nil {
		m.texts = map[string][2]int64{}
	}
	t := m.texts[p.part]
	m.texts[p.part] = [2]int64{t[0] + int64(n), t[1] + 1}
	var ahead int64
	for _, q := range m.projections {
		ahead += q.ahead()
	}
	m.mu.Unlock()
	m.ahead.Store(ahead)
	return m.check(m.used.Load())
}

// finish says that p's part has checked its last candidate: it expects
// nothing more.
func (p *projection) finish() {
	if p.m == nil {
		return
	}
	p.m.mu.Lock()
	p.bound, p.docs = 0, max(p.docs, projectAfter)
	p.m.mu.Unlock()
}

// ahead returns the units p still expects. The meter's mutex is held.
func (p *projection) ahead() int64 {
	t := p.m.texts[p.part]
	if t[1] < projectAfter || p.space == 0 {
		return 0
	}
	var left int64
	if p.bound > p.docs {
		left = int64(p.bound-p.docs) * (t[0] / t[1])
	}
	if p.docs < projectAfter {
		return left
	}
	passed := float64(min(p.lastDoc+1, p.space)) / float64(p.space)
	return min(left, int64(float64(p.used)*(1-passed)/passed))
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
