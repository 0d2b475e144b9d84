package cluster

// The applier: reads the stream in order with an ephemeral consumer (no
// acknowledgements: the position is the applied sequence the index
// stores) and applies it to the index in batches, the next batch being
// decoded while the index commits the one before.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"veille/index"
)

// Applier bounds.
const (
	applyBatch      = 1000                   // messages per ApplyAsync call at most
	resultsKept     = 1 << 16                // results remembered for the writers waiting on them
	idleLagRefresh  = time.Second            // how often an idle applier asks the stream how far behind it is
	resumeBackoff   = 250 * time.Millisecond // pause before recreating a failed consumer
	consumerTimeout = 3 * time.Second        // bounds creating or deleting a consumer
)

// applier applies the stream to the node's index.
type applier struct {
	n *Node

	applied    atomic.Uint64 // the last sequence applied (and durable)
	pending    atomic.Uint64 // messages of the stream not yet received, as of the last one received
	received   atomic.Uint64 // messages received since start
	done       atomic.Uint64 // messages applied since start
	lagKnown   atomic.Bool   // pending has been read from the stream at least once
	caughtUp   atomic.Bool   // the lag was 0 once since start
	lastFailed atomic.Value  // string: the last error that stopped the consumer
	wanted     atomic.Uint64 // the highest sequence a writer waits for

	mu      sync.Mutex
	advance chan struct{} // closed when applied moves
	results map[uint64]index.LogResult
	order   []uint64 // ring of the sequences in results, oldest at head
	head    int
}

func newApplier(n *Node) *applier {
	a := &applier{n: n, advance: make(chan struct{}), results: make(map[uint64]index.LogResult, 1024)}
	a.applied.Store(n.idx.AppliedSeq())
	return a
}

// lag returns how many messages of this node's partitions are in the
// stream and not yet applied, and whether that is known.
func (a *applier) lag() (uint64, bool) {
	inFlight := a.received.Load() - min(a.done.Load(), a.received.Load())
	return a.pending.Load() + inFlight, a.lagKnown.Load()
}

// run applies the stream until ctx ends, resuming after any failure from
// the sequence after the last one the index holds.
func (a *applier) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := a.consume(ctx)
		if ctx.Err() != nil {
			return
		}
		a.lastFailed.Store(err.Error())
		a.n.log.Warn("cluster: applying the stream stopped; resuming", "applied_seq", a.n.idx.AppliedSeq(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(resumeBackoff):
		}
	}
}

// job is a batch handed to the index, waiting for its results.
type job struct {
	seqs []uint64
	wait func() ([]index.LogResult, error)
}

// consume reads the stream from the sequence after the index's and
// applies it until ctx ends or something fails.
func (a *applier) consume(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := a.n.idx.AppliedSeq() + 1
	a.mu.Lock()
	a.applied.Store(start - 1)
	close(a.advance)
	a.advance = make(chan struct{})
	a.mu.Unlock()
	a.received.Store(a.done.Load()) // nothing is in flight
	// An ephemeral consumer without acknowledgements, checked for gaps:
	// an ordered consumer of our own, recreated with short timeouts when
	// its server goes (the library's waits up to 10 s per attempt).
	cctx, ccancel := context.WithTimeout(ctx, consumerTimeout)
	cons, err := a.n.js.CreateConsumer(cctx, a.n.cfg.Stream, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       start,
		AckPolicy:         jetstream.AckNonePolicy,
		FilterSubjects:    a.n.filterSubjects(),
		InactiveThreshold: time.Minute,
		MemoryStorage:     true,
		Replicas:          1,
	})
	ccancel()
	if err != nil {
		return fmt.Errorf("create the consumer: %w", err)
	}
	defer func() {
		name := cons.CachedInfo().Name
		go func() {
			dctx, cancel := context.WithTimeout(context.Background(), consumerTimeout)
			defer cancel()
			_ = a.n.js.DeleteConsumer(dctx, a.n.cfg.Stream, name)
		}()
	}()
	if err := a.refreshLag(ctx, cons); err != nil {
		return err
	}
	// Short heartbeats: a consumer lost with its server is noticed, and
	// recreated, within seconds.
	it, err := cons.Messages(jetstream.PullMaxMessages(2*applyBatch), jetstream.PullExpiry(10*time.Second),
		jetstream.PullHeartbeat(time.Second), jetstream.WithMessagesErrOnMissingHeartbeat(true))
	if err != nil {
		return fmt.Errorf("read the stream: %w", err)
	}
	defer it.Stop()

	msgs := make(chan jetstream.Msg, 2*applyBatch)
	go func() {
		defer close(msgs)
		for {
			m, err := it.Next()
			if err != nil {
				if !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					cancel(fmt.Errorf("read the stream: %w", err))
				}
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				return
			}
		}
	}()

	// The finisher waits for each batch's results, in order.
	jobs := make(chan job, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for j := range jobs {
			res, err := j.wait()
			if err != nil {
				cancel(fmt.Errorf("apply: %w", err))
				for range jobs { // the rest is re-read from the stream
				}
				return
			}
			a.record(j.seqs, res)
		}
	}()
	defer func() {
		close(jobs)
		<-finished
	}()

	next := start        // the lowest sequence not yet handed to the index
	var delivered uint64 // the consumer's sequence of the last message
	idle := time.NewTicker(idleLagRefresh)
	defer idle.Stop()
	recent := false
	for {
		var batch []jetstream.Msg
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-idle.C:
			if !recent {
				inFlight := a.received.Load() - min(a.done.Load(), a.received.Load())
				if a.wanted.Load() > a.applied.Load() && inFlight == 0 {
					return errors.New("no message for a second while writes wait for theirs: recreating the consumer")
				}
				if err := a.refreshLag(ctx, cons); err != nil {
					return err
				}
			}
			recent = false
			continue
		case m, ok := <-msgs:
			if !ok {
				return context.Cause(ctx)
			}
			batch = append(batch, m)
		}
	fill:
		for len(batch) < applyBatch {
			select {
			case m, ok := <-msgs:
				if !ok {
					break fill
				}
				batch = append(batch, m)
			default:
				break fill
			}
		}
		recent = true
		entries := make([]index.LogEntry, 0, len(batch))
		seqs := make([]uint64, 0, len(batch))
		for _, m := range batch {
			md, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("message metadata: %w", err)
			}
			if md.Sequence.Consumer != delivered+1 {
				return fmt.Errorf("the consumer skipped from message %d to %d: recreating it", delivered, md.Sequence.Consumer)
			}
			delivered = md.Sequence.Consumer
			a.pending.Store(md.NumPending)
			a.lagKnown.Store(true)
			a.received.Add(1)
			seq := md.Sequence.Stream
			if seq < next {
				a.done.Add(1) // delivered again after a reset
				continue
			}
			e, err := a.n.entry(ctx, m, seq)
			if err != nil {
				return err
			}
			entries = append(entries, e)
			seqs = append(seqs, seq)
			next = seq + 1
		}
		if len(entries) == 0 {
			continue
		}
		wait, err := a.n.idx.ApplyAsync(ctx, entries)
		if err != nil {
			return fmt.Errorf("apply: %w", err)
		}
		select {
		case jobs <- job{seqs: seqs, wait: wait}:
		case <-ctx.Done():
			// Let the index finish what it was handed before returning.
			_, _ = wait()
			return context.Cause(ctx)
		}
	}
}

// refreshLag reads from the stream how many messages are still to come.
func (a *applier) refreshLag(ctx context.Context, cons jetstream.Consumer) error {
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := cons.Info(ictx)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		// NATS is away: keep the last known lag, and try again.
		a.n.log.Debug("cluster: consumer info", "err", err)
		return nil
	}
	inFlight := a.received.Load() - min(a.done.Load(), a.received.Load())
	if inFlight == 0 {
		a.pending.Store(info.NumPending)
	}
	a.lagKnown.Store(true)
	a.checkCaughtUp()
	return nil
}

// record keeps the results of a batch for the writers waiting on them and
// wakes them.
func (a *applier) record(seqs []uint64, res []index.LogResult) {
	a.mu.Lock()
	for i, seq := range seqs {
		r := res[i]
		if r.Err != nil {
			a.n.log.Error("cluster: a stream message could not be applied and was skipped", "seq", seq, "err", r.Err)
		}
		if len(a.order) < resultsKept {
			a.order = append(a.order, seq)
		} else {
			delete(a.results, a.order[a.head])
			a.order[a.head] = seq
			a.head = (a.head + 1) % resultsKept
		}
		a.results[seq] = r
	}
	if len(seqs) > 0 {
		a.applied.Store(seqs[len(seqs)-1])
		close(a.advance)
		a.advance = make(chan struct{})
	}
	a.mu.Unlock()
	a.done.Add(uint64(len(seqs)))
	a.n.metrics.applied.Add(uint64(len(seqs)))
	a.checkCaughtUp()
}

// checkCaughtUp notes the first time the node has applied everything the
// stream holds for it.
func (a *applier) checkCaughtUp() {
	if a.caughtUp.Load() {
		return
	}
	if lag, known := a.lag(); known && lag == 0 {
		a.caughtUp.Store(true)
		a.n.log.Info("cluster: caught up with the stream", "applied_seq", a.applied.Load())
		select {
		case a.n.beat <- struct{}{}: // others may route searches here now
		default:
		}
	}
}

// wait returns the result of applying seq once this node has applied it,
// or ctx's error. ok is false when the result is no longer remembered (the
// entry was applied long ago).
func (a *applier) wait(ctx context.Context, seq uint64) (r index.LogResult, ok bool, err error) {
	for w := a.wanted.Load(); w < seq && !a.wanted.CompareAndSwap(w, seq); w = a.wanted.Load() {
	}
	for {
		a.mu.Lock()
		if a.applied.Load() >= seq {
			r, ok = a.results[seq]
			a.mu.Unlock()
			return r, ok, nil
		}
		ch := a.advance
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return r, false, ctx.Err()
		}
	}
}

// waitCaughtUp waits until the node has applied the stream as it was when
// it started.
func (a *applier) waitCaughtUp(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for !a.caughtUp.Load() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
