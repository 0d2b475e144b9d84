package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var tagRE = regexp.MustCompile(`rev(\d{4})`)

// TestConcurrentWritesAndSearchesOverHTTP has writers PUT alternating
// versions of the same articles through the real router and index while
// readers search and get them: a hit's title and highlighted body always
// carry the same version, an article never goes missing while it is
// replaced, a GET never goes back before an acknowledged version, and in
// the end every article is at its last acknowledged version. Run it with
// -race.
func TestConcurrentWritesAndSearchesOverHTTP(t *testing.T) {
	s, _ := realServer(t, Options{})
	const (
		writers   = 2
		perWriter = 5
		readers   = 3
	)
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	n := writers * perWriter
	body := func(id string, v int) string {
		tag := fmt.Sprintf("rev%04d", v)
		return fmt.Sprintf(`{"title": "Bulletin %s de la rédaction", "body": "Contenu du bulletin %s, entièrement réécrit pour la version %s."}`, tag, tag, tag)
	}
	ids := make([]string, n)
	acked := make([]atomic.Int64, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("bulletin-%02d", i)
		if rec := do(t, s, http.MethodPut, "/api/articles/"+ids[i], body(ids[i], 0), loopback(), jsonBody()); rec.Code != http.StatusCreated {
			t.Fatalf("PUT %s: %d %s", ids[i], rec.Code, rec.Body)
		}
	}

	var failed atomic.Bool
	fail := func(format string, args ...any) {
		failed.Store(true)
		t.Errorf(format, args...)
	}
	var wwg, rwg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for v := 1; v <= rounds && !failed.Load(); v++ {
				for j := range perWriter {
					k := w*perWriter + j
					rec := do(t, s, http.MethodPut, "/api/articles/"+ids[k], body(ids[k], v), loopback(), jsonBody())
					if rec.Code != http.StatusOK {
						fail("PUT %s v%d: %d %s", ids[k], v, rec.Code, rec.Body)
						return
					}
					acked[k].Store(int64(v))
				}
			}
		}()
	}
	var searches atomic.Int64
	for r := range readers {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for i := 0; !failed.Load(); i++ {
				select {
				case <-stop:
					return
				default:
				}
				rec := do(t, s, http.MethodGet, "/api/search?q=bulletin&per_page=100", "")
				if rec.Code != http.StatusOK {
					fail("search: %d %s", rec.Code, rec.Body)
					return
				}
				var res searchJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
					fail("search: %v", err)
					return
				}
				searches.Add(1)
				if res.Total != uint64(n) {
					fail("search: total %d, want %d: an article went missing while replaced", res.Total, n)
				}
				for _, h := range res.Hits {
					title := tagRE.FindAllStringSubmatch(h.Title, -1)
					if len(title) != 1 {
						fail("hit %s: title %q", h.ID, h.Title)
						continue
					}
					for _, f := range h.Highlights["body"] {
						plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(f)
						for _, m := range tagRE.FindAllStringSubmatch(plain, -1) {
							if m[1] != title[0][1] {
								fail("torn hit %s: title rev%s, body highlight %q", h.ID, title[0][1], f)
							}
						}
					}
				}
				k := (i + r) % n
				min := acked[k].Load()
				rec = do(t, s, http.MethodGet, "/api/articles/"+ids[k], "")
				var a articleJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &a); rec.Code != http.StatusOK || err != nil {
					fail("GET %s: %d %s", ids[k], rec.Code, rec.Body)
					return
				}
				var v int
				if m := tagRE.FindStringSubmatch(a.Title); m != nil {
					fmt.Sscanf(m[1], "%d", &v)
				}
				if int64(v) < min || !strings.Contains(a.Body, fmt.Sprintf("rev%04d", v)) {
					fail("GET %s: title %q, body %q; rev%04d was acknowledged before", ids[k], a.Title, a.Body, min)
				}
			}
		}()
	}
	wwg.Wait()
	close(stop)
	rwg.Wait()
	t.Logf("%d PUTs and %d searches ran concurrently", n*rounds, searches.Load())
	for k, id := range ids {
		var a articleJSON
		decode(t, do(t, s, http.MethodGet, "/api/articles/"+id, ""), &a)
		if want := fmt.Sprintf("rev%04d", acked[k].Load()); !strings.Contains(a.Title, want) || !strings.Contains(a.Body, want) {
			t.Errorf("%s ends as %q / %q, want the last acknowledged %s", id, a.Title, a.Body, want)
		}
	}
}
