package index

// What merging the results of shards needs from the index: the order of a
// query's hits and the cursor after a hit, as a search of one index
// holding every shard's articles would give them.

import (
	"math"
	"strings"
)

// Ranking is the order of the hits of one query.
type Ranking struct {
	sort Sort
	fp   string
	key  []byte
}

// Ranking returns the order of q's hits: its sort (the default resolved)
// and the cursor of q after a given hit. Errors wrap ErrInvalidQuery or
// ErrClosed.
func (x *Index) Ranking(q Query) (Ranking, error) {
	p, err := validate(q)
	if err != nil {
		return Ranking{}, err
	}
	g, _, release, err := x.snapshot()
	if err != nil {
		return Ranking{}, err
	}
	defer release()
	cq, err := compileTextQuery(q.Text, q.Mode, g.mapping, textQueryOptions{Languages: fieldLanguages(g.records.dicts), Prefix: q.Prefix})
	if err != nil {
		return Ranking{}, err
	}
	p.sort = resolveSort(p.sort, cq.Scored)
	return Ranking{sort: p.sort, fp: p.fingerprint(), key: x.secret}, nil
}

// resolveSort is the sort a search applies: the default of its text when
// none is given, and newest first when relevance has no scores.
func resolveSort(sort Sort, scored bool) Sort {
	if sort == "" {
		sort = SortDateDesc
		if scored {
			sort = SortRelevance
		}
	}
	if sort == SortRelevance && !scored {
		sort = SortDateDesc // every score is equal: newest first, as relevance breaks ties
	}
	return sort
}

// Sort is the sort order applied ("relevance", "-date"...).
func (r Ranking) Sort() Sort { return r.sort }

// candOf is a hit's sort keys.
func candOf(h *Hit) cand {
	c := cand{seg: -1, score: h.Score, pub: noPub, amax: math.NaN(), id: h.Article.ID}
	if !h.Article.Published.IsZero() {
		c.pub = h.Article.Published.UnixNano()
	}
	for _, a := range h.Article.Amounts {
		if math.IsNaN(c.amax) || a.EUR > c.amax {
			c.amax = a.EUR
		}
	}
	return c
}

// Compare orders two hits as one index would: negative when a comes
// first.
func (r Ranking) Compare(a, b Hit) int {
	rk := ranker{sort: r.sort}
	ca, cb := candOf(&a), candOf(&b)
	switch {
	case rk.before(&ca, &cb):
		return -1
	case rk.before(&cb, &ca):
		return 1
	}
	return strings.Compare(a.Article.ID, b.Article.ID)
}

// CursorAfter is the cursor that continues the query after hit h.
func (r Ranking) CursorAfter(h Hit) string {
	c := candOf(&h)
	return encodeCursor(r.key, cursorState{Sort: string(r.sort), Fingerprint: r.fp, Score: c.score, Pub: c.pub, Amount: c.amax, ID: c.id})
}
