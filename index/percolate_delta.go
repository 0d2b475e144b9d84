package index

// Carried expansions: the live counts the percolator's expansions read
// (percolate_decide.go), carried from one snapshot to the next.
//
// An expansion depends on the live documents alone, never on how they
// are spread over segments (liveTerms, liveDF). A live writer makes a new
// snapshot for every commit, and its background merges make new segments
// of old documents, so reading each new segment's dictionary for every
// saved word cost a few milliseconds a commit (an automaton to build per
// word for every merged segment). The writer numbers the batches it
// applies to the live generation (batchLog) and keeps the documents of
// the last ones when they only added articles. A snapshot taken while no
// batch was being applied holds exactly the documents of the batches
// numbered so far; a look-up's counts at batch n are then those at an
// earlier batch m plus the terms of the documents batches m+1..n added,
// without reading a segment. A batch that deleted or replaced an article
// (or failed) is a barrier: counts older than it are read again from the
// segments. Percolator.Warm reads every saved word's counts once, at
// start and when an alert is saved, so that between barriers a commit
// reads none from the segments; the index as opened is batch 1, so that
// what Warm reads before the first write is carried too.

import (
	"context"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/vellum"
)

// Bounds of what is carried (past one, the oldest batches, or all the
// carried counts, are forgotten). The kept terms cost, by estimate (not
// measured), some 30 bytes an occurrence (a few hundred an article),
// 70 a distinct term, and the key bytes of the documents' fields they
// point into: about 12 KiB an article, 12 MiB at maxDeltaDocs. A
// carried count is its key and a small map (most look-ups give a few
// terms or none).
const (
	maxDeltaBatches = 512     // batches whose added terms are kept
	maxDeltaDocs    = 1024    // documents of those batches (a batch of more than a quarter is a barrier)
	maxCarried      = 1 << 16 // look-ups and document counts carried
)

// batchLog numbers the batches the writer applies to the live generation
// and keeps the terms the last ones added. started and applied are
// written by the writer goroutine only; the writer queues a batch's
// documents (pending) and the percolator indexes their terms when it
// next reads (catchUpLocked), so that the cost is the percolator's.
type batchLog struct {
	started, applied atomic.Uint64
	on               atomic.Bool // a percolator reads it: keep the batches
	mu               sync.Mutex
	g                *generation // the generation of the batches kept
	pending          []batchDelta
	pendingDocs      int // documents of pending
	// base and last bound the batches whose terms fields holds: base+1
	// to last (base == last: none).
	base, last uint64
	batches    []batchSize // base+1..last, oldest first
	docs       int         // documents of batches
	maxDocs    int         // maxDeltaDocs unless set (tests)
	fields     map[string]*addedTerms
}

// batchDelta is what one batch added: its documents, or nil for a
// barrier (the batch deleted or replaced articles, or failed).
type batchDelta struct {
	n    uint64
	docs []*document.Document
}

type batchSize struct {
	n     uint64
	docs  int
	terms map[string][]string // by field: the terms it added
}

// addedTerms are the terms of one field that the kept batches added,
// in two sorted lists: main, and the few added since main was made
// (fresh), so that a batch costs a merge into fresh, not into all.
// Dropped terms stay in the lists (stale) until main is made again.
type addedTerms struct {
	main, fresh termList
	occ         map[string][]occ // by term, oldest batch first
	stale       map[string]bool  // terms dropped but still in a list
}

// termList is a sorted list of distinct terms and their rune sets.
type termList struct {
	terms []string
	sets  []uint64
}

// occ is one batch's documents holding a term.
type occ struct {
	n    uint64
	docs uint64
}

// begin is called before the writer applies a batch to g.
func (l *batchLog) begin() { l.started.Add(1) }

// end is called after: added are the documents of a batch that only
// added articles (new ids), nil when it did anything else or failed.
func (l *batchLog) end(g *generation, added []*document.Document) {
	n := l.applied.Add(1)
	if !l.on.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.g != g {
		l.g, l.pending, l.pendingDocs, l.base, l.last, l.batches, l.docs, l.fields = g, nil, 0, n-1, n-1, nil, 0, nil
	}
	maxDocs := l.docLimit()
	if len(added) > maxDocs/4 {
		// A bulk load's batch: carrying it would hold its analysed
		// documents (tens of KiB each) until the percolator reads, for
		// little (its own terms are most of what a look-up then reads).
		added = nil // a barrier
	}
	if added == nil { // a barrier: what came before it is never read
		clear(l.pending)
		l.pending, l.pendingDocs = l.pending[:0], 0
	}
	l.pending = append(l.pending, batchDelta{n: n, docs: added})
	l.pendingDocs += len(added)
	// Nobody read them yet: past the bounds, the oldest are dropped and
	// the last dropped becomes a barrier (a bulk load with no saved
	// search reading must not hold every article it wrote).
	drop := 0
	for len(l.pending)-drop > maxDeltaBatches || l.pendingDocs > maxDocs {
		l.pendingDocs -= len(l.pending[drop].docs)
		drop++
	}
	if drop > 0 {
		barrier := batchDelta{n: l.pending[drop-1].n}
		rest := copy(l.pending[1:], l.pending[drop:])
		l.pending[0] = barrier
		clear(l.pending[1+rest:])
		l.pending = l.pending[:1+rest]
	}
}

// docLimit returns the bound on the documents kept (maxDeltaDocs unless
// a test set maxDocs).
func (l *batchLog) docLimit() int {
	if l.maxDocs > 0 {
		return l.maxDocs
	}
	return maxDeltaDocs
}

// open numbers the index as opened batch 1, so that its snapshots
// before any write are known too (settled: 0 is unknown).
func (l *batchLog) open() {
	l.started.Store(1)
	l.applied.Store(1)
}

// settled returns the number of the last batch applied (the index as
// opened is 1) when none is being applied, 0 otherwise. A snapshot
// taken between two calls that return the same n > 0 holds exactly the
// documents of the index as opened and of batches 2..n.
func (l *batchLog) settled() uint64 {
	a := l.applied.Load()
	if l.started.Load() != a {
		return 0
	}
	return a
}

// covers reports whether the terms added by batches from+1..to of g are
// known, catching up with the pending batches first. The caller holds
// l.mu.
func (l *batchLog) coversLocked(g *generation, from, to uint64) bool {
	if l.g != g {
		return false
	}
	l.catchUpLocked()
	return from >= l.base && to <= l.last
}

// catchUpLocked indexes the terms of the pending batches and drops the
// oldest past the bounds. The caller holds l.mu.
func (l *batchLog) catchUpLocked() {
	for _, d := range l.pending {
		if d.docs == nil {
			l.base, l.last, l.batches, l.docs, l.fields = d.n, d.n, nil, 0, nil
			continue
		}
		if l.fields == nil {
			l.fields = map[string]*addedTerms{}
		}
		counts := map[string]map[string]uint64{}
		for _, doc := range d.docs {
			for _, f := range doc.Fields {
				name := f.Name()
				if !strings.HasPrefix(name, "title_") && !strings.HasPrefix(name, "body_") {
					continue
				}
				m := counts[name]
				if m == nil {
					m = map[string]uint64{}
					counts[name] = m
				}
				for t := range f.AnalyzedTokenFrequencies() {
					m[t]++
				}
			}
		}
		added := make(map[string][]string, len(counts))
		for name, m := range counts {
			ts := make([]string, 0, len(m))
			var nt []string // terms new to the field's lists
			at := l.fields[name]
			if at == nil {
				at = &addedTerms{occ: map[string][]occ{}, stale: map[string]bool{}}
				l.fields[name] = at
			}
			for t, k := range m {
				os := at.occ[t]
				if os == nil {
					if at.stale[t] {
						delete(at.stale, t) // still listed
					} else {
						nt = append(nt, t)
					}
				}
				at.occ[t] = append(os, occ{d.n, k})
				ts = append(ts, t)
			}
			added[name] = ts
			at.add(nt)
		}
		l.last = d.n
		l.batches = append(l.batches, batchSize{d.n, len(d.docs), added})
		l.docs += len(d.docs)
	}
	clear(l.pending) // their documents are not held past this
	l.pending, l.pendingDocs = l.pending[:0], 0
	maxDocs := l.docLimit()
	for len(l.batches) > maxDeltaBatches || l.docs > maxDocs && len(l.batches) > 1 {
		old := l.batches[0]
		l.batches = l.batches[1:]
		l.docs -= old.docs
		l.base = old.n
		for name, ts := range old.terms {
			at := l.fields[name]
			for _, t := range ts {
				if os := at.occ[t]; len(os) == 1 {
					delete(at.occ, t)
					at.stale[t] = true
				} else {
					at.occ[t] = os[1:] // os[0] is old's: batches are added in order
				}
			}
		}
	}
}

// add lists terms new to at.
func (at *addedTerms) add(nt []string) {
	if len(nt) == 0 {
		return
	}
	slices.Sort(nt)
	at.fresh = mergeTerms(at.fresh, termList{nt, nil}, nil)
	if n := len(at.fresh.terms); n > 256 && n > len(at.main.terms)/4 || len(at.stale) > 256 && len(at.stale) > len(at.main.terms)/2 {
		at.main, at.fresh = mergeTerms(at.main, at.fresh, at.stale), termList{}
		clear(at.stale)
	}
}

// mergeTerms returns the sorted union of a and b (no term in both),
// without the terms of drop; sets are computed where missing.
func mergeTerms(a, b termList, drop map[string]bool) termList {
	out := termList{make([]string, 0, len(a.terms)+len(b.terms)), make([]uint64, 0, len(a.terms)+len(b.terms))}
	i, j := 0, 0
	for i < len(a.terms) || j < len(b.terms) {
		var l *termList
		var k *int
		if j == len(b.terms) || i < len(a.terms) && a.terms[i] < b.terms[j] {
			l, k = &a, &i
		} else {
			l, k = &b, &j
		}
		t := l.terms[*k]
		set := uint64(0)
		if l.sets != nil {
			set = l.sets[*k]
		} else {
			set = runeSet(t)
		}
		*k++
		if !drop[t] {
			out.terms, out.sets = append(out.terms, t), append(out.sets, set)
		}
	}
	return out
}

// docsIn returns the documents of batches from+1..to holding term (os: its occurrences).
func docsIn(os []occ, from, to uint64) uint64 {
	var n uint64
	for _, o := range os {
		if o.n > from && o.n <= to {
			n += o.docs
		}
	}
	return n
}

// addedDocs returns the documents of a batch's puts when every applied
// op of the batch put a new article, nil otherwise (docs: the puts'
// documents by op, nil without a commit hook).
func addedDocs(ops []*op, res []opResult, docs []*document.Document) []*document.Document {
	if docs == nil {
		return nil
	}
	out := make([]*document.Document, 0, len(ops))
	for i, o := range ops {
		switch {
		case o.kind == opMark || res[i].err != nil:
		case o.kind != opPut || !res[i].created || docs[i] == nil:
			return nil
		default:
			out = append(out, docs[i])
		}
	}
	return out
}

// carriedCounts are look-ups' live terms and terms' live document
// counts, each as of a batch of generation g.
type carriedCounts struct {
	mu    sync.Mutex
	g     *generation
	lists map[termsKey]carriedList
	dfs   map[fieldTerm]carriedDF
}

type carriedList struct {
	at  uint64
	out map[string]uint64
}

type carriedDF struct {
	at, n uint64
}

type fieldTerm struct{ field, term string }

// carrier is what a memoReader of the expansions reads its counts
// through: the counts of snapshot batch n of g, carried over the batches
// since they were read (memoReader.carry).
type carrier struct {
	c     *carriedCounts
	log   *batchLog
	g     *generation
	batch uint64
}

// carriedTerms returns the live terms of look-up k (liveTerms' arguments
// a, start and end) when they are known as of an earlier batch whose
// added terms are kept; false to read them from the segments.
func (c *carrier) carriedTerms(k termsKey, a vellum.Automaton, start, end []byte) (map[string]uint64, bool) {
	c.c.mu.Lock()
	e, ok := c.c.lists[k]
	g := c.c.g
	c.c.mu.Unlock()
	if !ok || g != c.g || e.at > c.batch {
		return nil, false
	}
	if e.at == c.batch {
		return e.out, true
	}
	var out map[string]uint64
	add := func(t string, n uint64) {
		if n == 0 {
			return
		}
		if out == nil {
			out = make(map[string]uint64, len(e.out)+1)
			for t, n := range e.out {
				out[t] = n
			}
		}
		out[t] += n
	}
	l := c.log
	l.mu.Lock()
	if !l.coversLocked(c.g, e.at, c.batch) {
		l.mu.Unlock()
		return nil, false
	}
	if at := l.fields[k.field]; at != nil {
		inRange := func(t string) bool { return t >= string(start) && (end == nil || t < string(end)) }
		switch z := a.(type) {
		case *trie:
			for _, t := range z.keys {
				if os, ok := at.occ[t]; ok && inRange(t) {
					add(t, docsIn(os, e.at, c.batch))
				}
			}
		default:
			var want uint64
			edits := -1
			if z, ok := a.(*lazyDFA); ok {
				want, edits = runeSet(z.term), z.edits
			}
			for _, tl := range []*termList{&at.main, &at.fresh} {
				i, _ := slices.BinarySearch(tl.terms, string(start))
				hi := len(tl.terms)
				if end != nil {
					hi, _ = slices.BinarySearch(tl.terms, string(end))
				}
				for ; i < hi; i++ {
					// k edits leave out at most k rune classes of either term.
					if set := tl.sets[i]; edits >= 0 && (bits.OnesCount64(want&^set) > edits || bits.OnesCount64(set&^want) > edits) {
						continue
					}
					t := tl.terms[i]
					if n := docsIn(at.occ[t], e.at, c.batch); n > 0 && accepts(a, t) { // n is 0 for a stale term
						add(t, n)
					}
				}
			}
		}
	}
	l.mu.Unlock()
	if out == nil {
		out = e.out // nothing added: the same terms (never changed by readers)
	}
	c.recordTerms(k, out)
	return out, true
}

// recordTerms remembers the live terms of look-up k as of c's batch.
func (c *carrier) recordTerms(k termsKey, out map[string]uint64) {
	c.c.mu.Lock()
	defer c.c.mu.Unlock()
	c.resetLocked()
	if e, ok := c.c.lists[k]; ok && e.at >= c.batch {
		return
	}
	c.c.lists[k] = carriedList{c.batch, out}
}

// carriedDF returns the live documents whose field holds term, when
// known as of an earlier batch whose deltas are kept.
func (c *carrier) carriedDF(field, term string) (uint64, bool) {
	k := fieldTerm{field, term}
	c.c.mu.Lock()
	e, ok := c.c.dfs[k]
	g := c.c.g
	c.c.mu.Unlock()
	if !ok || g != c.g || e.at > c.batch {
		return 0, false
	}
	if e.at == c.batch {
		return e.n, true
	}
	l := c.log
	l.mu.Lock()
	if !l.coversLocked(c.g, e.at, c.batch) {
		l.mu.Unlock()
		return 0, false
	}
	n := e.n
	if at := l.fields[field]; at != nil {
		n += docsIn(at.occ[term], e.at, c.batch)
	}
	l.mu.Unlock()
	c.recordDF(field, term, n)
	return n, true
}

// recordDF remembers the live document count of term in field as of c's batch.
func (c *carrier) recordDF(field, term string, n uint64) {
	c.c.mu.Lock()
	defer c.c.mu.Unlock()
	c.resetLocked()
	k := fieldTerm{field, term}
	if e, ok := c.c.dfs[k]; ok && e.at >= c.batch {
		return
	}
	c.c.dfs[k] = carriedDF{c.batch, n}
}

// resetLocked forgets the counts of another generation, or all of them
// past maxCarried. The caller holds c.c.mu.
func (c *carrier) resetLocked() {
	if c.c.g != c.g || c.c.lists == nil || len(c.c.lists)+len(c.c.dfs) >= maxCarried {
		c.c.g, c.c.lists, c.c.dfs = c.g, map[termsKey]carriedList{}, map[fieldTerm]carriedDF{}
	}
}

// liveDF is liveDF (terms.go) with the counts carried.
func (c *carrier) liveDF(ctx context.Context, r *memoReader, term string, fields []string) (uint64, error) {
	var total uint64
	for _, f := range fields {
		if n, ok := c.carriedDF(f, term); ok {
			total += n
			continue
		}
		n, err := snapshotDF(ctx, r, term, f)
		if err != nil {
			return 0, err
		}
		c.recordDF(f, term, n)
		total += n
	}
	return total, nil
}

// accepts reports whether automaton a (nil: every term) accepts t, as a
// dictionary's AutomatonIterator decides.
func accepts(a vellum.Automaton, t string) bool {
	switch a := a.(type) {
	case nil:
		return true
	case *lazyDFA:
		return a.accepts(t)
	}
	s := a.Start()
	for i := 0; i < len(t); i++ {
		if s = a.Accept(s, t[i]); !a.CanMatch(s) {
			return false
		}
	}
	return a.IsMatch(s)
}
