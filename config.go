package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// errUsage marks command-line mistakes; the flag package has already
// printed the usage when it is returned.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// config is everything the commands need, from flags and environment.
type config struct {
	Command string

	Addr      string // listen address (serve); server to ask (search, when the data folder is busy)
	Data      string // index and state folder
	Corpus    string // watched corpus folder; empty = the embedded seed corpus
	AdminKey  string // bearer key for writes; empty = loopback-only writes
	Gazetteer string // extra companies gazetteer file
	Rates     string // currency rate table file
	Sources   string // file of feed URLs to follow (serve)

	AllowPrivateTargets bool // feeds, pages and webhooks may reach loopback, private and link-local addresses

	NATS        string // comma-separated NATS URLs: run as a node of a cluster; empty = a single node
	Node        string // this node's name in the cluster; empty = the host name
	NATSMonitor string // comma-separated monitoring URLs of the NATS servers, to check their fsync setting
	Partitions  string // the partitions this node holds ("0-7"); empty = as assigned in the cluster's bucket, else all

	ShutdownTimeout time.Duration
	AllowedHosts    commaList // host names requests may name besides IP addresses and localhost
	MaxConnections  int       // open connections at most; more wait to be accepted

	Paths  []string    // index: files and folders to index
	Search searchFlags // search: the query and its filters
}

// searchFlags are the options of "veille search".
type searchFlags struct {
	Query                               string
	Companies, Countries, Langs, Source stringList
	ExcludeCompanies, ExcludeCountries  stringList
	ExcludeSources                      stringList
	AmountMin, AmountMax                string
	From, To                            string
	Sort, Mode                          string
	Collapse                            string
	Page, PerPage                       int
	JSON                                bool
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// commaList is a repeatable flag whose values may also be comma-separated.
type commaList []string

func (s *commaList) String() string { return strings.Join(*s, ",") }
func (s *commaList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

func defaultConfig() config {
	return config{
		Command:         "serve",
		Addr:            "127.0.0.1:8080",
		Data:            "./veille-data",
		ShutdownTimeout: 15 * time.Second,
		MaxConnections:  512,
	}
}

// parseConfig reads the command, its flags and the VEILLE_* environment.
// Flags win over the environment, which wins over defaults.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := defaultConfig()
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cfg.Command, args = args[0], args[1:]
	}
	envs := []struct {
		name string
		dst  *string
	}{
		{"VEILLE_ADDR", &cfg.Addr},
		{"VEILLE_DATA", &cfg.Data},
		{"VEILLE_CORPUS", &cfg.Corpus},
		{"VEILLE_ADMIN_KEY", &cfg.AdminKey},
		{"VEILLE_GAZETTEER", &cfg.Gazetteer},
		{"VEILLE_RATES", &cfg.Rates},
		{"VEILLE_NATS", &cfg.NATS},
		{"VEILLE_NODE", &cfg.Node},
		{"VEILLE_NATS_MONITOR", &cfg.NATSMonitor},
		{"VEILLE_PARTITIONS", &cfg.Partitions},
		{"VEILLE_SOURCES", &cfg.Sources},
	}
	for _, e := range envs {
		if v := getenv(e.name); v != "" {
			*e.dst = v
		}
	}
	if v := getenv("VEILLE_ALLOW_PRIVATE_TARGETS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fmt.Fprintf(stderr, "veille: VEILLE_ALLOW_PRIVATE_TARGETS=%q is not a boolean (true, false, 1, 0)\n", v)
			return cfg, errUsage
		}
		cfg.AllowPrivateTargets = b
	}
	if v := getenv("VEILLE_ALLOWED_HOSTS"); v != "" {
		_ = cfg.AllowedHosts.Set(v)
	}
	if v := getenv("VEILLE_MAX_CONNECTIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "veille: VEILLE_MAX_CONNECTIONS=%q is not a positive number\n", v)
			return cfg, errUsage
		}
		cfg.MaxConnections = n
	}

	fs := flag.NewFlagSet("veille "+cfg.Command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Data, "data", cfg.Data, "index and state `folder`; created if missing (VEILLE_DATA)")
	fs.StringVar(&cfg.Gazetteer, "gazetteer", cfg.Gazetteer, "extra companies gazetteer `file` (\"Canonical | alias | alias\" lines) (VEILLE_GAZETTEER)")
	fs.StringVar(&cfg.Rates, "rates", cfg.Rates, "currency reference rates `file`, replacing the embedded ones for the currencies and months it names (\"USD 0.92\" lines: euros per unit, or \"2020-03 USD 0.91\" for one month) (VEILLE_RATES)")
	switch cfg.Command {
	case "serve":
		fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen `address` (VEILLE_ADDR)")
		fs.StringVar(&cfg.Corpus, "corpus", cfg.Corpus, "`folder` of articles indexed at start and watched for changes; default: the embedded seed corpus (VEILLE_CORPUS)")
		fs.StringVar(&cfg.AdminKey, "admin-key", cfg.AdminKey, "bearer `key` required for writes; when unset, writes are accepted from loopback clients only (VEILLE_ADMIN_KEY)")
		fs.StringVar(&cfg.Sources, "sources", cfg.Sources, "`file` of feed URLs to follow, one a line (\"URL\" or \"URL name...\"), merged with the sources added through the API (VEILLE_SOURCES)")
		fs.BoolVar(&cfg.AllowPrivateTargets, "allow-private-targets", cfg.AllowPrivateTargets, "let feeds, pages and webhooks reach loopback, private and link-local addresses (VEILLE_ALLOW_PRIVATE_TARGETS)")
		fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long SIGTERM waits for requests to end and the index to close before the process exits")
		fs.Var(&cfg.AllowedHosts, "allowed-hosts", "host `names` (comma-separated, repeatable) the service answers under besides IP addresses and localhost; when set, requests naming another host are refused, which stops DNS-rebinding pages (VEILLE_ALLOWED_HOSTS)")
		fs.IntVar(&cfg.MaxConnections, "max-connections", cfg.MaxConnections, "open HTTP connections at most; more wait to be accepted (VEILLE_MAX_CONNECTIONS)")
		fs.StringVar(&cfg.NATS, "nats", cfg.NATS, "comma-separated NATS `URLs`: run as a node of a cluster whose write-ahead log is a JetStream stream; unset: a single node (VEILLE_NATS)")
		fs.StringVar(&cfg.Node, "node", cfg.Node, "this node's `name` in the cluster; default: the host name (VEILLE_NODE)")
		fs.StringVar(&cfg.Partitions, "partitions", cfg.Partitions, "the partitions of the cluster this node holds, as numbers and ranges (\"0-7\"); default: as assigned in the cluster's bucket, else all (VEILLE_PARTITIONS)")
		fs.StringVar(&cfg.NATSMonitor, "nats-monitor", cfg.NATSMonitor, "comma-separated monitoring `URLs` of the NATS servers (http://host:8222), to refuse servers that do not fsync every write (VEILLE_NATS_MONITOR)")
		fs.Usage = usageFunc(fs, "veille [serve] [flags]\n       veille index [flags] PATH...\n       veille search [flags] QUERY",
			"Commands:\n"+
				"  serve    serve the HTTP API and the search page (the default)\n"+
				"  index    index files or folders into the data folder, with a progress bar (veille index --help)\n"+
				"  search   search the data folder from a terminal (veille search --help)\n\n"+
				"Flags of serve:")
	case "index":
		fs.Usage = usageFunc(fs, "veille index [flags] PATH...", "Index files or folders (.txt, .md, .html, .htm, .json, .ndjson, .jsonl, optionally .gz) into the data folder.")
	case "search":
		s := &cfg.Search
		fs.Var(&s.Companies, "company", "keep articles naming this `company` (repeatable)")
		fs.Var(&s.Countries, "country", "keep articles naming this `country`: ISO code or French/English name (repeatable)")
		fs.Var(&s.Langs, "lang", "keep articles in this `language` (ISO 639-1, repeatable)")
		fs.Var(&s.Source, "source", "keep articles from this `source` (repeatable)")
		fs.Var(&s.ExcludeCompanies, "exclude-company", "leave out articles naming this `company` (repeatable)")
		fs.Var(&s.ExcludeCountries, "exclude-country", "leave out articles naming this `country` (repeatable)")
		fs.Var(&s.ExcludeSources, "exclude-source", "leave out articles from this `source` (repeatable)")
		fs.StringVar(&s.AmountMin, "amount-min", "", "keep articles with an amount of at least this many `euros` (\"1500000\", \"1,5 Md\", \"100 M€\")")
		fs.StringVar(&s.AmountMax, "amount-max", "", "keep articles with an amount of at most this many `euros`")
		fs.StringVar(&s.From, "from", "", "published on or after this `date` (YYYY-MM-DD)")
		fs.StringVar(&s.To, "to", "", "published on or before this `date` (YYYY-MM-DD)")
		fs.StringVar(&s.Sort, "sort", "", "`order`: relevance, date, -date, amount, -amount")
		fs.StringVar(&s.Mode, "mode", "all", "all words must match (all) or any (any)")
		fs.StringVar(&s.Collapse, "collapse", "", "`story`: one hit per story (near-duplicates grouped; the hit says how many others), counts of stories; none (default): one hit per article")
		fs.IntVar(&s.Page, "page", 1, "result `page`, from 1")
		fs.IntVar(&s.PerPage, "per-page", 10, "results per page, at most 100")
		fs.BoolVar(&s.JSON, "json", false, "print the API's JSON response instead of text")
		fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "`address` of the server to ask when another process holds the data folder; it is asked only when it serves that folder (VEILLE_ADDR)")
		fs.Usage = usageFunc(fs, "veille search [flags] QUERY", "Search the data folder from a terminal.")
	default:
		fmt.Fprintf(stderr, "veille: unknown command %q (want serve, index or search)\n", cfg.Command)
		return cfg, errUsage
	}

	positional, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, fmt.Errorf("%w: help shown", errUsage)
		}
		return cfg, fmt.Errorf("%w: %v", errUsage, err)
	}
	switch cfg.Command {
	case "serve":
		if len(positional) > 0 {
			fmt.Fprintf(stderr, "veille serve: unexpected argument %q\n", positional[0])
			return cfg, errUsage
		}
		if cfg.MaxConnections < 1 || cfg.ShutdownTimeout <= 0 {
			fmt.Fprintln(stderr, "veille serve: --max-connections and --shutdown-timeout must be positive")
			return cfg, errUsage
		}
	case "index":
		if len(positional) == 0 {
			fmt.Fprintln(stderr, "veille index: name at least one file or folder")
			fs.Usage()
			return cfg, errUsage
		}
		cfg.Paths = positional
	case "search":
		cfg.Search.Query = strings.Join(positional, " ")
	}
	return cfg, nil
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments ("veille search nvidia --country NO"); "--" ends flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func usageFunc(fs *flag.FlagSet, synopsis, what string) func() {
	return func() {
		if strings.HasSuffix(what, ":") { // what introduces the flags itself
			fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s\n", synopsis, what)
		} else {
			fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s\n\nFlags:\n", synopsis, what)
		}
		fs.PrintDefaults()
	}
}

// tuneGC sets the collector for the command. serve collects half as
// often as Go's default (+13 % results pages/s on OrangeSum) under a soft
// memory limit of 200 MiB: the service's memory budget counts the mapped
// index files too, and the private part stays at the limit through a
// bulk ingest (the live heap is 80-120 MB then on OrangeSum; the heap in
// use was 166-176 MB after an ingest of 188k articles). A lower limit was
// measured and not kept (BENCHMARKS.md, issue 18 stage 5): 150 MiB took
// the OrangeSum peak from 293-300 to 246-251 MB for about 15 % more
// ingest CPU, but at 188k articles, where the heap in use stays above it,
// the collector ran far more (ingest CPU an article 1.55 against 1.16 ms,
// CPU a page 12.7 against 7.8 ms) for 17 MB less (600 against 617 MB:
// the mapped index is most of it). index, a batch job, collects half as
// often with no limit. GOGC and GOMEMLIMIT, when set, win.
func tuneGC(command string, getenv func(string) string) {
	switch command {
	case "serve":
		if getenv("GOGC") == "" {
			debug.SetGCPercent(200)
		}
		if getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(200 << 20)
		}
	case "index":
		if getenv("GOGC") == "" {
			debug.SetGCPercent(200)
		}
	}
}
