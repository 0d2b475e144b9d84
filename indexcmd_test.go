package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"veille/corpus/folder"
	"veille/index"
)

// TestIndexAndWatchedFolderAgree indexes one tree with veille index and
// as a watched folder: both take the same files (hidden and temporary
// names skipped, symbolic links not followed, HTML pages read) and give
// the same articles.
func TestIndexAndWatchedFolderAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the extractor")
	}
	dir, outside := t.TempDir(), t.TempDir()
	write := func(root, name, content string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := "Un titre d'article\n\nAirbus annonce de nouvelles commandes pour son avion A320, a indiqué le groupe."
	write(dir, "a.txt", text)
	write(dir, "sub/b.md", text)
	write(dir, "page.html", `<html><head><title>Une page</title></head><body><article><p>`+strings.Repeat("Renault ouvre une usine de batteries à Douai. ", 12)+`</p></article></body></html>`)
	for _, hidden := range []string{".hidden.txt", ".git/c.txt", "d.txt~", "#e.txt#", "f.txt.tmp", "g.txt.part", "h.bak", "sub/.i.md"} {
		write(dir, hidden, text)
	}
	write(outside, "out.txt", text)
	for link, target := range map[string]string{"in-link.txt": "a.txt", "out-link.txt": filepath.Join(outside, "out.txt"), "dir-link": outside} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("no symbolic links: %v", err)
		}
	}

	dataIndex, dataFolder := t.TempDir(), t.TempDir()
	cfg := defaultConfig()
	cfg.Command, cfg.Data, cfg.Paths = "index", dataIndex, []string{dir}
	if err := indexPaths(context.Background(), cfg, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg.Data = dataFolder
	idx, _, err := openIndex(context.Background(), cfg, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := folder.New(os.DirFS(dir), idx, slog.New(slog.DiscardHandler)).Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	idx.Close()
	ids := func(data string) []string {
		t.Helper()
		cfg.Data = data
		x, _, err := openIndex(context.Background(), cfg, index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		res, err := x.Search(context.Background(), index.Query{PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.Article.ID)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"a", "b", "page"}
	if got := ids(dataIndex); !slices.Equal(got, want) {
		t.Errorf("veille index took %v, want %v", got, want)
	}
	if got := ids(dataFolder); !slices.Equal(got, want) {
		t.Errorf("the watched folder took %v, want %v", got, want)
	}
}
