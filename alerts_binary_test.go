package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hookReceiver records the webhook deliveries it takes, failing some.
type hookReceiver struct {
	t        *testing.T
	mu       sync.Mutex
	secret   string
	failRate float64
	rng      *rand.Rand
	carried  map[string]map[string]bool // article id -> delivery ids that carried it
	content  map[string][]string        // delivery id -> its article ids
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	mac := hmac.New(sha256.New, []byte(h.secret))
	mac.Write([]byte(r.Header.Get("X-Veille-Timestamp") + "."))
	mac.Write(body)
	if got, want := r.Header.Get("X-Veille-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		h.t.Errorf("bad signature %q", got)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var d struct {
		DeliveryID string `json:"delivery_id"`
		Matches    []struct {
			ID string `json:"id"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(body, &d); err != nil || d.DeliveryID == "" {
		h.t.Errorf("delivery %s: %v", body, err)
	}
	var ids []string
	for _, m := range d.Matches {
		ids = append(ids, m.ID)
		if h.carried[m.ID] == nil {
			h.carried[m.ID] = map[string]bool{}
		}
		h.carried[m.ID][d.DeliveryID] = true
	}
	if old, ok := h.content[d.DeliveryID]; ok && !slices.Equal(old, ids) {
		h.t.Errorf("delivery %s sent again with other matches: %v, then %v", d.DeliveryID, old, ids)
	}
	h.content[d.DeliveryID] = ids
	if h.rng.Float64() < h.failRate {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// alertState reads an alert's matches (all of them) and its undelivered count.
func (s *service) alertState(id string) (matches []string, undelivered int) {
	s.t.Helper()
	code, body := s.do(http.MethodGet, "/api/alerts/"+id+"/matches?limit=500", "", "")
	if code != http.StatusOK {
		s.t.Fatalf("matches: HTTP %d: %s", code, body)
	}
	var ms struct{ Matches []struct{ ID string } }
	if err := json.Unmarshal(body, &ms); err != nil {
		s.t.Fatal(err)
	}
	for _, m := range ms.Matches {
		matches = append(matches, m.ID)
	}
	code, body = s.do(http.MethodGet, "/api/alerts/"+id, "", "")
	if code != http.StatusOK {
		s.t.Fatalf("alert: HTTP %d: %s", code, body)
	}
	var a struct{ Delivery struct{ Undelivered int } }
	if err := json.Unmarshal(body, &a); err != nil {
		s.t.Fatal(err)
	}
	return matches, a.Delivery.Undelivered
}

// TestBinarySIGKILLKeepsAlertMatches kills the process with SIGKILL right
// after an acknowledged write, twice, while matching writes are in
// flight and a webhook receiver fails a third of its deliveries. After
// each restart every acknowledged article is among the alert's matches,
// once; in the end every match is delivered, and no match ever travels
// under two delivery ids nor a delivery id with two sets of matches.
func TestBinarySIGKILLKeepsAlertMatches(t *testing.T) {
	rcv := &hookReceiver{t: t, failRate: 0.35, rng: rand.New(rand.NewPCG(1, 6)),
		carried: map[string]map[string]bool{}, content: map[string][]string{}}
	hooks := httptest.NewServer(rcv)
	defer hooks.Close()
	data := t.TempDir()
	s := startService(t, "--data", data, "--allow-private-targets")
	code, body := s.do(http.MethodPost, "/api/alerts", "application/json",
		fmt.Sprintf(`{"name": "Thales en Pologne", "query": {"q": "thales pologne"}, "webhook": %q}`, hooks.URL))
	if code != http.StatusCreated {
		t.Fatalf("POST /api/alerts: HTTP %d: %s", code, body)
	}
	var a struct {
		ID            string `json:"id"`
		WebhookSecret string `json:"webhook_secret"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	rcv.secret = a.WebhookSecret
	rcv.mu.Unlock()

	var allAcked []string
	for round := range 2 {
		stop := make(chan struct{})
		var once sync.Once
		killAt := int64(30 + 20*round)
		svc := s
		acked := ackedWriters(s.base, fmt.Sprintf("al%d", round), 6, stop, func(k int64) {
			if k == killAt {
				once.Do(func() {
					_ = svc.cmd.Process.Signal(syscall.SIGKILL)
					close(stop)
				})
			}
		})
		once.Do(func() { close(stop) })
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Fatal("the service did not die after SIGKILL")
		}
		if len(acked) < int(killAt) {
			t.Fatalf("round %d: %d acknowledged writes before the kill", round, len(acked))
		}
		allAcked = append(allAcked, acked...)
		s = startService(t, "--data", data, "--allow-private-targets")
		matches, _ := s.alertState(a.ID)
		for _, id := range allAcked {
			if !slices.Contains(matches, id) {
				t.Errorf("round %d: acknowledged %s is not among the alert's matches", round, id)
			}
		}
		sorted := slices.Sorted(slices.Values(matches))
		if len(slices.Compact(sorted)) != len(matches) {
			t.Errorf("round %d: an article matched twice", round)
		}
		t.Logf("round %d: killed after %d acknowledged writes; %d matches", round, len(acked), len(matches))
	}
	rcv.mu.Lock()
	rcv.failRate = 0
	rcv.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, undelivered := s.alertState(a.ID); undelivered == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("matches still undelivered after 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	matches, _ := s.alertState(a.ID)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for _, id := range matches {
		switch n := len(rcv.carried[id]); {
		case n == 0:
			t.Errorf("match %s never delivered", id)
		case n > 1:
			t.Errorf("match %s delivered under %d delivery ids: %v", id, n, rcv.carried[id])
		}
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: exit %v", err)
	}
}
