package corpus

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// watchHarness runs a Watcher on a temporary folder and collects its
// changes.
type watchHarness struct {
	t   *testing.T
	dir string
	mu  sync.Mutex
	got []Change
}

const (
	testQuiet   = 50 * time.Millisecond
	waitTimeout = 5 * time.Second
)

func startWatch(t *testing.T, setup func(dir string)) *watchHarness {
	t.Helper()
	return startWatchAt(t, t.TempDir(), setup)
}

// startWatchAt is startWatch on the folder dir.
func startWatchAt(t *testing.T, dir string, setup func(dir string)) *watchHarness {
	t.Helper()
	h := &watchHarness{t: t, dir: dir}
	if setup != nil {
		setup(h.dir)
	}
	w, err := NewWatcher(h.dir, WatchOptions{Quiet: testQuiet, OnError: func(err error) { t.Logf("watch error: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, func(c Change) {
			h.mu.Lock()
			h.got = append(h.got, c)
			h.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

func (h *watchHarness) path(rel string) string { return filepath.Join(h.dir, filepath.FromSlash(rel)) }

func (h *watchHarness) write(rel, content string) {
	h.t.Helper()
	if err := os.MkdirAll(filepath.Dir(h.path(rel)), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(h.path(rel), []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// expect waits (at most waitTimeout) until the changes collected so far
// are exactly want, in order, then clears them.
func (h *watchHarness) expect(want ...Change) {
	h.t.Helper()
	h.expectChanges(want, false)
}

// expectUnordered is expect for changes that may be reported in separate
// quiet periods, hence in any order (a folder removed file by file).
func (h *watchHarness) expectUnordered(want ...Change) {
	h.t.Helper()
	h.expectChanges(want, true)
}

func (h *watchHarness) expectChanges(want []Change, unordered bool) {
	h.t.Helper()
	byPath := func(a, b Change) int { return strings.Compare(a.Path, b.Path) }
	if unordered {
		want = slices.Clone(want)
		slices.SortStableFunc(want, byPath)
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		h.mu.Lock()
		got := slices.Clone(h.got)
		h.mu.Unlock()
		if len(got) >= len(want) {
			if unordered {
				slices.SortStableFunc(got, byPath)
			}
			if !slices.Equal(got, want) {
				h.t.Fatalf("changes %+v, want %+v", got, want)
			}
			// Wait one more quiet period: nothing else may come.
			time.Sleep(3 * testQuiet)
			h.mu.Lock()
			extra := slices.Clone(h.got[len(want):])
			h.got = h.got[:0]
			h.mu.Unlock()
			if len(extra) > 0 {
				h.t.Fatalf("unexpected changes %+v after %+v", extra, want)
			}
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("after %v: changes %+v, want %+v", waitTimeout, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWatch(t *testing.T) {
	h := startWatch(t, func(dir string) {
		if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte("already there"), 0o644); err != nil {
			t.Fatal(err)
		}
	})

	// Added: several quick writes are reported once.
	h.write("a.json", `{"body":`)
	h.write("a.json", `{"body":"b"}`)
	h.expect(Change{Path: "a.json"})

	// Edited.
	h.write("a.json", `{"body":"changed"}`)
	h.expect(Change{Path: "a.json"})

	// Edited in place, a file present before the watch began.
	h.write("old.txt", "changed")
	h.expect(Change{Path: "old.txt"})

	// Renamed: the old path removed, the new one added.
	if err := os.Rename(h.path("a.json"), h.path("b.json")); err != nil {
		t.Fatal(err)
	}
	h.expect(Change{Path: "a.json", Removed: true}, Change{Path: "b.json"})

	// Removed.
	if err := os.Remove(h.path("b.json")); err != nil {
		t.Fatal(err)
	}
	h.expect(Change{Path: "b.json", Removed: true})

	// Editor-style save: write a temporary file, rename it over the target.
	h.write(".old.txt.swp", "swap")
	h.write("old.txt.tmp", "new content")
	if err := os.Rename(h.path("old.txt.tmp"), h.path("old.txt")); err != nil {
		t.Fatal(err)
	}
	h.expect(Change{Path: "old.txt"})

	// Ignored: hidden, temporary and unsupported files, hidden folders.
	h.write(".hidden.json", "{}")
	h.write("notes.txt~", "x")
	h.write("image.png", "x")
	h.write(".git/x.json", "{}")
	h.write("marker.md", "# marker") // reported once everything before it was not
	h.expect(Change{Path: "marker.md"})
}

func TestWatchSubfolders(t *testing.T) {
	h := startWatch(t, func(dir string) {
		if err := os.MkdirAll(filepath.Join(dir, "existing"), 0o755); err != nil {
			t.Fatal(err)
		}
	})

	// A file in a folder that existed at start.
	h.write("existing/x.ndjson", `{"body":"b"}`)
	h.expect(Change{Path: "existing/x.ndjson"})

	// A new folder tree with files, created at once.
	h.write("new/deep/y.txt", "y")
	h.expect(Change{Path: "new/deep/y.txt"})

	// A file added later in the new folder: it is watched.
	h.write("new/deep/z.md", "z")
	h.expect(Change{Path: "new/deep/z.md"})

	// A folder moved in from outside with files in it.
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(outside, "moved"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "moved", "m.json"), []byte(`{"body":"b"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(outside, "moved"), h.path("moved")); err != nil {
		t.Fatal(err)
	}
	h.expect(Change{Path: "moved/m.json"})

	// A folder renamed inside the tree: its files move.
	if err := os.Rename(h.path("new"), h.path("renamed")); err != nil {
		t.Fatal(err)
	}
	h.expect(Change{Path: "new/deep/y.txt", Removed: true}, Change{Path: "new/deep/z.md", Removed: true},
		Change{Path: "renamed/deep/y.txt"}, Change{Path: "renamed/deep/z.md"})

	// Files of the renamed folder are still watched, under the new name.
	h.write("renamed/deep/y.txt", "y2")
	h.expect(Change{Path: "renamed/deep/y.txt"})

	// A folder removed with its files.
	if err := os.RemoveAll(h.path("renamed")); err != nil {
		t.Fatal(err)
	}
	h.expect(Change{Path: "renamed/deep/y.txt", Removed: true}, Change{Path: "renamed/deep/z.md", Removed: true})
}

func TestWatchSymlinks(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startWatch(t, nil)
	h.write("inside.txt", "inside")
	h.expect(Change{Path: "inside.txt"})

	if err := os.Symlink(filepath.Join(outside, "secret.txt"), h.path("out.txt")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := os.Symlink(outside, h.path("outdir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inside.txt", h.path("in.txt")); err != nil {
		t.Fatal(err)
	}
	// Only the link to a file inside the folder is reported.
	h.expect(Change{Path: "in.txt"})

	// Files written through the link to an outside folder are not seen.
	if err := os.WriteFile(filepath.Join(outside, "other.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.write("marker.json", "{}")
	h.expect(Change{Path: "marker.json"})
}

func TestWatchErrors(t *testing.T) {
	if _, err := NewWatcher(filepath.Join(t.TempDir(), "missing"), WatchOptions{}); err == nil {
		t.Error("watching a missing folder did not fail")
	}
	file := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Watch(context.Background(), file, WatchOptions{}, func(Change) {}); err == nil {
		t.Error("watching a file did not fail")
	}
	// Watch returns once ctx is done.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Watch(ctx, t.TempDir(), WatchOptions{}, func(Change) {}); err != nil {
		t.Errorf("Watch after cancel: %v", err)
	}
}

// TestWatchFolderReplaced replaces the watched folder itself, by a rename
// swap and by rm + mkdir: the watcher reports Replaced, then the
// differences with the old folder, and goes on watching the new one
// (before, it went on watching the old inode and missed everything).
func TestWatchFolderReplaced(t *testing.T) {
	for _, how := range []string{"rename swap", "rm+mkdir"} {
		t.Run(how, func(t *testing.T) {
			parent := t.TempDir()
			h := startWatchAt(t, filepath.Join(parent, "corpus"), func(dir string) {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{"kept.txt", "gone.txt"} {
					if err := os.WriteFile(filepath.Join(dir, f), []byte("avant "+f), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			})
			switch how {
			case "rename swap":
				next := filepath.Join(parent, "corpus.new")
				if err := os.Mkdir(next, 0o755); err != nil {
					t.Fatal(err)
				}
				// kept.txt: the same name, another content; new.txt: new.
				for f, content := range map[string]string{"kept.txt": "après, plus long", "new.txt": "nouveau"} {
					if err := os.WriteFile(filepath.Join(next, f), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Rename(h.dir, filepath.Join(parent, "corpus.old")); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(next, h.dir); err != nil {
					t.Fatal(err)
				}
				h.expect(Change{Replaced: true}, Change{Path: "gone.txt", Removed: true}, Change{Path: "kept.txt"}, Change{Path: "new.txt"})
			case "rm+mkdir":
				if err := os.RemoveAll(h.dir); err != nil {
					t.Fatal(err)
				}
				// RemoveAll deletes one file after the other: each may be
				// reported in its own quiet period.
				h.expectUnordered(Change{Path: "gone.txt", Removed: true}, Change{Path: "kept.txt", Removed: true})
				if err := os.Mkdir(h.dir, 0o755); err != nil {
					t.Fatal(err)
				}
				h.expect(Change{Replaced: true})
			}
			// The new folder is watched, the old one no longer.
			h.write("later.md", "plus tard")
			h.expect(Change{Path: "later.md"})
			if how == "rename swap" {
				if err := os.WriteFile(filepath.Join(parent, "corpus.old", "stale.txt"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				h.write("marker.txt", "x")
				h.expect(Change{Path: "marker.txt"})
			}
		})
	}
}

// TestWatchSubfolderBecomesLink replaces a subfolder with a symbolic link
// to another folder holding the same file names: its files are reported
// removed (links to folders are never followed), not left as they were.
func TestWatchSubfolderBecomesLink(t *testing.T) {
	elsewhere := t.TempDir()
	if err := os.WriteFile(filepath.Join(elsewhere, "a.txt"), []byte("ailleurs"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startWatch(t, func(dir string) {
		if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "sub", "a.txt"), []byte("dedans"), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	if err := os.RemoveAll(h.path("sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, h.path("sub")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	h.expect(Change{Path: "sub/a.txt", Removed: true})
	if err := os.WriteFile(filepath.Join(elsewhere, "b.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.write("marker.txt", "x")
	h.expect(Change{Path: "marker.txt"})
}
