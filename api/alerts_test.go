package api

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"veille/alerts"
	"veille/analyzers"
	"veille/index"
)

// alertServer serves a real index with its alerts in a temporary folder.
func alertServer(t *testing.T, opts Options) (*Server, *index.Index, *alerts.Service, *analyzers.Extractor) {
	t.Helper()
	al, err := alerts.Open(filepath.Join(t.TempDir(), "alerts"), alerts.Options{AllowPrivateTargets: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // after the index's Close, registered later
		if err := al.Close(); err != nil {
			t.Error(err)
		}
	})
	idx, ext := openRealIndex(t, index.Options{OnCommit: al.Committed})
	if err := al.Start(context.Background(), idx); err != nil {
		t.Fatal(err)
	}
	if opts.Countries == nil {
		opts.Countries = ext.Countries()
	}
	opts.Alerts = al
	s, _ := testServer(t, idx, opts)
	return s, idx, al, ext
}

func createAlert(t *testing.T, s *Server, body string, opts ...reqOpt) alertJSON {
	t.Helper()
	rec := do(t, s, http.MethodPost, "/api/alerts", body, append([]reqOpt{loopback(), jsonBody()}, opts...)...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /api/alerts %s = %d %s", body, rec.Code, rec.Body)
	}
	var a alertJSON
	decode(t, rec, &a)
	return a
}

func putArticle(t *testing.T, s *Server, id, body string) {
	t.Helper()
	rec := do(t, s, http.MethodPut, "/api/articles/"+id, body, loopback(), jsonBody())
	if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
		t.Fatalf("PUT %s = %d %s", id, rec.Code, rec.Body)
	}
}

func alertMatchIDs(t *testing.T, s *Server, id string) []string {
	t.Helper()
	rec := do(t, s, http.MethodGet, "/api/alerts/"+id+"/matches?limit=500", "", loopback())
	if rec.Code != http.StatusOK {
		t.Fatalf("matches of %s = %d %s", id, rec.Code, rec.Body)
	}
	var ms matchesJSON
	decode(t, rec, &ms)
	ids := []string{}
	for _, m := range ms.Matches {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestAlertRoutes(t *testing.T) {
	s, _, _, _ := alertServer(t, Options{})
	a := createAlert(t, s, `{"name": "Nvidia au Royaume-Uni", "query": {"q": "nvidia", "country": ["Royaume-Uni"], "amount_min": 1e8}}`)
	if a.ID == "" || !strings.Contains(a.FeedURL, "://") || !strings.Contains(a.FeedURL, "/alerts/"+a.ID+".atom?token=") || a.WebhookSecret != "" || a.Delivery != nil {
		t.Fatalf("created %+v", a)
	}
	if !strings.Contains(a.SearchURL, "q=nvidia") || !strings.Contains(string(a.Query), `"country":["Royaume-Uni"]`) {
		t.Errorf("the saved search is not kept as given: %s, %s", a.Query, a.SearchURL)
	}
	putArticle(t, s, "uk", `{"title": "Nvidia investit au Royaume-Uni", "body": "Nvidia met 683 millions de dollars dans Nscale au Royaume-Uni."}`)
	putArticle(t, s, "cn", `{"title": "Nvidia en Chine", "body": "Nvidia vend ses puces en Chine pour 683 millions de dollars."}`)
	putArticle(t, s, "small", `{"title": "Nvidia au Royaume-Uni", "body": "Nvidia au Royaume-Uni pour 5 millions de dollars."}`)
	if got := alertMatchIDs(t, s, a.ID); !slices.Equal(got, []string{"uk"}) {
		t.Errorf("matches %v, want [uk]", got)
	}
	var got alertJSON
	decode(t, do(t, s, http.MethodGet, "/api/alerts/"+a.ID, "", loopback()), &got)
	if got.Matches != 1 || got.Unread != 1 || got.LastMatch == "" || got.FeedURL != a.FeedURL {
		t.Errorf("GET = %+v", got)
	}
	var list struct{ Alerts []alertJSON }
	decode(t, do(t, s, http.MethodGet, "/api/alerts", "", loopback()), &list)
	if len(list.Alerts) != 1 || list.Alerts[0].ID != a.ID {
		t.Errorf("list = %+v", list)
	}

	// Marking read and changing the search.
	var ms matchesJSON
	decode(t, do(t, s, http.MethodGet, "/api/alerts/"+a.ID+"/matches", "", loopback()), &ms)
	body := fmt.Sprintf(`{"name": "Nvidia", "query": {"q": "nvidia"}, "read_through": %d}`, ms.Matches[0].Seq)
	rec := do(t, s, http.MethodPut, "/api/alerts/"+a.ID, body, loopback(), jsonBody())
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT = %d %s", rec.Code, rec.Body)
	}
	decode(t, rec, &got)
	if got.Name != "Nvidia" || got.Unread != 0 || got.ReadThrough != ms.Matches[0].Seq {
		t.Errorf("after PUT: %+v", got)
	}
	putArticle(t, s, "cn2", `{"title": "Nvidia en Chine", "body": "Nvidia encore."}`)
	decode(t, do(t, s, http.MethodGet, "/api/alerts/"+a.ID, "", loopback()), &got)
	if got.Unread != 1 || got.Matches != 2 {
		t.Errorf("after a new match: %+v", got)
	}

	// Webhooks: a secret when set, kept while set.
	rec = do(t, s, http.MethodPut, "/api/alerts/"+a.ID, `{"name": "Nvidia", "query": {"q": "nvidia"}, "webhook": "http://127.0.0.1:9/hook"}`, loopback(), jsonBody())
	decode(t, rec, &got)
	if len(got.WebhookSecret) < 32 || got.Delivery == nil {
		t.Errorf("webhook set: %+v", got)
	}
	rec = do(t, s, http.MethodPut, "/api/alerts/"+a.ID, `{"name": "Nvidia!", "query": {"q": "nvidia"}, "webhook": "http://127.0.0.1:9/hook"}`, loopback(), jsonBody())
	got = alertJSON{}
	decode(t, rec, &got)
	if got.WebhookSecret != "" || got.Name != "Nvidia!" {
		t.Errorf("a PUT that keeps the webhook shows its secret again: %+v", got)
	}

	if rec := do(t, s, http.MethodDelete, "/api/alerts/"+a.ID, "", loopback()); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
	}
	for _, path := range []string{"/api/alerts/" + a.ID, "/api/alerts/" + a.ID + "/matches"} {
		wantError(t, do(t, s, http.MethodGet, path, "", loopback()), http.StatusNotFound, codeNotFound)
	}
	wantError(t, do(t, s, http.MethodDelete, "/api/alerts/"+a.ID, "", loopback()), http.StatusNotFound, codeNotFound)
}

func TestAlertBadInput(t *testing.T) {
	s, _, _, _ := alertServer(t, Options{})
	a := createAlert(t, s, `{"name": "x", "query": {"q": "x"}}`)
	for _, tc := range []struct {
		body, code, fragment string
	}{
		{`{"query": {"q": "nvidia"}}`, codeInvalidAlert, "name"},
		{`{"name": "x"}`, codeInvalidAlert, "search"},
		{`{"name": "x", "query": "nvidia"}`, codeInvalidAlert, "object"},
		{`{"name": "x", "query": {"q": "a", "page": 2}}`, codeInvalidAlert, "page"},
		{`{"name": "x", "query": {"cursor": "abc"}}`, codeInvalidAlert, "cursor"},
		{`{"name": "x", "query": {"qq": "a"}}`, codeInvalidAlert, "qq"},
		{`{"name": "x", "query": {"q": {"nested": 1}}}`, codeInvalidAlert, "string"},
		{`{"name": "x", "query": {"mode": "some"}}`, codeInvalidParameter, "mode"},
		{`{"name": "x", "query": {"q": ["a", "b"]}}`, codeInvalidParameter, "once"},
		{`{"name": "x", "query": {"country": ["Atlantide"]}}`, codeInvalidParameter, "Atlantide"},
		{`{"name": "x", "query": {"amount_min": 10, "amount_max": 1}}`, codeInvalidParameter, "amount_min"},
		{`{"name": "x", "query": {}, "webhook": "ftp://example.org"}`, codeInvalidAlert, "http"},
		{`{"name": "x", "query": {}, "colour": "red"}`, codeInvalidAlert, "colour"},
		{`[1, 2]`, codeInvalidAlert, "object"},
		{`{"name": "x", "query": {}, "read_through": 3}`, codeInvalidAlert, "PUT"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			wantError(t, do(t, s, http.MethodPost, "/api/alerts", tc.body, loopback(), jsonBody()), http.StatusBadRequest, tc.code, tc.fragment)
		})
	}
	wantError(t, do(t, s, http.MethodPost, "/api/alerts", `{}`, loopback(), header("Content-Type", "text/plain")), http.StatusUnsupportedMediaType, codeUnsupportedType)
	wantError(t, do(t, s, http.MethodPut, "/api/alerts/nope", `{"name": "x", "query": {}}`, loopback(), jsonBody()), http.StatusNotFound, codeNotFound)
	for _, q := range []string{"limit=0", "limit=abc", "before=-1", "sort=x"} {
		wantError(t, do(t, s, http.MethodGet, "/api/alerts/"+a.ID+"/matches?"+q, "", loopback()), http.StatusBadRequest, codeInvalidParameter)
	}
}

func TestAlertRoutesNeedTheAdminKey(t *testing.T) {
	s, _, _, _ := alertServer(t, Options{AdminKey: "s3cret"})
	auth := header("Authorization", "Bearer s3cret")
	a := createAlert(t, s, `{"name": "n", "query": {"q": "nvidia"}}`, auth)
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/alerts", ""},
		{http.MethodPost, "/api/alerts", `{"name": "n", "query": {}}`},
		{http.MethodGet, "/api/alerts/" + a.ID, ""},
		{http.MethodPut, "/api/alerts/" + a.ID, `{"name": "n", "query": {}}`},
		{http.MethodDelete, "/api/alerts/" + a.ID, ""},
		{http.MethodGet, "/api/alerts/" + a.ID + "/matches", ""},
		{http.MethodGet, "/api/alerts/events", ""},
	} {
		wantError(t, do(t, s, r.method, r.path, r.body, loopback(), jsonBody()), http.StatusUnauthorized, codeUnauthorized)
		wantError(t, do(t, s, r.method, r.path, r.body, loopback(), jsonBody(), header("Authorization", "Bearer wrong")), http.StatusUnauthorized, codeUnauthorized)
	}
	// The feed needs its token, not the key.
	u, _ := url.Parse(a.FeedURL)
	if rec := do(t, s, http.MethodGet, u.RequestURI(), ""); rec.Code != http.StatusOK {
		t.Errorf("feed with its token = %d", rec.Code)
	}
	for _, bad := range []string{"/alerts/" + a.ID + ".atom", "/alerts/" + a.ID + ".atom?token=wrong", "/alerts/nope.atom?token=" + u.Query().Get("token"), "/alerts/" + a.ID + "?token=" + u.Query().Get("token")} {
		wantError(t, do(t, s, http.MethodGet, bad, ""), http.StatusNotFound, codeNotFound)
	}
}

// atomDoc is an Atom feed as a reader parses it, strictly.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"http://www.w3.org/2005/Atom id"`
	Title   string   `xml:"http://www.w3.org/2005/Atom title"`
	Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
	Author  struct {
		Name string `xml:"http://www.w3.org/2005/Atom name"`
	} `xml:"http://www.w3.org/2005/Atom author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"http://www.w3.org/2005/Atom link"`
	Entries []struct {
		ID      string `xml:"http://www.w3.org/2005/Atom id"`
		Title   string `xml:"http://www.w3.org/2005/Atom title"`
		Updated string `xml:"http://www.w3.org/2005/Atom updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

// TestAlertFeedIsValidAtom parses the feed back and checks what RFC 4287
// requires of it: ids, titles, updated dates, an author, a self link, and
// entries newest first.
func TestAlertFeedIsValidAtom(t *testing.T) {
	s, _, _, _ := alertServer(t, Options{})
	a := createAlert(t, s, `{"name": "Airbus <& co>", "query": {"q": "airbus"}}`)
	for i, title := range []string{"Airbus livre", "Airbus & Safran", "Airbus <encore>"} {
		putArticle(t, s, fmt.Sprintf("a%d", i), fmt.Sprintf(`{"title": %q, "body": "Airbus livre des avions.", "url": "https://example.org/a%d?x=1&y=2", "published": "2025-09-1%d"}`, title, i, i))
		time.Sleep(1100 * time.Millisecond * time.Duration(min(i, 1))) // distinct matched_at seconds
	}
	u, _ := url.Parse(a.FeedURL)
	rec := do(t, s, http.MethodGet, u.RequestURI(), "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var f atomDoc
	if err := xml.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, rec.Body)
	}
	rfc3339 := func(what, v string) time.Time {
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Errorf("%s %q is not an RFC 3339 date", what, v)
		}
		return tm
	}
	rfc3339("feed updated", f.Updated)
	if f.ID == "" || !strings.Contains(f.Title, "Airbus <& co>") || f.Author.Name == "" {
		t.Errorf("feed head: %+v", f)
	}
	hasSelf := false
	for _, l := range f.Links {
		hasSelf = hasSelf || l.Rel == "self" && l.Href == a.FeedURL
	}
	if !hasSelf {
		t.Errorf("no self link to %s in %+v", a.FeedURL, f.Links)
	}
	if len(f.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(f.Entries))
	}
	want := []string{"Airbus <encore>", "Airbus & Safran", "Airbus livre"}
	var prev time.Time
	ids := map[string]bool{}
	for i, e := range f.Entries {
		if e.Title != want[i] || e.ID == "" || ids[e.ID] || e.Link.Href != fmt.Sprintf("https://example.org/a%d?x=1&y=2", 2-i) {
			t.Errorf("entry %d: %+v", i, e)
		}
		ids[e.ID] = true
		up := rfc3339("entry updated", e.Updated)
		if i > 0 && up.After(prev) {
			t.Errorf("entries are not newest first: %v after %v", up, prev)
		}
		prev = up
	}
}

// TestAlertEventStream reads the Server-Sent Events of a real HTTP
// server: a match after a PUT, and the missed ones after a reconnection.
func TestAlertEventStream(t *testing.T) {
	s, _, _, _ := alertServer(t, Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Drain()
	a := createAlert(t, s, `{"name": "Siemens", "query": {"q": "siemens"}}`)
	open := func(lastID string) (*bufio.Reader, func()) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/alerts/events", nil)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("events = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
	}
	next := func(r *bufio.Reader) (id string, ev alertEventJSON) {
		t.Helper()
		var event, data string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "event: "):
				event = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && event != "":
				if event != "match" {
					t.Fatalf("event %q", event)
				}
				if err := json.Unmarshal([]byte(data), &ev); err != nil {
					t.Fatalf("data %q: %v", data, err)
				}
				return id, ev
			}
		}
	}
	r, stop := open("")
	putArticle(t, s, "s1", `{"title": "Siemens en Allemagne", "body": "Siemens investit."}`)
	id, ev := next(r)
	if ev.Alert.ID != a.ID || ev.Alert.Name != "Siemens" || ev.Match.ID != "s1" || ev.Unread != 1 || id != fmt.Sprint(ev.Match.Seq) {
		t.Errorf("event %s %+v", id, ev)
	}
	stop()
	putArticle(t, s, "s2", `{"title": "Siemens encore", "body": "Siemens."}`)
	r, stop = open(id)
	defer stop()
	if _, ev := next(r); ev.Match.ID != "s2" || ev.Unread != 2 {
		t.Errorf("after reconnecting: %+v, want the missed s2", ev)
	}
}
