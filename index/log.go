package index

// The index as the state machine of a replicated log: writes are prepared
// (validated and enriched) on the node that receives them, carried by the
// log in their stored form, and applied on every node in log order. The
// sequence of the last applied entry is stored in the same Bleve batch as
// the entry's effect, so that a node that restarts resumes exactly after
// what it holds.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"veille/corpus"
)

// appliedSeqKey is the internal key (stored with every batch that applies
// log entries) holding the sequence of the last applied entry, 8 bytes big
// endian.
const appliedSeqKey = "veille.applied_seq"

// Prepared is an article ready to be carried by a replicated log.
type Prepared struct {
	// Article is the article as it will be stored: normalised, enriched.
	Article corpus.Article
	// Data is its stored form, for [LogEntry.Data]; its encoding is the
	// index's business.
	Data []byte
}

// PreparedResult is the outcome of one [Item] of [Index.PrepareMany].
type PreparedResult struct {
	Prepared
	Err error
}

// Prepare validates, normalises and enriches a (what [Index.Put] does
// before indexing) without writing anything. Errors wrap
// ErrInvalidArticle, ErrClosed or what the enricher returns (ctx's error).
func (x *Index) Prepare(ctx context.Context, a corpus.Article, o Origin) (Prepared, error) {
	if x.closedNow() {
		return Prepared{}, ErrClosed
	}
	d, err := x.prepare(ctx, a, o)
	if err != nil {
		return Prepared{}, err
	}
	data, err := json.Marshal(d)
	if err != nil {
		return Prepared{}, fmt.Errorf("index: encode %q: %w", a.ID, err)
	}
	return Prepared{Article: d.Article, Data: data}, nil
}

// PrepareMany is [Index.Prepare] for many articles, on every core; one
// result per item, in order.
func (x *Index) PrepareMany(ctx context.Context, items []Item) []PreparedResult {
	res := make([]PreparedResult, len(items))
	parallel(len(items), func(i int) {
		p, err := x.Prepare(ctx, items[i].Article, items[i].Origin)
		res[i] = PreparedResult{Prepared: p, Err: err}
	})
	return res
}

// LogEntry is one write of a replicated log.
type LogEntry struct {
	// Seq is the entry's position in the log, from 1, increasing.
	Seq uint64
	// ID is the article's id.
	ID string
	// Data is the stored form of the article (Prepared.Data) for a put;
	// nil for a delete.
	Data []byte
	// Noop makes the entry change nothing (a message that is not a
	// write): only its sequence counts as applied.
	Noop bool
}

// LogResult is the outcome of one [LogEntry].
type LogResult struct {
	// Created: a put found no article with its id.
	Created bool
	// Found: a delete found the article.
	Found bool
	// Skipped: the entry's sequence was already applied; nothing changed.
	Skipped bool
	// Err is set when the entry's Data cannot be read (the entry is
	// skipped, and its sequence still counts as applied), or, with
	// every other entry of the call, when the batch could not be made
	// durable (see [Index.ApplyAsync]).
	Err error
}

// AppliedSeq returns the sequence of the last log entry the index holds
// (see [Index.ApplyAsync]), 0 when none was applied.
func (x *Index) AppliedSeq() uint64 { return x.appliedSeq.Load() }

// ApplyAsync queues entries, which must come in increasing sequence and
// after every entry of earlier calls, and returns at once; wait returns
// their results once they are durable and searchable. Entries whose
// sequence is not above [Index.AppliedSeq] are skipped. The sequence of
// the last entry is stored in the same batch as the entries' effects, so
// that AppliedSeq after a crash tells exactly what the index holds.
//
// When a batch cannot be made durable (full disk...), wait's error is set
// (wrapping ErrReadOnly, ErrClosed or ctx's error) and AppliedSeq tells
// where to resume: entries after it must be applied again.
// Errors of ApplyAsync itself wrap ErrClosed or ctx's error.
func (x *Index) ApplyAsync(ctx context.Context, entries []LogEntry) (wait func() ([]LogResult, error), err error) {
	if x.closedNow() {
		return nil, ErrClosed
	}
	res := make([]LogResult, len(entries))
	ops := make([]*op, len(entries))
	floor := x.appliedSeq.Load()
	for i, e := range entries {
		if e.Seq <= floor {
			res[i].Skipped = true
			continue
		}
		o := &op{kind: opMark, id: e.ID, seq: e.Seq, reply: make(chan opResult, 1)}
		switch {
		case e.Noop:
		case e.Data != nil:
			var d storedDoc
			if err := json.Unmarshal(e.Data, &d); err != nil {
				res[i].Err = fmt.Errorf("%w: log entry %d (%q): %v", ErrInvalidArticle, e.Seq, e.ID, err)
			} else if d.ID != e.ID {
				res[i].Err = fmt.Errorf("%w: log entry %d holds article %q, not %q", ErrInvalidArticle, e.Seq, d.ID, e.ID)
			} else {
				o.kind, o.doc = opPut, &d
			}
		default:
			o.kind = opDelete
		}
		ops[i] = o
	}
	for i, o := range ops {
		if o == nil {
			continue
		}
		if err := x.submit(ctx, o); err != nil {
			// Nothing after an unsubmitted entry may be applied either:
			// the caller resumes after AppliedSeq.
			return nil, err
		}
		ops[i] = o
	}
	return func() ([]LogResult, error) {
		var failed error
		for i, o := range ops {
			if o == nil {
				continue
			}
			r := x.wait(context.Background(), o)
			switch {
			case o.kind == opDelete && errors.Is(r.err, ErrNotFound):
			case r.err != nil:
				res[i].Err = r.err
				if failed == nil {
					failed = r.err
				}
			case o.kind == opPut:
				res[i].Created = r.created
			case o.kind == opDelete:
				res[i].Found = true
			}
		}
		return res, failed
	}, nil
}

// encodeSeq and decodeSeq are the stored form of a log sequence.
func encodeSeq(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func decodeSeq(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

// loadAppliedSeq reads the applied sequence of the live generation.
func (x *Index) loadAppliedSeq() error {
	seq, err := appliedSeqOf(x.gen.idx)
	if err != nil {
		return err
	}
	x.appliedSeq.Store(seq)
	return nil
}

// appliedSeqOf reads the applied sequence stored in an index or in one
// of its snapshots (0 when none is).
func appliedSeqOf(r interface{ GetInternal([]byte) ([]byte, error) }) (uint64, error) {
	v, err := r.GetInternal([]byte(appliedSeqKey))
	if err != nil {
		return 0, fmt.Errorf("index: read the applied log sequence: %w", err)
	}
	seq, ok := decodeSeq(v)
	if len(v) != 0 && !ok {
		return 0, fmt.Errorf("index: the applied log sequence is %d bytes, not 8", len(v))
	}
	return seq, nil
}
