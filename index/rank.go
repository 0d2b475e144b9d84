package index

// Ranking: the order of a sort, and the top of a page kept in a heap
// while the hits stream by.

import (
	"math"
	"slices"
)

// cand is a hit competing for the page.
type cand struct {
	seg   int32
	local uint32
	score float64
	pub   int64
	amax  float64 // NaN when the article has no amount
	id    string  // loaded when needed to break a tie
}

// ranker orders candidates by a sort order, ids breaking ties.
type ranker struct {
	sort Sort
	v    *view
}

func (r *ranker) id(c *cand) string {
	if c.id == "" && c.seg >= 0 {
		b, err := r.v.stored.docID(r.v.segs[c.seg], uint64(c.local))
		if err == nil {
			c.id = string(b)
		}
	}
	return c.id
}

// before reports whether a ranks strictly before b.
func (r *ranker) before(a, b *cand) bool {
	switch r.sort {
	case SortRelevance:
		if a.score != b.score {
			return a.score > b.score
		}
		if a.pub != b.pub {
			return a.pub > b.pub
		}
	case SortDateDesc:
		if a.pub != b.pub {
			return a.pub > b.pub // noPub is the smallest: last
		}
	case SortDate:
		if a.pub != b.pub {
			if a.pub == noPub || b.pub == noPub {
				return b.pub == noPub
			}
			return a.pub < b.pub
		}
	case SortAmount, SortAmountDesc:
		an, bn := math.IsNaN(a.amax), math.IsNaN(b.amax)
		switch {
		case an && bn:
		case an != bn:
			return bn
		case a.amax != b.amax:
			if r.sort == SortAmount {
				return a.amax < b.amax
			}
			return a.amax > b.amax
		}
	}
	return r.id(a) < r.id(b)
}

// topK keeps the k best candidates in a heap whose root is the worst.
type topK struct {
	r *ranker
	k int
	h []cand
}

func (t *topK) offer(c cand) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		t.h = append(t.h, c)
		t.up(len(t.h) - 1)
		return
	}
	if !t.r.before(&c, &t.h[0]) {
		return
	}
	t.h[0] = c
	t.down(0)
}

// worse reports whether h[i] ranks after h[j].
func (t *topK) worse(i, j int) bool { return t.r.before(&t.h[j], &t.h[i]) }

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(i, p) {
			return
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		w := l
		if r := l + 1; r < n && t.worse(r, l) {
			w = r
		}
		if !t.worse(w, i) {
			return
		}
		t.h[i], t.h[w] = t.h[w], t.h[i]
		i = w
	}
}

// sorted returns the candidates, best first.
func (t *topK) sorted() []cand {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b cand) int {
		if t.r.before(&a, &b) {
			return -1
		}
		return 1
	})
	return out
}
