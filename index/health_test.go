package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"veille/corpus"
)

// healthLog records what Options.OnHealth is told.
type healthLog struct {
	mu     sync.Mutex
	events []error
}

func (h *healthLog) record(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, err)
}

func (h *healthLog) last() (error, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return nil, 0
	}
	return h.events[len(h.events)-1], len(h.events)
}

// within runs f and fails the test if it does not return within limit:
// nothing may hang on a vanished data folder.
func within(t *testing.T, limit time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not return within %s", what, limit)
	}
}

// waitHealth waits until x.Health() satisfies ok.
func waitHealth(t *testing.T, x *Index, what string, ok func(error) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok(x.Health()) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: Health() = %v after 10 s", what, x.Health())
}

func article(id, text string) corpus.Article {
	return corpus.Article{ID: id, Title: "Dépêche " + id, Body: text}
}

// TestDataFolderVanishes deletes the data folder under an open index:
// every call returns (no panic, no hang), writes and then reads fail with
// ErrUnavailable, Health and OnHealth say so naming the folder, and when a
// copy of the folder is put back the index serves and takes writes again.
func TestDataFolderVanishes(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "data")
	var health healthLog
	x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}, OnHealth: health.record})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx := context.Background()
	put(t, x, article("a1", "Airbus livre des avions."), article("a2", "Airbus recrute."))
	backup := filepath.Join(parent, "backup")
	if out, err := exec.Command("cp", "-a", dir, backup).CombinedOutput(); err != nil {
		t.Skipf("cp -a: %v %s", err, out)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// The first write after the deletion: refused, whatever the
	// watchdog has seen yet.
	within(t, 10*time.Second, "Put after the deletion", func() {
		if _, _, err := x.Put(ctx, article("a3", "Airbus encore."), Origin{}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Put after the deletion: %v, want ErrUnavailable", err)
		}
	})
	within(t, 10*time.Second, "calls on a vanished folder", func() {
		for range 3 { // the bug: the second write hung, then every search
			if _, _, err := x.Put(ctx, article("a4", "Airbus toujours."), Origin{}); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Put: %v, want ErrUnavailable", err)
			}
			if err := x.Delete(ctx, "a1"); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Delete: %v, want ErrUnavailable", err)
			}
			for i, r := range x.PutMany(ctx, []Item{{Article: article("a5", "Airbus")}}) {
				if !errors.Is(r.Err, ErrUnavailable) {
					t.Errorf("PutMany[%d]: %v, want ErrUnavailable", i, r.Err)
				}
			}
			if _, err := x.Get(ctx, "a1"); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Get: %v, want ErrUnavailable", err)
			}
			if _, err := x.Search(ctx, Query{Text: "airbus"}); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Search: %v, want ErrUnavailable", err)
			}
			if _, err := x.Stats(ctx); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Stats: %v, want ErrUnavailable", err)
			}
			if err := x.Rebuild(ctx); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Rebuild: %v, want ErrUnavailable", err)
			}
		}
	})
	if err := x.Health(); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Health() = %v, want ErrUnavailable naming %s", err, dir)
	}
	if err, n := health.last(); n == 0 || !errors.Is(err, ErrUnavailable) {
		t.Errorf("OnHealth last told %v (%d calls), want ErrUnavailable", err, n)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the index wrote into the vanished folder's path: %v", err)
	}

	// A copy of the folder comes back: the index serves it again.
	if err := os.Rename(backup, dir); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, x, "after the folder came back", func(err error) bool { return err == nil })
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		err, _ := health.last()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("OnHealth last told %v after the recovery, want nil", err)
			break
		}
	}
	if got := hitIDs(mustSearch(t, x, Query{Text: "airbus", Sort: "date"})); len(got) != 2 {
		t.Errorf("after the recovery, q=airbus found %v, want a1 and a2", got)
	}
	put(t, x, article("a6", "Airbus revient."))
	if err := x.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	y, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if _, err := y.Get(ctx, "a6"); err != nil {
		t.Errorf("the write made after the recovery is lost: %v", err)
	}
}

// TestDataFolderVanishesUntilClose closes an index whose folder vanished
// while a search held a snapshot: Close returns, and so does the search.
func TestDataFolderVanishesUntilClose(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "data")
	x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	put(t, x, article("b1", "Thales signe."))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, x, "after the deletion", func(err error) bool { return errors.Is(err, ErrUnavailable) })
	within(t, 10*time.Second, "Close on a vanished folder", func() {
		if err := x.Close(); err != nil {
			t.Logf("Close: %v", err)
		}
	})
	if err := x.Health(); !errors.Is(err, ErrClosed) {
		t.Errorf("Health after Close = %v, want ErrClosed", err)
	}
}

// TestDataFolderReplaced deletes the data folder of an open index and
// creates it again, and a second index opens the new folder (a second
// service started meanwhile): the first index notices that the folder
// under its lock is not the one it opened and stops writing, the second
// one keeps every write it acknowledged.
func TestDataFolderReplaced(t *testing.T) {
	for _, how := range []string{"rm+mkdir", "rename"} {
		t.Run(how, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			ctx := context.Background()
			x, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			put(t, x, article("old-1", "Safran livre."))
			switch how {
			case "rm+mkdir":
				err = os.RemoveAll(dir)
			case "rename":
				err = os.Rename(dir, filepath.Join(parent, "data.old"))
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			y, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}, LockTimeout: 5 * time.Second})
			if err != nil {
				t.Fatalf("a second index on the new folder: %v", err)
			}
			defer y.Close()
			var acked []string
			for i := range 20 {
				id := fmt.Sprintf("new-%d", i)
				if _, _, err := y.Put(ctx, article(id, "Safran recrute."), Origin{}); err != nil {
					t.Fatalf("the new index: Put %s: %v", id, err)
				}
				acked = append(acked, id)
				// The old index writes at the same time: it must refuse.
				if _, _, err := x.Put(ctx, article(fmt.Sprintf("stale-%d", i), "Safran écrit."), Origin{}); !errors.Is(err, ErrUnavailable) {
					t.Fatalf("the old index wrote into the replaced folder: Put: %v, want ErrUnavailable", err)
				}
			}
			if err := x.Health(); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no longer the folder") && !strings.Contains(err.Error(), "cannot be read") {
				t.Errorf("old index Health() = %v, want ErrUnavailable saying the folder was replaced", err)
			}
			// The old index never comes back on a folder that is not its own.
			time.Sleep(3 * warmInterval)
			if err := x.Health(); !errors.Is(err, ErrUnavailable) {
				t.Errorf("the old index took the new folder: Health() = %v", err)
			}
			if err := x.Close(); err != nil {
				t.Logf("old Close: %v", err)
			}
			if err := y.Close(); err != nil {
				t.Fatal(err)
			}
			z, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
			if err != nil {
				t.Fatalf("the new folder does not open: %v", err)
			}
			defer z.Close()
			for _, id := range acked {
				if _, err := z.Get(ctx, id); err != nil {
					t.Errorf("acknowledged %s lost: %v", id, err)
				}
			}
			for _, id := range []string{"old-1", "stale-0"} {
				if _, err := z.Get(ctx, id); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s of the old index is in the new folder: %v", id, err)
				}
			}
		})
	}
}

// buildDamaged makes a data folder of n articles, closed, and returns it
// with the path of its largest segment file.
func buildDamaged(t *testing.T, n int) (dir, segment string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	arts := make([]corpus.Article, n)
	for i := range arts {
		arts[i] = article(fmt.Sprintf("d%04d", i), fmt.Sprintf("Dassault livre %d avions.", i))
	}
	put(t, x, arts...)
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, p := range newestSegments(t, filepath.Join(dir, genName(1), "store")) {
		if info, err := os.Stat(p); err == nil && info.Size() > size {
			segment, size = p, info.Size()
		}
	}
	if segment == "" {
		t.Fatal("no segment file")
	}
	return dir, segment
}

// newestSegments returns the segment files that the newest snapshot of
// the Bleve store at path uses. A closed index may leave beside them the
// files of segments merged away, which no snapshot reads any more until
// Bleve removes them.
func newestSegments(t *testing.T, path string) []string {
	t.Helper()
	raw, err := scorch.NewScorch(scorch.Name, map[string]any{"read_only": true, "path": path}, bindex.NewAnalysisQueue(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Open(); err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	sc := raw.(*scorch.Scorch)
	epochs, err := sc.RootBoltSnapshotEpochs()
	if err != nil || len(epochs) == 0 {
		t.Fatalf("snapshots of %s: %v %v", path, epochs, err)
	}
	snap, err := sc.LoadSnapshot(epochs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var out []string
	for _, ss := range snap.Segments() {
		if p, ok := ss.Segment().(segment.PersistedSegment); ok {
			out = append(out, p.Path())
		}
	}
	return out
}

// listing returns every file under dir with its size.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Name() != lockFile {
			out = append(out, fmt.Sprintf("%s %d", p, info.Size()))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// TestOpenRefusesDamagedFolder opens data folders whose index does not
// open: with or without CURRENT, Open fails with ErrDamaged and a message
// saying what is wrong and how to recover, and changes nothing (before,
// a folder without CURRENT was silently replaced by an empty index).
func TestOpenRefusesDamagedFolder(t *testing.T) {
	corrupt := func(t *testing.T, segment string) {
		f, err := os.OpenFile(segment, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := f.Stat()
		_, _ = f.WriteAt(make([]byte, 4096), 0)
		_, _ = f.WriteAt(make([]byte, 64), info.Size()-64)
		_ = f.Close()
	}
	for _, tc := range []struct {
		name    string
		damage  func(t *testing.T, dir, segment string)
		message []string
	}{
		{"unreadable segment", func(t *testing.T, dir, segment string) { corrupt(t, segment) },
			[]string{"CURRENT names gen-000001, which does not open", "segment file cannot be read", "restore the folder from a backup"}},
		{"unreadable last segment", func(t *testing.T, dir, segment string) {
			// The newest snapshot does not load but an older one does:
			// Bleve opens that one, without an error.
			x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
			if err != nil {
				t.Fatal(err)
			}
			before := listing(t, dir)
			put(t, x, article("last", "Le dernier article."))
			_ = x.Close()
			for _, f := range listing(t, dir) {
				if p, _, _ := strings.Cut(f, " "); strings.HasSuffix(p, ".zap") && !slices.ContainsFunc(before, func(b string) bool { return strings.HasPrefix(b, p+" ") }) {
					corrupt(t, p)
				}
			}
		}, []string{"CURRENT names gen-000001, which does not open", "segment file cannot be read"}},
		{"unreadable segment, no CURRENT", func(t *testing.T, dir, segment string) {
			corrupt(t, segment)
			if err := os.Remove(filepath.Join(dir, currentFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{"no CURRENT file", "gen-000001 does not open", "restore the folder from a backup"}},
		{"CURRENT names a missing generation", func(t *testing.T, dir, segment string) {
			if err := os.WriteFile(filepath.Join(dir, currentFile), []byte("gen-000007\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"gen-000007", "restore the folder from a backup"}},
		{"garbage CURRENT", func(t *testing.T, dir, segment string) {
			if err := os.WriteFile(filepath.Join(dir, currentFile), []byte("n'importe quoi\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"CURRENT names no generation", "restore the folder from a backup"}},
		{"two generations, no CURRENT", func(t *testing.T, dir, segment string) {
			if out, err := exec.Command("cp", "-a", filepath.Join(dir, "gen-000001"), filepath.Join(dir, "gen-000002")).CombinedOutput(); err != nil {
				t.Skipf("cp -a: %v %s", err, out)
			}
			if err := os.Remove(filepath.Join(dir, currentFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{"several generations", "gen-000001, gen-000002", "echo gen-000002 >"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, segment := buildDamaged(t, 3000)
			tc.damage(t, dir, segment)
			before := listing(t, dir)
			x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
			if err == nil {
				st, _ := x.Stats(context.Background())
				_ = x.Close()
				t.Fatalf("Open of a damaged folder succeeded, with %d articles", st.Articles)
			}
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("Open: %v, want ErrDamaged", err)
			}
			for _, want := range append(tc.message, dir) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Open: %q does not say %q", err, want)
				}
			}
			if after := listing(t, dir); !slices.Equal(before, after) {
				t.Errorf("Open changed the damaged folder:\nbefore %v\nafter  %v", before, after)
			}
		})
	}

	// What may still be replaced: an empty generation left by a crash
	// while the first one was being created.
	t.Run("empty leftover, no CURRENT", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
		if err != nil {
			t.Fatal(err)
		}
		_ = x.Close()
		if err := os.Remove(filepath.Join(dir, currentFile)); err != nil {
			t.Fatal(err)
		}
		x, err = Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
		if err != nil {
			t.Fatalf("Open of a folder with an empty generation and no CURRENT: %v", err)
		}
		put(t, x, article("e1", "Airbus"))
		_ = x.Close()
	})
	// And a lost CURRENT with one sound generation: adopted, nothing lost.
	t.Run("sound generation, no CURRENT", func(t *testing.T) {
		dir, _ := buildDamaged(t, 50)
		if err := os.Remove(filepath.Join(dir, currentFile)); err != nil {
			t.Fatal(err)
		}
		x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if st, err := x.Stats(context.Background()); err != nil || st.Articles != 50 {
			t.Errorf("adopted generation: %+v %v, want 50 articles", st, err)
		}
	})
}
