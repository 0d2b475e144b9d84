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
// segments.

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
// carried counts, are forgotten): the terms of the kept batches take
// some 60 bytes an occurrence (term, its rune set, its batch), a few
// hundred an article, so about 25 MiB at maxDeltaDocs; a carried count,
// its key and a small map.
const (
	maxDeltaBatches = 512     // batches whose added terms are kept
	maxDeltaDocs    = 2048    // documents of those batches
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
	// base and last bound the batches whose terms fields holds: base+1
	// to last (base == last: none).
	base, last uint64
	batches    []batchSize // base+1..last, oldest first
	docs       int         // documents of batches
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

// addedTerms are the terms of one field that the kept batches added.
type addedTerms struct {
	sorted []string         // distinct, sorted: without fresh, with dropped ones while gone is set
	sets   []uint64         // runeSet of each sorted term
	occ    map[string][]occ // by term, oldest batch first
	fresh  []string         // terms added since sorted was made
	gone   bool             // terms were dropped since
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
		l.g, l.pending, l.base, l.last, l.batches, l.docs, l.fields = g, nil, n-1, n-1, nil, 0, nil
	}
	l.pending = append(l.pending, batchDelta{n: n, docs: added})
	if len(l.pending) > maxDeltaBatches {
		// Nobody read them: drop them (a barrier).
		l.pending = append(l.pending[:0], batchDelta{n: n})
	}
}

// settled returns the number of batches applied when none is being
// applied, 0 otherwise. A snapshot taken between two calls that return
// the same n > 0 holds exactly the documents of batches 1..n.
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
			at := l.fields[name]
			if at == nil {
				at = &addedTerms{occ: map[string][]occ{}}
				l.fields[name] = at
			}
			for t, k := range m {
				os := at.occ[t]
				if os == nil {
					at.fresh = append(at.fresh, t)
				}
				at.occ[t] = append(os, occ{d.n, k})
				ts = append(ts, t)
			}
			added[name] = ts
		}
		l.last = d.n
		l.batches = append(l.batches, batchSize{d.n, len(d.docs), added})
		l.docs += len(d.docs)
	}
	l.pending = l.pending[:0]
	for len(l.batches) > maxDeltaBatches || l.docs > maxDeltaDocs && len(l.batches) > 1 {
		old := l.batches[0]
		l.batches = l.batches[1:]
		l.docs -= old.docs
		l.base = old.n
		for name, ts := range old.terms {
			at := l.fields[name]
			for _, t := range ts {
				if os := at.occ[t]; len(os) == 1 {
					delete(at.occ, t)
					at.gone = true
				} else {
					at.occ[t] = os[1:] // os[0] is old's: batches are added in order
				}
			}
		}
	}
}

// termsLocked returns the field's added terms, sorted, and their rune
// sets. The caller holds l.mu.
func (l *batchLog) termsLocked(field string) *addedTerms {
	at := l.fields[field]
	if at == nil || len(at.fresh) == 0 && !at.gone {
		return at
	}
	// A merge of the sorted terms still there and the fresh ones (a term
	// dropped and added again is in both, or twice in fresh).
	fresh := at.fresh
	slices.Sort(fresh)
	sorted := make([]string, 0, len(at.sorted)+len(fresh))
	sets := make([]uint64, 0, cap(sorted))
	i, j := 0, 0
	for i < len(at.sorted) || j < len(fresh) {
		var t string
		var set uint64
		if j == len(fresh) || i < len(at.sorted) && at.sorted[i] < fresh[j] {
			t, set = at.sorted[i], at.sets[i]
			i++
		} else {
			t, set = fresh[j], runeSet(fresh[j])
			j++
		}
		if len(sorted) > 0 && sorted[len(sorted)-1] == t {
			continue
		}
		if _, ok := at.occ[t]; at.gone && !ok {
			continue
		}
		sorted, sets = append(sorted, t), append(sets, set)
	}
	at.sorted, at.sets, at.fresh, at.gone = sorted, sets, fresh[:0], false
	return at
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
	if at := l.termsLocked(k.field); at != nil {
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
			i, _ := slices.BinarySearch(at.sorted, string(start))
			for ; i < len(at.sorted) && inRange(at.sorted[i]); i++ {
				t := at.sorted[i]
				// k edits leave out at most k rune classes of either term.
				if edits >= 0 && (bits.OnesCount64(want&^at.sets[i]) > edits || bits.OnesCount64(at.sets[i]&^want) > edits) {
					continue
				}
				if accepts(a, t) {
					add(t, docsIn(at.occ[t], e.at, c.batch))
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
