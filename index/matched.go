package index

// Highlight locations read from the page's own postings.
//
// A results page highlights where the query matched in each hit. Running
// the query again over the page's ids (locations) builds a searcher per
// term, language field and segment; for a query of bare words, the terms
// each hit can match are already known from the search itself (the words'
// analyzed terms plus the typo corrections and completions chosen for
// them), so the page reads their locations straight from the hits'
// segments instead: each term's postings once per segment and field,
// walked forward through that segment's hits.

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// termLog records, during a search, the index terms each termQuery
// searched (its own and its near terms). It is safe for concurrent use.
type termLog struct {
	mu    sync.Mutex
	terms map[*termQuery][]string
}

type termLogKey struct{}

// withTermLog returns ctx carrying a new termLog.
func withTermLog(ctx context.Context) (context.Context, *termLog) {
	l := &termLog{terms: make(map[*termQuery][]string)}
	return context.WithValue(ctx, termLogKey{}, l), l
}

// record notes that q searched terms; it does nothing without a log in ctx.
func (q *termQuery) record(ctx context.Context, near []weightedTerm) {
	l, _ := ctx.Value(termLogKey{}).(*termLog)
	if l == nil {
		return
	}
	terms := make([]string, 0, 1+len(near))
	terms = append(terms, q.Term)
	for _, t := range near {
		terms = append(terms, t.term)
	}
	l.mu.Lock()
	l.terms[q] = terms
	l.mu.Unlock()
}

// matchNode is the shape of a query of bare words, for highlighting: a
// termQuery's terms in one language, or all (and) or any (or) of its
// children, as the query's conjunctions and disjunctions require.
type matchNode struct {
	and, or bool
	lang    string
	terms   []string
	kids    []*matchNode
}

// matchTree returns the tree of the parts of q that match (exclusions,
// which highlight nothing, left out), with the terms the log recorded for
// each termQuery. ok is false when q holds anything else that matches
// (phrases, whose locations depend on the neighbouring words) or a node
// the log missed: the caller must run the query again.
func matchTree(q query.Query, log *termLog) (*matchNode, bool) {
	log.mu.Lock()
	defer log.mu.Unlock()
	var walk func(q query.Query) (*matchNode, bool)
	group := func(n *matchNode, kids []query.Query) (*matchNode, bool) {
		for _, c := range kids {
			k, ok := walk(c)
			if !ok {
				return nil, false
			}
			n.kids = append(n.kids, k)
		}
		return n, true
	}
	walk = func(q query.Query) (*matchNode, bool) {
		switch q := q.(type) {
		case *termQuery:
			terms, ok := log.terms[q]
			if !ok {
				return nil, false
			}
			return &matchNode{lang: q.Lang, terms: terms}, true
		case *query.ConjunctionQuery:
			return group(&matchNode{and: true}, q.Conjuncts)
		case *query.DisjunctionQuery:
			if q.Min > 1 {
				return nil, false
			}
			return group(&matchNode{or: true}, q.Disjuncts)
		case *query.BooleanQuery:
			// Exclusions (MustNot) highlight nothing; Should is unused.
			if q.Should != nil || q.Must == nil {
				return nil, false
			}
			return walk(q.Must)
		}
		return nil, false
	}
	return walk(q)
}

// hitMatch holds the locations of the terms one hit has.
type hitMatch struct {
	lang  string
	terms map[string]search.FieldTermLocationMap // a term's locations by field; absent: not in the hit
}

// eval reports whether n matches the hit and adds the locations of its
// matching parts to into, as Bleve's searchers gather them: a
// conjunction contributes only when all its children match, a
// disjunction the children that match.
func (h *hitMatch) eval(n *matchNode, into search.FieldTermLocationMap) bool {
	switch {
	case n.and:
		// Children add their locations only once all are known to match.
		part := search.FieldTermLocationMap{}
		for _, k := range n.kids {
			if !h.eval(k, part) {
				return false
			}
		}
		mergeLocations(into, part)
		return true
	case n.or:
		matched := false
		for _, k := range n.kids {
			matched = h.eval(k, into) || matched
		}
		return matched
	case n.lang != h.lang:
		return false
	}
	matched := false
	for _, t := range n.terms {
		if locs := h.terms[t]; locs != nil {
			matched = true
			mergeLocations(into, locs)
		}
	}
	return matched
}

// mergeLocations adds the terms of src to dst; a term already in dst
// keeps its locations (both come from the same postings).
func mergeLocations(dst, src search.FieldTermLocationMap) {
	for field, tl := range src {
		d := dst[field]
		if d == nil {
			d = search.TermLocationMap{}
			dst[field] = d
		}
		for term, ls := range tl {
			if _, ok := d[term]; !ok {
				d[term] = ls
			}
		}
	}
}

// pageLocations returns the locations of tree's matching terms in each
// hit of the page, read from the hits' segments; hits are keyed by id, as
// [locations] keys them. Each term's postings are read once per segment
// and field, walking forward through the segment's hits.
func pageLocations(v *view, page []cand, hits []Hit, tree *matchNode) (map[string]search.FieldTermLocationMap, error) {
	terms := make(map[string][]string) // by language
	tree.collect(terms)
	ms := make([]hitMatch, len(page))
	order := make([]int, len(page))
	for i := range page {
		ms[i] = hitMatch{lang: fieldLang4(hits[i].Article.Language), terms: make(map[string]search.FieldTermLocationMap)}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(page[a].seg, page[b].seg); c != 0 {
			return c
		}
		return cmp.Compare(page[a].local, page[b].local)
	})
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && page[order[end]].seg == page[order[start]].seg {
			end++
		}
		group := order[start:end] // the hits of one segment, in document order
		seg := v.segs[page[group[0]].seg].Segment()
		done := make(map[string]bool)
		for _, i := range group {
			lang := ms[i].lang
			if done[lang] {
				continue
			}
			done[lang] = true
			for _, field := range [2]string{"title_" + lang, "body_" + lang} {
				if err := readLocations(seg, lang, field, terms[lang], group, page, ms); err != nil {
					return nil, err
				}
			}
		}
		start = end
	}
	out := make(map[string]search.FieldTermLocationMap, len(page))
	for i := range page {
		locs := search.FieldTermLocationMap{}
		ms[i].eval(tree, locs)
		out[hits[i].Article.ID] = locs
	}
	return out, nil
}

// readLocations notes, for each hit of group (one segment's hits, in
// document order) in language lang, the locations of terms in field.
func readLocations(seg segment.Segment, lang, field string, terms []string, group []int, page []cand, ms []hitMatch) error {
	dict, err := seg.Dictionary(field)
	if err != nil || dict == nil {
		return err
	}
	for _, term := range terms {
		pl, err := dict.PostingsList([]byte(term), nil, nil)
		if err != nil {
			return err
		}
		if pl == nil || pl.Count() == 0 {
			continue
		}
		it := pl.Iterator(false, false, true, nil)
		var p segment.Posting
		for _, i := range group {
			if ms[i].lang != lang {
				continue
			}
			local := uint64(page[i].local)
			if p == nil || p.Number() < local {
				if p, err = it.Advance(local); err != nil {
					return err
				}
				if p == nil {
					break
				}
			}
			if p.Number() != local {
				continue
			}
			ls := make([]*search.Location, 0, len(p.Locations()))
			for _, l := range p.Locations() {
				ls = append(ls, &search.Location{Pos: uint64(l.Pos()), Start: uint64(l.Start()), End: uint64(l.End())})
			}
			ftl := ms[i].terms[term]
			if ftl == nil {
				ftl = search.FieldTermLocationMap{}
				ms[i].terms[term] = ftl
			}
			ftl[field] = search.TermLocationMap{term: ls}
		}
	}
	return nil
}

// collect adds the terms of n's leaves to terms, by language, once each.
func (n *matchNode) collect(terms map[string][]string) {
	for _, t := range n.terms {
		if !slices.Contains(terms[n.lang], t) {
			terms[n.lang] = append(terms[n.lang], t)
		}
	}
	for _, k := range n.kids {
		k.collect(terms)
	}
}
