// Command bench measures the veille service against its peers, PostgreSQL
// full-text search and the Sphinx search server, on the same corpus and
// the same queries, side by side.
//
// For each system it times the ingest of a JSONL corpus until every
// article is searchable (veille: the NDJSON bulk API; PostgreSQL: COPY and
// a GIN index build), drives full results pages with the queries
// round-robin from a few concurrent clients for a fixed time (throughput,
// p50/p90/p99 latency), reads the peak memory and the index size, and
// times a restart on the existing data until ready. It prints a table of
// the systems with their ratios, and can write it as Markdown.
//
// Usage (from the module root):
//
//	go run ./bench [flags]
//	go run ./bench --pg-start --markdown bench.md
//	go run ./bench --sphinx-start --pg-start --max-load 3
//	go run ./bench --corpus ../shared/data/orangesum-fr.jsonl.gz --corpus ../shared/data/legifrance-fr.jsonl.gz --sizes 10000,50000,0
//
// veille runs as a separate process built from the module (or --veille-bin),
// on loopback, with an empty corpus folder. --pg-start runs a throw-away
// PostgreSQL from /usr/lib/postgresql/15/bin in a temporary folder;
// --pg DSN uses an existing database instead (its table "articles" is
// dropped and recreated by pg-setup.sql). --sphinx-start builds a Sphinx
// index with indexer in a temporary folder and serves it with searchd
// (Debian's sphinxsearch, ../shared/bench/sphinx/sphinx-ensure.sh), its
// facets on what veille extracted from each article (exported from veille
// after its run, untimed).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the bench's flags.
type options struct {
	Corpus     []string
	Queries    string
	PGScripts  string
	Limit      int
	Sizes      []int
	Clients    int
	Duration   time.Duration
	Warmup     bool
	ChunkLines int
	ChunkBytes int
	Senders    int
	DetectLang bool

	VeilleBin string
	Module    string

	PGDSN   string
	PGStart bool
	PGBin   string
	PGOpts  []string

	SphinxStart   bool
	SphinxScripts string

	Markdown  string
	WorkDir   string
	Keep      bool
	MaxLoad   float64
	WaitQuiet time.Duration

	Command string // the command line, for the report
}

func defaultOptions() options {
	return options{
		Queries:       filepath.Join("..", "shared", "bench", "queries-fr.txt"),
		PGScripts:     filepath.Join("..", "shared", "bench", "postgres"),
		SphinxScripts: filepath.Join("..", "shared", "bench", "sphinx"),
		Clients:       2,
		Duration:      30 * time.Second,
		Warmup:        true,
		ChunkLines:    2000,
		ChunkBytes:    4 << 20,
		Senders:       2,
		PGBin:         "/usr/lib/postgresql/15/bin",
		MaxLoad:       0,
		WaitQuiet:     20 * time.Minute,
	}
}

// listFlag is a repeatable flag that also splits on commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

var errUsage = errors.New("usage")

func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := defaultOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var corpus, sizes, pgOpts listFlag
	fs.Var(&corpus, "corpus", "JSONL corpus `file` (.gz allowed); repeatable, read in order (default ../shared/data/orangesum-fr.jsonl.gz)")
	fs.StringVar(&o.Queries, "queries", o.Queries, "query `file`, one a line")
	fs.StringVar(&o.PGScripts, "pg-sql", o.PGScripts, "`folder` of pg-setup.sql and pg-search.sql")
	fs.IntVar(&o.Limit, "limit", 0, "take the first `N` articles of the corpus (0: all)")
	fs.Var(&sizes, "sizes", "measure at each of these corpus `sizes` in turn, e.g. 10000,50000,0 (0: all) and print a scale table")
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent query clients")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "length of each timed query run")
	fs.BoolVar(&o.Warmup, "warmup", o.Warmup, "run every query once, untimed, before the timed run (also counts matches)")
	fs.IntVar(&o.ChunkLines, "chunk", o.ChunkLines, "NDJSON `lines` per bulk request")
	fs.IntVar(&o.ChunkBytes, "chunk-bytes", o.ChunkBytes, "maximum `bytes` per bulk request (the service refuses more than 10 MiB)")
	fs.IntVar(&o.Senders, "ingest-concurrency", o.Senders, "concurrent bulk requests")
	fs.BoolVar(&o.DetectLang, "detect-language", true, "leave the language out of the articles, so that the service detects it (as the ingest floor requires); false sends the corpus's language")
	fs.StringVar(&o.VeilleBin, "veille-bin", "", "veille `binary` to test (default: go build of the module)")
	fs.StringVar(&o.Module, "module", "", "module root `folder` to build veille from (default: found from the working directory)")
	fs.StringVar(&o.PGDSN, "pg", "", "`DSN` of an existing PostgreSQL database to compare with (its table articles is replaced)")
	fs.BoolVar(&o.PGStart, "pg-start", false, "start a throw-away PostgreSQL to compare with")
	fs.StringVar(&o.PGBin, "pg-bin", o.PGBin, "`folder` of the PostgreSQL binaries for --pg-start")
	fs.Var(&pgOpts, "pg-opt", "extra PostgreSQL `setting` for --pg-start, e.g. shared_buffers=1GB (repeatable)")
	fs.BoolVar(&o.SphinxStart, "sphinx-start", false, "build a throw-away Sphinx index and serve it with searchd, to compare with")
	fs.StringVar(&o.SphinxScripts, "sphinx-conf", o.SphinxScripts, "`folder` of sphinx.conf.in, sphinx-stopwords-fr.txt and sphinx-search.sql")
	fs.StringVar(&o.Markdown, "markdown", "", "also write the report as Markdown to `file`")
	fs.StringVar(&o.WorkDir, "work-dir", "", "`folder` for temporary files (default: the system's; PostgreSQL's always go to the system's)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary files (data folders, logs)")
	fs.Float64Var(&o.MaxLoad, "max-load", o.MaxLoad, "before each system, wait until the 1-minute load average is under this `value` (0: don't wait)")
	fs.DurationVar(&o.WaitQuiet, "wait-quiet", o.WaitQuiet, "give up waiting for a quiet machine after this long, and run anyway")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench [flags]\n\nMeasure veille (and PostgreSQL full-text search, and Sphinx) on a corpus and a query set.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return o, errUsage
	}
	o.Corpus = corpus
	if len(o.Corpus) == 0 {
		o.Corpus = []string{filepath.Join("..", "shared", "data", "orangesum-fr.jsonl.gz")}
	}
	o.PGOpts = pgOpts
	for _, s := range sizes {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fmt.Fprintf(stderr, "bench: --sizes: %q is not a number of articles\n", s)
			return o, errUsage
		}
		o.Sizes = append(o.Sizes, n)
	}
	if o.Clients < 1 || o.Duration <= 0 || o.ChunkLines < 1 || o.ChunkBytes < 1024 || o.Senders < 1 {
		fmt.Fprintln(stderr, "bench: --clients, --duration, --chunk, --chunk-bytes and --ingest-concurrency must be positive")
		return o, errUsage
	}
	o.Command = "go run ./bench " + shellJoin(args)
	return o, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if _, err := run(ctx, o, os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run measures every step, prints the report to stdout and writes the
// Markdown file when asked.
func run(ctx context.Context, o options, stdout io.Writer, log *slog.Logger) (*report, error) {
	queries, err := readQueries(o.Queries)
	if err != nil {
		return nil, err
	}
	withPG := o.PGStart || o.PGDSN != ""
	var setup string
	var stmts []string
	if withPG {
		if setup, stmts, err = loadPGScripts(o.PGScripts); err != nil {
			return nil, err
		}
		if o.PGStart {
			if _, err := os.Stat(filepath.Join(o.PGBin, "initdb")); err != nil {
				return nil, fmt.Errorf("--pg-start: no PostgreSQL binaries in %s (apt-get install postgresql postgresql-contrib): %w", o.PGBin, err)
			}
		}
	}
	var sphinxStmts sphinxStatements
	if o.SphinxStart {
		if err := sphinxAvailable(); err != nil {
			return nil, err
		}
		if sphinxStmts, err = loadSphinxScripts(o.SphinxScripts); err != nil {
			return nil, err
		}
	}
	for _, c := range o.Corpus {
		if _, err := os.Stat(c); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
	}

	root, err := os.MkdirTemp(o.WorkDir, "veille-bench-")
	if err != nil {
		return nil, err
	}
	if o.Keep {
		log.Info("keeping temporary files", "dir", root)
	} else {
		defer os.RemoveAll(root)
	}

	bin, version := o.VeilleBin, "(given binary)"
	if bin == "" {
		module, err := moduleRoot(o.Module)
		if err != nil {
			return nil, err
		}
		bin = filepath.Join(root, "veille")
		log.Info("building veille", "module", module)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
		cmd.Dir = module
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build: %w: %s", err, truncate(string(out), 2000))
		}
		version = gitVersion(module)
	} else if abs, err := filepath.Abs(bin); err == nil {
		bin = abs
	}

	rep := &report{
		Command:   o.Command,
		Started:   time.Now(),
		Machine:   machine{CPUs: runtime.NumCPU(), MemBytes: memTotal(), OS: osName(), Go: runtime.Version(), LoadStart: loadAvg()},
		Queries:   len(queries),
		QueryFile: filepath.Base(o.Queries),
		Clients:   o.Clients,
		Duration:  o.Duration,
		Warmup:    o.Warmup,
	}
	for _, c := range o.Corpus {
		rep.Corpus = append(rep.Corpus, filepath.Base(c))
	}
	sizes := o.Sizes
	if len(sizes) == 0 {
		sizes = []int{o.Limit}
	}
	ro := runOptions{Clients: o.Clients, Duration: o.Duration, Warmup: o.Warmup, Log: log}
	for i, size := range sizes {
		dir := filepath.Join(root, fmt.Sprintf("step%d", i+1))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return rep, err
		}
		log.Info("preparing the corpus", "limit", size)
		p, err := prepare(dir, o.Corpus, size, o.DetectLang)
		if err != nil {
			return rep, err
		}
		st := step{Limit: size, Corpus: p.Stats}

		vdir := filepath.Join(dir, "veille")
		v := &veilleService{bin: bin, dir: vdir, version: version, chunkLines: o.ChunkLines, chunkBytes: o.ChunkBytes,
			senders: o.Senders, readyWait: 10 * time.Minute}
		vo := ro
		var ents map[string]entities
		if o.SphinxStart {
			vo.After = func(ctx context.Context, _ system) error {
				log.Info("exporting veille's extraction for Sphinx")
				var err error
				ents, err = exportEntities(ctx, v)
				return err
			}
		}
		// measure runs sys when the machine is quiet enough and removes
		// its folder afterwards.
		measure := func(sys system, sysDir string, o2 runOptions) (*sysResult, error) {
			waitQuiet(ctx, o, log)
			r, err := runSystem(ctx, sys, p, queries, o2)
			if !o.Keep {
				os.RemoveAll(sysDir)
			}
			return &r, err
		}
		if st.Veille, err = measure(v, vdir, vo); err != nil {
			return rep, err
		}
		if withPG {
			// Its own folder in the system's temporary folder: the
			// postgres user must be able to reach it (and its socket path
			// must stay short).
			pdir, err := os.MkdirTemp("", "veille-bench-pg-")
			if err != nil {
				return rep, err
			}
			if o.Keep {
				log.Info("keeping PostgreSQL's temporary files", "dir", pdir)
			}
			pg := &pgPeer{dsn: o.PGDSN, dir: pdir, binDir: o.PGBin, opts: o.PGOpts, setup: setup, stmts: stmts}
			if st.PG, err = measure(pg, pdir, ro); err != nil {
				return rep, err
			}
		}
		if o.SphinxStart {
			sdir := filepath.Join(dir, "sphinx")
			sp := &sphinxPeer{scripts: o.SphinxScripts, dir: sdir, prep: p, ents: ents, stmts: sphinxStmts}
			if st.Sphinx, err = measure(sp, sdir, ro); err != nil {
				return rep, err
			}
		}
		if !o.Keep {
			os.Remove(p.NDJSON)
			os.Remove(p.Copy)
		}
		rep.Steps = append(rep.Steps, st)
	}
	rep.Machine.LoadEnd = loadAvg()

	rep.writeText(stdout)
	if o.Markdown != "" {
		f, err := os.Create(o.Markdown)
		if err != nil {
			return rep, err
		}
		rep.writeMarkdown(f)
		if err := f.Close(); err != nil {
			return rep, err
		}
		log.Info("wrote Markdown report", "file", o.Markdown)
	}
	return rep, nil
}

// waitQuiet waits, when --max-load is set, until the 1-minute load average
// drops under it (other work on the machine would distort the figures),
// giving up after --wait-quiet.
func waitQuiet(ctx context.Context, o options, log *slog.Logger) {
	if o.MaxLoad <= 0 {
		return
	}
	deadline := time.Now().Add(o.WaitQuiet)
	for {
		l := loadAvg()
		if l < o.MaxLoad {
			return
		}
		if time.Now().After(deadline) {
			log.Warn("the machine is still busy; measuring anyway", "load", l)
			return
		}
		log.Info("waiting for a quiet machine", "load", l, "max", o.MaxLoad)
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
	}
}

// moduleRoot returns dir, or the nearest folder holding go.mod from the
// working directory up.
func moduleRoot(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s: pass --module or --veille-bin", wd)
		}
	}
}

// gitVersion names the commit the binary was built from, "+changes" when
// the work tree differs from it.
func gitVersion(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "(unknown commit)"
	}
	v := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		v += "+changes"
	}
	return v
}

// shellJoin quotes args for a copy-pasteable command line.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.TrimSpace(strings.Join(q, " "))
}
