package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"veille/corpus"
)

// synthetic returns n small French articles with ids prefix-0..n-1.
func synthetic(prefix string, n int) []corpus.Article {
	words := []string{"Nvidia", "Microsoft", "Airbus", "Siemens", "énergie", "marché", "France", "Chine", "banque", "usine"}
	arts := make([]corpus.Article, n)
	for i := range arts {
		arts[i] = corpus.Article{
			ID:        fmt.Sprintf("%s-%d", prefix, i),
			Title:     fmt.Sprintf("Dépêche %d sur %s", i, words[i%len(words)]),
			Body:      fmt.Sprintf("%s annonce %d millions d'euros pour le %s et la %s.", words[i%len(words)], 1+i%900, words[(i+3)%len(words)], words[(i+7)%len(words)]),
			Published: day("2024-01-01").AddDate(0, 0, i%400),
		}
	}
	return arts
}

// countingEnricher counts its calls and tags articles, to tell a rebuilt
// article from an old one.
type countingEnricher struct {
	fakeEnricher
	calls atomic.Int64
	tag   atomic.Value // string: a company added to every article
}

func (e *countingEnricher) Enrich(ctx context.Context, a *corpus.Article) error {
	e.calls.Add(1)
	_ = e.fakeEnricher.Enrich(ctx, a)
	if tag, _ := e.tag.Load().(string); tag != "" {
		a.Companies = append(a.Companies, tag)
	}
	return nil
}

func TestRebuild(t *testing.T) {
	ctx := context.Background()
	en := &countingEnricher{}
	x, dir := openTest(t, Options{Enricher: en})
	arts := sample(t)
	put(t, x, arts...)
	// A given language is kept; a detected one is detected again.
	if _, _, err := x.Put(ctx, corpus.Article{ID: "given", Title: "texte", Language: "it"}, Origin{Path: "given.txt", Stamp: "7"}); err != nil {
		t.Fatal(err)
	}
	before := mustSearch(t, x, Query{PerPage: 100})

	en.tag.Store("Rebuilt")
	en.calls.Store(0)
	if err := x.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if n := en.calls.Load(); n != int64(len(arts)+1) {
		t.Errorf("enricher ran %d times, want %d", n, len(arts)+1)
	}
	after := mustSearch(t, x, Query{PerPage: 100})
	if !slices.Equal(hitIDs(after), hitIDs(before)) {
		t.Errorf("rebuild changed the articles:\n%v\n%v", hitIDs(before), hitIDs(after))
	}
	if got := facetMap(after.Facets.Company)["Rebuilt"]; got != len(arts)+1 {
		t.Errorf("re-extracted articles: %d, want %d", got, len(arts)+1)
	}
	st, err := x.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Generation != 2 || st.Reindexing || st.Languages["it"] != 1 {
		t.Errorf("Stats after rebuild = %+v", st)
	}
	origins, err := x.Origins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if origins["given"] != (Origin{Path: "given.txt", Stamp: "7"}) {
		t.Errorf("origin lost by the rebuild: %v", origins)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n, ok := parseGenName(e.Name()); ok && n != 2 {
			t.Errorf("old generation %s not removed", e.Name())
		}
	}
	// The new generation is the one reopened, with the last ingest time.
	lastIngest := st.LastIngest
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	res := mustSearch(t, y, Query{Companies: []string{"Rebuilt"}})
	if res.Total != uint64(len(arts)+1) {
		t.Errorf("after reopen: %d rebuilt articles", res.Total)
	}
	if cur, _ := readCurrent(filepath.Clean(dir)); cur != 2 {
		t.Errorf("CURRENT = %d", cur)
	}
	if st, _ := y.Stats(ctx); !st.LastIngest.Equal(lastIngest) || lastIngest.IsZero() {
		t.Errorf("last ingest after rebuild and reopen: %v, want %v", st.LastIngest, lastIngest)
	}
}

// TestRebuildWhileWriting rebuilds while other goroutines write and
// search: no write is lost, no search fails, and the count never drops.
func TestRebuildWhileWriting(t *testing.T) {
	ctx := context.Background()
	x, _ := openTest(t, Options{})
	base := synthetic("base", 1500)
	put(t, x, base...)
	// Deleted during the rebuild: must stay deleted.
	doomed := []string{"base-1", "base-500", "base-1499"}
	// Replaced during the rebuild: the new version must win.
	replaced := "base-42"

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	var errs sync.Map
	report := func(what string, err error) { errs.Store(what+": "+err.Error(), true) }

	wg.Add(1)
	go func() { // writer
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			a := corpus.Article{ID: fmt.Sprintf("live-%d", i), Title: "écrit pendant la reconstruction", Published: day("2025-01-01")}
			if _, _, err := x.Put(ctx, a, Origin{}); err != nil {
				report("put", err)
				return
			}
			written.Add(1)
			if i == 3 {
				for _, id := range doomed {
					if err := x.Delete(ctx, id); err != nil {
						report("delete", err)
					}
				}
				if _, _, err := x.Put(ctx, corpus.Article{ID: replaced, Title: "version remplacée"}, Origin{}); err != nil {
					report("replace", err)
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for range 2 {
		wg.Add(1)
		go func() { // searchers: the match-all count never drops below base - deleted
			defer wg.Done()
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := x.Search(ctx, Query{Text: "reconstruction dépêche", Mode: "any"})
				if err != nil {
					report("search", err)
					return
				}
				all, err := x.Search(ctx, Query{})
				if err != nil {
					report("search all", err)
					return
				}
				if all.Total < uint64(len(base)-len(doomed)) || all.Total+uint64(len(doomed)) < last {
					report("count", fmt.Errorf("total %d after %d", all.Total, last))
				}
				last = all.Total
				_ = res
			}
		}()
	}

	time.Sleep(20 * time.Millisecond)
	if err := x.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := x.Rebuild(ctx); err != nil { // a second one, still under load
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	errs.Range(func(k, _ any) bool {
		t.Error(k)
		return true
	})

	res := mustSearch(t, x, Query{PerPage: 1})
	if want := uint64(len(base)-len(doomed)) + uint64(written.Load()); res.Total != want {
		t.Errorf("after rebuild: %d articles, want %d", res.Total, want)
	}
	for _, id := range doomed {
		if _, err := x.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s deleted during the rebuild is back: %v", id, err)
		}
	}
	if a, err := x.Get(ctx, replaced); err != nil || a.Title != "version remplacée" {
		t.Errorf("%s replaced during the rebuild: %q, %v", replaced, a.Title, err)
	}
	for i := range written.Load() {
		if _, err := x.Get(ctx, fmt.Sprintf("live-%d", i)); err != nil {
			t.Errorf("write live-%d lost: %v", i, err)
		}
	}
	if st, _ := x.Stats(ctx); st.Generation != 3 {
		t.Errorf("generation %d, want 3", st.Generation)
	}
}

func TestRebuildOneAtATime(t *testing.T) {
	x, _ := openTest(t, Options{})
	put(t, x, synthetic("s", 2000)...)
	done := make(chan error, 1)
	if err := x.RebuildAsync(func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if st, _ := x.Stats(context.Background()); !st.Reindexing {
		t.Errorf("Stats.Reindexing false during a rebuild")
	}
	if err := x.Rebuild(context.Background()); !errors.Is(err, ErrRebuilding) {
		t.Errorf("second Rebuild: %v, want ErrRebuilding", err)
	}
	if err := x.RebuildAsync(nil); !errors.Is(err, ErrRebuilding) {
		t.Errorf("second RebuildAsync: %v, want ErrRebuilding", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st, _ := x.Stats(context.Background()); st.Reindexing || st.Articles != 2000 {
		t.Errorf("after rebuild: %+v", st)
	}
}

func TestRebuildCancelledKeepsOldGeneration(t *testing.T) {
	x, dir := openTest(t, Options{})
	put(t, x, synthetic("s", 3000)...)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(30 * time.Millisecond)
		cancel()
	}()
	err := x.Rebuild(ctx)
	if err == nil {
		t.Skip("the rebuild finished before the cancellation")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Rebuild: %v, want context.Canceled", err)
	}
	st, _ := x.Stats(context.Background())
	if st.Generation != 1 || st.Articles != 3000 || st.Reindexing {
		t.Errorf("after a cancelled rebuild: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(dir, genName(2))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("abandoned generation left behind: %v", err)
	}
}

func TestCloseDuringRebuild(t *testing.T) {
	x, dir := openTest(t, Options{})
	put(t, x, synthetic("s", 3000)...)
	done := make(chan error, 1)
	if err := x.RebuildAsync(func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	<-done
	y, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if res := mustSearch(t, y, Query{}); res.Total != 3000 {
		t.Errorf("after close during rebuild: %d articles", res.Total)
	}
}
