package cluster

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the node's Prometheus instruments, read at scrape time.
type metrics struct {
	n               *Node
	applied         atomic.Uint64 // stream messages applied since start
	publishFailures atomic.Uint64 // writes answered ErrUnavailable

	appliedSeq, lag, appliedTotal, failures, ready *prometheus.Desc
	replicaLag, replicaCurrent, replicaAlert       *prometheus.Desc
}

func newMetrics(n *Node) *metrics {
	node := prometheus.Labels{"node": n.cfg.Node}
	return &metrics{
		n:            n,
		appliedSeq:   prometheus.NewDesc("veille_cluster_applied_seq", "The last stream sequence this node applied to its index.", nil, node),
		lag:          prometheus.NewDesc("veille_cluster_lag", "Stream messages for this node not yet applied.", nil, node),
		appliedTotal: prometheus.NewDesc("veille_cluster_applied_total", "Stream messages applied since start (rate: the apply rate).", nil, node),
		failures:     prometheus.NewDesc("veille_cluster_publish_failures_total", "Writes the stream could not take (answered 503).", nil, node),
		ready:        prometheus.NewDesc("veille_cluster_ready", "1 when the node is caught up with the stream (readiness).", nil, node),
		replicaLag: prometheus.NewDesc("veille_cluster_stream_replica_lag",
			"Operations a replica of the stream is behind its leader, by NATS server.", []string{"server"}, node),
		replicaCurrent: prometheus.NewDesc("veille_cluster_stream_replica_current",
			"1 when a replica of the stream is current with its leader, by NATS server.", []string{"server"}, node),
		replicaAlert: prometheus.NewDesc("veille_cluster_replica_alert",
			"1 when a replica of the stream has been behind its leader for longer than the alert threshold: restart that NATS server.",
			[]string{"server"}, node),
	}
}

// Describe implements prometheus.Collector.
func (n *Node) Describe(ch chan<- *prometheus.Desc) {
	m := n.metrics
	for _, d := range []*prometheus.Desc{m.appliedSeq, m.lag, m.appliedTotal, m.failures, m.ready, m.replicaLag, m.replicaCurrent, m.replicaAlert} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (n *Node) Collect(ch chan<- prometheus.Metric) {
	m := n.metrics
	if n.ap != nil {
		st := n.Status()
		ch <- prometheus.MustNewConstMetric(m.appliedSeq, prometheus.GaugeValue, float64(st.AppliedSeq))
		ch <- prometheus.MustNewConstMetric(m.lag, prometheus.GaugeValue, float64(st.Lag))
		ch <- prometheus.MustNewConstMetric(m.ready, prometheus.GaugeValue, b2f(st.Ready))
	}
	ch <- prometheus.MustNewConstMetric(m.appliedTotal, prometheus.CounterValue, float64(m.applied.Load()))
	ch <- prometheus.MustNewConstMetric(m.failures, prometheus.CounterValue, float64(m.publishFailures.Load()))
	for _, r := range n.alert.view() {
		ch <- prometheus.MustNewConstMetric(m.replicaLag, prometheus.GaugeValue, float64(r.lag), r.name)
		ch <- prometheus.MustNewConstMetric(m.replicaCurrent, prometheus.GaugeValue, b2f(r.current), r.name)
		ch <- prometheus.MustNewConstMetric(m.replicaAlert, prometheus.GaugeValue, b2f(r.alerted), r.name)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
