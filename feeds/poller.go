package feeds

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"veille/corpus"
	"veille/corpus/webpage"
	"veille/index"
)

// Sink stores the articles the poller makes, replacing any article with
// the same id; *index.Index satisfies it (its one ingestion path).
type Sink interface {
	PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(pos int, r index.PutResult)) (index.PutStats, error)
}

// Poller defaults and limits.
const (
	// DefaultPerHost is how many requests run at once against one host.
	DefaultPerHost = 2
	// DefaultWorkers is how many sources are polled at once.
	DefaultWorkers = 4
	// MaxBackoff caps the delay after failures (unless the interval is
	// longer).
	MaxBackoff = 6 * time.Hour
	// MaxPagesPerPoll is how many item pages one poll fetches; the others
	// wait for the next poll.
	MaxPagesPerPoll = 100
	// keepItems is how long an item no longer in its feed is remembered.
	keepItems = 30 * 24 * time.Hour
	// maxItems is the most items remembered per source.
	maxItems = 5000
)

// Options configure [Open]. Dir, Fetcher and Sink are required.
type Options struct {
	// Dir is the folder of the sources' files; created if missing.
	Dir string
	// Fetcher gets feeds and pages.
	Fetcher *Fetcher
	// Sink receives the articles.
	Sink Sink
	// PerHost bounds the concurrent requests to one host; 0 means
	// DefaultPerHost.
	PerHost int
	// Workers bounds the sources polled at once; 0 means DefaultWorkers.
	Workers int
	// Logger receives one line per failed poll; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Jitter returns a number in [0, 1) that spreads the polls; nil means
	// math/rand.
	Jitter func() float64
}

// Poller follows the sources: it keeps them, polls each when due and on
// demand, and reports their status. Its methods are safe for concurrent
// use.
type Poller struct {
	opts  Options
	store *store
	log   *slog.Logger

	mu      sync.Mutex
	recs    map[string]*record
	polling map[string]*sync.Mutex // one poll of a source at a time
	hosts   map[string]chan struct{}
	wake    chan struct{}
}

// Open loads the sources kept in opts.Dir; those whose last poll failed
// are due at once. A source file that cannot be read is an error (nothing
// is dropped silently).
func Open(opts Options) (*Poller, error) {
	if opts.Dir == "" || opts.Fetcher == nil || opts.Sink == nil {
		return nil, errors.New("feeds: Options need Dir, Fetcher and Sink")
	}
	if opts.PerHost <= 0 {
		opts.PerHost = DefaultPerHost
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	st, err := openStore(opts.Dir)
	if err != nil {
		return nil, err
	}
	recs, err := st.load()
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.Status.Failures > 0 { // the configuration or the network may have changed: retry at once
			r.Status.NextPoll = opts.Now()
		}
	}
	return &Poller{opts: opts, store: st, log: opts.Logger, recs: recs,
		polling: map[string]*sync.Mutex{}, hosts: map[string]chan struct{}{}, wake: make(chan struct{}, 1)}, nil
}

// MergeFile makes the sources of the --sources file (see
// [ReadSourcesFile]) the poller's file sources: new ones are added, names
// of known ones updated, file sources no longer listed removed. Sources
// added through the API are kept; one the file also lists becomes a file
// source.
func (p *Poller) MergeFile(sources []Source) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	listed := map[string]bool{}
	var errs []error
	for _, s := range sources {
		listed[s.ID] = true
		r, ok := p.recs[s.ID]
		if ok && r.Source.FromFile && r.Source.Name == s.Name {
			continue
		}
		if !ok {
			r = &record{Source: s, Items: map[string]itemState{}}
		}
		r.Source.FromFile, r.Source.Name = true, s.Name
		if err := p.store.save(r); err != nil {
			errs = append(errs, err)
			continue
		}
		p.recs[s.ID] = r
	}
	for id, r := range p.recs {
		if r.Source.FromFile && !listed[id] {
			if err := p.store.remove(id); err != nil {
				errs = append(errs, err)
				continue
			}
			delete(p.recs, id)
		}
	}
	p.signal()
	return errors.Join(errs...)
}

// List returns every source with its status, by name then URL.
func (p *Poller) List() []View {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]View, 0, len(p.recs))
	for _, r := range p.recs {
		out = append(out, View{Source: r.Source, Status: r.Status})
	}
	slices.SortFunc(out, func(a, b View) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.URL, b.URL))
	})
	return out
}

// Get returns one source. The error wraps ErrNotFound.
func (p *Poller) Get(id string) (View, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.recs[id]
	if !ok {
		return View{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return View{Source: r.Source, Status: r.Status}, nil
}

// Add follows a new source (see [NewSource]); it is polled at once by
// [Poller.Run]. Errors wrap ErrExists (the same URL is followed) or the
// store's write error.
func (p *Poller) Add(s Source) (View, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.recs[s.ID]; ok {
		return View{Source: r.Source, Status: r.Status}, fmt.Errorf("%w: %s is source %s", ErrExists, s.URL, s.ID)
	}
	r := &record{Source: s, Items: map[string]itemState{}}
	r.Status.NextPoll = p.opts.Now()
	if err := p.store.save(r); err != nil {
		return View{}, err
	}
	p.recs[s.ID] = r
	p.signal()
	return View{Source: r.Source, Status: r.Status}, nil
}

// Remove stops following a source; its articles stay. Errors wrap
// ErrNotFound, ErrFromFile or the store's error.
func (p *Poller) Remove(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.recs[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if r.Source.FromFile {
		return fmt.Errorf("%w: remove %s from the sources file to stop following it", ErrFromFile, r.Source.URL)
	}
	if err := p.store.remove(id); err != nil {
		return err
	}
	delete(p.recs, id)
	return nil
}

// signal wakes Run to look at the schedule again.
func (p *Poller) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run polls every source when it is due until ctx ends, then waits for
// the polls under way and returns ctx's error.
func (p *Poller) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, p.opts.Workers)
	running := map[string]bool{}
	done := make(chan string, p.opts.Workers)
	for {
		now := p.opts.Now()
		var due []string
		next := now.Add(time.Minute)
		p.mu.Lock()
		for id, r := range p.recs {
			if running[id] {
				continue
			}
			if !r.Status.NextPoll.After(now) {
				due = append(due, id)
			} else if r.Status.NextPoll.Before(next) {
				next = r.Status.NextPoll
			}
		}
		p.mu.Unlock()
		slices.Sort(due)
		for _, id := range due {
			if len(running) == cap(slots) {
				break
			}
			running[id] = true
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots; done <- id }()
				if _, err := p.Poll(ctx, id); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNotFound) {
					p.log.Warn("feed poll failed", "source", id, "error", err)
				}
			})
		}
		timer := time.NewTimer(max(next.Sub(now), 10*time.Millisecond))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case id := <-done:
			delete(running, id)
		case <-p.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Poll fetches source id now, stores its new and updated items and
// returns what it did. A poll of the same source under way is waited for.
// Errors wrap ErrNotFound, the fetch errors (see [Fetcher.Fetch]),
// ErrMalformed or ctx's error; the source's status records them, and its
// next poll is put off (exponential back-off).
func (p *Poller) Poll(ctx context.Context, id string) (Counts, error) {
	p.mu.Lock()
	r, ok := p.recs[id]
	lock := p.polling[id]
	if lock == nil {
		lock = &sync.Mutex{}
		p.polling[id] = lock
	}
	p.mu.Unlock()
	if !ok {
		return Counts{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	lock.Lock()
	defer lock.Unlock()

	p.mu.Lock()
	src, validator := r.Source, r.Validator
	known := make(map[string]itemState, len(r.Items))
	for k, v := range r.Items {
		known[k] = v
	}
	p.mu.Unlock()

	start := p.opts.Now()
	var resp Response
	err := p.withHost(ctx, src.URL, func() (err error) {
		resp, err = p.opts.Fetcher.Fetch(ctx, src.URL, validator, FeedTypes)
		return err
	})
	if err != nil {
		return Counts{}, p.failed(r, start, err)
	}
	if resp.NotModified {
		c := Counts{NotModified: true}
		return c, p.succeeded(r, start, c, resp.Validator, nil, "")
	}
	feed, err := Parse(resp.Body)
	if err != nil {
		return Counts{}, p.failed(r, start, fmt.Errorf("%s: %w", src.URL, err))
	}
	c, items, complete, err := p.storeItems(ctx, src, feed, known, resp.URL)
	if err != nil {
		return c, p.failed(r, start, err)
	}
	if !complete {
		resp.Validator = Validator{} // fetch the whole feed next time: items wait
	}
	return c, p.succeeded(r, start, c, resp.Validator, items, feed.Title)
}

// storeItems turns the new and changed items of feed into articles,
// stored through the sink in one PutAll, and returns the counts, the
// items to remember, and whether every item was handled (false when some
// wait for the next poll). Its error is the sink's or ctx's, which stops
// the poll.
func (p *Poller) storeItems(ctx context.Context, src Source, feed Feed, known map[string]itemState, feedURL string) (Counts, map[string]itemState, bool, error) {
	now := p.opts.Now()
	c := Counts{Seen: len(feed.Items)}
	complete := true
	type change struct {
		key, print string
		seen       bool
		textFrom   string
	}
	var changes []change
	seq := func(yield func(index.Item, error) bool) {
		for _, it := range feed.Items {
			if ctx.Err() != nil {
				return
			}
			it.Link = resolve(feedURL, it.Link)
			key := ItemKey(it)
			print := itemPrint(it)
			st, seen := known[key]
			if seen && st.Print == print {
				st.Seen = now
				known[key] = st
				continue
			}
			if len(changes) == MaxPagesPerPoll {
				complete = false
				continue
			}
			a := p.article(ctx, src, feed, it, key)
			if seen {
				a.ID = st.Article // an updated item keeps its article
			}
			changes = append(changes, change{key: key, print: print, seen: seen, textFrom: a.TextFrom})
			if !yield(index.Item{Article: a}, nil) {
				return
			}
		}
	}
	_, err := p.opts.Sink.PutAll(ctx, seq, func(pos int, r index.PutResult) {
		ch := changes[pos]
		switch {
		case r.Err == nil:
			if ch.textFrom != "" {
				c.FromFeed++
			}
			if ch.seen {
				c.Updated++
			} else {
				c.New++
			}
			known[ch.key] = itemState{Article: r.Article.ID, Print: ch.print, Seen: now}
		case errors.Is(r.Err, index.ErrInvalidArticle):
			c.Failed++ // nothing to store, now or later
			known[ch.key] = itemState{Article: r.Article.ID, Print: ch.print, Seen: now}
		default:
			c.Failed++
			complete = false
			p.log.Warn("feed item not stored", "source", src.ID, "item", ch.key, "error", r.Err)
		}
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return c, known, false, err
	}
	return c, pruneItems(known, now), complete, nil
}

// article makes the article of one item: its page fetched and extracted,
// or, when the page cannot be had or has no text, the item's own content
// or summary (marked in TextFrom).
func (p *Poller) article(ctx context.Context, src Source, feed Feed, it Item, key string) corpus.Article {
	a := corpus.Article{
		Title:     it.Title,
		Source:    cmp.Or(src.Name, feed.Title),
		Published: cmp.Or(it.Published, it.Updated),
		Language:  webpage.LanguageCode(feed.Language),
	}
	if c, ok := CanonicalURL(it.Link); ok {
		a.URL = c
	}
	identity := key
	if a.URL != "" {
		var page Response
		err := p.withHost(ctx, a.URL, func() (err error) {
			page, err = p.opts.Fetcher.Fetch(ctx, a.URL, Validator{}, PageTypes)
			return err
		})
		if err == nil {
			raw, err := corpus.ParseHTML(page.Body, page.ContentType, page.URL)
			if err == nil && raw.Body != "" {
				identity = pageIdentity(key, raw.URL)
				if identity != key {
					a.URL = identity
				}
				a.Body = raw.Body
				a.Title = cmp.Or(a.Title, raw.Title)
				a.Published = cmp.Or(a.Published, raw.Published)
				a.Language = cmp.Or(raw.Language, a.Language)
				if src.Name == "" && raw.Source != "" {
					a.Source = raw.Source
				}
			}
		}
	}
	if a.Body == "" {
		if text := webpage.Text(it.Content); text != "" {
			a.Body, a.TextFrom = text, corpus.TextFeedContent
		} else if text := webpage.Text(it.Summary); text != "" {
			a.Body, a.TextFrom = text, corpus.TextFeedSummary
		}
	}
	a.ID = ArticleID(identity)
	return a
}

// withHost runs f holding one of the request slots of rawURL's host.
func (p *Poller) withHost(ctx context.Context, rawURL string, f func() error) error {
	host := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	p.mu.Lock()
	sem := p.hosts[host]
	if sem == nil {
		sem = make(chan struct{}, p.opts.PerHost)
		p.hosts[host] = sem
	}
	p.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-sem }()
	return f()
}

// failed records a failed poll and returns err.
func (p *Poller) failed(r *record, start time.Time, err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &r.Status
	st.LastFetch = start
	st.LastError = err.Error()
	st.Failures++
	st.Polls++
	st.Errors++
	var se *StatusError
	var wait time.Duration
	if errors.As(err, &se) {
		wait = se.RetryAfter
	}
	st.NextPoll = p.opts.Now().Add(max(p.backoff(time.Duration(r.Source.Interval), st.Failures), wait))
	if _, live := p.recs[r.Source.ID]; live {
		if serr := p.store.save(r); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return err
}

// succeeded records a successful poll.
func (p *Poller) succeeded(r *record, start time.Time, c Counts, v Validator, items map[string]itemState, title string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &r.Status
	st.LastFetch, st.LastSuccess, st.LastError, st.Failures = start, start, "", 0
	st.Polls++
	if c.NotModified {
		st.NotModified++
		st.ItemsNew, st.ItemsUpdated = 0, 0
	} else {
		st.ItemsSeen, st.ItemsNew, st.ItemsUpdated = c.Seen, c.New, c.Updated
		st.TotalNew += int64(c.New)
		st.TotalUpdated += int64(c.Updated)
		st.FeedTitle = title
		r.Items = items
	}
	r.Validator = v
	st.NextPoll = p.opts.Now().Add(p.jittered(time.Duration(r.Source.Interval)))
	if _, live := p.recs[r.Source.ID]; !live {
		return nil // removed while polling
	}
	return p.store.save(r)
}

// jittered spreads d by ±10 %.
func (p *Poller) jittered(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*p.opts.Jitter()))
}

// backoff is the delay before the next poll after failures in a row:
// the interval doubled at each failure, at most MaxBackoff (or the
// interval when longer), jittered.
func (p *Poller) backoff(interval time.Duration, failures int) time.Duration {
	limit := max(MaxBackoff, interval)
	d := interval
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return p.jittered(min(d, limit))
}

// itemPrint is a hash of what a feed says of an item.
func itemPrint(it Item) string {
	h := sha256.New()
	for _, s := range []string{it.Title, it.Link, it.GUID, it.Summary, it.Content, it.Updated.UTC().Format(time.RFC3339)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// pruneItems forgets the items not seen for keepItems, and the oldest
// beyond maxItems.
func pruneItems(items map[string]itemState, now time.Time) map[string]itemState {
	for k, v := range items {
		if now.Sub(v.Seen) > keepItems {
			delete(items, k)
		}
	}
	if len(items) > maxItems {
		keys := make([]string, 0, len(items))
		for k := range items {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return items[b].Seen.Compare(items[a].Seen) })
		for _, k := range keys[maxItems:] {
			delete(items, k)
		}
	}
	return items
}

// resolve makes a relative item link absolute against the feed's URL.
func resolve(base, ref string) string {
	if ref == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(u).String()
}
