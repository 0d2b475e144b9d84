package feeds

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"veille/corpus"
	"veille/index"
)

// memSink is a Sink that keeps articles in memory.
type memSink struct {
	mu   sync.Mutex
	arts map[string]corpus.Article
	puts int
	err  error
}

func newSink() *memSink { return &memSink{arts: map[string]corpus.Article{}} }

func (s *memSink) PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(int, index.PutResult)) (index.PutStats, error) {
	return index.PutAll(ctx, s.putMany, 64, seq, report)
}

func (s *memSink) putMany(_ context.Context, items []index.Item) []index.PutResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]index.PutResult, len(items))
	for i, it := range items {
		a := it.Article
		switch err := a.Validate(); {
		case s.err != nil:
			out[i].Err = s.err
		case err != nil:
			out[i].Err = fmt.Errorf("%w: %w", index.ErrInvalidArticle, err)
		default:
			_, existed := s.arts[a.ID]
			s.puts++
			s.arts[a.ID] = a
			out[i] = index.PutResult{Created: !existed, Article: a}
		}
	}
	return out
}

func (s *memSink) snapshot() (map[string]corpus.Article, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]corpus.Article, len(s.arts))
	for k, v := range s.arts {
		out[k] = v
	}
	return out, s.puts
}

// articlePage is an article's HTML page, with enough text for the
// extractor, a menu and a canonical link.
func articlePage(title, canonical, sentence string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>%s | Le Site</title>
<meta property="og:title" content="%s"><meta property="og:site_name" content="Le Site">`, title, title)
	if canonical != "" {
		fmt.Fprintf(&b, `<link rel="canonical" href="%s">`, canonical)
	}
	b.WriteString(`<meta property="article:published_time" content="2024-05-02T10:00:00+02:00"></head><body><nav><a href="/">Accueil</a><a href="/eco">Économie</a></nav><article><h1>` + title + `</h1>`)
	for i := range 4 {
		fmt.Fprintf(&b, "<p>%s Paragraphe %d : les salariés de l'usine ont appris la nouvelle mardi matin, lors d'une réunion convoquée par la direction qui a détaillé le calendrier des départs et des reclassements proposés.</p>\n", sentence, i+1)
	}
	b.WriteString(`</article><footer>Mentions légales</footer></body></html>`)
	return b.String()
}

// feedServer serves one feed at /feed (RSS unless set otherwise), with an
// ETag, and pages at /article/N.
type feedServer struct {
	*httptest.Server
	mu          sync.Mutex
	feed        string
	contentType string
	etag        string
	pages       map[string]string
	feedHits    atomic.Int32
	conditional atomic.Int32
	pageHits    atomic.Int32
	agent       atomic.Value
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{contentType: "application/rss+xml; charset=utf-8", pages: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		fs.feedHits.Add(1)
		fs.agent.Store(r.Header.Get("User-Agent"))
		fs.mu.Lock()
		feed, ct, etag := fs.feed, fs.contentType, fs.etag
		fs.mu.Unlock()
		if etag != "" {
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				fs.conditional.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Content-Type", ct)
		fmt.Fprint(w, feed)
	})
	mux.HandleFunc("/article/", func(w http.ResponseWriter, r *http.Request) {
		fs.pageHits.Add(1)
		fs.mu.Lock()
		page, ok := fs.pages[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	fs.Server = httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(feed, etag string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.feed, fs.etag = feed, etag
}

func (fs *feedServer) setPage(path, html string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.pages[path] = html
}

// rss builds an RSS 2.0 feed of items given as (title, link, summary).
func rss(items ...[3]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Le Fil</title><link>https://fil.example/</link><language>fr-fr</language>`)
	for i, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>g%d</guid><description><![CDATA[<p>%s</p>]]></description><pubDate>Thu, 02 May 2024 08:0%d:00 GMT</pubDate></item>", it[0], it[1], i, it[2], i)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// fixture is a poller with one source on a feed server.
type fixture struct {
	srv    *feedServer
	sink   *memSink
	poller *Poller
	src    Source
	now    time.Time
	dir    string
}

func newFixture(t *testing.T, fo FetcherOptions) *fixture {
	t.Helper()
	f := &fixture{srv: newFeedServer(t), sink: newSink(), now: time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC), dir: t.TempDir()}
	fo.AllowPrivate = true // the servers are on loopback
	p, err := Open(Options{Dir: f.dir, Fetcher: NewFetcher(fo), Sink: f.sink, Now: func() time.Time { return f.now }, Jitter: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	f.poller = p
	src, err := NewSource(f.srv.URL+"/feed", "Le Fil", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Add(src); err != nil {
		t.Fatal(err)
	}
	f.src = src
	return f
}

func (f *fixture) poll(t *testing.T) (Counts, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return f.poller.Poll(ctx, f.src.ID)
}

func (f *fixture) status(t *testing.T) Status {
	t.Helper()
	v, err := f.poller.Get(f.src.ID)
	if err != nil {
		t.Fatal(err)
	}
	return v.Status
}

// twoItems sets a feed of two items whose pages exist, the first linked
// with tracking parameters.
func (f *fixture) twoItems(etag string) {
	f.srv.setPage("/article/1", articlePage("Renault ferme Flins", "", "Renault ferme son usine de Flins."))
	f.srv.setPage("/article/2", articlePage("Airbus recrute", f.srv.URL+"/article/2", "Airbus recrute trois mille ingénieurs."))
	f.srv.set(rss(
		[3]string{"Renault ferme Flins", f.srv.URL + "/article/1?utm_source=rss&utm_medium=feed#top", "Résumé un"},
		[3]string{"Airbus recrute", "/article/2?xtor=RSS-1", "Résumé deux"},
	), etag)
}

func TestFirstPoll(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.twoItems(`"v1"`)
	c, err := f.poll(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.Seen != 2 || c.New != 2 || c.Updated != 0 || c.FromFeed != 0 || c.NotModified {
		t.Errorf("counts %+v, want 2 seen, 2 new", c)
	}
	arts, _ := f.sink.snapshot()
	a, ok := arts[ArticleID(f.srv.URL+"/article/1")]
	if !ok {
		t.Fatalf("no article for the canonical URL of item 1 among %v", arts)
	}
	if a.URL != f.srv.URL+"/article/1" || a.Title != "Renault ferme Flins" || a.Source != "Le Fil" || a.Language != "fr" || a.TextFrom != "" {
		t.Errorf("article 1: %+v", a)
	}
	if !strings.Contains(a.Body, "Renault ferme son usine de Flins. Paragraphe 4") || strings.Contains(a.Body, "Accueil") || strings.Contains(a.Body, "Mentions") {
		t.Errorf("article 1 body is not the page's main text:\n%s", a.Body)
	}
	if want := time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published %v, want the item's %v", a.Published, want)
	}
	if _, ok := arts[ArticleID(f.srv.URL+"/article/2")]; !ok {
		t.Errorf("no article for item 2 (relative link, xtor removed)")
	}
	st := f.status(t)
	if st.LastSuccess != f.now || st.LastError != "" || st.ItemsSeen != 2 || st.ItemsNew != 2 || st.Polls != 1 || st.FeedTitle != "Le Fil" {
		t.Errorf("status %+v", st)
	}
	if want := f.now.Add(DefaultInterval); !st.NextPoll.Equal(want) {
		t.Errorf("next poll %v, want %v", st.NextPoll, want)
	}
	if ua, _ := f.srv.agent.Load().(string); !strings.HasPrefix(ua, "veille-feeds/") {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestConditionalRepoll(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.twoItems(`"v1"`)
	if _, err := f.poll(t); err != nil {
		t.Fatal(err)
	}
	_, puts := f.sink.snapshot()
	pages := f.srv.pageHits.Load()
	c, err := f.poll(t)
	if err != nil {
		t.Fatal(err)
	}
	if !c.NotModified || c.New != 0 || f.srv.conditional.Load() != 1 {
		t.Errorf("counts %+v, conditional answers %d: want a 304", c, f.srv.conditional.Load())
	}
	if _, puts2 := f.sink.snapshot(); puts2 != puts || f.srv.pageHits.Load() != pages {
		t.Errorf("a 304 stored %d articles and fetched %d pages", puts2-puts, f.srv.pageHits.Load()-pages)
	}
	// Without an ETag the server sends the feed again: unchanged items
	// are not fetched nor stored again.
	f.twoItems("")
	if c, err = f.poll(t); err != nil || c.New != 0 || c.Updated != 0 || c.Seen != 2 {
		t.Errorf("unchanged feed: %+v, %v", c, err)
	}
	if _, puts3 := f.sink.snapshot(); puts3 != puts || f.srv.pageHits.Load() != pages {
		t.Errorf("an unchanged feed stored %d articles again", puts3-puts)
	}
	st := f.status(t)
	if st.NotModified != 1 || st.Polls != 3 || st.ItemsSeen != 2 {
		t.Errorf("status %+v", st)
	}
}

func TestUpdatedItem(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.twoItems(`"v1"`)
	if _, err := f.poll(t); err != nil {
		t.Fatal(err)
	}
	f.srv.setPage("/article/1", articlePage("Renault ferme Flins en 2025", "", "Renault repousse la fermeture de Flins."))
	f.srv.set(rss(
		[3]string{"Renault ferme Flins en 2025", f.srv.URL + "/article/1?utm_campaign=other", "Résumé un, mis à jour"},
		[3]string{"Airbus recrute", "/article/2?xtor=RSS-1", "Résumé deux"},
	), `"v2"`)
	c, err := f.poll(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.New != 0 || c.Updated != 1 {
		t.Errorf("counts %+v, want 1 updated", c)
	}
	arts, _ := f.sink.snapshot()
	if len(arts) != 2 {
		t.Errorf("%d articles, want 2 (the update replaces)", len(arts))
	}
	a := arts[ArticleID(f.srv.URL+"/article/1")]
	if a.Title != "Renault ferme Flins en 2025" || !strings.Contains(a.Body, "repousse") {
		t.Errorf("article not updated: %q %.80q", a.Title, a.Body)
	}
}

func TestBrokenFeedBacksOff(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.srv.set("<html><body>Not a feed</body>", "")
	_, err := f.poll(t)
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err %v, want ErrMalformed", err)
	}
	st := f.status(t)
	if st.Failures != 1 || st.Errors != 1 || !strings.Contains(st.LastError, "not an RSS") || !st.NextPoll.Equal(f.now.Add(DefaultInterval)) {
		t.Errorf("after one failure: %+v", st)
	}
	f.srv.set("<rss><channel><item><title>cut", "")
	if _, err := f.poll(t); err == nil {
		t.Fatal("a truncated feed was accepted")
	}
	f.srv.set("", "")
	if _, err := f.poll(t); err == nil {
		t.Fatal("an empty feed was accepted")
	}
	st = f.status(t)
	if st.Failures != 3 || !st.NextPoll.Equal(f.now.Add(4*DefaultInterval)) {
		t.Errorf("after three failures: failures %d, next poll in %v, want 4 intervals", st.Failures, st.NextPoll.Sub(f.now))
	}
	// A restart retries a failing source at once.
	p2, err := Open(Options{Dir: f.dir, Fetcher: NewFetcher(FetcherOptions{}), Sink: f.sink, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := p2.Get(f.src.ID); !v.Status.NextPoll.Equal(f.now) {
		t.Errorf("after a restart the failing source is due at %v, want now", v.Status.NextPoll)
	}
	f.twoItems("")
	if _, err := f.poll(t); err != nil {
		t.Fatal(err)
	}
	if st = f.status(t); st.Failures != 0 || st.LastError != "" || !st.NextPoll.Equal(f.now.Add(DefaultInterval)) {
		t.Errorf("after a success: %+v", st)
	}
	if got := f.poller.backoff(time.Hour, 20); got != MaxBackoff {
		t.Errorf("backoff after 20 failures %v, want the cap %v", got, MaxBackoff)
	}
}

func TestSlowServer(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel>`)
		w.(http.Flusher).Flush()
		select { // a body that never ends
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	fetcher := NewFetcher(FetcherOptions{AllowPrivate: true, Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := fetcher.Fetch(context.Background(), slow.URL, Validator{}, FeedTypes)
	if err == nil {
		t.Fatal("a body that never ends was accepted")
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("the fetch took %v despite a 300 ms limit", elapsed)
	}
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Errorf("err %v is not a timeout", err)
	}
}

func TestRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/hop/%d", &n)
		if n == 0 {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, rss())
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.org/feed", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	fetcher := NewFetcher(FetcherOptions{AllowPrivate: true})
	tests := []struct {
		path string
		err  error
	}{
		{"/loop", ErrTooManyRedirects},
		{"/hop/5", nil},
		{"/hop/6", ErrTooManyRedirects},
		{"/ftp", ErrScheme},
	}
	for _, tt := range tests {
		resp, err := fetcher.Fetch(context.Background(), srv.URL+tt.path, Validator{}, FeedTypes)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err %v, want %v", tt.path, err, tt.err)
		}
		if tt.err == nil && resp.URL != srv.URL+"/hop/0" {
			t.Errorf("%s: final URL %s", tt.path, resp.URL)
		}
	}
	if _, err := fetcher.Fetch(context.Background(), "file:///etc/passwd", Validator{}, nil); !errors.Is(err, ErrScheme) {
		t.Errorf("file URL: %v", err)
	}
}

func TestOversizedPageFallsBackOnFeedText(t *testing.T) {
	f := newFixture(t, FetcherOptions{MaxSize: 16 << 10})
	f.srv.setPage("/article/1", articlePage("Grosse page", "", strings.Repeat("Très long. ", 4000)))
	f.srv.set(`<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Le Fil</title>
<item><title>Grosse page</title><link>`+f.srv.URL+`/article/1</link><description>Le résumé du flux.</description></item>
<item><title>Page absente</title><link>`+f.srv.URL+`/article/404</link><description>Résumé.</description><content:encoded><![CDATA[<p>Le texte complet donné par le flux.</p><p>Second paragraphe.</p>]]></content:encoded></item>
</channel></rss>`, "")
	c, err := f.poll(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.New != 2 || c.FromFeed != 2 {
		t.Errorf("counts %+v, want 2 new from the feed", c)
	}
	arts, _ := f.sink.snapshot()
	big := arts[ArticleID(f.srv.URL+"/article/1")]
	if big.Body != "Le résumé du flux." || big.TextFrom != corpus.TextFeedSummary {
		t.Errorf("oversized page: body %.80q from %q", big.Body, big.TextFrom)
	}
	missing := arts[ArticleID(f.srv.URL+"/article/404")]
	if missing.Body != "Le texte complet donné par le flux.\n\nSecond paragraphe." || missing.TextFrom != corpus.TextFeedContent {
		t.Errorf("missing page: body %q from %q", missing.Body, missing.TextFrom)
	}
	// The fetcher itself refuses the page with ErrTooLarge.
	fetcher := NewFetcher(FetcherOptions{AllowPrivate: true, MaxSize: 16 << 10})
	if _, err := fetcher.Fetch(context.Background(), f.srv.URL+"/article/1", Validator{}, PageTypes); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err %v, want ErrTooLarge", err)
	}
}

func TestPrivateAddressRefused(t *testing.T) {
	srv := newFeedServer(t)
	srv.set(rss(), "")
	fetcher := NewFetcher(FetcherOptions{})
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, u := range []string{
		srv.URL + "/feed", // 127.0.0.1
		fmt.Sprintf("http://localhost:%d/feed", port), // a name that resolves to loopback
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port),
	} {
		_, err := fetcher.Fetch(context.Background(), u, Validator{}, FeedTypes)
		if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("%s: err %v, want ErrPrivateAddress", u, err)
		}
	}
	if srv.feedHits.Load() != 0 {
		t.Errorf("the server was reached %d times", srv.feedHits.Load())
	}
	// Allowed explicitly, the same server is reached.
	allowed := NewFetcher(FetcherOptions{AllowPrivate: true})
	if _, err := allowed.Fetch(context.Background(), srv.URL+"/feed", Validator{}, FeedTypes); err != nil {
		t.Errorf("with AllowPrivate: %v", err)
	}
}

func TestContentTypeRefused(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.srv.mu.Lock()
	f.srv.contentType = "image/png"
	f.srv.mu.Unlock()
	f.srv.set(rss(), "")
	if _, err := f.poll(t); !errors.Is(err, ErrContentType) {
		t.Errorf("err %v, want ErrContentType", err)
	}
}

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTPS://Www.Example.COM:443/a/b?utm_source=x&id=3&fbclid=y#frag", "https://www.example.com/a/b?id=3"},
		{"http://example.com", "http://example.com/"},
		{"http://example.com:8080/x?b=2&a=1&xtor=RSS-3", "http://example.com:8080/x?a=1&b=2"},
		{"https://example.com/x?utm_medium=rss", "https://example.com/x"},
		{"https://[2001:db8::1]:443/x", "https://[2001:db8::1]/x"},
	}
	for _, tt := range tests {
		if got, ok := CanonicalURL(tt.in); !ok || got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "/relative", "ftp://x/y", "javascript:alert(1)", "http://user:pw@host/"} {
		if got, ok := CanonicalURL(bad); ok {
			t.Errorf("CanonicalURL(%q) = %q, want refused", bad, got)
		}
	}
	if pageIdentity("https://a.example/x/1", "https://a.example/") != "https://a.example/x/1" {
		t.Error("a canonical link to the home page was honoured")
	}
	if pageIdentity("https://a.example/x/1?utm_source=a", "https://b.example/story") != "https://b.example/story" {
		t.Error("a canonical link was not honoured")
	}
}

func TestSourcesPersistAndMerge(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.twoItems(`"v1"`)
	if _, err := f.poll(t); err != nil {
		t.Fatal(err)
	}
	fileSources, err := ReadSourcesFile(strings.NewReader("# sources\n\nhttps://news.example/rss.xml  Les Nouvelles du jour\nhttps://other.example/atom\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fileSources) != 2 || fileSources[0].Name != "Les Nouvelles du jour" || fileSources[1].Name != "" || !fileSources[0].FromFile {
		t.Fatalf("sources file read as %+v", fileSources)
	}
	if err := f.poller.MergeFile(fileSources); err != nil {
		t.Fatal(err)
	}
	if err := f.poller.Remove(fileSources[0].ID); !errors.Is(err, ErrFromFile) {
		t.Errorf("removing a file source: %v, want ErrFromFile", err)
	}
	if _, err := f.poller.Add(f.src); !errors.Is(err, ErrExists) {
		t.Errorf("adding a followed URL again: %v, want ErrExists", err)
	}

	// A new poller on the same folder has the sources, their status and
	// their validators (so its first poll is conditional); a sources file
	// that lists fewer sources removes the others it listed.
	p2, err := Open(Options{Dir: f.dir, Fetcher: NewFetcher(FetcherOptions{AllowPrivate: true}), Sink: f.sink, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.MergeFile(fileSources[:1]); err != nil {
		t.Fatal(err)
	}
	views := p2.List()
	if len(views) != 2 || views[0].Name != "Le Fil" || views[1].Name != "Les Nouvelles du jour" {
		t.Fatalf("reopened sources: %+v", views)
	}
	if views[0].Status.ItemsNew != 2 || views[0].Status.LastSuccess.IsZero() {
		t.Errorf("status not kept: %+v", views[0].Status)
	}
	c, err := p2.Poll(context.Background(), f.src.ID)
	if err != nil || !c.NotModified {
		t.Errorf("first poll after reopening: %+v, %v; want a 304", c, err)
	}
	if err := p2.Remove(f.src.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, f.src.ID+".json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed source's file is still there: %v", err)
	}
	if _, err := p2.Poll(context.Background(), f.src.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("polling a removed source: %v", err)
	}

	// A damaged source file is an error, not a silent loss.
	os.WriteFile(filepath.Join(f.dir, "src-bad.json"), []byte("{"), 0o644)
	if _, err := Open(Options{Dir: f.dir, Fetcher: NewFetcher(FetcherOptions{}), Sink: f.sink}); err == nil {
		t.Error("a damaged source file was ignored")
	}
}

func TestNewSourceValidates(t *testing.T) {
	for _, tt := range []struct {
		url      string
		interval time.Duration
	}{
		{"not a url", 0}, {"ftp://x/feed", 0}, {"https://x/feed", 10 * time.Second}, {"https://x/feed", 48 * time.Hour},
		{"https://x/" + strings.Repeat("a", MaxURLLength), 0},
	} {
		if _, err := NewSource(tt.url, "", tt.interval); !errors.Is(err, ErrInvalidSource) {
			t.Errorf("NewSource(%q, %v): %v, want ErrInvalidSource", tt.url, tt.interval, err)
		}
	}
	s, err := NewSource("https://x.example/feed", "  Le   Fil ", 90*time.Minute)
	if err != nil || s.Name != "Le Fil" || s.Interval.String() != "1h30m" || s.ID != SourceID("https://X.example/feed#x") {
		t.Errorf("NewSource: %+v, %v", s, err)
	}
}

func TestRunPollsDueSources(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.twoItems("")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.poller.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if arts, _ := f.sink.snapshot(); len(arts) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not poll the new source")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
}

func TestSinkFailureRetriesItems(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.twoItems(`"v1"`)
	f.sink.err = errors.New("disk full")
	c, err := f.poll(t)
	if err != nil || c.Failed != 2 || c.New != 0 {
		t.Fatalf("counts %+v, %v; want 2 failed", c, err)
	}
	f.sink.err = nil
	c, err = f.poll(t) // not a 304: the validator was dropped
	if err != nil || c.NotModified || c.New != 2 {
		t.Errorf("retry: %+v, %v; want the 2 items stored", c, err)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, FetcherOptions{})
	f.twoItems(`"v1"`)
	f.poll(t)
	f.poll(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(f.poller.Collector())
	want := fmt.Sprintf(`# HELP veille_feed_items_new_total Articles made of the source's new items.
# TYPE veille_feed_items_new_total counter
veille_feed_items_new_total{source=%q} 2
# HELP veille_feed_polls_total Polls of the source by result.
# TYPE veille_feed_polls_total counter
veille_feed_polls_total{result="error",source=%[1]q} 0
veille_feed_polls_total{result="not_modified",source=%[1]q} 1
veille_feed_polls_total{result="ok",source=%[1]q} 1
`, f.src.ID)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "veille_feed_items_new_total", "veille_feed_polls_total"); err != nil {
		t.Error(err)
	}
}

// TestPerHostConcurrency polls four feeds of one host at once: no more
// requests (feeds and their pages) run at a time against the host than
// Options.PerHost allows.
func TestPerHostConcurrency(t *testing.T) {
	for _, tc := range []struct {
		perHost, want int
	}{{1, 1}, {0, DefaultPerHost}} {
		var inFlight, most atomic.Int32
		busy := func() {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(100 * time.Millisecond) // long enough for the polls to overlap
		}
		mux := http.NewServeMux()
		var base string
		mux.HandleFunc("/feed/", func(w http.ResponseWriter, r *http.Request) {
			busy()
			w.Header().Set("Content-Type", "application/rss+xml")
			n := strings.TrimPrefix(r.URL.Path, "/feed/")
			fmt.Fprint(w, rss([3]string{"Article " + n, base + "/article/" + n, "Résumé " + n}))
		})
		mux.HandleFunc("/article/", func(w http.ResponseWriter, r *http.Request) {
			busy()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, articlePage("Article", "", "Une phrase de l'article."))
		})
		srv := httptest.NewServer(mux)
		base = srv.URL
		p, err := Open(Options{Dir: t.TempDir(), Fetcher: NewFetcher(FetcherOptions{AllowPrivate: true}), Sink: newSink(), PerHost: tc.perHost})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := range 4 {
			src, err := NewSource(fmt.Sprintf("%s/feed/%d", srv.URL, i), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Add(src); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, src.ID)
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if c, err := p.Poll(context.Background(), id); err != nil || c.New != 1 {
					t.Errorf("poll %s: %+v, %v", id, c, err)
				}
			}()
		}
		wg.Wait()
		srv.Close()
		if got := int(most.Load()); got != tc.want {
			t.Errorf("PerHost %d: at most %d requests at once against the host, want %d", tc.perHost, got, tc.want)
		}
	}
}

// TestJitterSpreadsPolls checks that the next poll after a success is
// the source's interval spread by ±10 %, as the jitter draws it.
func TestJitterSpreadsPolls(t *testing.T) {
	srv := newFeedServer(t)
	srv.set(rss(), "")
	now := time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		draw float64
		want time.Duration
	}{{0, 9 * time.Minute}, {0.5, 10 * time.Minute}, {0.75, 10*time.Minute + 30*time.Second}} {
		p, err := Open(Options{Dir: t.TempDir(), Fetcher: NewFetcher(FetcherOptions{AllowPrivate: true}), Sink: newSink(),
			Now: func() time.Time { return now }, Jitter: func() float64 { return tc.draw }})
		if err != nil {
			t.Fatal(err)
		}
		src, err := NewSource(srv.URL+"/feed", "", 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Add(src); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Poll(context.Background(), src.ID); err != nil {
			t.Fatal(err)
		}
		v, _ := p.Get(src.ID)
		if got := v.Status.NextPoll.Sub(now); got != tc.want {
			t.Errorf("jitter draw %v: next poll in %v, want %v", tc.draw, got, tc.want)
		}
	}
}

// TestItemWithoutLink polls a feed whose items have a GUID and no link
// twice, the second time with an edited summary: one article, updated,
// identified by the GUID.
func TestItemWithoutLink(t *testing.T) {
	if got := ItemKey(Item{GUID: "urn:1", Link: "https://x.example/a?utm_source=rss", Title: "T"}); got != "https://x.example/a" {
		t.Errorf("ItemKey with a link = %q, want its canonical URL", got)
	}
	if got := ItemKey(Item{GUID: "urn:1", Title: "T"}); got != "guid:urn:1" {
		t.Errorf("ItemKey without a link = %q, want the GUID", got)
	}
	if got := ItemKey(Item{Title: "T"}); got != "title:T" {
		t.Errorf("ItemKey with neither = %q, want the title", got)
	}
	f := newFixture(t, FetcherOptions{})
	feed := func(summary string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Le Fil</title><item><title>Flash</title><guid isPermaLink="false">urn:flash-1</guid><description>` + summary + `</description></item></channel></rss>`
	}
	f.srv.set(feed("Le conseil des ministres a adopté mercredi le projet de loi de finances pour l'année prochaine."), "")
	if c, err := f.poll(t); err != nil || c.New != 1 {
		t.Fatalf("first poll: %+v, %v", c, err)
	}
	f.srv.set(feed("Le conseil des ministres a adopté mercredi le projet de loi de finances, qui prévoit un déficit en baisse."), "")
	if c, err := f.poll(t); err != nil || c.New != 0 || c.Updated != 1 {
		t.Fatalf("second poll: %+v, %v, want the item updated", c, err)
	}
	arts, _ := f.sink.snapshot()
	a, ok := arts[ArticleID("guid:urn:flash-1")]
	if len(arts) != 1 || !ok || !strings.Contains(a.Body, "déficit en baisse") || a.TextFrom != corpus.TextFeedSummary {
		t.Errorf("articles %v: want one, from the GUID, with the new summary marked as the feed's", arts)
	}
}
