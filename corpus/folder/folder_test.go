package folder

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"veille/corpus"
	"veille/index"
)

// lockedBuffer collects log output from concurrent goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeStore is a Store in memory.
type fakeStore struct {
	mu       sync.Mutex
	articles map[string]index.Item
}

func (s *fakeStore) PutAll(_ context.Context, seq iter.Seq2[index.Item, error], report func(int, index.PutResult)) (index.PutStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var stats index.PutStats
	pos := 0
	for it, err := range seq {
		var r index.PutResult
		switch {
		case err != nil:
			r.Err = err
		case it.Article.Validate() != nil:
			r.Err = fmt.Errorf("%w: %w", index.ErrInvalidArticle, it.Article.Validate())
		default:
			_, existed := s.articles[it.Article.ID]
			s.articles[it.Article.ID] = it
			r = index.PutResult{Created: !existed, Article: it.Article}
		}
		report(pos, r)
		pos++
	}
	return stats, nil
}

func (s *fakeStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.articles[id]; !ok {
		return index.ErrNotFound
	}
	delete(s.articles, id)
	return nil
}

func (s *fakeStore) Origins(context.Context) (map[string]index.Origin, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]index.Origin{}
	for id, it := range s.articles {
		if it.Origin.Path != "" {
			out[id] = it.Origin
		}
	}
	return out, nil
}

func (s *fakeStore) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.articles {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TestFolderRefusesLinksOutAndHugeFiles checks that the corpus folder
// never reads outside itself through a symbolic link (to a file or to a
// folder, at the top or in a subfolder, at start-up or when the watcher
// reports it) and that files over the limits, gzip bombs included, are
// refused with a log line naming them, while the other files are indexed.
func TestFolderRefusesLinksOutAndHugeFiles(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	write := func(root, name, content string) string {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Skipf("symbolic links not available: %v", err)
		}
	}
	secret := write(outside, "secret.txt", "Document confidentiel\n\nLe mot de passe du serveur est hunter2, ne le publiez pas.")
	write(outside, "more/secret2.json", `{"title":"Fuite","body":"Un autre document hors du dossier."}`)
	write(dir, "good.txt", "Un article normal\n\nAirbus annonce de nouvelles commandes pour son A320.")
	write(dir, "sub/inner.json", `{"title":"Article du sous-dossier","body":"Renault présente sa nouvelle voiture."}`)
	link(secret, "leak.txt")                                  // file out of the folder
	link(filepath.Join(outside, "more"), "outdir")            // folder out of the folder
	link(secret, "sub/leak2.txt")                             // file out, from a subfolder
	link(filepath.Join(dir, "good.txt"), "alias.txt")         // file inside: not followed either
	link(filepath.Join(outside, "secret.txt"), "dangling.md") // removed below: dangling
	link("../../../../../../../../etc/hostname", "rel.txt")   // relative, out

	// A file over corpus.MaxFileSize (sparse: no disk used) and an NDJSON
	// file over its own limit.
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, []byte(`{"title":"énorme","body":"`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, corpus.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	hugeND := filepath.Join(dir, "huge.ndjson")
	if err := os.WriteFile(hugeND, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(hugeND, corpus.MaxNDJSONSize+1); err != nil {
		t.Fatal(err)
	}
	// A gzip bomb: 40 KB compressed, over MaxFileSize once inflated.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	_, _ = zw.Write([]byte("Titre de la bombe\n\n"))
	_, _ = zw.Write(make([]byte, corpus.MaxFileSize+1024))
	_ = zw.Close()
	write(dir, "bomb.txt.gz", bomb.String())

	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, fsys := range []struct {
		name string
		fsys fs.FS
	}{{"os.DirFS", os.DirFS(dir)}, {"os.Root", root.FS()}} {
		t.Run(fsys.name, func(t *testing.T) {
			var logs lockedBuffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			store := &fakeStore{articles: map[string]index.Item{}}
			f := New(fsys.fsys, store, logger)
			n, _, err := f.Sync(context.Background())
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if got, want := store.ids(), []string{"good", "inner"}; !slices.Equal(got, want) {
				t.Errorf("indexed %v (%d), want %v", got, n, want)
			}

			// The watcher may report any path; the folder still refuses links.
			for _, p := range []string{"leak.txt", "sub/leak2.txt", "alias.txt", "rel.txt", "outdir/secret2.json", "dangling.md", "huge.json", "huge.ndjson", "bomb.txt.gz"} {
				if err := f.Changed(context.Background(), p); err != nil {
					t.Errorf("Changed(%s): %v", p, err)
				}
			}
			if got, want := store.ids(), []string{"good", "inner"}; !slices.Equal(got, want) {
				t.Errorf("after the watcher's reports: indexed %v, want %v", got, want)
			}
			for _, it := range store.articles {
				if strings.Contains(it.Article.Body, "hunter2") || strings.Contains(it.Article.Title, "Fuite") {
					t.Errorf("read a file outside the folder: %+v", it.Article)
				}
			}
			out := logs.String()
			for _, want := range []string{"leak.txt", "leak2.txt", "huge.json", "huge.ndjson", "bomb.txt.gz"} {
				if !strings.Contains(out, want) {
					t.Errorf("no log line names %s:\n%s", want, out)
				}
			}
			for _, want := range []string{"file too large", "symlinks are not followed"} {
				if !strings.Contains(out, want) {
					t.Errorf("no log line says %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestFolderSubfolderBecomesLink indexes a subfolder, then replaces it
// with a symbolic link to another folder holding the same file names:
// when the watcher reports its files, their articles are removed (the
// folder never follows links), rather than staying indexed.
func TestFolderSubfolderBecomesLink(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	for _, root := range []string{filepath.Join(dir, "sub"), elsewhere} {
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("Un article\n\nAirbus livre des avions depuis "+root), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, fsys := range []struct {
		name string
		fsys fs.FS
	}{{"os.DirFS", os.DirFS(dir)}, {"os.Root", root.FS()}} {
		t.Run(fsys.name, func(t *testing.T) {
			if err := os.RemoveAll(filepath.Join(dir, "sub")); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "sub", "a.txt"), []byte("Un article\n\nAirbus livre des avions."), 0o644); err != nil {
				t.Fatal(err)
			}
			store := &fakeStore{articles: map[string]index.Item{}}
			var logs lockedBuffer
			f := New(fsys.fsys, store, slog.New(slog.NewTextHandler(&logs, nil)))
			if _, _, err := f.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := store.ids(); !slices.Equal(got, []string{"a"}) {
				t.Fatalf("indexed %v, want [a]", got)
			}
			if err := os.RemoveAll(filepath.Join(dir, "sub")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(elsewhere, filepath.Join(dir, "sub")); err != nil {
				t.Skipf("no symbolic links: %v", err)
			}
			if err := f.Changed(context.Background(), "sub/a.txt"); err != nil {
				t.Fatal(err)
			}
			if got := store.ids(); len(got) != 0 {
				t.Errorf("after sub became a link: indexed %v, want nothing", got)
			}
			if !strings.Contains(logs.String(), "symlinks are not followed") {
				t.Errorf("no log line says why:\n%s", logs.String())
			}
		})
	}
}
