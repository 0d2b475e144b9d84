package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"veille/corpus"
	"veille/index"
)

// env is an index and its alerts in one data folder.
type env struct {
	t   *testing.T
	dir string
	x   *index.Index
	s   *Service
}

// openEnv opens (or reopens) the index and the alerts of dir.
func openEnv(t *testing.T, dir string, opts Options) *env {
	t.Helper()
	s, err := Open(filepath.Join(dir, "alerts"), opts)
	if err != nil {
		t.Fatal(err)
	}
	x, err := index.Open(context.Background(), filepath.Join(dir, "index"), index.Options{OnCommit: s.Committed})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, x: x, s: s}
	t.Cleanup(e.close)
	return e
}

// close closes the index, then the alerts (idempotent).
func (e *env) close() {
	if e.x == nil {
		return
	}
	if err := e.x.Close(); err != nil {
		e.t.Error(err)
	}
	if err := e.s.Close(); err != nil {
		e.t.Error(err)
	}
	e.x = nil
}

func (e *env) put(id, title, body string) {
	e.t.Helper()
	if _, _, err := e.x.Put(context.Background(), corpus.Article{ID: id, Title: title, Body: body, Language: "fr", URL: "https://example.org/" + id}, index.Origin{}); err != nil {
		e.t.Fatalf("put %s: %v", id, err)
	}
}

func (e *env) create(name, q, webhook string) View {
	e.t.Helper()
	v, err := e.s.Create(context.Background(), Spec{Name: name, Query: index.Query{Text: q}, Webhook: webhook})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return v
}

func matchIDs(t *testing.T, s *Service, alert string) []string {
	t.Helper()
	ms, err := s.Matches(alert, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Article)
	}
	slices.Sort(ids)
	return ids
}

// receiver is a loopback webhook receiver that fails its first attempts.
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	secret string
	fails  int // attempts still to fail
	got    []receipt
	srv    *httptest.Server
	notify chan struct{}
}

type receipt struct {
	ok   bool
	body webhookBody
}

func newReceiver(t *testing.T, fails int) *receiver {
	r := &receiver{t: t, fails: fails, notify: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() { r.notify <- struct{}{} }()
	ts := req.Header.Get("X-Veille-Timestamp")
	if n, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(n, 0)).Abs() > time.Minute {
		r.t.Errorf("X-Veille-Timestamp %q is not the time in Unix seconds", ts)
	}
	if got, want := req.Header.Get("X-Veille-Signature"), Sign(r.secret, ts, body); got != want || len(got) != len("sha256=")+64 {
		r.t.Errorf("signature %q, want %q", got, want)
	}
	var b webhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		r.t.Errorf("body %s: %v", body, err)
	}
	rc := receipt{body: b}
	if r.fails > 0 {
		r.fails--
		r.got = append(r.got, rc)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.ok = true
	r.got = append(r.got, rc)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) receipts() []receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor waits until cond holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMatchingAtIngest checks that matches are found for new and updated
// articles, once per article, and never for articles of before.
func TestMatchingAtIngest(t *testing.T) {
	e := openEnv(t, t.TempDir(), Options{})
	e.put("old", "Nvidia au Royaume-Uni", "Nvidia investit.")
	v := e.create("nvidia", "nvidia", "")
	other := e.create("airbus", "airbus -chine", "")
	e.put("n1", "Nvidia encore", "Les puces de Nvidia.")
	e.put("a1", "Airbus en Chine", "Airbus livre des avions en Chine.")
	e.put("a2", "Airbus en Inde", "Airbus livre des avions.")
	e.put("x1", "Rien", "Un article sans rapport.")
	e.put("x1", "Nvidia maintenant", "Mis à jour : il parle de Nvidia.") // an update that matches
	e.put("n1", "Nvidia encore", "Les puces de Nvidia, corrigé.")        // matched already
	if got := matchIDs(t, e.s, v.ID); !slices.Equal(got, []string{"n1", "x1"}) {
		t.Errorf("nvidia matched %v, want [n1 x1]", got)
	}
	if got := matchIDs(t, e.s, other.ID); !slices.Equal(got, []string{"a2"}) {
		t.Errorf("airbus -chine matched %v, want [a2]", got)
	}
	got, err := e.s.Get(v.ID)
	if err != nil || got.Matches != 2 || got.Unread != 2 {
		t.Fatalf("view %+v, %v", got, err)
	}
	ms, _ := e.s.Matches(v.ID, 0, 10)
	read := ms[len(ms)-1].Seq // the oldest
	if got, err := e.s.Update(context.Background(), v.ID, Spec{Name: "nvidia", Query: index.Query{Text: "nvidia"}, ReadThrough: &read}); err != nil || got.Unread != 1 {
		t.Fatalf("after marking one read: unread %d, %v", got.Unread, err)
	}
}

// TestMatchesSurviveRestart checks that recorded matches, read marks and
// alerts survive a restart, and that the batch a crash left unmatched
// (indexed, its matches not recorded) is matched at start.
func TestMatchesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEnv(t, dir, Options{})
	v := e.create("nvidia", "nvidia", "")
	e.put("n1", "Nvidia", "Nvidia au Royaume-Uni.")
	e.close()

	// A crash between the index's commit and the recording of matches:
	// the index is written by a process whose hook records nothing.
	x, err := index.Open(context.Background(), filepath.Join(dir, "index"), index.Options{
		OnCommit: func(context.Context, index.Commit) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := x.Put(context.Background(), corpus.Article{ID: "n2", Title: "Nvidia", Body: "Nvidia encore.", Language: "fr"}, index.Origin{}); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	// A torn line at the end of the log, as a crash mid-write leaves.
	f, err := os.OpenFile(filepath.Join(dir, "alerts", matchesFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"seq": 99, "alert": "`)
	_ = f.Close()

	e = openEnv(t, dir, Options{})
	if got := matchIDs(t, e.s, v.ID); !slices.Equal(got, []string{"n1", "n2"}) {
		t.Fatalf("after the restart nvidia matched %v, want [n1 n2]", got)
	}
	e.put("n3", "Nvidia", "Nvidia toujours.")
	ms, _ := e.s.Matches(v.ID, 0, 10)
	if len(ms) != 3 || ms[0].Seq != 3 {
		t.Fatalf("matches %+v: want 3, the newest with seq 3", ms)
	}
}

// TestWebhookRetriesUntilDelivered sends matches to a loopback receiver
// that fails twice then succeeds: every attempt is signed and carries the
// same delivery_id and matches, failures are listed, then none is left.
func TestWebhookRetriesUntilDelivered(t *testing.T) {
	r := newReceiver(t, 2)
	e := openEnv(t, t.TempDir(), Options{AllowPrivateTargets: true, RetryBase: 20 * time.Millisecond})
	v := e.create("nvidia", "nvidia", r.srv.URL+"/hook")
	r.mu.Lock()
	r.secret = v.WebhookSecret
	r.mu.Unlock()
	if len(v.WebhookSecret) < 32 {
		t.Fatalf("webhook secret %q", v.WebhookSecret)
	}
	e.put("n1", "Nvidia au Royaume-Uni", "Nvidia investit.")
	waitFor(t, "a successful delivery", func() bool {
		got := r.receipts()
		return len(got) > 0 && got[len(got)-1].ok
	})
	got := r.receipts()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3 (two failures, one success)", len(got))
	}
	for _, rc := range got {
		if rc.body.DeliveryID != got[0].body.DeliveryID || rc.body.DeliveryID == "" {
			t.Errorf("delivery ids %q and %q: retries must keep the id", got[0].body.DeliveryID, rc.body.DeliveryID)
		}
		if rc.body.Alert.ID != v.ID || rc.body.Alert.Name != "nvidia" || len(rc.body.Matches) != 1 ||
			rc.body.Matches[0].ID != "n1" || rc.body.Matches[0].URL != "https://example.org/n1" || rc.body.Matches[0].MatchedAt == "" {
			t.Errorf("body %+v", rc.body)
		}
	}
	waitFor(t, "the delivery recorded", func() bool {
		vv, _ := e.s.Get(v.ID)
		return vv.Undelivered == 0 && !vv.LastDelivered.IsZero()
	})
	vv, _ := e.s.Get(v.ID)
	if len(vv.Failures) != 2 || vv.Failures[0].Status != http.StatusServiceUnavailable || vv.Failures[0].Attempt != 2 ||
		vv.Failures[0].DeliveryID != got[0].body.DeliveryID {
		t.Errorf("failures %+v: want the two failed attempts, newest first", vv.Failures)
	}
	// The next match goes in a new delivery.
	e.put("n2", "Nvidia encore", "Nvidia.")
	waitFor(t, "the second delivery", func() bool { return len(r.receipts()) == 4 })
	if b := r.receipts()[3].body; b.DeliveryID == got[0].body.DeliveryID || len(b.Matches) != 1 || b.Matches[0].ID != "n2" {
		t.Errorf("second delivery %+v", b)
	}
}

// TestPendingDeliveryKeepsItsID checks that a delivery not acknowledged
// before a restart is sent again after it, with the same id and matches.
func TestPendingDeliveryKeepsItsID(t *testing.T) {
	dir := t.TempDir()
	r := newReceiver(t, 1000)
	e := openEnv(t, dir, Options{AllowPrivateTargets: true, RetryBase: time.Hour})
	v := e.create("nvidia", "nvidia", r.srv.URL)
	r.mu.Lock()
	r.secret = v.WebhookSecret
	r.mu.Unlock()
	e.put("n1", "Nvidia", "Nvidia.")
	e.put("n2", "Nvidia", "Nvidia.")
	waitFor(t, "a failed attempt", func() bool { return len(r.receipts()) > 0 })
	e.close()
	first := r.receipts()[0].body

	r.mu.Lock()
	r.fails = 0
	r.mu.Unlock()
	e = openEnv(t, dir, Options{AllowPrivateTargets: true, RetryBase: 10 * time.Millisecond})
	waitFor(t, "the delivery after the restart", func() bool {
		got := r.receipts()
		return got[len(got)-1].ok
	})
	waitFor(t, "every match delivered", func() bool {
		vv, _ := e.s.Get(v.ID)
		return vv.Undelivered == 0
	})
	var ids []string
	for _, rc := range r.receipts() {
		for _, m := range rc.body.Matches {
			if m.ID == first.Matches[0].ID && rc.body.DeliveryID != first.DeliveryID {
				t.Errorf("match %s sent again under a new delivery id %s (first %s)", m.ID, rc.body.DeliveryID, first.DeliveryID)
			}
			ids = append(ids, m.ID)
		}
	}
	if !slices.Contains(ids, "n1") || !slices.Contains(ids, "n2") {
		t.Errorf("delivered %v, want n1 and n2", ids)
	}
}

func TestWebhookRefusesPrivateTargets(t *testing.T) {
	e := openEnv(t, t.TempDir(), Options{})
	for _, u := range []string{"http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/", "http://10.1.2.3/", "http://169.254.169.254/latest"} {
		if _, err := e.s.Create(context.Background(), Spec{Name: "x", Webhook: u}); !errors.Is(err, ErrPrivateTarget) {
			t.Errorf("webhook %s: %v, want ErrPrivateTarget", u, err)
		}
	}
	for _, u := range []string{"ftp://example.org/", "not a url", "http:///nohost"} {
		if _, err := e.s.Create(context.Background(), Spec{Name: "x", Webhook: u}); !errors.Is(err, ErrInvalid) {
			t.Errorf("webhook %s: %v, want ErrInvalid", u, err)
		}
	}
	// The dialer refuses them too, whatever a name resolves to.
	c := newWebhookClient(Options{})
	if _, err := c.Get("http://127.0.0.1:9/"); !errors.Is(err, ErrPrivateTarget) {
		t.Errorf("dial 127.0.0.1: %v, want ErrPrivateTarget", err)
	}
}

func TestAlertValidation(t *testing.T) {
	e := openEnv(t, t.TempDir(), Options{})
	for _, sp := range []Spec{{Name: ""}, {Name: string(make([]byte, MaxNameLength+1))}, {Name: "\xff"}} {
		if _, err := e.s.Create(context.Background(), sp); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create(%q): %v, want ErrInvalid", sp.Name, err)
		}
	}
	if _, err := e.s.Create(context.Background(), Spec{Name: "x", Query: index.Query{Mode: "some"}}); !errors.Is(err, index.ErrInvalidQuery) {
		t.Errorf("bad mode: %v, want ErrInvalidQuery", err)
	}
	if _, err := e.s.Update(context.Background(), "nope", Spec{Name: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update(nope): %v", err)
	}
	if err := e.s.Delete(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete(nope): %v", err)
	}
	v := e.create("gone", "nvidia", "")
	if err := e.s.Delete(context.Background(), v.ID); err != nil {
		t.Fatal(err)
	}
	e.put("n1", "Nvidia", "Nvidia.")
	if _, err := e.s.Matches(v.ID, 0, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("a deleted alert still answers: %v", err)
	}
}
