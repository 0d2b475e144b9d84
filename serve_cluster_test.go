package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"veille/cluster"
	"veille/cluster/natstest"
)

// TestServeCluster runs two veille processes as nodes of a cluster on
// three NATS servers in this process: a node gets no demo articles, a
// write on one is read on the other, a restarted node resumes without
// writing anything, and /api/stats reports each node's position; the
// servers' fsync setting is checked through their monitoring ports.
func TestServeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	nc := natstest.Start(t, 3, natstest.Options{Monitor: true})
	dirs := map[string]string{"n1": t.TempDir(), "n2": t.TempDir()}
	flags := func(node string) []string {
		return []string{"--nats", strings.Join(nc.URLs(), ","), "--node", node, "--data", dirs[node],
			"--nats-monitor", strings.Join(nc.MonitorURLs(), ",")}
	}
	n1 := startService(t, flags("n1")...)
	n2 := startService(t, flags("n2")...)
	if !strings.Contains(n1.logs.String(), "every NATS server fsyncs every write") {
		t.Errorf("the fsync check did not run:\n%s", n1.logs.String())
	}

	code, body := n1.do(http.MethodPut, "/api/articles/cluster-1", "application/json",
		`{"title": "Nscale construit un centre de données en Norvège", "body": "Nscale et Aker investissent 1 milliard de dollars."}`)
	if code != http.StatusCreated {
		t.Fatalf("PUT on n1: %d %s", code, body)
	}
	type stats struct {
		Articles int
		Cluster  struct {
			Node       string
			AppliedSeq uint64 `json:"applied_seq"`
			Lag        uint64
		}
	}
	var st stats
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = n2.do(http.MethodGet, "/api/stats", "", "")
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if st.Articles == 1 && st.Cluster.AppliedSeq > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.Articles != 1 || st.Cluster.Node != "n2" || st.Cluster.AppliedSeq == 0 {
		t.Fatalf("stats on n2: %+v (want the new article only: no demo on a node)", st)
	}
	if code, body := n2.do(http.MethodGet, "/api/articles/cluster-1", "", ""); code != http.StatusOK || !strings.Contains(string(body), "Nscale") {
		t.Fatalf("GET on n2: %d %s", code, body)
	}
	// Nodes publish no demo articles: the stream holds the one write.
	if got := lastSeq(t, nc); got != 1 {
		t.Fatalf("the stream's last sequence is %d, want 1 (one write)", got)
	}
	// A restarted node resumes and publishes nothing.
	if err := n2.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("n2 exit: %v", err)
	}
	n2 = startService(t, flags("n2")...)
	if got := lastSeq(t, nc); got != 1 {
		t.Fatalf("after a restart the stream's last sequence is %d, want 1", got)
	}
	if r := n2.search(nil); r.Total != 1 {
		t.Fatalf("restarted n2 holds %d articles, want 1", r.Total)
	}
}

// lastSeq returns the last sequence of the article stream.
func lastSeq(t *testing.T, nc *natstest.Cluster) uint64 {
	t.Helper()
	js, err := jetstream.New(nc.Connect())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, cluster.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}
