package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"veille/api"
	"veille/feeds"
	"veille/index"
)

// TestSourcesPanelInBrowser follows two feeds, one that answers and one
// that fails, polls both and checks that the page lists them with their
// state: the new article counted, the failing one's reason shown.
func TestSourcesPanelInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromiumPath(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>Le Fil</title><item><title>Un article</title><link>http://%s/a</link><description>Résumé du flux, assez long pour faire un article.</description></item></channel></rss>`, r.Host)
		default:
			http.Error(w, "gone", http.StatusGone)
		}
	}))
	t.Cleanup(site.Close)
	var poller *feeds.Poller
	ts, _ := seededServer(t, func(o *api.Options, idx *index.Index) {
		p, err := feeds.Open(feeds.Options{Dir: t.TempDir(), Fetcher: feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), Sink: idx})
		if err != nil {
			t.Fatal(err)
		}
		poller, o.Sources = p, p
	})
	for _, path := range []string{"/rss", "/broken"} {
		src, err := feeds.NewSource(site.URL+path, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := poller.Add(src); err != nil {
			t.Fatal(err)
		}
		poller.Poll(context.Background(), src.ID)
	}
	b := newBrowser(t, ts.URL)
	b.open("/")
	b.waitFor("the sources panel", `!document.getElementById('sources').hidden && document.querySelectorAll('#sources-list li').length === 2`)
	text, _ := b.eval(`document.getElementById('sources').innerText`).(string)
	for _, want := range []string{"Sources suivies", "Le Fil", "1 nouvel article", "en erreur", "410"} {
		if !strings.Contains(text, want) {
			t.Errorf("the sources panel does not say %q:\n%s", want, text)
		}
	}
	if n, _ := b.eval(`document.querySelectorAll('#sources-list li.source-error').length`).(float64); n != 1 {
		t.Errorf("%v sources shown in error, want 1", n)
	}
	b.checkNoProblems()
}
