package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"veille/feeds"
)

// Sources is what the /api/sources handlers need from the feed poller;
// *feeds.Poller satisfies it. Errors wrap the feeds sentinel errors.
type Sources interface {
	List() []feeds.View
	Get(id string) (feeds.View, error)
	Add(s feeds.Source) (feeds.View, error)
	Remove(id string) error
	Poll(ctx context.Context, id string) (feeds.Counts, error)
}

// sourceJSON is a source on the wire. Times never reached are null.
type sourceJSON struct {
	ID           string     `json:"id"`
	URL          string     `json:"url"`
	Name         string     `json:"name"`
	Interval     string     `json:"interval"`
	FromFile     bool       `json:"from_file"`
	LastFetch    *time.Time `json:"last_fetch"`
	LastSuccess  *time.Time `json:"last_success"`
	LastError    *string    `json:"last_error"`
	ItemsSeen    int        `json:"items_seen"`
	ItemsNew     int        `json:"items_new"`
	ItemsUpdated int        `json:"items_updated"`
	Failures     int        `json:"failures"`
	NextPoll     *time.Time `json:"next_poll"`
	FeedTitle    string     `json:"feed_title,omitempty"`
}

func sourceWire(v feeds.View) sourceJSON {
	t := func(x time.Time) *time.Time {
		if x.IsZero() {
			return nil
		}
		x = x.UTC().Truncate(time.Second)
		return &x
	}
	out := sourceJSON{
		ID: v.ID, URL: v.URL, Name: v.Name, Interval: v.Interval.String(), FromFile: v.FromFile,
		LastFetch: t(v.Status.LastFetch), LastSuccess: t(v.Status.LastSuccess), NextPoll: t(v.Status.NextPoll),
		ItemsSeen: v.Status.ItemsSeen, ItemsNew: v.Status.ItemsNew, ItemsUpdated: v.Status.ItemsUpdated,
		Failures: v.Status.Failures, FeedTitle: v.Status.FeedTitle,
	}
	if v.Status.LastError != "" {
		out.LastError = &v.Status.LastError
	}
	return out
}

// sources returns the poller, or the error for a server without one.
func (s *Server) sources() (Sources, error) {
	if s.opts.Sources == nil {
		return nil, &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "this server follows no feeds"}
	}
	return s.opts.Sources, nil
}

func (s *Server) listSources(c echo.Context) error {
	out := []sourceJSON{}
	if s.opts.Sources != nil {
		for _, v := range s.opts.Sources.List() {
			out = append(out, sourceWire(v))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"sources": out})
}

// sourceInput is the body of POST /api/sources.
type sourceInput struct {
	URL      string          `json:"url"`
	Name     string          `json:"name"`
	Interval *feeds.Interval `json:"interval"`
}

func (s *Server) addSource(c echo.Context) error {
	src, err := s.sources()
	if err != nil {
		return err
	}
	if mt, _ := mediaType(c); mt != mimeJSON && mt != "" {
		return errMediaType(mt, mimeJSON)
	}
	data, err := readBody(c)
	if err != nil {
		return err
	}
	var in sourceInput
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		if errors.Is(err, feeds.ErrInvalidSource) {
			return err
		}
		why := strings.TrimPrefix(err.Error(), "json: ")
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			why = "wrong type"
			if te.Field != "" {
				why = "field " + te.Field + " has the wrong type"
			}
		}
		return errBadRequest(codeInvalidParameter, "the body must be a JSON object {\"url\", \"name\"?, \"interval\"?: \"15m\"}: %s", why)
	}
	var interval time.Duration
	if in.Interval != nil {
		interval = time.Duration(*in.Interval)
		if interval == 0 {
			return fmt.Errorf("%w: interval must be positive", feeds.ErrInvalidSource)
		}
	}
	source, err := feeds.NewSource(in.URL, in.Name, interval)
	if err != nil {
		return err
	}
	v, err := src.Add(source)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sourceWire(v))
}

func (s *Server) deleteSource(c echo.Context) error {
	src, err := s.sources()
	if err != nil {
		return err
	}
	if err := src.Remove(c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) pollSource(c echo.Context) error {
	src, err := s.sources()
	if err != nil {
		return err
	}
	id := c.Param("id")
	counts, err := src.Poll(c.Request().Context(), id)
	if err != nil {
		if errors.Is(err, feeds.ErrNotFound) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && c.Request().Context().Err() != nil {
			return err
		}
		return &apiError{Status: http.StatusBadGateway, Code: codeUpstream, Message: "the feed could not be polled: " + userMessage(err), Err: err}
	}
	v, err := src.Get(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"counts": counts, "source": sourceWire(v)})
}
