package index

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bleveindex "github.com/blevesearch/bleve_index_api"
	zapv17 "github.com/blevesearch/zapx/v17"

	"veille/analyzers"
	"veille/corpus"
)

// The OrangeSum index is built once per test binary run and shared by
// the search benchmarks; TestMain removes it.
var orangeSum struct {
	once   sync.Once
	settle sync.Once
	dir    string // temporary folder, removed by TestMain
	kept   string // VEILLE_BENCH_INDEX, kept
	x      *Index
	err    error
	docs   int
	took   time.Duration
}

// The big index (OrangeSum and Légifrance, about 188,000 articles) is
// built only when VEILLE_BENCH_BIG_INDEX names a folder to keep it in.
var bigIndex struct {
	once   sync.Once
	settle sync.Once
	x      *Index
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if orangeSum.x != nil {
		_ = orangeSum.x.Close()
	}
	if bigIndex.x != nil {
		_ = bigIndex.x.Close()
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

// settle waits until x's segments stop changing (Bleve merges segments in
// the background for a while after a bulk load), at most a minute, so that
// search benchmarks measure the index at rest.
func settle(b testing.TB, x *Index) {
	segments := func() string {
		_, snap, release, err := x.snapshot()
		if err != nil {
			return err.Error()
		}
		defer release()
		var ids []string
		for _, ss := range snap.Segments() {
			ids = append(ids, fmt.Sprint(ss.Id()))
		}
		return fmt.Sprint(ids)
	}
	start, last, since := time.Now(), segments(), time.Now()
	for time.Since(since) < 3*time.Second && time.Since(start) < time.Minute {
		time.Sleep(250 * time.Millisecond)
		if cur := segments(); cur != last {
			last, since = cur, time.Now()
		}
	}
	// Read the facet records of the final segments before timing.
	if _, err := x.Search(context.Background(), Query{}); err != nil {
		b.Fatal(err)
	}
	b.Logf("segments settled after %s", time.Since(start).Round(time.Millisecond))
}

// sharedOrangeSum returns the shared OrangeSum index.
func sharedOrangeSum(b *testing.B) *Index {
	arts := orangeSumArticles(b) // skips when absent
	orangeSum.once.Do(func() {
		// VEILLE_BENCH_INDEX names a folder to keep the index in between
		// runs (built when empty), for profiling sessions.
		if dir := os.Getenv("VEILLE_BENCH_INDEX"); dir != "" {
			orangeSum.kept = dir
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
	orangeSum.settle.Do(func() { settle(b, orangeSum.x) })
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
	newExtractor(b) // language models loaded before the clock starts
	var total time.Duration
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		x, took := indexAll(b, b.TempDir(), arts)
		total += took
		b.StopTimer()
		_ = x.Close()
		b.StartTimer()
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(len(arts)*b.N)/total.Seconds(), "docs/s")
	// CPU time of the process (both cores): what an idle machine could
	// reach, and what the load of other processes hides from docs/s.
	b.ReportMetric(float64(len(arts)*b.N)/cpu.Seconds(), "docs/cpu-s")
}

// BenchmarkBuildOrangeSum builds the Bleve documents of the first 2,000
// OrangeSum articles (in French, without extraction) and expands their
// text fields as a commit does: the analysis stage of the writer alone,
// steadier than the whole ingest on a shared machine.
func BenchmarkBuildOrangeSum(b *testing.B) {
	arts := readJSONL(b, "orangesum-fr.jsonl.gz", 2000)
	db := newTestDocBuilder(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, a := range arts {
			doc, err := db.build(&storedDoc{Article: a})
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range doc.Fields {
				f.Analyze()
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(arts)), "us/doc")
}

// BenchmarkSegmentOrangeSum builds Bleve's segments (zap, the default
// format) of the documents of the first 2,000 OrangeSum articles in
// batches of 500, as commits do, the documents built and analyzed before
// the clock starts: the cost of the distinct terms and postings a batch
// holds, steadier than the whole ingest on a shared machine.
func BenchmarkSegmentOrangeSum(b *testing.B) {
	arts := readJSONL(b, "orangesum-fr.jsonl.gz", 2000)
	db := newTestDocBuilder(b)
	docs := make([]bleveindex.Document, len(arts))
	for i, a := range arts {
		doc, err := db.build(&storedDoc{Article: a})
		if err != nil {
			b.Fatal(err)
		}
		doc.AddIDField() // as scorch's Batch does
		for _, f := range doc.Fields {
			f.Analyze()
		}
		docs[i] = doc
	}
	var zap zapv17.ZapPlugin
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for start := 0; start < len(docs); start += defaultMaxBatch {
			seg, _, err := zap.New(docs[start:min(len(docs), start+defaultMaxBatch)])
			if err != nil {
				b.Fatal(err)
			}
			_ = seg.Close()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(docs)), "us/doc")
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportLatency reports the median and 99th percentile of ds, and the CPU
// time of the process per search since cpu0 (the intrinsic cost, which the
// load of other processes on a shared machine does not inflate).
func reportLatency(b *testing.B, ds []time.Duration, cpu0 time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
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
func BenchmarkSearchPage(b *testing.B) { benchSearchPage(b, sharedOrangeSum(b), benchQueries(b)) }

// BenchmarkPhrasePage is BenchmarkSearchPage with the queries of several
// words in quotes: phrases, which are checked on each candidate's text.
func BenchmarkPhrasePage(b *testing.B) { benchSearchPage(b, sharedOrangeSum(b), phraseQueries(b)) }

// phraseQueries returns the benchmark queries of several words, quoted.
func phraseQueries(b *testing.B) []string {
	var qs []string
	for _, q := range benchQueries(b) {
		if len(strings.Fields(q)) > 1 {
			qs = append(qs, `"`+q+`"`)
		}
	}
	return qs
}

// BenchmarkTypingPage is BenchmarkSearchPage as the page asks while the
// user types: the last word of each query cut to 4 letters, completed
// (Prefix).
func BenchmarkTypingPage(b *testing.B) {
	qs := benchQueries(b)
	for i, q := range qs {
		qs[i] = qtTyping(q, 4)
	}
	benchSearchPageOf(b, sharedOrangeSum(b), qs, Query{Prefix: true})
}

// BenchmarkTypoPage is BenchmarkSearchPage with a typo in the longest
// word of each query.
func BenchmarkTypoPage(b *testing.B) {
	qs := benchQueries(b)
	for i, q := range qs {
		qs[i] = qtTypo(q)
	}
	benchSearchPage(b, sharedOrangeSum(b), qs)
}

func benchSearchPage(b *testing.B, x *Index, qs []string) { benchSearchPageOf(b, x, qs, Query{}) }

// benchSearchPageOf runs the queries qs round-robin as base asks them
// (its Text replaced, highlights on).
func benchSearchPageOf(b *testing.B, x *Index, qs []string, base Query) {
	ctx := context.Background()
	query := func(text string) Query {
		q := base
		q.Text, q.Highlight = text, true
		return q
	}
	// One warm-up round: the first search of a segment reads its records.
	for _, q := range qs {
		if _, err := x.Search(ctx, query(q)); err != nil {
			b.Fatal(err)
		}
	}
	ds := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := x.Search(ctx, query(qs[i%len(qs)])); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	logSlowest(b, qs, ds)
	reportLatency(b, ds, cpu0)
}

// logSlowest logs, when VEILLE_BENCH_SLOWEST is a number n, the n
// queries of qs whose fastest run (ds[i] ran qs[i%len(qs)]) was the
// slowest: the fastest of a query's runs is the least disturbed by the
// load of other processes. Each line, on the standard error (a
// benchmark's log keeps 10 lines), gives the fastest and slowest run.
func logSlowest(b *testing.B, qs []string, ds []time.Duration) {
	n, err := strconv.Atoi(os.Getenv("VEILLE_BENCH_SLOWEST"))
	if err != nil || n <= 0 || len(ds) < len(qs) {
		return
	}
	type run struct{ fast, slow time.Duration }
	runs := make([]run, len(qs))
	for i, d := range ds {
		r := &runs[i%len(qs)]
		if r.fast == 0 || d < r.fast {
			r.fast = d
		}
		r.slow = max(r.slow, d)
	}
	order := make([]int, min(len(qs), len(ds)))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmp.Compare(runs[j].fast, runs[i].fast) })
	for _, i := range order[:min(n, len(order))] {
		fmt.Fprintf(os.Stderr, "%s: %8.2f ms fastest %8.2f ms slowest  %s\n", b.Name(), float64(runs[i].fast.Microseconds())/1000, float64(runs[i].slow.Microseconds())/1000, qs[i])
	}
}

// BenchmarkSearchPageCollapsed is BenchmarkSearchPage with one hit per
// story (collapse=story, as the page asks).
func BenchmarkSearchPageCollapsed(b *testing.B) {
	benchSearchPageOf(b, sharedOrangeSum(b), benchQueries(b), Query{Collapse: CollapseStory})
}

// BenchmarkMatchAllFacets runs the empty query: every article, newest
// first, with every facet.
func BenchmarkMatchAllFacets(b *testing.B) { benchMatchAll(b, sharedOrangeSum(b)) }

// BenchmarkMatchAllCollapsed is BenchmarkMatchAllFacets with one hit per
// story: every article grouped, the facets counting stories.
func BenchmarkMatchAllCollapsed(b *testing.B) {
	benchMatchAllOf(b, sharedOrangeSum(b), Query{Collapse: CollapseStory})
}

func benchMatchAll(b *testing.B, x *Index) { benchMatchAllOf(b, x, Query{}) }

func benchMatchAllOf(b *testing.B, x *Index, q Query) {
	ctx := context.Background()
	ds := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		q.Highlight = true
		if _, err := x.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	reportLatency(b, ds, cpu0)
}

// BenchmarkOpenOrangeSum measures a start-up on the existing OrangeSum
// index: Open and Origins (what the service does before it is ready),
// then the first search (match all with every facet, which may wait for
// the facet records the background warmer reads).
func BenchmarkOpenOrangeSum(b *testing.B) {
	x := sharedOrangeSum(b)
	dir := orangeSum.dir
	if orangeSum.kept != "" {
		dir = orangeSum.kept
	}
	if err := x.Close(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var ready, first time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		y, err := Open(ctx, dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := y.Origins(ctx); err != nil {
			b.Fatal(err)
		}
		ready += time.Since(start)
		start = time.Now()
		if _, err := y.Search(ctx, Query{Highlight: true}); err != nil {
			b.Fatal(err)
		}
		first += time.Since(start)
		b.StopTimer()
		if err := y.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(ready.Microseconds())/1000/float64(b.N), "ready-ms")
	b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "first-search-ms")
	b.StopTimer()
	var err error
	if orangeSum.x, err = Open(ctx, dir, Options{Enricher: newExtractor(b)}); err != nil {
		b.Fatal(err)
	}
}

// legifranceArticles reads the Légifrance corpus with ids made valid
// (their paths hold slashes).
func legifranceArticles(b testing.TB) []corpus.Article {
	arts := readJSONL(b, "legifrance-fr.jsonl.gz", 0)
	for i := range arts {
		arts[i].ID = fmt.Sprintf("legi-%06d", i)
		arts[i].Language = ""
	}
	return arts
}

// sharedBig returns the big index, building it in VEILLE_BENCH_BIG_INDEX
// when empty (minutes); it skips when the variable is unset.
func sharedBig(b *testing.B) *Index {
	dir := os.Getenv("VEILLE_BENCH_BIG_INDEX")
	if dir == "" {
		b.Skip("VEILLE_BENCH_BIG_INDEX not set: name a folder to build (once) and keep the 188k-article index in")
	}
	bigIndex.once.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, currentFile)); err == nil {
			bigIndex.x, bigIndex.err = Open(context.Background(), dir, Options{Enricher: newExtractor(b)})
			return
		}
		arts := append(orangeSumArticles(b), legifranceArticles(b)...)
		var took time.Duration
		bigIndex.x, took = indexAll(b, dir, arts)
		b.Logf("indexed %d articles in %s (%.0f docs/s)", len(arts), took, float64(len(arts))/took.Seconds())
	})
	if bigIndex.err != nil {
		b.Fatal(bigIndex.err)
	}
	bigIndex.settle.Do(func() { settle(b, bigIndex.x) })
	return bigIndex.x
}

// BenchmarkSearchPageBig is BenchmarkSearchPage on the big index.
func BenchmarkSearchPageBig(b *testing.B) {
	benchSearchPage(b, sharedBig(b), benchQueries(b))
}

// BenchmarkPhrasePageBig is BenchmarkPhrasePage on the big index.
func BenchmarkPhrasePageBig(b *testing.B) { benchSearchPage(b, sharedBig(b), phraseQueries(b)) }

// BenchmarkMatchAllFacetsBig is BenchmarkMatchAllFacets on the big index.
func BenchmarkMatchAllFacetsBig(b *testing.B) {
	benchMatchAll(b, sharedBig(b))
}

// BenchmarkPutOneOnOrangeSum5k writes OrangeSum articles one a call
// (Index.Put, a commit each, as a live feed does) into an index of the
// first 5,000, extraction off: the cost of a one-article commit, Bleve's
// background merges included (the process's CPU until the segments
// settle after the last write, per article), and the segments a search
// then walks.
func BenchmarkPutOneOnOrangeSum5k(b *testing.B) {
	const base = 5000
	arts := readJSONL(b, "orangesum-fr.jsonl.gz", 0)
	if len(arts) < base+b.N {
		b.Skipf("%d articles: not enough for %d writes", len(arts), b.N)
	}
	ctx := context.Background()
	x, err := Open(ctx, b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	items := make([]Item, base)
	for i, a := range arts[:base] {
		items[i] = Item{Article: a}
	}
	for _, r := range x.PutMany(ctx, items) {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	settle(b, x)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, _, err := x.Put(ctx, arts[base+i], Origin{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_, snap, release, err := x.snapshot()
	if err != nil {
		b.Fatal(err)
	}
	after := len(snap.Segments())
	release()
	settle(b, x)
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/article")
	b.ReportMetric(float64(after), "segments-after-writes")
}
