package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"veille/api"
	"veille/corpus/corpustest"
)

// orangeSumLines returns the first n OrangeSum articles as NDJSON lines
// of the API, skipping the test without the shared data.
func orangeSumLines(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for _, d := range corpustest.ReadJSONL(t, "orangesum-fr.jsonl.gz", n) {
		line, _ := json.Marshal(map[string]string{"id": d.ID, "title": d.Title, "body": d.Text, "published": d.Date, "language": "fr"})
		out = append(out, string(line))
	}
	return out
}

// TestBinaryTotalsStableWhileMerging loads OrangeSum articles into the
// binary, replaces half of them (deleted documents in its segments), then,
// while Bleve merges segments in the background and nothing is written,
// asks the same searches again and again: typos, completions, both modes.
// Every answer must give the same total and the same first page, and a
// walk with the cursor must return every hit once (the dropped hits were
// those matched through completions, whose choice followed the segments:
// 1407 → 1382 → 1409 on the same data).
func TestBinaryTotalsStableWhileMerging(t *testing.T) {
	lines := orangeSumLines(t, 6000)
	s := startService(t, "--data", t.TempDir(), "--corpus", t.TempDir())
	post := func(batch []string) {
		code, body := s.do(http.MethodPost, "/api/articles", "application/x-ndjson", strings.Join(batch, "\n"))
		if code != http.StatusOK {
			t.Fatalf("bulk: HTTP %d: %.300s", code, body)
		}
	}
	for i := 0; i < len(lines); i += 300 { // small requests: many segments
		post(lines[i:min(i+300, len(lines))])
	}
	var replaced []string
	for i, l := range lines {
		if i%2 == 0 {
			replaced = append(replaced, strings.Replace(l, `"body":"`, `"body":"Mise à jour gouvernementale. `, 1))
		}
	}
	for i := 0; i < len(replaced); i += 200 {
		post(replaced[i:min(i+200, len(replaced))])
	}
	search := func(params url.Values) api.SearchResponse {
		code, body := s.do(http.MethodGet, "/api/search?"+params.Encode(), "", "")
		if code != http.StatusOK {
			t.Fatalf("search %v: HTTP %d: %.300s", params, code, body)
		}
		var r api.SearchResponse
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	queries := []url.Values{
		{"q": {"gouv"}, "prefix": {"last"}, "highlight": {"none"}},
		{"q": {"président macr"}, "prefix": {"last"}, "mode": {"any"}, "highlight": {"none"}},
		{"q": {"gouvernemnt réforme"}, "highlight": {"none"}},
		{"q": {"mise à jour gouvernementale"}, "mode": {"any"}, "highlight": {"none"}},
	}
	first := make([]api.SearchResponse, len(queries))
	for i, q := range queries {
		first[i] = search(q)
		if first[i].Total == 0 {
			t.Fatalf("%v: no hit", q)
		}
	}
	firstPage := func(r api.SearchResponse) string {
		ids := make([]string, len(r.Hits))
		for i, h := range r.Hits {
			ids[i] = fmt.Sprintf("%s@%v", h.ID, h.Score)
		}
		return strings.Join(ids, " ")
	}
	rounds := 0
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); rounds++ {
		for i, q := range queries {
			r := search(q)
			if r.Total != first[i].Total || firstPage(r) != firstPage(first[i]) {
				t.Fatalf("round %d, %v: total %d, first page %s; at first %d, %s", rounds, q, r.Total, firstPage(r), first[i].Total, firstPage(first[i]))
			}
		}
		// A cursor walk of the first query, 100 hits a page.
		q := url.Values{}
		for k, v := range queries[rounds%len(queries)] {
			q[k] = v
		}
		q.Set("per_page", "100")
		seen := map[string]bool{}
		total := first[rounds%len(queries)].Total
		for page := 0; page < 100; page++ {
			r := search(q)
			for _, h := range r.Hits {
				if seen[h.ID] {
					t.Fatalf("round %d, %v: %s returned twice by the cursor", rounds, q, h.ID)
				}
				seen[h.ID] = true
			}
			if r.NextCursor == "" {
				break
			}
			q.Set("cursor", r.NextCursor)
		}
		if uint64(len(seen)) != total {
			t.Fatalf("round %d, %v: the cursor walked %d hits of %d", rounds, queries[rounds%len(queries)], len(seen), total)
		}
	}
	t.Logf("%d rounds of %d searches and a cursor walk, totals %d %d %d %d", rounds, len(queries),
		first[0].Total, first[1].Total, first[2].Total, first[3].Total)
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Errorf("stop: %v", err)
	}
}
