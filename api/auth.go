package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// authorizeWrite guards write routes. With an admin key, the request must
// carry "Authorization: Bearer KEY" (401 otherwise, with WWW-Authenticate).
// Without one, only loopback clients may write (403 otherwise); the client
// address is the connection's, never a forwarding header.
func (s *Server) authorizeWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.opts.AdminKey == "" {
			if !isLoopback(c.RealIP()) {
				return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
					Message: "writes are accepted from this machine only: start the service with --admin-key (VEILLE_ADMIN_KEY) to allow remote writes with Authorization: Bearer KEY"}
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

// isLoopback reports whether ip is in 127.0.0.0/8 or is ::1.
func isLoopback(ip string) bool {
	parsed := net.ParseIP(ip)
	return parsed != nil && parsed.IsLoopback()
}
