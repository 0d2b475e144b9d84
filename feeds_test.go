package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryFollowsFeeds runs the binary with a sources file naming a
// feed on loopback: without --allow-private-targets the source fails with
// a clear error; with it, the item's page becomes a searchable article
// whose status shows in /api/sources and /metrics, and an .html file in
// the watched folder is indexed by the same extractor.
func TestBinaryFollowsFeeds(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>Le Fil</title><item><title>Airbus recrute à Toulouse</title><link>http://%s/article?utm_source=rss</link><description>Résumé.</description></item></channel></rss>`, r.Host)
		case "/article":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html lang="fr"><head><title>Airbus recrute à Toulouse</title></head><body><nav>Accueil</nav><article><p>`+
				strings.Repeat("L'avionneur Airbus va recruter trois mille ingénieurs à Toulouse cette année, a annoncé la direction. ", 8)+`</p></article></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	sources := filepath.Join(t.TempDir(), "feeds.txt")
	if err := os.WriteFile(sources, []byte("# test feed\n"+site.URL+"/rss Le Fil de test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	listSources := func(s *service) []map[string]any {
		t.Helper()
		code, body := s.do("GET", "/api/sources", "", "")
		var out struct{ Sources []map[string]any }
		if code != http.StatusOK || json.Unmarshal(body, &out) != nil {
			t.Fatalf("GET /api/sources: %d %s", code, body)
		}
		return out.Sources
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Private targets refused by default.
	data := t.TempDir()
	s := startService(t, "--data", data, "--sources", sources)
	waitFor("the refused poll", func() bool {
		src := listSources(s)
		return len(src) == 1 && src[0]["last_error"] != nil
	})
	if e, _ := listSources(s)[0]["last_error"].(string); !strings.Contains(e, "allow-private-targets") {
		t.Errorf("last_error %q does not say how to allow the address", e)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// Allowed: the item's page is an article; its status and metrics show.
	corpusDir := t.TempDir()
	page := `<html lang="fr"><head><meta property="og:title" content="Thales ouvre une usine"><meta property="og:site_name" content="Le Site"></head><body><article><p>` +
		strings.Repeat("Le groupe Thales ouvre une usine de radars à Brest, qui emploiera quatre cents personnes dès l'an prochain. ", 8) + `</p></article></body></html>`
	if err := os.WriteFile(filepath.Join(corpusDir, "thales.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	s = startService(t, "--data", data, "--sources", sources, "--allow-private-targets", "--corpus", corpusDir)
	waitFor("the article of the feed item", func() bool { return len(s.search(url.Values{"q": {"airbus"}}).Hits) == 1 })
	// The poll records its status once its articles are stored: wait for
	// the record of this successful poll.
	waitFor("the status of the successful poll", func() bool { return listSources(s)[0]["last_success"] != nil })
	src := listSources(s)[0]
	if src["name"] != "Le Fil de test" || src["last_error"] != nil || src["items_new"] != float64(1) || src["from_file"] != true {
		t.Errorf("source status %v", src)
	}
	hit := s.search(url.Values{"q": {"airbus"}}).Hits[0]
	code, body := s.do("GET", "/api/articles/"+hit.ID, "", "")
	if code != http.StatusOK || !strings.Contains(string(body), site.URL+"/article") || strings.Contains(string(body), "utm_source") || strings.Contains(string(body), "Accueil") {
		t.Errorf("article %d %s", code, body)
	}
	_, metrics := s.do("GET", "/metrics", "", "")
	if !strings.Contains(string(metrics), `veille_feed_items_new_total{source="`) || !strings.Contains(string(metrics), "veille_feed_sources 1") {
		t.Errorf("/metrics lacks the feed metrics")
	}
	if r := s.search(url.Values{"q": {"thales"}}); len(r.Hits) != 1 || r.Hits[0].ID != "thales" {
		t.Errorf("the watched folder's .html file: hits %v", hitIDs(r))
	}
	// DELETE of a source listed in the file is refused.
	if code, body := s.do("DELETE", "/api/sources/"+src["id"].(string), "", ""); code != http.StatusConflict {
		t.Errorf("DELETE of a file source: %d %s", code, body)
	}
}
