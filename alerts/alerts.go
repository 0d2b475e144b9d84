// Package alerts keeps saved searches and tells when a new article
// matches one. Matching runs at ingest, in the index's commit hook: a
// percolator (index.Percolator) picks the saved searches an article may
// match and decides most of them from the article alone, by the search's
// own rules; the search itself, restricted to the new articles, confirms
// the others, so that an alert matches exactly the articles its search
// would return at that moment. Matches are recorded durably before the
// article's write is acknowledged, and delivered three ways: an Atom feed
// per alert, signed webhooks retried until the receiver takes them, and a
// live stream of events.
package alerts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"veille/index"
)

// Sentinel errors, always wrapped.
var (
	// ErrNotFound: no alert has the given id.
	ErrNotFound = errors.New("alerts: alert not found")
	// ErrInvalid: the alert's name or webhook is not acceptable (the
	// message says why); a bad query wraps index.ErrInvalidQuery instead.
	ErrInvalid = errors.New("alerts: invalid alert")
	// ErrPrivateTarget: the webhook's host is a loopback, private or
	// link-local address, which is refused unless AllowPrivateTargets.
	ErrPrivateTarget = errors.New("alerts: webhook address not public (loopback, private or link-local); start with --allow-private-targets to allow it")
	// ErrBadToken: the feed token does not match the alert's.
	ErrBadToken = errors.New("alerts: wrong feed token")
	// ErrNotStarted: Start has not been called, or Close has.
	ErrNotStarted = errors.New("alerts: not started")
)

// Limits.
const (
	MaxNameLength  = 200   // bytes of an alert's name
	MaxAlerts      = 10000 // saved searches in one data folder
	MaxBatch       = 100   // matches in one webhook delivery
	maxFailures    = 20    // failed attempts kept per alert
	maxPerSearch   = 100   // ids in one confirming search (index's per_page limit)
	defaultTimeout = 10 * time.Second
)

// Alert is a saved search.
type Alert struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Params are the search's parameters as the client gave them (the
	// JSON object of /api/search parameters), kept for it to reopen the
	// search; Query is what they mean.
	Params json.RawMessage `json:"params"`
	Query  index.Query     `json:"query"`
	// Webhook, when set, receives the matches; WebhookSecret signs them.
	Webhook       string `json:"webhook,omitempty"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// WebhookFrom is the last match sequence before the webhook was set:
	// it receives the matches after it.
	WebhookFrom uint64 `json:"webhook_from,omitempty"`
	// FeedToken is the secret of the Atom feed's URL.
	FeedToken string    `json:"feed_token"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	// ReadThrough is the sequence of the last match marked as read.
	ReadThrough uint64 `json:"read_through,omitempty"`
}

// Match is one article matching one alert.
type Match struct {
	Seq       uint64    `json:"seq"` // increasing over all alerts, from 1
	Alert     string    `json:"alert"`
	Article   string    `json:"article"`
	Title     string    `json:"title,omitempty"`
	URL       string    `json:"url,omitempty"`
	Published time.Time `json:"published,omitzero"`
	MatchedAt time.Time `json:"matched_at"`
}

// Failure is one failed webhook attempt.
type Failure struct {
	At         time.Time
	DeliveryID string
	Attempt    int
	Status     int // HTTP status, 0 when no answer came
	Error      string
}

// View is an alert with its matching and delivery state.
type View struct {
	Alert
	Matches   int       // matches so far
	Unread    int       // matches after ReadThrough
	LastMatch time.Time // zero when none
	// Webhook state: matches not yet delivered, the last success, the
	// last failed attempts (newest first).
	Undelivered   int
	LastDelivered time.Time
	Failures      []Failure
}

// Spec is what a client sets on an alert.
type Spec struct {
	Name    string
	Params  json.RawMessage
	Query   index.Query
	Webhook string
	// ReadThrough, when not nil, marks the matches up to this sequence
	// as read (Update only).
	ReadThrough *uint64
}

// Event is a new match, for the live stream.
type Event struct {
	Match     Match
	AlertName string
	Unread    int
}

// Options configure [Open]. The zero value is usable.
type Options struct {
	// AllowPrivateTargets lets webhooks reach loopback, private and
	// link-local addresses.
	AllowPrivateTargets bool
	// RetryBase is the wait after a webhook's first failed attempt,
	// doubled at each failure up to RetryMax (with ±20 % jitter);
	// zero means 1 s and 10 min.
	RetryBase, RetryMax time.Duration
	// Timeout bounds one webhook attempt; zero means 10 s.
	Timeout time.Duration
	// Logger receives delivery failures; nil discards them.
	Logger *slog.Logger
	// Client replaces the webhook HTTP client (tests); its transport
	// must refuse private addresses itself when that matters.
	Client *http.Client
	// NoDeliveries records matches without sending webhooks (a batch
	// command: the server sends them when it runs).
	NoDeliveries bool
}

// Indexer is what the service needs from the index.
type Indexer interface {
	NewPercolator() *index.Percolator
	LastCommit(ctx context.Context) (index.Commit, error)
}

// Service holds the alerts of a data folder. It is safe for concurrent
// use. Create it with [Open], then [Service.Start] it once the index is
// open.
type Service struct {
	dir    string
	opts   Options
	log    *slog.Logger
	client *http.Client

	mu       sync.RWMutex
	started  bool
	alerts   map[string]*alertState
	perc     *index.Percolator
	matched  map[pair]struct{} // every (alert, article) matched, alive alerts or not
	lastSeq  uint64            // of the last match recorded
	checked  uint64            // the last index batch whose matches are recorded
	matchLog *logFile
	delivLog *logFile
	// Lengths of the logs' good parts, read by Open, for Start to cut
	// off a torn end.
	matchGood, delivGood int64
	subs                 map[chan Event]struct{}

	loadedMatches []*Match // read at Open, dealt to alerts by Start
	loadedDeliv   []deliveryRecord

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // delivery workers
}

type pair struct{ alert, article string }

// alertState is an alert and what happened to it, under Service.mu.
type alertState struct {
	a       Alert
	matches []*Match // increasing Seq
	// Deliveries: sentThrough is the last match sequence handed to a
	// delivery, deliveredThrough the last one delivered; pending is the
	// delivery sent and not yet acknowledged.
	sentThrough, deliveredThrough uint64
	pending                       *delivery
	lastDelivered                 time.Time
	failures                      []Failure // newest last
	wake                          chan struct{}
	worker                        bool // a delivery worker runs
}

// Open reads the alerts folder dir (created if missing) and writes
// nothing: the folder may still belong to another process until the
// index holding its data folder is open. No alert is matched nor
// delivered until [Service.Start].
func Open(dir string, opts Options) (*Service, error) {
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 10 * time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("alerts: create %s: %w", dir, index.DiskError(err))
	}
	s := &Service{dir: dir, opts: opts, log: opts.Logger, alerts: map[string]*alertState{},
		matched: map[pair]struct{}{}, subs: map[chan Event]struct{}{}}
	s.client = opts.Client
	if s.client == nil {
		s.client = newWebhookClient(opts)
	}
	list, err := loadAlerts(dir)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		s.alerts[a.ID] = &alertState{a: *a, wake: make(chan struct{}, 1)}
	}
	s.matchGood, err = scanLog(dir, matchesFile, func(line []byte) error {
		var r matchRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return nil // not ours: skip
		}
		switch {
		case r.Match != nil && r.Match.Seq > 0:
			s.loadedMatches = append(s.loadedMatches, r.Match)
			s.lastSeq = max(s.lastSeq, r.Match.Seq)
		case r.Checked > 0:
			s.checked = max(s.checked, r.Checked)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.delivGood, err = scanLog(dir, deliveriesFile, func(line []byte) error {
		var r deliveryRecord
		if json.Unmarshal(line, &r) == nil && r.ID != "" {
			s.loadedDeliv = append(s.loadedDeliv, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range s.loadedMatches {
		s.matched[pair{m.Alert, m.Article}] = struct{}{}
		if st := s.alerts[m.Alert]; st != nil {
			st.matches = append(st.matches, m)
		}
	}
	for _, st := range s.alerts {
		slices.SortFunc(st.matches, func(a, b *Match) int { return cmpSeq(a.Seq, b.Seq) })
	}
	s.replayDeliveries()
	s.loadedMatches, s.loadedDeliv = nil, nil
	return s, nil
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Start saves the alerts in x's percolator, finishes the matching of the
// batch a crash may have interrupted, and starts the webhook deliveries
// (unless Options.NoDeliveries). Call it once x, which holds the data
// folder's lock, is open.
// Errors wrap index.ErrInvalidQuery (a saved query the index refuses, with
// its alert's id), index.ErrClosed or the disk's errors.
func (s *Service) Start(ctx context.Context, x Indexer) error {
	var err error
	if s.matchLog, err = openLog(s.dir, matchesFile, s.matchGood); err != nil {
		return err
	}
	if s.delivLog, err = openLog(s.dir, deliveriesFile, s.delivGood); err != nil {
		return err
	}
	perc := x.NewPercolator()
	s.mu.Lock()
	for id, st := range s.alerts {
		if err := perc.Add(id, st.a.Query); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("alerts: alert %s: %w", id, err)
		}
	}
	s.perc = perc
	s.started = true
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Unlock()
	// What the alerts' words need is read once here, then carried from
	// commit to commit (index.Percolator.Warm).
	if err := perc.Warm(ctx); err != nil {
		return fmt.Errorf("alerts: read ahead for the alerts' words: %w", err)
	}
	last, err := x.LastCommit(ctx)
	if err != nil {
		return fmt.Errorf("alerts: read the last indexed batch: %w", err)
	}
	if last.Seq > s.checkedSeq() {
		// The process stopped between indexing a batch and recording its
		// matches (or before knowing it had none): check it again.
		if err := s.Committed(ctx, last); err != nil {
			return err
		}
	}
	s.mu.Lock()
	for _, st := range s.alerts {
		s.startWorkerLocked(st)
	}
	s.mu.Unlock()
	return nil
}

func (s *Service) checkedSeq() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.checked
}

// Close stops the deliveries and closes the logs. Matching after Close
// fails with ErrNotStarted: close the index first.
func (s *Service) Close() error {
	s.mu.Lock()
	s.started = false
	cancel := s.cancel
	for ch := range s.subs {
		close(ch)
		delete(s.subs, ch)
	}
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
	return errors.Join(s.matchLog.close(), s.delivLog.close())
}

// newID returns n random bytes in hex.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// checkSpec validates what a client sets, normalising it.
func (s *Service) checkSpec(sp *Spec) error {
	sp.Name = strings.TrimSpace(sp.Name)
	switch {
	case sp.Name == "":
		return fmt.Errorf("%w: the alert needs a name", ErrInvalid)
	case len(sp.Name) > MaxNameLength:
		return fmt.Errorf("%w: the name is %d bytes long, at most %d", ErrInvalid, len(sp.Name), MaxNameLength)
	case !utf8.ValidString(sp.Name):
		return fmt.Errorf("%w: the name is not valid UTF-8", ErrInvalid)
	}
	sp.Webhook = strings.TrimSpace(sp.Webhook)
	if sp.Webhook != "" {
		if err := checkWebhookURL(context.Background(), sp.Webhook, s.opts.AllowPrivateTargets); err != nil {
			return err
		}
	}
	if len(sp.Params) == 0 {
		sp.Params = json.RawMessage("{}")
	}
	return nil
}

// Create saves a new alert. Errors wrap ErrInvalid, ErrPrivateTarget,
// index.ErrInvalidQuery, ErrNotStarted or the disk's errors.
func (s *Service) Create(ctx context.Context, sp Spec) (View, error) {
	if err := s.checkSpec(&sp); err != nil {
		return View{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return View{}, ErrNotStarted
	}
	if len(s.alerts) >= MaxAlerts {
		return View{}, fmt.Errorf("%w: there are already %d alerts, the most a data folder holds", ErrInvalid, MaxAlerts)
	}
	now := time.Now().UTC()
	a := Alert{ID: newID(8), Name: sp.Name, Params: sp.Params, Query: sp.Query, Webhook: sp.Webhook,
		FeedToken: newID(24), Created: now, Updated: now}
	if a.Webhook != "" {
		a.WebhookSecret, a.WebhookFrom = newID(32), s.lastSeq
	}
	if err := s.perc.Add(a.ID, a.Query); err != nil {
		return View{}, err
	}
	st := &alertState{a: a, wake: make(chan struct{}, 1), sentThrough: s.lastSeq, deliveredThrough: s.lastSeq}
	s.alerts[a.ID] = st
	if err := s.saveLocked(); err != nil {
		delete(s.alerts, a.ID)
		s.perc.Remove(a.ID)
		return View{}, err
	}
	s.startWorkerLocked(st)
	return s.viewLocked(st), nil
}

// Update replaces an alert's name, search and webhook, and marks its
// matches read up to sp.ReadThrough when set. Its feed token stays, and
// so does its webhook secret while it has a webhook. Errors are those of
// [Service.Create], and ErrNotFound.
func (s *Service) Update(ctx context.Context, id string, sp Spec) (View, error) {
	if err := s.checkSpec(&sp); err != nil {
		return View{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return View{}, ErrNotStarted
	}
	st := s.alerts[id]
	if st == nil {
		return View{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	old := st.a
	a := old
	a.Name, a.Params, a.Query, a.Webhook, a.Updated = sp.Name, sp.Params, sp.Query, sp.Webhook, time.Now().UTC()
	switch {
	case a.Webhook == "":
		a.WebhookSecret, a.WebhookFrom = "", 0
	case old.Webhook == "":
		a.WebhookSecret, a.WebhookFrom = newID(32), s.lastSeq
		st.sentThrough, st.deliveredThrough = max(st.sentThrough, s.lastSeq), max(st.deliveredThrough, s.lastSeq)
	}
	if sp.ReadThrough != nil {
		a.ReadThrough = min(*sp.ReadThrough, s.lastSeq)
	}
	if err := s.perc.Add(id, a.Query); err != nil {
		return View{}, err
	}
	st.a = a
	if err := s.saveLocked(); err != nil {
		st.a = old
		_ = s.perc.Add(id, old.Query)
		return View{}, err
	}
	s.startWorkerLocked(st)
	wake(st)
	return s.viewLocked(st), nil
}

// Delete removes an alert; its feed and webhook stop. Errors wrap
// ErrNotFound, ErrNotStarted or the disk's errors.
func (s *Service) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return ErrNotStarted
	}
	st := s.alerts[id]
	if st == nil {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	delete(s.alerts, id)
	if err := s.saveLocked(); err != nil {
		s.alerts[id] = st
		return err
	}
	s.perc.Remove(id)
	wake(st) // its worker sees it is gone
	return nil
}

// Get returns one alert. Errors wrap ErrNotFound.
func (s *Service) Get(id string) (View, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.alerts[id]
	if st == nil {
		return View{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return s.viewLocked(st), nil
}

// List returns every alert, the oldest first.
func (s *Service) List() []View {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]View, 0, len(s.alerts))
	for _, st := range s.alerts {
		out = append(out, s.viewLocked(st))
	}
	slices.SortFunc(out, func(a, b View) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Matches returns up to limit matches of an alert with a sequence below
// before (0: from the newest), newest first. Errors wrap ErrNotFound.
func (s *Service) Matches(id string, before uint64, limit int) ([]Match, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.alerts[id]
	if st == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return newestFirst(st.matches, before, limit), nil
}

// Feed returns an alert and its newest matches, for its Atom feed, when
// token is its feed token. Errors wrap ErrNotFound or ErrBadToken.
func (s *Service) Feed(id, token string, limit int) (Alert, []Match, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.alerts[id]
	if st == nil {
		return Alert{}, nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if !equalSecret(token, st.a.FeedToken) {
		return Alert{}, nil, ErrBadToken
	}
	return st.a, newestFirst(st.matches, 0, limit), nil
}

func newestFirst(ms []*Match, before uint64, limit int) []Match {
	out := []Match{}
	for i := len(ms) - 1; i >= 0 && len(out) < limit; i-- {
		if before == 0 || ms[i].Seq < before {
			out = append(out, *ms[i])
		}
	}
	return out
}

// saveLocked writes alerts.json.
func (s *Service) saveLocked() error {
	list := make([]*Alert, 0, len(s.alerts))
	for _, st := range s.alerts {
		a := st.a
		list = append(list, &a)
	}
	slices.SortFunc(list, func(a, b *Alert) int { return strings.Compare(a.ID, b.ID) })
	return saveAlerts(s.dir, list)
}

func (s *Service) viewLocked(st *alertState) View {
	v := View{Alert: st.a, Matches: len(st.matches), Unread: st.unread(), LastDelivered: st.lastDelivered}
	if n := len(st.matches); n > 0 {
		v.LastMatch = st.matches[n-1].MatchedAt
	}
	if st.a.Webhook != "" {
		v.Undelivered = st.after(max(st.deliveredThrough, st.a.WebhookFrom))
	}
	for i := len(st.failures) - 1; i >= 0; i-- {
		v.Failures = append(v.Failures, st.failures[i])
	}
	return v
}

// Subscribe returns a channel of the new matches of every alert, from now
// on, and a function to stop; the channel is closed when the service
// closes or the subscriber falls too far behind.
func (s *Service) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.subs[ch]; ok {
			delete(s.subs, ch)
			close(ch)
		}
	}
}

// Since returns up to limit matches of every alert after sequence seq,
// oldest first, as events (for a stream that reconnects).
func (s *Service) Since(seq uint64, limit int) []Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Event
	for _, st := range s.alerts {
		unread := st.unread()
		for i := len(st.matches) - 1; i >= 0 && st.matches[i].Seq > seq; i-- {
			out = append(out, Event{Match: *st.matches[i], AlertName: st.a.Name, Unread: unread})
		}
	}
	slices.SortFunc(out, func(a, b Event) int { return cmpSeq(a.Match.Seq, b.Match.Seq) })
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

// Committed is the index's commit hook (index.Options.OnCommit): it finds
// the alerts the batch's articles match and records the matches durably
// before returning. Errors wrap ErrNotStarted or index.ErrReadOnly (the
// alerts folder cannot be written).
func (s *Service) Committed(ctx context.Context, c index.Commit) error {
	s.mu.RLock()
	started, perc := s.started, s.perc
	s.mu.RUnlock()
	if !started {
		return ErrNotStarted
	}
	var found []*Match
	if perc.Len() > 0 {
		var err error
		if found, err = s.match(ctx, perc, c); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var fresh []*Match
	now := time.Now().UTC()
	for _, m := range found {
		if _, dup := s.matched[pair{m.Alert, m.Article}]; dup || s.alerts[m.Alert] == nil {
			continue
		}
		s.lastSeq++
		m.Seq, m.MatchedAt = s.lastSeq, now
		fresh = append(fresh, m)
	}
	if len(fresh) == 0 {
		// Nothing to make durable: a crash before the next batch checks
		// this one again, which finds the same nothing.
		s.checked = max(s.checked, c.Seq)
		return nil
	}
	recs := make([]any, 0, len(fresh)+1)
	for _, m := range fresh {
		recs = append(recs, matchRecord{Match: m})
	}
	recs = append(recs, matchRecord{Checked: c.Seq})
	if err := s.matchLog.append(true, recs...); err != nil {
		s.lastSeq -= uint64(len(fresh))
		return err
	}
	s.checked = max(s.checked, c.Seq)
	for _, m := range fresh {
		s.matched[pair{m.Alert, m.Article}] = struct{}{}
		st := s.alerts[m.Alert]
		st.matches = append(st.matches, m)
		wake(st)
		ev := Event{Match: *m, AlertName: st.a.Name, Unread: st.unread()}
		for ch := range s.subs {
			select {
			case ch <- ev:
			default: // too far behind: it reconnects
				delete(s.subs, ch)
				close(ch)
			}
		}
	}
	return nil
}

// match returns the (alert, article) pairs of c that the alerts' searches
// confirm, in the order of c's articles, Seq and MatchedAt unset.
func (s *Service) match(ctx context.Context, perc *index.Percolator, c index.Commit) ([]*Match, error) {
	// The percolator decides most candidates from the article alone; the
	// others are confirmed by their search.
	sure := make([][]string, len(c.Articles))
	cands := make([][]string, len(c.Articles))
	// One worker a core, each taking every workers-th article (a
	// goroutine an article grew a fresh stack each time); an article
	// alone is matched here.
	workers := min(len(c.Articles), runtime.GOMAXPROCS(0))
	work := func(w int) error {
		for i := w; i < len(c.Articles); i += workers {
			var err error
			if sure[i], cands[i], err = perc.Match(c.Articles[i]); err != nil {
				return err
			}
		}
		return nil
	}
	var g errgroup.Group
	if workers == 1 {
		if err := work(0); err != nil {
			return nil, err
		}
	} else {
		for w := range workers {
			g.Go(func() error { return work(w) })
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	g.SetLimit(runtime.GOMAXPROCS(0))
	// The candidate articles of each alert, without those it matched.
	byAlert := map[string][]int{}
	var order []string
	byArticle := make([][]string, len(c.Articles))
	s.mu.RLock()
	queries := map[string]index.Query{}
	for i := range c.Articles {
		for _, id := range sure[i] {
			if s.alerts[id] != nil {
				byArticle[i] = append(byArticle[i], id)
			}
		}
		for _, id := range cands[i] {
			st := s.alerts[id]
			if st == nil {
				continue
			}
			if _, dup := s.matched[pair{id, c.Articles[i].Article.ID}]; dup {
				continue
			}
			if _, ok := byAlert[id]; !ok {
				order = append(order, id)
				queries[id] = st.a.Query
			}
			byAlert[id] = append(byAlert[id], i)
		}
	}
	s.mu.RUnlock()
	confirmed := make([]map[string]bool, len(order))
	for k, id := range order {
		g.Go(func() (err error) {
			confirmed[k], err = confirm(ctx, c, queries[id], c.Articles, byAlert[id])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("alerts: confirm matches: %w", err)
	}
	for k, id := range order {
		for _, i := range byAlert[id] {
			if confirmed[k][c.Articles[i].Article.ID] {
				byArticle[i] = append(byArticle[i], id)
			}
		}
	}
	var out []*Match
	for i, ids := range byArticle {
		a := c.Articles[i].Article
		slices.Sort(ids)
		for _, id := range ids {
			out = append(out, &Match{Alert: id, Article: a.ID, Title: a.Title, URL: a.URL, Published: a.Published})
		}
	}
	return out, nil
}

// confirm runs q restricted to the candidate articles and returns the ids
// it finds.
func confirm(ctx context.Context, c index.Commit, q index.Query, arts []index.Committed, cand []int) (map[string]bool, error) {
	found := map[string]bool{}
	for start := 0; start < len(cand); start += maxPerSearch {
		end := min(start+maxPerSearch, len(cand))
		ids := make([]string, 0, end-start)
		for _, i := range cand[start:end] {
			ids = append(ids, arts[i].Article.ID)
		}
		q := q
		// Every matching article, a story's reprints too: collapsing
		// groups the hits of a page, it does not change which articles match.
		q.IDs, q.Page, q.PerPage, q.Cursor, q.Highlight, q.Sort, q.Collapse = ids, 1, len(ids), "", false, "-date", index.CollapseNone
		res, err := c.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			found[h.Article.ID] = true
		}
	}
	return found, nil
}

// after counts st's matches with a sequence above seq.
func (st *alertState) after(seq uint64) int {
	n := 0
	for i := len(st.matches) - 1; i >= 0 && st.matches[i].Seq > seq; i-- {
		n++
	}
	return n
}

// unread counts st's matches not marked read.
func (st *alertState) unread() int { return st.after(st.a.ReadThrough) }

func wake(st *alertState) {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}
