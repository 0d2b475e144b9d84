package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"veille/cluster"
	"veille/cluster/natstest"
)

// streamInfo returns the stream's state, asking again for up to 30 s:
// right after a server restarts, the stream may answer nothing until its
// replicas have elected a leader.
func streamInfo(t testing.TB, nc *natstest.Cluster, stream string) *jetstream.StreamInfo {
	t.Helper()
	js, err := jetstream.New(nc.Connect())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := js.Stream(ctx, stream)
		var info *jetstream.StreamInfo
		if err == nil {
			info, err = s.Info(ctx)
		}
		cancel()
		if err == nil {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: %v", stream, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestReplication writes through one node of three and reads on the
// others: read-your-writes on the node that answered, the same articles
// everywhere, deletes as tombstones, bulk reports per line.
func TestReplication(t *testing.T) {
	nc := natstest.Start(t, 3, natstest.Options{})
	a := startNode(t, baseConfig(nc.URLs(), "a"), "")
	b := startNode(t, baseConfig(nc.URLs(), "b"), "")
	c := startNode(t, baseConfig(nc.URLs(), "c"), "")

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

	// A write is never taken for an earlier one of the same content:
	// v1, v2, v1 ends with v1; delete, put, delete ends deleted.
	for i, title := range []string{"Version un", "Version deux", "Version un"} {
		if r := []*testNode{a, b, c}[i].put("flip", title, "Le même corps."); r.status >= 300 {
			t.Fatalf("PUT flip %d: %d %s", i, r.status, r.body)
		}
	}
	waitCaughtUp(t, nc, b)
	var flip struct{ Title string }
	b.mustDo(http.MethodGet, "/api/articles/flip", "", nil).decode(t, &flip)
	if flip.Title != "Version un" {
		t.Fatalf("after v1, v2, v1: %q", flip.Title)
	}
	for i, n := range []*testNode{a, b, c} {
		if i == 1 {
			if r := n.put("flip", "Version un", "Le même corps."); r.status != http.StatusCreated {
				t.Fatalf("PUT after a delete: %d %s", r.status, r.body)
			}
		} else if r := n.mustDo(http.MethodDelete, "/api/articles/flip", "", nil); r.status != http.StatusNoContent {
			t.Fatalf("DELETE flip on %s: %d %s", n.name, r.status, r.body)
		}
	}
	waitCaughtUp(t, nc, a)
	if g := a.mustDo(http.MethodGet, "/api/articles/flip", "", nil); g.status != http.StatusNotFound {
		t.Fatalf("after delete, put, delete: GET %d", g.status)
	}
	before = streamInfo(t, nc, "VEILLE_ARTICLES").State.Msgs
	if r := c.mustDo(http.MethodDelete, "/api/articles/flip", "", nil); r.status != http.StatusNotFound {
		t.Fatalf("DELETE of a deleted article: %d", r.status)
	}
	if after := streamInfo(t, nc, "VEILLE_ARTICLES").State.Msgs; after != before {
		t.Fatalf("a delete of a deleted article added a message to the stream (%d, then %d)", before, after)
	}

	// Bulk through B: one report per line, seq is the last write.
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
	seq := bulk.Seq
	if seq == 0 {
		t.Fatalf("bulk answer without seq: %.300s", br.body)
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
	cfg := baseConfig(nc.URLs(), "slow")
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

// writeMany PUTs count articles named prefix-N through the nodes, from
// writers goroutines per node, calling mid once about a third of them
// are answered; it returns the ids acknowledged (200, 201 or 202) and the
// statuses seen.
func writeMany(t *testing.T, nodes []*testNode, prefix string, count, writers int, mid func()) (acked map[string]string, statuses map[int]int) {
	t.Helper()
	type result struct {
		id, title string
		status    int
	}
	jobs := make(chan int)
	results := make(chan result)
	var done sync.WaitGroup
	for _, n := range nodes {
		for range writers {
			done.Add(1)
			go func() {
				defer done.Done()
				for i := range jobs {
					id := fmt.Sprintf("%s-%04d", prefix, i)
					title := fmt.Sprintf("Article %d de %s", i, n.name)
					b, _ := json.Marshal(map[string]string{"title": title, "body": "Le corps de l'article " + id + "."})
					r, err := n.do(http.MethodPut, "/api/articles/"+id, "application/json", b)
					if err != nil {
						r.status = -1
					}
					results <- result{id, title, r.status}
				}
			}()
		}
	}
	go func() {
		for i := range count {
			jobs <- i
		}
		close(jobs)
		done.Wait()
		close(results)
	}()
	acked, statuses = map[string]string{}, map[int]int{}
	answered := 0
	for r := range results {
		statuses[r.status]++
		// 202: durable in the stream, not yet applied on that node.
		if r.status == http.StatusOK || r.status == http.StatusCreated || r.status == http.StatusAccepted {
			acked[r.id] = r.title
		}
		if answered++; answered == count/3 && mid != nil {
			mid()
		}
	}
	return acked, statuses
}

// checkHolds fails unless every node holds every acknowledged article.
func checkHolds(t *testing.T, nodes []*testNode, acked map[string]string) {
	t.Helper()
	for _, n := range nodes {
		missing := 0
		for id, title := range acked {
			g := n.mustDo(http.MethodGet, "/api/articles/"+id, "", nil)
			var a struct{ Title string }
			if g.status == http.StatusOK {
				g.decode(t, &a)
			}
			if g.status != http.StatusOK || a.Title != title {
				if missing++; missing <= 5 {
					t.Errorf("node %s: acknowledged %s (%q) reads %d %q", n.name, id, title, g.status, a.Title)
				}
			}
		}
		if missing > 0 {
			t.Fatalf("node %s lost %d of %d acknowledged articles", n.name, missing, len(acked))
		}
	}
}

// waitCaughtUp waits until every node has applied the stream's last message.
func waitCaughtUp(t *testing.T, nc *natstest.Cluster, nodes ...*testNode) {
	t.Helper()
	last := lastSeq(t, nc, "VEILLE_ARTICLES")
	for _, n := range nodes {
		n.waitApplied(last, 30*time.Second)
	}
}

// TestServerKilledMidWrites stops the NATS server leading the stream in
// the middle of concurrent writes through two nodes: no acknowledged
// article is lost, on any node.
func TestServerKilledMidWrites(t *testing.T) {
	nc := natstest.Start(t, 3, natstest.Options{})
	a := startNode(t, baseConfig(nc.URLs(), "a"), "")
	b := startNode(t, baseConfig(nc.URLs(), "b"), "")
	a.put("warm-up", "Premier", "Le stream existe.")
	count := 300
	if testing.Short() {
		count = 120
	}
	killed := -1
	acked, statuses := writeMany(t, []*testNode{a, b}, "kill", count, 8, func() {
		killed = nc.StreamLeader("VEILLE_ARTICLES")
		if killed < 0 {
			t.Error("no stream leader to stop")
			return
		}
		nc.Stop(killed)
	})
	t.Logf("statuses %v; stopped the stream leader %s", statuses, nc.Name(max(killed, 0)))
	if len(acked) < count/2 {
		t.Fatalf("only %d of %d writes acknowledged (%v): the stream did not fail over", len(acked), count, statuses)
	}
	for s := range statuses {
		if s != http.StatusOK && s != http.StatusCreated && s != http.StatusAccepted && s != http.StatusServiceUnavailable {
			t.Errorf("a write answered %d", s)
		}
	}
	nc.Restart(killed)
	waitCaughtUp(t, nc, a, b)
	checkHolds(t, []*testNode{a, b}, acked)
}

// TestOutagesAndReplay: a node stopped while others write resumes where it
// was and catches up; with every NATS server down, searches answer and
// writes get 503, then writes resume; a new node replays the stream to
// the same articles.
func TestOutagesAndReplay(t *testing.T) {
	nc := natstest.Start(t, 3, natstest.Options{})
	a := startNode(t, baseConfig(nc.URLs(), "a"), "")
	b := startNode(t, baseConfig(nc.URLs(), "b"), "")
	c := startNode(t, baseConfig(nc.URLs(), "c"), "")
	a.bulk(orangeSum(t, 150))
	waitCaughtUp(t, nc, a, b, c)

	t.Run("a restarted node resumes", func(t *testing.T) {
		held := c.node.Status().AppliedSeq
		c.stop()
		acked, _ := writeMany(t, []*testNode{a}, "while-c-down", 60, 4, nil)
		if len(acked) != 60 {
			t.Fatalf("%d of 60 writes acknowledged", len(acked))
		}
		c = c.restart()
		waitCaughtUp(t, nc, c)
		checkHolds(t, []*testNode{c}, acked)
		// It applied only what it missed, not the stream from the start.
		if got, want := c.node.Status().AppliedSeq-held, lastSeq(t, nc, "VEILLE_ARTICLES")-held; got != want {
			t.Fatalf("applied %d messages after the restart, want %d", got, want)
		}
		if got := appliedTotal(t, c); got != 60 {
			t.Fatalf("the restarted node applied %v messages, want the 60 it missed", got)
		}
		if a.count() != c.count() {
			t.Fatalf("A holds %d articles, C %d", a.count(), c.count())
		}
	})

	t.Run("all NATS servers down", func(t *testing.T) {
		total := a.search("q=france").Total
		nc.StopAll()
		if got := a.search("q=france").Total; got != total {
			t.Fatalf("search with NATS down: total %d, want %d", got, total)
		}
		if g := b.mustDo(http.MethodGet, "/api/articles/while-c-down-0001", "", nil); g.status != http.StatusOK {
			t.Fatalf("GET with NATS down: %d", g.status)
		}
		if r := c.mustDo(http.MethodGet, "/readyz", "", nil); r.status != http.StatusOK {
			t.Fatalf("a caught-up node stops being ready when NATS is down: %d %s", r.status, r.body)
		}
		start := time.Now()
		r := a.put("during-outage", "Panne", "Écrit pendant la panne.")
		if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), `"unavailable"`) {
			t.Fatalf("PUT with NATS down: %d %s", r.status, r.body)
		}
		if took := time.Since(start); took > a.cfg.PublishTimeout+2*time.Second {
			t.Fatalf("the 503 took %s", took)
		}
		if r := a.mustDo(http.MethodDelete, "/api/articles/while-c-down-0001", "", nil); r.status != http.StatusServiceUnavailable {
			t.Fatalf("DELETE with NATS down: %d %s", r.status, r.body)
		}
		nc.RestartAll()
		deadline := time.Now().Add(60 * time.Second)
		for {
			r = a.put("after-outage", "Reprise", "Écrit après la panne.")
			if r.status == http.StatusCreated || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if r.status != http.StatusCreated {
			t.Fatalf("PUT after NATS came back: %d %s", r.status, r.body)
		}
		b.waitApplied(r.seq(), 30*time.Second)
		if g := b.mustDo(http.MethodGet, "/api/articles/after-outage", "", nil); g.status != http.StatusOK {
			t.Fatalf("the write after the outage on B: %d", g.status)
		}
	})

	t.Run("a new node replays the stream", func(t *testing.T) {
		waitCaughtUp(t, nc, a)
		d := startNode(t, baseConfig(nc.URLs(), "d"), "")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := d.node.WaitCaughtUp(ctx); err != nil {
			t.Fatal(err)
		}
		waitCaughtUp(t, nc, d)
		want, got := a.ids(), d.ids()
		if !slices.Equal(got, want) {
			t.Fatalf("the new node holds %s, A %s", idsString(got), idsString(want))
		}
		for _, q := range []string{"q=france&per_page=1", "q=gouvernement&per_page=1", "per_page=1"} {
			if fa, fd := a.search(q), d.search(q); fa.Total != fd.Total || fmt.Sprint(fa.Facets) != fmt.Sprint(fd.Facets) {
				t.Fatalf("%s: A %d %v, D %d %v", q, fa.Total, fa.Facets, fd.Total, fd.Facets)
			}
		}
		for _, id := range want[:min(len(want), 20)] {
			ga, gd := a.mustDo(http.MethodGet, "/api/articles/"+id, "", nil), d.mustDo(http.MethodGet, "/api/articles/"+id, "", nil)
			if string(ga.body) != string(gd.body) {
				t.Fatalf("article %s differs:\nA %s\nD %s", id, ga.body, gd.body)
			}
		}
	})
}

// appliedTotal reads veille_cluster_applied_total from the node's metrics.
func appliedTotal(t *testing.T, n *testNode) float64 {
	t.Helper()
	body := string(n.mustDo(http.MethodGet, "/metrics", "", nil).body)
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "veille_cluster_applied_total{") {
			var v float64
			if _, err := fmt.Sscan(line[strings.LastIndex(line, " ")+1:], &v); err == nil {
				return v
			}
		}
	}
	t.Fatalf("no veille_cluster_applied_total in /metrics")
	return 0
}

// TestConnectRefuses: servers that do not fsync every write, and a stream
// that would drop articles, are refused with a message saying why.
func TestConnectRefuses(t *testing.T) {
	ctx := context.Background()
	t.Run("no fsync", func(t *testing.T) {
		nc := natstest.Start(t, 1, natstest.Options{NoSync: true, Monitor: true})
		cfg := baseConfig(nc.URLs(), "a")
		cfg.MonitorURLs = nc.MonitorURLs()
		_, err := cluster.Connect(ctx, cfg)
		if err == nil || !strings.Contains(err.Error(), "sync_interval: always") {
			t.Fatalf("Connect to servers without fsync: %v", err)
		}
	})
	t.Run("fsync checked", func(t *testing.T) {
		nc := natstest.Start(t, 1, natstest.Options{Monitor: true})
		cfg := baseConfig(nc.URLs(), "a")
		cfg.MonitorURLs = nc.MonitorURLs()
		n, err := cluster.Connect(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		n.Close()
	})
	t.Run("a stream that drops articles", func(t *testing.T) {
		nc := natstest.Start(t, 1, natstest.Options{})
		js, _ := jetstream.New(nc.Connect())
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: cluster.DefaultStream, Subjects: []string{"veille.art.>"},
			MaxAge: time.Hour, MaxMsgsPerSubject: 5}); err != nil {
			t.Fatal(err)
		}
		_, err := cluster.Connect(ctx, baseConfig(nc.URLs(), "a"))
		if err == nil || !strings.Contains(err.Error(), "per subject") || !strings.Contains(err.Error(), "age") {
			t.Fatalf("Connect to a stream with limits: %v", err)
		}
	})
	t.Run("no server", func(t *testing.T) {
		cfg := cluster.Config{URLs: []string{"nats://127.0.0.1:1"}, Node: "a"}
		if _, err := cluster.Connect(ctx, cfg); err == nil {
			t.Fatal("Connect without a server succeeded")
		}
	})
}

// TestLargeArticles: an article too large for one message (after
// compression) goes through the object store and reads back whole on
// every node.
func TestLargeArticles(t *testing.T) {
	nc := natstest.Start(t, 1, natstest.Options{MaxPayload: 1 << 20})
	a := startNode(t, baseConfig(nc.URLs(), "a"), "")
	b := startNode(t, baseConfig(nc.URLs(), "b"), "")
	// Words from a random generator compress poorly: 3 MiB stays above 1 MiB.
	var sb strings.Builder
	x := uint64(42)
	for sb.Len() < 3<<20 {
		x = x*6364136223846793005 + 1442695040888963407
		fmt.Fprintf(&sb, "m%x ", x>>40)
	}
	body := strings.TrimSpace(sb.String())
	r := a.put("gros", "Un très long article", body)
	// 202 when indexing 3 MiB takes longer than ApplyTimeout (race detector).
	if r.status != http.StatusCreated && r.status != http.StatusAccepted {
		t.Fatalf("PUT of %d bytes: %d %.300s", len(body), r.status, r.body)
	}
	b.waitApplied(r.seq(), 60*time.Second)
	var got struct{ Body string }
	b.mustDo(http.MethodGet, "/api/articles/gros", "", nil).decode(t, &got)
	if got.Body != body {
		t.Fatalf("B reads %d bytes, want %d", len(got.Body), len(body))
	}
	info := streamInfo(t, nc, cluster.DefaultStream)
	if info.State.Bytes > 1<<20 {
		t.Fatalf("the article stream holds %d bytes: the body went inline", info.State.Bytes)
	}
	// A new node replays it from the object store.
	c := startNode(t, baseConfig(nc.URLs(), "c"), "")
	c.waitApplied(r.seq(), 60*time.Second)
	c.mustDo(http.MethodGet, "/api/articles/gros", "", nil).decode(t, &got)
	if got.Body != body {
		t.Fatalf("a new node reads %d bytes, want %d", len(got.Body), len(body))
	}
}

// TestReplicaAlert: a stream replica behind its leader for longer than
// the threshold raises veille_cluster_replica_alert, which falls back
// once it catches up.
func TestReplicaAlert(t *testing.T) {
	nc := natstest.Start(t, 3, natstest.Options{})
	a := startNode(t, baseConfig(nc.URLs(), "a"), "")
	a.put("x", "Titre", "Corps.")
	leader := nc.StreamLeader(cluster.DefaultStream)
	down := (leader + 1) % 3
	nc.Stop(down)
	a.put("y", "Titre", "Écrit pendant l'absence d'un serveur.")
	alert := fmt.Sprintf(`veille_cluster_replica_alert{node="a",server=%q} `, nc.Name(down))
	waitMetric := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			body := string(a.mustDo(http.MethodGet, "/metrics", "", nil).body)
			if strings.Contains(body, alert+want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s%s in /metrics:\n%s", alert, want, grepLines(body, "veille_cluster"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitMetric("1")
	if !strings.Contains(a.logs.String(), "restart that NATS server") {
		t.Fatalf("no alert in the log:\n%s", a.logs.String())
	}
	nc.Restart(down)
	waitMetric("0")
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestMain(m *testing.M) {
	natstest.RunChild() // a NATS server process of StartProcesses
	os.Exit(m.Run())
}

// TestServerSIGKILL runs the NATS servers as processes: SIGKILL of the
// stream leader in the middle of writes, then of all three servers right
// after acknowledgements, loses no acknowledged article.
func TestServerSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts NATS server processes; TestServerKilledMidWrites covers failover in process")
	}
	procs := natstest.StartProcesses(t, 3, natstest.Options{})
	a := startNode(t, baseConfig(procs.URLs(), "a"), "")
	b := startNode(t, baseConfig(procs.URLs(), "b"), "")
	a.put("warm-up", "Premier", "Le stream existe.")
	killed := -1
	acked, statuses := writeMany(t, []*testNode{a, b}, "kill9", 240, 8, func() {
		if killed = procs.StreamLeader(cluster.DefaultStream); killed >= 0 {
			procs.Kill(killed)
		}
	})
	t.Logf("statuses %v; SIGKILLed the stream leader %d", statuses, killed)
	if killed < 0 {
		t.Fatal("no stream leader found to kill")
	}
	procs.Restart(killed)
	more, _ := writeMany(t, []*testNode{a}, "last", 40, 4, nil)
	for id, title := range more {
		acked[id] = title
	}
	for i := range 3 {
		procs.Kill(i)
	}
	for i := range 3 {
		procs.Restart(i)
	}
	procs.WaitJetStream()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if r := a.put("after-all-killed", "Reprise", "Après SIGKILL de tous les serveurs."); r.status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no write accepted within 60 s of restarting every server")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, n := range []*testNode{a, b} {
		n.waitApplied(a.node.Status().AppliedSeq, 30*time.Second)
	}
	checkHolds(t, []*testNode{a, b}, acked)
	// A new node replays the stream the killed servers recovered.
	c := startNode(t, baseConfig(procs.URLs(), "c"), "")
	c.waitApplied(a.node.Status().AppliedSeq, 30*time.Second)
	checkHolds(t, []*testNode{c}, acked)
}

// TestStatsCountAndSeqAgree checks that /api/stats reads the article count
// and cluster.applied_seq from one snapshot: while writers create new
// articles (every message of the stream creates one), each answer's count
// is what its applied_seq implies.
func TestStatsCountAndSeqAgree(t *testing.T) {
	nc := natstest.Start(t, 1, natstest.Options{})
	a := startNode(t, baseConfig(nc.URLs(), "a"), "")
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				b, _ := json.Marshal(map[string]string{"title": "Dépêche", "body": fmt.Sprintf("Dépêche %d du rédacteur %d.", i, w)})
				if r, err := a.do(http.MethodPut, fmt.Sprintf("/api/articles/w%d-%d", w, i), "application/json", b); err != nil || r.status != http.StatusCreated {
					t.Errorf("PUT: %v %d %s", err, r.status, r.body)
					return
				}
			}
		}()
	}
	var checked, moving int
	var last uint64
	deadline := time.Now().Add(20 * time.Second)
	for moving < 20 && time.Now().Before(deadline) && !t.Failed() {
		var st struct {
			Articles uint64 `json:"articles"`
			Cluster  struct {
				AppliedSeq uint64 `json:"applied_seq"`
			} `json:"cluster"`
		}
		a.mustDo(http.MethodGet, "/api/stats", "", nil).decode(t, &st)
		if st.Articles != st.Cluster.AppliedSeq {
			t.Errorf("/api/stats: %d articles with applied_seq %d", st.Articles, st.Cluster.AppliedSeq)
		}
		if st.Cluster.AppliedSeq != last {
			moving++
		}
		last = st.Cluster.AppliedSeq
		checked++
	}
	close(done)
	wg.Wait()
	if moving < 20 && !t.Failed() {
		t.Errorf("the writes hardly moved during the %d reads (%d changes): nothing was checked", checked, moving)
	}
	t.Logf("%d reads of /api/stats, applied_seq moved %d times, last %d", checked, moving, last)
}
