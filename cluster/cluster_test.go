package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"veille/cluster/natstest"
)

func streamInfo(t testing.TB, nc *natstest.Cluster, stream string) *jetstream.StreamInfo {
	t.Helper()
	js, err := jetstream.New(nc.Connect())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestReplication writes through one node of three and reads on the
// others: read-your-writes on the node that answered, the same articles
// everywhere, deletes as tombstones, bulk reports per line.
func TestReplication(t *testing.T) {
	nc := natstest.Start(t, 3, natstest.Options{})
	a := startNode(t, baseConfig(nc, "a"), "")
	b := startNode(t, baseConfig(nc, "b"), "")
	c := startNode(t, baseConfig(nc, "c"), "")

	// Created on A: answered once A applied it, with its sequence.
	r := a.put("mistral-2024", "Mistral AI lève 600 millions d'euros", "La start-up française Mistral AI lève 600 millions d'euros auprès de Nvidia.")
	if r.status != http.StatusCreated || r.seq() == 0 {
		t.Fatalf("PUT on A: %d, X-Veille-Seq %q: %s", r.status, r.header.Get("X-Veille-Seq"), r.body)
	}
	if got := a.search("q=mistral").Total; got != 1 {
		t.Fatalf("search on A right after its write: total %d, want 1", got)
	}
	b.waitApplied(r.seq(), 5*time.Second)
	g := b.mustDo(http.MethodGet, "/api/articles/mistral-2024", "", nil)
	var art struct {
		Title     string
		Companies []string
		Amounts   []struct{ EUR float64 }
	}
	g.decode(t, &art)
	if g.status != http.StatusOK || !strings.HasPrefix(art.Title, "Mistral") || len(art.Amounts) == 0 {
		t.Fatalf("GET on B: %d %s", g.status, g.body)
	}

	// Replaced through B, seen on A; an id with dots is one subject.
	r = b.put("mistral-2024", "Mistral AI lève 1 milliard", "Nouveau tour de table pour Mistral AI.")
	if r.status != http.StatusOK {
		t.Fatalf("replace on B: %d %s", r.status, r.body)
	}
	a.waitApplied(r.seq(), 5*time.Second)
	if got := a.search("q=milliard").Total; got != 1 {
		t.Fatalf("A does not see B's replacement")
	}
	r = c.put("rapport.2025.v2", "Rapport annuel", "Le rapport annuel de Airbus.")
	if r.status != http.StatusCreated {
		t.Fatalf("PUT of a dotted id on C: %d %s", r.status, r.body)
	}

	// Deleted through C: gone everywhere, and the stream still holds one
	// message per article.
	before := streamInfo(t, nc, "VEILLE_ARTICLES").State.Msgs
	r = c.mustDo(http.MethodDelete, "/api/articles/mistral-2024", "", nil)
	if r.status != http.StatusNoContent || r.seq() == 0 {
		t.Fatalf("DELETE on C: %d %s", r.status, r.body)
	}
	a.waitApplied(r.seq(), 5*time.Second)
	if g := a.mustDo(http.MethodGet, "/api/articles/mistral-2024", "", nil); g.status != http.StatusNotFound {
		t.Fatalf("GET on A after the delete: %d", g.status)
	}
	if r := b.mustDo(http.MethodDelete, "/api/articles/mistral-2024", "", nil); r.status != http.StatusNotFound {
		t.Fatalf("second DELETE on B: %d %s", r.status, r.body)
	}
	if after := streamInfo(t, nc, "VEILLE_ARTICLES").State.Msgs; after != before {
		t.Fatalf("the stream holds %d messages after a delete, %d before: the tombstone must replace the article", after, before)
	}

	// Bulk through B: one report per line, X-Veille-Seq is the last write.
	body := orangeSum(t, 200)
	body = append(body, []byte("{not json\n")...)
	br := b.mustDo(http.MethodPost, "/api/articles", "application/x-ndjson", body)
	var bulk bulkResult
	br.decode(t, &bulk)
	if br.status != http.StatusOK || bulk.Lines != 201 || bulk.Created != 200 || bulk.Failed != 1 {
		t.Fatalf("bulk on B: %d %.400s", br.status, br.body)
	}
	if bulk.Items[200].Status != "error" || bulk.Items[0].Status != "created" {
		t.Fatalf("bulk report: first %+v, last %+v", bulk.Items[0], bulk.Items[200])
	}
	seq := br.seq()
	if seq == 0 {
		t.Fatal("bulk answer without X-Veille-Seq")
	}
	for _, n := range []*testNode{a, b, c} {
		n.waitApplied(seq, 10*time.Second)
	}
	want := b.ids()
	if len(want) != 201 {
		t.Fatalf("B holds %d articles, want 201", len(want))
	}
	for _, n := range []*testNode{a, c} {
		if got := n.ids(); !slices.Equal(got, want) {
			t.Fatalf("node %s holds %s, B holds %s", n.name, idsString(got), idsString(want))
		}
	}
	// Facets are computed from the same enriched documents everywhere.
	fa, fc := a.search("q=france&per_page=1"), c.search("q=france&per_page=1")
	if fa.Total == 0 || fa.Total != fc.Total || fmt.Sprint(fa.Facets) != fmt.Sprint(fc.Facets) {
		t.Fatalf("A and C answer differently: %d %v / %d %v", fa.Total, fa.Facets, fc.Total, fc.Facets)
	}

	// Cursors signed on one node continue on another (shared key).
	r = a.mustDo(http.MethodGet, "/api/search?q=france&per_page=5", "", nil)
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	r.decode(t, &page)
	if page.NextCursor == "" {
		t.Fatal("no next_cursor")
	}
	if r := c.mustDo(http.MethodGet, "/api/search?q=france&per_page=5&cursor="+page.NextCursor, "", nil); r.status != http.StatusOK {
		t.Fatalf("A's cursor on C: %d %s", r.status, r.body)
	}

	// /api/stats and /readyz report the node's position.
	var st struct {
		Articles int
		Cluster  struct {
			Node       string
			AppliedSeq uint64 `json:"applied_seq"`
			Lag        uint64
		}
	}
	c.mustDo(http.MethodGet, "/api/stats", "", nil).decode(t, &st)
	if st.Cluster.Node != "c" || st.Cluster.AppliedSeq < seq || st.Cluster.Lag != 0 || st.Articles != 201 {
		t.Fatalf("stats on C: %+v", st)
	}
	if r := c.mustDo(http.MethodGet, "/readyz", "", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), `"lag":0`) {
		t.Fatalf("readyz on C: %d %s", r.status, r.body)
	}
	m := c.mustDo(http.MethodGet, "/metrics", "", nil)
	for _, name := range []string{"veille_cluster_applied_seq", "veille_cluster_lag", "veille_cluster_applied_total"} {
		if !strings.Contains(string(m.body), name+"{") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

// TestApplyPending answers 202 when the node does not apply an
// acknowledged write in time; the write is durable and becomes visible.
func TestApplyPending(t *testing.T) {
	nc := natstest.Start(t, 1, natstest.Options{})
	cfg := baseConfig(nc, "slow")
	cfg.ApplyTimeout = time.Nanosecond
	n := startNode(t, cfg, "")
	r := n.put("x1", "Titre", "Un article.")
	if r.status != http.StatusAccepted || r.seq() == 0 {
		t.Fatalf("PUT with no time to apply: %d %s", r.status, r.body)
	}
	var body map[string]any
	r.decode(t, &body)
	if body["status"] != "accepted" {
		t.Fatalf("202 body: %s", r.body)
	}
	n.waitApplied(r.seq(), 5*time.Second)
	if g := n.mustDo(http.MethodGet, "/api/articles/x1", "", nil); g.status != http.StatusOK {
		t.Fatalf("GET after the 202: %d", g.status)
	}
	b, _ := json.Marshal(map[string]string{"id": "x2", "title": "Deux"})
	r = n.mustDo(http.MethodPost, "/api/articles", "application/x-ndjson", b)
	var bulk bulkResult
	r.decode(t, &bulk)
	if r.status != http.StatusOK || bulk.Accepted != 1 || bulk.Items[0].Status != "accepted" {
		t.Fatalf("bulk with no time to apply: %d %s", r.status, r.body)
	}
}
