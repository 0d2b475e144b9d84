package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/corpus"
)

// Defaults of Options.
const (
	defaultCommitInterval = 2 * time.Millisecond
	defaultMaxBatch       = 1000
	defaultLockTimeout    = 2 * time.Second
)

// lastIngestKey is the internal key (stored with every batch) holding the
// time of the last write, RFC 3339.
const lastIngestKey = "veille.last_ingest"

// Index is an open veille index. It is safe for concurrent use.
//
// Writes go through a single writer goroutine that commits everything
// queued in one Bleve batch (group commit): a write returns once its batch
// is on disk (fsync'ed) and searchable. Searches read a snapshot of the
// live generation; [Index.Rebuild] builds a new generation and swaps it in.
type Index struct {
	dir    string
	opts   Options
	lock   *dirLock
	secret []byte // cursor signing key

	mu     sync.RWMutex // guards gen and closed
	gen    *generation
	closed bool

	ops        chan *op      // to the writer
	stop       chan struct{} // closed to stop the writer
	writerDone chan struct{} // closed when the writer has returned
	rb         *rebuildState // owned by the writer goroutine
	degraded   error         // owned by the writer: the last write failure, until the disk takes writes again
	commitSeq  uint64        // owned by the writer: the last batch handed to Options.OnCommit
	unhooked   []string      // owned by the writer: ids stored but not yet seen by a successful OnCommit

	lev levBuilders // fuzzy automata builders, made on first use

	rebuilding atomic.Bool
	lastIngest atomic.Int64 // Unix ns, 0 when unknown

	bgCtx    context.Context // cancelled by Close: stops rebuilds and the warmer
	bgCancel context.CancelFunc
	bgWG     sync.WaitGroup // running rebuilds and the warmer
	closeMu  sync.Mutex
	closeErr error
	isClosed bool
}

// generation is one Bleve index of the data folder.
type generation struct {
	num     int
	path    string
	idx     bleve.Index
	sc      bindex.Index // the scorch index under idx
	mapping mapping.IndexMapping
	builder *docBuilder
	records *recordCache
	active  sync.WaitGroup // searches and reads using this generation
	closed  bool           // idx closed (writer goroutine or Close only)
}

// Open opens or creates the index in dir (created if missing).
//
// Errors wrap ErrLocked when another process, or another Open in this
// one, holds dir for longer than Options.LockTimeout, and ErrReadOnly when
// dir cannot be written.
func Open(ctx context.Context, dir string, opts Options) (*Index, error) {
	if opts.CommitInterval <= 0 {
		opts.CommitInterval = defaultCommitInterval
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = defaultMaxBatch
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = defaultLockTimeout
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("index: create data folder %s: %w", dir, writeErr(err))
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir, opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	x := &Index{dir: dir, opts: opts, lock: lock}
	if err := x.open(); err != nil {
		_ = lock.unlock()
		return nil, err
	}
	x.ops = make(chan *op, 2*opts.MaxBatch)
	x.stop = make(chan struct{})
	x.writerDone = make(chan struct{})
	x.bgCtx, x.bgCancel = context.WithCancel(context.Background())
	go x.writeLoop()
	x.bgWG.Add(1)
	go x.warmLoop()
	return x, nil
}

// warmInterval is how often the warmer looks for new segments.
const warmInterval = 500 * time.Millisecond

// warmLoop reads the facet records of new segments (new batches, merges)
// in the background, so that searches rarely wait for them; it starts
// with the whole index, right after Open.
func (x *Index) warmLoop() {
	defer x.bgWG.Done()
	t := time.NewTicker(warmInterval)
	defer t.Stop()
	for {
		if g, snap, release, err := x.snapshot(); err == nil {
			_, _ = g.records.view(snap) // a failure shows in searches
			release()
		}
		select {
		case <-x.bgCtx.Done():
			return
		case <-t.C:
		}
	}
}

// open reads the folder's state and opens the live generation, creating
// the first one in a new folder.
func (x *Index) open() error {
	cur, err := readCurrent(x.dir)
	if err != nil {
		return err
	}
	if cur == 0 {
		// No CURRENT: a new folder, a crash while the first generation
		// was being created, or a lost file. Adopt the newest generation
		// that opens rather than deleting data.
		if cur, err = x.adoptGeneration(); err != nil {
			return err
		}
	}
	if err := removeStale(x.dir, cur); err != nil {
		return err
	}
	if x.secret, err = loadSecret(x.dir); err != nil {
		return err
	}
	var g *generation
	if cur == 0 {
		if g, err = x.createGeneration(1); err != nil {
			return err
		}
		if err := writeCurrent(x.dir, 1); err != nil {
			_ = g.idx.Close()
			return fmt.Errorf("index: write %s: %w", currentFile, err)
		}
	} else if g, err = x.openGeneration(cur); err != nil {
		return err
	}
	x.gen = g
	if rec, err := readCommitRecord(g); err == nil {
		x.commitSeq = rec.Seq
	}
	if v, err := g.idx.GetInternal([]byte(lastIngestKey)); err == nil && len(v) > 0 {
		if t, err := time.Parse(time.RFC3339Nano, string(v)); err == nil {
			x.lastIngest.Store(t.UnixNano())
		}
	}
	return nil
}

// adoptGeneration returns the newest generation of a folder without
// CURRENT that opens, after making it CURRENT, or 0 when there is none
// (generations that do not open are left for removeStale).
func (x *Index) adoptGeneration() (int, error) {
	entries, err := os.ReadDir(x.dir)
	if err != nil {
		return 0, fmt.Errorf("index: list data folder: %w", err)
	}
	var nums []int
	for _, e := range entries {
		if n, ok := parseGenName(e.Name()); ok && e.IsDir() {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	for i := len(nums) - 1; i >= 0; i-- {
		g, err := x.openGeneration(nums[i])
		if err != nil {
			if errors.Is(err, ErrLocked) {
				return 0, err
			}
			continue
		}
		cerr := g.idx.Close()
		if cerr != nil {
			continue
		}
		if err := writeCurrent(x.dir, nums[i]); err != nil {
			return 0, fmt.Errorf("index: write %s: %w", currentFile, err)
		}
		return nums[i], nil
	}
	return 0, nil
}

// runtimeConfig is the scorch configuration forced at every open: safe
// batches (a batch returns once fsync'ed) and a bounded wait for bolt's lock.
func (x *Index) runtimeConfig() map[string]interface{} {
	return map[string]interface{}{
		"unsafe_batch": false,
		"bolt_timeout": x.opts.LockTimeout.String(),
	}
}

// createGeneration creates an empty generation n with a fresh mapping.
func (x *Index) createGeneration(n int) (*generation, error) {
	path := filepath.Join(x.dir, genName(n))
	if err := os.RemoveAll(path); err != nil {
		return nil, fmt.Errorf("index: clear %s: %w", path, writeErr(err))
	}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	idx, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, x.runtimeConfig())
	if err != nil {
		return nil, fmt.Errorf("index: create generation %d: %w", n, openErr(err))
	}
	if err := syncDir(x.dir); err != nil {
		_ = idx.Close()
		return nil, err
	}
	return newGeneration(n, path, idx)
}

// openGeneration opens the existing generation n.
func (x *Index) openGeneration(n int) (*generation, error) { return x.openGenerationMode(n, false) }

// openGenerationMode opens the existing generation n, read-only if asked.
func (x *Index) openGenerationMode(n int, readOnly bool) (*generation, error) {
	path := filepath.Join(x.dir, genName(n))
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("index: %s names %s, which cannot be read: %w", currentFile, genName(n), err)
	}
	cfg := x.runtimeConfig()
	if readOnly {
		cfg["read_only"] = true
	}
	idx, err := bleve.OpenUsing(path, cfg)
	if err != nil {
		return nil, fmt.Errorf("index: open generation %d: %w", n, openErr(err))
	}
	return newGeneration(n, path, idx)
}

func newGeneration(n int, path string, idx bleve.Index) (*generation, error) {
	sc, err := idx.Advanced()
	if err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("index: generation %d: %w", n, err)
	}
	if _, ok := sc.(*scorch.Scorch); !ok {
		_ = idx.Close()
		return nil, fmt.Errorf("index: generation %d is a %T index, not scorch", n, sc)
	}
	b, err := newDocBuilder(idx.Mapping())
	if err != nil {
		_ = idx.Close()
		return nil, err
	}
	return &generation{num: n, path: path, idx: idx, sc: sc, mapping: idx.Mapping(), builder: b, records: newRecordCache()}, nil
}

// openErr maps Bleve's open errors: bolt's lock timeout to ErrLocked, write
// failures to ErrReadOnly.
func openErr(err error) error {
	if err != nil && err.Error() == "timeout" {
		return fmt.Errorf("%w: %v", ErrLocked, err)
	}
	return writeErr(err)
}

// snapshot returns the live generation and a snapshot reader of it; the
// caller must call release. Errors wrap ErrClosed.
func (x *Index) snapshot() (*generation, *scorch.IndexSnapshot, func(), error) {
	x.mu.RLock()
	if x.closed {
		x.mu.RUnlock()
		return nil, nil, nil, ErrClosed
	}
	g := x.gen
	g.active.Add(1)
	x.mu.RUnlock()
	r, err := g.sc.Reader()
	if err != nil {
		g.active.Done()
		return nil, nil, nil, fmt.Errorf("index: open reader: %w", err)
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		_ = r.Close()
		g.active.Done()
		return nil, nil, nil, fmt.Errorf("index: reader is a %T, not a scorch snapshot", r)
	}
	return g, snap, func() { _ = snap.Close(); g.active.Done() }, nil
}

// Item is one article of [Index.PutMany], with where it came from.
type Item struct {
	Article corpus.Article
	Origin  Origin
}

// PutResult is the outcome of one [Item] of [Index.PutMany].
type PutResult struct {
	// Created is true when no article had the item's id before.
	Created bool
	// Article is the article as stored: enriched, with its language.
	Article corpus.Article
	// Err wraps ErrInvalidArticle, ErrClosed, ErrReadOnly or the
	// context's error; the item is not stored when it is set.
	Err error
}

// Put validates, enriches and indexes a, replacing any article with its id.
// It returns once the article is durable on disk and searchable. created
// is true when no article had a's id; stored is a as indexed (extracted
// entities, language).
// Errors wrap ErrInvalidArticle, ErrClosed, ErrReadOnly or ctx's error; on
// a ctx error the write may still happen.
func (x *Index) Put(ctx context.Context, a corpus.Article, o Origin) (bool, corpus.Article, error) {
	if x.closedNow() {
		return false, a, ErrClosed
	}
	d, err := x.prepare(a, o)
	if err != nil {
		return false, a, err
	}
	o1 := x.putOp(d)
	if err := x.submit(ctx, o1); err != nil {
		return false, a, err
	}
	r := x.wait(ctx, o1)
	if r.err != nil {
		return false, a, r.err
	}
	return r.created, d.Article, nil
}

// PutMany is [Index.Put] for many articles: it enriches them on every
// core, indexes them in large batches and returns one result per item, in
// order. Items with the same id are applied in order (the last one wins).
// A bad item does not stop the others.
func (x *Index) PutMany(ctx context.Context, items []Item) []PutResult {
	res := make([]PutResult, len(items))
	ops := make([]*op, len(items))
	chunk := x.opts.MaxBatch
	for start := 0; start < len(items); start += chunk {
		end := min(start+chunk, len(items))
		prepared := make([]*op, end-start)
		parallel(end-start, func(i int) {
			it := items[start+i]
			d, err := x.prepare(it.Article, it.Origin)
			if err != nil {
				res[start+i] = PutResult{Article: it.Article, Err: err}
				return
			}
			prepared[i] = x.putOp(d)
		})
		for i, o := range prepared {
			if o == nil {
				continue
			}
			if err := x.submit(ctx, o); err != nil {
				res[start+i] = PutResult{Article: o.doc.Article, Err: err}
				continue
			}
			ops[start+i] = o
		}
	}
	for i, o := range ops {
		if o == nil {
			continue
		}
		r := x.wait(ctx, o)
		res[i] = PutResult{Created: r.created, Article: o.doc.Article, Err: r.err}
	}
	return res
}

// putOp returns the op that stores d. Its document is built by the
// writer (see [Index.build]), so that queued writes hold no analysis.
func (x *Index) putOp(d *storedDoc) *op {
	return &op{kind: opPut, id: d.ID, doc: d, reply: make(chan opResult, 1)}
}

// parallel runs f(0..n-1) on every core.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// prepare validates and enriches one article into what is stored.
func (x *Index) prepare(a corpus.Article, o Origin) (*storedDoc, error) {
	a.Companies = append([]string(nil), a.Companies...)
	a.Countries = append([]string(nil), a.Countries...)
	a.Amounts = append([]corpus.Amount(nil), a.Amounts...)
	if err := normalizeArticle(&a); err != nil {
		return nil, err
	}
	d := &storedDoc{OriginPath: o.Path, OriginStamp: o.Stamp}
	d.LangDetected = a.Language == ""
	if x.opts.Enricher != nil {
		x.opts.Enricher.Enrich(&a)
	}
	finishArticle(&a)
	d.Article = a
	return d, nil
}

// finishArticle tidies what enrichment left: language code case, empty
// lists rather than nil, upper-case country codes.
func finishArticle(a *corpus.Article) {
	if !validLangCode(a.Language) {
		a.Language = ""
	}
	if a.Companies == nil {
		a.Companies = []string{}
	}
	if a.Countries == nil {
		a.Countries = []string{}
	}
	for i, c := range a.Countries {
		a.Countries[i] = upperASCII(c)
	}
	if a.Amounts == nil {
		a.Amounts = []corpus.Amount{}
	}
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// Get returns the stored article with id. Errors wrap ErrNotFound or ErrClosed.
func (x *Index) Get(ctx context.Context, id string) (corpus.Article, error) {
	if err := ctx.Err(); err != nil {
		return corpus.Article{}, err
	}
	_, snap, release, err := x.snapshot()
	if err != nil {
		return corpus.Article{}, err
	}
	defer release()
	d, err := getStored(snap, id)
	if err != nil {
		return corpus.Article{}, err
	}
	return d.Article, nil
}

// getStored reads the stored form of article id from snap; errors wrap ErrNotFound.
func getStored(snap *scorch.IndexSnapshot, id string) (storedDoc, error) {
	if id == "" {
		return storedDoc{}, fmt.Errorf("%w: empty id", ErrNotFound)
	}
	doc, err := snap.Document(id)
	if err != nil {
		return storedDoc{}, fmt.Errorf("index: read %s: %w", id, err)
	}
	if doc == nil {
		return storedDoc{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	var sf storedFields
	doc.VisitFields(func(f bindex.Field) { sf.visit(f.Name(), 0, f.Value(), nil) })
	return sf.decode()
}

// Delete removes the article with id durably. Errors wrap ErrNotFound,
// ErrClosed, ErrReadOnly or ctx's error.
func (x *Index) Delete(ctx context.Context, id string) error {
	if x.closedNow() {
		return ErrClosed
	}
	if id == "" {
		return fmt.Errorf("%w: empty id", ErrNotFound)
	}
	o := &op{kind: opDelete, id: id, reply: make(chan opResult, 1)}
	if err := x.submit(ctx, o); err != nil {
		return err
	}
	return x.wait(ctx, o).err
}

// Stats describes the index. Errors wrap ErrClosed.
func (x *Index) Stats(ctx context.Context) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	g, snap, release, err := x.snapshot()
	if err != nil {
		return Stats{}, err
	}
	defer release()
	v, err := g.records.view(snap)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Languages: make(map[string]uint64), Reindexing: x.rebuilding.Load(), Generation: g.num}
	langs := g.records.dicts.langs.all()
	counts := make([]uint64, len(langs))
	var total uint64
	for s, ss := range v.segs {
		rec := v.recs[s]
		del := ss.Deleted()
		for i, l := range rec.lang {
			if del != nil && del.Contains(uint32(i)) {
				continue
			}
			total++
			if l != noOrd && int(l) < len(counts) {
				counts[l]++
			}
		}
	}
	for i, n := range counts {
		if n > 0 {
			st.Languages[langs[i]] = n
		}
	}
	st.Articles = total
	st.SizeBytes = dirSize(g.path)
	if ns := x.lastIngest.Load(); ns != 0 {
		st.LastIngest = time.Unix(0, ns)
	}
	return st, nil
}

// Origins returns the origin of every article that came from a corpus
// file, by id. Errors wrap ErrClosed.
func (x *Index) Origins(ctx context.Context) (map[string]Origin, error) {
	_, snap, release, err := x.snapshot()
	if err != nil {
		return nil, err
	}
	defer release()
	out := make(map[string]Origin)
	for _, ss := range snap.Segments() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := visitOrigins(ss, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// closedNow reports whether Close has been called.
func (x *Index) closedNow() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.closed
}

// Close stops accepting work, waits for running rebuilds to stop and
// queued writes to be committed, and closes the index. It is idempotent;
// after it, methods return errors wrapping ErrClosed.
func (x *Index) Close() error {
	x.closeMu.Lock()
	defer x.closeMu.Unlock()
	if x.isClosed {
		return x.closeErr
	}
	x.isClosed = true
	x.bgCancel()
	x.bgWG.Wait()
	close(x.stop)
	<-x.writerDone
	x.mu.Lock()
	x.closed = true
	g := x.gen
	x.mu.Unlock()
	g.active.Wait()
	var err error
	if !g.closed {
		err = g.idx.Close()
		g.closed = true
	}
	if uerr := x.lock.unlock(); err == nil {
		err = uerr
	}
	x.closeErr = err
	return err
}
