package cluster_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"veille/analyzers"
	"veille/api"
	"veille/cluster"
	"veille/cluster/natstest"
	"veille/index"
)

// extractor is the real extraction pipeline, built once: its language
// models are shared by every node of a test binary.
var extractor = sync.OnceValues(func() (*analyzers.Extractor, error) {
	return analyzers.NewExtractor(analyzers.ExtractorOptions{})
})

// testNode is one veille node of a test: its data folder, index, cluster
// membership and HTTP API on a loopback port.
type testNode struct {
	t    testing.TB
	name string
	dir  string
	cfg  cluster.Config
	node *cluster.Node
	idx  *index.Index
	http *httptest.Server
	logs *syncBuffer
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// baseConfig is the cluster configuration of a test node on the NATS
// servers at urls.
func baseConfig(urls []string, name string) cluster.Config {
	return cluster.Config{
		URLs:           urls,
		Replicas:       min(3, len(urls)),
		Node:           name,
		PublishTimeout: 4 * time.Second,
		ReplicaAlert:   time.Second,
	}
}

// startNode starts a node with its data folder dir (a new one when empty).
func startNode(t testing.TB, cfg cluster.Config, dir string) *testNode {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	node, err := cluster.Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("node %s: Connect: %v", cfg.Node, err)
	}
	ext, err := extractor()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Open(ctx, dir, index.Options{Enricher: ext, CursorKey: node.CursorKey()})
	if err != nil {
		node.Close()
		t.Fatalf("node %s: open index: %v", cfg.Node, err)
	}
	if err := node.Start(idx); err != nil {
		t.Fatal(err)
	}
	srv := api.New(node, api.Options{Countries: ext.Countries()})
	srv.SetReady(true)
	n := &testNode{t: t, name: cfg.Node, dir: dir, cfg: cfg, node: node, idx: idx, http: httptest.NewServer(srv.Handler()), logs: logs}
	t.Cleanup(n.stop)
	return n
}

// stop stops the node (HTTP, cluster membership, index); idempotent.
func (n *testNode) stop() {
	if n.http == nil {
		return
	}
	n.http.Close()
	n.node.Close()
	if err := n.idx.Close(); err != nil {
		n.t.Errorf("node %s: close index: %v", n.name, err)
	}
	n.http = nil
	if n.t.Failed() {
		n.t.Logf("log of node %s:\n%s", n.name, n.logs.String())
	}
}

// restart stops the node and starts it again on its data folder.
func (n *testNode) restart() *testNode {
	n.t.Helper()
	n.stop()
	return startNode(n.t, n.cfg, n.dir)
}

// response is an HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) seq() uint64 {
	s, _ := strconv.ParseUint(r.header.Get("X-Veille-Seq"), 10, 64)
	return s
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request to the node's API.
func (n *testNode) do(method, path, contentType string, body []byte) (response, error) {
	req, err := http.NewRequest(method, n.http.URL+path, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func (n *testNode) mustDo(method, path, contentType string, body []byte) response {
	n.t.Helper()
	r, err := n.do(method, path, contentType, body)
	if err != nil {
		n.t.Fatalf("%s %s on %s: %v", method, path, n.name, err)
	}
	return r
}

// put PUTs a JSON article.
func (n *testNode) put(id, title, body string) response {
	n.t.Helper()
	b, _ := json.Marshal(map[string]string{"title": title, "body": body})
	return n.mustDo(http.MethodPut, "/api/articles/"+id, "application/json", b)
}

// searchResult is the part of a search response the tests read.
type searchResult struct {
	Total int `json:"total"`
	Hits  []struct {
		ID    string
		Score float64 `json:"score"`
	}
	Facets       map[string][]facetCount `json:"facets"`
	ResultFacets map[string][]facetCount `json:"result_facets"`
	Corrections  map[string]string       `json:"corrections"`
}

type facetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

func (n *testNode) search(query string) searchResult {
	n.t.Helper()
	r := n.mustDo(http.MethodGet, "/api/search?"+query, "", nil)
	if r.status != http.StatusOK {
		n.t.Fatalf("search %q on %s: %d %s", query, n.name, r.status, r.body)
	}
	var s searchResult
	r.decode(n.t, &s)
	return s
}

// count is the number of articles the node holds.
func (n *testNode) count() int { return n.search("per_page=1").Total }

// waitApplied waits until the node has applied seq.
func (n *testNode) waitApplied(seq uint64, within time.Duration) {
	n.t.Helper()
	deadline := time.Now().Add(within)
	for n.node.Status().AppliedSeq < seq {
		if time.Now().After(deadline) {
			n.t.Fatalf("node %s applied %d after %s, want %d", n.name, n.node.Status().AppliedSeq, within, seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lastSeq returns the stream's last sequence.
func lastSeq(t testing.TB, nc *natstest.Cluster, stream string) uint64 {
	t.Helper()
	info := streamInfo(t, nc, stream)
	return info.State.LastSeq
}

// orangeSum returns up to n lines of the OrangeSum file as an NDJSON
// body for the bulk API, skipping the test when the shared data is absent.
func orangeSum(t testing.TB, n int) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "shared", "data", "orangesum-fr.jsonl.gz"))
	if err != nil {
		t.Skipf("OrangeSum not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var b bytes.Buffer
	for i := 0; i < n && sc.Scan(); i++ {
		b.Write(sc.Bytes())
		b.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bulkResult is a bulk response.
type bulkResult struct {
	Lines, Created, Updated, Failed, Accepted int
	Seq                                       uint64
	Items                                     []struct {
		Line   int
		ID     string
		Status string
	}
}

// bulk posts an NDJSON body and fails unless every line is stored.
func (n *testNode) bulk(body []byte) bulkResult {
	n.t.Helper()
	r := n.mustDo(http.MethodPost, "/api/articles", "application/x-ndjson", body)
	if r.status != http.StatusOK {
		n.t.Fatalf("bulk on %s: %d %s", n.name, r.status, r.body)
	}
	var out bulkResult
	r.decode(n.t, &out)
	if out.Failed > 0 || out.Accepted > 0 {
		n.t.Fatalf("bulk on %s: %d failed, %d accepted of %d: %.500s", n.name, out.Failed, out.Accepted, out.Lines, r.body)
	}
	return out
}

// ids returns every article id the node holds, in order.
func (n *testNode) ids() []string {
	n.t.Helper()
	var out []string
	cursor := ""
	for {
		q := "per_page=100&sort=date&highlight=none"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		r := n.mustDo(http.MethodGet, "/api/search?"+q, "", nil)
		var s struct {
			Hits       []struct{ ID string }
			NextCursor string `json:"next_cursor"`
		}
		r.decode(n.t, &s)
		for _, h := range s.Hits {
			out = append(out, h.ID)
		}
		if s.NextCursor == "" {
			return out
		}
		cursor = s.NextCursor
	}
}

func idsString(ids []string) string {
	if len(ids) > 10 {
		return fmt.Sprintf("%s... (%d)", strings.Join(ids[:10], ","), len(ids))
	}
	return strings.Join(ids, ",")
}

// httptestNode serves an index that is not part of a cluster through the
// real API, as a testNode (without cluster membership).
func httptestNode(t testing.TB, idx *index.Index) *testNode {
	srv := httptest.NewServer(api.New(idx, api.Options{}).Handler())
	t.Cleanup(srv.Close)
	return &testNode{t: t, name: "one-node", http: srv}
}
