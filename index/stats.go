package index

// Corpus statistics of a search, for scoring across shards: an index that
// holds part of the articles scores with its own document count, field
// lengths and document frequencies, so that scores from different shards
// are not comparable. A pre-search ([Index.TermStats]) reads what a query
// uses on each shard; their sum ([TermStats.Add]), passed back with the
// query (Query.Stats), makes every shard score as one index holding all
// the articles would (Elasticsearch's dfs_query_then_fetch).

import (
	"context"
	"fmt"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	bindex "github.com/blevesearch/bleve_index_api"
)

// TermStats are the statistics BM25 reads for a query: the number of
// documents, each field's length statistic (Bleve's FieldCardinality) and
// the document frequency of each term looked up, by TermKey.
type TermStats struct {
	Docs   uint64            `json:"docs"`
	Fields map[string]uint64 `json:"fields"`
	Terms  map[string]uint64 `json:"terms"`
}

// TermKey is the key of a term of a field in TermStats.Terms.
func TermKey(field, term string) string { return field + "\x1f" + term }

// Add adds the statistics of another shard.
func (s *TermStats) Add(o TermStats) {
	if s.Fields == nil {
		s.Fields = make(map[string]uint64, len(o.Fields))
	}
	if s.Terms == nil {
		s.Terms = make(map[string]uint64, len(o.Terms))
	}
	s.Docs += o.Docs
	for k, v := range o.Fields {
		s.Fields[k] += v
	}
	for k, v := range o.Terms {
		s.Terms[k] += v
	}
}

// TermStats returns this index's statistics of what q looks up (the
// query's terms, their typo corrections and completions). Errors wrap
// ErrInvalidQuery, ErrClosed or ctx's error.
func (x *Index) TermStats(ctx context.Context, q Query) (TermStats, error) {
	st := TermStats{Fields: map[string]uint64{}, Terms: map[string]uint64{}}
	if _, err := validate(q); err != nil {
		return st, err
	}
	g, snap, release, err := x.snapshot()
	if err != nil {
		return st, err
	}
	defer release()
	v, err := g.records.view(snap)
	if err != nil {
		return st, err
	}
	cq, err := compileTextQuery(q.Text, q.Mode, g.mapping, textQueryOptions{Languages: fieldLanguages(g.records.dicts)})
	if err != nil || cq.Query == nil {
		return st, err
	}
	mr := newMemoReader(v, &x.lev)
	mr.stats = &readerStats{record: &st}
	s, err := cq.Query.Searcher(searchContext(ctx), mr, g.mapping, search.SearcherOptions{})
	if err != nil {
		return st, fmt.Errorf("index: term statistics: %w", err)
	}
	_ = s.Close()
	if st.Docs, err = snap.DocCount(); err != nil {
		return st, err
	}
	return st, nil
}

// TermCounts returns the document frequencies in this index of the terms
// keyed by TermKey. Errors wrap ErrClosed.
func (x *Index) TermCounts(ctx context.Context, keys []string) (map[string]uint64, error) {
	_, snap, release, err := x.snapshot()
	if err != nil {
		return nil, err
	}
	defer release()
	out := make(map[string]uint64, len(keys))
	for _, k := range keys {
		field, term, ok := cutTermKey(k)
		if !ok {
			continue
		}
		tr, err := snap.TermFieldReader(ctx, []byte(term), field, false, false, false)
		if err != nil {
			return nil, err
		}
		out[k] = tr.Count()
		_ = tr.Close()
	}
	return out, nil
}

func cutTermKey(k string) (field, term string, ok bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0x1f {
			return k[:i], k[i+1:], true
		}
	}
	return "", "", false
}

// readerStats makes a memoReader record the statistics it reads (record)
// or answer with given ones (use).
type readerStats struct {
	mu     sync.Mutex
	record *TermStats
	use    *TermStats
}

// globalTermReader is a term's postings with the document frequency of
// the whole corpus.
type globalTermReader struct {
	bindex.TermFieldReader
	count uint64
}

func (r *globalTermReader) Count() uint64 { return r.count }

// TermFieldReader returns the postings of term in field, recording or
// replacing its document frequency (see readerStats).
func (m *memoReader) TermFieldReader(ctx context.Context, term []byte, field string, freq, norm, vectors bool) (bindex.TermFieldReader, error) {
	tr, err := m.IndexSnapshot.TermFieldReader(ctx, term, field, freq, norm, vectors)
	if err != nil || m.stats == nil {
		return tr, err
	}
	k := TermKey(field, string(term))
	if rec := m.stats.record; rec != nil {
		m.stats.mu.Lock()
		rec.Terms[k] = tr.Count()
		if _, ok := rec.Fields[field]; !ok {
			n, err := m.IndexSnapshot.FieldCardinality(field)
			if err == nil {
				rec.Fields[field] = uint64(n)
			}
		}
		m.stats.mu.Unlock()
	}
	if use := m.stats.use; use != nil {
		if c, ok := use.Terms[k]; ok {
			return &globalTermReader{TermFieldReader: tr, count: max(c, tr.Count())}, nil
		}
	}
	return tr, nil
}

// DocCount is the number of documents, of the whole corpus when given.
func (m *memoReader) DocCount() (uint64, error) {
	if m.stats != nil && m.stats.use != nil {
		return m.stats.use.Docs, nil
	}
	return m.IndexSnapshot.DocCount()
}

// FieldCardinality is BM25's field length statistic, of the whole corpus
// when given.
func (m *memoReader) FieldCardinality(field string) (int, error) {
	if m.stats != nil && m.stats.use != nil {
		if n, ok := m.stats.use.Fields[field]; ok {
			return int(n), nil
		}
	}
	return m.IndexSnapshot.FieldCardinality(field)
}
