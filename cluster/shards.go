package cluster

// Ownership of partitions, the nodes' view of each other (their records
// in the bucket), and the wait for a write's apply on a node that owns its
// partition, when the node that took the write does not.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"veille/index"
)

// Subjects of requests between nodes.
const (
	applySubject = "veille.w."      // + partition: wait until a write is applied (queue group per partition)
	querySubject = "veille.q."      // + partition set: search a shard group (queue group per set)
	keyAssign    = "assign."        // assign.<node>: the partitions a node owns, as ParsePartitions reads them
	recordMaxAge = 15 * time.Second // a node record older than this is a node that is gone
)

// resolveOwnership sets the partitions this node owns: Config.Owned, else
// what the bucket assigns it (assign.<node>), else every partition. It
// refuses a set that differs from the one this node's index was built
// with (its record in the bucket), unless the index is empty.
func (n *Node) resolveOwnership(ctx context.Context) error {
	owned := n.cfg.Owned
	if owned == nil {
		e, err := n.kv.Get(ctx, keyAssign+n.cfg.Node)
		switch {
		case err == nil:
			if owned, err = ParsePartitions(string(e.Value())); err != nil {
				return fmt.Errorf("cluster: bucket key %s%s: %w", keyAssign, n.cfg.Node, err)
			}
		case !errors.Is(err, jetstream.ErrKeyNotFound):
			return fmt.Errorf("cluster: read %s%s: %w", keyAssign, n.cfg.Node, err)
		}
	}
	if owned == nil {
		owned = allPartitions(n.parts)
	}
	for _, p := range owned {
		if p >= n.parts {
			return fmt.Errorf("cluster: partition %d does not exist: the cluster has partitions 0-%d", p, n.parts-1)
		}
	}
	n.owned = owned
	n.ownsAll = len(owned) == n.parts
	n.written = make([]atomic.Uint64, n.parts)
	n.ownedSet = make([]bool, n.parts)
	for _, p := range owned {
		n.ownedSet[p] = true
	}
	if e, err := n.kv.Get(ctx, keyNodePrefix+n.cfg.Node); err == nil {
		var rec nodeRecord
		if json.Unmarshal(e.Value(), &rec) == nil {
			n.previousOwned = rec.Owned
		}
	}
	return nil
}

// owns reports whether this node holds partition p.
func (n *Node) owns(p int) bool { return n.ownedSet[p] }

// filterSubjects are the stream subjects of the partitions this node holds.
func (n *Node) filterSubjects() []string {
	if n.ownsAll {
		return []string{subjectPrefix + ">"}
	}
	return partitionSubjects(n.owned)
}

// checkIndex refuses an index built for other partitions, or holding
// articles that did not come from the stream.
func (n *Node) checkIndex(ctx context.Context, idx *index.Index) error {
	mine := formatPartitions(n.owned)
	if idx.AppliedSeq() > 0 && n.previousOwned != "" && n.previousOwned != mine {
		return fmt.Errorf("cluster: this data folder holds partitions %s, and node %s is to own %s now: start it with an empty data folder (it replays the stream)",
			n.previousOwned, n.cfg.Node, mine)
	}
	if idx.AppliedSeq() == 0 {
		st, err := idx.Stats(ctx)
		if err != nil {
			return err
		}
		if st.Articles > 0 {
			return fmt.Errorf("cluster: the data folder holds %d articles that are not in the cluster's stream: give the node an empty data folder, and load articles through the API", st.Articles)
		}
	}
	return nil
}

// members is this node's view of the cluster: the records the nodes
// publish in the bucket.
type members struct {
	mu    sync.Mutex
	nodes map[string]nodeRecord
}

// watchMembers keeps n.members up to date until ctx ends.
func (n *Node) watchMembers(ctx context.Context) {
	for ctx.Err() == nil {
		w, err := n.kv.Watch(ctx, keyNodePrefix+"*", jetstream.IncludeHistory())
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
				continue
			}
		}
		for e := range w.Updates() {
			if e == nil {
				continue // the initial values are in
			}
			name := e.Key()[len(keyNodePrefix):]
			n.members.mu.Lock()
			if n.members.nodes == nil {
				n.members.nodes = make(map[string]nodeRecord)
			}
			var rec nodeRecord
			if e.Operation() == jetstream.KeyValuePut && json.Unmarshal(e.Value(), &rec) == nil {
				n.members.nodes[name] = rec
			} else {
				delete(n.members.nodes, name)
			}
			n.members.mu.Unlock()
		}
		_ = w.Stop()
	}
}

// groups returns the partition sets of the ready nodes, by their
// formatPartitions form; this node counts when it is ready.
func (n *Node) groups() map[string][]int {
	out := make(map[string][]int)
	if n.Status().Ready {
		out[formatPartitions(n.owned)] = n.owned
	}
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	for name, rec := range n.members.nodes {
		if name == n.cfg.Node || !rec.Ready || time.Since(rec.Updated) > recordMaxAge {
			continue
		}
		if ps, err := ParsePartitions(rec.Owned); err == nil && len(ps) > 0 {
			out[formatPartitions(ps)] = ps
		}
	}
	return out
}

// applyRequest asks an owner of a partition for the results of writes.
type applyRequest struct {
	Seqs []uint64 `json:"seqs"`
}

// applyReply answers an applyRequest, one result per sequence.
type applyReply struct {
	Applied uint64        `json:"applied"`
	Results []applyResult `json:"results"`
	Pending bool          `json:"pending,omitempty"` // not applied within the owner's apply timeout
}

// applyResult is the part of an index.LogResult a writer reports.
type applyResult struct {
	Created bool `json:"created,omitempty"`
	Found   bool `json:"found,omitempty"`
}

// serveApplies answers, for each partition this node owns, the waits of
// other nodes for writes to be applied.
func (n *Node) serveApplies() ([]*nats.Subscription, error) {
	var subs []*nats.Subscription
	for _, p := range n.owned {
		subj := applySubject + strconv.Itoa(p)
		s, err := n.nc.QueueSubscribe(subj, subj, func(m *nats.Msg) {
			var req applyRequest
			if json.Unmarshal(m.Data, &req) != nil || len(req.Seqs) == 0 {
				return
			}
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ApplyTimeout)
				defer cancel()
				rep := applyReply{Results: make([]applyResult, len(req.Seqs))}
				top := slices.Max(req.Seqs)
				if _, _, err := n.ap.wait(ctx, top); err != nil {
					rep.Pending = true
				} else {
					for i, s := range req.Seqs {
						r, _, _ := n.ap.wait(ctx, s)
						rep.Results[i] = applyResult{Created: r.Created, Found: r.Found}
					}
				}
				rep.Applied = n.ap.applied.Load()
				b, _ := json.Marshal(rep)
				_ = m.Respond(b)
			}()
		})
		if err != nil {
			for _, s := range subs {
				_ = s.Unsubscribe()
			}
			return nil, fmt.Errorf("cluster: subscribe %s: %w", subj, err)
		}
		subs = append(subs, s)
	}
	return subs, nil
}

// awaitApplies waits until the writes seqs (of partition p) are applied:
// on this node when it owns p, otherwise on one of p's owners; at most
// Config.ApplyTimeout (then the error wraps ErrApplyPending).
func (n *Node) awaitApplies(ctx context.Context, p int, seqs []uint64) ([]index.LogResult, error) {
	top := slices.Max(seqs)
	for w := n.written[p].Load(); w < top && !n.written[p].CompareAndSwap(w, top); w = n.written[p].Load() {
	}
	if n.owns(p) {
		if _, err := n.awaitApply(ctx, top); err != nil {
			return nil, err
		}
		out := make([]index.LogResult, len(seqs))
		for i, s := range seqs {
			out[i], _, _ = n.ap.wait(ctx, s)
		}
		return out, nil
	}
	b, _ := json.Marshal(applyRequest{Seqs: seqs})
	m, err := n.nc.RequestWithContext(withTimeout(ctx, n.cfg.ApplyTimeout+time.Second), applySubject+strconv.Itoa(p), b)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var rep applyReply
	if err == nil {
		err = json.Unmarshal(m.Data, &rep)
	}
	if err == nil && len(rep.Results) != len(seqs) {
		err = fmt.Errorf("%d results for %d writes", len(rep.Results), len(seqs))
	}
	if err != nil || rep.Pending {
		return nil, fmt.Errorf("%w: stream sequence %d (no owner of partition %d confirmed it: %v)", ErrApplyPending, top, p, err)
	}
	out := make([]index.LogResult, len(seqs))
	for i, r := range rep.Results {
		out[i] = index.LogResult{Created: r.Created, Found: r.Found}
	}
	return out, nil
}

// withTimeout returns ctx bounded by d; its cancel runs when ctx ends.
func withTimeout(ctx context.Context, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(ctx, d)
	context.AfterFunc(c, cancel)
	return c
}
