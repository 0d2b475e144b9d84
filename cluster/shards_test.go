package cluster_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"veille/cluster"
	"veille/cluster/natstest"
	"veille/corpus"
	"veille/index"
)

// benchQueries returns the 300 benchmark queries, skipping the test when
// the shared benchmark material is absent.
func benchQueries(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "shared", "bench", "queries-fr.txt"))
	if err != nil {
		t.Skipf("benchmark queries not available: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q := strings.TrimSpace(sc.Text()); q != "" {
			out = append(out, q)
		}
	}
	return out
}

// singleIndex is one index holding body's articles, outside any cluster:
// the reference the shards must agree with.
func singleIndex(t testing.TB, body []byte) *index.Index {
	t.Helper()
	ext, err := extractor()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Open(context.Background(), t.TempDir(), index.Options{Enricher: ext})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	var items []index.Item
	err = corpus.ReadNDJSON(bytes.NewReader(body), func(_ int, a corpus.Article, err error) error {
		if err == nil {
			items = append(items, index.Item{Article: a})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range idx.PutMany(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return idx
}

// shardedCluster starts one node per partition set on its own stream
// and bucket of nc, loads body through the first, and waits until every
// node has applied it.
func shardedCluster(t testing.TB, nc *natstest.Cluster, name string, sets []string, body []byte) []*testNode {
	t.Helper()
	var nodes []*testNode
	for i, set := range sets {
		cfg := baseConfig(nc.URLs(), fmt.Sprintf("%s-%d", name, i))
		cfg.Stream, cfg.Bucket, cfg.ObjectBucket = "S_"+name, "kv_"+name, "obj_"+name
		ps, err := cluster.ParsePartitions(set)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Owned = ps
		nodes = append(nodes, startNode(t, cfg, ""))
	}
	lines := bytes.SplitAfter(bytes.TrimSpace(body), []byte("\n"))
	for i := 0; i < len(lines); i += 2000 {
		nodes[0].bulk(bytes.Join(lines[i:min(i+2000, len(lines))], nil))
	}
	last := streamInfo(t, nc, "S_"+name).State.LastSeq
	for _, n := range nodes {
		deadline := time.Now().Add(60 * time.Second)
		for !n.node.Status().Ready || n.node.Status().Lag > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("node %s not caught up: %+v (stream at %d)", n.name, n.node.Status(), last)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Every node sees the others' records (heartbeats).
	deadline := time.Now().Add(20 * time.Second)
	for {
		if r, err := nodes[0].do(http.MethodGet, "/api/search?per_page=1", "", nil); err == nil && r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the shard groups never covered every partition")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nodes
}

// apiSearch searches through a node's API.
func apiSearch(t testing.TB, n *testNode, params url.Values) searchResult {
	t.Helper()
	r := n.mustDo(http.MethodGet, "/api/search?"+params.Encode(), "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("search %v on %s: %d %s", params, n.name, r.status, r.body)
	}
	var s searchResult
	r.decode(t, &s)
	return s
}

// TestShards: two and four shards answer as one node holding every
// article: the same totals, facet counts (multi-select and within the
// results) and pages for filters, exclusions and cursor walks, and on the
// benchmark queries the same top ten, in the same order, each article
// with the score one node gives it (the shards score with the corpus's
// counts); held to the floor of 95 % of the queries.
func TestShards(t *testing.T) {
	n := 3000
	if testing.Short() || raceOn {
		n = 1000
	}
	body := orangeSum(t, n)
	queries := benchQueries(t)
	single := singleIndex(t, body)
	ref := httptestNode(t, single)
	layouts := map[string][]string{
		"two":  {"0-7", "8-15"},
		"four": {"0-3", "4-7", "8-11", "12-15"},
	}
	for _, name := range []string{"two", "four"} {
		t.Run(name, func(t *testing.T) {
			nc := natstest.Start(t, 1, natstest.Options{}) // a stream of its own
			nodes := shardedCluster(t, nc, name, layouts[name], body)
			facetQueries := []url.Values{
				{"per_page": {"1"}},
				{"country": {"FR"}},
				{"company": {"Renault"}, "country": {"FR", "DE"}},
				{"amount_min": {"1000000"}, "sort": {"-amount"}},
				{"lang": {"fr"}, "from": {"2019-01-01"}, "to": {"2019-12-31"}},
				{"q": {"gouvernemnt"}, "exclude_country": {"FR"}},
				{"q": {"banque"}, "country": {"FR"}, "facet_size": {"3"}},
				{"facet_query": {"country:al"}, "facet_size": {"5"}}, // a search among the facet's values
			}
			for _, p := range facetQueries {
				want := apiSearch(t, ref, p)
				for _, node := range nodes {
					got := apiSearch(t, node, p)
					if got.Total != want.Total || fmt.Sprint(got.Facets) != fmt.Sprint(want.Facets) || fmt.Sprint(got.ResultFacets) != fmt.Sprint(want.ResultFacets) {
						t.Fatalf("%v on %s: total %d, facets %v %v\none node: total %d, facets %v %v", p, node.name,
							got.Total, got.Facets, got.ResultFacets, want.Total, want.Facets, want.ResultFacets)
					}
				}
			}
			// Paging: page 2, and a cursor walk, give what one node gives.
			p := url.Values{"country": {"FR"}, "per_page": {"7"}, "page": {"2"}}
			if got, want := apiSearch(t, nodes[1], p), apiSearch(t, ref, p); !slices.Equal(hitIDsOf(got), hitIDsOf(want)) {
				t.Fatalf("page 2: %v, one node %v", hitIDsOf(got), hitIDsOf(want))
			}
			if got, want := cursorWalk(t, nodes[0], "sort=date&per_page=50"), cursorWalk(t, ref, "sort=date&per_page=50"); !slices.Equal(got, want) {
				t.Fatalf("a cursor walk by date: %d ids, one node %d", len(got), len(want))
			}
			if got, want := cursorWalk(t, nodes[0], "q=banque&per_page=20"), cursorWalk(t, ref, "q=banque&per_page=20"); !slices.Equal(got, want) {
				t.Fatalf("a cursor walk by relevance: %d ids, one node %d", len(got), len(want))
			}

			sets, order, totals, scored := 0, 0, 0, 0
			worst := 0.0
			var differ []string
			for _, q := range queries {
				p := url.Values{"q": {q}, "highlight": {"none"}}
				want, got := apiSearch(t, ref, p), apiSearch(t, nodes[len(nodes)-1], p)
				if got.Total == want.Total {
					totals++
				}
				g, w := hitIDsOf(got), hitIDsOf(want)
				if slices.Equal(g, w) {
					order++
					for i, h := range got.Hits {
						d := math.Abs(h.Score-want.Hits[i].Score) / math.Max(1, math.Abs(want.Hits[i].Score))
						worst = max(worst, d)
						scored++
					}
				}
				slices.Sort(g)
				slices.Sort(w)
				if slices.Equal(g, w) {
					sets++
				} else {
					differ = append(differ, q)
				}
			}
			t.Logf("%s shards, %d articles, %d queries: top-10 sets equal to one node on %d, in the same order on %d, totals equal on %d; largest relative score difference %.2g over %d hits",
				name, n, len(queries), sets, order, totals, worst, scored)
			if sets*100 < 95*len(queries) {
				t.Errorf("top-10 sets agree on %d/%d queries, below 95 %%; they differ on %v", sets, len(queries), differ[:min(10, len(differ))])
			}
			if worst > 1e-9 {
				t.Errorf("an article scores differently on its shard than on one node (relative difference %.2g)", worst)
			}
		})
	}
}

// TestShardsCountArticlesOnce checks the articles count of a sharded
// search (the response's "articles", beside a collapsed search's total
// of stories): each article once, as one node counts it.
func TestShardsCountArticlesOnce(t *testing.T) {
	var body bytes.Buffer
	const n = 12
	for i := range n {
		fmt.Fprintf(&body, `{"id":"a%d","title":"Article %d","body":"Le texte numéro %d parle de la filière %d."}`+"\n", i, i, i, i)
	}
	nc := natstest.Start(t, 1, natstest.Options{})
	nodes := shardedCluster(t, nc, "count", []string{"0-7", "8-15"}, body.Bytes())
	for _, collapse := range []string{"", "story"} {
		r := nodes[1].mustDo(http.MethodGet, "/api/search?collapse="+collapse, "", nil)
		var got struct{ Total, Articles int }
		r.decode(t, &got)
		if r.status != http.StatusOK || got.Articles != n || got.Total != n {
			t.Errorf("collapse=%q on two shards: %d %s, want %d articles and total %d", collapse, r.status, r.body, n, n)
		}
	}
}

func hitIDsOf(s searchResult) []string {
	out := make([]string, len(s.Hits))
	for i, h := range s.Hits {
		out[i] = h.ID
	}
	return out
}

// cursorWalk pages through every hit of a search with its cursor.
func cursorWalk(t *testing.T, n *testNode, query string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		r := n.mustDo(http.MethodGet, "/api/search?"+q, "", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s on %s: %d %s", q, n.name, r.status, r.body)
		}
		var s struct {
			Hits       []struct{ ID string }
			NextCursor string `json:"next_cursor"`
		}
		r.decode(t, &s)
		for _, h := range s.Hits {
			out = append(out, h.ID)
		}
		if s.NextCursor == "" {
			return out
		}
		cursor = s.NextCursor
	}
}
