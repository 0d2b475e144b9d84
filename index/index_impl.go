package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/corpus"
	"veille/stories"
)

// Defaults of Options.
const (
	defaultCommitInterval = 2 * time.Millisecond
	defaultMaxBatch       = 500
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
	secret []byte // cursor signing key: the folder's, or Options.CursorKey
	folder []byte // the folder's own key (its secret file), which identifies it

	mu      sync.RWMutex // guards gen, closed, down, lock and dirInfo
	gen     *generation  // nil while down
	closed  bool
	down    error       // non-nil (wraps ErrUnavailable) while the data folder is unusable
	lock    *dirLock    // the data folder's lock
	dirInfo os.FileInfo // the data folder as opened (device and inode)

	healthMu   sync.Mutex // serialises OnHealth calls
	lastHealth string     // the state OnHealth was last told of

	ops        chan *op       // to the writer
	stop       chan struct{}  // closed to stop the writer
	writerDone chan struct{}  // closed when the writer has returned
	rb         *rebuildState  // owned by the writer goroutine
	degraded   error          // owned by the writer: the last write failure, until the disk takes writes again
	recent     recentStories  // owned by the writer: the stories it gave lately
	stories    *stories.Table // every stored article's story bands
	storiesIn  chan struct{}  // closed once the stored articles are in stories
	commitSeq  uint64         // owned by the writer: the last batch handed to Options.OnCommit
	unhooked   []string       // owned by the writer: ids stored but not yet seen by a successful OnCommit

	lev       levBuilders // fuzzy automata builders, made on first use
	batches   batchLog    // the batches applied to the live generation (percolate_delta.go)
	expensive *lane       // places of the searches past their expensive cost

	rebuilding atomic.Bool
	lastIngest atomic.Int64  // Unix ns, 0 when unknown
	removals   atomic.Uint64 // documents deleted or replaced so far, at least (see noteRemovals)
	appliedSeq atomic.Uint64 // the last log entry applied (log.go)

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
	info, err := os.Stat(dir)
	if err != nil {
		_ = lock.unlock()
		return nil, fmt.Errorf("index: data folder %s: %w", dir, err)
	}
	x := &Index{dir: dir, opts: opts, lock: lock, dirInfo: info, expensive: newLane(opts.MaxExpensive)}
	x.batches.open()
	if err := x.open(); err != nil {
		_ = lock.unlock()
		return nil, err
	}
	x.ops = make(chan *op, 2*opts.MaxBatch)
	x.stop = make(chan struct{})
	x.writerDone = make(chan struct{})
	x.bgCtx, x.bgCancel = context.WithCancel(context.Background())
	x.stories, x.storiesIn = stories.NewTable(), make(chan struct{})
	x.bgWG.Add(1)
	go x.loadStories()
	go x.writeLoop()
	x.bgWG.Add(1)
	go x.warmLoop()
	return x, nil
}

// warmInterval is how often the warmer looks for new segments, and how
// often the data folder is checked (see [Index.watchFolder]).
const warmInterval = 500 * time.Millisecond

// warmLoop reads the facet records of new segments (new batches, merges)
// in the background, so that searches rarely wait for them; it starts
// with the whole index, right after Open. It also watches the data folder.
func (x *Index) warmLoop() {
	defer x.bgWG.Done()
	t := time.NewTicker(warmInterval)
	defer t.Stop()
	for {
		x.watchFolder()
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
// the first one in a new folder. A folder whose index does not open is
// left as it is (ErrDamaged): only an empty leftover is ever replaced.
func (x *Index) open() error {
	cur, err := readCurrent(x.dir)
	if err != nil {
		return fmt.Errorf("%w: %s: %v. %s", ErrDamaged, x.dir, err, recoveryHint)
	}
	if x.opts.CursorKey != nil && len(x.opts.CursorKey) != cursorKeySize {
		return fmt.Errorf("index: the cursor key is %d bytes, not %d", len(x.opts.CursorKey), cursorKeySize)
	}
	var g *generation
	if cur == 0 {
		// No CURRENT: a new folder, a crash while the first generation
		// was being created, or a lost file. Adopt the generation that
		// holds articles rather than deleting data.
		if g, err = x.adoptGeneration(); err != nil {
			return err
		}
	} else if g, err = x.openChecked(cur); err != nil {
		if errors.Is(err, ErrLocked) || errors.Is(err, ErrReadOnly) {
			return err
		}
		return fmt.Errorf("%w: %s: %s names %s, which does not open: %v. %s", ErrDamaged, x.dir, currentFile, genName(cur), err, recoveryHint)
	}
	if g != nil {
		cur = g.num
	}
	// From here on the folder may change: the live generation opened.
	if err := removeStale(x.dir, cur); err != nil {
		closeGeneration(g)
		return err
	}
	if x.folder, err = loadSecret(x.dir); err != nil {
		closeGeneration(g)
		return err
	}
	x.secret = x.folder
	if x.opts.CursorKey != nil {
		x.secret = x.opts.CursorKey
	}
	if g == nil {
		if g, err = x.createGeneration(1); err != nil {
			return err
		}
		if err := writeCurrent(x.dir, 1); err != nil {
			closeGeneration(g)
			return fmt.Errorf("index: write %s: %w", currentFile, err)
		}
	}
	x.gen = g
	if rec, err := readCommitRecord(g); err == nil {
		x.commitSeq = rec.Seq
	}
	if err := x.loadAppliedSeq(); err != nil {
		_ = g.idx.Close()
		return err
	}
	if v, err := g.idx.GetInternal([]byte(lastIngestKey)); err == nil && len(v) > 0 {
		if t, err := time.Parse(time.RFC3339Nano, string(v)); err == nil {
			x.lastIngest.Store(t.UnixNano())
		}
	}
	return nil
}

// adoptGeneration opens the generation of a folder without CURRENT and
// makes it CURRENT. It returns nil when no generation holds articles (a
// new folder, or a crash while the first generation was being created:
// removeStale then clears the leftovers). It fails with ErrDamaged, and
// changes nothing, when the generation that holds articles does not open
// or when several do (which one was live is unknown).
func (x *Index) adoptGeneration() (*generation, error) {
	entries, err := os.ReadDir(x.dir)
	if err != nil {
		return nil, fmt.Errorf("index: list data folder: %w", err)
	}
	var full []string
	for _, e := range entries {
		if _, ok := parseGenName(e.Name()); ok && e.IsDir() && holdsData(filepath.Join(x.dir, e.Name())) {
			full = append(full, e.Name())
		}
	}
	slices.Sort(full)
	switch len(full) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("%w: %s has no %s file and several generations holding articles (%s): which one was live is unknown. Nothing in the folder was changed. Write the name of the one to keep into %s (for example: echo %s > %s) and start again; the others will then be removed",
			ErrDamaged, x.dir, currentFile, strings.Join(full, ", "), filepath.Join(x.dir, currentFile), full[len(full)-1], filepath.Join(x.dir, currentFile))
	}
	n, _ := parseGenName(full[0])
	g, err := x.openChecked(n)
	if err != nil {
		if errors.Is(err, ErrLocked) || errors.Is(err, ErrReadOnly) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s has no %s file, and its generation %s does not open: %v. %s", ErrDamaged, x.dir, currentFile, full[0], err, recoveryHint)
	}
	if err := writeCurrent(x.dir, n); err != nil {
		closeGeneration(g)
		return nil, fmt.Errorf("index: write %s: %w", currentFile, err)
	}
	return g, nil
}

// closeGeneration closes g unless it is nil or closed already; it runs
// where nothing else uses g.
func closeGeneration(g *generation) {
	if g != nil && !g.closed {
		_ = g.idx.Close()
		g.closed = true
	}
}

// runtimeConfig is the scorch configuration forced at every open: safe
// batches (a batch returns once fsync'ed), a bounded wait for bolt's lock,
// and the merge plan's floor (see mergeFloor).
func (x *Index) runtimeConfig() map[string]interface{} {
	return map[string]interface{}{
		"unsafe_batch":           false,
		"bolt_timeout":           x.opts.LockTimeout.String(),
		"scorchMergePlanOptions": map[string]interface{}{"FloorSegmentSize": mergeFloor},
	}
}

// mergeFloor is the size (in documents) that Bleve's merge planner rounds
// smaller segments up to, 2,000 by default. With 2,000, an index of 5,000
// articles written one a commit (a feed) is allowed 3 segments: every
// second commit merged the growing small segment again (15–17 ms of CPU
// a one-article commit in BenchmarkPutOneOnOrangeSum5k, against 8.6–9.1
// with 100). A bulk load's batches of 500 are above either floor; its
// index is left with 14 segments at OrangeSum's size instead of 11.
const mergeFloor = 100

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

// openChecked opens the existing generation n after checking, read-only,
// that Bleve can load its newest snapshot. When a segment file cannot be
// read, Bleve falls back to an older snapshot without an error (down to
// an empty index, whose mapping then "does not parse") and, once open for
// writing, deletes the newer ones: the check keeps Open from losing data
// that way, and names the cause.
func (x *Index) openChecked(n int) (*generation, error) {
	path := filepath.Join(x.dir, genName(n))
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("index: %s names %s, which cannot be read: %w", currentFile, genName(n), err)
	}
	cfg := x.runtimeConfig()
	cfg["read_only"] = true
	cfg["path"] = filepath.Join(path, "store")
	queue := bindex.NewAnalysisQueue(1)
	defer queue.Close()
	raw, err := scorch.NewScorch(scorch.Name, cfg, queue)
	if err == nil {
		if err = raw.Open(); err == nil {
			sc := raw.(*scorch.Scorch)
			var epochs []uint64
			if epochs, err = sc.RootBoltSnapshotEpochs(); err == nil && len(epochs) > 0 {
				var snap *scorch.IndexSnapshot
				if snap, err = sc.LoadSnapshot(epochs[0]); err == nil {
					_ = snap.Close()
				}
			}
			_ = raw.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("its newest snapshot does not load (a segment file cannot be read): %w", openErr(err))
	}
	return x.openGeneration(n)
}

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
// Errors wrap ErrClosed or ErrUnavailable. release never skips the
// generation's Done, even if closing the snapshot panics: a reopen waits
// for it.
func (x *Index) snapshot() (*generation, *scorch.IndexSnapshot, func(), error) {
	x.mu.RLock()
	if x.closed {
		x.mu.RUnlock()
		return nil, nil, nil, ErrClosed
	}
	if x.down != nil || x.gen == nil {
		err := x.unusable()
		x.mu.RUnlock()
		return nil, nil, nil, err
	}
	g := x.gen
	g.active.Add(1)
	x.mu.RUnlock()
	snap, err := readerOf(g)
	if err != nil {
		g.active.Done()
		return nil, nil, nil, err
	}
	return g, snap, func() { defer g.active.Done(); _ = snap.Close() }, nil
}

// unusable is the error of an index without a live generation; x.mu is held.
func (x *Index) unusable() error {
	if x.down != nil {
		return x.down
	}
	return fmt.Errorf("%w: %s has no open generation", ErrUnavailable, x.dir)
}

// readerOf returns a snapshot of g; errors wrap ErrUnavailable when g is
// closed (Bleve then has no snapshot to give).
func readerOf(g *generation) (*scorch.IndexSnapshot, error) {
	r, err := g.sc.Reader()
	if err != nil {
		return nil, fmt.Errorf("index: open reader: %w", err)
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok || snap == nil {
		if ok || r == nil {
			return nil, fmt.Errorf("%w: generation %d is closed", ErrUnavailable, g.num)
		}
		_ = r.Close()
		return nil, fmt.Errorf("index: reader is a %T, not a scorch snapshot", r)
	}
	return snap, nil
}

// Health reports whether the index can serve: nil when it can, an error
// wrapping ErrUnavailable while its data folder is gone or replaced (the
// index comes back by itself when the folder does, see
// [Index.watchFolder]), ErrClosed after Close. A full or read-only disk
// is not reported here: reads still work (writes fail with ErrReadOnly).
func (x *Index) Health() error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return ErrClosed
	}
	if x.down != nil || x.gen == nil {
		return x.unusable()
	}
	return nil
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
	// Err wraps ErrInvalidArticle, ErrClosed, ErrReadOnly, ErrUnavailable
	// or the context's error; the item is not stored when it is set.
	Err error
	// Seq is the position of the write in a replicated log, for services
	// that write through one (package cluster); 0 otherwise.
	Seq uint64
}

// Put validates, enriches and indexes a, replacing any article with its id.
// It returns once the article is durable on disk and searchable. created
// is true when no article had a's id; stored is a as indexed (extracted
// entities, language).
// Errors wrap ErrInvalidArticle, ErrClosed, ErrReadOnly, ErrUnavailable or
// ctx's error; on a ctx error the write may still happen.
func (x *Index) Put(ctx context.Context, a corpus.Article, o Origin) (bool, corpus.Article, error) {
	if err := x.Health(); err != nil {
		return false, a, err
	}
	d, err := x.prepare(ctx, a, o)
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
// A bad item does not stop the others. When ctx ends, the items not yet
// handed to the writer fail with ctx's error and are not stored, while
// those handed over are waited for: every result says whether its item
// is stored.
func (x *Index) PutMany(ctx context.Context, items []Item) []PutResult {
	res := make([]PutResult, len(items))
	if err := x.Health(); err != nil {
		for i, it := range items {
			res[i] = PutResult{Article: it.Article, Err: err}
		}
		return res
	}
	ops := make([]*op, len(items))
	chunk := x.opts.MaxBatch
	for start := 0; start < len(items); start += chunk {
		end := min(start+chunk, len(items))
		if err := ctx.Err(); err != nil {
			for i := start; i < end; i++ {
				res[i] = PutResult{Article: items[i].Article, Err: err}
			}
			continue
		}
		prepared := make([]*op, end-start)
		parallel(end-start, func(i int) {
			it := items[start+i]
			d, err := x.prepare(ctx, it.Article, it.Origin)
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
		r := x.wait(context.Background(), o) // the writer answers every op it took, or closes
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
func (x *Index) prepare(ctx context.Context, a corpus.Article, o Origin) (*storedDoc, error) {
	a.Companies = append([]string(nil), a.Companies...)
	a.Countries = append([]string(nil), a.Countries...)
	a.Amounts = append([]corpus.Amount(nil), a.Amounts...)
	if err := normalizeArticle(&a); err != nil {
		return nil, err
	}
	d := &storedDoc{OriginPath: o.Path, OriginStamp: o.Stamp}
	d.LangDetected = a.Language == ""
	if x.opts.Enricher != nil {
		if err := x.opts.Enricher.Enrich(ctx, &a); err != nil {
			return nil, err
		}
	}
	finishArticle(&a)
	d.Article = a
	d.Sig, _ = signArticle(&a).MarshalBinary()
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

// Get returns the stored article with id. Errors wrap ErrNotFound, ErrClosed
// or ErrUnavailable.
func (x *Index) Get(ctx context.Context, id string) (corpus.Article, error) {
	if err := ctx.Err(); err != nil {
		return corpus.Article{}, err
	}
	g, snap, release, err := x.snapshot()
	if err != nil {
		return corpus.Article{}, err
	}
	defer release()
	d, err := g.records.stored.get(snap, id)
	if err != nil {
		return corpus.Article{}, err
	}
	return d.Article, nil
}

// Delete removes the article with id durably. Errors wrap ErrNotFound,
// ErrClosed, ErrReadOnly, ErrUnavailable or ctx's error.
func (x *Index) Delete(ctx context.Context, id string) error {
	if err := x.Health(); err != nil {
		return err
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

// Stats describes the index. Errors wrap ErrClosed or ErrUnavailable.
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
	st := Stats{Languages: make(map[string]uint64), Reindexing: x.rebuilding.Load(), Generation: g.num, DataID: dataIDOf(x.secret)}
	if st.AppliedSeq, err = appliedSeqOf(snap); err != nil {
		return Stats{}, err
	}
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
// file, by id. Errors wrap ErrClosed or ErrUnavailable.
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
	g, lock := x.gen, x.lock
	x.mu.Unlock()
	var err error
	if g != nil {
		g.active.Wait()
		if !g.closed {
			err = g.idx.Close()
			g.closed = true
		}
	}
	if uerr := lock.unlock(); err == nil {
		err = uerr
	}
	x.closeErr = err
	return err
}
