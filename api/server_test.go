package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"
)

// testServer builds a server around svc with a log captured in buf.
func testServer(t testing.TB, svc Service, opts Options) (*Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	return New(svc, opts), logs
}

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// reqOpt adjusts a test request.
type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }
func remote(addr string) reqOpt { return func(r *http.Request) { r.RemoteAddr = addr } }
func loopback() reqOpt          { return remote("127.0.0.1:40000") }
func jsonBody() reqOpt          { return header("Content-Type", "application/json") }

// do sends one request through the server's real router and middleware.
func do(t testing.TB, s *Server, method, target, body string, opts ...reqOpt) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.Host = "127.0.0.1:8080" // as a local client names the service
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// decode unmarshals a JSON response into v, failing the test on error.
func decode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON; body %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %s: %v", rec.Body, err)
	}
}

// wantError checks an error response: status, JSON body shape, code, and
// that the message contains each of the given fragments.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, code string, fragments ...string) errorDetail {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	var body errorBody
	decode(t, rec, &body)
	if body.Error.Code != code {
		t.Errorf("code = %q, want %q (message %q)", body.Error.Code, code, body.Error.Message)
	}
	if body.Error.Message == "" {
		t.Errorf("empty error message")
	}
	if body.Error.RequestID == "" || body.Error.RequestID != rec.Header().Get("X-Request-Id") {
		t.Errorf("request_id = %q, header %q", body.Error.RequestID, rec.Header().Get("X-Request-Id"))
	}
	for _, f := range fragments {
		if !strings.Contains(body.Error.Message, f) {
			t.Errorf("message %q does not contain %q", body.Error.Message, f)
		}
	}
	for _, leak := range []string{"strconv", "json:", "index:", "corpus:", "api:"} {
		if strings.Contains(body.Error.Message, leak) {
			t.Errorf("message %q leaks %q", body.Error.Message, leak)
		}
	}
	return body.Error
}

func TestHealthAndReadiness(t *testing.T) {
	s, logs := testServer(t, newFake(), Options{Version: "1.2.3"})
	defer func() {
		if strings.Contains(logs.String(), "request failed") || strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("probes logged as failures:\n%s", logs)
		}
	}()

	rec := do(t, s, http.MethodGet, "/healthz", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("healthz = %d", rec.Code)
	}
	var h map[string]string
	decode(t, rec, &h)
	if h["status"] != "ok" || h["version"] != "1.2.3" {
		t.Errorf("healthz body = %v", h)
	}

	wantError(t, do(t, s, http.MethodGet, "/readyz", ""), http.StatusServiceUnavailable, codeNotReady)
	s.SetReady(true)
	if rec := do(t, s, http.MethodGet, "/readyz", ""); rec.Code != http.StatusOK {
		t.Fatalf("readyz after SetReady(true) = %d", rec.Code)
	}
	s.SetReady(false)
	wantError(t, do(t, s, http.MethodGet, "/readyz", ""), http.StatusServiceUnavailable, codeNotReady)
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	tests := []struct {
		name, method, target string
		status               int
		code                 string
	}{
		{"unknown api route", http.MethodGet, "/api/nope", http.StatusNotFound, codeNotFound},
		{"unknown page", http.MethodGet, "/no/such/page.html", http.StatusNotFound, codeNotFound},
		{"wrong method on search", http.MethodPost, "/api/search", http.StatusMethodNotAllowed, codeMethodNotAllowed},
		{"wrong method on stats", http.MethodDelete, "/api/stats", http.StatusMethodNotAllowed, codeMethodNotAllowed},
		{"patch an article", http.MethodPatch, "/api/articles/x", http.StatusMethodNotAllowed, codeMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, s, tc.method, tc.target, "", loopback())
			wantError(t, rec, tc.status, tc.code)
		})
	}
	rec := do(t, s, http.MethodPost, "/api/search", "")
	if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("Allow = %q, want GET listed", allow)
	}
}

func TestUnknownErrorIs500AndLogged(t *testing.T) {
	f := newFake()
	f.searchErr = errors.New("disk on fire at sector 7")
	s, logs := testServer(t, f, Options{})
	rec := do(t, s, http.MethodGet, "/api/search?q=x", "", header("X-Request-Id", "req-42"))
	e := wantError(t, rec, http.StatusInternalServerError, codeInternal)
	if strings.Contains(e.Message, "disk on fire") {
		t.Errorf("500 message leaks the internal error: %q", e.Message)
	}
	if e.RequestID != "req-42" {
		t.Errorf("request id = %q, want the client's req-42", e.RequestID)
	}
	if got := strings.Count(logs.String(), "disk on fire"); got != 1 {
		t.Errorf("internal error logged %d times, want once:\n%s", got, logs)
	}
	if !strings.Contains(logs.String(), "req-42") {
		t.Errorf("log lacks the request id:\n%s", logs)
	}
}

func TestPanicIs500(t *testing.T) {
	f := newFake()
	f.panicOnSearch = true
	s, logs := testServer(t, f, Options{})
	rec := do(t, s, http.MethodGet, "/api/search?q=x", "")
	wantError(t, rec, http.StatusInternalServerError, codeInternal)
	if !strings.Contains(logs.String(), "fake search exploded") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("panic not logged with its stack:\n%s", logs)
	}
	// The server still answers.
	f.panicOnSearch = false
	if rec := do(t, s, http.MethodGet, "/api/search?q=x", ""); rec.Code != http.StatusOK {
		t.Errorf("after a panic, search = %d", rec.Code)
	}
}

func TestRequestID(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	tests := []struct{ name, given, want string }{
		{"generated", "", ""},
		{"client's kept", "abc-123", "abc-123"},
		{"unsafe replaced", "bad id\nwith newline", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []reqOpt
			if tc.given != "" {
				opts = append(opts, func(r *http.Request) { r.Header["X-Request-Id"] = []string{tc.given} })
			}
			got := do(t, s, http.MethodGet, "/healthz", "", opts...).Header().Get("X-Request-Id")
			if tc.want != "" && got != tc.want {
				t.Errorf("X-Request-Id = %q, want %q", got, tc.want)
			}
			if tc.want == "" && (len(got) != 32 || got == tc.given) {
				t.Errorf("X-Request-Id = %q, want 32 fresh hex digits", got)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	for _, target := range []string{"/", "/api/stats", "/api/nope"} {
		rec := do(t, s, http.MethodGet, target, "")
		h := rec.Header()
		if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: CSP = %q", target, h.Get("Content-Security-Policy"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", target, h)
		}
	}
}

func TestGzipLargeResponsesOnly(t *testing.T) {
	f := newFake()
	for i := range 30 {
		f.articles[string(rune('a'+i%26))+strings.Repeat("x", i)] = corpus30(i)
	}
	s, _ := testServer(t, f, Options{})
	big := do(t, s, http.MethodGet, "/api/search?per_page=30", "", header("Accept-Encoding", "gzip"))
	if big.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("large search not gzipped: %v", big.Header())
	}
	zr, err := gzip.NewReader(big.Body)
	if err != nil {
		t.Fatal(err)
	}
	var res searchJSON
	if err := json.NewDecoder(zr).Decode(&res); err != nil || len(res.Hits) != 30 {
		t.Fatalf("gzipped body: %v, %d hits", err, len(res.Hits))
	}
	small := do(t, s, http.MethodGet, "/healthz", "", header("Accept-Encoding", "gzip"))
	if small.Header().Get("Content-Encoding") == "gzip" {
		t.Errorf("tiny response gzipped")
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, _ := testServer(t, newFake(seedArticle()), Options{Registry: reg, Version: "v9"})
	do(t, s, http.MethodGet, "/api/articles/001_eda08fda6618b654", "")
	do(t, s, http.MethodGet, "/api/articles/missing", "")
	do(t, s, http.MethodGet, "/random/path/123", "")
	s.ObserveIngest("corpus", 5e6)
	s.ObserveRebuild(2e9)

	rec := do(t, s, http.MethodGet, "/metrics", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics = %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`veille_http_requests_total{method="GET",route="/api/articles/:id",status="200"} 1`,
		`veille_http_requests_total{method="GET",route="/api/articles/:id",status="404"} 1`,
		`veille_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`veille_http_request_duration_seconds_bucket{method="GET",route="/api/articles/:id",status="200",le="+Inf"} 1`,
		`veille_index_articles 1`,
		`veille_index_size_bytes 4096`,
		`veille_index_articles_by_language{language="fr"} 1`,
		`veille_ingest_duration_seconds_count{source="corpus"} 1`,
		`veille_rebuild_duration_seconds_count 1`,
		`veille_build_info{version="v9"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/random/path") {
		t.Errorf("raw paths leak into labels")
	}
}

func TestPage(t *testing.T) {
	t.Run("placeholder", func(t *testing.T) {
		s, _ := testServer(t, newFake(), Options{})
		rec := do(t, s, http.MethodGet, "/", "")
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(rec.Body.String(), "/api/search") {
			t.Fatalf("placeholder: %d %v %s", rec.Code, rec.Header(), rec.Body)
		}
	})
	t.Run("ui", func(t *testing.T) {
		ui := fstest.MapFS{
			"index.html":    {Data: []byte("<!doctype html><title>veille</title><script src=\"/app.js\"></script>")},
			"app.js":        {Data: []byte("console.log('veille')")},
			"img/logo.svg":  {Data: []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")},
			"img/notes.txt": {Data: []byte("x")},
		}
		s, _ := testServer(t, newFake(), Options{UI: ui})
		rec := do(t, s, http.MethodGet, "/", "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "app.js") ||
			rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("ETag") == "" {
			t.Fatalf("index: %d %v %s", rec.Code, rec.Header(), rec.Body)
		}
		js := do(t, s, http.MethodGet, "/app.js", "")
		if js.Code != http.StatusOK || !strings.Contains(js.Header().Get("Content-Type"), "javascript") ||
			!strings.Contains(js.Header().Get("Cache-Control"), "max-age") {
			t.Fatalf("app.js: %d %v", js.Code, js.Header())
		}
		etag := js.Header().Get("ETag")
		if rec := do(t, s, http.MethodGet, "/app.js", "", header("If-None-Match", etag)); rec.Code != http.StatusNotModified {
			t.Errorf("revalidation = %d, want 304", rec.Code)
		}
		if rec := do(t, s, http.MethodGet, "/img/logo.svg", ""); rec.Code != http.StatusOK {
			t.Errorf("nested asset = %d", rec.Code)
		}
		for _, bad := range []string{"/../go.mod", "/img", "/missing.css", "/%2e%2e/x"} {
			if rec := do(t, s, http.MethodGet, bad, ""); rec.Code != http.StatusNotFound {
				t.Errorf("%s = %d, want 404", bad, rec.Code)
			}
		}
	})
}
