package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"veille/alerts"
	"veille/cluster"
	"veille/corpus"
	"veille/feeds"
	"veille/index"
)

// StatusClientClosedRequest is the status recorded (in logs and metrics)
// when the client went away before the answer; nobody receives it.
const StatusClientClosedRequest = 499

// Error codes of the error body. They are part of the API: clients switch on them.
const (
	codeBadRequest       = "bad_request"
	codeInvalidParameter = "invalid_parameter"
	codeInvalidQuery     = "invalid_query"
	codeInvalidArticle   = "invalid_article"
	codeInvalidID        = "invalid_id"
	codeUnauthorized     = "unauthorized"
	codeForbidden        = "forbidden"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeConflict         = "conflict"
	codeTooLarge         = "body_too_large"
	codeUnsupportedType  = "unsupported_media_type"
	codeClientGone       = "client_closed_request"
	codeInternal         = "internal"
	codeUnavailable      = "unavailable"
	codeTimeout          = "timeout"
	codeRequestTimeout   = "request_timeout"
	codeNotReady         = "not_ready"
	codeInvalidAlert     = "invalid_alert"
	codePrivateTarget    = "private_target"
	codeAccepted         = "accepted" // 202: not an error, the write is pending on this node
	codeUpstream         = "upstream_error"
	codeBusy             = "busy"
)

// retryAfterBusy is the Retry-After of a search refused while expensive
// searches fill their lane (index.ErrBusy), in seconds.
const retryAfterBusy = "1"

// apiError is an error the API answers as is: a status, a code and a
// message meant for the client. Handlers return it for bad input.
type apiError struct {
	Status    int
	Code      string
	Message   string
	Parameter string // the query parameter at fault, if any
	Err       error  // optional cause, for errors.Is and logs
}

func (e *apiError) Error() string { return e.Message }
func (e *apiError) Unwrap() error { return e.Err }

// errParam reports a bad query parameter.
func errParam(format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, Message: fmt.Sprintf(format, args...)}
}

// errParamOf reports a bad value of the query parameter name.
func errParamOf(name, format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, Message: fmt.Sprintf(format, args...), Parameter: name}
}

// errBadRequest reports a malformed request body or header.
func errBadRequest(code, format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// domainError is one row of the error table: errors matching Err (errors.Is)
// are answered with Status and Code. A non-empty Message replaces the
// error's own text (always for 5xx, whose details stay in the log).
type domainError struct {
	Err     error
	Status  int
	Code    string
	Message string
}

// errorTable maps the domain's sentinel errors to HTTP. It is the only
// place where domain errors become statuses; first match wins.
func errorTable() []domainError {
	return []domainError{
		{index.ErrNotFound, http.StatusNotFound, codeNotFound, ""},
		{index.ErrInvalidQuery, http.StatusBadRequest, codeInvalidQuery, ""},
		{corpus.ErrInvalidID, http.StatusBadRequest, codeInvalidID, ""},
		{corpus.ErrNoText, http.StatusBadRequest, codeInvalidArticle, "the article has neither a title nor a body"},
		{corpus.ErrInvalidText, http.StatusBadRequest, codeInvalidArticle, ""},
		{index.ErrInvalidArticle, http.StatusBadRequest, codeInvalidArticle, ""},
		{errDecode, http.StatusBadRequest, codeInvalidArticle, ""},
		{corpus.ErrMalformed, http.StatusBadRequest, codeInvalidArticle, ""},
		{corpus.ErrTooLarge, http.StatusRequestEntityTooLarge, codeTooLarge, ""},
		{alerts.ErrNotFound, http.StatusNotFound, codeNotFound, ""},
		{alerts.ErrPrivateTarget, http.StatusBadRequest, codePrivateTarget, ""},
		{alerts.ErrInvalid, http.StatusBadRequest, codeInvalidAlert, ""},
		{alerts.ErrNotStarted, http.StatusServiceUnavailable, codeUnavailable, "alerts are not available (the service is starting or stopping)"},
		{feeds.ErrInvalidSource, http.StatusBadRequest, codeInvalidParameter, ""},
		{feeds.ErrNotFound, http.StatusNotFound, codeNotFound, ""},
		{feeds.ErrExists, http.StatusConflict, codeConflict, ""},
		{feeds.ErrFromFile, http.StatusConflict, codeConflict, ""},
		{index.ErrRebuilding, http.StatusConflict, codeConflict, "a rebuild is already running; try again when /api/stats shows \"reindexing\": false"},
		{index.ErrBusy, http.StatusTooManyRequests, codeBusy, "too many expensive searches (phrases of frequent words, many corrections or completions) are running; try again in a moment"},
		{index.ErrClosed, http.StatusServiceUnavailable, codeUnavailable, "the index is closed (the service is shutting down)"},
		{index.ErrReadOnly, http.StatusServiceUnavailable, codeUnavailable, "the data folder cannot be written (read-only or full disk)"},
		{index.ErrLocked, http.StatusServiceUnavailable, codeUnavailable, "the data folder is in use by another process"},
		{index.ErrUnavailable, http.StatusServiceUnavailable, codeUnavailable, "the data folder is unavailable (deleted, unmounted or replaced): nothing can be read or written until it is back"},
		{cluster.ErrUnavailable, http.StatusServiceUnavailable, codeUnavailable, "the cluster's stream cannot take writes now (NATS servers unreachable or without a quorum); retrying the same write is safe"},
		{cluster.ErrNoOwner, http.StatusServiceUnavailable, codeUnavailable, "part of the articles has no node ready to search it (a shard of the cluster is down or catching up)"},
		{cluster.ErrApplyPending, http.StatusAccepted, codeAccepted, "the write is durable in the cluster's stream and will be visible on this node once it catches up"},
		{context.DeadlineExceeded, http.StatusServiceUnavailable, codeTimeout, "the request took too long; try a narrower query"},
		{context.Canceled, StatusClientClosedRequest, codeClientGone, "the client closed the request"},
	}
}

// statusCode names the error code of an *echo.HTTPError by its status.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeBadRequest
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusConflict:
		return codeConflict
	case http.StatusRequestEntityTooLarge:
		return codeTooLarge
	case http.StatusUnsupportedMediaType:
		return codeUnsupportedType
	case http.StatusServiceUnavailable:
		return codeUnavailable
	case http.StatusGatewayTimeout:
		return codeTimeout
	}
	if status >= 500 {
		return codeInternal
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}

// errorBody is the wire form of every error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// acceptedBody answers a write that succeeded only in part (202: durable,
// not yet visible on this node).
type acceptedBody struct {
	Status    string `json:"status"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Parameter string `json:"parameter,omitempty"` // the query parameter at fault, when one is
	RequestID string `json:"request_id,omitempty"`
}

// Log levels of classify: errors the client caused are not logged (noLog).
const noLog = slog.LevelDebug - 1

// classify turns any error into a status, a code, a message for the client
// and the level at which the log must show it: noLog for the client's
// mistakes, Warn for known server conditions (closed index, timeouts),
// Error for anything unexpected.
func classify(err error) (status int, code, message string, level slog.Level) {
	var qe *index.QueryError
	if errors.As(err, &qe) {
		code := codeInvalidParameter
		if p := parameterOf(qe.Field); p == "q" || p == "cursor" {
			code = codeInvalidQuery
		}
		return http.StatusBadRequest, code, parameterOf(qe.Field) + " " + qe.Reason, noLog
	}
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.Status >= 500 && ae.Code != codeNotReady { // probes during start-up are not news
			return ae.Status, ae.Code, ae.Message, slog.LevelWarn
		}
		return ae.Status, ae.Code, ae.Message, noLog
	}
	for _, row := range errorTable() {
		if errors.Is(err, row.Err) {
			msg := row.Message
			if msg == "" {
				msg = userMessage(err)
			}
			if row.Status >= 500 {
				return row.Status, row.Code, msg, slog.LevelWarn
			}
			return row.Status, row.Code, msg, noLog
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		switch m := he.Message.(type) {
		case string:
			msg = m
		case error:
			msg = m.Error()
		}
		switch he.Code {
		case http.StatusNotFound:
			msg = "no such route; see /api/openapi.json for the API"
		case http.StatusMethodNotAllowed:
			msg = "method not allowed on this route; see /api/openapi.json for the API"
		case http.StatusRequestEntityTooLarge:
			msg = "the request body is larger than the limit"
		}
		if he.Code >= 500 {
			return he.Code, statusCode(he.Code), http.StatusText(he.Code), slog.LevelError
		}
		return he.Code, statusCode(he.Code), msg, noLog
	}
	return http.StatusInternalServerError, codeInternal, "internal error; the server log has the details", slog.LevelError
}

// userMessage strips the package prefixes ("index: ", "corpus: ") that
// make sense in logs but not to an API client, and capitalises nothing.
func userMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"index: ", "corpus: ", "api: ", "alerts: ", "feeds: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}

// errorHandler is the server's only error handler: it maps err to a status
// and the contract's JSON body, and logs errors the client did not cause.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code, msg, level := classify(err)
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if level != noLog {
		attrs := []any{"method", c.Request().Method, "path", clip(c.Request().URL.Path),
			"route", c.Path(), "status", status, "request_id", rid, "err", clip(err.Error())}
		var pe *panicError
		if errors.As(err, &pe) {
			attrs = append(attrs, "stack", string(pe.stack))
		}
		s.log.Log(c.Request().Context(), level, "request failed", attrs...)
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="veille"`)
	}
	if errors.Is(err, index.ErrBusy) {
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfterBusy)
	}
	if status == StatusClientClosedRequest {
		// Nobody is listening; record the status for logs and metrics only.
		c.Response().Status = status
		return
	}
	var body any = errorBody{Error: errorDetail{Code: code, Message: msg, Parameter: errorParameter(err), RequestID: rid}}
	if status < 400 {
		body = acceptedBody{Status: code, Message: msg, RequestID: rid}
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(status)
	} else {
		werr = c.JSON(status, body)
	}
	if werr != nil {
		s.log.Debug("writing error response", "request_id", rid, "err", werr)
	}
}

// errorParameter returns the query parameter err is about, or "".
func errorParameter(err error) string {
	var qe *index.QueryError
	if errors.As(err, &qe) {
		return parameterOf(qe.Field)
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Parameter
	}
	return ""
}

// Error is an error of the API as a client sees it: the HTTP status and
// the body's code, message and parameter. [Client] returns it, and
// [ErrorOf] turns any error of [Server.Search] into one.
type Error struct {
	Status    int
	Code      string
	Message   string
	Parameter string
}

func (e *Error) Error() string { return e.Message }

// ErrorOf returns what the API would answer for err.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	status, code, msg, _ := classify(err)
	return &Error{Status: status, Code: code, Message: msg, Parameter: errorParameter(err)}
}

// panicError carries a recovered panic and its stack to the error handler,
// which logs both once.
type panicError struct {
	err   error
	stack []byte
}

func (e *panicError) Error() string { return "panic: " + e.err.Error() }
func (e *panicError) Unwrap() error { return e.err }
