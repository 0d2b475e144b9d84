package index

// Deciding a candidate without a search.
//
// A candidate of a saved query is confirmed by the search itself, but
// most are decided by the article alone: a word matches an article that
// holds its own term whatever the word's typos and completions (the
// search always looks the term itself up), a term of an excluded word or
// a phrase's is exact, a phrase is checked on the article's text as the
// search checks it (containsPhrase), and filters compare the article's
// values as the index stores them. Decide evaluates the saved query's
// text query, compiled for the article's language, on the article's
// terms in three values: a word lacking its own term, whose typos or
// completions the article may hold, or a filter value that matches the
// article's only once case and accents are folded (the index then
// decides by the values it knows), leave the answer to the search.

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
	"veille/corpus"
)

// verdict is a three-valued answer: whether an article matches a saved
// query, or that only a search can tell.
type verdict uint8

const (
	unsure verdict = iota
	yes
	no
)

func and3(a, b verdict) verdict {
	switch {
	case a == no || b == no:
		return no
	case a == yes && b == yes:
		return yes
	}
	return unsure
}

func or3(a, b verdict) verdict {
	switch {
	case a == yes || b == yes:
		return yes
	case a == no && b == no:
		return no
	}
	return unsure
}

func not3(a verdict) verdict {
	switch a {
	case yes:
		return no
	case no:
		return yes
	}
	return unsure
}

// decider evaluates saved queries on one article.
type decider struct {
	a  *Committed
	m  mapping.IndexMapping // the live mapping, the article's and the queries'
	p  *Percolator
	ex *expansions // of the index the article is in; nil: words lacking their term are left to the search
	sq *savedQuery // the query being decided
}

// decide returns whether the article matches sq, whose text query
// compiled for the article's language is cq (nil: no text).
func (d *decider) decide(sq *savedQuery, cq query.Query) verdict {
	v := decideFilters(&d.a.Article, &sq.plan)
	if v == no || cq == nil {
		return v
	}
	d.sq = sq
	return and3(v, d.text(cq))
}

// text evaluates a compiled text query (see compileTextQuery).
func (d *decider) text(q query.Query) verdict {
	switch q := q.(type) {
	case *termQuery:
		if d.has("title_"+q.Lang, q.Term) || d.has("body_"+q.Lang, q.Term) {
			return yes
		}
		if q.Edits == 0 && len(q.Prefixes) == 0 {
			return no
		}
		if d.ex == nil {
			return unsure // its typos or completions may be there
		}
		terms, err := d.p.expansion(d.ex, d.sq, q)
		if err != nil {
			return unsure
		}
		for _, t := range terms {
			if d.has("title_"+q.Lang, t) || d.has("body_"+q.Lang, t) {
				return yes
			}
		}
		return no
	case *query.TermQuery:
		if d.has(q.Field(), q.Term) {
			return yes
		}
		return no
	case *phraseQuery:
		return d.phrase(q)
	case *query.ConjunctionQuery:
		v := yes
		for _, k := range q.Conjuncts {
			if v = and3(v, d.text(k)); v == no {
				return no
			}
		}
		return v
	case *query.DisjunctionQuery:
		if q.Min > 1 {
			return unsure
		}
		v := no
		for _, k := range q.Disjuncts {
			if v = or3(v, d.text(k)); v == yes {
				return yes
			}
		}
		return v
	case *sumQuery:
		v := no
		for _, k := range q.Parts {
			if v = or3(v, d.text(k)); v == yes {
				return yes
			}
		}
		return v
	case *query.BooleanQuery:
		if q.Should != nil {
			return unsure
		}
		v := yes
		if q.Must != nil {
			v = d.text(q.Must)
		}
		if v != no && q.MustNot != nil {
			v = and3(v, not3(d.text(q.MustNot)))
		}
		return v
	case *query.MatchAllQuery:
		return yes
	case *query.MatchNoneQuery:
		return no
	}
	return unsure
}

// has reports whether the article's field holds term.
func (d *decider) has(field, term string) bool {
	f := d.field(field)
	if f == nil {
		return false
	}
	_, ok := f.AnalyzedTokenFrequencies()[term]
	return ok
}

// field returns the article's analyzed text field named name, nil when
// it has none.
func (d *decider) field(name string) bindex.Field {
	if d.a.doc == nil {
		return nil
	}
	for _, f := range d.a.doc.Fields {
		if c, ok := f.(*compactText); ok && c.Name() == name {
			return c
		}
	}
	return nil
}

// phrase checks a phrase on the article's title or body, as the
// phrase's searcher does.
func (d *decider) phrase(q *phraseQuery) verdict {
	for _, slot := range q.Terms {
		if len(slot) == 0 {
			continue
		}
		found := false
		for _, t := range slot {
			found = found || d.has(q.Field, t)
		}
		if !found {
			return no
		}
	}
	an := d.m.AnalyzerNamed(d.m.AnalyzerNameForPath(q.Field))
	if an == nil {
		return unsure
	}
	text := d.a.Article.Body
	if part, _, _ := strings.Cut(q.Field, "_"); part == "title" {
		text = d.a.Article.Title
	}
	ok, err := containsPhrase(context.Background(), an, []byte(text), q.Terms)
	switch {
	case err != nil:
		return unsure
	case ok:
		return yes
	}
	return no
}

// decideFilters returns whether a passes the filters of p (plan.filters,
// filters.pass) as stored (doc.go).
func decideFilters(a *corpus.Article, p *plan) verdict {
	q := &p.q
	lang := a.Language
	if lang == "" {
		lang = analyzers.Fallback
	}
	v := yes
	keep := func(values, have []string, norm func(string) string) {
		if len(values) > 0 {
			v = and3(v, valueIn(values, have, norm))
		}
	}
	drop := func(values, have []string, norm func(string) string) {
		if len(values) > 0 {
			v = and3(v, not3(valueIn(values, have, norm)))
		}
	}
	var source []string
	if a.Source != "" {
		source = []string{a.Source}
	}
	keep(q.Companies, a.Companies, identity)
	drop(q.ExcludeCompanies, a.Companies, identity)
	keep(q.Countries, a.Countries, upperASCII)
	drop(q.ExcludeCountries, a.Countries, upperASCII)
	keep(q.Languages, []string{lang}, strings.ToLower)
	keep(q.Sources, source, identity)
	drop(q.ExcludeSources, source, identity)
	if v == no {
		return no
	}
	if q.AmountMin != nil || q.AmountMax != nil {
		lo, hi := math.Inf(-1), math.Inf(1)
		if q.AmountMin != nil {
			lo = *q.AmountMin
		}
		if q.AmountMax != nil {
			hi = *q.AmountMax
		}
		ok := false
		for _, am := range a.Amounts {
			ok = ok || !math.IsNaN(am.EUR) && !math.IsInf(am.EUR, 0) && am.EUR >= lo && am.EUR <= hi
		}
		if !ok {
			return no
		}
	}
	if p.dayFrom != math.MinInt32 || p.dayTo != math.MaxInt32 {
		if a.Published.IsZero() {
			return no
		}
		if d := dayOf(a.Published); d < p.dayFrom || d > p.dayTo {
			return no
		}
	}
	return v
}

// valueIn returns whether one of the filter values names one of have (the
// article's values, as stored): yes when one equals a value once
// normalised (resolveSet looks it up exactly); unsure when one equals a
// value only with case and accents folded (resolveSet compares loosely
// only values the index does not know).
func valueIn(values, have []string, norm func(string) string) verdict {
	v := no
	for _, w := range values {
		w = norm(strings.TrimSpace(w))
		for _, h := range have {
			switch {
			case h == "":
			case h == w:
				return yes
			case looseKey(h) == looseKey(w):
				v = unsure
			}
		}
	}
	return v
}

// expansions are the terms the words of saved queries stand for in one
// snapshot, looked up as the search does (termQuery.expand, its word
// counted in every language searched, as prepareWordsFrom counts it):
// Decide tests a word that lacks its own term in an article against them
// instead of searching. They are shared by the articles of a commit; the
// live counts they read are carried from the snapshots before when only
// added articles lie between (percolate_delta.go).
type expansions struct {
	x    *Index
	g    *generation
	snap *scorch.IndexSnapshot
	mr   *memoReader
	mu   sync.Mutex
	near map[expansionKey][]string
	dfs  map[wordOf]uint64 // the count of a saved query's word in every language
}

// expansionKey is what a word's expansion depends on: its compiled
// term query and its count in every language.
type expansionKey struct {
	lang, term, word, surface string
	edits, fuzzyPrefix        int
	df                        uint64
	prefixes                  string // tq.Prefixes joined by \x01
}

// wordOf names a word of a saved query.
type wordOf struct {
	sq   *savedQuery
	word string
}

// countedWords are the words of saved queries compiled for every
// language searched (langs), which decide whether a word is known.
type countedWords struct {
	langs string
	words []*termQuery
}

// expansionsOf returns the expansions of snap, made once per snapshot;
// batch is the number of the last batch snap holds (batchLog.settled),
// 0 when unknown: their counts are then all read from the segments.
func (p *Percolator) expansionsOf(g *generation, snap *scorch.IndexSnapshot, batch uint64) (*expansions, error) {
	p.expMu.Lock()
	defer p.expMu.Unlock()
	if p.exp != nil && p.exp.snap == snap && p.exp.g == g {
		return p.exp, nil
	}
	// The expansions read the segments' dictionaries, not the records of
	// their documents (recordCache.view would build those of every
	// segment a merge made, for nothing).
	v := &view{snap: snap, segs: snap.Segments(), stored: &g.records.stored}
	mr := newMemoReader(v, &p.x.lev, nil)
	mr.near = p.surfaceTerms
	if batch > 0 {
		mr.carry = &carrier{c: &p.carried, log: &p.x.batches, g: g, batch: batch}
	}
	p.exp = &expansions{x: p.x, g: g, snap: snap, mr: mr,
		near: map[expansionKey][]string{}, dfs: map[wordOf]uint64{}}
	return p.exp, nil
}

// words returns sq's words compiled for every language the index holds.
func (p *Percolator) words(sq *savedQuery, g *generation) ([]*termQuery, error) {
	langs := fieldLanguages(g.records.dicts)
	key := strings.Join(langs, ",")
	p.expMu.Lock()
	cw, ok := p.counted[sq]
	p.expMu.Unlock()
	if ok && cw.langs == key {
		return cw.words, nil
	}
	cq, err := compileTextQuery(sq.q.Text, sq.q.Mode, g.mapping, textQueryOptions{Languages: langs, Prefix: sq.q.Prefix})
	if err != nil {
		return nil, err
	}
	p.expMu.Lock()
	if p.counted == nil || len(p.counted) > 2*len(p.saved)+16 {
		p.counted = map[*savedQuery]countedWords{}
	}
	p.counted[sq] = countedWords{langs: key, words: cq.Words}
	p.expMu.Unlock()
	return cq.Words, nil
}

// terms returns the word's own term and those it stands for in the
// search of sq (tq is one of sq's words as ls.compiled holds them).
func (p *Percolator) expansion(e *expansions, sq *savedQuery, tq *termQuery) ([]string, error) {
	ctx := context.Background()
	wk := wordOf{sq, tq.Word}
	e.mu.Lock()
	df, ok := e.dfs[wk]
	e.mu.Unlock()
	if !ok {
		words, err := p.words(sq, e.g)
		if err != nil {
			return nil, err
		}
		for _, w := range words {
			if w.Word != tq.Word {
				continue
			}
			n, err := liveDF(ctx, e.mr, w.Term, "title_"+w.Lang, "body_"+w.Lang)
			if err != nil {
				return nil, err
			}
			df += n
		}
		e.mu.Lock()
		e.dfs[wk] = df
		e.mu.Unlock()
	}
	key := expansionKey{tq.Lang, tq.Term, tq.Word, tq.Surface, tq.Edits, tq.FuzzyPrefix, df, strings.Join(tq.Prefixes, "\x01")}
	e.mu.Lock()
	terms, ok := e.near[key]
	e.mu.Unlock()
	if ok {
		return terms, nil
	}
	q := *tq // compiled queries are shared: prepared on a copy
	q.wordDF, q.prepared, q.log = df, true, nil
	ex, err := q.expand(ctx, e.mr, e.g.mapping)
	if err != nil {
		return nil, err
	}
	terms = ex.terms(q.Term)
	e.mu.Lock()
	e.near[key] = terms
	e.mu.Unlock()
	return terms, nil
}

// Warm reads ahead what Match reads for the words of every saved query,
// in each language the index holds: their document counts, the counts
// that decide which of their near terms the search takes, and their
// expansions. Match carries these counts from snapshot to snapshot with
// the terms of the batches written since (percolate_delta.go), so that a
// commit reads none of them from the segments, unless a barrier (a
// delete or a replacement) came between. Answers are the same with or
// without it. Errors wrap ErrClosed or ErrUnavailable.
func (p *Percolator) Warm(ctx context.Context) error {
	_, snap, release, err := p.x.snapshot()
	if err != nil {
		return err
	}
	held, err := liveTermsOf(snap.Segments(), fieldLang, nil, nil, nil, nil) // the languages of the live documents
	release()
	if err != nil {
		return err
	}
	var langs []string
	for l := range held {
		if fl := fieldLang4(l); !slices.Contains(langs, fl) {
			langs = append(langs, fl)
		}
	}
	slices.Sort(langs)
	p.mu.RLock()
	sqs := make([]*savedQuery, 0, len(p.saved))
	for _, sq := range p.saved {
		sqs = append(sqs, sq)
	}
	p.mu.RUnlock()
	for _, lang := range langs {
		ls, err := p.langSieve(lang)
		if err != nil {
			return err
		}
		if err := p.warm(ctx, ls, sqs); err != nil {
			return err
		}
	}
	return nil
}

// warm is Warm for the queries sqs in the sieve ls, on the live snapshot;
// it reads nothing while a batch is being applied (nothing read then
// could be carried).
func (p *Percolator) warm(ctx context.Context, ls *langSieve, sqs []*savedQuery) error {
	batch := p.x.batches.settled()
	g, snap, release, err := p.x.snapshot()
	if err != nil {
		return err
	}
	defer release()
	if batch == 0 || p.x.batches.settled() != batch {
		return nil
	}
	docs, err := snap.DocCount()
	if err != nil {
		return err
	}
	ex, err := p.expansionsOf(g, snap, batch)
	if err != nil {
		return err
	}
	for _, sq := range sqs {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.mu.RLock()
		words := ls.words[sq]
		if ls.mapping != g.mapping || p.saved[sq.id] != sq {
			words = nil // of an older mapping, or removed meanwhile
		}
		var needs []*need
		for _, k := range ls.regs[sq] {
			for _, gr := range k.c.groups {
				for _, n := range gr {
					if n.hasNearTerms() && !slices.Contains(needs, n) {
						needs = append(needs, n)
					}
				}
			}
		}
		p.mu.RUnlock()
		for _, n := range needs {
			p.typoState(ex.mr, ls, n, docs)
		}
		for _, tq := range words {
			if tq.Edits == 0 && len(tq.Prefixes) == 0 {
				continue // never expanded
			}
			if _, err := p.expansion(ex, sq, tq); err != nil {
				return err
			}
		}
	}
	return nil
}
