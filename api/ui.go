package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// placeholderPage is served at "/" when no UI assets are configured.
const placeholderPage = `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>veille</title></head>
<body>
<h1>veille</h1>
<p>La page de recherche n'est pas installée dans ce binaire. L'API répond :</p>
<ul>
<li><a href="/api/search?q=nvidia">/api/search?q=nvidia</a></li>
<li><a href="/api/stats">/api/stats</a></li>
<li><a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3)</li>
</ul>
</body>
</html>
`

// page answers GET /: the UI's index.html, or the placeholder.
func (s *Server) page(c echo.Context) error {
	if s.opts.UI == nil {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
		return c.HTML(http.StatusOK, placeholderPage)
	}
	return s.serveUI(c, "index.html")
}

// asset answers GET /*: a file of the UI, 404 otherwise.
func (s *Server) asset(c echo.Context) error {
	name, err := url.PathUnescape(c.Param("*"))
	if err != nil || s.opts.UI == nil || strings.HasPrefix(name, "api/") {
		return echo.ErrNotFound
	}
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "" {
		name = "index.html"
	}
	return s.serveUI(c, name)
}

// serveUI serves one file of the UI with a strong ETag (content hash), so
// revalidations answer 304, and a Content-Type from [uiContentType].
//
// Caching: HTML is revalidated on every load (no-cache). Other assets are
// cached for a year as immutable when the request names their content with
// ?v=<the first 16 hex digits of the file's SHA-256> (the page's index.html
// links them that way, see package web), so a new binary's page never runs
// an old script; with a v of other content they are revalidated on every
// use (no-cache), and without v they are cached for an hour.
func (s *Server) serveUI(c echo.Context, name string) error {
	if !fs.ValidPath(name) {
		return echo.ErrNotFound
	}
	data, err := fs.ReadFile(s.opts.UI, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || isDirError(s.opts.UI, name) {
			return echo.ErrNotFound
		}
		return err
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	h := c.Response().Header()
	h.Set("ETag", `"`+digest[:24]+`"`)
	h.Set(echo.HeaderContentType, uiContentType(name))
	switch v := c.QueryParam("v"); {
	case strings.HasSuffix(name, ".html"):
		h.Set(echo.HeaderCacheControl, "no-cache")
	case v == "":
		h.Set(echo.HeaderCacheControl, "public, max-age=3600")
	case v == digest[:16]:
		h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	default: // another version than the one served: never pin it
		h.Set(echo.HeaderCacheControl, "no-cache")
	}
	http.ServeContent(c.Response(), c.Request(), name, time.Time{}, bytes.NewReader(data))
	return nil
}

// uiContentType is the media type of a UI file, from its extension; it does
// not depend on the machine's MIME tables.
func uiContentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".json", ".map":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

func isDirError(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && st.IsDir()
}
