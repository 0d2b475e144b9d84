package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"veille/analyzers/countries"
	"veille/corpus"
	"veille/index"
)

// Service is what the handlers need from the search engine; *index.Index
// satisfies it. Errors are expected to wrap the index and corpus sentinel
// errors, which the error handler maps to statuses.
type Service interface {
	// Put stores a (validated and enriched by the service) and reports
	// whether it was created rather than replaced, with the stored article.
	Put(ctx context.Context, a corpus.Article, o index.Origin) (created bool, stored corpus.Article, err error)
	// Get returns the article with id, or an error wrapping index.ErrNotFound.
	Get(ctx context.Context, id string) (corpus.Article, error)
	// Delete removes the article with id, or returns an error wrapping index.ErrNotFound.
	Delete(ctx context.Context, id string) error
	// Search runs q.
	Search(ctx context.Context, q index.Query) (index.Results, error)
	// Article returns the article with id and where the words of q match
	// it, or an error wrapping index.ErrNotFound.
	Article(ctx context.Context, id string, q index.Query) (corpus.Article, index.Marks, error)
	// PutAll stores what seq yields (index.Index.PutAll: the one
	// ingestion path), reporting each value's result in order.
	PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(pos int, r index.PutResult)) (index.PutStats, error)
	// Rebuild rebuilds the whole index and returns when it is live; errors
	// wrap index.ErrRebuilding when one is already running.
	Rebuild(ctx context.Context) error
	// RebuildAsync starts a rebuild in the background (Stats reports
	// Reindexing until done calls back) or returns an error wrapping
	// index.ErrRebuilding or index.ErrClosed.
	RebuildAsync(done func(error)) error
	// Stats describes the index.
	Stats(ctx context.Context) (index.Stats, error)
	// Health is nil while the service can answer; an error (wrapping
	// index.ErrUnavailable) while its data folder is gone makes /readyz
	// answer 503.
	Health() error
}

// CountryResolver resolves an ISO 3166-1 alpha-2 code or a French or
// English country name ("Norvège", "norway", "NO") to its code.
// *countries.Matcher satisfies it.
type CountryResolver interface {
	Lookup(name string) (code string, ok bool)
}

// Default option values.
const (
	DefaultBodyLimit     = 10 << 20 // bytes
	DefaultSearchTimeout = 10 * time.Second
	DefaultBodyGrace     = 10 * time.Second
	// MaxRequestTime is the longest a request may take to arrive, and its
	// answer to be written: main sets http.Server's ReadTimeout and
	// WriteTimeout to it, and a paced body never gets longer.
	MaxRequestTime = 2 * time.Minute
)

// Options configure [New]. The zero value is usable: no admin key (writes
// from loopback clients only), logs discarded, a private metrics registry.
type Options struct {
	// AdminKey, when set, is the bearer key write endpoints require.
	// When empty, writes are accepted from loopback clients only.
	AdminKey string
	// Logger receives request logs and errors; nil discards them.
	Logger *slog.Logger
	// Registry receives the server's metrics (veille_http_*, veille_index_*,
	// veille_ingest_*, veille_rebuild_*, veille_build_info; it must not hold
	// them already) and is what /metrics serves; nil means a new registry
	// with the Go and process collectors.
	Registry *prometheus.Registry
	// BodyLimit caps request bodies in bytes (413 beyond); 0 means 10 MiB.
	BodyLimit int64
	// SearchTimeout bounds one search (503 "timeout" beyond); 0 means 10 s.
	SearchTimeout time.Duration
	// Countries resolves the country filter's names; nil accepts ISO codes only.
	Countries CountryResolver
	// CountryName gives the French name of a country code for responses;
	// nil means countries.Name.
	CountryName func(code string) string
	// UI holds the search page's assets (index.html at its root), served at
	// "/" and below; nil serves a placeholder page.
	UI fs.FS
	// Sources is the feed poller behind /api/sources; nil: no feeds are
	// followed (the list is empty, the other routes answer 404).
	Sources Sources
	// Version is reported by /healthz, the OpenAPI document and the
	// veille_build_info metric.
	Version string
	// AllowedHosts are host names (optionally with a port) that requests
	// may name in their Host header besides IP addresses and localhost.
	// When empty, reads accept any Host and writes without an admin key
	// only IP addresses and localhost; when set, every request must name
	// one of them (403 otherwise): DNS-rebinding pages cannot reach the
	// service under their own name.
	AllowedHosts []string
	// BodyGrace is how long a request body may take beyond what its size
	// needs at minBodyRate before the connection is closed (a slow body
	// would otherwise hold it for the whole read timeout); 0 means 10 s.
	BodyGrace time.Duration
	// Alerts serves the saved searches (/api/alerts..., /alerts/{id}.atom);
	// nil answers those routes 404.
	Alerts AlertService
}

// Server is veille's HTTP server: an Echo instance with its routes,
// middleware, error handler and metrics. Create it with [New].
type Server struct {
	e       *echo.Echo
	svc     Service
	opts    Options
	log     *slog.Logger
	metrics *metrics
	openapi []byte
	ready   atomic.Bool

	articleTmpl *template.Template // the article view (page.go)
	drainCtx    context.Context    // cancelled by Drain
	drain       context.CancelFunc
}

// New builds the server around svc. It panics only on programming errors:
// an invalid embedded OpenAPI document, or a Registry that already holds
// the server's metrics.
func New(svc Service, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = DefaultBodyLimit
	}
	if opts.SearchTimeout <= 0 {
		opts.SearchTimeout = DefaultSearchTimeout
	}
	if opts.CountryName == nil {
		opts.CountryName = countries.Name
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.BodyGrace <= 0 {
		opts.BodyGrace = DefaultBodyGrace
	}
	s := &Server{svc: svc, opts: opts, log: opts.Logger, articleTmpl: parseArticleTemplate()}
	s.drainCtx, s.drain = context.WithCancel(context.Background())
	s.metrics = newMetrics(opts.Registry, svc, opts.Version)
	s.openapi = openAPIDocument(opts.Version)

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Logger.SetOutput(io.Discard)
	e.IPExtractor = echo.ExtractIPDirect()
	e.JSONSerializer = jsonSerializer{}
	e.HTTPErrorHandler = s.errorHandler
	s.e = e

	s.middleware()
	s.routes()
	return s
}

// Handler returns the HTTP handler serving every route.
func (s *Server) Handler() http.Handler { return headAsGet(s.e) }

// headAsGet answers HEAD requests as their GET: the router sees a GET copy
// of the request, and net/http, which still serves a HEAD, sends the
// headers without the body. Echo routes on the request it was handed, so
// this wraps it rather than being one of its middleware.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			get := r.Clone(r.Context())
			get.Method = http.MethodGet
			r = get
		}
		next.ServeHTTP(w, r)
	})
}

// Echo returns the underlying Echo instance, for main's server lifecycle
// (StartServer, Shutdown) and for tests listing routes.
func (s *Server) Echo() *echo.Echo { return s.e }

// SetReady sets what /readyz answers: 503 until SetReady(true), which main
// calls once the index is open and the start-up corpus indexed (and 503
// whenever Service.Health fails).
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Drain tells the requests that run long (NDJSON bulks) that the server is
// shutting down: each one stops handing articles to the index and answers
// with what it stored. Call it when shutdown begins
// (http.Server.RegisterOnShutdown); it is idempotent.
func (s *Server) Drain() { s.drain() }

// ObserveIngest records the time one article took to be stored, for
// articles written outside the API (corpus folder, watcher): for a batch,
// call it once per article with the batch's time divided by its size.
// source labels where articles came from ("corpus", "watch"...) and should
// take few distinct values; the API itself uses "api".
func (s *Server) ObserveIngest(source string, d time.Duration) {
	s.metrics.ingest.WithLabelValues(source).Observe(d.Seconds())
}

// ObserveRebuild records the duration of a full rebuild run outside the API.
func (s *Server) ObserveRebuild(d time.Duration) { s.metrics.rebuild.Observe(d.Seconds()) }

// csp is the Content-Security-Policy of every response: the page may only
// load its own assets.
const csp = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (s *Server) middleware() {
	e := s.e
	e.Use(requestID)
	e.Use(s.metrics.middleware)
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError:  true,
		LogLatency:   true,
		LogMethod:    true,
		LogURI:       true,
		LogRoutePath: true,
		LogStatus:    true,
		LogRequestID: true,
		LogRemoteIP:  true,
		LogError:     true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			switch {
			case v.RoutePath == "/healthz" || v.RoutePath == "/readyz" || v.RoutePath == "/metrics":
				level = slog.LevelDebug // probes and scrapes would drown the log
			case v.Status >= 500:
				level = slog.LevelError
			case v.Status >= 400:
				level = slog.LevelWarn
			}
			s.log.LogAttrs(context.Background(), level, "request",
				slog.String("method", v.Method), slog.String("uri", clip(v.URI)),
				slog.String("route", v.RoutePath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("remote_ip", v.RemoteIP),
				slog.String("request_id", v.RequestID))
			return nil
		},
	}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableErrorHandler: true, // the request logger hands the error to the error handler
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			return &panicError{err: err, stack: stack}
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: csp,
		ReferrerPolicy:        "no-referrer",
	}))
	if len(s.opts.AllowedHosts) > 0 {
		e.Use(s.checkHost)
	}
	e.Use(s.paceBody)
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: limitString(s.opts.BodyLimit)}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024,
		Skipper: func(c echo.Context) bool { return c.Path() == alertEventsPath }})) // a stream is not buffered
}

func (s *Server) routes() {
	e := s.e
	write := s.authorizeWrite

	e.GET("/api/search", s.search)
	e.GET("/api/export", s.export)
	e.GET("/articles/:id", s.articlePage)
	e.GET("/api/articles/:id", s.getArticle)
	e.PUT("/api/articles/:id", s.putArticle, write)
	e.POST("/api/articles", s.postArticles, write)
	e.DELETE("/api/articles/:id", s.deleteArticle, write)
	e.POST("/api/reindex", s.reindex, write)
	e.GET("/api/stats", s.stats)
	e.GET("/api/alerts", s.listAlerts, write)
	e.POST("/api/alerts", s.createAlert, write)
	e.GET(alertEventsPath, s.alertEvents, write)
	e.GET("/api/alerts/:id", s.getAlert, write)
	e.PUT("/api/alerts/:id", s.putAlert, write)
	e.DELETE("/api/alerts/:id", s.deleteAlert, write)
	e.GET("/api/alerts/:id/matches", s.alertMatches, write)
	e.GET("/alerts/:feed", s.alertFeed)
	e.GET("/api/sources", s.listSources)
	e.POST("/api/sources", s.addSource, write)
	e.DELETE("/api/sources/:id", s.deleteSource, write)
	e.POST("/api/sources/:id/poll", s.pollSource, write)
	e.GET("/api/openapi.json", s.openAPI)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	e.GET("/", s.page)
	e.GET("/*", s.asset)
}

// limitString renders n bytes for middleware.BodyLimit, which reads a bare
// number as bytes.
func limitString(n int64) string { return fmt.Sprint(n) }

// requestID sets X-Request-Id on the response: the client's value when it
// looks like an id (1-64 of [A-Za-z0-9._-]), otherwise 32 random hex digits.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rid := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(rid) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			rid = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set(echo.HeaderXRequestID, rid)
		return next(c)
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// jsonSerializer writes JSON without escaping <, > and & (highlights carry
// <mark>) and with a trailing newline; ?pretty indents it.
type jsonSerializer struct{}

func (jsonSerializer) Serialize(c echo.Context, v any, indent string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("api: encoding the response: %w", err)
	}
	_, err := c.Response().Write(buf.Bytes())
	return err
}

func (jsonSerializer) Deserialize(c echo.Context, v any) error {
	return errBadRequest(codeBadRequest, "use the API's documented body formats")
}

// healthz answers 200 while the process serves HTTP.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.opts.Version})
}

// readyz answers 200 once SetReady(true) was called, 503 before; a node of
// a cluster also answers 503 while it is behind the stream.
func (s *Server) readyz(c echo.Context) error {
	if !s.ready.Load() {
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeNotReady,
			Message: "not ready: the index is opening or the start-up corpus is being indexed"}
	}
	if err := s.svc.Health(); err != nil {
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeNotReady, Err: err,
			Message: "not ready: the data folder is unavailable (deleted, unmounted or replaced); the server log says more"}
	}
	if cj, st, ok := s.clusterStatus(); ok {
		if !st.Ready {
			return &apiError{Status: http.StatusServiceUnavailable, Code: codeNotReady,
				Message: fmt.Sprintf("not ready: this node is catching up with the cluster's stream (%d messages behind)", st.Lag)}
		}
		return c.JSON(http.StatusOK, map[string]any{"status": "ready", "cluster": cj})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// mediaType returns the request's media type, lower-cased and without
// parameters, and its parameters; "" when the header is absent.
func mediaType(c echo.Context) (string, map[string]string) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if strings.TrimSpace(ct) == "" {
		return "", nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
		return strings.ToLower(strings.TrimSpace(mt)), nil
	}
	return mt, params
}

// maxLoggedValue caps the values the request log copies from a request
// (the URI, paths, error messages): a request may carry a megabyte of
// them.
const maxLoggedValue = 512

// clip cuts s to maxLoggedValue bytes, at a character boundary, saying how
// long it was.
func clip(s string) string {
	if len(s) <= maxLoggedValue {
		return s
	}
	cut := maxLoggedValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

// minBodyRate is the slowest a request body may arrive, after
// Options.BodyGrace, in bytes per second.
const minBodyRate = 16 << 10

// paceBody closes the connection of a request whose body arrives slower
// than minBodyRate after Options.BodyGrace: a client that trickles its
// body would otherwise hold a connection for the whole read timeout.
func (s *Server) paceBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			return next(c)
		}
		rc := http.NewResponseController(c.Response().Writer)
		p := &pacedBody{body: r.Body, rc: rc, start: time.Now(), grace: s.opts.BodyGrace}
		if err := rc.SetReadDeadline(p.deadline()); err != nil {
			return next(c) // not a connection (tests' recorders): nothing to pace
		}
		r.Body = p
		return next(c)
	}
}

// pacedBody moves the connection's read deadline as the body arrives.
type pacedBody struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	n     int64
}

func (p *pacedBody) deadline() time.Time {
	return p.start.Add(min(p.grace+time.Duration(p.n)*time.Second/minBodyRate, MaxRequestTime))
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.body.Read(b)
	p.n += int64(n)
	switch {
	case err == io.EOF:
		// Read in full: no deadline while the handler works (net/http
		// reads the connection in the background meanwhile, and a
		// timeout there would cancel the request's context).
		_ = p.rc.SetReadDeadline(time.Time{})
	case n > 0 && err == nil:
		_ = p.rc.SetReadDeadline(p.deadline())
	}
	return n, err
}

func (p *pacedBody) Close() error { return p.body.Close() }
