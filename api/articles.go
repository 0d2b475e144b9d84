package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"veille/corpus"
	"veille/index"
)

// Media types accepted by the write routes.
const (
	mimeJSON  = "application/json"
	mimeText  = "text/plain"
	mimeMD    = "text/markdown"
	mimeHTML  = "text/html"
	ingestAPI = "api" // source label of the ingest metric
)

// ndjsonTypes are the media types of NDJSON bulk bodies.
func isNDJSON(mt string) bool {
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl",
		"application/x-jsonl", "application/jsonlines", "application/x-jsonlines":
		return true
	}
	return false
}

// pathID reads and validates the :id path parameter.
func pathID(c echo.Context) (string, error) {
	raw := c.Param("id")
	id, err := url.PathUnescape(raw)
	if err != nil {
		id = raw
	}
	if err := corpus.ValidateID(id); err != nil {
		return "", err
	}
	return id, nil
}

// readBody reads the whole request body; over the limit, the body limit
// middleware's 413 error comes through unchanged.
func readBody(c echo.Context) ([]byte, error) {
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, bodyError(err)
	}
	return data, nil
}

// bodyPiece is the size of the pieces readPieces reads a body into.
const bodyPiece = 256 << 10

// pieces is a request body read in full, in pieces of bodyPiece bytes
// allocated as the body arrives: unlike io.ReadAll, whose doubling holds
// up to twice a body and leaves the copies to the collector, it holds the
// body and at most one piece more (a bulk body is up to the body limit).
type pieces [][]byte

// readPieces reads the whole request body like readBody, in pieces.
func readPieces(c echo.Context) (pieces, error) {
	var out pieces
	for {
		p := make([]byte, bodyPiece)
		n, err := io.ReadFull(c.Request().Body, p)
		if n > 0 {
			out = append(out, p[:n])
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return out, nil
		case err != nil:
			return nil, bodyError(err)
		}
	}
}

// reader returns a reader of the whole body, from its start.
func (b pieces) reader() io.Reader {
	rs := make([]io.Reader, len(b))
	for i, p := range b {
		rs[i] = bytes.NewReader(p)
	}
	return io.MultiReader(rs...)
}

// blank reports whether the body holds only white space, after a byte
// order mark.
func (b pieces) blank() bool {
	br := bufio.NewReader(b.reader())
	for first := true; ; first = false {
		r, _, err := br.ReadRune()
		switch {
		case err != nil:
			return true
		case first && r == '\uFEFF':
		case !unicode.IsSpace(r):
			return false
		}
	}
}

// bodyError returns the API error of a failed read of a request body.
func bodyError(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &apiError{Status: http.StatusRequestTimeout, Code: codeRequestTimeout,
			Message: "the request body arrived too slowly; send it at once"}
	}
	return errBadRequest(codeBadRequest, "reading the request body failed: %v", err)
}

// checkCharset rejects bodies declared in another charset than UTF-8.
func checkCharset(params map[string]string) error {
	cs := strings.ToLower(strings.TrimSpace(params["charset"]))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii":
		return nil
	}
	return &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedType,
		Message: "only UTF-8 bodies are accepted, not charset=" + cs}
}

func errMediaType(mt string, accepted ...string) error {
	got := mt
	if got == "" {
		got = "no Content-Type"
	}
	return &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedType,
		Message: "unsupported content type (" + got + "): send " + strings.Join(accepted, " or ")}
}

// getArticle answers GET /api/articles/:id.
func (s *Server) getArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := s.svc.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toArticle(a))
}

// putArticle answers PUT /api/articles/:id: a JSON article, raw text
// (text/plain or text/markdown) whose title, body and date are found by
// the raw parser, or an HTML page (text/html, any charset) read by
// corpus.ParseHTML. The id in the path names the article; a different id
// in a JSON body is a 400.
func (s *Server) putArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	mt, params := mediaType(c)
	if mt != mimeJSON && mt != mimeText && mt != mimeMD && mt != mimeHTML {
		return errMediaType(mt, mimeJSON, mimeText, mimeHTML)
	}
	if mt == mimeHTML {
		a, err := s.readHTML(c)
		if err != nil {
			return err
		}
		a.ID = id
		return s.store(c, a)
	}
	if err := checkCharset(params); err != nil {
		return err
	}
	data, err := readBody(c)
	if err != nil {
		return err
	}
	var a corpus.Article
	if mt == mimeJSON {
		if a, err = decodeArticleJSON(data); err != nil {
			return err
		}
		if a.ID != "" && a.ID != id {
			return errBadRequest(codeInvalidID, "the body's id %q differs from the id in the path %q; drop it or make them equal", a.ID, id)
		}
	} else {
		if !utf8.Valid(data) {
			return errBadRequest(codeInvalidArticle, "the body is not valid UTF-8")
		}
		a = corpus.ParseRaw(string(data)).Article(id)
	}
	a.ID = id
	if strings.TrimSpace(a.Body) == "" && strings.TrimSpace(a.Title) != "" {
		return errNoBody() // with neither, store's validation says so
	}
	return s.store(c, a)
}

// store writes a and answers 201 (created, with Location) or 200 with the
// stored article.
func (s *Server) store(c echo.Context, a corpus.Article) error {
	if err := a.Validate(); err != nil {
		return err
	}
	start := time.Now()
	var (
		created bool
		stored  corpus.Article
		err     error
	)
	if r, ok := s.svc.(replicated); ok {
		var seq uint64
		created, stored, seq, err = r.PutSeq(c.Request().Context(), a, index.Origin{})
		setSeq(c, seq)
	} else {
		created, stored, err = s.svc.Put(c.Request().Context(), a, index.Origin{})
	}
	if err != nil {
		return err
	}
	s.metrics.ingest.WithLabelValues(ingestAPI).Observe(time.Since(start).Seconds())
	if stored.ID == "" {
		stored.ID = a.ID
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Response().Header().Set(echo.HeaderLocation, "/api/articles/"+url.PathEscape(stored.ID))
	}
	return c.JSON(status, s.toArticle(stored))
}

// errNoBody is the error of a PUT without a body, which the contract
// requires (a title alone is not an article).
func errNoBody() error {
	return errBadRequest(codeInvalidArticle, "the article has no body: send its text in \"body\" (or \"text\")")
}

// readHTML reads an HTML page body (its charset from the Content-Type,
// the page itself or a guess) into an article without an id.
func (s *Server) readHTML(c echo.Context) (corpus.Article, error) {
	data, err := readBody(c)
	if err != nil {
		return corpus.Article{}, err
	}
	r, err := corpus.ParseHTML(data, c.Request().Header.Get(echo.HeaderContentType), "")
	if err != nil {
		return corpus.Article{}, err
	}
	a := r.Article("")
	if strings.TrimSpace(a.Body) == "" && strings.TrimSpace(a.Title) != "" {
		return corpus.Article{}, errBadRequest(codeInvalidArticle, "the page has no text to index (no main content and no description), only a title")
	}
	return a, nil
}

// postArticles answers POST /api/articles: one JSON article or HTML page
// (id generated from the content when absent) or an NDJSON bulk.
func (s *Server) postArticles(c echo.Context) error {
	mt, params := mediaType(c)
	if err := checkCharset(params); err != nil && (mt == mimeJSON || isNDJSON(mt)) {
		return err
	}
	switch {
	case mt == mimeJSON:
		data, err := readBody(c)
		if err != nil {
			return err
		}
		a, err := decodeArticleJSON(data)
		if err != nil {
			return err
		}
		if a.ID == "" {
			a.ID = contentID(a)
		}
		return s.store(c, a)
	case mt == mimeHTML:
		a, err := s.readHTML(c)
		if err != nil {
			return err
		}
		a.ID = contentID(a)
		return s.store(c, a)
	case isNDJSON(mt):
		return s.bulk(c)
	}
	return errMediaType(mt, mimeJSON, "application/x-ndjson", mimeHTML)
}

// deleteArticle answers DELETE /api/articles/:id with 204.
func (s *Server) deleteArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if r, ok := s.svc.(replicated); ok {
		seq, err := r.DeleteSeq(c.Request().Context(), id)
		setSeq(c, seq)
		if err != nil {
			return err
		}
	} else if err := s.svc.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// reindexJSON answers POST /api/reindex.
type reindexJSON struct {
	Status string     `json:"status"` // "started" or "done"
	TookMS float64    `json:"took_ms,omitempty"`
	Stats  *statsJSON `json:"stats,omitempty"`
}

// reindex answers POST /api/reindex: 202 and a background rebuild, or with
// ?wait=true, 200 once the rebuild is done; 409 while one runs.
func (s *Server) reindex(c echo.Context) error {
	wait := false
	for name, vals := range c.QueryParams() {
		if name != "wait" && name != "pretty" {
			return errParam("unknown parameter %q; /api/reindex accepts wait", name)
		}
		if name == "wait" {
			switch strings.ToLower(vals[0]) {
			case "", "1", "true", "yes":
				wait = true
			case "0", "false", "no":
			default:
				return errParam("wait must be true or false, not %q", vals[0])
			}
		}
	}
	ctx := c.Request().Context()
	start := time.Now()
	if !wait {
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		err := s.svc.RebuildAsync(func(err error) {
			took := time.Since(start)
			if err != nil {
				level := slog.LevelError
				if errors.Is(err, context.Canceled) || errors.Is(err, index.ErrClosed) {
					level = slog.LevelWarn
				}
				s.log.Log(context.Background(), level, "background rebuild failed", "request_id", rid, "took", took, "err", err)
				return
			}
			s.metrics.rebuild.Observe(took.Seconds())
			s.log.Info("background rebuild done", "request_id", rid, "took", took)
		})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusAccepted, reindexJSON{Status: "started"})
	}
	if err := s.svc.Rebuild(ctx); err != nil {
		return err
	}
	took := time.Since(start)
	s.metrics.rebuild.Observe(took.Seconds())
	out := reindexJSON{Status: "done", TookMS: float64(took.Milliseconds())}
	if st, err := s.svc.Stats(ctx); err == nil {
		js := toStats(st)
		out.Stats = &js
	}
	return c.JSON(http.StatusOK, out)
}

// stats answers GET /api/stats.
func (s *Server) stats(c echo.Context) error {
	st, err := s.svc.Stats(c.Request().Context())
	if err != nil {
		return err
	}
	out := toStats(st)
	if out.Cluster, _, _ = s.clusterStatus(); out.Cluster != nil {
		// The sequence the counted articles reflect, from their snapshot
		// (the node's own may already be past it).
		out.Cluster.AppliedSeq = st.AppliedSeq
	}
	return c.JSON(http.StatusOK, out)
}
