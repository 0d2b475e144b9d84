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

// serveUI serves one file of the UI with an ETag (content hash): HTML is
// revalidated on every load (no-cache), other assets are cached for an hour.
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
	h := c.Response().Header()
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	if strings.HasSuffix(name, ".html") {
		h.Set(echo.HeaderCacheControl, "no-cache")
	} else {
		h.Set(echo.HeaderCacheControl, "public, max-age=3600")
	}
	http.ServeContent(c.Response(), c.Request(), name, time.Time{}, bytes.NewReader(data))
	return nil
}

func isDirError(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && st.IsDir()
}
