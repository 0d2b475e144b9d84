package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	// The MySQL protocol driver speaks SphinxQL (searchd's mysql41
	// listener); its interpolateParams option keeps it from preparing
	// statements, which searchd does not support.
	"github.com/go-sql-driver/mysql"
	"golang.org/x/text/unicode/norm"
)

// sphinxPeer is the Sphinx 2.2.11 peer of ../shared/bench/sphinx: the
// articles in one plain index that indexer builds from a TSV file, served
// by searchd over SphinxQL on loopback. A results page is the statements
// of sphinx-search.sql: the top 10 by relevance with six facets on
// veille's own extracted values and SHOW META (the total), then CALL
// SNIPPETS on the hits' titles and bodies.
type sphinxPeer struct {
	scripts string              // sphinx.conf.in, sphinx-stopwords-fr.txt, sphinx-search.sql
	dir     string              // corpus.tsv, dicts.json, sphinx.conf, index/, logs
	prep    *prepared           // the corpus, as the other systems get it
	ents    map[string]entities // what veille extracted, by article id
	stmts   sphinxStatements
	version string

	port  int
	docs  int
	input sphinxInput

	cmd     *exec.Cmd // searchd, in the foreground of a child process
	exited  chan struct{}
	waitErr error
	// cpuDone is the CPU time of the processes that have ended (indexer,
	// searchd before a restart); peakRSS the largest of their peaks.
	cpuDone     time.Duration
	indexerRSS  int64
	searchdPeak int64

	db    *sql.DB
	conns []*sql.Conn
}

// sphinxStatements are the two statements of sphinx-search.sql.
type sphinxStatements struct {
	Page     string // SELECT … FACET …; SHOW META — one '?' for the query
	Snippets string // CALL SNIPPETS(({col:title}, {col:body}), …, ?, …)
}

// snippetDocs is the placeholder of sphinx-search.sql's CALL SNIPPETS
// that stands for the hits' texts: each hit's title and body, in order.
const snippetDocs = "({col:title}, {col:body})"

// sphinxAvailable says whether Debian's sphinxsearch is installed.
func sphinxAvailable() error {
	for _, b := range []string{"indexer", "searchd"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("--sphinx-start: %s not found (../shared/bench/sphinx/sphinx-ensure.sh installs Debian's sphinxsearch): %w", b, err)
		}
	}
	return nil
}

// loadSphinxScripts reads the ';;'-separated statements of sphinx-search.sql
// and checks that the configuration template is there.
func loadSphinxScripts(dir string) (sphinxStatements, error) {
	if _, err := os.Stat(filepath.Join(dir, "sphinx.conf.in")); err != nil {
		return sphinxStatements{}, fmt.Errorf("sphinx scripts: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sphinx-search.sql"))
	if err != nil {
		return sphinxStatements{}, fmt.Errorf("sphinx scripts: %w", err)
	}
	var stmts []string
	for _, s := range strings.Split(string(b), ";;") {
		if s = strings.TrimSpace(s); s != "" {
			stmts = append(stmts, s)
		}
	}
	if len(stmts) != 2 {
		return sphinxStatements{}, fmt.Errorf("sphinx scripts: sphinx-search.sql holds %d statements, want 2 separated by ';;'", len(stmts))
	}
	st := sphinxStatements{Page: stmts[0], Snippets: stmts[1]}
	if strings.Count(st.Page, "?") != 1 || !strings.Contains(st.Snippets, snippetDocs) || strings.Count(st.Snippets, "?") != 1 {
		return st, fmt.Errorf("sphinx scripts: sphinx-search.sql: want one '?' in each statement and %s in CALL SNIPPETS", snippetDocs)
	}
	return st, nil
}

func (s *sphinxPeer) Name() string    { return "Sphinx" }
func (s *sphinxPeer) Version() string { return s.version }

func (s *sphinxPeer) confPath() string { return filepath.Join(s.dir, "sphinx.conf") }
func (s *sphinxPeer) logPath() string  { return filepath.Join(s.dir, "searchd.out") }

// Start renders the peer's input (the TSV file, the dictionaries of the
// facet ids and the configuration; not timed): searchd cannot serve a plain
// index before indexer has built it, which Ingest times.
func (s *sphinxPeer) Start(context.Context) (time.Duration, error) {
	out, err := exec.Command("indexer").CombinedOutput() // prints its version, then its usage
	if first, _, _ := strings.Cut(string(out), "\n"); strings.HasPrefix(first, "Sphinx ") {
		s.version = strings.TrimPrefix(strings.TrimSpace(first), "Sphinx ")
	} else if err != nil && len(out) == 0 {
		return 0, fmt.Errorf("indexer: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	s.port = port
	s.input, err = writeSphinxInput(s.dir, s.scripts, port, s.prep, s.ents)
	if err != nil {
		return 0, err
	}
	s.docs = s.input.Docs
	return 0, nil
}

// Ingest builds the plain index with indexer and starts searchd on it,
// timed until a SphinxQL query counts every article.
func (s *sphinxPeer) Ingest(ctx context.Context, _ *prepared) (ingestResult, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "indexer", "--config", s.confPath(), "--all", "--quiet")
	dieWithParent(cmd, syscall.SIGKILL)
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState != nil {
		s.cpuDone += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.indexerRSS = ru.Maxrss * 1024
		}
	}
	if err != nil {
		return ingestResult{}, fmt.Errorf("indexer: %w: %s", err, truncate(string(out), 1500))
	}
	if _, err := s.launch(ctx); err != nil {
		return ingestResult{}, err
	}
	n, err := s.Count(ctx)
	if err != nil {
		return ingestResult{}, err
	}
	return ingestResult{Articles: int(n), Failed: s.docs - int(n), Took: time.Since(start)}, nil
}

// launch runs searchd in the foreground of a child process (--nodetach, so
// that it dies with the bench) and waits until a query sees every article.
func (s *sphinxPeer) launch(ctx context.Context) (time.Duration, error) {
	logf, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	cmd := exec.Command("searchd", "--config", s.confPath(), "--nodetach")
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd, syscall.SIGTERM)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start searchd: %w", err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() { s.waitErr = cmd.Wait(); close(s.exited) }()
	if s.db == nil {
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr = "tcp", fmt.Sprintf("127.0.0.1:%d", s.port)
		cfg.InterpolateParams = true // searchd prepares no statement
		cfg.MultiStatements = true   // the page's SELECT and SHOW META go together
		cfg.Timeout = time.Second
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			return 0, err
		}
		s.db = sql.OpenDB(connector)
	}
	deadline := start.Add(2 * time.Minute)
	for {
		n, err := s.Count(ctx)
		if err == nil && int(n) >= s.docs {
			return time.Since(start), nil
		}
		select {
		case <-s.exited:
			return 0, fmt.Errorf("searchd exited (%v); log: %s", s.waitErr, tail(s.logPath(), 1500))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("searchd did not serve %d articles after 2 min (%d, %v); log: %s", s.docs, n, err, tail(s.logPath(), 1500))
		}
	}
}

// Count returns total_found of a query matching every article.
func (s *sphinxPeer) Count(ctx context.Context) (uint64, error) {
	if s.db == nil {
		return 0, errors.New("searchd is not running")
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT id FROM articles LIMIT 1; SHOW META")
	if err != nil {
		return 0, err
	}
	_, total, err := readSphinxPage(rows)
	return total, err
}

// Connect opens one connection per client.
func (s *sphinxPeer) Connect(ctx context.Context, clients int) error {
	s.closeConns()
	for i := 0; i < clients; i++ {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		s.conns = append(s.conns, c)
	}
	return nil
}

func (s *sphinxPeer) closeConns() {
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

// Total runs a results page and returns total_found.
func (s *sphinxPeer) Total(ctx context.Context, q string) (uint64, error) {
	if len(s.conns) == 0 {
		return 0, errors.New("not connected")
	}
	return s.page(ctx, s.conns[0], q)
}

// Page runs a results page on the client's connection.
func (s *sphinxPeer) Page(ctx context.Context, worker int, q string) error {
	_, err := s.page(ctx, s.conns[worker%len(s.conns)], q)
	return err
}

// page runs the ranked top 10 with its facets and SHOW META, then CALL
// SNIPPETS on the hits' titles and bodies, reading every row.
func (s *sphinxPeer) page(ctx context.Context, conn *sql.Conn, q string) (uint64, error) {
	rows, err := conn.QueryContext(ctx, s.stmts.Page, q)
	if err != nil {
		return 0, err
	}
	texts, total, err := readSphinxPage(rows)
	if err != nil || len(texts) == 0 {
		return total, err
	}
	stmt, args := snippetCall(s.stmts.Snippets, texts, q)
	srows, err := conn.QueryContext(ctx, stmt, args...)
	if err != nil {
		return total, fmt.Errorf("snippets: %w", err)
	}
	defer srows.Close()
	n := 0
	for srows.Next() {
		var snippet sql.RawBytes
		if err := srows.Scan(&snippet); err != nil {
			return total, fmt.Errorf("snippets: %w", err)
		}
		n++
	}
	if err := srows.Err(); err != nil {
		return total, fmt.Errorf("snippets: %w", err)
	}
	if n != len(texts) {
		return total, fmt.Errorf("snippets: %d answers for %d texts", n, len(texts))
	}
	return total, nil
}

// readSphinxPage reads every result set of a page: the hits first (their
// title and body columns, when selected, are returned in order), the
// facets, and SHOW META last, whose total_found it returns.
func readSphinxPage(rows *sql.Rows) (texts []string, total uint64, err error) {
	defer rows.Close()
	var meta map[string]string
	for set := 0; ; set++ {
		cols, err := rows.Columns()
		if err != nil {
			return nil, 0, err
		}
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		isMeta := len(cols) == 2 && cols[0] == "Variable_name"
		if isMeta {
			meta = map[string]string{}
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return nil, 0, err
			}
			switch {
			case isMeta:
				meta[string(vals[0])] = string(vals[1])
			case set == 0:
				for i, c := range cols {
					if c == "title" || c == "body" {
						texts = append(texts, string(vals[i]))
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	tf, ok := meta["total_found"]
	if !ok {
		return nil, 0, errors.New("no total_found in SHOW META")
	}
	total, err = strconv.ParseUint(tf, 10, 64)
	return texts, total, err
}

// snippetCall expands CALL SNIPPETS' document placeholder into one '?' per
// text and returns the statement with its arguments (the texts, then q).
func snippetCall(tmpl string, texts []string, q string) (string, []any) {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(texts)), ", ")
	args := make([]any, 0, len(texts)+1)
	for _, t := range texts {
		args = append(args, t)
	}
	return strings.Replace(tmpl, snippetDocs, "("+ph+")", 1), append(args, q)
}

func (s *sphinxPeer) CPU() time.Duration {
	cpu := s.cpuDone
	if s.cmd != nil && s.cmd.Process != nil && s.running() {
		cpu += treeCPU(s.cmd.Process.Pid)
	}
	return cpu
}

func (s *sphinxPeer) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Memory returns the larger of indexer's peak RSS and searchd's (VmHWM),
// which do not run at the same time.
func (s *sphinxPeer) Memory() (peak, now int64, how string) {
	var m procMem
	if s.cmd != nil && s.cmd.Process != nil {
		m, _ = readProcMem(s.cmd.Process.Pid)
	}
	if m.HWM > s.searchdPeak {
		s.searchdPeak = m.HWM
	}
	peak = max(s.indexerRSS, s.searchdPeak)
	how = fmt.Sprintf("the larger of indexer's peak RSS (%s) and searchd's VmHWM (%s); searchd at the end: %s = private %s + mapped files %s + shared memory %s",
		mib(s.indexerRSS), mib(s.searchdPeak), mib(m.RSS), mib(m.Anon), mib(m.File), mib(m.Shm))
	return peak, m.RSS, how
}

// IndexSize is the disk usage of the index folder.
func (s *sphinxPeer) IndexSize(context.Context) (int64, string, error) {
	in := s.input
	return diskUsage(filepath.Join(s.dir, "index")), fmt.Sprintf("du of the index folder; facets on veille's extraction: %d categories, %d languages, %d companies, %d countries, %d articles with amounts",
		in.Categories, in.Langs, in.Companies, in.Countries, in.WithAmounts), nil
}

// Restart stops searchd with SIGTERM (what searchd --stop sends) and starts
// it again on the same index, timed until a query sees every article.
func (s *sphinxPeer) Restart(ctx context.Context) (stop, ready time.Duration, ok bool, err error) {
	s.Memory() // keep the first searchd's peak
	start := time.Now()
	if err := s.stopServer(60 * time.Second); err != nil {
		return 0, 0, false, err
	}
	stop = time.Since(start)
	ready, err = s.launch(ctx)
	return stop, ready, err == nil, err
}

// stopServer closes the bench's connections (searchd waits for its
// clients' threads before it exits) and stops searchd with SIGTERM.
func (s *sphinxPeer) stopServer(grace time.Duration) error {
	s.closeConns()
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
	if s.cmd == nil || s.cmd.Process == nil || !s.running() {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("searchd did not stop within %s", grace)
	}
	if st := s.cmd.ProcessState; st != nil {
		s.cpuDone += st.UserTime() + st.SystemTime()
	}
	return nil
}

func (s *sphinxPeer) Close() error {
	return s.stopServer(60 * time.Second)
}

// entities is what veille extracted from one article, as the Sphinx peer
// facets on it.
type entities struct {
	Companies []string  `json:"companies"`
	Countries []string  `json:"countries"`
	Amounts   []float64 `json:"amounts"` // in euros
	Lang      string    `json:"lang"`
}

// exportEntities pages through every article of a running veille (the
// empty query, 100 hits a page, by cursor) and returns what it extracted
// from each, by id (as sphinx-export.py does).
func exportEntities(ctx context.Context, v *veilleService) (map[string]entities, error) {
	out := make(map[string]entities)
	cursor := ""
	for pages := 0; pages < 100000; pages++ {
		u := v.base + "/api/search?q=&per_page=100&highlight=none"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		data, err := v.get(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		var res struct {
			Total      int    `json:"total"`
			NextCursor string `json:"next_cursor"`
			Hits       []struct {
				ID        string   `json:"id"`
				Language  string   `json:"language"`
				Companies []string `json:"companies"`
				Countries []string `json:"countries"`
				Amounts   []struct {
					EUR *float64 `json:"eur"`
				} `json:"amounts"`
			} `json:"hits"`
		}
		if err := json.Unmarshal(data, &res); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		for _, h := range res.Hits {
			e := entities{Companies: h.Companies, Countries: h.Countries, Lang: h.Language}
			for _, a := range h.Amounts {
				if a.EUR != nil {
					e.Amounts = append(e.Amounts, *a.EUR)
				}
			}
			out[h.ID] = e
		}
		cursor = res.NextCursor
		if len(res.Hits) == 0 || cursor == "" || len(out) >= res.Total {
			break
		}
	}
	return out, nil
}

// sphinxInput counts what writeSphinxInput wrote.
type sphinxInput struct {
	Docs, Categories, Langs, Companies, Countries, WithAmounts int
}

// writeSphinxInput writes dir/corpus.tsv (one article a line, in the
// columns of sphinx.conf.in's source), dir/dicts.json (the names of the
// facet ids) and dir/sphinx.conf, as sphinx-prep.py does, from the
// articles the other systems get and what veille extracted from them.
func writeSphinxInput(dir, scripts string, port int, p *prepared, ents map[string]entities) (sphinxInput, error) {
	var in sphinxInput
	// Links resolved, as sphinx-prep.py resolves its own folder.
	scripts, err := filepath.EvalSymlinks(scripts)
	if err != nil {
		return in, fmt.Errorf("sphinx scripts: %w", err)
	}
	if scripts, err = filepath.Abs(scripts); err != nil {
		return in, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return in, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "index"), 0o755); err != nil {
		return in, err
	}
	tmpl, err := os.ReadFile(filepath.Join(scripts, "sphinx.conf.in"))
	if err != nil {
		return in, fmt.Errorf("sphinx scripts: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "corpus.tsv"))
	if err != nil {
		return in, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	d := newSphinxDicts()
	_, err = readCorpus(p.Paths, p.Limit, func(a article) error {
		in.Docs++
		writeSphinxRow(w, in.Docs, a, ents[a.ID], d)
		if len(ents[a.ID].Amounts) > 0 {
			in.WithAmounts++
		}
		return nil
	})
	if err != nil {
		return in, err
	}
	if err := w.Flush(); err != nil {
		return in, err
	}
	if err := f.Close(); err != nil {
		return in, err
	}
	in.Categories, in.Langs, in.Companies, in.Countries = len(d.cats.ids), len(d.langs.ids), len(d.companies.ids), len(d.countries.ids)
	dicts, err := json.Marshal(d.names())
	if err != nil {
		return in, err
	}
	if err := os.WriteFile(filepath.Join(dir, "dicts.json"), dicts, 0o644); err != nil {
		return in, err
	}
	conf := strings.NewReplacer("@DIR@", dir, "@PORT@", strconv.Itoa(port), "@PEERS@", scripts, "@CHARSET@", sphinxCharsetTable()).Replace(string(tmpl))
	return in, os.WriteFile(filepath.Join(dir, "sphinx.conf"), []byte(conf), 0o644)
}

// idMap numbers the distinct values of a facet from 1, in order of first
// appearance.
type idMap struct {
	ids   map[string]int
	names []string
}

func (m *idMap) id(v string) int {
	if m.ids == nil {
		m.ids = make(map[string]int)
	}
	if n, ok := m.ids[v]; ok {
		return n
	}
	m.names = append(m.names, v)
	m.ids[v] = len(m.names)
	return len(m.names)
}

// sphinxDicts are the integer ids of the facet values (a FACET on an
// integer attribute costs searchd about half the CPU of one on a string).
type sphinxDicts struct {
	cats, langs, companies, countries idMap
}

func newSphinxDicts() *sphinxDicts { return &sphinxDicts{} }

// names is dicts.json: each facet's names by id.
func (d *sphinxDicts) names() map[string]map[string]string {
	out := map[string]map[string]string{}
	for name, m := range map[string]*idMap{"categories": &d.cats, "langs": &d.langs, "companies": &d.companies, "countries": &d.countries} {
		out[name] = map[string]string{}
		for i, v := range m.names {
			out[name][strconv.Itoa(i+1)] = v
		}
	}
	out["bands"] = map[string]string{}
	for i, b := range sphinxBands {
		out["bands"][strconv.Itoa(i+1)] = b.label
	}
	return out
}

// sphinxBands are veille's amount bands (index/doc.go): an article counts
// in each band one of its amounts falls in.
var sphinxBands = [...]struct {
	label string
	min   float64
}{{"< 1 M€", 0}, {"1-100 M€", 1e6}, {"100 M-1 Md€", 1e8}, {"1-10 Md€", 1e9}, {"10-100 Md€", 1e10}, {"≥ 100 Md€", 1e11}}

// sphinxBand returns the 1-based band of an amount in euros (negative
// amounts count in the first).
func sphinxBand(eur float64) int {
	for i := len(sphinxBands) - 1; i > 0; i-- {
		if eur >= sphinxBands[i].min {
			return i + 1
		}
	}
	return 1
}

// writeSphinxRow writes one TSV line: id, title, body, aid, category, cat,
// published, month, lang, companies, countries, bands, amount.
func writeSphinxRow(w *bufio.Writer, n int, a article, e entities, d *sphinxDicts) {
	var ts int64
	month := 0
	if t, err := time.Parse(time.DateOnly, a.Published); err == nil {
		ts, month = t.Unix(), t.Year()*100+int(t.Month())
	}
	cat := tsvClean(a.Category)
	cols := []string{strconv.Itoa(n), tsvClean(a.Title), tsvClean(a.Body), a.ID, cat,
		strconv.Itoa(d.cats.id(cat)), strconv.FormatInt(ts, 10), strconv.Itoa(month), strconv.Itoa(d.langs.id(e.Lang)),
		idList(&d.companies, e.Companies), idList(&d.countries, e.Countries), bandList(e.Amounts), "0"}
	if len(e.Amounts) > 0 {
		top := e.Amounts[0]
		for _, v := range e.Amounts {
			top = max(top, v)
		}
		cols[12] = strconv.FormatFloat(top, 'g', -1, 64)
	}
	for i, c := range cols {
		if i > 0 {
			w.WriteByte('\t')
		}
		w.WriteString(c)
	}
	w.WriteByte('\n')
}

// tsvClean turns tabs and line breaks into spaces.
func tsvClean(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// idList is a multi-value attribute: the distinct ids of vs, ascending.
func idList(m *idMap, vs []string) string {
	ids := make([]int, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, m.id(v))
	}
	return intSet(ids)
}

func bandList(amounts []float64) string {
	ids := make([]int, 0, len(amounts))
	for _, a := range amounts {
		ids = append(ids, sphinxBand(a))
	}
	return intSet(ids)
}

// intSet joins the distinct values of ids, ascending, with commas.
func intSet(ids []int) string {
	slices.Sort(ids)
	var b strings.Builder
	for i, v := range ids {
		if i > 0 && v == ids[i-1] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(v))
	}
	return b.String()
}

// sphinxCharsetExtra are the letters whose canonical decomposition does
// not start with an ASCII letter, folded by hand (as sphinx-prep.py does).
var sphinxCharsetExtra = map[rune]string{0xD8: "o", 0xF8: "o", 0x110: "d", 0x111: "d", 0xD0: "d", 0xF0: "d",
	0x141: "l", 0x142: "l", 0x131: "i", 0x126: "h", 0x127: "h", 0x166: "t", 0x167: "t",
	0xDE: "t", 0xFE: "t", 0x13F: "l", 0x140: "l", 0x14A: "n", 0x14B: "n"}

// sphinxCharsetTable is the index's charset_table: digits, ASCII letters
// (lower-cased), '_', the Latin-1 and Latin Extended-A letters folded to
// their base letter, æ, œ and ß kept as letters (charset_table maps one
// character to one), and Sphinx's default Cyrillic part.
func sphinxCharsetTable() string {
	parts := []string{"0..9", "A..Z->a..z", "_", "a..z"}
	for cp := rune(0xC0); cp < 0x180; cp++ {
		if to, ok := sphinxCharsetExtra[cp]; ok {
			parts = append(parts, fmt.Sprintf("U+%X->%s", cp, to))
			continue
		}
		if !unicode.IsLetter(cp) {
			continue
		}
		base := []rune(norm.NFD.String(string(cp)))[0]
		if base = unicode.ToLower(base); base >= 'a' && base <= 'z' {
			parts = append(parts, fmt.Sprintf("U+%X->%c", cp, base))
		}
	}
	parts = append(parts, "U+C6->U+E6", "U+E6", "U+152->U+153", "U+153", "U+DF",
		"U+410..U+42F->U+430..U+44F", "U+430..U+44F", "U+401->U+451", "U+451")
	return strings.Join(parts, ", ")
}
