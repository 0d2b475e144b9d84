// Package corpustest reads the shared data the tests and tools of veille
// use (../shared/data beside the module root: OrangeSum, English and
// German news, language sentences; see its README). Tests that need it
// skip when it is absent.
package corpustest

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Doc is one line of the shared JSONL news files.
type Doc struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	Category string `json:"category"`
	URL      string `json:"url"`
	Date     string `json:"date"`
	Lang     string `json:"lang"`
}

// ErrNoData is returned by [Dir] when no shared data folder is found.
var ErrNoData = errors.New("corpustest: no shared data folder (../shared/data beside the module root)")

// Dir returns the shared data folder: ../shared/data beside the root of
// the module holding the working directory (the first parent with a
// go.mod), or the folder named by VEILLE_SHARED_DATA when set.
func Dir() (string, error) {
	if d := os.Getenv("VEILLE_SHARED_DATA"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, "..", "shared", "data")
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return p, nil
			}
			return "", ErrNoData
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", ErrNoData
		}
		d = parent
	}
}

// DataPath returns the path of the shared data file name, skipping tb
// when it is absent.
func DataPath(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Skipf("shared data %s absent: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data %s absent: %v", name, err)
	}
	return p
}

// ReadJSONL reads up to n documents (all when n <= 0) of a shared gzipped
// JSONL file, skipping tb when it is absent.
func ReadJSONL(tb testing.TB, name string, n int) []Doc {
	tb.Helper()
	var docs []Doc
	err := EachDoc(DataPath(tb, name), func(d Doc) bool {
		docs = append(docs, d)
		return n <= 0 || len(docs) < n
	})
	if err != nil {
		tb.Fatal(err)
	}
	return docs
}

// EachDoc calls fn with each document of the gzipped JSONL file at path,
// in order, until fn returns false.
func EachDoc(path string, fn func(Doc) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if filepath.Ext(path) == ".gz" {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<26)
	line := 0
	for sc.Scan() {
		line++
		var d Doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if !fn(d) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Sentence is one line of langid-sentences.tsv.gz.
type Sentence struct{ Lang, Text string }

// Sentences reads lingua's 7,000 test sentences (1,000 in each of fr, en,
// de, es, it, pt, nl), skipping tb when they are absent.
func Sentences(tb testing.TB) []Sentence {
	tb.Helper()
	f, err := os.Open(DataPath(tb, "langid-sentences.tsv.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(gz)
	var out []Sentence
	for sc.Scan() {
		lang, text, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			tb.Fatalf("langid line without tab: %q", sc.Text())
		}
		out = append(out, Sentence{lang, text})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
