package api

// Saved searches and their alerts: management (behind the admin key),
// matches, the live event stream and the Atom feed of each alert.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"veille/alerts"
)

// AlertService is what the alert routes need; *alerts.Service satisfies
// it. Errors are expected to wrap the alerts and index sentinel errors.
type AlertService interface {
	Create(ctx context.Context, sp alerts.Spec) (alerts.View, error)
	Update(ctx context.Context, id string, sp alerts.Spec) (alerts.View, error)
	Delete(ctx context.Context, id string) error
	Get(id string) (alerts.View, error)
	List() []alerts.View
	Matches(id string, before uint64, limit int) ([]alerts.Match, error)
	Feed(id, token string, limit int) (alerts.Alert, []alerts.Match, error)
	// Subscribe streams new matches; Since returns those after a sequence
	// (for a stream that reconnects), oldest first.
	Subscribe() (<-chan alerts.Event, func())
	Since(seq uint64, limit int) []alerts.Event
}

// alertEventsPath is the route of the event stream.
const alertEventsPath = "/api/alerts/events"

// Limits of the alert routes.
const (
	defaultMatchPage = 50
	maxMatchPage     = 500
	feedEntries      = 50
	maxReplay        = 1000 // matches replayed to a stream that reconnects
	streamHeartbeat  = 25 * time.Second
)

// alertJSON is an alert as the API shows it.
type alertJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Query is the saved search's parameters, as given.
	Query json.RawMessage `json:"query"`
	// SearchURL opens the search on the page.
	SearchURL string `json:"search_url"`
	FeedURL   string `json:"feed_url"`
	Webhook   string `json:"webhook,omitempty"`
	// WebhookSecret is shown when it is made: when the webhook is set.
	WebhookSecret string             `json:"webhook_secret,omitempty"`
	Created       string             `json:"created"`
	Updated       string             `json:"updated"`
	Matches       int                `json:"matches"`
	Unread        int                `json:"unread"`
	ReadThrough   uint64             `json:"read_through"`
	LastMatch     string             `json:"last_match,omitempty"`
	Delivery      *alertDeliveryJSON `json:"delivery,omitempty"`
}

// alertDeliveryJSON is the state of an alert's webhook.
type alertDeliveryJSON struct {
	Undelivered   int           `json:"undelivered"`
	LastDelivered string        `json:"last_delivered,omitempty"`
	Failures      []failureJSON `json:"failures"`
}

type failureJSON struct {
	At         string `json:"at"`
	DeliveryID string `json:"delivery_id"`
	Attempt    int    `json:"attempt"`
	Status     int    `json:"status,omitempty"`
	Error      string `json:"error"`
}

type matchJSON struct {
	Seq       uint64 `json:"seq"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"`
	Published string `json:"published,omitempty"`
	MatchedAt string `json:"matched_at"`
	Unread    bool   `json:"unread"`
}

type matchesJSON struct {
	Matches    []matchJSON `json:"matches"`
	NextBefore uint64      `json:"next_before,omitempty"`
}

// alertEventJSON is the data of one "match" event of the stream.
type alertEventJSON struct {
	Alert struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"alert"`
	Unread int       `json:"unread"`
	Match  matchJSON `json:"match"`
}

// alertBody is the body of POST and PUT /api/alerts.
type alertBody struct {
	Name    string          `json:"name"`
	Query   json.RawMessage `json:"query"`
	Webhook string          `json:"webhook"`
	// ReadThrough marks the matches up to this sequence as read (PUT).
	ReadThrough *uint64 `json:"read_through"`
}

// alertSearchExcluded are the /api/search parameters that describe a page
// of results rather than which articles match: a saved search refuses them.
var alertSearchExcluded = []string{"page", "per_page", "cursor", "highlight", "pretty", "facet_size", "facet_query"}

func (s *Server) alertService() (AlertService, error) {
	if s.opts.Alerts == nil {
		return nil, &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "alerts are not enabled on this server"}
	}
	return s.opts.Alerts, nil
}

// readAlertBody decodes and checks the body of POST and PUT.
func (s *Server) readAlertBody(c echo.Context) (alerts.Spec, error) {
	if mt, _ := mediaType(c); mt != mimeJSON && mt != "" {
		return alerts.Spec{}, errMediaType(mt, mimeJSON)
	}
	data, err := readBody(c)
	if err != nil {
		return alerts.Spec{}, err
	}
	var b alertBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return alerts.Spec{}, errBadRequest(codeInvalidAlert, "the body must be a JSON object {\"name\", \"query\": {search parameters}, \"webhook\"?}: %s", jsonProblem(err))
	}
	params, norm, err := searchParamsFromJSON(b.Query)
	if err != nil {
		return alerts.Spec{}, err
	}
	q, _, err := s.parseSearch(params, searchParameters())
	if err != nil {
		return alerts.Spec{}, err
	}
	return alerts.Spec{Name: b.Name, Params: norm, Query: q, Webhook: b.Webhook, ReadThrough: b.ReadThrough}, nil
}

// searchParamsFromJSON turns the "query" object of an alert into search
// parameters: strings, numbers and booleans, or arrays of them for
// repeatable parameters. It also returns the object in a normal form.
func searchParamsFromJSON(raw json.RawMessage) (url.Values, json.RawMessage, error) {
	bad := func(format string, args ...any) error {
		return errBadRequest(codeInvalidAlert, "query: "+format, args...)
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil, bad("the alert needs its search: an object of /api/search parameters such as {\"q\": \"nvidia\", \"country\": [\"GB\"]}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, nil, bad("must be an object of /api/search parameters: %s", jsonProblem(err))
	}
	params := url.Values{}
	for name, v := range obj {
		if slices.Contains(alertSearchExcluded, name) {
			return nil, nil, bad("%s is about a page of results; a saved search is every matching article", name)
		}
		if !slices.Contains(searchParameters(), name) {
			return nil, nil, bad("unknown parameter %q; a saved search takes the /api/search parameters", name)
		}
		var list []json.RawMessage
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
			if err := json.Unmarshal(t, &list); err != nil {
				return nil, nil, bad("%s: %s", name, jsonProblem(err))
			}
		} else {
			list = []json.RawMessage{v}
		}
		for _, item := range list {
			str, ok, err := scalarString(item)
			if err != nil {
				return nil, nil, bad("%s: %s", name, jsonProblem(err))
			}
			if ok {
				params.Add(name, str)
			}
		}
	}
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	norm := map[string]any{}
	for _, n := range names {
		if repeatable(n) {
			norm[n] = params[n]
		} else if len(params[n]) == 1 {
			norm[n] = params[n][0]
		} else {
			norm[n] = params[n] // parseSearch refuses it
		}
	}
	out, err := json.Marshal(norm)
	if err != nil {
		return nil, nil, bad("%v", err)
	}
	return params, out, nil
}

// jsonProblem says what encoding/json found wrong, without its prefix.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("a JSON %s is where %s is expected", te.Value, strings.TrimPrefix(te.Type.String(), "api."))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// scalarString reads a JSON string, number or boolean as a parameter
// value; null is no value.
func scalarString(raw json.RawMessage) (string, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false, err
	}
	switch v := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	}
	return "", false, fmt.Errorf("a value must be a string, a number or a boolean")
}

// baseURL returns the scheme and host the client reached the service at.
func baseURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

func (s *Server) toAlert(c echo.Context, v alerts.View, withSecret bool) alertJSON {
	out := alertJSON{
		ID: v.ID, Name: v.Name, Query: v.Params, Webhook: v.Webhook,
		FeedURL:   baseURL(c) + "/alerts/" + url.PathEscape(v.ID) + ".atom?token=" + url.QueryEscape(v.FeedToken),
		SearchURL: "/?" + alertSearchValues(v.Params).Encode(),
		Created:   v.Created.UTC().Format(time.RFC3339), Updated: v.Updated.UTC().Format(time.RFC3339),
		Matches: v.Matches, Unread: v.Unread, ReadThrough: v.ReadThrough,
	}
	if withSecret {
		out.WebhookSecret = v.WebhookSecret
	}
	if !v.LastMatch.IsZero() {
		out.LastMatch = v.LastMatch.UTC().Format(time.RFC3339)
	}
	if v.Webhook != "" {
		d := &alertDeliveryJSON{Undelivered: v.Undelivered, Failures: []failureJSON{}}
		if !v.LastDelivered.IsZero() {
			d.LastDelivered = v.LastDelivered.UTC().Format(time.RFC3339)
		}
		for _, f := range v.Failures {
			d.Failures = append(d.Failures, failureJSON{At: f.At.UTC().Format(time.RFC3339), DeliveryID: f.DeliveryID,
				Attempt: f.Attempt, Status: f.Status, Error: f.Error})
		}
		out.Delivery = d
	}
	return out
}

// alertSearchValues turns saved parameters back into a query string.
func alertSearchValues(raw json.RawMessage) url.Values {
	params, _, err := searchParamsFromJSON(raw)
	if err != nil {
		return url.Values{}
	}
	return params
}

func toMatch(m alerts.Match, readThrough uint64) matchJSON {
	return matchJSON{Seq: m.Seq, ID: m.Article, Title: m.Title, URL: m.URL, Published: formatPublished(m.Published),
		MatchedAt: m.MatchedAt.UTC().Format(time.RFC3339), Unread: m.Seq > readThrough}
}

// alertID reads the :id path parameter of the alert routes.
func alertID(c echo.Context) string { return c.Param("id") }

// listAlerts answers GET /api/alerts.
func (s *Server) listAlerts(c echo.Context) error {
	out := []alertJSON{}
	if s.opts.Alerts == nil { // none here: an empty list, as /api/sources answers
		return c.JSON(http.StatusOK, map[string]any{"alerts": out})
	}
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	for _, v := range svc.List() {
		out = append(out, s.toAlert(c, v, false))
	}
	return c.JSON(http.StatusOK, map[string]any{"alerts": out})
}

// createAlert answers POST /api/alerts: 201 with the alert, its feed URL
// and its webhook secret.
func (s *Server) createAlert(c echo.Context) error {
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	sp, err := s.readAlertBody(c)
	if err != nil {
		return err
	}
	if sp.ReadThrough != nil {
		return errBadRequest(codeInvalidAlert, "read_through marks the matches of an existing alert as read: send it with PUT")
	}
	v, err := svc.Create(c.Request().Context(), sp)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/alerts/"+url.PathEscape(v.ID))
	return c.JSON(http.StatusCreated, s.toAlert(c, v, true))
}

// getAlert answers GET /api/alerts/{id}.
func (s *Server) getAlert(c echo.Context) error {
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	v, err := svc.Get(alertID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAlert(c, v, false))
}

// putAlert answers PUT /api/alerts/{id}: the alert replaced (its feed
// token kept, its webhook secret too while it has a webhook), and its
// matches marked read up to read_through when given.
func (s *Server) putAlert(c echo.Context) error {
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	sp, err := s.readAlertBody(c)
	if err != nil {
		return err
	}
	before, err := svc.Get(alertID(c))
	if err != nil {
		return err
	}
	v, err := svc.Update(c.Request().Context(), alertID(c), sp)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAlert(c, v, v.WebhookSecret != before.WebhookSecret))
}

// deleteAlert answers DELETE /api/alerts/{id}: 204.
func (s *Server) deleteAlert(c echo.Context) error {
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	if err := svc.Delete(c.Request().Context(), alertID(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// alertMatches answers GET /api/alerts/{id}/matches: newest first, limit
// at a time, before a sequence to page.
func (s *Server) alertMatches(c echo.Context) error {
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	for name := range c.QueryParams() {
		if name != "before" && name != "limit" && name != "pretty" {
			return errParam("unknown parameter %q; matches take before and limit", name)
		}
	}
	limit := defaultMatchPage
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMatchPage {
			return errParam("limit must be a whole number from 1 to %d, not %q", maxMatchPage, v)
		}
		limit = n
	}
	var before uint64
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return errParam("before must be the seq of a match (a whole number from 1), not %q", v)
		}
		before = n
	}
	v, err := svc.Get(alertID(c))
	if err != nil {
		return err
	}
	ms, err := svc.Matches(alertID(c), before, limit+1)
	if err != nil {
		return err
	}
	out := matchesJSON{Matches: []matchJSON{}}
	for i, m := range ms {
		if i == limit {
			out.NextBefore = ms[i-1].Seq
			break
		}
		out.Matches = append(out.Matches, toMatch(m, v.ReadThrough))
	}
	return c.JSON(http.StatusOK, out)
}

// alertEvents answers GET /api/alerts/events: a Server-Sent Events stream
// with one "match" event per new match of any alert (id: the match's
// seq). A client that reconnects with Last-Event-ID (or ?after=SEQ) gets
// the matches it missed first.
func (s *Server) alertEvents(c echo.Context) error {
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	var after uint64
	for _, v := range []string{c.Request().Header.Get("Last-Event-ID"), c.QueryParam("after")} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return errParam("Last-Event-ID and after must be the seq of a match, not %q", v)
		}
		after = max(after, n)
	}
	events, stop := svc.Subscribe()
	defer stop()
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The stream outlives the server's write timeout.
	_ = http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{})
	send := func(ev alerts.Event) error {
		var data alertEventJSON
		data.Alert.ID, data.Alert.Name, data.Unread = ev.Match.Alert, ev.AlertName, ev.Unread
		data.Match = toMatch(ev.Match, 0)
		data.Match.Unread = true
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "id: %d\nevent: match\ndata: %s\n\n", ev.Match.Seq, b); err != nil {
			return err
		}
		after = max(after, ev.Match.Seq)
		return nil
	}
	if _, err := fmt.Fprint(w, "retry: 3000\n: veille alerts\n\n"); err != nil {
		return nil
	}
	if after > 0 {
		for _, ev := range svc.Since(after, maxReplay) {
			if err := send(ev); err != nil {
				return nil
			}
		}
	}
	w.Flush()
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.drainCtx.Done():
			return nil // the server is shutting down
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
		case ev, ok := <-events:
			if !ok {
				return nil // the service closed, or this stream fell behind: the client reconnects
			}
			if ev.Match.Seq <= after {
				continue // replayed already
			}
			if err := send(ev); err != nil {
				return nil
			}
		}
		w.Flush()
	}
}

// atomFeed is an Atom 1.0 feed (RFC 4287).
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published,omitempty"`
	Links     []atomLink `xml:"link"`
	Summary   string     `xml:"summary"`
}

// alertFeed answers GET /alerts/{id}.atom?token=TOKEN: the alert's
// newest matches as an Atom feed, for feed readers (which cannot send
// headers: the token is the secret). A wrong token is answered like an
// unknown alert.
func (s *Server) alertFeed(c echo.Context) error {
	svc, err := s.alertService()
	if err != nil {
		return err
	}
	id, ok := strings.CutSuffix(c.Param("feed"), ".atom")
	if !ok {
		return echo.ErrNotFound
	}
	a, ms, err := svc.Feed(id, c.QueryParam("token"), feedEntries)
	if err != nil {
		return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Err: err,
			Message: "no such feed: check the alert's feed_url (id and token)"}
	}
	base := baseURL(c)
	updated := a.Updated
	if len(ms) > 0 && ms[0].MatchedAt.After(updated) {
		updated = ms[0].MatchedAt
	}
	f := atomFeed{
		ID:       "urn:veille:alert:" + a.ID,
		Title:    "veille : " + a.Name,
		Subtitle: "Nouveaux articles pour la recherche enregistrée « " + a.Name + " »",
		Updated:  updated.UTC().Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + c.Request().URL.RequestURI()},
			{Rel: "alternate", Type: "text/html", Href: base + "/?" + alertSearchValues(a.Params).Encode()},
		},
		Author:    atomPerson{Name: "veille"},
		Generator: "veille",
	}
	for _, m := range ms {
		link := m.URL
		if link == "" {
			link = base + "/api/articles/" + url.PathEscape(m.Article)
		}
		e := atomEntry{
			ID:      "urn:veille:alert:" + a.ID + ":article:" + url.PathEscape(m.Article),
			Title:   m.Title,
			Updated: m.MatchedAt.UTC().Format(time.RFC3339),
			Links:   []atomLink{{Rel: "alternate", Href: link}},
			Summary: "Article " + m.Article + " trouvé par l'alerte « " + a.Name + " »",
		}
		if e.Title == "" {
			e.Title = m.Article
		}
		if !m.Published.IsZero() {
			e.Published = m.Published.UTC().Format(time.RFC3339)
		}
		f.Entries = append(f.Entries, e)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("api: encode the feed: %w", err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", buf.Bytes())
}
