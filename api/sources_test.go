package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"veille/feeds"
)

// feedSite serves an RSS feed of one item and its page.
func feedSite(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Le Fil</title><item><title>Renault ferme Flins</title><link>%s/a/1?utm_source=rss</link><description>Résumé.</description></item></channel></rss>`, srv.URL)
	})
	mux.HandleFunc("/a/1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Renault ferme Flins</title></head><body><article><p>`+strings.Repeat("Renault ferme son usine de Flins, qui emploie deux mille salariés. ", 12)+`</p></article></body></html>`)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestSourcesAPI(t *testing.T) {
	site := feedSite(t)
	svc := newFake()
	poller, err := feeds.Open(feeds.Options{Dir: t.TempDir(), Fetcher: feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), Sink: svc})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := testServer(t, svc, Options{AdminKey: "k", Sources: poller})
	auth := header("Authorization", "Bearer k")

	// Writes need the key.
	wantError(t, do(t, s, "POST", "/api/sources", `{"url": "`+site.URL+`/rss"}`, jsonBody()), http.StatusUnauthorized, codeUnauthorized)

	rec := do(t, s, "POST", "/api/sources", `{"url": "`+site.URL+`/rss", "name": "Le Fil", "interval": "30m"}`, jsonBody(), auth)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	var created sourceJSON
	decode(t, rec, &created)
	if created.ID == "" || created.Interval != "30m" || created.Name != "Le Fil" || created.LastFetch != nil || created.NextPoll == nil {
		t.Errorf("created %+v", created)
	}
	wantError(t, do(t, s, "POST", "/api/sources", `{"url": "`+site.URL+`/rss"}`, jsonBody(), auth), http.StatusConflict, codeConflict)

	rec = do(t, s, "POST", "/api/sources/"+created.ID+"/poll", "", auth)
	if rec.Code != http.StatusOK {
		t.Fatalf("poll: %d %s", rec.Code, rec.Body)
	}
	var polled struct {
		Counts feeds.Counts `json:"counts"`
		Source sourceJSON   `json:"source"`
	}
	decode(t, rec, &polled)
	if polled.Counts.New != 1 || polled.Source.ItemsNew != 1 || polled.Source.LastSuccess == nil || polled.Source.LastError != nil {
		t.Errorf("poll answered %+v", polled)
	}
	if _, err := svc.Get(context.Background(), feeds.ArticleID(site.URL+"/a/1")); err != nil {
		t.Errorf("the item's article is not stored: %v", err)
	}

	rec = do(t, s, "GET", "/api/sources", "")
	var list struct{ Sources []map[string]any }
	decode(t, rec, &list)
	if len(list.Sources) != 1 {
		t.Fatalf("list %s", rec.Body)
	}
	for _, field := range []string{"id", "url", "name", "interval", "last_fetch", "last_success", "last_error", "items_seen", "items_new", "next_poll"} {
		if _, ok := list.Sources[0][field]; !ok {
			t.Errorf("a listed source has no %q: %s", field, rec.Body)
		}
	}

	// A feed that fails: 502 with the reason, recorded in the status.
	rec = do(t, s, "POST", "/api/sources", `{"url": "`+site.URL+`/broken"}`, jsonBody(), auth)
	var broken sourceJSON
	decode(t, rec, &broken)
	wantError(t, do(t, s, "POST", "/api/sources/"+broken.ID+"/poll", "", auth), http.StatusBadGateway, codeUpstream, "503")
	if v, _ := poller.Get(broken.ID); v.Status.Failures != 1 || !strings.Contains(v.Status.LastError, "503") {
		t.Errorf("status after a failed poll: %+v", v.Status)
	}

	tests := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/api/sources", `{"url": "ftp://x/feed"}`, http.StatusBadRequest, codeInvalidParameter},
		{"POST", "/api/sources", `{"url": "https://x.example/feed", "interval": "5s"}`, http.StatusBadRequest, codeInvalidParameter},
		{"POST", "/api/sources", `{"url": "https://x.example/feed", "interval": "often"}`, http.StatusBadRequest, codeInvalidParameter},
		{"POST", "/api/sources", `{"url": "https://x.example/feed", "color": "red"}`, http.StatusBadRequest, codeInvalidParameter},
		{"POST", "/api/sources", `[1]`, http.StatusBadRequest, codeInvalidParameter},
		{"DELETE", "/api/sources/src-nope", "", http.StatusNotFound, codeNotFound},
		{"POST", "/api/sources/src-nope/poll", "", http.StatusNotFound, codeNotFound},
	}
	for _, tt := range tests {
		wantError(t, do(t, s, tt.method, tt.path, tt.body, jsonBody(), auth), tt.status, tt.code)
	}

	if rec := do(t, s, "DELETE", "/api/sources/"+created.ID, "", auth); rec.Code != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if got := len(poller.List()); got != 1 {
		t.Errorf("%d sources after the delete, want 1", got)
	}
}

func TestSourcesWithoutPoller(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	rec := do(t, s, "GET", "/api/sources", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"sources":[]`) {
		t.Errorf("GET: %d %s", rec.Code, rec.Body)
	}
	wantError(t, do(t, s, "POST", "/api/sources", `{"url": "https://x.example/feed"}`, jsonBody(), loopback()), http.StatusNotFound, codeNotFound)
}
