package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// veilleService runs the veille binary as a separate process on loopback
// and talks to it over HTTP, as a user would.
type veilleService struct {
	bin     string // the veille binary
	dir     string // temporary folder: data/, corpus/ (empty), service.log
	version string

	chunkLines int // bulk request size in lines
	chunkBytes int // and in bytes (the service refuses bodies over 10 MiB)
	senders    int // concurrent bulk requests
	readyWait  time.Duration

	base    string // http://127.0.0.1:port
	client  *http.Client
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error

	// peak is the largest RSS sampled (every 50 ms) in the first process,
	// with its composition; VmHWM remains the reported peak.
	peakMu sync.Mutex
	peak   procMem
}

func (v *veilleService) Name() string    { return "veille" }
func (v *veilleService) Version() string { return v.version }

func (v *veilleService) dataDir() string   { return filepath.Join(v.dir, "data") }
func (v *veilleService) corpusDir() string { return filepath.Join(v.dir, "corpus") }
func (v *veilleService) logPath() string   { return filepath.Join(v.dir, "service.log") }

// Start runs "veille serve" on a free loopback port with an empty corpus
// folder (so that the embedded seed articles are not indexed).
func (v *veilleService) Start(ctx context.Context) (time.Duration, error) {
	if err := os.MkdirAll(v.corpusDir(), 0o755); err != nil {
		return 0, err
	}
	if v.client == nil {
		v.client = &http.Client{Transport: &http.Transport{
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		}}
	}
	return v.launch(ctx)
}

// launch starts the process and waits for /readyz to answer 200.
func (v *veilleService) launch(ctx context.Context) (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	v.base = "http://" + addr
	logf, err := os.OpenFile(v.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	cmd := exec.Command(v.bin, "serve", "--addr", addr, "--data", v.dataDir(), "--corpus", v.corpusDir())
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd, syscall.SIGTERM)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", v.bin, err)
	}
	v.cmd = cmd
	v.exited = make(chan struct{})
	go func() { v.waitErr = cmd.Wait(); close(v.exited) }()
	go v.sample(cmd.Process.Pid, v.exited)

	deadline := time.Now().Add(v.readyWait)
	for {
		if code, err := v.status(ctx, "/readyz"); err == nil && code == http.StatusOK {
			return time.Since(start), nil
		}
		select {
		case <-v.exited:
			return 0, fmt.Errorf("the service exited before it was ready (%v); log: %s", v.waitErr, tail(v.logPath(), 1500))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("not ready after %s; log: %s", v.readyWait, tail(v.logPath(), 1500))
		}
	}
}

func (v *veilleService) status(ctx context.Context, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.base+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// sample records the composition of the largest RSS of pid until done
// is closed. Only the first process is sampled: the peak of interest is
// the one of the ingest and the query run, before the restart.
func (v *veilleService) sample(pid int, done <-chan struct{}) {
	v.peakMu.Lock()
	first := v.peak.RSS == 0
	v.peakMu.Unlock()
	if !first {
		return
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if m, err := readProcMem(pid); err == nil {
			v.peakMu.Lock()
			if m.RSS > v.peak.RSS {
				v.peak = m
			}
			v.peakMu.Unlock()
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

// bulkReply is the part of the bulk API's answer the bench reads.
type bulkReply struct {
	Lines   int `json:"lines"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	Failed  int `json:"failed"`
	Items   []struct {
		Line   int    `json:"line"`
		ID     string `json:"id"`
		Status string `json:"status"`
		Error  *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"items"`
}

// Ingest posts the prepared NDJSON in chunks from a few concurrent
// senders, then waits until an empty query counts every article.
func (v *veilleService) Ingest(ctx context.Context, p *prepared) (ingestResult, error) {
	f, err := os.Open(p.NDJSON)
	if err != nil {
		return ingestResult{}, err
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	chunks := make(chan []byte, v.senders)
	var (
		mu      sync.Mutex
		res     ingestResult
		sendErr error
		wg      sync.WaitGroup
	)
	start := time.Now()
	for i := 0; i < v.senders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range chunks {
				r, err := v.postBulk(ctx, body)
				mu.Lock()
				if err != nil {
					if sendErr == nil {
						sendErr = err
					}
					cancel()
				} else {
					res.Articles += r.Created + r.Updated
					res.Failed += r.Failed
					if r.Failed > 0 && res.FirstErr == "" {
						for _, it := range r.Items {
							if it.Error != nil {
								res.FirstErr = it.ID + ": " + it.Error.Code + ": " + it.Error.Message
								break
							}
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	readErr := splitChunks(ctx, f, v.chunkLines, v.chunkBytes, chunks)
	close(chunks)
	wg.Wait()
	if sendErr != nil {
		return res, sendErr
	}
	if readErr != nil {
		return res, readErr
	}
	// Searchable means counted by an empty query.
	for {
		n, err := v.Count(ctx)
		if err != nil {
			return res, err
		}
		if n >= uint64(res.Articles) {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// splitChunks reads NDJSON lines from r and sends them in chunks of at
// most maxLines lines and maxBytes bytes (a longer single line goes alone).
func splitChunks(ctx context.Context, r io.Reader, maxLines, maxBytes int, out chan<- []byte) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var buf []byte
	lines := 0
	flush := func() bool {
		if lines == 0 {
			return true
		}
		select {
		case out <- buf:
		case <-ctx.Done():
			return false
		}
		buf, lines = nil, 0
		return true
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if lines > 0 && (lines >= maxLines || len(buf)+len(line) > maxBytes) {
				if !flush() {
					return ctx.Err()
				}
			}
			if buf == nil {
				buf = make([]byte, 0, maxBytes)
			}
			buf = append(buf, line...)
			lines++
		}
		if err == io.EOF {
			if !flush() {
				return ctx.Err()
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (v *veilleService) postBulk(ctx context.Context, body []byte) (bulkReply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.base+"/api/articles", bytes.NewReader(body))
	if err != nil {
		return bulkReply{}, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := v.client.Do(req)
	if err != nil {
		return bulkReply{}, fmt.Errorf("bulk request: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return bulkReply{}, fmt.Errorf("bulk reply: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return bulkReply{}, fmt.Errorf("bulk request: HTTP %d: %s", resp.StatusCode, truncate(string(data), 300))
	}
	var r bulkReply
	if err := json.Unmarshal(data, &r); err != nil {
		return bulkReply{}, fmt.Errorf("bulk reply: %w", err)
	}
	return r, nil
}

// Connect has nothing to open: HTTP keep-alive connections are pooled.
func (v *veilleService) Connect(context.Context, int) error { return nil }

// searchURL is a default results page: top 10, highlights, total, facets.
func (v *veilleService) searchURL(q string) string {
	return v.base + "/api/search?q=" + url.QueryEscape(q)
}

func (v *veilleService) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(string(data), 200))
	}
	return data, nil
}

func (v *veilleService) Total(ctx context.Context, q string) (uint64, error) {
	data, err := v.get(ctx, v.searchURL(q))
	if err != nil {
		return 0, err
	}
	var r struct {
		Total uint64 `json:"total"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, err
	}
	return r.Total, nil
}

// Page fetches a full results page and reads it to the end.
func (v *veilleService) Page(ctx context.Context, _ int, q string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.searchURL(q), nil)
	if err != nil {
		return err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if n == 0 {
		return errors.New("empty response")
	}
	return nil
}

func (v *veilleService) Count(ctx context.Context) (uint64, error) {
	data, err := v.get(ctx, v.base+"/api/search?per_page=1&highlight=none")
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	var r struct {
		Total uint64 `json:"total"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return r.Total, nil
}

func (v *veilleService) CPU() time.Duration {
	if v.cmd == nil || v.cmd.Process == nil {
		return 0
	}
	return treeCPU(v.cmd.Process.Pid)
}

func (v *veilleService) Memory() (peak, now int64, how string) {
	if v.cmd == nil || v.cmd.Process == nil {
		return 0, 0, ""
	}
	m, err := readProcMem(v.cmd.Process.Pid)
	if err != nil {
		return 0, 0, ""
	}
	v.peakMu.Lock()
	pk := v.peak
	v.peakMu.Unlock()
	how = fmt.Sprintf("VmHWM of the service process; largest RSS sampled every 50 ms: %s = private %s + mapped files %s; at the end: %s = %s + %s",
		mib(pk.RSS), mib(pk.Anon), mib(pk.File), mib(m.RSS), mib(m.Anon), mib(m.File))
	if heap := v.heapInUse(); heap > 0 {
		how += fmt.Sprintf(" (Go heap in use %s)", mib(heap))
	}
	return m.HWM, m.RSS, how
}

// heapInUse reads go_memstats_heap_inuse_bytes from /metrics; 0 if absent.
func (v *veilleService) heapInUse() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	data, err := v.get(ctx, v.base+"/metrics")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "go_memstats_heap_inuse_bytes "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return int64(f)
			}
		}
	}
	return 0
}

// IndexSize is the disk usage of the whole data folder; the service's own
// figure (GET /api/stats index_size_bytes) is given alongside.
func (v *veilleService) IndexSize(ctx context.Context) (int64, string, error) {
	du := diskUsage(v.dataDir())
	how := "du of the data folder"
	if data, err := v.get(ctx, v.base+"/api/stats"); err == nil {
		var st struct {
			IndexSizeBytes int64 `json:"index_size_bytes"`
		}
		if json.Unmarshal(data, &st) == nil {
			how += fmt.Sprintf("; /api/stats index_size_bytes %s", mib(st.IndexSizeBytes))
		}
	}
	return du, how, nil
}

// Restart sends SIGTERM, waits for the exit, and starts the binary again
// on the same data folder.
func (v *veilleService) Restart(ctx context.Context) (stop, ready time.Duration, ok bool, err error) {
	start := time.Now()
	if err := v.stop(60 * time.Second); err != nil {
		return 0, 0, false, err
	}
	stop = time.Since(start)
	ready, err = v.launch(ctx)
	return stop, ready, err == nil, err
}

// stop sends SIGTERM and waits up to grace before killing.
func (v *veilleService) stop(grace time.Duration) error {
	if v.cmd == nil || v.cmd.Process == nil {
		return nil
	}
	select {
	case <-v.exited:
		return nil
	default:
	}
	_ = v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.exited:
		if v.waitErr != nil {
			return fmt.Errorf("the service exited with %v after SIGTERM; log: %s", v.waitErr, tail(v.logPath(), 800))
		}
		return nil
	case <-time.After(grace):
		_ = v.cmd.Process.Kill()
		<-v.exited
		return fmt.Errorf("the service did not stop within %s of SIGTERM", grace)
	}
}

func (v *veilleService) Close() error {
	err := v.stop(30 * time.Second)
	if v.client != nil {
		v.client.CloseIdleConnections()
	}
	return err
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// cleanEnv is the bench's environment without VEILLE_* variables, which
// would otherwise change the service under test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VEILLE_") {
			env = append(env, kv)
		}
	}
	return env
}

// tail returns the last n bytes of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	if len(data) > n {
		data = data[len(data)-n:]
	}
	return strings.TrimSpace(string(data))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
