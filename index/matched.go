package index

// Highlight locations, found by analyzing the page's hits again.
//
// A results page highlights where the query matched in each hit. The
// index keeps no term positions (see phrase.go), so the title and body of
// each hit of the page are analyzed again with their field's analyzer,
// and the tokens whose terms the query searched are kept: the words'
// analyzed terms plus the typo corrections and completions chosen for
// them during the search (termLog), and the phrases' terms where the
// whole phrase occurs. A conjunction contributes only when all its parts
// match the hit, as with Bleve's searchers.

import (
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// termLog records, during a search, what each termQuery searched (its
// own term and its near terms). compileTextQuery makes one for the
// termQuery nodes it builds, which are the search's own. It is safe for
// concurrent use; a nil log records nothing.
type termLog struct {
	mu    sync.Mutex
	terms map[*termQuery]*expansion
}

func newTermLog() *termLog { return &termLog{terms: make(map[*termQuery]*expansion)} }

// record notes that q searched ex.
func (l *termLog) record(q *termQuery, ex *expansion) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.terms[q] = ex
	l.mu.Unlock()
}

// expansions returns what every termQuery searched.
func (l *termLog) expansions() map[*termQuery]*expansion {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[*termQuery]*expansion, len(l.terms))
	for q, ex := range l.terms {
		out[q] = ex
	}
	return out
}

// matchNode is the shape of a text query, for highlighting: a termQuery's
// terms in one language, a phrase in one field, or all (and) or any (or)
// of its children, as the query's conjunctions and disjunctions require.
type matchNode struct {
	and, or bool
	lang    string
	terms   []string   // the terms of a termQuery or of a Bleve term query
	field   string     // a phrase's field, or a Bleve term query's
	phrase  [][]string // a phrase's terms by position (see phraseQuery)
	kids    []*matchNode
}

// matchTree returns the tree of the parts of q that match (exclusions,
// which highlight nothing, left out), with the terms log recorded for
// each termQuery (its own term alone when log has none). ok is false
// when q holds a query of another kind.
func matchTree(q query.Query, log *termLog) (*matchNode, bool) {
	searched := log.expansions()
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
			terms := []string{q.Term}
			if ex := searched[q]; ex != nil {
				terms = ex.terms(q.Term)
			}
			return &matchNode{lang: q.Lang, terms: terms}, true
		case *query.TermQuery:
			// A phrase of one word (termPair).
			_, lang, ok := strings.Cut(q.FieldVal, "_")
			return &matchNode{lang: lang, field: q.FieldVal, terms: []string{q.Term}}, ok
		case *phraseQuery:
			return &matchNode{lang: q.Lang, field: q.Field, phrase: q.Terms}, true
		case *query.ConjunctionQuery:
			return group(&matchNode{and: true}, q.Conjuncts)
		case *sumQuery:
			return group(&matchNode{or: true}, q.Parts)
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

// hitMatch holds the tokens of one hit whose terms the query searched.
type hitMatch struct {
	lang string
	locs search.FieldTermLocationMap // by field, then term
}

// eval reports whether n matches the hit and adds the locations of its
// matching parts to into: a conjunction contributes only when all its
// children match, a disjunction the children that match.
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
	case n.phrase != nil:
		return h.evalPhrase(n, into)
	}
	matched := false
	for field, tl := range h.locs {
		if n.field != "" && field != n.field {
			continue
		}
		for _, t := range n.terms {
			if ls := tl[t]; len(ls) > 0 {
				matched = true
				addLocations(into, field, t, ls)
			}
		}
	}
	return matched
}

// evalPhrase is eval for a phrase: the locations of its terms where the
// whole phrase occurs in its field.
func (h *hitMatch) evalPhrase(n *matchNode, into search.FieldTermLocationMap) bool {
	slots, tl := n.phrase, h.locs[n.field]
	if len(slots) == 0 || tl == nil {
		return false
	}
	type termLoc struct {
		term string
		loc  *search.Location
	}
	byPos := make([]map[int][]termLoc, len(slots)) // each slot's tokens by position
	for i, ts := range slots {
		byPos[i] = make(map[int][]termLoc)
		for _, t := range ts {
			for _, l := range tl[t] {
				byPos[i][int(l.Pos)] = append(byPos[i][int(l.Pos)], termLoc{t, l})
			}
		}
	}
	found := map[string]search.Locations{} // by term
	for start := range byPos[0] {
		whole := true
		for i := 1; i < len(slots) && whole; i++ {
			whole = len(slots[i]) == 0 || len(byPos[i][start+i]) > 0
		}
		if !whole {
			continue
		}
		for i := range slots {
			for _, tl := range byPos[i][start+i] {
				found[tl.term] = append(found[tl.term], tl.loc)
			}
		}
	}
	for term, ls := range found {
		addLocations(into, n.field, term, ls)
	}
	return len(found) > 0
}

// addLocations adds ls to the locations of term in field, once each.
// Locations are told apart by identity: all come from one analysis of
// the hit (pageLocations), and a huge text may hold a term tens of
// thousands of times.
func addLocations(dst search.FieldTermLocationMap, field, term string, ls search.Locations) {
	tl := dst[field]
	if tl == nil {
		tl = search.TermLocationMap{}
		dst[field] = tl
	}
	have := tl[term]
	seen := make(map[*search.Location]bool, len(have)+len(ls))
	for _, l := range have {
		seen[l] = true
	}
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			have = append(have, l)
		}
	}
	tl[term] = have
}

// mergeLocations adds the locations of src to dst.
func mergeLocations(dst, src search.FieldTermLocationMap) {
	for field, tl := range src {
		for term, ls := range tl {
			addLocations(dst, field, term, ls)
		}
	}
}

// pageLocations returns the locations of tree's matching terms in each
// hit, in the order of hits, from the hits' title and body analyzed again
// with b's analyzers.
func pageLocations(b *docBuilder, hits []Hit, tree *matchNode) []search.FieldTermLocationMap {
	terms := make(map[string]map[string]bool) // by language
	tree.collect(terms)
	positions := tree.hasPhrase() // term leaves need offsets only
	out := make([]search.FieldTermLocationMap, len(hits))
	for i := range hits {
		a := &hits[i].Article
		h := hitMatch{lang: fieldLang4(a.Language), locs: search.FieldTermLocationMap{}}
		want := terms[h.lang]
		if len(want) == 0 {
			continue
		}
		var first [256]bool
		for t := range want {
			if t != "" {
				first[t[0]] = true
			}
		}
		for _, part := range [2]struct{ name, text string }{{"title", a.Title}, {"body", a.Body}} {
			field := part.name + "_" + h.lang
			an := b.text[field]
			if an == nil || part.text == "" {
				continue
			}
			tl := search.TermLocationMap{}
			visitTokensStartingWith(an, []byte(part.text), &first, positions, func(term []byte, pos, start, end int) {
				if want[string(term)] {
					t := string(term)
					tl[t] = append(tl[t], &search.Location{Pos: uint64(pos), Start: uint64(start), End: uint64(end)})
				}
			})
			h.locs[field] = tl
		}
		locs := search.FieldTermLocationMap{}
		h.eval(tree, locs)
		out[i] = locs
	}
	return out
}

// collect adds the terms of n's leaves (words and phrases) to terms, by
// language.
func (n *matchNode) collect(terms map[string]map[string]bool) {
	add := func(t string) {
		if terms[n.lang] == nil {
			terms[n.lang] = make(map[string]bool)
		}
		terms[n.lang][t] = true
	}
	for _, t := range n.terms {
		add(t)
	}
	for _, ts := range n.phrase {
		for _, t := range ts {
			add(t)
		}
	}
	for _, k := range n.kids {
		k.collect(terms)
	}
}

// hasPhrase reports whether n or a node under it is a phrase.
func (n *matchNode) hasPhrase() bool {
	if n.phrase != nil {
		return true
	}
	for _, k := range n.kids {
		if k.hasPhrase() {
			return true
		}
	}
	return false
}
