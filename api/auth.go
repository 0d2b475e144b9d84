package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// authorizeWrite guards write routes. With an admin key, the request must
// carry "Authorization: Bearer KEY" (401 otherwise, with WWW-Authenticate).
// Without one, only loopback clients may write, and not on behalf of a web
// page of another site (403 otherwise): the client address is the
// connection's, never a forwarding header; the Host header must be an IP
// address, localhost or one of Options.AllowedHosts (a DNS-rebinding page
// names its own host); an Origin header, when present, must be the
// service's own origin, and Sec-Fetch-Site must not say cross-site (a
// simple cross-origin POST from a page carries both).
func (s *Server) authorizeWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.opts.AdminKey == "" {
			if !isLoopback(c.RealIP()) {
				return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
					Message: "writes are accepted from this machine only: start the service with --admin-key (VEILLE_ADMIN_KEY) to allow remote writes with Authorization: Bearer KEY"}
			}
			if err := s.checkSameOrigin(c.Request()); err != nil {
				return err
			}
			return next(c)
		}
		h := c.Request().Header
		auth := strings.TrimSpace(h.Get(echo.HeaderAuthorization))
		if auth == "" {
			msg := "this route needs the admin key: send Authorization: Bearer KEY"
			for _, other := range []string{"X-Api-Key", "X-Admin-Key", "Api-Key"} {
				if h.Get(other) != "" {
					msg = "send the admin key in the Authorization header as \"Bearer KEY\", not in " + other
				}
			}
			return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: msg}
		}
		scheme, key, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
				Message: "the Authorization header must be \"Bearer KEY\""}
		}
		// Comparing digests keeps the time independent of the key's length too.
		got, want := sha256.Sum256([]byte(strings.TrimSpace(key))), sha256.Sum256([]byte(s.opts.AdminKey))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "wrong admin key"}
		}
		return next(c)
	}
}

// checkSameOrigin refuses a keyless write that a web page may have sent:
// a Host that is not the service's (DNS rebinding), an Origin of another
// site, or Sec-Fetch-Site cross-site or same-site.
func (s *Server) checkSameOrigin(r *http.Request) error {
	if !s.hostAllowed(r.Host) {
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
			Message: "writes without an admin key must name this service by IP address or localhost in the Host header; add other host names with --allowed-hosts (VEILLE_ALLOWED_HOSTS)"}
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !sameHostPort(u, r.Host) {
			return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
				Message: "cross-origin writes are refused: a web page of another site may not write here"}
		}
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
			Message: "cross-site writes are refused: a web page of another site may not write here"}
	}
	return nil
}

// checkHost guards every route when Options.AllowedHosts is set: the
// Host header must be an IP address, localhost or one of those names.
func (s *Server) checkHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.hostAllowed(c.Request().Host) {
			return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
				Message: "this service does not answer under that host name; use its IP address, localhost or a name of --allowed-hosts"}
		}
		return next(c)
	}
}

// hostAllowed reports whether a Host header names this service: an IP
// address or localhost (which no DNS-rebinding page can send), or one of
// Options.AllowedHosts, with or without its port.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, allowed := range s.opts.AllowedHosts {
		a := strings.ToLower(allowed)
		if a == host || a == strings.ToLower(hostport) {
			return true
		}
	}
	return false
}

// sameHostPort reports whether origin names the same host and port as the
// Host header hostport (default ports made explicit).
func sameHostPort(origin *url.URL, hostport string) bool {
	port := origin.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[origin.Scheme]
	}
	host, hport, err := net.SplitHostPort(hostport)
	if err != nil {
		host, hport = hostport, map[string]string{"http": "80", "https": "443"}[origin.Scheme]
	}
	return strings.EqualFold(strings.Trim(host, "[]"), origin.Hostname()) && port == hport
}

// isLoopback reports whether ip is in 127.0.0.0/8 or is ::1.
func isLoopback(ip string) bool {
	parsed := net.ParseIP(ip)
	return parsed != nil && parsed.IsLoopback()
}
