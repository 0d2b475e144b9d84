package api

// NDJSON bulk writes and their report.
//
// The report is bounded whatever the body: the first bulkDetailedLines
// entries report one line each (line, id, status, error); after them, a
// line whose outcome is the same as the previous entry's (same status,
// and for errors the same code and message) extends that entry into a
// range (line to last_line, without ids), and once the report holds
// bulkMaxItems entries, further lines are only counted ("truncated":
// true). Every bad line is thus reported with its error, in full or in a
// range of lines that failed the same way. The report is written as the
// batches are stored, items first and counts last, so that neither the
// server nor the client holds it whole.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"veille/corpus"
	"veille/index"
)

// Limits of a bulk request's processing and report.
const (
	bulkDetailedLines = 1000   // entries of one line each, at the start of a report
	bulkMaxItems      = 10_000 // entries in a report; further lines are counted only
	bulkChunk         = 4000   // articles stored per Service.PutMany call
	bulkHeldLines     = 16_000 // lines held before their batch is stored
)

// errDraining is the error of the lines a bulk did not store because the
// server is shutting down.
var errDraining = &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
	Message: "the service is shutting down: this line was not stored; send it again"}

// bulkLine is one non-blank line of a bulk body, until it is reported.
type bulkLine struct {
	line int
	id   string
	slot int   // index of its article in the batch, -1 for a bad line
	err  error // why a bad line is bad
}

// bulk stores every article of an NDJSON body and reports per line: bad
// lines (unreadable, invalid) are reported and skipped, good lines are
// stored; repeated ids apply in line order. The body is read in full
// first (it is bounded by the body limit: over it, 413 and nothing is
// stored), then stored bulkChunk articles at a time. When the server
// drains (see [Server.Drain]), the articles not handed to the index yet
// are not stored (the index hands them over a batch of 1,000 at a time)
// and their lines are reported so: the answer comes within about one
// batch.
func (s *Server) bulk(c echo.Context) error {
	data, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))) == 0 {
		return errBadRequest(codeInvalidArticle, "the body holds no article: send one JSON article a line")
	}
	ctx := c.Request().Context()
	rep := &bulkReport{res: c.Response()}
	var (
		held  []bulkLine
		batch []index.Item
	)
	store := func() {
		if len(batch) > 0 {
			s.storeBulk(c, batch, held)
		}
		for _, l := range held {
			rep.add(l)
		}
		held, batch = held[:0], batch[:0]
		rep.flush()
	}
	readErr := corpus.ReadNDJSON(bytes.NewReader(data), func(line int, a corpus.Article, err error) error {
		if err := ctx.Err(); err != nil {
			return err // the client is gone
		}
		l := bulkLine{line: line, id: a.ID, slot: -1, err: err}
		if err == nil {
			if a.ID == "" {
				a.ID = contentID(a)
				l.id = a.ID
			}
			l.err = a.Validate()
		}
		if l.err != nil && len(batch) == 0 {
			rep.add(l) // nothing stored waits before it
			return nil
		}
		if l.err == nil {
			l.slot = len(batch)
			batch = append(batch, index.Item{Article: a})
		}
		held = append(held, l)
		if len(batch) >= bulkChunk || len(held) >= bulkHeldLines {
			store()
		}
		return nil
	})
	if readErr != nil {
		if !rep.started {
			return readErr // the client went away before anything was written
		}
		return nil
	}
	store()
	rep.finish()
	return nil
}

// storeBulk stores batch and sets the outcome of the held lines that
// refer to it. When the server drains, what is not handed to the index
// yet is not stored, and the lines say so (the index waits for what it
// took, so the report stays true). Server-side failures are logged once
// per distinct error.
func (s *Server) storeBulk(c echo.Context, batch []index.Item, held []bulkLine) {
	var results []index.PutResult
	if !s.isDraining() {
		ctx, cancel := context.WithCancel(c.Request().Context())
		stop := context.AfterFunc(s.drainCtx, cancel)
		start := time.Now()
		results = s.svc.PutMany(ctx, batch)
		stop()
		cancel()
		perItem := time.Since(start).Seconds() / float64(len(batch))
		for i, r := range results {
			switch {
			case r.Err == nil:
				s.metrics.ingest.WithLabelValues(ingestAPI).Observe(perItem)
			case errors.Is(r.Err, context.Canceled) && s.isDraining():
				results[i].Err = errDraining
			}
		}
	}
	type failure struct{ first, n int }
	failures := map[string]*failure{}
	var order []error
	for i := range held {
		l := &held[i]
		if l.slot < 0 {
			continue
		}
		if results == nil {
			l.err = errDraining
			continue
		}
		r := results[l.slot]
		if r.Err == nil {
			l.slot = -2 // stored
			if r.Created {
				l.slot = -3
			}
			continue
		}
		l.err = r.Err
		if _, _, _, level := classify(r.Err); level != noLog {
			if f := failures[r.Err.Error()]; f != nil {
				f.n++
			} else {
				failures[r.Err.Error()] = &failure{first: l.line, n: 1}
				order = append(order, r.Err)
			}
		}
	}
	for _, err := range order {
		f := failures[err.Error()]
		status, _, _, level := classify(err)
		s.log.Log(c.Request().Context(), level, "bulk lines failed", "lines", f.n, "first_line", f.first, "status", status,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", clip(err.Error()))
	}
}

// isDraining reports whether Drain was called.
func (s *Server) isDraining() bool { return s.drainCtx.Err() != nil }

// bulkReport writes the report of a bulk request as lines are added (see
// the top of this file). The last entry is held back, since the next line
// may extend it.
type bulkReport struct {
	res     *echo.Response
	started bool
	items   int           // entries written
	last    *bulkItemJSON // the entry held back
	out     bulkJSON      // the counts
}

// add reports one line: stored (slot -2 updated, -3 created) or failed
// (err set).
func (r *bulkReport) add(l bulkLine) {
	it := bulkItemJSON{Line: l.line, ID: clip(l.id)}
	r.out.Lines++
	switch {
	case l.err != nil:
		_, code, msg, _ := classify(l.err)
		it.Status, it.Error = "error", &errorDetail{Code: code, Message: clip(msg)}
		r.out.Failed++
	case l.slot == -3:
		it.Status = "created"
		r.out.Created++
	default:
		it.Status = "updated"
		r.out.Updated++
	}
	entries := r.items
	if r.last != nil {
		entries++
	}
	switch {
	case entries < bulkDetailedLines:
	case sameOutcome(r.last, &it):
		r.last.LastLine, r.last.ID = it.Line, ""
		return
	case entries >= bulkMaxItems:
		r.out.Truncated = true
		return
	}
	if r.last != nil {
		r.write(r.last)
	}
	r.last = &it
}

// sameOutcome reports whether b may join the range of a.
func sameOutcome(a, b *bulkItemJSON) bool {
	if a == nil || a.Status != b.Status {
		return false
	}
	if a.Error == nil || b.Error == nil {
		return a.Error == nil && b.Error == nil
	}
	return a.Error.Code == b.Error.Code && a.Error.Message == b.Error.Message
}

// write sends one entry, starting the answer (200) if needed.
func (r *bulkReport) write(it *bulkItemJSON) {
	if !r.started {
		r.start()
	} else {
		_, _ = r.res.Write([]byte{','})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(it)
	_, _ = r.res.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
	r.items++
}

func (r *bulkReport) start() {
	r.started = true
	r.res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	r.res.WriteHeader(http.StatusOK)
	_, _ = r.res.Write([]byte(`{"items":[`))
}

// flush sends what was written to the client.
func (r *bulkReport) flush() {
	if r.started {
		r.res.Flush()
	}
}

// finish writes the held entry and the counts.
func (r *bulkReport) finish() {
	if r.last != nil {
		r.write(r.last)
		r.last = nil
	}
	if !r.started {
		r.start()
	}
	_, _ = fmt.Fprintf(r.res, `],"lines":%d,"created":%d,"updated":%d,"failed":%d,"truncated":%t}`+"\n",
		r.out.Lines, r.out.Created, r.out.Updated, r.out.Failed, r.out.Truncated)
}
