package index

// Rebuild: a new generation is built from every stored article while the
// old one keeps serving searches and taking writes.
//
//  1. The writer (between two batches) marks the rebuild as started and
//     takes a snapshot of the live generation. From then on, every write
//     it commits to the live generation is mirrored into the new one, and
//     the ids it touches are remembered.
//  2. The articles of the snapshot are re-enriched on every core and sent
//     to the writer in batches, which indexes them into the new generation,
//     skipping the ids touched since step 1 (their mirrored version is
//     newer).
//     The new generation is then merged into one segment.
//  3. The writer writes CURRENT (the new generation is durable: every batch
//     was fsync'ed) and swaps the generations; searches that started on the
//     old one finish there, then it is closed and deleted.
//
// A crash at any step leaves CURRENT naming a complete generation; the
// other one is removed at the next Open.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// rebuildBatch is the number of articles per batch of a rebuild.
const rebuildBatch = 1000

// rebuildState is the writer's view of a running rebuild.
type rebuildState struct {
	gen     *generation
	touched map[string]struct{}
	err     error // first failure to mirror a write: the rebuild fails
}

// mirror applies committed writes to the generation being built.
func (rb *rebuildState) mirror(ops []*op, res []opResult) {
	if rb.err != nil {
		return
	}
	b := rb.gen.idx.NewBatch()
	for i, o := range ops {
		if res[i].err != nil || o.kind == opMark {
			continue
		}
		rb.touched[o.id] = struct{}{}
		switch o.kind {
		case opPut:
			doc, err := rb.gen.builder.build(o.doc)
			if err != nil {
				rb.err = err
				return
			}
			if err := b.IndexAdvanced(doc); err != nil {
				rb.err = err
				return
			}
		case opDelete:
			b.Delete(o.id)
		}
	}
	if b.Size() > 0 {
		if err := rb.gen.idx.Batch(b); err != nil {
			rb.err = fmt.Errorf("index: rebuild: mirror writes: %w", writeErr(err))
		}
	}
}

// RebuildAsync starts [Index.Rebuild] in the background and returns at
// once; [Index.Stats] reports Reindexing until it is done. The rebuild
// stops if the index is closed. Errors wrap ErrRebuilding or ErrClosed; a
// failure of the rebuild itself is returned by done, called once it ends
// (done may be nil).
func (x *Index) RebuildAsync(done func(error)) error {
	if x.closedNow() {
		return ErrClosed
	}
	if !x.rebuilding.CompareAndSwap(false, true) {
		return ErrRebuilding
	}
	x.bgWG.Add(1)
	if x.bgCtx.Err() != nil { // Close has begun
		x.bgWG.Done()
		x.rebuilding.Store(false)
		return ErrClosed
	}
	go func() {
		defer x.bgWG.Done()
		err := x.rebuild(x.bgCtx)
		if done != nil {
			done(err)
		}
	}()
	return nil
}

// Rebuild builds a new generation from every stored article (extraction
// is run again, and the language detected again unless it was given) with
// the current mapping and analyzers, and swaps it in; search keeps
// answering from the old one meanwhile, and writes made during the
// rebuild are kept. It returns when the new generation is live.
// Errors wrap ErrRebuilding, ErrClosed, ErrReadOnly or ctx's error (the
// old generation then stays live).
func (x *Index) Rebuild(ctx context.Context) error {
	if x.closedNow() {
		return ErrClosed
	}
	if !x.rebuilding.CompareAndSwap(false, true) {
		return ErrRebuilding
	}
	x.bgWG.Add(1)
	defer x.bgWG.Done()
	if x.bgCtx.Err() != nil { // Close has begun
		x.rebuilding.Store(false)
		return ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(x.bgCtx, cancel)
	defer stop()
	return x.rebuild(ctx)
}

// rebuild runs a rebuild; x.rebuilding is already set and is cleared on return.
func (x *Index) rebuild(ctx context.Context) (err error) {
	defer x.rebuilding.Store(false)
	// Step 1.
	v, err := x.control(ctx, func(x *Index) (any, error) {
		if err := x.checkWrite(); err != nil {
			return nil, err
		}
		if x.gen == nil {
			return nil, x.Health()
		}
		g, err := x.createGeneration(x.gen.num + 1)
		if err != nil {
			return nil, err
		}
		r, err := readerOf(x.gen)
		if err != nil {
			_ = g.idx.Close()
			_ = os.RemoveAll(g.path)
			return nil, err
		}
		x.rb = &rebuildState{gen: g, touched: make(map[string]struct{})}
		return [2]any{r, g}, nil
	})
	if err != nil {
		return fmt.Errorf("index: rebuild: %w", err)
	}
	snap, g2 := v.([2]any)[0].(*scorch.IndexSnapshot), v.([2]any)[1].(*generation)
	copyErr := x.copyAll(ctx, snap)
	_ = snap.Close()
	if copyErr == nil {
		// One segment: fewer look-ups per query term, and facet records
		// read once. Writes mirrored meanwhile just add small segments.
		if sc, ok := g2.sc.(*scorch.Scorch); ok {
			if err := sc.ForceMerge(ctx, nil); err != nil && ctx.Err() != nil {
				copyErr = ctx.Err()
			}
		}
	}
	// Step 3, or abandon.
	v, err = x.control(context.Background(), func(x *Index) (any, error) {
		rb := x.rb
		x.rb = nil
		if copyErr == nil {
			copyErr = rb.err
		}
		if copyErr == nil {
			copyErr = x.checkWrite()
		}
		if copyErr != nil {
			return rb.gen, copyErr
		}
		if ns := x.lastIngest.Load(); ns != 0 {
			stamp := time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
			if err := rb.gen.idx.SetInternal([]byte(lastIngestKey), []byte(stamp)); err != nil {
				return rb.gen, writeErr(err)
			}
		}
		x.removals.Add(removalsUnknown) // another generation: counts start afresh
		if err := carryCommitRecord(x.gen, rb.gen); err != nil {
			return rb.gen, err
		}
		if seq := x.appliedSeq.Load(); seq > 0 {
			if err := rb.gen.idx.SetInternal([]byte(appliedSeqKey), encodeSeq(seq)); err != nil {
				return rb.gen, writeErr(err)
			}
		}
		if err := writeCurrent(x.dir, rb.gen.num); err != nil {
			return rb.gen, err
		}
		old := x.gen
		x.mu.Lock()
		x.gen = rb.gen
		x.mu.Unlock()
		return old, nil
	})
	if v == nil {
		return fmt.Errorf("index: rebuild: %w", err)
	}
	// The generation to retire: the old one after a swap, or the new one.
	g := v.(*generation)
	g.active.Wait()
	var cerr error
	if !g.closed {
		cerr = g.idx.Close()
		g.closed = true
	}
	var rerr error
	if x.folderIntact() { // else the path may lead to another folder now: leave it alone
		rerr = os.RemoveAll(g.path)
	}
	if err != nil {
		return fmt.Errorf("index: rebuild: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("index: rebuild: close old generation: %w", cerr)
	}
	if rerr != nil {
		return fmt.Errorf("index: rebuild: remove old generation: %w", writeErr(rerr))
	}
	return nil
}

// copyAll re-enriches the articles of snap and has the writer index them
// into the new generation (step 2).
func (x *Index) copyAll(ctx context.Context, snap *scorch.IndexSnapshot) error {
	batches := make(chan []*storedDoc, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		var srcs []storedFields
		flush := func() bool {
			if len(srcs) == 0 {
				return true
			}
			docs := make([]*storedDoc, len(srcs))
			errs := make([]error, len(srcs))
			parallel(len(srcs), func(i int) {
				d, err := srcs[i].decode()
				if err != nil {
					errs[i] = err
					return
				}
				if d.LangDetected {
					d.Language = ""
				}
				if x.opts.Enricher != nil {
					if err := x.opts.Enricher.Enrich(ctx, &d.Article); err != nil {
						errs[i] = err
						return
					}
				}
				finishArticle(&d.Article)
				if d.Sig == nil { // stored before stories existed: a candidate from now on
					d.Sig, _ = signArticle(&d.Article).MarshalBinary()
				}
				docs[i] = &d
			})
			for _, err := range errs {
				if err != nil {
					readErr <- err
					return false
				}
			}
			srcs = srcs[:0]
			select {
			case batches <- docs:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for _, ss := range snap.Segments() {
			del := ss.Deleted()
			for i := uint64(0); i < ss.Segment().Count(); i++ {
				if del != nil && del.Contains(uint32(i)) {
					continue
				}
				if ctx.Err() != nil {
					return
				}
				var sf storedFields
				if err := ss.VisitDocument(i, sf.visit); err != nil || sf.src == nil {
					readErr <- fmt.Errorf("index: read stored article: %v", errors.Join(err, errors.New("no source")))
					return
				}
				srcs = append(srcs, sf)
				if len(srcs) == rebuildBatch && !flush() {
					return
				}
			}
		}
		flush()
	}()
	var err error
	for docs := range batches {
		if err != nil {
			continue // drain
		}
		_, err = x.control(ctx, func(x *Index) (any, error) {
			rb := x.rb
			if rb.err != nil {
				return nil, rb.err
			}
			b := rb.gen.idx.NewBatch()
			for _, d := range docs {
				if _, ok := rb.touched[d.ID]; ok {
					continue
				}
				doc, err := rb.gen.builder.build(d)
				if err != nil {
					return nil, err
				}
				if err := b.IndexAdvanced(doc); err != nil {
					return nil, err
				}
			}
			if b.Size() == 0 {
				return nil, nil
			}
			return nil, writeErr(rb.gen.idx.Batch(b))
		})
	}
	if err != nil {
		return err
	}
	select {
	case err := <-readErr:
		return err
	default:
	}
	return ctx.Err()
}
