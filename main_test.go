package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds veille once per test run, into a temporary folder,
// or returns the binary VEILLE_TEST_BINARY names (to measure another
// build with the same tests).
var buildBinary = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("VEILLE_TEST_BINARY"); bin != "" {
		return bin, nil
	}
	dir, err := os.MkdirTemp("", "veille-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "veille")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := buildBinary(); err == nil && strings.Contains(bin, "veille-bin-") {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// service is a veille process started by a test.
type service struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	logs *syncBuffer
	done chan error
}

var listenRE = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)

// startService runs the built binary with args and waits until /readyz is 200.
func startService(t *testing.T, args ...string) *service {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "VEILLE_ADMIN_KEY=", "VEILLE_CORPUS=", "VEILLE_DATA=", "VEILLE_ADDR=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &service{t: t, cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logs.WriteString(line + "\n")
			if m := listenRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("service log:\n%s", s.logs.String())
		}
	})
	select {
	case s.base = <-urls:
	case err := <-s.done:
		t.Fatalf("service exited at start: %v\n%s", err, s.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("service did not listen within 30 s\n%s", s.logs.String())
	}
	s.waitReady(30 * time.Second)
	return s
}

func (s *service) waitReady(limit time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("service not ready within %s", limit)
}

// stop sends sig and waits for the process to exit.
func (s *service) stop(sig syscall.Signal) error {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		s.t.Fatalf("service did not stop within 30 s after %v", sig)
		return nil
	}
}

func (s *service) do(method, path, contentType, body string) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

type searchResult struct {
	Total uint64 `json:"total"`
	Hits  []struct {
		ID         string              `json:"id"`
		Title      string              `json:"title"`
		Companies  []string            `json:"companies"`
		Highlights map[string][]string `json:"highlights"`
	} `json:"hits"`
}

func (s *service) search(params url.Values) searchResult {
	s.t.Helper()
	code, body := s.do(http.MethodGet, "/api/search?"+params.Encode(), "", "")
	if code != http.StatusOK {
		s.t.Fatalf("search %v: HTTP %d: %s", params, code, body)
	}
	var r searchResult
	if err := json.Unmarshal(body, &r); err != nil {
		s.t.Fatal(err)
	}
	return r
}

func hitIDs(r searchResult) []string {
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids
}

// TestBinaryLifecycle runs veille as a user would: start on the seed
// corpus, write an article, find it, SIGTERM, restart, find it again.
func TestBinaryLifecycle(t *testing.T) {
	data := t.TempDir()
	s := startService(t, "--data", data)

	if r := s.search(url.Values{"q": {"Narvik"}}); len(r.Hits) == 0 || r.Hits[0].ID != "002_b646f2462df05c32" {
		t.Fatalf("seed corpus: q=Narvik found %v, want the Norway article first", hitIDs(r))
	}
	article := `{"title":"Mistral AI lève 600 millions d'euros","body":"La start-up française Mistral AI a levé 600 millions d'euros auprès de fonds américains pour ses centres de données en Suède."}`
	code, body := s.do(http.MethodPut, "/api/articles/mistral-levee", "application/json", article)
	if code != http.StatusCreated {
		t.Fatalf("PUT: HTTP %d: %s", code, body)
	}
	if r := s.search(url.Values{"q": {"mistral"}}); len(r.Hits) != 1 || r.Hits[0].ID != "mistral-levee" {
		t.Fatalf("after PUT, q=mistral found %v", hitIDs(r))
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: exit %v", err)
	}

	s = startService(t, "--data", data)
	code, body = s.do(http.MethodGet, "/api/articles/mistral-levee", "", "")
	if code != http.StatusOK || !bytes.Contains(body, []byte("Mistral AI")) {
		t.Fatalf("after restart GET: HTTP %d: %s", code, body)
	}
	if r := s.search(url.Values{"q": {"centres de donnees"}, "country": {"SE"}}); len(r.Hits) != 1 {
		t.Fatalf("after restart, search with country filter found %v", hitIDs(r))
	}
	if r := s.search(url.Values{}); r.Total != 1 {
		t.Fatalf("after restart: %d articles, want 1 (the demo articles left at the first article of its own)", r.Total)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: exit %v", err)
	}
}

// TestBinarySIGKILLKeepsAcknowledgedWrites bulk-loads articles, kills the
// process with SIGKILL right after the acknowledgement and checks that
// every acknowledged article is there after a restart.
func TestBinarySIGKILLKeepsAcknowledgedWrites(t *testing.T) {
	data := t.TempDir()
	s := startService(t, "--data", data)
	var ndjson strings.Builder
	const n = 300
	for i := range n {
		fmt.Fprintf(&ndjson, `{"id":"kill-%03d","title":"Article %d sur Airbus","body":"Airbus investit %d millions d'euros en France."}`+"\n", i, i, i+1)
	}
	code, body := s.do(http.MethodPost, "/api/articles", "application/x-ndjson", ndjson.String())
	if code != http.StatusOK {
		t.Fatalf("bulk: HTTP %d: %s", code, body)
	}
	code, body = s.do(http.MethodPut, "/api/articles/kill-last", "text/plain", "Dernier article\n\nSafran annonce un contrat de 2 milliards d'euros avec l'Inde.")
	if code != http.StatusCreated {
		t.Fatalf("PUT: HTTP %d: %s", code, body)
	}
	_ = s.stop(syscall.SIGKILL)

	s = startService(t, "--data", data)
	for _, id := range []string{"kill-000", "kill-150", "kill-299", "kill-last"} {
		if code, body := s.do(http.MethodGet, "/api/articles/"+id, "", ""); code != http.StatusOK {
			t.Errorf("after SIGKILL, GET %s: HTTP %d: %s", id, code, body)
		}
	}
	if r := s.search(url.Values{"q": {"airbus"}, "per_page": {"1"}}); r.Total != n {
		t.Errorf("after SIGKILL, q=airbus total %d, want %d", r.Total, n)
	}
}

// TestWatchedCorpusFolder checks that files added, changed and removed in
// the corpus folder reach the index within 5 s, that a malformed file is
// logged and skipped, and that files removed while the service was down
// disappear at the next start.
func TestWatchedCorpusFolder(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("alpha.json", `{"title":"Renault investit en Espagne","body":"Le constructeur Renault investit 300 millions d'euros en Espagne."}`)
	s := startService(t, "--data", data, "--corpus", dir)

	eventually := func(what string, q url.Values, want []string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		var got []string
		for time.Now().Before(deadline) {
			got = hitIDs(s.search(q))
			if strings.Join(got, ",") == strings.Join(want, ",") {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: q=%v found %v, want %v within 5 s", what, q, got, want)
	}
	eventually("start", url.Values{"q": {"renault"}}, []string{"alpha"})
	if r := s.search(url.Values{"q": {"nvidia"}}); len(r.Hits) != 0 {
		t.Fatalf("with --corpus, the seed corpus must not be served: %v", hitIDs(r))
	}

	write("sub/beta.txt", "Stellantis ferme une usine\n\nLe groupe Stellantis ferme son usine de Poissy, a annoncé la direction mardi.")
	eventually("added in a subfolder", url.Values{"q": {"stellantis"}}, []string{"beta"})

	write("alpha.json", `{"title":"Renault investit au Portugal","body":"Le constructeur Renault investit 400 millions d'euros au Portugal."}`)
	eventually("changed", url.Values{"q": {"portugal"}}, []string{"alpha"})

	write("broken.json", `{"title": "oops", "body": `)
	time.Sleep(time.Second)
	if !strings.Contains(s.logs.String(), "broken.json") {
		t.Errorf("malformed file not logged:\n%s", s.logs.String())
	}
	if code, _ := s.do(http.MethodGet, "/healthz", "", ""); code != http.StatusOK {
		t.Fatalf("service unhealthy after a malformed file: %d", code)
	}

	if err := os.Remove(filepath.Join(dir, "sub", "beta.txt")); err != nil {
		t.Fatal(err)
	}
	eventually("removed", url.Values{"q": {"stellantis"}}, []string{})

	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: exit %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "alpha.json")); err != nil {
		t.Fatal(err)
	}
	s = startService(t, "--data", data, "--corpus", dir)
	if r := s.search(url.Values{"q": {"renault"}}); len(r.Hits) != 0 {
		t.Fatalf("a file removed while the service was down is still indexed: %v", hitIDs(r))
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) WriteString(x string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(x)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
