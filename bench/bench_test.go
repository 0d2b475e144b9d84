package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// writeTinyCorpus writes n OrangeSum-like JSONL records built from a small
// French vocabulary, so that the test queries match some of them.
func writeTinyCorpus(t *testing.T, dir string, n int) string {
	t.Helper()
	words := []string{"gouvernement", "entreprise", "Renault", "électricité", "prix", "marché",
		"élection", "Paris", "grève", "banque", "énergie", "santé", "hôpital", "école", "budget"}
	cats := []string{"france", "monde", "economie"}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		var body strings.Builder
		for j := 0; j < 60; j++ {
			body.WriteString(words[(i*7+j*3)%len(words)])
			if j%9 == 8 {
				body.WriteString(". Le ")
			} else {
				body.WriteString(" et ")
			}
		}
		rec := map[string]string{
			"id":       fmt.Sprintf("tiny-%d", i),
			"url":      fmt.Sprintf("https://example.org/%d", i),
			"date":     fmt.Sprintf("2020-%02d-%02d", i%12+1, i%28+1),
			"category": cats[i%len(cats)],
			"title":    fmt.Sprintf("%s : le %s en question", words[i%len(words)], words[(i+4)%len(words)]),
			"text":     body.String(),
			"lang":     "fr",
		}
		line, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	p := filepath.Join(dir, "tiny.jsonl")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pgAvailable says whether a throw-away PostgreSQL can be started here.
func pgAvailable() bool {
	_, err := os.Stat(filepath.Join(defaultOptions().PGBin, "initdb"))
	return err == nil
}

// sphinxWanted says whether the Sphinx peer can run here; with
// VEILLE_REQUIRE_SPHINX=1 (CI) its absence fails the test instead.
func sphinxWanted(t *testing.T, scripts string) bool {
	t.Helper()
	err := sphinxAvailable()
	if err == nil {
		_, err = loadSphinxScripts(scripts)
	}
	if err != nil && os.Getenv("VEILLE_REQUIRE_SPHINX") == "1" {
		t.Fatalf("VEILLE_REQUIRE_SPHINX=1: %v", err)
	}
	return err == nil
}

// TestShortRun runs the whole program on 50 articles with 2 s of queries
// (and PostgreSQL and Sphinx when they are installed) and checks that
// every figure of the report is sane.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the service: skipped with -short")
	}
	dir := t.TempDir()
	const n = 50
	corpusPath := writeTinyCorpus(t, dir, n)
	queries := filepath.Join(dir, "queries.txt")
	if err := os.WriteFile(queries, []byte("# test queries\nrenault\nprix de l'énergie\ngrève\nhôpital budget\nmarche\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "report.md")
	o := defaultOptions()
	o.Corpus = []string{corpusPath}
	o.Queries = queries
	o.PGScripts = filepath.Join("..", "..", "shared", "bench", "postgres")
	o.Duration = 2 * time.Second
	o.WorkDir = dir
	o.Markdown = md
	o.Command = "go test ./bench"
	o.ChunkLines = 20 // several bulk requests
	withPG := pgAvailable()
	if _, err := os.Stat(filepath.Join(o.PGScripts, "pg-search.sql")); err != nil {
		withPG = false
	}
	o.PGStart = withPG
	if !withPG {
		t.Log("PostgreSQL or the shared scripts are absent: no PostgreSQL")
	}
	o.SphinxScripts = filepath.Join("..", "..", "shared", "bench", "sphinx")
	o.SphinxStart = sphinxWanted(t, o.SphinxScripts)
	if !o.SphinxStart {
		t.Log("sphinxsearch or the shared scripts are absent: no Sphinx")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rep, err := run(ctx, o, &out, log)
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	if len(rep.Steps) != 1 {
		t.Fatalf("steps = %d, want 1", len(rep.Steps))
	}
	st := rep.Steps[0]
	if st.Corpus.Articles != n {
		t.Errorf("corpus articles = %d, want %d", st.Corpus.Articles, n)
	}
	systems := []*sysResult{st.Veille}
	if withPG {
		if st.PG == nil {
			t.Fatal("PostgreSQL was asked for but not measured")
		}
		systems = append(systems, st.PG)
	}
	if o.SphinxStart {
		if st.Sphinx == nil {
			t.Fatal("Sphinx was asked for but not measured")
		}
		systems = append(systems, st.Sphinx)
		// Both search the same words of the same articles.
		if v, s := st.Veille.MeanHits, st.Sphinx.MeanHits; s < v/2 || s > 2*v {
			t.Errorf("mean matches: veille %.1f, Sphinx %.1f", v, s)
		}
		if strings.Contains(st.Sphinx.IndexHow, " 0 companies") || st.Sphinx.Load.CPU <= 0 || st.Sphinx.IngestCPU <= 0 {
			t.Errorf("Sphinx: %s; CPU ingest %v, queries %v", st.Sphinx.IndexHow, st.Sphinx.IngestCPU, st.Sphinx.Load.CPU)
		}
	}
	for _, r := range systems {
		checkSane(t, r, n)
	}
	if st.Veille.MemHow == "" || !strings.Contains(st.Veille.IndexHow, "index_size_bytes") {
		t.Errorf("veille's measurement notes are missing: memory %q, size %q", st.Veille.MemHow, st.Veille.IndexHow)
	}

	text := out.String()
	for _, want := range []string{"ingest rate (articles/s)", "p99", "start-up on existing index to ready", "50 articles"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	mdData, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mdData), "```sh\ngo test ./bench\n```") || !strings.Contains(string(mdData), "| --- |") {
		t.Errorf("Markdown report lacks the command or a table:\n%s", mdData)
	}
	if withPG && !strings.Contains(string(mdData), "veille ÷ PG") {
		t.Errorf("Markdown report lacks the side-by-side table:\n%s", mdData)
	}
	if o.SphinxStart && (!strings.Contains(string(mdData), "veille ÷ Sphinx") || !strings.Contains(string(mdData), "Sphinx ≥ 3×")) {
		t.Errorf("Markdown report lacks the Sphinx columns:\n%s", mdData)
	}
	// Nothing is left behind but what the test wrote.
	left, _ := filepath.Glob(filepath.Join(dir, "veille-bench-*"))
	if len(left) > 0 {
		t.Errorf("temporary folders left behind: %v", left)
	}
}

func checkSane(t *testing.T, r *sysResult, n int) {
	t.Helper()
	l := r.Load
	switch {
	case r.Ingest.Articles != n || r.Ingest.Failed != 0:
		t.Errorf("%s: ingested %d (failed %d: %s), want %d", r.Name, r.Ingest.Articles, r.Ingest.Failed, r.Ingest.FirstErr, n)
	case r.Ingest.Took <= 0 || r.IngestRate <= 0:
		t.Errorf("%s: ingest took %v, rate %v", r.Name, r.Ingest.Took, r.IngestRate)
	case l.Requests == 0 || l.QPS <= 0:
		t.Errorf("%s: %d pages, %v pages/s", r.Name, l.Requests, l.QPS)
	case l.Errors != 0:
		t.Errorf("%s: %d pages failed: %s", r.Name, l.Errors, l.FirstErr)
	case !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max):
		t.Errorf("%s: latencies not ordered: p50 %v p90 %v p99 %v max %v", r.Name, l.P50, l.P90, l.P99, l.Max)
	case l.Elapsed < 2*time.Second || l.Elapsed > time.Minute:
		t.Errorf("%s: query run lasted %v, want about 2 s", r.Name, l.Elapsed)
	case r.MeanHits <= 0:
		t.Errorf("%s: no query matched anything", r.Name)
	case r.PeakRSS <= 0 || r.EndRSS <= 0 || r.PeakRSS < r.EndRSS/2:
		t.Errorf("%s: memory peak %d, now %d", r.Name, r.PeakRSS, r.EndRSS)
	case r.IndexSize <= 0:
		t.Errorf("%s: index size %d", r.Name, r.IndexSize)
	case !r.Restarted || r.Ready <= 0 || r.CountAfter != uint64(n):
		t.Errorf("%s: restart ok=%v ready=%v, %d articles after it", r.Name, r.Restarted, r.Ready, r.CountAfter)
	}
}

func TestArticleID(t *testing.T) {
	long := strings.Repeat("a", 250)
	tests := []struct {
		in   string
		want string // exact, or "" to check the shape only
	}{
		{"orangesum-10", "orangesum-10"},
		{"a.b_c-D9", "a.b_c-D9"},
		{"legi-code-civil/livre-ier/17-1", ""},
		{"..secret", ""},
		{"a..b", ""},
		{"é", ""},
		{long, ""},
		{strings.Repeat("a", 200), strings.Repeat("a", 200)},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := articleID(tt.in)
		if tt.want != "" && got != tt.want {
			t.Errorf("articleID(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := validID(got); err != "" {
			t.Errorf("articleID(%q) = %q: %s", tt.in, got, err)
		}
		if prev, ok := seen[got]; ok && prev != tt.in {
			t.Errorf("articleID(%q) and articleID(%q) collide: %q", prev, tt.in, got)
		}
		seen[got] = tt.in
	}
	// Ids that differ only where characters were replaced stay distinct.
	if articleID("a/b") == articleID("a_b") || articleID("a/b") == articleID("a:b") {
		t.Error("replaced characters made two ids equal")
	}
}

// validID applies veille's id rules (corpus.ValidateID); "" when valid.
func validID(id string) string {
	switch {
	case id == "":
		return "empty"
	case len(id) > maxIDLength:
		return "too long"
	case strings.HasPrefix(id, "."), strings.Contains(id, ".."):
		return "leading dot or .."
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return fmt.Sprintf("bad rune %q", r)
		}
	}
	return ""
}

func FuzzArticleID(f *testing.F) {
	for _, s := range []string{"orangesum-1", "legi-code/x/y", "..", ".a", strings.Repeat("é", 150), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := articleID(raw)
		if err := validID(got); err != "" {
			t.Fatalf("articleID(%q) = %q: %s", raw, got, err)
		}
		if articleID(raw) != got {
			t.Fatal("not deterministic")
		}
		if validID(raw) == "" && got != raw {
			t.Fatalf("valid id %q changed to %q", raw, got)
		}
	})
}

func TestCopyRow(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeCopyRow(w, article{ID: "x1", Title: "a\tb", Body: "l1\nl2\\ \r\x00end", Category: "", Published: "2020-01-02"})
	writeCopyRow(w, article{ID: "x2", Title: "", Body: "b", Category: "monde"})
	w.Flush()
	want := "x1\ta\\tb\tl1\\nl2\\\\ \\rend\t\\N\t2020-01-02\n" +
		"x2\t\tb\tmonde\t\\N\n"
	if b.String() != want {
		t.Errorf("copy rows =\n%q\nwant\n%q", b.String(), want)
	}
}

func TestReadCorpus(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.jsonl")
	lines := []string{
		`{"id":"o-1","url":"u","date":"2020-07-02","category":"france","title":"T1","text":"B1","lang":"fr"}`,
		``,
		`{"id":"o-1","title":"again","text":"dup"}`,
		`{"id":"o-2","title":"","text":"  "}`,
		`{"id":"legi/a/b","code":"code-civil","title":"Article 1","text":"Texte","lang":"fr"}`,
		`{"id":"o-3","date":"not a date","text":"B3"}`,
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []article
	st, err := readCorpus([]string{p}, 0, func(a article) error { got = append(got, a); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != 3 || st.Duplicates != 1 || st.Empty != 1 {
		t.Errorf("stats = %+v, want 3 articles, 1 duplicate, 1 empty", st)
	}
	if len(got) != 3 {
		t.Fatalf("got %d articles", len(got))
	}
	if a := got[0]; a.ID != "o-1" || a.Category != "france" || a.Published != "2020-07-02" || a.Body != "B1" || a.Lang != "fr" || a.URL != "u" {
		t.Errorf("OrangeSum mapping: %+v", a)
	}
	if a := got[1]; a.Category != "code-civil" || validID(a.ID) != "" || a.Title != "Article 1" {
		t.Errorf("Légifrance mapping: %+v", a)
	}
	if a := got[2]; a.Published != "" {
		t.Errorf("a bad date should be dropped: %+v", a)
	}
	got = nil
	st, err = readCorpus([]string{p, p}, 2, func(a article) error { got = append(got, a); return nil })
	if err != nil || st.Articles != 2 || len(got) != 2 {
		t.Errorf("limit 2: %d articles, err %v", st.Articles, err)
	}
}

func TestSplitChunks(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&in, "{\"id\":\"%d\"}\n", i) // 11 bytes a line
	}
	in.WriteString(strings.Repeat("x", 100)) // a long last line without newline
	out := make(chan []byte, 100)
	if err := splitChunks(context.Background(), strings.NewReader(in.String()), 3, 40, out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var sizes []int
	var all strings.Builder
	for c := range out {
		sizes = append(sizes, bytes.Count(c, []byte("\n")))
		if bytes.Count(c, []byte("\n")) > 3 || (len(c) > 40 && bytes.Count(c, []byte("\n")) > 0 && !bytes.HasSuffix(c, []byte("xxx"))) {
			t.Errorf("chunk too big: %d bytes, %d lines", len(c), bytes.Count(c, []byte("\n")))
		}
		all.Write(c)
	}
	if all.String() != in.String() {
		t.Error("chunks do not add up to the input")
	}
	if fmt.Sprint(sizes) != "[3 3 3 1 0]" {
		t.Errorf("lines per chunk = %v, want [3 3 3 1 0]", sizes)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(d, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("empty percentile should be 0")
	}
}

func TestDrive(t *testing.T) {
	seen := make(chan string, 1000)
	r := drive(context.Background(), 2, 200*time.Millisecond, []string{"a", "b", "c"}, func(_ context.Context, _ int, q string) error {
		time.Sleep(time.Millisecond)
		select {
		case seen <- q:
		default:
		}
		if q == "c" {
			return fmt.Errorf("boom")
		}
		return nil
	})
	close(seen)
	if r.Requests == 0 || r.Errors == 0 || !strings.HasPrefix(r.FirstErr, "c: boom") {
		t.Errorf("requests %d, errors %d, first %q", r.Requests, r.Errors, r.FirstErr)
	}
	// Round-robin: every query is used, in about equal shares.
	counts := map[string]int{}
	for q := range seen {
		counts[q]++
	}
	if len(counts) != 3 || counts["a"] < counts["c"]/2 || counts["c"] < counts["a"]/2 {
		t.Errorf("query use not round-robin: %v", counts)
	}
	if r.P50 <= 0 || r.P99 < r.P50 || r.QPS <= 0 {
		t.Errorf("figures: %+v", r)
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"--corpus", "a.jsonl.gz,b.jsonl.gz", "--sizes", "10000,50000,0", "--pg-start", "--pg-opt", "shared_buffers=1GB", "--markdown", "out file.md"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(o.Corpus) != "[a.jsonl.gz b.jsonl.gz]" || fmt.Sprint(o.Sizes) != "[10000 50000 0]" || !o.PGStart || len(o.PGOpts) != 1 {
		t.Errorf("options: %+v", o)
	}
	if !strings.Contains(o.Command, "'out file.md'") {
		t.Errorf("command not quoted: %s", o.Command)
	}
	for _, bad := range [][]string{{"--sizes", "x"}, {"--clients", "0"}, {"extra"}} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("parseOptions(%v) accepted", bad)
		}
	}
	if o, _ := parseOptions(nil, io.Discard); len(o.Corpus) != 1 || !utf8.ValidString(o.Queries) {
		t.Errorf("defaults: %+v", o)
	}
}

// TestScaleSteps measures veille alone at two corpus sizes and checks the
// scale table.
func TestScaleSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the service: skipped with -short")
	}
	dir := t.TempDir()
	corpusPath := writeTinyCorpus(t, dir, 40)
	queries := filepath.Join(dir, "queries.txt")
	if err := os.WriteFile(queries, []byte("renault\nprix\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := defaultOptions()
	o.Corpus = []string{corpusPath}
	o.Queries = queries
	o.Sizes = []int{15, 0}
	o.Duration = time.Second
	o.Warmup = false
	o.WorkDir = dir
	o.Command = "go test ./bench"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep, err := run(ctx, o, &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(rep.Steps) != 2 || rep.Steps[0].Veille.Ingest.Articles != 15 || rep.Steps[1].Veille.Ingest.Articles != 40 {
		t.Fatalf("steps: %+v", rep.Steps)
	}
	text := out.String()
	if !strings.Contains(text, "== Scale ==") || !strings.Contains(text, "ingest CPU (ms/article)") {
		t.Errorf("no scale table:\n%s", text)
	}
	for _, st := range rep.Steps {
		if st.PG != nil || st.Veille.Load.Requests == 0 || st.Veille.MeanHits != 0 {
			t.Errorf("step %d: PG %v, %d pages, mean hits %v (no warm-up pass asked)", st.Limit, st.PG != nil, st.Veille.Load.Requests, st.Veille.MeanHits)
		}
	}
}
