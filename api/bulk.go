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

	"veille/cluster"
	"veille/corpus"
	"veille/index"
)

// Limits of a bulk request's processing and report.
const (
	bulkDetailedLines = 1000   // entries of one line each, at the start of a report
	bulkMaxItems      = 10_000 // entries in a report; further lines are counted only
	bulkChunk         = 1000   // articles the index takes per PutMany call (2×MaxBatch), for the tests' stand-in
	bulkFlushLines    = 1000   // lines reported between two flushes of the answer
)

// errDraining is the error of the lines a bulk did not store because the
// server is shutting down.
var errDraining = &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
	Message: "the service is shutting down: this line was not stored; send it again"}

// bulkLine is one non-blank line of a bulk body, until it is reported.
type bulkLine struct {
	line    int
	id      string
	created bool  // stored, no article had the id before
	pending bool  // durable in a cluster's log, not yet applied on this node
	err     error // why it was not stored
}

// errStopBulk ends the reading of a bulk body when the index stops.
var errStopBulk = errors.New("api: bulk stopped")

// bulk stores every article of an NDJSON body through Service.PutAll and
// reports per line: bad lines (unreadable, invalid) are reported and
// skipped, good lines are stored; repeated ids apply in line order. The
// body is read in full first (in pieces, see readPieces; it is bounded by
// the body limit: over it, 413 and nothing is stored). When the server
// drains (see
// [Server.Drain]), the articles not handed to the index yet are not
// stored (the index takes them a batch of 500 at a time) and their
// lines, like every line after them, are reported so: the answer comes
// within about one batch.
func (s *Server) bulk(c echo.Context) error {
	body, err := readPieces(c)
	if err != nil {
		return err
	}
	if body.blank() {
		return errBadRequest(codeInvalidArticle, "the body holds no article: send one JSON article a line")
	}
	client := c.Request().Context()
	ctx, cancel := context.WithCancel(client)
	defer cancel()
	defer context.AfterFunc(s.drainCtx, cancel)()
	rep := &bulkReport{res: c.Response()}
	_, rep.cluster = s.svc.(replicated)
	fails := &bulkFailures{}
	var (
		queue   []bulkLine // lines yielded, not reported yet
		last    int        // the last line yielded
		readErr error
		stored  int
	)
	seq := func(yield func(index.Item, error) bool) {
		readErr = corpus.ReadNDJSON(body.reader(), func(line int, a corpus.Article, err error) error {
			if err := client.Err(); err != nil {
				return err // the client is gone
			}
			if err == nil {
				if a.ID == "" {
					a.ID = contentID(a)
				}
				err = a.Validate()
			}
			queue = append(queue, bulkLine{line: line, id: a.ID})
			last = line
			if !yield(index.Item{Article: a}, err) {
				return errStopBulk
			}
			return nil
		})
	}
	start := time.Now()
	_, putErr := s.svc.PutAll(ctx, seq, func(pos int, r index.PutResult) {
		l := queue[0]
		queue = queue[1:]
		l.created, l.err = r.Created, r.Err
		rep.seq = max(rep.seq, r.Seq)
		if errors.Is(r.Err, cluster.ErrApplyPending) {
			l.pending, l.err = true, nil
		}
		if r.Err != nil && s.isDraining() && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, errDraining)) {
			l.err = errDraining
		}
		if l.err == nil {
			stored++
		} else {
			fails.add(l)
		}
		rep.add(l)
		if pos%bulkFlushLines == bulkFlushLines-1 {
			rep.flush()
		}
	})
	if stored > 0 {
		perItem := time.Since(start).Seconds() / float64(stored)
		for range stored {
			s.metrics.ingest.WithLabelValues(ingestAPI).Observe(perItem)
		}
	}
	fails.log(c, s)
	if readErr != nil && !errors.Is(readErr, errStopBulk) {
		if !rep.started {
			return readErr // the client went away before anything was written
		}
		return nil
	}
	if putErr != nil && s.isDraining() && client.Err() == nil {
		// Every line after the last one yielded is not stored either.
		_ = corpus.ReadNDJSON(body.reader(), func(line int, a corpus.Article, _ error) error {
			if line > last {
				rep.add(bulkLine{line: line, id: a.ID, err: errDraining})
			}
			return nil
		})
	}
	rep.finish()
	return nil
}

// bulkFailures collects the server-side failures of a bulk's lines, to
// log each distinct one once.
type bulkFailures struct {
	byMsg map[string]*bulkFailure
	order []error
}

type bulkFailure struct{ first, n int }

func (f *bulkFailures) add(l bulkLine) {
	if _, _, _, level := classify(l.err); level == noLog {
		return
	}
	if f.byMsg == nil {
		f.byMsg = map[string]*bulkFailure{}
	}
	if x := f.byMsg[l.err.Error()]; x != nil {
		x.n++
		return
	}
	f.byMsg[l.err.Error()] = &bulkFailure{first: l.line, n: 1}
	f.order = append(f.order, l.err)
}

func (f *bulkFailures) log(c echo.Context, s *Server) {
	for _, err := range f.order {
		x := f.byMsg[err.Error()]
		status, _, _, level := classify(err)
		s.log.Log(c.Request().Context(), level, "bulk lines failed", "lines", x.n, "first_line", x.first, "status", status,
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
	cluster bool          // a cluster node: the counts add accepted and seq
	seq     uint64        // the highest log sequence of the stored lines
}

// add reports one line: stored (created or updated; accepted when
// pending on a cluster node) or failed (err set).
func (r *bulkReport) add(l bulkLine) {
	it := bulkItemJSON{Line: l.line, ID: clip(l.id)}
	r.out.Lines++
	switch {
	case l.err != nil:
		_, code, msg, _ := classify(l.err)
		it.Status, it.Error = "error", &errorDetail{Code: code, Message: clip(msg)}
		r.out.Failed++
	case l.pending:
		it.Status = "accepted"
		r.out.Accepted++
	case l.created:
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
	_, _ = fmt.Fprintf(r.res, `],"lines":%d,"created":%d,"updated":%d,"failed":%d,"truncated":%t`,
		r.out.Lines, r.out.Created, r.out.Updated, r.out.Failed, r.out.Truncated)
	if r.cluster {
		_, _ = fmt.Fprintf(r.res, `,"accepted":%d,"seq":%d`, r.out.Accepted, r.seq)
	}
	_, _ = r.res.Write([]byte("}\n"))
}
