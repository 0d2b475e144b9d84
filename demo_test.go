package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBinaryDemoArticles checks that the five seed articles are the demo
// of a fresh data folder only: not given to a folder holding articles,
// not back after their deletion, gone once the folder holds articles of
// its own (they would top "newest first" above them).
func TestBinaryDemoArticles(t *testing.T) {
	data := t.TempDir()
	s := startService(t, "--data", data)
	if r := s.search(url.Values{}); r.Total != 5 {
		t.Fatalf("fresh data folder: %d articles, want the 5 demo articles", r.Total)
	}
	if code, body := s.do(http.MethodDelete, "/api/articles/000_4b4fd081b06eaf2e", "", ""); code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s = startService(t, "--data", data)
	if r := s.search(url.Values{}); r.Total != 4 {
		t.Fatalf("after a restart: %d articles, want 4 (a deleted demo article does not come back)", r.Total)
	}
	article := `{"title":"Note interne","body":"Une note de l'équipe, publiée en 2019.","published":"2019-05-02"}`
	if code, body := s.do(http.MethodPut, "/api/articles/note", "application/json", article); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, body)
	}
	if r := s.search(url.Values{}); r.Total != 1 || r.Hits[0].ID != "note" {
		t.Fatalf("after the first article of its own: %v, want it alone", hitIDs(r))
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s = startService(t, "--data", data)
	if r := s.search(url.Values{}); r.Total != 1 {
		t.Fatalf("after another restart: %v", hitIDs(r))
	}
	_ = s.stop(syscall.SIGTERM)

	// A data folder filled by a watched corpus folder gets no demo
	// when served without one, and keeps its articles.
	data = t.TempDir()
	corpusDir := t.TempDir()
	writeFile(t, corpusDir, "mine.json", `{"title":"Mon article","body":"Un texte à moi."}`)
	s = startService(t, "--data", data, "--corpus", corpusDir)
	_ = s.stop(syscall.SIGTERM)
	s = startService(t, "--data", data)
	if r := s.search(url.Values{}); r.Total != 1 || r.Hits[0].ID != "mine" {
		t.Fatalf("a folder in use served without a corpus: %v", hitIDs(r))
	}
	_ = s.stop(syscall.SIGTERM)
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
