package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"veille/internal/netguard"
)

// Errors of [Fetcher.Fetch], always wrapped (with the URL).
var (
	// ErrPrivateAddress: the host resolved to a loopback, private,
	// link-local or otherwise non-public address, and the fetcher is not
	// allowed to reach those. The address checked is the one dialled, after
	// name resolution, so a name that resolves differently at each lookup
	// (DNS rebinding) cannot get through.
	ErrPrivateAddress = errors.New("feeds: address not public (loopback, private or link-local); start with --allow-private-targets to allow it")
	// ErrScheme: the URL, or a redirect, is not http or https.
	ErrScheme = errors.New("feeds: only http and https URLs can be fetched")
	// ErrTooManyRedirects: more than MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("feeds: too many redirects")
	// ErrTooLarge: the answer is over the size limit.
	ErrTooLarge = errors.New("feeds: answer too large")
	// ErrContentType: the answer's Content-Type is not one accepted.
	ErrContentType = errors.New("feeds: unexpected content type")
	// ErrStatus: the server answered with a status other than 2xx or 304
	// (see [StatusError]).
	ErrStatus = errors.New("feeds: unexpected HTTP status")
)

// StatusError is the error for an HTTP status other than 2xx or 304. It
// wraps [ErrStatus].
type StatusError struct {
	Code int
	// RetryAfter is what the server's Retry-After header asks (429, 503),
	// zero when absent.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%v: %d %s", ErrStatus, e.Code, http.StatusText(e.Code))
}

func (e *StatusError) Unwrap() error { return ErrStatus }

// Fetch limits and defaults.
const (
	// MaxRedirects is how many redirects a fetch follows.
	MaxRedirects = 5
	// DefaultTimeout bounds one fetch, body included.
	DefaultTimeout = 20 * time.Second
	// DefaultMaxSize is the largest answer read, in bytes.
	DefaultMaxSize = 10 << 20
	// UserAgent is what veille says it is.
	UserAgent = "veille-feeds/1.0 (news watch; polls RSS, Atom and JSON feeds and the pages they link to)"
)

// Content types accepted for feeds and for pages. An answer without a
// Content-Type is accepted and left to the parser.
var (
	FeedTypes = []string{"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
		"application/xml", "text/xml", "application/rdf+xml", "application/x-rss+xml", "text/plain"}
	PageTypes = []string{"text/html", "application/xhtml+xml"}
)

// FetcherOptions configure [NewFetcher]. The zero value is usable.
type FetcherOptions struct {
	// AllowPrivate lets the fetcher reach loopback, private and link-local
	// addresses (tests, intranets). Off by default.
	AllowPrivate bool
	// Timeout bounds one fetch, body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxSize caps an answer's body in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// UserAgent replaces [UserAgent] when set.
	UserAgent string
}

// Fetcher gets feeds and pages over HTTP within limits: http and https
// only, at most [MaxRedirects] redirects, a size and a time limit, the
// accepted content types, public addresses only unless allowed, no proxy
// from the environment (the address dialled is the one checked).
type Fetcher struct {
	client  *http.Client
	maxSize int64
	agent   string
}

// NewFetcher returns a Fetcher with its own connection pool.
func NewFetcher(o FetcherOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.UserAgent == "" {
		o.UserAgent = UserAgent
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("%w: redirect to %s", ErrScheme, req.URL.Redacted())
			}
			return nil
		},
	}
	return &Fetcher{client: client, maxSize: o.MaxSize, agent: o.UserAgent}
}

// refusePrivate is the dialer's check of the address actually dialled.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
	}
	if !netguard.PublicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ap.Addr())
	}
	return nil
}

// Validator is what a conditional GET sends back: the ETag and
// Last-Modified of the previous answer.
type Validator struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Response is a fetched answer.
type Response struct {
	// Body is the answer's body; nil when NotModified.
	Body []byte
	// ContentType is the answer's Content-Type header.
	ContentType string
	// URL is the address the answer came from, after redirects.
	URL string
	// NotModified is true for a 304 answer to a conditional GET.
	NotModified bool
	// Validator is the answer's ETag and Last-Modified, for the next
	// conditional GET.
	Validator Validator
}

// Fetch GETs rawURL, conditionally when v is not zero, and reads its body
// when the answer is 2xx with one of the accepted content types (any when
// accept is empty). Errors wrap ErrScheme, ErrPrivateAddress,
// ErrTooManyRedirects, ErrTooLarge, ErrContentType, ErrStatus (a
// *StatusError), or the network's and ctx's errors.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, v Validator, accept []string) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Response{}, fmt.Errorf("feeds: %w", err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return Response{}, fmt.Errorf("%w: %s", ErrScheme, req.URL.Redacted())
	}
	req.Header.Set("User-Agent", f.agent)
	if len(accept) > 0 {
		req.Header.Set("Accept", strings.Join(accept, ", ")+", */*;q=0.1")
	}
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("feeds: get %s: %w", req.URL.Redacted(), unwrapURLError(err))
	}
	defer resp.Body.Close()
	out := Response{
		ContentType: resp.Header.Get("Content-Type"),
		URL:         resp.Request.URL.String(),
		Validator:   Validator{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")},
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.Validator == (Validator{}) {
			out.Validator = v
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return out, fmt.Errorf("feeds: get %s: %w", req.URL.Redacted(),
			&StatusError{Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))})
	}
	if !acceptable(out.ContentType, accept) {
		return out, fmt.Errorf("%w: %s answered %q, want one of %s", ErrContentType, req.URL.Redacted(), out.ContentType, strings.Join(accept, ", "))
	}
	if resp.ContentLength > f.maxSize {
		return out, fmt.Errorf("%w: %s is %d bytes, at most %d", ErrTooLarge, req.URL.Redacted(), resp.ContentLength, f.maxSize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxSize+1))
	if err != nil {
		return out, fmt.Errorf("feeds: read %s: %w", req.URL.Redacted(), unwrapURLError(err))
	}
	if int64(len(body)) > f.maxSize {
		return out, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, req.URL.Redacted(), f.maxSize)
	}
	out.Body = body
	return out, nil
}

// unwrapURLError drops the *url.Error layer (its message repeats the URL).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// acceptable reports whether the media type of contentType is one of
// accept (or either is empty).
func acceptable(contentType string, accept []string) bool {
	if contentType == "" || len(accept) == 0 {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	for _, a := range accept {
		if strings.EqualFold(mt, a) {
			return true
		}
	}
	return false
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s > 0 {
		return time.Duration(min(s, 7*24*3600)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d, 7*24*time.Hour)
		}
	}
	return 0
}
