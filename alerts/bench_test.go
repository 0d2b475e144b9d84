package alerts

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"veille/analyzers"
	"veille/corpus"
	"veille/corpus/corpustest"
	"veille/index"
)

// benchArticles reads n OrangeSum articles, skipping without the shared data.
func benchArticles(b *testing.B, n int) []corpus.Article {
	var out []corpus.Article
	for _, d := range corpustest.ReadJSONL(b, "orangesum-fr.jsonl.gz", n) {
		a := corpus.Article{ID: d.ID, Title: d.Title, Body: d.Text, Source: d.Category}
		a.Published, _ = time.Parse(time.DateOnly, d.Date)
		out = append(out, a)
	}
	return out
}

// cpuTime is the process's CPU time so far (0 where it cannot be read).
func cpuTime() time.Duration {
	t, _ := corpustest.ProcessCPUTime()
	return t
}

// titleWords returns the distinct words of a text, five letters or more.
func titleWords(title string) []string {
	var ws []string
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 5 && !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	return ws
}

// benchQuery is a saved search as an analyst writes one to follow a
// subject ("Nvidia or Nscale, in the UK, over 100 M€"): two or three
// words of an article's title (one in ten with a typo), or a phrase of
// two of them, often with a company, a country or an amount threshold;
// or filters alone (a company in a country, over an amount); false for
// an article whose title has fewer than two such words. The words
// are specific ones (in at most 1 % of the corpus's articles, as names
// and subjects are) unless maxDF is 0.
func benchQuery(rng *rand.Rand, a corpus.Article, df map[string]int, maxDF int) (index.Query, bool) {
	var ws []string
	for _, w := range titleWords(a.Title) {
		if maxDF == 0 || df[strings.ToLower(w)] <= maxDF {
			ws = append(ws, w)
		}
	}
	if len(ws) < 2 {
		return index.Query{}, false
	}
	var q index.Query
	switch r := rng.Float64(); {
	case r < 0.10 && len(a.Companies) > 0 && len(a.Countries) > 0:
		q.Companies = []string{a.Companies[rng.IntN(len(a.Companies))]}
		q.Countries = []string{a.Countries[rng.IntN(len(a.Countries))]}
		v := []float64{1e6, 1e7, 1e8}[rng.IntN(3)]
		q.AmountMin = &v
		return q, true
	case r < 0.30:
		i := rng.IntN(len(ws) - 1)
		q.Text = `"` + ws[i] + " " + ws[i+1] + `"`
	default:
		rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
		parts := slices.Clone(ws[:min(len(ws), 2+rng.IntN(2))])
		if w := []rune(parts[0]); rng.IntN(10) == 0 && len(w) >= 5 {
			w[1], w[2] = w[2], w[1]
			parts[0] = string(w)
		}
		q.Text = strings.Join(parts, " ")
	}
	if len(a.Companies) > 0 && rng.IntN(4) == 0 {
		q.Companies = []string{a.Companies[0]}
	}
	if len(a.Countries) > 0 && rng.IntN(7) == 0 {
		q.Countries = []string{a.Countries[rng.IntN(len(a.Countries))]}
	}
	if rng.IntN(5) == 0 {
		v := []float64{1e6, 1e7, 1e8, 1e9}[rng.IntN(4)]
		q.AmountMin = &v
	}
	return q, true
}

// BenchmarkAlerts10kPerArticle measures what 10,000 saved searches add to
// the ingest of one article: the percolator's candidates, the confirming
// searches and the recording of matches (Service.Committed), per article
// written alone (single) and in batches of 100 (bulk), on an index of
// 5,000 OrangeSum articles. It reports what the alerts add to a live
// writer (live-cpu-µs/article: the CPU time of the commit hook while the
// articles are written, each commit with its own snapshot, the index's
// background merges let finish before each), and the CPU time per article of handing
// the same commits to the service again on the snapshot they left
// (cpu-µs/article, warm; the process's user + system time: the
// confirming searches run on every core) beside the wall time, and how
// many candidates and matches an article has, and how many candidates
// the percolator could not decide alone (searched: confirmed by a
// search).
func BenchmarkAlerts10kPerArticle(b *testing.B) {
	nBase, nNew, nAlerts := envInt("VEILLE_BENCH_BASE", 5000), envInt("VEILLE_BENCH_NEW", 1000), envInt("VEILLE_BENCH_ALERTS", 10000)
	arts := benchArticles(b, nBase+nNew)
	if len(arts) < nBase+nNew {
		b.Skipf("%d articles in the shared data", len(arts))
	}
	ext, err := analyzers.NewExtractor(analyzers.ExtractorOptions{})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var svc *Service
	var captured []index.Commit
	var hookCPU time.Duration
	var hookMallocs, hookHeap uint64
	live := false
	hook := func(ctx context.Context, c index.Commit) error {
		if !live {
			return nil // the base articles' batches are not measured
		}
		captured = append(captured, c)
		// The writer waits for the hook; the index's merges of earlier
		// writes do not: they are let finish first, so that the CPU time
		// measured is the hook's.
		quiet()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0 := cpuTime()
		err := svc.Committed(ctx, c)
		hookCPU += cpuTime() - cpu0
		runtime.ReadMemStats(&m1)
		hookMallocs += m1.Mallocs - m0.Mallocs
		hookHeap += m1.TotalAlloc - m0.TotalAlloc
		return err
	}
	open := func(name string, hook func(context.Context, index.Commit) error) *index.Index {
		x, err := index.Open(context.Background(), filepath.Join(dir, name), index.Options{Enricher: ext, OnCommit: hook})
		if err != nil {
			b.Fatal(err)
		}
		return x
	}
	x := open("index", hook)
	items := make([]index.Item, len(arts))
	for i, a := range arts {
		items[i] = index.Item{Article: a}
	}
	for _, r := range x.PutMany(context.Background(), items[:nBase]) {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	defer x.Close()
	// Saved searches from the corpus's articles, as extracted.
	df := map[string]int{} // articles whose text has the word
	for _, a := range arts {
		for _, w := range titleWords(a.Title + " " + a.Body) {
			df[strings.ToLower(w)]++
		}
	}
	maxDF := len(arts) / 100
	if os.Getenv("VEILLE_BENCH_BROAD") != "" {
		maxDF = 0
	}
	rng := rand.New(rand.NewPCG(10, 16))
	list := make([]*Alert, nAlerts)
	for i := range list {
		var q index.Query
		for ok := false; !ok; {
			a := arts[rng.IntN(len(arts))]
			ext.Enrich(context.Background(), &a)
			q, ok = benchQuery(rng, a, df, maxDF)
		}
		list[i] = &Alert{ID: newID(8), Name: "bench", Params: json.RawMessage("{}"), Query: q, FeedToken: newID(8)}
	}
	if err := os.MkdirAll(filepath.Join(dir, "alerts"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := saveAlerts(filepath.Join(dir, "alerts"), list); err != nil {
		b.Fatal(err)
	}
	svc, err = Open(filepath.Join(dir, "alerts"), Options{NoDeliveries: true})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	started := time.Now()
	if err := svc.Start(context.Background(), x); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d saved searches started in %v", nAlerts, time.Since(started).Round(time.Millisecond))
	// The percolator remembers what each word hits: let it see the words
	// of the base articles, as a service that has been ingesting does.
	warm := time.Now()
	for _, a := range arts[:min(nBase, 2000)] {
		cm, err := x.NewCommitted(a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.perc.Candidates(cm); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("warmed on %d base articles in %v", min(nBase, 2000), time.Since(warm).Round(time.Millisecond))
	settleCPU(b)

	// A live writer: the new articles stored one by one (single) and in
	// batches of 100 (bulk), each commit matched on its own new snapshot
	// (live-cpu-µs/article: the CPU time of the hook). The commits are
	// kept: the rounds of b.N below hand them to the service again, on
	// the snapshot the writes left (warm: cpu-µs/article).
	// VEILLE_BENCH_LIVE_PROFILE names a file for a CPU profile of the
	// writes (run without -cpuprofile).
	liveCPU := map[string]float64{}
	commits := map[string][]index.Commit{}
	for _, tc := range []struct {
		name  string
		items []index.Item
		batch int
	}{{"single", items[nBase : nBase+nNew/2], 1}, {"bulk", items[nBase+nNew/2 : nBase+nNew], 100}} {
		stopProfile := func() {}
		if path := os.Getenv("VEILLE_BENCH_LIVE_PROFILE"); path != "" {
			stopProfile = startCPUProfile(b, strings.TrimSuffix(path, ".out")+"-"+tc.name+".out")
		}
		live, captured, hookCPU, hookMallocs, hookHeap = true, nil, 0, 0, 0
		for start := 0; start < len(tc.items); start += tc.batch {
			if tc.batch == 1 {
				if _, _, err := x.Put(context.Background(), tc.items[start].Article, index.Origin{}); err != nil {
					b.Fatal(err)
				}
				continue
			}
			for _, r := range x.PutMany(context.Background(), tc.items[start:start+tc.batch]) {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}
		live = false
		stopProfile()
		commits[tc.name] = captured
		n := float64(len(tc.items))
		liveCPU[tc.name] = float64(hookCPU.Microseconds()) / n
		b.Logf("%s: %d articles written live in %d commits: the hook took %.0f cpu-µs, %.0f allocations and %.0f KiB an article",
			tc.name, len(tc.items), len(captured), liveCPU[tc.name], float64(hookMallocs)/n, float64(hookHeap)/1024/n)
	}
	single, bulk := commits["single"], commits["bulk"]

	b.Run("sieve", func(b *testing.B) {
		// The percolator alone: candidates of one article.
		cpu0 := cpuTime()
		for i := range b.N {
			c := single[i%len(single)]
			if _, err := svc.perc.Candidates(c.Articles[0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/article")
	})
	b.Run("search", func(b *testing.B) {
		// One confirming search: a saved search restricted to one article.
		cpu0 := cpuTime()
		for i := range b.N {
			c := single[i%len(single)]
			q := list[i%len(list)].Query
			q.IDs, q.PerPage, q.Sort = []string{c.Articles[0].Article.ID}, 1, "-date"
			if _, err := c.Search(context.Background(), q); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/search")
	})
	for _, tc := range []struct {
		name    string
		commits []index.Commit
	}{{"single", single}, {"bulk", bulk}} {
		b.Run(tc.name, func(b *testing.B) {
			var arts, matches, cands, total int
			perc := svc.perc
			sieve0 := cpuTime()
			for _, c := range tc.commits {
				for _, a := range c.Articles {
					ids, _ := perc.Candidates(a)
					cands += len(ids)
					total++
				}
			}
			sieve := cpuTime() - sieve0
			unsure := 0
			for _, c := range tc.commits {
				for _, a := range c.Articles {
					_, u, _ := perc.Match(a)
					unsure += len(u)
				}
			}
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := range b.N {
				c := tc.commits[i%len(tc.commits)]
				svc.mu.Lock()
				clear(svc.matched) // each round matches afresh
				before := svc.lastSeq
				svc.mu.Unlock()
				if err := svc.Committed(context.Background(), c); err != nil {
					b.Fatal(err)
				}
				svc.mu.RLock()
				matches += int(svc.lastSeq - before)
				svc.mu.RUnlock()
				arts += len(c.Articles)
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			b.ReportMetric(float64(cpu.Microseconds())/float64(arts), "cpu-µs/article")
			b.ReportMetric(liveCPU[tc.name], "live-cpu-µs/article")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(arts), "wall-µs/article")
			b.ReportMetric(float64(matches)/float64(arts), "matches/article")
			b.ReportMetric(float64(cands)/float64(total), "candidates/article")
			b.ReportMetric(float64(unsure)/float64(total), "searched/article")
			b.ReportMetric(float64(sieve.Microseconds())/float64(total), "sieve-cpu-µs/article")
		})
	}
}

// settleCPU waits until the process is idle (the index's background
// merges of what was just written are done), so that the CPU time
// measured next is the benchmark's own.
func settleCPU(b *testing.B) {
	start, quiet := time.Now(), 0
	for quiet < 3 && time.Since(start) < 2*time.Minute {
		c0 := cpuTime()
		time.Sleep(500 * time.Millisecond)
		if cpuTime()-c0 < 25*time.Millisecond {
			quiet++
		} else {
			quiet = 0
		}
	}
	b.Logf("process idle after %v", time.Since(start).Round(time.Second))
}

// quiet waits, at most a second, until the process has used less than
// 1 ms of CPU in 20 ms (no background merge running).
func quiet() {
	for start := time.Now(); time.Since(start) < time.Second; {
		c0 := cpuTime()
		time.Sleep(20 * time.Millisecond)
		if cpuTime()-c0 < time.Millisecond {
			return
		}
	}
}

// startCPUProfile starts a CPU profile written to path, returning what
// stops it.
func startCPUProfile(b *testing.B, path string) func() {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}

// envInt reads a size of the benchmark from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
