package index

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"veille/analyzers"
	"veille/corpus"
)

// The OrangeSum index is built once per test binary run and shared by
// the search benchmarks; TestMain removes it.
var orangeSum struct {
	once sync.Once
	dir  string
	x    *Index
	err  error
	docs int
	took time.Duration
}

func TestMain(m *testing.M) {
	code := m.Run()
	if orangeSum.x != nil {
		_ = orangeSum.x.Close()
	}
	if orangeSum.dir != "" {
		_ = os.RemoveAll(orangeSum.dir)
	}
	os.Exit(code)
}

// orangeSumArticles reads the OrangeSum corpus without its language, so
// that indexing detects it.
func orangeSumArticles(b testing.TB) []corpus.Article {
	arts := readJSONL(b, "orangesum-fr.jsonl.gz", 0)
	for i := range arts {
		arts[i].Language = ""
	}
	return arts
}

func newExtractor(b testing.TB) *analyzers.Extractor {
	ext, err := analyzers.NewExtractor(analyzers.ExtractorOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return ext
}

// indexAll indexes arts into a new index in dir with the real extractor.
func indexAll(b testing.TB, dir string, arts []corpus.Article) (*Index, time.Duration) {
	x, err := Open(context.Background(), dir, Options{Enricher: newExtractor(b)})
	if err != nil {
		b.Fatal(err)
	}
	items := make([]Item, len(arts))
	for i, a := range arts {
		items[i] = Item{Article: a}
	}
	start := time.Now()
	for _, r := range x.PutMany(context.Background(), items) {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	return x, time.Since(start)
}

// sharedOrangeSum returns the shared OrangeSum index.
func sharedOrangeSum(b *testing.B) *Index {
	arts := orangeSumArticles(b) // skips when absent
	orangeSum.once.Do(func() {
		// VEILLE_BENCH_INDEX names a folder to keep the index in between
		// runs (built when empty), for profiling sessions.
		if dir := os.Getenv("VEILLE_BENCH_INDEX"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, currentFile)); err == nil {
				orangeSum.x, orangeSum.err = Open(context.Background(), dir, Options{Enricher: newExtractor(b)})
				return
			}
			orangeSum.x, orangeSum.took = indexAll(b, dir, arts)
			b.Logf("indexed %d articles in %s", len(arts), orangeSum.took)
			return
		}
		orangeSum.dir, orangeSum.err = os.MkdirTemp("", "veille-bench-")
		if orangeSum.err != nil {
			return
		}
		orangeSum.x, orangeSum.took = indexAll(b, orangeSum.dir, arts)
		orangeSum.docs = len(arts)
		b.Logf("indexed %d articles in %s", len(arts), orangeSum.took)
	})
	if orangeSum.err != nil {
		b.Fatal(orangeSum.err)
	}
	return orangeSum.x
}

// benchQueries reads the shared benchmark queries.
func benchQueries(b testing.TB) []string {
	p := filepath.Join("..", "..", "shared", "bench", "queries-fr.txt")
	f, err := os.Open(p)
	if err != nil {
		b.Skipf("queries not available: %v", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			qs = append(qs, sc.Text())
		}
	}
	return qs
}

// BenchmarkIndexOrangeSum indexes the 33,918 OrangeSum articles into a new
// index, extraction and language detection included.
func BenchmarkIndexOrangeSum(b *testing.B) {
	arts := orangeSumArticles(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		x, took := indexAll(b, b.TempDir(), arts)
		total += took
		b.StopTimer()
		_ = x.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(arts)*b.N)/total.Seconds(), "docs/s")
}

// reportLatency reports the median and 99th percentile of ds.
func reportLatency(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	pct := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(ds[len(ds)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkSearchPage runs the benchmark queries round-robin: a full
// results page (top 10 with highlights, total, every facet).
func BenchmarkSearchPage(b *testing.B) {
	x := sharedOrangeSum(b)
	qs := benchQueries(b)
	ctx := context.Background()
	// One warm-up round: the first search of a segment reads its records.
	for _, q := range qs {
		if _, err := x.Search(ctx, Query{Text: q, Highlight: true}); err != nil {
			b.Fatal(err)
		}
	}
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := x.Search(ctx, Query{Text: qs[i%len(qs)], Highlight: true}); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	reportLatency(b, ds)
}

// BenchmarkMatchAllFacets runs the empty query: every article, newest
// first, with every facet.
func BenchmarkMatchAllFacets(b *testing.B) {
	x := sharedOrangeSum(b)
	ctx := context.Background()
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := x.Search(ctx, Query{Highlight: true}); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	reportLatency(b, ds)
}
