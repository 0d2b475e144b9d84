package cluster

// Watching what the cluster depends on: that the NATS servers fsync every
// write, that every replica of the stream keeps up with its leader (a
// leader that was partitioned while it took writes can stay behind after
// the partition heals; see the README), and the node's own status in the
// bucket.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Monitoring periods.
const (
	replicaCheckEvery = 5 * time.Second
	heartbeatEvery    = 5 * time.Second
)

// checkSync asks each server's monitoring endpoint whether it fsyncs every
// write. Without monitoring URLs it can only warn.
func (n *Node) checkSync(ctx context.Context) error {
	if len(n.cfg.MonitorURLs) == 0 {
		n.log.Warn("cluster: cannot check that the NATS servers fsync every write (no monitoring URL given): " +
			"unless every server runs with jetstream { sync_interval: always }, an acknowledged write can be lost " +
			"in a power failure; pass the servers' monitoring URLs to have veille check")
		return nil
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, u := range n.cfg.MonitorURLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(u, "/")+"/varz", nil)
		if err != nil {
			return fmt.Errorf("cluster: monitoring URL %q: %w", u, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("cluster: ask %s whether it fsyncs every write: %w", u, err)
		}
		var v struct {
			Name      string `json:"server_name"`
			JetStream struct {
				Config struct {
					SyncAlways bool `json:"sync_always"`
				} `json:"config"`
			} `json:"jetstream"`
		}
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("cluster: read %s/varz: %w", u, err)
		}
		if !v.JetStream.Config.SyncAlways {
			return fmt.Errorf("cluster: NATS server %s (%s) does not fsync every write: an acknowledged article "+
				"could be lost in a power failure; set jetstream { sync_interval: always } in its configuration", v.Name, u)
		}
	}
	n.log.Info("cluster: every NATS server fsyncs every write", "servers", len(n.cfg.MonitorURLs))
	return nil
}

// replicaAlert tracks the stream's replicas that are behind their leader.
type replicaAlert struct {
	mu       sync.Mutex
	replicas map[string]*replicaState
}

type replicaState struct {
	lag     uint64
	current bool
	behind  time.Time // since when it is behind; zero when current
	alerted bool
}

// watchReplicas checks the stream's replicas every few seconds.
func (n *Node) watchReplicas(ctx context.Context) {
	every := min(replicaCheckEvery, max(n.cfg.ReplicaAlert/2, 100*time.Millisecond))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ictx, cancel := context.WithTimeout(ctx, replicaCheckEvery)
		info, err := n.stream.Info(ictx)
		cancel()
		if err != nil || info.Cluster == nil {
			continue // NATS away: the applier and writes say so
		}
		now := time.Now()
		n.alert.mu.Lock()
		if n.alert.replicas == nil {
			n.alert.replicas = make(map[string]*replicaState)
		}
		seen := map[string]bool{}
		for _, r := range info.Cluster.Replicas {
			seen[r.Name] = true
			st := n.alert.replicas[r.Name]
			if st == nil {
				st = &replicaState{}
				n.alert.replicas[r.Name] = st
			}
			st.lag, st.current = r.Lag, r.Current && !r.Offline
			behind := !st.current || r.Lag > 0
			switch {
			case behind && st.behind.IsZero():
				st.behind = now
			case behind && !st.alerted && now.Sub(st.behind) >= n.cfg.ReplicaAlert:
				st.alerted = true
				n.log.Error("cluster: a replica of the stream has been behind its leader too long; if it led the stream "+
					"during a network partition it may not catch up by itself: restart that NATS server",
					"server", r.Name, "lag", r.Lag, "current", r.Current, "offline", r.Offline, "for", now.Sub(st.behind).Round(time.Second))
			case !behind:
				if st.alerted {
					n.log.Info("cluster: the stream replica caught up", "server", r.Name)
				}
				st.behind, st.alerted = time.Time{}, false
			}
		}
		for name := range n.alert.replicas {
			if !seen[name] && name != info.Cluster.Leader {
				delete(n.alert.replicas, name)
			}
		}
		n.alert.mu.Unlock()
	}
}

// replicaView is one replica's state for metrics.
type replicaView struct {
	name    string
	lag     uint64
	current bool
	alerted bool
}

func (a *replicaAlert) view() []replicaView {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]replicaView, 0, len(a.replicas))
	for name, st := range a.replicas {
		out = append(out, replicaView{name: name, lag: st.lag, current: st.current, alerted: st.alerted})
	}
	slices.SortFunc(out, func(a, b replicaView) int { return strings.Compare(a.name, b.name) })
	return out
}

// nodeRecord is what a node publishes about itself in the bucket.
type nodeRecord struct {
	Node       string    `json:"node"`
	Owned      string    `json:"owned"` // its partitions (formatPartitions)
	AppliedSeq uint64    `json:"applied_seq"`
	Lag        uint64    `json:"lag"`
	Ready      bool      `json:"ready"`
	Updated    time.Time `json:"updated"`
}

// heartbeat publishes the node's status in the bucket every few seconds
// and sweeps unreferenced objects now and then.
func (n *Node) heartbeat(ctx context.Context) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	lastSweep := time.Now()
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-n.beat:
			}
		}
		st := n.Status()
		b, _ := json.Marshal(nodeRecord{Node: st.Node, Owned: formatPartitions(n.owned), AppliedSeq: st.AppliedSeq, Lag: st.Lag, Ready: st.Ready, Updated: time.Now().UTC()})
		pctx, cancel := context.WithTimeout(ctx, heartbeatEvery)
		_, err := n.kv.Put(pctx, keyNodePrefix+n.cfg.Node, b)
		cancel()
		if err != nil {
			n.log.Debug("cluster: heartbeat", "err", err)
			continue
		}
		if time.Since(lastSweep) >= sweepEvery {
			lastSweep = time.Now()
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			if err := n.bodies.sweep(sctx); err != nil {
				n.log.Warn("cluster: sweep of unreferenced objects", "err", err)
			}
			cancel()
		}
	}
}
