package main

// The service under an unlucky operator, through the real binary: the
// data folder deleted or replaced under it, the corpus folder replaced,
// a shutdown in the middle of a bulk, more connections than it takes.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// timed runs one request and fails the test if it takes longer than
// limit: nothing may hang.
func (s *service) timed(limit time.Duration, method, path, contentType, body string) (int, []byte, time.Duration) {
	s.t.Helper()
	start := time.Now()
	type answer struct {
		code int
		body []byte
	}
	done := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := (&http.Client{Timeout: limit + 5*time.Second}).Do(req)
		if err != nil {
			done <- answer{code: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		done <- answer{resp.StatusCode, []byte(b.String())}
	}()
	select {
	case a := <-done:
		if took := time.Since(start); took > limit {
			s.t.Errorf("%s %s answered after %s, over %s", method, path, took, limit)
		}
		return a.code, a.body, time.Since(start)
	case <-time.After(limit + 10*time.Second):
		s.t.Fatalf("%s %s: no answer within %s", method, path, limit+10*time.Second)
		return 0, nil, 0
	}
}

// waitStatus polls path until it answers want.
func (s *service) waitStatus(path string, want int, limit time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		if resp, err := http.Get(s.base + path); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return time.Since(start)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("%s did not answer %d within %s", path, want, limit)
	return 0
}

// TestBinaryDataFolderVanishes deletes the data folder under a running
// service (rm -rf): writes answer 503 at once, reads 503 (never a 500 from
// a panic, never a hang), /readyz turns 503, the log names the folder;
// when a copy of the folder is put back, the service serves and writes
// again without a restart; deleted again, SIGTERM still ends it within
// the shutdown timeout. Before, the second PUT never answered, searches
// hung after it, readiness stayed 200 and only kill -9 ended the process.
func TestBinaryDataFolderVanishes(t *testing.T) {
	parent := t.TempDir()
	data := filepath.Join(parent, "data")
	s := startService(t, "--data", data, "--shutdown-timeout", "3s")
	const doc = `{"title":"Safran livre des moteurs","body":"Safran livre des moteurs à Airbus."}`
	if code, body := s.do(http.MethodPut, "/api/articles/avant", "application/json", doc); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, body)
	}
	backup := filepath.Join(parent, "backup")
	if out, err := exec.Command("cp", "-a", data, backup).CombinedOutput(); err != nil {
		t.Skipf("cp -a: %v %s", err, out)
	}
	removeFolder(t, data)

	for i, r := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/articles/apres-1", doc},
		{http.MethodPut, "/api/articles/apres-2", doc}, // the one that never answered
		{http.MethodGet, "/api/articles/avant", ""},
		{http.MethodGet, "/api/search?q=safran", ""},
		{http.MethodGet, "/api/stats", ""},
		{http.MethodDelete, "/api/articles/avant", ""},
		{http.MethodGet, "/api/search?q=moteurs", ""},
	} {
		ct := ""
		if r.body != "" {
			ct = "application/json"
		}
		code, body, took := s.timed(5*time.Second, r.method, r.path, ct, r.body)
		t.Logf("%s %s after the deletion: %d in %s", r.method, r.path, code, took.Round(time.Millisecond))
		if code != http.StatusServiceUnavailable && !(r.method == http.MethodGet && code == http.StatusOK && i < 3) {
			t.Errorf("%s %s: %d %s, want 503", r.method, r.path, code, body)
		} else if code == http.StatusServiceUnavailable {
			if e := decodeAPIError(t, body); e.Error.Code != "unavailable" || !strings.Contains(e.Error.Message, "data folder") {
				t.Errorf("%s %s: %+v, want code unavailable saying the data folder is unavailable", r.method, r.path, e.Error)
			}
		}
	}
	took := s.waitStatus("/readyz", http.StatusServiceUnavailable, 5*time.Second)
	t.Logf("/readyz 503 %s after the requests", took.Round(time.Millisecond))
	if code, _ := s.do(http.MethodGet, "/healthz", "", ""); code != http.StatusOK {
		t.Errorf("/healthz: %d, want 200 (the process is alive)", code)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "data folder unavailable") || !strings.Contains(logs, "folder="+data) {
		t.Errorf("no log line names the vanished folder %s:\n%s", data, logs)
	}
	if strings.Contains(logs, "panic") {
		t.Errorf("a panic was logged:\n%s", logs)
	}

	// The folder comes back (a restored copy): served again, no restart.
	if err := os.Rename(backup, data); err != nil {
		t.Fatal(err)
	}
	took = s.waitStatus("/readyz", http.StatusOK, 10*time.Second)
	t.Logf("/readyz 200 %s after the folder came back", took.Round(time.Millisecond))
	if code, body := s.do(http.MethodGet, "/api/articles/avant", "", ""); code != http.StatusOK {
		t.Errorf("after the folder came back, GET: %d %s", code, body)
	}
	if code, body := s.do(http.MethodPut, "/api/articles/retour", "application/json", doc); code != http.StatusCreated {
		t.Errorf("after the folder came back, PUT: %d %s", code, body)
	}
	if !strings.Contains(s.logs.String(), "data folder available again") {
		t.Errorf("no log line says the folder is back")
	}

	// Gone again, then SIGTERM: the process ends within the timeout.
	removeFolder(t, data)
	_, _, _ = s.timed(5*time.Second, http.MethodPut, "/api/articles/x", "application/json", doc)
	start := time.Now()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM with the data folder gone: exit %v", err)
	}
	if took := time.Since(start); took > 3*time.Second+2*time.Second {
		t.Errorf("SIGTERM took %s, over the 3 s shutdown timeout", took)
	} else {
		t.Logf("exited %s after SIGTERM", took.Round(time.Millisecond))
	}
}

// TestBinaryDataFolderReplaced deletes and recreates the data folder of a
// running service and starts a second service on the new folder: the
// first one stops writing (503), the second one keeps every write it
// acknowledged, and the new folder opens afterwards.
func TestBinaryDataFolderReplaced(t *testing.T) {
	parent := t.TempDir()
	data := filepath.Join(parent, "data")
	old := startService(t, "--data", data)
	const doc = `{"title":"Naval Group livre","body":"Naval Group livre une frégate à la Grèce."}`
	if code, body := old.do(http.MethodPut, "/api/articles/ancien", "application/json", doc); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, body)
	}
	removeFolder(t, data)
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	fresh := startService(t, "--data", data)
	var acked []string
	for i := range 20 {
		id := fmt.Sprintf("nouveau-%d", i)
		if code, body := fresh.do(http.MethodPut, "/api/articles/"+id, "application/json", doc); code != http.StatusCreated {
			t.Fatalf("the new service: PUT %s: %d %s", id, code, body)
		}
		acked = append(acked, id)
		if code, body := old.do(http.MethodPut, fmt.Sprintf("/api/articles/perime-%d", i), "application/json", doc); code != http.StatusServiceUnavailable {
			t.Fatalf("the old service wrote into the replaced folder: %d %s", code, body)
		}
	}
	if !strings.Contains(old.logs.String(), "no longer the folder that was opened") && !strings.Contains(old.logs.String(), "cannot be read") {
		t.Errorf("the old service does not say its folder was replaced:\n%s", old.logs.String())
	}
	if err := old.stop(syscall.SIGTERM); err != nil {
		t.Errorf("old service: %v", err)
	}
	if err := fresh.stop(syscall.SIGTERM); err != nil {
		t.Errorf("new service: %v", err)
	}
	s := startService(t, "--data", data)
	for _, id := range acked {
		if code, body := s.do(http.MethodGet, "/api/articles/"+id, "", ""); code != http.StatusOK {
			t.Errorf("acknowledged %s lost: %d %s", id, code, body)
		}
	}
	if r := s.search(url.Values{"q": {"frégate"}, "per_page": {"1"}}); r.Total != uint64(len(acked)) {
		t.Errorf("q=frégate: %d, want the %d articles of the new service only", r.Total, len(acked))
	}
}

// TestBinaryCorpusFolderReplaced replaces the watched corpus folder, by a
// rename swap and then by rm + mkdir: new files are indexed, the files
// that went away are removed, and the log says so. Before, the watch
// stopped silently until a restart.
func TestBinaryCorpusFolderReplaced(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "corpus")
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "ancien.json"), `{"title":"Renault en Espagne","body":"Renault investit en Espagne."}`)
	s := startService(t, "--data", t.TempDir(), "--corpus", dir)
	eventually := func(what, q string, want int) {
		t.Helper()
		deadline := time.Now().Add(8 * time.Second)
		var got uint64
		for time.Now().Before(deadline) {
			if got = s.search(url.Values{"q": {q}}).Total; got == uint64(want) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: q=%s finds %d, want %d within 8 s\n%s", what, q, got, want, s.logs.String())
	}
	eventually("start", "espagne", 1)

	next := filepath.Join(parent, "corpus.new")
	write(filepath.Join(next, "neuf.json"), `{"title":"Stellantis au Maroc","body":"Stellantis agrandit son usine au Maroc."}`)
	write(filepath.Join(next, "sub", "autre.txt"), "Airbus à Toulouse\n\nAirbus embauche à Toulouse cette année.")
	if err := os.Rename(dir, filepath.Join(parent, "corpus.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, dir); err != nil {
		t.Fatal(err)
	}
	eventually("rename swap: new file", "maroc", 1)
	eventually("rename swap: new file in a subfolder", "toulouse", 1)
	eventually("rename swap: removed file", "espagne", 0)
	write(filepath.Join(dir, "ensuite.md"), "Thales en Pologne\n\nThales signe un contrat en Pologne.")
	eventually("rename swap: file added afterwards", "pologne", 1)
	if !strings.Contains(s.logs.String(), "corpus folder replaced") {
		t.Errorf("no log line says the corpus folder was replaced:\n%s", s.logs.String())
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	eventually("rm: removed files", "maroc", 0)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the watcher notices the new folder
	write(filepath.Join(dir, "recree.json"), `{"title":"Dassault en Inde","body":"Dassault vend des avions en Inde."}`)
	eventually("rm+mkdir: file in the new folder", "inde", 1)
}

// TestBinaryBulkAnswersOnShutdown sends SIGTERM while a long NDJSON bulk
// is being stored, with a shutdown timeout shorter than the bulk: the
// client gets its report (what was stored, and the lines not stored,
// code unavailable) before the process exits, and the report is true
// after a restart. Before, the client got no answer although part of the
// bulk was stored.
func TestBinaryBulkAnswersOnShutdown(t *testing.T) {
	data := t.TempDir()
	s := startService(t, "--data", data, "--shutdown-timeout", "5s")
	var b strings.Builder
	n := 0
	for b.Len() < 9<<20 {
		fmt.Fprintf(&b, `{"id":"vrac-%d","title":"Dépêche %d","body":"Le groupe Alstom livre %d rames au Portugal pour %d millions d'euros."}`+"\n", n, n, n%90+1, n%700+1)
		n++
	}
	type result struct {
		code int
		rep  bulkReport
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Post(s.base+"/api/articles", "application/x-ndjson", strings.NewReader(b.String()))
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var r result
		r.code = resp.StatusCode
		r.err = json.NewDecoder(resp.Body).Decode(&r.rep)
		done <- r
	}()
	// SIGTERM once the first batch is stored.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var st struct {
			Articles int `json:"articles"`
		}
		if code, body := s.do(http.MethodGet, "/api/stats", "", ""); code == http.StatusOK && json.Unmarshal(body, &st) == nil && st.Articles > 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bulk stored nothing within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("no answer to the bulk after SIGTERM")
	}
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("bulk during shutdown: HTTP %d, %v", r.code, r.err)
	}
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the service did not exit after SIGTERM")
	}
	t.Logf("%d lines: %d stored, %d not; answered and exited %s after SIGTERM", r.rep.Lines, r.rep.Created, r.rep.Failed, time.Since(start).Round(time.Millisecond))
	if r.rep.Lines != n || r.rep.Created+r.rep.Failed != n || r.rep.Failed == 0 {
		t.Fatalf("report %+v, want %d lines, some stored and the rest not", r.rep, n)
	}
	last := r.rep.Items[len(r.rep.Items)-1]
	if last.Status != "error" || last.Error.Code != "unavailable" || last.LastLine != n {
		t.Errorf("last item %+v, want the lines not stored up to %d, code unavailable", last, n)
	}

	s = startService(t, "--data", data)
	if got := s.search(url.Values{"q": {"alstom"}, "per_page": {"1"}}).Total; got != uint64(r.rep.Created) {
		t.Errorf("after the restart: %d articles of the bulk, the report said %d stored", got, r.rep.Created)
	}
}

// bulkReport is the part of the bulk answer the tests read.
type bulkReport struct {
	Lines   int `json:"lines"`
	Created int `json:"created"`
	Failed  int `json:"failed"`
	Items   []struct {
		Line     int    `json:"line"`
		LastLine int    `json:"last_line"`
		Status   string `json:"status"`
		Error    struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"items"`
}

// TestBinaryConnectionCap holds every connection the service takes with
// clients that send nothing: another client waits instead of exhausting
// the process's files, and is served once a slot is free.
func TestBinaryConnectionCap(t *testing.T) {
	s := startService(t, "--data", t.TempDir(), "--max-connections", "3")
	addr := strings.TrimPrefix(s.base, "http://")
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n") // headers never finished
		held = append(held, c)
	}
	time.Sleep(200 * time.Millisecond)
	answered := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		answered <- time.Since(start)
	}()
	select {
	case took := <-answered:
		t.Fatalf("a fourth connection was served after %s while 3 of 3 were held", took)
	case <-time.After(time.Second):
	}
	for _, c := range held {
		c.Close()
	}
	select {
	case took := <-answered:
		t.Logf("the fourth client was served %s after it connected, once the slots were freed", took.Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("the fourth client was not served after the slots were freed")
	}
}

// removeFolder deletes dir as `rm -rf` would under a running server: a
// file the server creates meanwhile makes one pass fail with "directory
// not empty", so it tries again, for up to 5 s.
func removeFolder(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
