package index

// The single writer: group commit of puts and deletes in two stages
// (analysis of the next batch, commit of the current one), and the steps
// of a rebuild that must be ordered with them.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

type opKind int

const (
	opPut opKind = iota
	opDelete
	opControl // run ctl in the writer goroutine, between batches
	opMark    // a log entry with no effect: only its seq is applied
)

// op is one request to the writer.
type op struct {
	kind  opKind
	id    string
	doc   *storedDoc                  // opPut
	built *document.Document          // opPut: doc, built for generation builtFor (nil: build in commit)
	for_  *generation                 // the generation built was made for
	ctl   func(x *Index) (any, error) // opControl
	seq   uint64                      // log sequence (ApplyAsync); 0 for direct writes
	reply chan opResult               // buffered, capacity 1
}

// opResult is the writer's answer to an op.
type opResult struct {
	created bool
	value   any // opControl's result
	err     error
}

// submit queues o for the writer. Errors wrap ErrClosed or ctx's error.
func (x *Index) submit(ctx context.Context, o *op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case x.ops <- o:
		return nil
	case <-x.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait returns the writer's answer to a submitted op. When ctx ends first
// it returns ctx's error, and the op may still be applied.
func (x *Index) wait(ctx context.Context, o *op) opResult {
	select {
	case r := <-o.reply:
		return r
	case <-ctx.Done():
		return opResult{err: ctx.Err()}
	case <-x.writerDone:
		select {
		case r := <-o.reply:
			return r
		default:
			return opResult{err: ErrClosed}
		}
	}
}

// control runs f in the writer goroutine and returns its result.
func (x *Index) control(ctx context.Context, f func(x *Index) (any, error)) (any, error) {
	o := &op{kind: opControl, ctl: f, reply: make(chan opResult, 1)}
	if err := x.submit(ctx, o); err != nil {
		return nil, err
	}
	// Control steps must complete even if ctx ends: they change state.
	r := x.wait(context.Background(), o)
	return r.value, r.err
}

// writeLoop is the writer. It runs in two stages, so that the analysis of
// a batch overlaps the commit of the one before (Bleve builds a batch's
// segment on one core and then waits for the disk): this goroutine
// gathers ops into a batch and analyzes its documents on every core, and
// a second goroutine applies batches in order. At most two batches are
// analyzed at a time, which bounds the memory a bulk load holds.
func (x *Index) writeLoop() {
	defer close(x.writerDone)
	ready := make(chan []*op) // unbuffered: one batch waits while one commits
	applied := make(chan struct{})
	go func() {
		defer close(applied)
		for batch := range ready {
			x.apply(batch)
		}
	}()
	defer func() {
		close(ready)
		<-applied
	}()
	for {
		var batch []*op
		select {
		case o := <-x.ops:
			batch = append(make([]*op, 0, x.opts.MaxBatch), o)
		case <-x.stop:
			x.drain(ready)
			return
		}
		batch = x.gather(batch)
		x.assignStories(batch)
		x.build(batch)
		ready <- batch
	}
}

// build analyzes the documents of the puts in batch for the live
// generation, on every core. The commit builds again any document made
// for a generation that is no longer live.
func (x *Index) build(batch []*op) {
	x.mu.RLock()
	g := x.gen
	x.mu.RUnlock()
	if g == nil {
		return
	}
	parallel(len(batch), func(i int) {
		o := batch[i]
		if o.kind != opPut || o.built != nil {
			return
		}
		if doc, err := g.builder.build(o.doc); err == nil {
			o.built, o.for_ = doc, g
		}
	})
}

// gather adds to batch what is queued, waiting up to CommitInterval for
// more while the batch is small, stopping at MaxBatch or a control op.
func (x *Index) gather(batch []*op) []*op {
	if batch[0].kind == opControl {
		return batch
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for len(batch) < x.opts.MaxBatch {
		select {
		case o := <-x.ops:
			batch = append(batch, o)
			if o.kind == opControl {
				return batch
			}
			continue
		default:
		}
		if timer == nil {
			timer = time.NewTimer(x.opts.CommitInterval)
		}
		select {
		case o := <-x.ops:
			batch = append(batch, o)
			if o.kind == opControl {
				return batch
			}
		case <-timer.C:
			return batch
		case <-x.stop:
			return batch
		}
	}
	return batch
}

// drain hands to the applying stage everything still queued when Close
// stops the writer.
func (x *Index) drain(ready chan<- []*op) {
	for {
		batch := make([]*op, 0, x.opts.MaxBatch)
	fill:
		for len(batch) < x.opts.MaxBatch {
			select {
			case o := <-x.ops:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return
		}
		x.assignStories(batch)
		x.build(batch)
		ready <- batch
	}
}

// apply runs a batch of ops: runs of puts and deletes are committed
// together; control ops run alone, in order.
func (x *Index) apply(batch []*op) {
	start := 0
	for i, o := range batch {
		if o.kind != opControl {
			continue
		}
		if start < i {
			x.commit(batch[start:i])
		}
		v, err := o.ctl(x)
		o.reply <- opResult{value: v, err: err}
		start = i + 1
	}
	if start < len(batch) {
		x.commit(batch[start:])
	}
}

// commit applies puts and deletes to the live generation in one Bleve
// batch, answers them, then mirrors them into a generation being rebuilt.
func (x *Index) commit(ops []*op) {
	res := make([]opResult, len(ops))
	if err := x.checkWrite(); err != nil {
		x.fail(ops, res, err)
		return
	}
	if x.degraded != nil {
		// A write failed before: try the disk again.
		if err := x.reopenLive(); err != nil {
			x.fail(ops, res, fmt.Errorf("index: commit: %w", err))
			return
		}
	}
	g := x.gen // only this goroutine changes x.gen
	if g == nil {
		x.fail(ops, res, x.Health())
		return
	}
	snap, err := readerOf(g)
	if err != nil {
		x.fail(ops, res, err)
		return
	}
	exists := make(map[string]bool, len(ops))
	b := g.idx.NewBatch()
	applied := 0
	var docs []*document.Document // the puts' documents, by op, for the commit hook
	if x.opts.OnCommit != nil {
		docs = make([]*document.Document, len(ops))
	}
	var seq uint64 // the last log sequence of the batch
	for i, o := range ops {
		seq = max(seq, o.seq)
		if o.kind == opMark {
			continue
		}
		e, known := exists[o.id]
		if !known {
			id, err := snap.InternalID(o.id)
			if err != nil {
				res[i].err = fmt.Errorf("index: look up %q: %w", o.id, err)
				continue
			}
			e = id != nil
		}
		switch o.kind {
		case opPut:
			doc := o.built
			if doc == nil || o.for_ != g {
				var err error
				if doc, err = g.builder.build(o.doc); err != nil {
					res[i].err = err
					continue
				}
			}
			o.built = nil // a document goes into one batch only
			if err := b.IndexAdvanced(doc); err != nil {
				res[i].err = fmt.Errorf("index: %q: %w", o.id, err)
				continue
			}
			res[i].created = !e
			exists[o.id] = true
			if docs != nil {
				docs[i] = doc
			}
		case opDelete:
			if !e {
				res[i].err = fmt.Errorf("%w: %q", ErrNotFound, o.id)
				continue
			}
			b.Delete(o.id)
			exists[o.id] = false
		}
		applied++
	}
	_ = snap.Close()
	x.noteRemovals(ops, res)
	hook := x.hookIDs(ops, docs)
	if applied > 0 || seq > 0 {
		now := time.Now()
		if applied > 0 {
			b.SetInternal([]byte(lastIngestKey), []byte(now.UTC().Format(time.RFC3339Nano)))
		}
		if seq > 0 {
			// In the same batch: what the index holds and the log
			// position it reflects are made durable together.
			b.SetInternal([]byte(appliedSeqKey), encodeSeq(seq))
		}
		if hook != nil {
			// In the same batch: after a crash, the hook's last batch is known.
			b.SetInternal([]byte(commitKey), encodeCommitRecord(x.commitSeq+1, hook))
		}
		x.batches.begin()
		err := g.idx.Batch(b)
		var added []*document.Document
		if err == nil {
			added = addedDocs(ops, res, docs)
		}
		x.batches.end(g, added)
		if err != nil {
			x.recoverCommit(ops, res, writeErr(err))
			return
		}
		if applied > 0 {
			x.lastIngest.Store(now.UnixNano())
		}
		if seq > 0 {
			x.appliedSeq.Store(seq)
		}
		if hook != nil {
			x.runHook(ops, res, docs, hook)
		}
	}
	for i, o := range ops {
		o.reply <- res[i]
	}
	if x.rb != nil {
		x.rb.mirror(ops, res)
	}
}

// fail answers every op not already failed with err.
func (x *Index) fail(ops []*op, res []opResult, err error) {
	for i, o := range ops {
		if res[i].err == nil {
			res[i] = opResult{err: err}
		}
		o.reply <- res[i]
	}
}

// reopenLive closes the live generation and opens it again from disk, so
// that the index holds exactly what was acknowledged. When it cannot be
// opened for writing (read-only file system), it is opened read-only:
// searches go on, and every later write tries again. When it opens in
// neither way, or the data folder is no longer the one opened, the index
// goes down (ErrUnavailable, see health.go). x.degraded is nil after a
// successful read-write open. It runs in the writer goroutine.
func (x *Index) reopenLive() error {
	if x.rb != nil && x.rb.err == nil {
		x.rb.err = fmt.Errorf("index: rebuild: abandoned after a write failure: %w", x.degraded)
	}
	old := x.gen
	if old == nil {
		return x.Health()
	}
	if err := x.checkWrite(); err != nil {
		return err // the index is down, old retired
	}
	x.mu.Lock()
	old.active.Wait() // searches that started on it finish first; new ones wait for the lock
	closeGeneration(old)
	g, err := x.openGeneration(old.num)
	if err == nil {
		x.gen, x.degraded = g, nil
		x.mu.Unlock()
		return nil
	}
	err = writeErr(err)
	if !errors.Is(err, ErrReadOnly) {
		err = fmt.Errorf("%w: %v", ErrReadOnly, err)
	}
	x.degraded = err
	ro, rerr := x.openGenerationMode(old.num, true)
	if rerr == nil {
		x.gen = ro
		x.mu.Unlock()
		return err
	}
	x.gen = nil
	x.down = fmt.Errorf("%w: the live generation of %s opens neither for writing (%v) nor for reading (%v)", ErrUnavailable, x.dir, err, rerr)
	down := x.down
	x.mu.Unlock()
	x.notify()
	return down
}

// recoverCommit handles a batch that failed to persist. Bleve keeps such
// a batch in memory, where searches see it, and retries persisting it in
// a loop until the index is closed, so it may reach the disk after all:
// the live generation is reopened from disk (dropping what is only in
// memory and stopping the retries), then each op is answered with what
// the disk holds: success if its effect is there, err otherwise.
func (x *Index) recoverCommit(ops []*op, res []opResult, err error) {
	x.degraded = err
	x.removals.Add(removalsUnknown) // what searches saw of the batch may be gone
	reopenErr := x.reopenLive()
	if errors.Is(reopenErr, ErrUnavailable) {
		err = reopenErr // the folder is gone: say so rather than the file that was missing
	}
	if reopenErr == nil || x.gen != nil && !x.gen.closed {
		// The disk says how far the log was applied: the batch may have
		// reached it after all.
		_ = x.loadAppliedSeq()
	}
	// The last op on an id decides for all the ops on it; a log entry
	// is durable when the applied sequence on disk covers it.
	last := make(map[string]int, len(ops))
	for i, o := range ops {
		if res[i].err == nil && o.seq == 0 {
			last[o.id] = i
		}
	}
	durable := make(map[string]bool, len(last))
	if g := x.gen; g != nil && !g.closed {
		if snap, rerr := readerOf(g); rerr == nil {
			for id, i := range last {
				durable[id] = holds(g, snap, ops[i])
			}
			_ = snap.Close()
		}
	}
	any := false
	for i, o := range ops {
		if res[i].err != nil {
			continue
		}
		if o.seq > 0 && o.seq <= x.appliedSeq.Load() || o.seq == 0 && durable[o.id] {
			any = true
			if o.kind == opPut && x.opts.OnCommit != nil {
				x.unhooked = append(x.unhooked, o.id) // the next commit hands it to the hook
			}
			continue
		}
		if errors.Is(err, ErrUnavailable) {
			res[i] = opResult{err: err}
		} else {
			res[i] = opResult{err: fmt.Errorf("index: commit: %w", err)}
		}
	}
	if any {
		x.lastIngest.Store(time.Now().UnixNano())
	}
	for i, o := range ops {
		o.reply <- res[i]
	}
}

// holds reports whether snap (of g) shows the effect of o: the article o put,
// as built, or no article for a delete.
func holds(g *generation, snap *scorch.IndexSnapshot, o *op) bool {
	d, err := g.records.stored.get(snap, o.id)
	if o.kind == opDelete {
		return errors.Is(err, ErrNotFound)
	}
	if err != nil {
		return false
	}
	want, err1 := json.Marshal(o.doc)
	got, err2 := json.Marshal(&d)
	return err1 == nil && err2 == nil && string(want) == string(got)
}
