package index

// Corpus statistics of a search, for scoring across shards. What a search
// reads of its index beyond the postings of the matching documents is a
// handful of counts: the number of documents (BM25's N and field length
// statistic), the live document frequency of each term it scores (BM25's
// IDF, whether a word is known or a typo) and the live terms of its
// dictionary look-ups with their counts (typo corrections and
// completions, and their weights). An index that holds part of the
// articles reads its own, so that its scores, and even the terms it
// expands a word to, differ from those of one index holding every
// article. Each of these counts is a sum over documents, so the sum of
// every shard's is the whole corpus's: a pre-search ([Index.TermStats])
// reads them on each shard, and their sum, passed back with the query
// (Query.Stats), makes every shard search and score exactly as one index
// holding all the articles would (Elasticsearch's dfs_query_then_fetch,
// extended to the expansions).
//
// Which counts a search reads depends on counts read before (a known word
// is not corrected; a word without neighbours in the stem space gets
// those of its cut forms): a shard that reads a count Query.Stats lacks
// uses its own and reports it (Results.Missing, or the pre-search's
// answer), and the caller sums the reports and asks again. Counts read
// before the first missing one are the whole corpus's, so every shard
// reads that one, and each round completes at least one count.

import (
	"context"
	"maps"
	"sync"

	bindex "github.com/blevesearch/bleve_index_api"
)

// TermStats are counts a search reads of its index (see the top of this
// file): the number of documents, the live document frequency of terms
// (by TermKey) and the live terms of dictionary look-ups with their
// document counts (by look-up).
type TermStats struct {
	Docs  uint64                       `json:"docs"`
	Terms map[string]uint64            `json:"terms,omitempty"`
	Lists map[string]map[string]uint64 `json:"lists,omitempty"`
}

// TermKey is the key of a term of a field in TermStats.Terms.
func TermKey(field, term string) string { return field + "\x1f" + term }

// listKey is the key of a dictionary look-up in TermStats.Lists.
func listKey(k termsKey) string { return k.field + "\x1f" + k.kind + "\x1f" + k.key }

// Empty reports whether s holds no term and no look-up.
func (s *TermStats) Empty() bool { return len(s.Terms) == 0 && len(s.Lists) == 0 }

// Add adds o's term counts and look-ups that s lacks to s (o's Docs is
// ignored: Docs is set once, by the first round).
func (s *TermStats) Add(o TermStats) {
	for k, v := range o.Terms {
		if _, ok := s.Terms[k]; !ok {
			if s.Terms == nil {
				s.Terms = make(map[string]uint64, len(o.Terms))
			}
			s.Terms[k] = v
		}
	}
	for k, v := range o.Lists {
		if _, ok := s.Lists[k]; !ok {
			if s.Lists == nil {
				s.Lists = make(map[string]map[string]uint64, len(o.Lists))
			}
			s.Lists[k] = v
		}
	}
}

// SumStats returns the statistics of the corpus whose shards' statistics
// are parts: documents summed, and the counts and look-ups that every
// part holds summed (one that some shard did not read is left out: the
// next round has it read by all).
func SumStats(parts []TermStats) TermStats {
	var out TermStats
	if len(parts) == 0 {
		return out
	}
	for _, p := range parts {
		out.Docs += p.Docs
	}
	for k := range parts[0].Terms {
		var n uint64
		all := true
		for _, p := range parts {
			v, ok := p.Terms[k]
			if !ok {
				all = false
				break
			}
			n += v
		}
		if all {
			if out.Terms == nil {
				out.Terms = make(map[string]uint64)
			}
			out.Terms[k] = n
		}
	}
	for k := range parts[0].Lists {
		sum := make(map[string]uint64)
		all := true
		for _, p := range parts {
			l, ok := p.Lists[k]
			if !ok {
				all = false
				break
			}
			for t, v := range l {
				sum[t] += v
			}
		}
		if all {
			if out.Lists == nil {
				out.Lists = make(map[string]map[string]uint64)
			}
			out.Lists[k] = sum
		}
	}
	return out
}

// maxStatsRounds bounds the pre-search rounds of [CorpusStats].
const maxStatsRounds = 4

// CorpusStats returns the corpus's counts that a search of q reads: ask
// runs [Index.TermStats] of a query on every shard of the corpus and
// returns their answers. From nothing (stats nil) it asks once: the
// search then run with the answer reports what it lacked
// (Results.Missing), as a second round would, and for most queries
// nothing. Otherwise it completes a copy of stats until the shards read
// nothing new, or for maxStatsRounds rounds. Errors are ask's.
func CorpusStats(ctx context.Context, q Query, stats *TermStats, ask func(context.Context, Query) ([]TermStats, error)) (*TermStats, error) {
	q.Cursor, q.Page = "", 0
	var out *TermStats
	if stats != nil {
		c := *stats
		c.Terms, c.Lists = maps.Clone(stats.Terms), maps.Clone(stats.Lists)
		out = &c
	}
	for range maxStatsRounds {
		q.Stats = out
		parts, err := ask(ctx, q)
		if err != nil {
			return nil, err
		}
		sum := SumStats(parts)
		if out == nil {
			return &sum, nil
		}
		if sum.Empty() {
			break
		}
		out.Add(sum)
	}
	return out, nil
}

// TermStats returns the counts a search of q reads (see the top of this
// file) that q.Stats lacks, as this index has them, and this index's
// number of documents. Errors are *QueryError (wrapping ErrInvalidQuery),
// or wrap ErrClosed or ctx's error.
func (x *Index) TermStats(ctx context.Context, q Query) (TermStats, error) {
	if _, err := validate(q); err != nil {
		return TermStats{}, err
	}
	g, snap, release, err := x.snapshot()
	if err != nil {
		return TermStats{}, err
	}
	defer release()
	v, err := g.records.view(snap)
	if err != nil {
		return TermStats{}, err
	}
	cost := newMeter(x.expensive, &x.opts)
	defer cost.done()
	mr := newMemoReader(v, &x.lev, cost)
	mr.stats = &readerStats{use: q.Stats}
	cq, err := compileTextQuery(q.Text, q.Mode, g.mapping, textQueryOptions{Languages: fieldLanguages(g.records.dicts), Prefix: q.Prefix})
	if err != nil {
		return TermStats{}, err
	}
	if cq.Query != nil {
		if err := prepareWords(ctx, mr, cq); err != nil {
			return TermStats{}, err
		}
		s, _, err := openSearcher(ctx, g, mr, cq.Query, true)
		if err != nil {
			return TermStats{}, err
		}
		_ = s.Close()
	}
	st := mr.stats.read
	if st.Docs, err = snap.DocCount(); err != nil {
		return TermStats{}, err
	}
	return st, nil
}

// readerStats makes a memoReader answer with the corpus's counts (use)
// and record what it read that use lacks (read, this index's own).
type readerStats struct {
	mu   sync.Mutex
	use  *TermStats
	read TermStats
}

// missing returns what was read that use lacks, nil when nothing.
func (r *readerStats) missing() *TermStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.read.Empty() {
		return nil
	}
	out := r.read
	out.Docs = 0
	return &out
}

// term returns the count of k, the corpus's when use has it, else local
// (recorded).
func (r *readerStats) term(k string, local uint64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.use != nil {
		if c, ok := r.use.Terms[k]; ok {
			return max(c, local) // local: written since the statistics were read
		}
	}
	if r.read.Terms == nil {
		r.read.Terms = make(map[string]uint64)
	}
	r.read.Terms[k] = local
	return local
}

// list returns the corpus's terms of look-up k when use has them, else
// ok false.
func (r *readerStats) list(k string) (map[string]uint64, bool) {
	if r.use == nil {
		return nil, false
	}
	l, ok := r.use.Lists[k]
	return l, ok
}

// recordList records this index's terms of look-up k.
func (r *readerStats) recordList(k string, l map[string]uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.read.Lists == nil {
		r.read.Lists = make(map[string]map[string]uint64)
	}
	r.read.Lists[k] = l
}

// globalTermReader is a term's postings with the document frequency of
// the whole corpus.
type globalTermReader struct {
	bindex.TermFieldReader
	count uint64
}

func (r *globalTermReader) Count() uint64 { return r.count }

// TermFieldReader returns the postings of term in field, with the
// corpus's document frequency when stats are set (see readerStats).
func (m *memoReader) TermFieldReader(ctx context.Context, term []byte, field string, freq, norm, vectors bool) (bindex.TermFieldReader, error) {
	tr, err := m.postings(ctx, term, field, freq, norm, vectors)
	if err != nil || m.stats == nil {
		return tr, err
	}
	local := tr.Count()
	if c := m.stats.term(TermKey(field, string(term)), local); c != local {
		return &globalTermReader{TermFieldReader: tr, count: c}, nil
	}
	return tr, nil
}

// DocCount is the number of documents, of the whole corpus when stats
// give it.
func (m *memoReader) DocCount() (uint64, error) {
	if m.stats != nil && m.stats.use != nil {
		return m.stats.use.Docs, nil
	}
	return m.IndexSnapshot.DocCount()
}
