package api

// Hardening of the HTTP layer: compact bulk reports, bulks cut short by a
// shutdown, keyless writes from other sites, slow bodies, long logged
// values, an unavailable data folder.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"veille/index"
)

// TestBulkReportIsCompact posts 10 MiB of lines "1" (each one a bad
// article): the report names every line's error, in a range beyond the
// first lines, and stays small (it was 717 MB, one entry per line).
func TestBulkReportIsCompact(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	const n = 200_000 // the figures of 10 MiB, in the README, come from the binary
	body := strings.Repeat("1\n", n)
	rec := doWithin(t, s, http.MethodPost, "/api/articles", body, loopback(), header("Content-Type", "application/x-ndjson"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
	}
	size := rec.Body.Len()
	var rep bulkJSON
	decode(t, rec, &rep)
	t.Logf("%d bad lines: a report of %d bytes, %d items", n, size, len(rep.Items))
	if size > 512<<10 {
		t.Errorf("report of %d bytes for %d identical bad lines, want at most 512 KiB", size, n)
	}
	if rep.Lines != n || rep.Failed != n || rep.Created != 0 || rep.Truncated {
		t.Errorf("counts %+v, want %d failed lines, not truncated", rep, n)
	}
	if len(rep.Items) != bulkDetailedLines {
		t.Fatalf("%d items, want %d single lines then one range", len(rep.Items), bulkDetailedLines)
	}
	for i, it := range rep.Items[:bulkDetailedLines-1] {
		if it.Line != i+1 || it.LastLine != 0 || it.Status != "error" || it.Error == nil || it.Error.Code != codeInvalidArticle {
			t.Fatalf("item %d = %+v, want line %d alone, an error", i, it, i+1)
		}
	}
	last := rep.Items[len(rep.Items)-1]
	if last.Line != bulkDetailedLines || last.LastLine != n || last.Error == nil || !strings.Contains(last.Error.Message, "JSON object") {
		t.Errorf("last item = %+v (%+v), want lines %d to %d with their error", last, last.Error, bulkDetailedLines, n)
	}
}

// TestBulkReportRanges mixes good and bad lines beyond the detailed part:
// outcomes keep their line order, distinct errors get their own entries
// and consecutive equal outcomes share a range.
func TestBulkReportRanges(t *testing.T) {
	f := newFake()
	s, _ := testServer(t, f, Options{})
	var b strings.Builder
	const good = 6000 // two batches
	for i := range good {
		fmt.Fprintf(&b, `{"id":"g%d","title":"Article %d"}`+"\n", i, i)
	}
	b.WriteString(`{"id":"bad/1","title":"x"}` + "\n") // line 6001: invalid id
	b.WriteString("\n")                                // line 6002: blank
	for range 3 {
		b.WriteString(`{"title":` + "\n") // lines 6003-6005: malformed
	}
	fmt.Fprintf(&b, `{"id":"g0","title":"Remplacé"}`+"\n") // line 6006: updated
	rec := doWithin(t, s, http.MethodPost, "/api/articles", b.String(), loopback(), header("Content-Type", "application/x-ndjson"))
	var rep bulkJSON
	decode(t, rec, &rep)
	if rep.Lines != good+5 || rep.Created != good || rep.Updated != 1 || rep.Failed != 4 {
		t.Errorf("counts %+v", rep)
	}
	tail := rep.Items[bulkDetailedLines-1:]
	type want struct {
		line, last int
		status     string
		code       string
	}
	wants := []want{
		{bulkDetailedLines, good, "created", ""},
		{6001, 0, "error", codeInvalidID},
		{6003, 6005, "error", codeInvalidArticle},
		{6006, 0, "updated", ""},
	}
	if len(tail) != len(wants) {
		t.Fatalf("items after the detailed ones: %+v", tail)
	}
	for i, w := range wants {
		it := tail[i]
		if it.Line != w.line || it.LastLine != w.last || it.Status != w.status || (w.code != "") != (it.Error != nil) ||
			it.Error != nil && it.Error.Code != w.code {
			t.Errorf("item %+v (%+v), want %+v", it, it.Error, w)
		}
	}
	if tail[0].ID != "" || tail[3].ID != "g0" {
		t.Errorf("a range carries no id, a single line its own: %+v, %+v", tail[0], tail[3])
	}
	if len(f.articles) != good || f.articles["g0"].Title != "Remplacé" {
		t.Errorf("stored %d articles (g0 %+v)", len(f.articles), f.articles["g0"])
	}
}

// TestBulkReportIsCapped sends lines that all fail differently: the
// report stops listing them at bulkMaxItems entries and says so.
func TestBulkReportIsCapped(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	var b strings.Builder
	const n = bulkMaxItems + 500
	for i := range n {
		fmt.Fprintf(&b, `{"id":"bad id %d","title":"x"}`+"\n", i) // each message quotes its id
	}
	rec := doWithin(t, s, http.MethodPost, "/api/articles", b.String(), loopback(), header("Content-Type", "application/x-ndjson"))
	var rep bulkJSON
	decode(t, rec, &rep)
	if len(rep.Items) != bulkMaxItems || !rep.Truncated || rep.Failed != n || rep.Lines != n {
		t.Errorf("%d items, truncated %v, counts %+v; want %d items and truncated", len(rep.Items), rep.Truncated, rep, bulkMaxItems)
	}
}

// TestBulkDrains starts a bulk of several batches and drains the server
// (shutdown) while the first batch is being stored: the answer comes at
// once, the batch that was stored is reported stored, and every line not
// stored is reported so, with the code unavailable.
func TestBulkDrains(t *testing.T) {
	f := newFake()
	f.putGate = make(chan struct{})
	s, _ := testServer(t, f, Options{})
	var b strings.Builder
	const n = 3*bulkChunk + 10
	for i := range n {
		fmt.Fprintf(&b, `{"id":"d%d","title":"Article %d"}`+"\n", i, i)
	}
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		done <- do(t, s, http.MethodPost, "/api/articles", b.String(), loopback(), header("Content-Type", "application/x-ndjson"))
	}()
	f.putGate <- struct{}{} // the first batch is being stored
	s.Drain()
	close(f.putGate)
	var rec *httptest.ResponseRecorder
	select {
	case rec = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a drained bulk did not answer")
	}
	var rep bulkJSON
	decode(t, rec, &rep)
	if rep.Created != bulkChunk || rep.Failed != n-bulkChunk || len(f.articles) != bulkChunk {
		t.Fatalf("counts %+v, %d stored; want the first %d stored, the rest failed", rep, len(f.articles), bulkChunk)
	}
	last := rep.Items[len(rep.Items)-1]
	if last.Line != bulkChunk+1 || last.LastLine != n || last.Error == nil || last.Error.Code != codeUnavailable ||
		!strings.Contains(last.Error.Message, "not stored") {
		t.Errorf("last item %+v (%+v), want lines %d-%d not stored", last, last.Error, bulkChunk+1, n)
	}
}

// TestKeylessWritesRefuseOtherSites: without an admin key, a web page of
// another site must not write through the user's browser, neither by a
// simple cross-origin POST nor by DNS rebinding (its own host name
// resolving to 127.0.0.1), while local tools keep writing.
func TestKeylessWritesRefuseOtherSites(t *testing.T) {
	open, _ := testServer(t, newFake(), Options{})
	named, _ := testServer(t, newFake(), Options{AllowedHosts: []string{"veille.lan"}})
	keyed, _ := testServer(t, newFake(), Options{AdminKey: "k3y"})
	host := func(h string) reqOpt { return func(r *http.Request) { r.Host = h } }
	for _, tc := range []struct {
		name   string
		s      *Server
		method string
		target string
		opts   []reqOpt
		status int
	}{
		{"DNS rebinding: PUT", open, http.MethodPut, "/api/articles/x", []reqOpt{host("evil.example")}, http.StatusForbidden},
		{"DNS rebinding: same-origin for the browser", open, http.MethodPut, "/api/articles/x",
			[]reqOpt{host("evil.example:8080"), header("Origin", "http://evil.example:8080")}, http.StatusForbidden},
		{"cross-origin simple POST to reindex", open, http.MethodPost, "/api/reindex",
			[]reqOpt{header("Origin", "http://evil.example"), header("Content-Type", "text/plain")}, http.StatusForbidden},
		{"cross-origin POST, other port of localhost", open, http.MethodPost, "/api/reindex",
			[]reqOpt{header("Origin", "http://127.0.0.1:3000")}, http.StatusForbidden},
		{"cross-site fetch metadata", open, http.MethodDelete, "/api/articles/x", []reqOpt{header("Sec-Fetch-Site", "cross-site")}, http.StatusForbidden},
		{"same-site fetch metadata", open, http.MethodDelete, "/api/articles/x", []reqOpt{header("Sec-Fetch-Site", "same-site")}, http.StatusForbidden},
		{"opaque origin", open, http.MethodPost, "/api/reindex", []reqOpt{header("Origin", "null")}, http.StatusForbidden},
		{"curl, no Origin", open, http.MethodPut, "/api/articles/x", nil, http.StatusCreated},
		{"localhost", open, http.MethodPut, "/api/articles/x", []reqOpt{host("localhost:8080")}, http.StatusCreated},
		{"IPv6 loopback", open, http.MethodPut, "/api/articles/x", []reqOpt{host("[::1]:8080")}, http.StatusCreated},
		{"the service's own page", open, http.MethodPost, "/api/reindex",
			[]reqOpt{header("Origin", "http://127.0.0.1:8080"), header("Sec-Fetch-Site", "same-origin")}, http.StatusAccepted},
		{"a host name of --allowed-hosts", named, http.MethodPut, "/api/articles/x",
			[]reqOpt{host("veille.lan:8080"), header("Origin", "http://veille.lan:8080")}, http.StatusCreated},
		{"reads under any host by default", open, http.MethodGet, "/api/search?q=x", []reqOpt{host("evil.example")}, http.StatusOK},
		{"reads under another host with --allowed-hosts", named, http.MethodGet, "/api/search?q=x", []reqOpt{host("evil.example")}, http.StatusForbidden},
		{"reads by IP with --allowed-hosts", named, http.MethodGet, "/api/search?q=x", nil, http.StatusOK},
		{"admin key: any host", keyed, http.MethodPut, "/api/articles/x",
			[]reqOpt{host("veille.example.org"), header("Authorization", "Bearer k3y")}, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			opts := append([]reqOpt{loopback()}, tc.opts...)
			if tc.method == http.MethodPut {
				body = `{"title":"Écrit par une page","body":"Un texte."}`
				opts = append([]reqOpt{loopback(), jsonBody()}, tc.opts...)
			}
			rec := do(t, tc.s, tc.method, tc.target, body, opts...)
			if tc.status == http.StatusForbidden {
				wantError(t, rec, tc.status, codeForbidden)
				return
			}
			if rec.Code != tc.status && !(tc.method == http.MethodPut && rec.Code == http.StatusOK) {
				t.Errorf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
		})
	}
}

// TestSlowBodyIsCut trickles a request body over a real connection: the
// server closes it after the grace period instead of waiting for the
// whole read timeout.
func TestSlowBodyIsCut(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{BodyGrace: 500 * time.Millisecond})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /api/articles/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	start := time.Now()
	closed := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			closed <- err.Error()
			return
		}
		data, _ := io.ReadAll(resp.Body)
		closed <- fmt.Sprintf("HTTP %d %s", resp.StatusCode, data)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case what := <-closed:
			t.Logf("after %s: %s", time.Since(start).Round(time.Millisecond), what)
			if !strings.Contains(what, "HTTP 408") && !strings.Contains(what, "EOF") && !strings.Contains(what, "reset") {
				t.Errorf("a slow body got %s, want 408 or a closed connection", what)
			}
			return
		case <-tick.C:
			if time.Since(start) > 20*time.Second {
				t.Fatal("a body trickling at 10 bytes/s held the connection for 20 s")
			}
			_, _ = conn.Write([]byte(" ")) // one byte every 100 ms
		}
	}
}

// TestLoggedValuesAreCut sends a request whose URI is a megabyte long: the
// log line keeps a bounded part of it.
func TestLoggedValuesAreCut(t *testing.T) {
	s, logs := testServer(t, newFake(), Options{})
	long := strings.Repeat("é", 500_000)
	rec := do(t, s, http.MethodGet, "/api/search?q=x&unknown="+long, "")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d", rec.Code)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 4*maxLoggedValue {
			t.Errorf("a log line of %d bytes: %.200s…", len(line), line)
		}
	}
	if !strings.Contains(logs.String(), "bytes)") {
		t.Errorf("the log does not say the URI was cut:\n%.1000s", logs.String())
	}
}

// TestUnavailableDataFolder: while the data folder is gone, /readyz is 503
// and reads and writes answer 503 unavailable, never 500.
func TestUnavailableDataFolder(t *testing.T) {
	f := newFake(seedArticle())
	gone := fmt.Errorf("%w: the data folder /srv/veille cannot be read", index.ErrUnavailable)
	f.healthErr, f.getErr, f.searchErr, f.statsErr, f.putErr = gone, gone, gone, gone, gone
	s, _ := testServer(t, f, Options{})
	s.SetReady(true)
	wantError(t, do(t, s, http.MethodGet, "/readyz", ""), http.StatusServiceUnavailable, codeNotReady, "data folder")
	for _, r := range []struct{ method, target, body string }{
		{http.MethodGet, "/api/articles/001_eda08fda6618b654", ""},
		{http.MethodGet, "/api/search?q=x", ""},
		{http.MethodGet, "/api/stats", ""},
		{http.MethodPut, "/api/articles/x", `{"title":"x","body":"y"}`},
	} {
		e := wantError(t, do(t, s, r.method, r.target, r.body, loopback(), jsonBody()), http.StatusServiceUnavailable, codeUnavailable, "data folder")
		if strings.Contains(e.Message, "/srv/veille") {
			t.Errorf("%s %s: the message shows the server's path: %q", r.method, r.target, e.Message)
		}
	}
	f.mu.Lock()
	f.healthErr = nil
	f.mu.Unlock()
	if rec := do(t, s, http.MethodGet, "/readyz", ""); rec.Code != http.StatusOK {
		t.Errorf("/readyz once the folder is back: %d", rec.Code)
	}
}
