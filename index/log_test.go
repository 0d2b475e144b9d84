package index

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"veille/corpus"
)

// apply applies entries and fails the test on a batch error.
func apply(t testing.TB, x *Index, entries ...LogEntry) []LogResult {
	t.Helper()
	wait, err := x.ApplyAsync(context.Background(), entries)
	if err != nil {
		t.Fatalf("ApplyAsync: %v", err)
	}
	res, err := wait()
	if err != nil {
		t.Fatalf("ApplyAsync wait: %v", err)
	}
	return res
}

// prepared returns the log entry that puts a at seq.
func prepared(t testing.TB, x *Index, seq uint64, a corpus.Article) LogEntry {
	t.Helper()
	p, err := x.Prepare(context.Background(), a, Origin{})
	if err != nil {
		t.Fatalf("Prepare(%s): %v", a.ID, err)
	}
	return LogEntry{Seq: seq, ID: a.ID, Data: p.Data}
}

func TestApplyLog(t *testing.T) {
	x, dir := openTest(t, Options{})
	a := corpus.Article{ID: "a1", Title: "Nvidia en France", Body: "Nvidia investit 2 milliards d'euros en France."}
	b := corpus.Article{ID: "b1", Title: "Airbus", Body: "Airbus livre."}

	p, err := x.Prepare(context.Background(), a, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Article.Companies) != 1 || p.Article.Companies[0] != "Nvidia" || p.Article.Language != "fr" {
		t.Fatalf("Prepare did not enrich: %+v", p.Article)
	}
	if x.AppliedSeq() != 0 {
		t.Fatalf("AppliedSeq of a new index = %d", x.AppliedSeq())
	}

	type want struct{ created, found, skipped, err bool }
	steps := []struct {
		name    string
		entries []LogEntry
		want    []want
		applied uint64
		count   uint64
	}{
		{"two puts", []LogEntry{{Seq: 1, ID: a.ID, Data: p.Data}, prepared(t, x, 2, b)}, []want{{created: true}, {created: true}}, 2, 2},
		{"replace", []LogEntry{prepared(t, x, 3, b)}, []want{{}}, 3, 2},
		{"replayed entries are skipped", []LogEntry{prepared(t, x, 2, b), prepared(t, x, 3, b)}, []want{{skipped: true}, {skipped: true}}, 3, 2},
		{"delete", []LogEntry{{Seq: 4, ID: b.ID}}, []want{{found: true}}, 4, 1},
		{"delete of an absent id advances alone", []LogEntry{{Seq: 7, ID: "nobody"}}, []want{{}}, 7, 1},
		{"unreadable data is reported and skipped", []LogEntry{{Seq: 8, ID: "bad", Data: []byte("{")}, {Seq: 9, ID: "other", Data: p.Data}}, []want{{err: true}, {err: true}}, 9, 1},
	}
	for _, st := range steps {
		res := apply(t, x, st.entries...)
		for i, w := range st.want {
			r := res[i]
			if r.Created != w.created || r.Found != w.found || r.Skipped != w.skipped || (r.Err != nil) != w.err {
				t.Errorf("%s: entry %d: got %+v, want %+v", st.name, i, r, w)
			}
			if w.err && !errors.Is(r.Err, ErrInvalidArticle) {
				t.Errorf("%s: entry %d: error %v does not wrap ErrInvalidArticle", st.name, i, r.Err)
			}
		}
		if got := x.AppliedSeq(); got != st.applied {
			t.Errorf("%s: AppliedSeq = %d, want %d", st.name, got, st.applied)
		}
		if got := mustSearch(t, x, Query{}).Total; got != st.count {
			t.Errorf("%s: %d articles, want %d", st.name, got, st.count)
		}
	}
	got, err := x.Get(context.Background(), a.ID)
	if err != nil || got.Title != a.Title || len(got.Amounts) != 1 {
		t.Fatalf("Get after apply: %+v, %v", got, err)
	}

	// The applied sequence is durable with the batch, even the batch of
	// a delete that changed nothing.
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if got := y.AppliedSeq(); got != 9 {
		t.Fatalf("AppliedSeq after reopen = %d, want 9", got)
	}
	if res := apply(t, y, LogEntry{Seq: 9, ID: a.ID}); !res[0].Skipped {
		t.Fatalf("an applied entry was applied again after reopen: %+v", res[0])
	}

	// A rebuild carries the sequence into the new generation.
	if err := y.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	apply(t, y, prepared(t, y, 10, b))
	if err := y.Close(); err != nil {
		t.Fatal(err)
	}
	z, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if got := z.AppliedSeq(); got != 10 {
		t.Fatalf("AppliedSeq after rebuild and reopen = %d, want 10", got)
	}
	if st, _ := z.Stats(context.Background()); st.Generation != 2 || st.Articles != 2 {
		t.Fatalf("after rebuild: generation %d, %d articles; want 2, 2", st.Generation, st.Articles)
	}
}

// TestApplyLogDuringRebuild applies entries while a rebuild copies the
// index: none is lost in the swap and the sequence survives it.
func TestApplyLogDuringRebuild(t *testing.T) {
	x, _ := openTest(t, Options{})
	const n = 300
	var entries []LogEntry
	for i := 1; i <= n; i++ {
		entries = append(entries, prepared(t, x, uint64(i), corpus.Article{ID: fmt.Sprintf("d%03d", i), Title: "Titre", Body: fmt.Sprintf("Corps numéro %d.", i)}))
	}
	apply(t, x, entries[:n/2]...)
	done := make(chan error, 1)
	go func() { done <- x.Rebuild(context.Background()) }()
	for i := n / 2; i < n; i += 10 {
		apply(t, x, entries[i:i+10]...)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, x, Query{}).Total; got != n {
		t.Fatalf("%d articles after the rebuild, want %d", got, n)
	}
	if got := x.AppliedSeq(); got != n {
		t.Fatalf("AppliedSeq = %d, want %d", got, n)
	}
}

func TestApplyLogClosed(t *testing.T) {
	x, _ := openTest(t, Options{})
	_ = x.Close()
	if _, err := x.ApplyAsync(context.Background(), []LogEntry{{Seq: 1, ID: "a"}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("ApplyAsync after Close: %v, want ErrClosed", err)
	}
	if _, err := x.Prepare(context.Background(), corpus.Article{ID: "a", Title: "t"}, Origin{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Prepare after Close: %v, want ErrClosed", err)
	}
}

// Indexes opened with the same CursorKey accept each other's cursors;
// without it, each folder signs with its own key.
func TestSharedCursorKey(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 7
	var arts []corpus.Article
	for i := range 15 {
		arts = append(arts, corpus.Article{ID: fmt.Sprintf("c%02d", i), Title: "Nvidia", Body: fmt.Sprintf("Nvidia numéro %d.", i)})
	}
	x, _ := openTest(t, Options{CursorKey: key})
	y, _ := openTest(t, Options{CursorKey: key})
	z, _ := openTest(t, Options{})
	for _, ix := range []*Index{x, y, z} {
		put(t, ix, arts...)
	}
	page := mustSearch(t, x, Query{Text: "nvidia", PerPage: 5})
	if page.NextCursor == "" {
		t.Fatal("no cursor")
	}
	next := mustSearch(t, y, Query{Text: "nvidia", PerPage: 5, Cursor: page.NextCursor})
	if len(next.Hits) != 5 {
		t.Fatalf("the cursor of x on y: %d hits", len(next.Hits))
	}
	if _, err := z.Search(context.Background(), Query{Text: "nvidia", PerPage: 5, Cursor: page.NextCursor}); !errors.Is(err, ErrInvalidQuery) {
		t.Fatalf("the cursor of x on an index with its own key: %v", err)
	}
	if _, err := Open(context.Background(), t.TempDir(), Options{CursorKey: []byte("short")}); err == nil {
		t.Fatal("a 5-byte cursor key was accepted")
	}
}
