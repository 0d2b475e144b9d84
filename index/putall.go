package index

import (
	"context"
	"errors"
	"iter"
)

// PutStats counts what [Index.PutAll] did.
type PutStats struct {
	Created int // stored, no article had the id before
	Updated int // stored, replacing an article
	Failed  int // not stored: yielded with an error, invalid, or refused
}

// fatal reports the errors that stop PutAll: the index's own trouble and
// the context's, as opposed to one bad item.
func fatal(err error) bool {
	return errors.Is(err, ErrClosed) || errors.Is(err, ErrReadOnly) || errors.Is(err, ErrUnavailable) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// PutAll stores what seq yields: the one ingestion path of the API's bulk
// writes, the corpus folder, veille index and the feeds. Items are handed
// to [Index.PutMany] a chunk of 2×MaxBatch at a time (enriched on every
// core, committed a batch at a time, one batch prepared while the one
// before commits).
//
// report, when not nil, is called once for each value seq yields, in
// order, with its position (from 0) and its result: Err is set for a
// value yielded with an error (the error as yielded), for an article the
// index refuses (ErrInvalidArticle) and for the items the index could not
// take when it failed. A bad item does not stop the others. An error of
// the index (ErrClosed, ErrReadOnly, ErrUnavailable) or of ctx stops
// PutAll: the items held are reported with it, seq is read no further,
// and the error is returned.
func (x *Index) PutAll(ctx context.Context, seq iter.Seq2[Item, error], report func(pos int, r PutResult)) (PutStats, error) {
	return PutAll(ctx, x.PutMany, 2*x.opts.MaxBatch, seq, report)
}

// PutAll is [Index.PutAll] over putMany, chunk items a call: the same
// path for an index and for the stand-ins of tests.
func PutAll(ctx context.Context, putMany func(context.Context, []Item) []PutResult, chunk int,
	seq iter.Seq2[Item, error], report func(pos int, r PutResult)) (PutStats, error) {
	type held struct {
		slot int // in batch; -1 for a value yielded with an error
		err  error
	}
	var (
		stats   PutStats
		pending []held
		batch   []Item
		pos     int // position of pending[0]
		stopErr error
	)
	emit := func(r PutResult) {
		switch {
		case r.Err != nil:
			stats.Failed++
		case r.Created:
			stats.Created++
		default:
			stats.Updated++
		}
		if report != nil {
			report(pos, r)
		}
		pos++
	}
	flush := func() {
		var results []PutResult
		if len(batch) > 0 {
			results = putMany(ctx, batch)
		}
		for _, h := range pending {
			if h.slot < 0 {
				emit(PutResult{Err: h.err})
				continue
			}
			r := results[h.slot]
			if r.Err != nil && fatal(r.Err) && stopErr == nil {
				stopErr = r.Err
			}
			emit(r)
		}
		pending, batch = pending[:0], batch[:0]
	}
	for it, err := range seq {
		if err == nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				stopErr = ctxErr
				batch = append(batch, it)
				pending = append(pending, held{slot: len(batch) - 1})
				break
			}
			pending = append(pending, held{slot: len(batch)})
			batch = append(batch, it)
		} else {
			pending = append(pending, held{slot: -1, err: err})
		}
		if len(batch) >= chunk || len(pending) >= 4*chunk {
			if flush(); stopErr != nil {
				return stats, stopErr
			}
		}
	}
	if stopErr != nil { // ctx ended: what is held is not stored
		for _, h := range pending {
			if h.slot < 0 {
				emit(PutResult{Err: h.err})
			} else {
				emit(PutResult{Article: batch[h.slot].Article, Err: stopErr})
			}
		}
		return stats, stopErr
	}
	flush()
	return stats, stopErr
}
