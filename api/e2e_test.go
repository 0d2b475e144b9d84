package api

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"veille/analyzers"
	"veille/corpus"
	"veille/index"
)

// realServer opens a real index in a temporary folder with the real
// extractor and serves it; the seed corpus is not loaded.
func realServer(t *testing.T, opts Options) (*Server, *index.Index) {
	t.Helper()
	idx, ext := openRealIndex(t, index.Options{})
	if opts.Countries == nil {
		opts.Countries = ext.Countries()
	}
	s, _ := testServer(t, idx, opts)
	return s, idx
}

// openRealIndex opens a real index in a temporary folder with the real
// extractor, closed at the end of the test.
func openRealIndex(t *testing.T, opts index.Options) (*index.Index, *analyzers.Extractor) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test with the real index")
	}
	ext, err := analyzers.NewExtractor(analyzers.ExtractorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Enricher = ext
	idx, err := index.Open(context.Background(), t.TempDir(), opts)
	if err != nil {
		t.Fatalf("index.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := idx.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return idx, ext
}

// putSeeds PUTs every seed article as raw text, named after its file.
func putSeeds(t *testing.T, s *Server) []string {
	t.Helper()
	seeds := corpus.Seeds()
	names, err := fs.Glob(seeds, "*.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("seeds: %v %v", names, err)
	}
	var ids []string
	for _, name := range names {
		data, err := fs.ReadFile(seeds, name)
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSuffix(name, ".txt")
		rec := do(t, s, http.MethodPut, "/api/articles/"+id, string(data), loopback(), header("Content-Type", "text/plain; charset=utf-8"))
		if rec.Code != http.StatusCreated {
			t.Fatalf("PUT %s = %d %s", id, rec.Code, rec.Body)
		}
		var a articleJSON
		decode(t, rec, &a)
		if a.ID != id || a.Title == "" || a.Body == "" || a.Language == "" {
			t.Errorf("stored seed %s: title %q, %d bytes of body, language %q", id, a.Title, len(a.Body), a.Language)
		}
		ids = append(ids, id)
	}
	return ids
}

func search(t *testing.T, s *Server, query string) searchJSON {
	t.Helper()
	rec := do(t, s, http.MethodGet, "/api/search?"+query, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("search %s = %d %s", query, rec.Code, rec.Body)
	}
	var res searchJSON
	decode(t, rec, &res)
	return res
}

func TestEndToEndSeeds(t *testing.T) {
	s, _ := realServer(t, Options{})
	ids := putSeeds(t, s)

	t.Run("search highlights and facets", func(t *testing.T) {
		res := search(t, s, "q=nvidia")
		if res.Total == 0 || len(res.Hits) == 0 {
			t.Fatalf("no hit for nvidia: %+v", res)
		}
		marked := false
		for _, h := range res.Hits {
			for _, frag := range append(h.Highlights["title"], h.Highlights["body"]...) {
				if strings.Contains(strings.ToLower(frag), "<mark>nvidia</mark>") {
					marked = true
				}
			}
		}
		if !marked {
			t.Errorf("no <mark>Nvidia</mark> in highlights: %+v", res.Hits)
		}
		if res.Query != "nvidia" || res.Page != 1 || res.PerPage != 10 || res.TookMS <= 0 {
			t.Errorf("envelope: %+v", res)
		}
		all := search(t, s, "")
		if all.Total != uint64(len(ids)) {
			t.Errorf("empty query total = %d, want %d", all.Total, len(ids))
		}
		if len(all.Facets.Lang) == 0 || all.Facets.Lang[0].Value != "fr" {
			t.Errorf("lang facet = %+v", all.Facets.Lang)
		}
		for i := 1; i < len(all.Hits); i++ {
			if all.Hits[i-1].Published < all.Hits[i].Published {
				t.Errorf("empty query not newest first: %s before %s", all.Hits[i-1].Published, all.Hits[i].Published)
			}
		}
	})

	t.Run("raw JSON keeps arrays", func(t *testing.T) {
		rec := do(t, s, http.MethodGet, "/api/search?q=nvidia&highlight=none", "")
		var raw map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		facets, _ := raw["facets"].(map[string]any)
		for _, k := range []string{"company", "country", "lang", "amount", "month"} {
			if _, ok := facets[k].([]any); !ok {
				t.Errorf("facet %s = %v, want an array", k, facets[k])
			}
		}
		if strings.Contains(rec.Body.String(), "<mark>") {
			t.Errorf("highlight=none still marks")
		}
	})

	t.Run("filters reach the engine", func(t *testing.T) {
		if res := search(t, s, "lang=en"); res.Total != 0 {
			t.Errorf("lang=en total = %d, want 0", res.Total)
		}
		if res := search(t, s, "lang=fr&per_page=2"); len(res.Hits) != 2 || res.Total != uint64(len(ids)) {
			t.Errorf("lang=fr&per_page=2: %d hits of %d", len(res.Hits), res.Total)
		}
		if res := search(t, s, "from=2100-01-01"); res.Total != 0 {
			t.Errorf("from=2100: total %d", res.Total)
		}
	})

	t.Run("bad input is never a 5xx", func(t *testing.T) {
		for _, q := range []string{`"unclosed`, `-`, `--x`, `"`, `*`, `+`, `nvidia OR`, `((`, `\`, `title:x`, `ab~2`, `^3`} {
			rec := do(t, s, http.MethodGet, "/api/search?q="+url.QueryEscape(q), "")
			if rec.Code >= 500 {
				t.Errorf("q=%q: %d %s", q, rec.Code, rec.Body)
			}
		}
	})

	t.Run("get, delete, 404", func(t *testing.T) {
		id := ids[0]
		rec := do(t, s, http.MethodGet, "/api/articles/"+id, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET = %d", rec.Code)
		}
		if rec := do(t, s, http.MethodDelete, "/api/articles/"+id, "", loopback()); rec.Code != http.StatusNoContent {
			t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
		}
		wantError(t, do(t, s, http.MethodGet, "/api/articles/"+id, ""), http.StatusNotFound, codeNotFound)
		wantError(t, do(t, s, http.MethodDelete, "/api/articles/"+id, "", loopback()), http.StatusNotFound, codeNotFound)
		if res := search(t, s, ""); res.Total != uint64(len(ids)-1) {
			t.Errorf("after delete total = %d", res.Total)
		}
	})

	t.Run("replace answers 200", func(t *testing.T) {
		rec := do(t, s, http.MethodPut, "/api/articles/"+ids[1], `{"title": "Titre remplacé", "body": "Un corps tout neuf sur Mistral AI."}`, loopback(), jsonBody())
		if rec.Code != http.StatusOK {
			t.Fatalf("replace = %d %s", rec.Code, rec.Body)
		}
		if res := search(t, s, "q=remplac%C3%A9"); res.Total != 1 || res.Hits[0].ID != ids[1] {
			t.Errorf("replaced article not found by its new title: %+v", res)
		}
	})

	t.Run("stats and reindex", func(t *testing.T) {
		var st statsJSON
		decode(t, do(t, s, http.MethodGet, "/api/stats", ""), &st)
		if st.Articles != uint64(len(ids)-1) || st.Languages["fr"] == 0 || st.LastIngest == nil || st.IndexSizeBytes <= 0 {
			t.Errorf("stats = %+v", st)
		}
		rec := do(t, s, http.MethodPost, "/api/reindex?wait=true", "", loopback())
		if rec.Code != http.StatusOK {
			t.Fatalf("reindex = %d %s", rec.Code, rec.Body)
		}
		if res := search(t, s, "q=nvidia"); res.Total == 0 {
			t.Errorf("nothing found after a rebuild")
		}
	})
}

// sharedData returns the path of a file of the shared data folder
// (../shared/data from the module root), skipping the test when absent.
func sharedData(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available: %v", name, err)
	}
	return p
}

// firstLines returns the first n lines of a gzipped file.
func firstLines(t *testing.T, path string, n int) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 4<<20)
	var lines []string
	for len(lines) < n && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestEndToEndOrangeSum posts unseen news through the NDJSON bulk route
// as a client would (OrangeSum lines: id, url, date, category, title,
// text) and runs the benchmark queries: every line lands, no query is a
// 5xx, and most queries find something.
func TestEndToEndOrangeSum(t *testing.T) {
	lines := firstLines(t, sharedData(t, "orangesum-fr.jsonl.gz"), 400)
	s, _ := realServer(t, Options{})
	rec := do(t, s, http.MethodPost, "/api/articles", strings.Join(lines, "\n"), loopback(),
		header("Content-Type", "application/x-ndjson"))
	if rec.Code != http.StatusOK {
		t.Fatalf("bulk = %d %.500s", rec.Code, rec.Body)
	}
	var rep bulkJSON
	decode(t, rec, &rep)
	if rep.Lines != len(lines) || rep.Created != len(lines) {
		for _, it := range rep.Items {
			if it.Error != nil {
				t.Errorf("line %d: %+v", it.Line, it.Error)
			}
		}
		t.Fatalf("report: %d lines, %d created, %d failed", rep.Lines, rep.Created, rep.Failed)
	}

	queries, err := os.ReadFile(filepath.Join("..", "..", "shared", "bench", "queries-fr.txt"))
	if err != nil {
		t.Skipf("queries: %v", err)
	}
	found, total := 0, 0
	for _, q := range strings.Split(strings.TrimSpace(string(queries)), "\n") {
		total++
		rec := do(t, s, http.MethodGet, "/api/search?q="+url.QueryEscape(q), "")
		if rec.Code != http.StatusOK {
			t.Errorf("q=%q: %d %s", q, rec.Code, rec.Body)
			continue
		}
		var res searchJSON
		decode(t, rec, &res)
		if res.Total > 0 {
			found++
		}
	}
	t.Logf("%d/%d benchmark queries find something in %d OrangeSum articles", found, total, len(lines))
	if found < total/3 {
		t.Errorf("only %d of %d queries find anything", found, total)
	}
	res := search(t, s, "per_page=1")
	if len(res.Facets.Month) == 0 || len(res.Facets.Lang) == 0 || res.Facets.Lang[0].Value != "fr" {
		t.Errorf("facets on OrangeSum: %+v", res.Facets)
	}
}

func TestEndToEndBulk(t *testing.T) {
	s, _ := realServer(t, Options{})
	body := strings.Join([]string{
		`{"id": "b1", "title": "Nvidia investit au Royaume-Uni", "body": "Nvidia va investir 683 millions de dollars dans Nscale au Royaume-Uni.", "published": "2025-09-16"}`,
		`{"id": "b2", "title": 3}`,
		`{"id": "b3", "text": "Mistral AI lève 1,7 milliard d'euros auprès d'ASML.", "date": "2025-09-09"}`,
		`{"id": "b1", "title": "Nvidia investit au Royaume-Uni (mis à jour)", "body": "Nvidia va investir 683 millions de dollars dans Nscale.", "published": "2025-09-16"}`,
	}, "\n")
	rec := do(t, s, http.MethodPost, "/api/articles", body, loopback(), header("Content-Type", "application/x-ndjson"))
	if rec.Code != http.StatusOK {
		t.Fatalf("bulk = %d %s", rec.Code, rec.Body)
	}
	var rep bulkJSON
	decode(t, rec, &rep)
	if rep.Lines != 4 || rep.Failed != 1 || rep.Items[1].Status != "error" || rep.Items[0].Status != "created" || rep.Items[3].Status != "updated" {
		t.Errorf("report = %+v", rep)
	}
	var a articleJSON
	decode(t, do(t, s, http.MethodGet, "/api/articles/b1", ""), &a)
	if !strings.Contains(a.Title, "mis à jour") || a.Published != "2025-09-16" {
		t.Errorf("b1 = %+v", a)
	}
	if res := search(t, s, "q=mistral"); res.Total != 1 || res.Hits[0].ID != "b3" {
		t.Errorf("q=mistral: %+v", res)
	}
}
