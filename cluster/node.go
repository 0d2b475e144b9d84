package cluster

// The node as the API's service: writes go through the stream, reads are
// local.

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"veille/corpus"
	"veille/index"
)

// Publish retries: one attempt waits this long for the stream's ack.
const (
	attemptTimeout = 2 * time.Second
	retryWaitMin   = 100 * time.Millisecond
	retryWaitMax   = time.Second
)

// Put stores a through the stream: see [Node.PutSeq].
func (n *Node) Put(ctx context.Context, a corpus.Article, o index.Origin) (bool, corpus.Article, error) {
	created, stored, _, err := n.PutSeq(ctx, a, o)
	return created, stored, err
}

// PutSeq enriches a on this node, publishes it to the stream and returns
// once the stream has acknowledged it and this node has applied it, with
// the stream sequence of the write. created is true when no article had
// a's id. Errors wrap index.ErrInvalidArticle, ErrUnavailable (the stream
// cannot take the write), ErrApplyPending (acknowledged, seq set, not yet
// applied here), index.ErrClosed or ctx's error.
func (n *Node) PutSeq(ctx context.Context, a corpus.Article, o index.Origin) (created bool, stored corpus.Article, seq uint64, err error) {
	p, err := n.idx.Prepare(ctx, a, o)
	if err != nil {
		return false, a, 0, err
	}
	m, err := n.articleMsg(ctx, a.ID, p.Data)
	if err != nil {
		return false, p.Article, 0, err
	}
	if seq, err = n.publish(ctx, m, newMsgID(a.ID)); err != nil {
		return false, p.Article, 0, err
	}
	rs, err := n.awaitApplies(ctx, partitionOf(a.ID, n.parts), []uint64{seq})
	if err != nil {
		return false, p.Article, seq, err
	}
	return rs[0].Created, p.Article, seq, nil
}

// Delete removes an article through the stream: see [Node.DeleteSeq].
func (n *Node) Delete(ctx context.Context, id string) error {
	_, err := n.DeleteSeq(ctx, id)
	return err
}

// DeleteSeq publishes a tombstone for id and returns once this node has
// applied it, with its stream sequence. An id this node does not hold
// while it is caught up is not published. Errors wrap index.ErrNotFound,
// ErrUnavailable, ErrApplyPending, index.ErrClosed or ctx's error.
func (n *Node) DeleteSeq(ctx context.Context, id string) (uint64, error) {
	if id == "" {
		return 0, fmt.Errorf("%w: empty id", index.ErrNotFound)
	}
	// The stream knows whether the article exists: a second delete of
	// an id is a 404 even on a node that has not applied the first yet.
	m := deleteMsg(id, n.parts)
	last, err := n.lastMessage(ctx, m.Subject)
	if err != nil {
		return 0, err
	}
	part := partitionOf(id, n.parts)
	if last == nil || last.Header.Get(hdrOp) == opDelete {
		if last != nil {
			if _, err := n.awaitApplies(ctx, part, []uint64{last.Sequence}); err != nil {
				return last.Sequence, err
			}
		}
		return 0, fmt.Errorf("%w: %q", index.ErrNotFound, id)
	}
	seq, err := n.publish(ctx, m, newMsgID(id))
	if err != nil {
		return 0, err
	}
	rs, err := n.awaitApplies(ctx, part, []uint64{seq})
	if err != nil {
		return seq, err
	}
	if !rs[0].Found {
		return seq, fmt.Errorf("%w: %q", index.ErrNotFound, id)
	}
	return seq, nil
}

// PutMany stores many articles through the stream: they are enriched on
// every core, published without waiting for each acknowledgement, then
// awaited; one result per item, in order, each with its stream sequence.
// Items with the same id apply in order. A result's error wraps
// index.ErrInvalidArticle, ErrUnavailable, ErrApplyPending (acknowledged,
// not yet applied here), index.ErrClosed or ctx's error.
func (n *Node) PutMany(ctx context.Context, items []index.Item) []index.PutResult {
	res := make([]index.PutResult, len(items))
	for start := 0; start < len(items); start += applyBatch {
		end := min(start+applyBatch, len(items))
		n.putChunk(ctx, items[start:end], res[start:end])
	}
	return res
}

// PutAll stores what seq yields through the stream, as
// index.Index.PutAll does (the same path, over PutMany): report gets each
// result in order, with its stream sequence. An item durable in the
// stream but not applied here in time is reported with ErrApplyPending
// and counted as updated.
func (n *Node) PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(pos int, r index.PutResult)) (index.PutStats, error) {
	return putAll(ctx, n.PutMany, seq, report)
}

// putAll is index.PutAll over putMany, with pending writes counted as
// stored.
func putAll(ctx context.Context, putMany func(context.Context, []index.Item) []index.PutResult,
	seq iter.Seq2[index.Item, error], report func(pos int, r index.PutResult)) (index.PutStats, error) {
	pending := 0
	st, err := index.PutAll(ctx, putMany, 4*applyBatch, seq, func(pos int, r index.PutResult) {
		if errors.Is(r.Err, ErrApplyPending) {
			pending++
		}
		if report != nil {
			report(pos, r)
		}
	})
	st.Failed -= pending
	st.Updated += pending
	return st, err
}

// putChunk is PutMany for at most applyBatch items.
func (n *Node) putChunk(ctx context.Context, items []index.Item, res []index.PutResult) {
	prep := n.idx.PrepareMany(ctx, items)
	msgs := make([]*nats.Msg, len(items))
	futures := make([]jetstream.PubAckFuture, len(items))
	seqs := make([]uint64, len(items))
	ids := make([]string, len(items)) // message ids
	for i, p := range prep {
		res[i].Article = p.Article
		if p.Err != nil {
			res[i].Article, res[i].Err = items[i].Article, p.Err
			continue
		}
		m, err := n.articleMsg(ctx, p.Article.ID, p.Data)
		if err != nil {
			res[i].Err = err
			continue
		}
		msgs[i] = m
		ids[i] = newMsgID(p.Article.ID)
		f, err := n.js.PublishMsgAsync(m, jetstream.WithMsgID(ids[i]),
			jetstream.WithExpectStream(n.cfg.Stream), jetstream.WithStallWait(n.cfg.PublishTimeout))
		if err == nil {
			futures[i] = f
		}
	}
	// Acknowledgements; what failed is published again, synchronously and
	// in order, unless a later item of the same id made it.
	last := make(map[string]int, len(items))
	for i := range items {
		if msgs[i] != nil {
			last[prep[i].Article.ID] = i
		}
	}
	var failed []int
	for i, f := range futures {
		if msgs[i] == nil {
			continue
		}
		if f == nil {
			failed = append(failed, i)
			continue
		}
		select {
		case ack := <-f.Ok():
			seqs[i] = ack.Sequence
		case <-f.Err():
			failed = append(failed, i)
		case <-ctx.Done():
			res[i].Err = ctx.Err()
		}
	}
	for _, i := range failed {
		id := prep[i].Article.ID
		if j := last[id]; j > i && seqs[j] != 0 {
			seqs[i] = seqs[j] // replaced by a later line anyway
			continue
		}
		seq, err := n.publish(ctx, msgs[i], ids[i])
		if err != nil {
			res[i].Err = err
			continue
		}
		seqs[i] = seq
	}
	// The applies, awaited partition by partition (on an owner of each).
	byPart := make(map[int][]int) // partition -> items
	for i, s := range seqs {
		if s != 0 {
			p := partitionOf(prep[i].Article.ID, n.parts)
			byPart[p] = append(byPart[p], i)
		}
	}
	for p, items := range byPart {
		ps := make([]uint64, len(items))
		for j, i := range items {
			ps[j] = seqs[i]
		}
		rs, err := n.awaitApplies(ctx, p, ps)
		for j, i := range items {
			res[i].Seq = seqs[i]
			switch {
			case err != nil:
				res[i].Err = err
			case j < len(rs):
				res[i].Created = rs[j].Created
			}
		}
	}
}

// awaitApply waits until this node has applied seq, at most
// Config.ApplyTimeout (then the error wraps ErrApplyPending).
func (n *Node) awaitApply(ctx context.Context, seq uint64) (index.LogResult, error) {
	wctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	r, _, err := n.ap.wait(wctx, seq)
	switch {
	case err == nil:
		return r, r.Err
	case ctx.Err() != nil:
		return r, ctx.Err()
	}
	return r, fmt.Errorf("%w: stream sequence %d (this node has applied %d)", ErrApplyPending, seq, n.ap.applied.Load())
}

// publish sends m to the stream and returns its sequence, retrying with
// the same message id (the stream drops duplicates) while the stream has
// no leader, for at most Config.PublishTimeout. Errors wrap
// ErrUnavailable, corpus.ErrTooLarge or ctx's error.
func (n *Node) publish(ctx context.Context, m *nats.Msg, id string) (uint64, error) {
	deadline := time.Now().Add(n.cfg.PublishTimeout)
	wait := retryWaitMin
	for {
		actx, cancel := context.WithTimeout(ctx, min(attemptTimeout, time.Until(deadline)))
		ack, err := n.js.PublishMsg(actx, m, jetstream.WithMsgID(id), jetstream.WithExpectStream(n.cfg.Stream),
			jetstream.WithRetryAttempts(0))
		cancel()
		if err == nil {
			return ack.Sequence, nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if errors.Is(err, nats.ErrMaxPayload) {
			return 0, fmt.Errorf("%w: %v", corpus.ErrTooLarge, err)
		}
		if errors.Is(err, nats.ErrConnectionClosed) || time.Until(deadline) < retryWaitMin {
			n.metrics.publishFailures.Add(1)
			return 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(min(wait, time.Until(deadline))):
		}
		wait = min(2*wait, retryWaitMax)
	}
}

// articleMsg returns the message that puts data as article id: inline
// (compressed when large), or a reference to an object holding it when it
// is too large for one message.
func (n *Node) articleMsg(ctx context.Context, id string, data []byte) (*nats.Msg, error) {
	m := putMsg(id, n.parts, data)
	if len(m.Data) <= n.maxInline {
		return m, nil
	}
	name := objectName(id, data)
	if err := n.bodies.put(ctx, name, m.Data); err != nil {
		return nil, err
	}
	m.Header.Set(hdrObj, name)
	m.Data = nil
	return m, nil
}

// entry decodes a stream message into a log entry.
func (n *Node) entry(ctx context.Context, m jetstream.Msg, seq uint64) (index.LogEntry, error) {
	h := m.Headers()
	e := index.LogEntry{Seq: seq, ID: h.Get(hdrID)}
	switch h.Get(hdrOp) {
	case opDelete:
		return e, nil
	case opPut:
	default:
		// Not veille's: applied as nothing, logged.
		n.log.Error("cluster: unknown message in the stream, skipped", "seq", seq, "subject", m.Subject(), "op", h.Get(hdrOp))
		return index.LogEntry{Seq: seq, ID: e.ID, Noop: true}, nil
	}
	if f := h.Get(hdrFormat); f != format {
		n.log.Error("cluster: message in an unknown format (written by a newer veille?), skipped", "seq", seq, "id", e.ID, "format", f)
		return index.LogEntry{Seq: seq, ID: e.ID, Noop: true}, nil
	}
	data := m.Data()
	if name := h.Get(hdrObj); name != "" {
		var err error
		if data, err = n.bodies.get(ctx, name); errors.Is(err, jetstream.ErrObjectNotFound) {
			// The object goes once a newer message replaces this one:
			// this message is stale, its successor will follow.
			if newer, nerr := n.superseded(ctx, m.Subject(), seq); nerr == nil && newer {
				return index.LogEntry{Seq: seq, ID: e.ID, Noop: true}, nil
			}
			return e, fmt.Errorf("message %d: object %s: %w", seq, name, err)
		} else if err != nil {
			return e, fmt.Errorf("message %d: object %s: %w", seq, name, err)
		}
	}
	data, err := payload(h, data)
	if err != nil {
		n.log.Error("cluster: unreadable message in the stream, skipped", "seq", seq, "subject", m.Subject(), "err", err)
		return index.LogEntry{Seq: seq, ID: e.ID, Noop: true}, nil
	}
	e.Data = data
	return e, nil
}

// lastMessage returns the stream's last message on subj (headers only
// matter), nil when there is none. Errors wrap ErrUnavailable or ctx's
// error.
func (n *Node) lastMessage(ctx context.Context, subj string) (*jetstream.RawStreamMsg, error) {
	var m *jetstream.RawStreamMsg
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		m, err = n.stream.GetLastMsgForSubject(ctx, subj)
		return err
	}, n.cfg.PublishTimeout)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return nil, nil
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		n.metrics.publishFailures.Add(1)
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return m, nil
}

// superseded reports whether the stream holds a message newer than seq on
// subj.
func (n *Node) superseded(ctx context.Context, subj string, seq uint64) (bool, error) {
	m, err := n.stream.GetLastMsgForSubject(ctx, subj)
	if err != nil {
		return false, err
	}
	return m.Sequence > seq, nil
}

// Get returns the article with id: from this node's index when it holds
// the article's partition, otherwise from a node that does. Errors wrap
// index.ErrNotFound, ErrNoOwner, index.ErrClosed or ctx's error.
func (n *Node) Get(ctx context.Context, id string) (corpus.Article, error) {
	p := partitionOf(id, n.parts)
	if n.owns(p) {
		return n.idx.Get(ctx, id)
	}
	rep, err := n.ask(ctx, getSubject+strconv.Itoa(p), reqGet, shardRequest{ID: id, MinSeq: n.written[p].Load()})
	if err != nil {
		return corpus.Article{}, err
	}
	return *rep.Article, nil
}

// Article returns the article with id and where the words of q match it
// (see index.Index.Article), from an owner of its partition.
func (n *Node) Article(ctx context.Context, id string, q index.Query) (corpus.Article, index.Marks, error) {
	p := partitionOf(id, n.parts)
	if n.owns(p) {
		return n.idx.Article(ctx, id, q)
	}
	q = index.Query{Text: q.Text, Mode: q.Mode, Prefix: q.Prefix}
	rep, err := n.ask(ctx, getSubject+strconv.Itoa(p), reqArticle, shardRequest{ID: id, Query: q, MinSeq: n.written[p].Load()})
	if err != nil {
		return corpus.Article{}, index.Marks{}, err
	}
	var marks index.Marks
	if rep.Marks != nil {
		marks = *rep.Marks
	}
	return *rep.Article, marks, nil
}

// Rebuild rebuilds this node's index (see index.Index.Rebuild); the other
// nodes are not affected.
func (n *Node) Rebuild(ctx context.Context) error { return n.idx.Rebuild(ctx) }

// RebuildAsync is index.Index.RebuildAsync on this node's index.
func (n *Node) RebuildAsync(done func(error)) error { return n.idx.RebuildAsync(done) }

// Stats describes this node's index.
func (n *Node) Stats(ctx context.Context) (index.Stats, error) { return n.idx.Stats(ctx) }

// Health is index.Index.Health of this node's index: whether it can
// serve reads (NATS is not needed for that).
func (n *Node) Health() error { return n.idx.Health() }

// Origins is index.Index.Origins on this node's index.
func (n *Node) Origins(ctx context.Context) (map[string]index.Origin, error) {
	return n.idx.Origins(ctx)
}

// Status is where a node stands in the cluster.
type Status struct {
	Node       string
	AppliedSeq uint64 // the last stream sequence this node applied
	Lag        uint64 // stream messages for this node not yet applied
	LagKnown   bool   // false until the stream has been reached once
	Ready      bool   // caught up once since start, and Lag <= Config.MaxLag
}

// Status returns where the node stands.
func (n *Node) Status() Status {
	lag, known := n.ap.lag()
	return Status{
		Node:       n.cfg.Node,
		AppliedSeq: n.ap.applied.Load(),
		Lag:        lag,
		LagKnown:   known,
		Ready:      n.ap.caughtUp.Load() && lag <= n.cfg.MaxLag,
	}
}

// Scoped returns the articles a corpus folder of this node owns, as a
// store for that folder: origins are prefixed with scope and a slash in
// the stream, so that the folders of different nodes (or the seed corpus
// every node indexes) never remove each other's articles.
func (n *Node) Scoped(scope string) *ScopedStore {
	return &ScopedStore{n: n, prefix: scope + "/"}
}

// ScopedStore is the part of a node's articles that came from one corpus
// folder; see [Node.Scoped].
type ScopedStore struct {
	n      *Node
	prefix string
}

// PutAll is Node.PutAll with the items' origins scoped.
func (s *ScopedStore) PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(pos int, r index.PutResult)) (index.PutStats, error) {
	return putAll(ctx, s.putMany, seq, report)
}

// putMany is Node.PutMany with the items' origins scoped.
func (s *ScopedStore) putMany(ctx context.Context, items []index.Item) []index.PutResult {
	scoped := make([]index.Item, len(items))
	for i, it := range items {
		scoped[i] = it
		if it.Origin.Path != "" {
			scoped[i].Origin.Path = s.prefix + it.Origin.Path
		}
	}
	return s.n.PutMany(ctx, scoped)
}

// Delete is Node.Delete.
func (s *ScopedStore) Delete(ctx context.Context, id string) error { return s.n.Delete(ctx, id) }

// Origins returns the origins under the scope, with the scope removed.
func (s *ScopedStore) Origins(ctx context.Context) (map[string]index.Origin, error) {
	all, err := s.n.idx.Origins(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]index.Origin)
	for id, o := range all {
		if p, ok := strings.CutPrefix(o.Path, s.prefix); ok {
			out[id] = index.Origin{Path: p, Stamp: o.Stamp}
		}
	}
	return out, nil
}
