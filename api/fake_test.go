package api

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"strings"
	"sync"
	"time"

	"veille/corpus"
	"veille/index"
)

// The real index must satisfy the handlers' interface.
var _ Service = (*index.Index)(nil)

// fakeService is an in-memory Service for handler tests. Its *Err fields,
// when set, are returned by the matching method; lastQuery records the
// last search.
type fakeService struct {
	mu        sync.Mutex
	articles  map[string]corpus.Article
	lastQuery index.Query
	queries   int
	results   *index.Results // when set, Search returns it
	stats     index.Stats

	putErr, getErr, deleteErr, searchErr, rebuildErr, statsErr, healthErr error
	// putGate, when set, makes each PutMany call of PutAll wait for a value (or its close).
	putGate chan struct{}
	// rebuildGate, when set, blocks Rebuild until it is closed.
	rebuildGate chan struct{}
	rebuilds    int
	rebuilding  bool
	bg          sync.WaitGroup // background rebuilds
	// searchWait makes Search wait for its context (timeouts, cancellation).
	searchWait bool
	// panicOnSearch makes Search panic.
	panicOnSearch bool
}

var _ Service = (*fakeService)(nil)

func newFake(articles ...corpus.Article) *fakeService {
	f := &fakeService{articles: map[string]corpus.Article{}}
	for _, a := range articles {
		f.articles[a.ID] = a
	}
	return f
}

// enrich mimics the extractor: companies are capitalised words that
// follow "firm ", countries come from a tiny list.
func enrich(a *corpus.Article) {
	if a.Language == "" {
		a.Language = "fr"
	}
	text := a.Title + " " + a.Body
	a.Companies, a.Countries, a.Amounts = nil, nil, nil
	if strings.Contains(text, "Nvidia") {
		a.Companies = append(a.Companies, "Nvidia")
	}
	if strings.Contains(text, "Royaume-Uni") {
		a.Countries = append(a.Countries, "GB")
	}
	if strings.Contains(text, "683 millions de dollars") {
		a.Amounts = append(a.Amounts, corpus.Amount{Value: 683e6, Currency: "USD", EUR: 630e6, Text: "683 millions de dollars"})
	}
}

func (f *fakeService) Put(ctx context.Context, a corpus.Article, o index.Origin) (bool, corpus.Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.putErr != nil {
		return false, corpus.Article{}, f.putErr
	}
	if err := a.Validate(); err != nil {
		return false, corpus.Article{}, fmt.Errorf("%w: %w", index.ErrInvalidArticle, err)
	}
	enrich(&a)
	_, existed := f.articles[a.ID]
	f.articles[a.ID] = a
	f.stats.LastIngest = time.Date(2025, 9, 19, 10, 0, 0, 0, time.UTC)
	return !existed, a, nil
}

func (f *fakeService) Get(ctx context.Context, id string) (corpus.Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return corpus.Article{}, f.getErr
	}
	a, ok := f.articles[id]
	if !ok {
		return corpus.Article{}, fmt.Errorf("get %q: %w", id, index.ErrNotFound)
	}
	return a, nil
}

func (f *fakeService) Delete(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleteErr != nil {
		return f.deleteErr
	}
	if _, ok := f.articles[id]; !ok {
		return fmt.Errorf("delete %q: %w", id, index.ErrNotFound)
	}
	delete(f.articles, id)
	return nil
}

func (f *fakeService) Search(ctx context.Context, q index.Query) (index.Results, error) {
	f.mu.Lock()
	f.lastQuery = q
	f.queries++
	err, wait, panics, canned := f.searchErr, f.searchWait, f.panicOnSearch, f.results
	f.mu.Unlock()
	if panics {
		panic("fake search exploded")
	}
	if wait {
		<-ctx.Done()
		return index.Results{}, fmt.Errorf("search: %w", ctx.Err())
	}
	if err != nil {
		return index.Results{}, err
	}
	if canned != nil {
		return *canned, nil
	}
	// Every article matching the text (case-sensitive substring), by id.
	f.mu.Lock()
	defer f.mu.Unlock()
	var res index.Results
	var ids []string
	for id, a := range f.articles {
		if q.Text == "" || strings.Contains(a.Title+" "+a.Body, q.Text) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		res.Hits = append(res.Hits, index.Hit{Article: f.articles[id], Score: 1})
	}
	res.Total = uint64(len(ids))
	res.Took = 1500 * time.Microsecond
	return res, nil
}

func (f *fakeService) Article(ctx context.Context, id string, q index.Query) (corpus.Article, index.Marks, error) {
	a, err := f.Get(ctx, id)
	if err != nil || q.Text == "" {
		return a, index.Marks{}, err
	}
	var m index.Marks
	for i := strings.Index(a.Body, q.Text); i >= 0 && q.Text != ""; {
		m.Body = append(m.Body, index.Mark{Start: i, End: i + len(q.Text)})
		j := strings.Index(a.Body[i+len(q.Text):], q.Text)
		if j < 0 {
			break
		}
		i += len(q.Text) + j
	}
	return a, m, nil
}

func (f *fakeService) PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(int, index.PutResult)) (index.PutStats, error) {
	return index.PutAll(ctx, f.putMany, bulkChunk, seq, report)
}

func (f *fakeService) putMany(ctx context.Context, items []index.Item) []index.PutResult {
	if f.putGate != nil {
		<-f.putGate
	}
	out := make([]index.PutResult, len(items))
	for i, it := range items {
		created, a, err := f.Put(ctx, it.Article, it.Origin)
		out[i] = index.PutResult{Created: created, Article: a, Err: err}
	}
	return out
}

// Rebuild waits for rebuildGate (when set) or ctx, then returns rebuildErr.
func (f *fakeService) Rebuild(ctx context.Context) error {
	f.mu.Lock()
	if f.rebuilding {
		f.mu.Unlock()
		return fmt.Errorf("rebuild: %w", index.ErrRebuilding)
	}
	f.rebuilding = true
	f.mu.Unlock()
	return f.rebuild(ctx)
}

func (f *fakeService) rebuild(ctx context.Context) error {
	f.mu.Lock()
	gate, err := f.rebuildGate, f.rebuildErr
	f.rebuilds++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.rebuilding = false
		f.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (f *fakeService) RebuildAsync(done func(error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rebuilding {
		return fmt.Errorf("rebuild: %w", index.ErrRebuilding)
	}
	f.rebuilding = true
	f.bg.Add(1)
	go func() {
		defer f.bg.Done()
		err := f.rebuild(context.Background())
		if done != nil {
			done(err)
		}
	}()
	return nil
}

func (f *fakeService) Stats(ctx context.Context) (index.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statsErr != nil {
		return index.Stats{}, f.statsErr
	}
	st := f.stats
	st.Reindexing = st.Reindexing || f.rebuilding
	st.Articles = uint64(len(f.articles))
	st.Languages = map[string]uint64{}
	for _, a := range f.articles {
		st.Languages[a.Language]++
	}
	st.SizeBytes = 4096
	return st, nil
}

func (f *fakeService) Health() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.healthErr
}
