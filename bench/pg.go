package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgPeer is the PostgreSQL full-text peer: the shared pg-setup.sql schema,
// COPY plus a GIN index for the load, and the three pg-search.sql
// statements for a results page. It either starts a throw-away server
// (binDir set) or uses an existing database (dsn set).
type pgPeer struct {
	dsn     string   // external database; empty when the bench starts its own
	binDir  string   // PostgreSQL binaries (initdb, postgres)
	dir     string   // temporary folder of the throw-away server
	opts    []string // extra -c settings
	setup   string   // pg-setup.sql
	stmts   []string // pg-search.sql statements
	version string

	port    int
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	uid     int
	gid     int

	conns []*pgx.Conn

	sampleStop chan struct{}
	sampleDone chan struct{}
	peakPSS    atomic.Int64
	mu         sync.Mutex
}

// ginIndex is the statement that builds the full-text index after the COPY
// (pg-setup.sql creates the table and its generated tsvector column only).
const ginIndex = "CREATE INDEX articles_tsv_gin ON articles USING gin (tsv)"

// loadPGScripts reads pg-setup.sql and the ';;'-separated statements of
// pg-search.sql from dir.
func loadPGScripts(dir string) (setup string, stmts []string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "pg-setup.sql"))
	if err != nil {
		return "", nil, fmt.Errorf("postgres scripts: %w", err)
	}
	setup = string(b)
	b, err = os.ReadFile(filepath.Join(dir, "pg-search.sql"))
	if err != nil {
		return "", nil, fmt.Errorf("postgres scripts: %w", err)
	}
	for _, s := range strings.Split(string(b), ";;") {
		if s = strings.TrimSpace(s); s != "" {
			stmts = append(stmts, s)
		}
	}
	if len(stmts) != 3 {
		return "", nil, fmt.Errorf("postgres scripts: pg-search.sql holds %d statements, want 3 separated by ';;'", len(stmts))
	}
	return setup, stmts, nil
}

func (p *pgPeer) Name() string    { return "PostgreSQL" }
func (p *pgPeer) Version() string { return p.version }

func (p *pgPeer) dataDir() string { return filepath.Join(p.dir, "data") }
func (p *pgPeer) logPath() string { return filepath.Join(p.dir, "postgres.log") }

func (p *pgPeer) connString() string {
	if p.dsn != "" {
		return p.dsn
	}
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", p.port)
}

// Start creates a cluster with initdb (not timed) and starts it, or checks
// that the external database answers. The time returned runs from the
// server's start to the first successful query.
func (p *pgPeer) Start(ctx context.Context) (time.Duration, error) {
	if p.dsn == "" {
		if err := p.initdb(ctx); err != nil {
			return 0, err
		}
		d, err := p.launch(ctx)
		if err != nil {
			return 0, err
		}
		p.startSampler()
		return d, nil
	}
	start := time.Now()
	conn, err := pgx.Connect(ctx, p.connString())
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version')").Scan(&p.version); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// initdb creates a UTF-8 cluster owned by the postgres user when the bench
// runs as root (PostgreSQL refuses to run as root).
func (p *pgPeer) initdb(ctx context.Context) error {
	probe := exec.Command("true")
	uid, gid, err := runAsUser(probe, "postgres")
	if err != nil {
		return err
	}
	p.uid, p.gid = uid, gid
	if err := chownTree(p.dir, uid, gid); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(p.binDir, "initdb"),
		"-D", p.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	if _, _, err := runAsUser(cmd, "postgres"); err != nil {
		return err
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %w: %s", err, truncate(string(out), 1500))
	}
	return nil
}

// launch runs the postmaster in the foreground of a child process (the
// equivalent of pg_ctl start with -k, -p and listen_addresses, minus the
// daemonizing, so that it dies with the bench) and waits until it answers.
func (p *pgPeer) launch(ctx context.Context) (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	p.port = port
	args := []string{"-D", p.dataDir(), "-k", p.dir, "-p", fmt.Sprint(port), "-c", "listen_addresses=127.0.0.1"}
	for _, o := range p.opts {
		args = append(args, "-c", o)
	}
	logf, err := os.OpenFile(p.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(p.binDir, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if _, _, err := runAsUser(cmd, "postgres"); err != nil {
		return 0, err
	}
	dieWithParent(cmd, syscall.SIGINT)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start postgres: %w", err)
	}
	p.cmd = cmd
	p.exited = make(chan struct{})
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()
	deadline := start.Add(2 * time.Minute)
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(cctx, p.connString())
		if err == nil {
			err = conn.QueryRow(cctx, "SELECT current_setting('server_version')").Scan(&p.version)
			conn.Close(cctx)
			cancel()
			if err == nil {
				return time.Since(start), nil
			}
		} else {
			cancel()
		}
		select {
		case <-p.exited:
			return 0, fmt.Errorf("postgres exited (%v); log: %s", p.waitErr, tail(p.logPath(), 1500))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("postgres not ready after 2 min; log: %s", tail(p.logPath(), 1500))
		}
	}
}

// startSampler records the peak proportional set size of the postmaster
// and its backends every 100 ms (PSS shares shared_buffers fairly among
// the processes instead of counting them in each).
func (p *pgPeer) startSampler() {
	p.sampleStop = make(chan struct{})
	p.sampleDone = make(chan struct{})
	go func() {
		defer close(p.sampleDone)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			p.samplePSS()
			select {
			case <-p.sampleStop:
				return
			case <-t.C:
			}
		}
	}()
}

func (p *pgPeer) samplePSS() int64 {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return 0
	}
	v := treePSS(cmd.Process.Pid)
	for {
		old := p.peakPSS.Load()
		if v <= old || p.peakPSS.CompareAndSwap(old, v) {
			return v
		}
	}
}

// Ingest runs pg-setup.sql (not timed), then times COPY of the prepared
// rows and the GIN index build together; ANALYZE runs afterwards, untimed.
func (p *pgPeer) Ingest(ctx context.Context, prep *prepared) (ingestResult, error) {
	conn, err := pgx.Connect(ctx, p.connString())
	if err != nil {
		return ingestResult{}, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, p.setup); err != nil {
		return ingestResult{}, fmt.Errorf("pg-setup.sql: %w", err)
	}
	f, err := os.Open(prep.Copy)
	if err != nil {
		return ingestResult{}, err
	}
	defer f.Close()
	start := time.Now()
	tag, err := conn.PgConn().CopyFrom(ctx, f, "COPY articles (id, title, body, category, published) FROM STDIN")
	if err != nil {
		return ingestResult{}, fmt.Errorf("COPY: %w", err)
	}
	if _, err := conn.Exec(ctx, ginIndex); err != nil {
		return ingestResult{}, fmt.Errorf("GIN index: %w", err)
	}
	res := ingestResult{Articles: int(tag.RowsAffected()), Took: time.Since(start)}
	if _, err := conn.Exec(ctx, "ANALYZE articles"); err != nil {
		return res, fmt.Errorf("ANALYZE: %w", err)
	}
	return res, nil
}

// Connect opens one connection per client.
func (p *pgPeer) Connect(ctx context.Context, clients int) error {
	p.closeConns()
	for i := 0; i < clients; i++ {
		c, err := pgx.Connect(ctx, p.connString())
		if err != nil {
			return err
		}
		p.conns = append(p.conns, c)
	}
	return nil
}

func (p *pgPeer) closeConns() {
	for _, c := range p.conns {
		_ = c.Close(context.Background())
	}
	p.conns = nil
}

// Total runs the count statement of pg-search.sql.
func (p *pgPeer) Total(ctx context.Context, q string) (uint64, error) {
	if len(p.conns) == 0 {
		return 0, errors.New("not connected")
	}
	var n int64
	if err := p.conns[0].QueryRow(ctx, p.stmts[1], q).Scan(&n); err != nil {
		return 0, err
	}
	// Run the whole page too, so that the warm-up touches what the timed
	// run will.
	return uint64(n), p.Page(ctx, 0, q)
}

// Page runs the three statements of a results page on the client's
// connection, sent together as one pipelined batch (one round trip), and
// reads every row.
func (p *pgPeer) Page(ctx context.Context, worker int, q string) error {
	conn := p.conns[worker%len(p.conns)]
	b := &pgx.Batch{}
	for _, s := range p.stmts {
		b.Queue(s, q)
	}
	br := conn.SendBatch(ctx, b)
	for range p.stmts {
		rows, err := br.Query()
		if err != nil {
			br.Close()
			return err
		}
		for rows.Next() {
			_ = rows.RawValues()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			br.Close()
			return err
		}
	}
	return br.Close()
}

func (p *pgPeer) Count(ctx context.Context) (uint64, error) {
	conn, err := pgx.Connect(ctx, p.connString())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int64
	err = conn.QueryRow(ctx, "SELECT count(*) FROM articles").Scan(&n)
	return uint64(n), err
}

func (p *pgPeer) CPU() time.Duration {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return treeCPU(p.cmd.Process.Pid)
}

func (p *pgPeer) Memory() (peak, now int64, how string) {
	if p.cmd == nil {
		return 0, 0, "not measured (external server)"
	}
	now = p.samplePSS()
	return p.peakPSS.Load(), now, "PSS of postmaster + backends, sampled every 100 ms"
}

// IndexSize is pg_total_relation_size of the table (heap, TOAST, primary
// key and GIN index): what the peer keeps to answer the same pages.
func (p *pgPeer) IndexSize(ctx context.Context) (int64, string, error) {
	conn, err := pgx.Connect(ctx, p.connString())
	if err != nil {
		return 0, "", err
	}
	defer conn.Close(context.Background())
	var total, gin int64
	err = conn.QueryRow(ctx, "SELECT pg_total_relation_size('articles'), pg_relation_size('articles_tsv_gin')").Scan(&total, &gin)
	if err != nil {
		return 0, "", err
	}
	return total, fmt.Sprintf("pg_total_relation_size('articles'); GIN index alone %s", mib(gin)), nil
}

// Restart stops the server with a fast shutdown (SIGINT, what pg_ctl stop
// sends by default) and starts it again on the same cluster.
func (p *pgPeer) Restart(ctx context.Context) (stop, ready time.Duration, ok bool, err error) {
	if p.cmd == nil {
		return 0, 0, false, nil
	}
	p.closeConns()
	start := time.Now()
	if err := p.stopServer(60 * time.Second); err != nil {
		return 0, 0, false, err
	}
	stop = time.Since(start)
	p.mu.Lock()
	defer p.mu.Unlock()
	ready, err = p.launch(ctx)
	return stop, ready, err == nil, err
}

func (p *pgPeer) stopServer(grace time.Duration) error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.exited:
		return nil
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("postgres did not stop within %s", grace)
	}
}

func (p *pgPeer) Close() error {
	p.closeConns()
	if p.sampleStop != nil {
		close(p.sampleStop)
		<-p.sampleDone
		p.sampleStop = nil
	}
	return p.stopServer(60 * time.Second)
}
