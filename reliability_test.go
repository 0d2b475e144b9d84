package main

// Reliability of the whole service: SIGKILL in the middle of concurrent
// writes, and the corpus folder's refusals (symbolic links leading out,
// huge files).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"veille/corpus"
	"veille/index"
)

// ackedWriters runs writers goroutines that PUT new articles (ids
// prefix-w-n) until stop is closed or the service dies, and returns the
// ids whose write was acknowledged (a 201 fully read). onAck is called
// after each acknowledgement, with the number of acknowledgements so far.
func ackedWriters(base, prefix string, writers int, stop <-chan struct{}, onAck func(n int64)) []string {
	var (
		mu    sync.Mutex
		acked []string
		n     atomic.Int64
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("%s-%d-%d", prefix, w, i)
				body := fmt.Sprintf(`{"title":"Dépêche %s","body":"Thales signe un contrat de %d millions d'euros avec la Pologne pour des radars."}`, id, i+1)
				req, err := http.NewRequest(http.MethodPut, base+"/api/articles/"+id, strings.NewReader(body))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the service is gone
				}
				data, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr != nil || resp.StatusCode != http.StatusCreated || !bytes.Contains(data, []byte(id)) {
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				if onAck != nil {
					onAck(n.Add(1))
				}
			}
		}()
	}
	wg.Wait()
	return acked
}

// TestBinarySIGKILLMidFlight loads articles, starts concurrent writers and
// kills the process with SIGKILL while writes are in flight, right after
// an acknowledgement, twice in a row. After each restart the index opens,
// holds no fewer articles than before, and every acknowledged write is
// there and searchable.
func TestBinarySIGKILLMidFlight(t *testing.T) {
	data := t.TempDir()
	s := startService(t, "--data", data)
	const n = 200
	var nd strings.Builder
	for i := range n {
		fmt.Fprintf(&nd, `{"id":"base-%03d","title":"Article de base %d","body":"Dassault livre %d avions Rafale à la Grèce."}`+"\n", i, i, i+1)
	}
	if code, body := s.do(http.MethodPost, "/api/articles", "application/x-ndjson", nd.String()); code != http.StatusOK {
		t.Fatalf("bulk: HTTP %d: %.300s", code, body)
	}
	before := s.search(url.Values{"per_page": {"1"}}).Total // the seeds and the bulk
	if before < n {
		t.Fatalf("%d articles after the bulk, want at least %d", before, n)
	}

	var allAcked []string
	for round := range 2 {
		stop := make(chan struct{})
		var once sync.Once
		killAt := int64(40 + 30*round)
		svc := s
		acked := ackedWriters(s.base, fmt.Sprintf("r%d", round), 8, stop, func(k int64) {
			if k == killAt {
				once.Do(func() {
					// Kill right after this acknowledgement, while the
					// other writers' requests are in flight.
					_ = svc.cmd.Process.Signal(syscall.SIGKILL)
					close(stop)
				})
			}
		})
		once.Do(func() { close(stop) })
		if len(acked) < int(killAt) {
			t.Fatalf("round %d: the writers stopped after %d acknowledged writes, before the kill", round, len(acked))
		}
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Fatal("the service did not die after SIGKILL")
		}
		allAcked = append(allAcked, acked...)
		t.Logf("round %d: killed after %d acknowledged writes", round, len(acked))

		s = startService(t, "--data", data)
		after := s.search(url.Values{"per_page": {"1"}}).Total
		if want := before + uint64(len(acked)); after < want {
			t.Errorf("round %d: %d articles after the restart, want at least %d (%d before, %d acknowledged)", round, after, want, before, len(acked))
		}
		for _, id := range allAcked {
			if code, body := s.do(http.MethodGet, "/api/articles/"+id, "", ""); code != http.StatusOK {
				t.Errorf("round %d: acknowledged %s lost: HTTP %d: %.200s", round, id, code, body)
			}
		}
		if r := s.search(url.Values{"q": {"thales pologne"}, "per_page": {"1"}}); r.Total < uint64(len(allAcked)) {
			t.Errorf("round %d: q=thales finds %d, want at least %d acknowledged", round, r.Total, len(allAcked))
		}
		if r := s.search(url.Values{"q": {"rafale"}, "per_page": {"1"}}); r.Total != n {
			t.Errorf("round %d: q=rafale finds %d of the %d bulk articles", round, r.Total, n)
		}
		before = after
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: exit %v", err)
	}
}

// TestServeRefusesUnusableDataFolder starts serve on data folders it
// cannot use: it stops at once with an error naming the folder and the
// reason, before listening.
func TestServeRefusesUnusableDataFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the extractor")
	}
	tmp := t.TempDir()
	file := filepath.Join(tmp, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"a file", file, "a-file"},
		{"under a file", filepath.Join(file, "data"), "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runServe(t, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "data folder") {
				t.Errorf("serve --data %s: %v, want an error about the data folder mentioning %q", tc.data, err, tc.want)
			}
		})
	}
}

// TestServeRefusesDamagedDataFolder starts serve on a data folder whose
// index does not open (a segment file overwritten, CURRENT lost): it
// stops with an error saying what is wrong and how to recover, and
// leaves the folder as it was. Before, a folder without CURRENT was
// silently replaced by an empty index.
func TestServeRefusesDamagedDataFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the extractor")
	}
	data := filepath.Join(t.TempDir(), "data")
	idx, err := index.Open(context.Background(), data, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]index.Item, 3000)
	for i := range items {
		items[i].Article = corpus.Article{ID: fmt.Sprintf("a%d", i), Title: "Article", Body: fmt.Sprintf("Texte %d", i)}
	}
	for _, r := range idx.PutMany(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	var segments []string
	_ = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".zap") {
			segments = append(segments, p)
		}
		return nil
	})
	for _, seg := range segments { // every segment unreadable
		if err := os.WriteFile(seg, []byte("plus un segment"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(data, "CURRENT")); err != nil {
		t.Fatal(err)
	}
	err = runServe(t, data)
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "restore the folder from a backup") ||
		!strings.Contains(err.Error(), data) {
		t.Errorf("serve on a damaged folder: %v, want an error naming it, saying it is damaged and how to recover", err)
	}
	for _, seg := range segments {
		if b, err := os.ReadFile(seg); err != nil || string(b) != "plus un segment" {
			t.Errorf("serve changed %s: %v", seg, err)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "CURRENT")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("serve wrote CURRENT into the damaged folder: %v", err)
	}
}

// runServe runs "veille serve" in this process on data with a free port;
// it must fail at start-up (the test fails if it serves).
func runServe(t *testing.T, data string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stderr lockedBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data}, func(string) string { return "" }, io.Discard, &stderr)
	}()
	select {
	case err := <-errc:
		if strings.Contains(stderr.String(), "veille listening") {
			t.Errorf("serve listened before failing:\n%s", stderr.String())
		}
		return err
	case <-time.After(30 * time.Second):
		cancel()
		<-errc
		t.Fatalf("serve --data %s did not fail within 30 s:\n%s", data, stderr.String())
		return nil
	}
}

// lockedBuffer is an io.Writer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The error body of the API, for tests.
type apiErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeAPIError(t *testing.T, body []byte) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("not the contract's error body (%v): %.300s", err, body)
	}
	return e
}
