package alerts

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"veille/feeds"
	"veille/index"
)

// TestFeedArticlesAlert follows a feed whose items the poller stores
// through the index's one ingestion path: an item matching a saved search
// is a match like an article written through the API, once, and a
// rebuild of the index matches nothing again.
func TestFeedArticlesAlert(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Le Fil</title>
<item><title>Nscale ouvre un centre de données en Norvège</title><link>http://%[1]s/a</link><description>Nscale et Aker investissent un milliard de dollars dans un centre de données près de Narvik.</description></item>
<item><title>La Bourse de Paris termine en hausse</title><link>http://%[1]s/b</link><description>Le CAC 40 a gagné un pour cent à la clôture de la séance de vendredi.</description></item>
</channel></rss>`, r.Host)
	}))
	t.Cleanup(site.Close)
	e := openEnv(t, t.TempDir(), Options{})
	v := e.create("nscale", "nscale", "")
	poller, err := feeds.Open(feeds.Options{Dir: t.TempDir(), Fetcher: feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), Sink: e.x})
	if err != nil {
		t.Fatal(err)
	}
	src, err := feeds.NewSource(site.URL+"/rss", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.Add(src); err != nil {
		t.Fatal(err)
	}
	poller.Poll(context.Background(), src.ID)
	got := matchIDs(t, e.s, v.ID)
	if len(got) != 1 {
		t.Fatalf("the feed's items gave matches %v, want the Nscale item only", got)
	}
	a, _, err := e.x.Article(context.Background(), got[0], index.Query{})
	if err != nil || a.Title != "Nscale ouvre un centre de données en Norvège" {
		t.Fatalf("the match is %q (%v), want the Nscale item", a.Title, err)
	}
	poller.Poll(context.Background(), src.ID) // the same items again
	if err := e.x.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again := matchIDs(t, e.s, v.ID); !slices.Equal(again, got) {
		t.Errorf("after a second poll and a rebuild: matches %v, want %v", again, got)
	}
}
