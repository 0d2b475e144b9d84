package alerts

// Webhook deliveries: each alert with a webhook has a worker that sends
// its new matches in batches, one delivery at a time, in order. A
// delivery's id and matches are recorded (fsync'ed) before its first
// attempt, so that every attempt, after a restart too, carries the same
// delivery_id and the same matches; it is retried with exponential
// back-off until the receiver answers 2xx (at least once), and its
// success is recorded before the next one starts.
//
// The body is {"alert": {"id", "name"}, "delivery_id", "matches": [{"id",
// "title", "url", "published", "matched_at"}]}, with X-Veille-Timestamp
// (Unix seconds) and X-Veille-Signature: sha256=HEX, the HMAC-SHA256 of
// TIMESTAMP + "." + BODY keyed with the alert's webhook secret (its
// characters as bytes).

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"

	"veille/corpus"
	"veille/internal/netguard"
)

// UserAgent is what webhook requests say they are.
const UserAgent = "veille-webhooks/1.0"

// delivery is one batch of an alert's matches: those after From up to To.
type delivery struct {
	id       string
	from, to uint64
	count    int
	attempt  int
}

// webhookBody is the JSON a webhook receives.
type webhookBody struct {
	Alert struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"alert"`
	DeliveryID string         `json:"delivery_id"`
	Matches    []webhookMatch `json:"matches"`
}

type webhookMatch struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"`
	Published string `json:"published,omitempty"`
	MatchedAt string `json:"matched_at"`
}

// Sign returns the X-Veille-Signature value of body sent at timestamp ts
// (Unix seconds) with secret.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// replayDeliveries rebuilds the delivery state from deliveries.log.
func (s *Service) replayDeliveries() {
	for _, r := range s.loadedDeliv {
		st := s.alerts[r.Alert]
		if st == nil {
			continue
		}
		at, _ := time.Parse(time.RFC3339Nano, r.At)
		switch r.Op {
		case "send":
			st.pending = &delivery{id: r.ID, from: r.From, to: r.To, count: r.Count}
			st.sentThrough = max(st.sentThrough, r.To)
		case "fail":
			if st.pending != nil && st.pending.id == r.ID {
				st.pending.attempt = max(st.pending.attempt, r.Attempt)
			}
			st.addFailure(Failure{At: at, DeliveryID: r.ID, Attempt: r.Attempt, Status: r.Status, Error: r.Error})
		case "done":
			if st.pending != nil && st.pending.id == r.ID {
				st.pending = nil
			}
			st.deliveredThrough = max(st.deliveredThrough, r.To)
			st.lastDelivered = at
		}
	}
}

func (st *alertState) addFailure(f Failure) {
	st.failures = append(st.failures, f)
	if n := len(st.failures); n > maxFailures {
		st.failures = append(st.failures[:0], st.failures[n-maxFailures:]...)
	}
}

// startWorkerLocked starts the delivery worker of st if it has a webhook
// and none runs.
func (s *Service) startWorkerLocked(st *alertState) {
	if !s.started || st.worker || st.a.Webhook == "" || s.opts.NoDeliveries {
		return
	}
	st.worker = true
	s.wg.Add(1)
	go s.deliverLoop(st)
}

// deliverLoop sends st's deliveries until the alert is deleted, loses its
// webhook or the service closes.
func (s *Service) deliverLoop(st *alertState) {
	defer s.wg.Done()
	bo := &backoff.ExponentialBackOff{InitialInterval: s.opts.RetryBase, RandomizationFactor: 0.2, Multiplier: 2, MaxInterval: s.opts.RetryMax}
	bo.Reset()
	for {
		d, body, target, secret, err := s.nextDelivery(st)
		if err != nil {
			s.log.Error("alerts: record a delivery", "alert", st.a.ID, "err", err)
			if !s.sleep(st, bo.NextBackOff()) {
				return
			}
			continue
		}
		if target == "" {
			return // the alert is gone, or its webhook
		}
		if d == nil {
			select {
			case <-s.ctx.Done():
				return
			case <-st.wake:
			}
			continue
		}
		status, err := s.post(target, secret, d.id, body)
		if err == nil {
			if err := s.delivered(st, d); err != nil {
				s.log.Error("alerts: record a delivery", "alert", st.a.ID, "delivery", d.id, "err", err)
			}
			bo.Reset()
			continue
		}
		s.failed(st, d, status, err)
		if !s.sleep(st, bo.NextBackOff()) {
			return
		}
	}
}

// sleep waits d, or less when st is woken (its webhook may have changed);
// false when the service closes.
func (s *Service) sleep(st *alertState, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return false
	case <-t.C:
	case <-st.wake:
	}
	return true
}

// nextDelivery returns st's delivery to attempt (the pending one, or a
// new one recorded first), its body, and where and with which secret to
// send it; a nil delivery when there is nothing to send, an empty target
// when the worker must stop.
func (s *Service) nextDelivery(st *alertState) (*delivery, []byte, string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.alerts[st.a.ID] != st || st.a.Webhook == "" {
		st.worker = false
		return nil, nil, "", "", nil
	}
	if st.pending == nil {
		from := max(st.sentThrough, st.a.WebhookFrom)
		var batch []*Match
		for _, m := range st.matches {
			if m.Seq > from && len(batch) < MaxBatch {
				batch = append(batch, m)
			}
		}
		if len(batch) == 0 {
			return nil, nil, st.a.Webhook, st.a.WebhookSecret, nil
		}
		d := &delivery{id: newID(16), from: from, to: batch[len(batch)-1].Seq, count: len(batch)}
		rec := deliveryRecord{Op: "send", ID: d.id, Alert: st.a.ID, From: d.from, To: d.to, Count: d.count, At: stamp(time.Now())}
		if err := s.delivLog.append(true, rec); err != nil {
			return nil, nil, st.a.Webhook, st.a.WebhookSecret, err
		}
		st.pending, st.sentThrough = d, d.to
	}
	d := *st.pending
	body := webhookBody{DeliveryID: d.id, Matches: []webhookMatch{}}
	body.Alert.ID, body.Alert.Name = st.a.ID, st.a.Name
	for _, m := range st.matches {
		if m.Seq > d.from && m.Seq <= d.to {
			body.Matches = append(body.Matches, webhookMatch{ID: m.Article, Title: m.Title, URL: m.URL,
				Published: corpus.FormatPublished(m.Published), MatchedAt: m.MatchedAt.UTC().Format(time.RFC3339)})
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, nil, st.a.Webhook, st.a.WebhookSecret, fmt.Errorf("alerts: encode a delivery: %w", err)
	}
	return &d, data, st.a.Webhook, st.a.WebhookSecret, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// delivered records the success of d.
func (s *Service) delivered(st *alertState, d *delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	err := s.delivLog.append(true, deliveryRecord{Op: "done", ID: d.id, Alert: st.a.ID, From: d.from, To: d.to, At: stamp(now)})
	if st.pending != nil && st.pending.id == d.id {
		st.pending = nil
	}
	st.deliveredThrough, st.lastDelivered = max(st.deliveredThrough, d.to), now
	return err
}

// failed records a failed attempt of d.
func (s *Service) failed(st *alertState, d *delivery, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	attempt := d.attempt + 1
	if st.pending != nil && st.pending.id == d.id {
		st.pending.attempt = attempt
	}
	f := Failure{At: time.Now().UTC(), DeliveryID: d.id, Attempt: attempt, Status: status, Error: err.Error()}
	st.addFailure(f)
	// Not fsync'ed: a lost failure line loses nothing but its mention.
	_ = s.delivLog.append(false, deliveryRecord{Op: "fail", ID: d.id, Alert: st.a.ID, Attempt: attempt, Status: status, Error: f.Error, At: stamp(f.At)})
	s.log.Warn("alerts: webhook delivery failed", "alert", st.a.ID, "delivery", d.id, "attempt", attempt, "status", status, "err", err)
}

// post sends one attempt; the status is 0 when no answer came.
func (s *Service) post(target, secret, id string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("X-Veille-Timestamp", ts)
	req.Header.Set("X-Veille-Signature", Sign(secret, ts, body))
	req.Header.Set("X-Veille-Delivery", id)
	resp, err := s.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp.StatusCode, nil
}

// newWebhookClient returns the client of webhook deliveries: no proxy
// from the environment (the address dialled is the one checked), no
// redirects (a 3xx is a failure), private addresses refused unless allowed.
func newWebhookClient(o Options) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !o.AllowPrivateTargets {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !netguard.PublicAddr(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrPrivateTarget, address)
			}
			return nil
		}
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkWebhookURL validates a webhook address: http or https, a host,
// and unless allowPrivate, a host that names public addresses only.
// Errors wrap ErrInvalid or ErrPrivateTarget.
func checkWebhookURL(ctx context.Context, raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: the webhook must be an http or https URL, not %q", ErrInvalid, raw)
	}
	if len(raw) > 2048 {
		return fmt.Errorf("%w: the webhook URL is longer than 2048 bytes", ErrInvalid)
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return fmt.Errorf("%w: %s", ErrPrivateTarget, host)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !netguard.PublicAddr(a) {
			return fmt.Errorf("%w: %s", ErrPrivateTarget, host)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%w: the webhook's host %q cannot be resolved: %v", ErrInvalid, host, err)
	}
	for _, a := range addrs {
		if !netguard.PublicAddr(a) {
			return fmt.Errorf("%w: %s resolves to %s", ErrPrivateTarget, host, a)
		}
	}
	return nil
}

// equalSecret compares secrets in constant time, whatever their lengths.
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return want != "" && subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
