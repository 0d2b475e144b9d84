package index

// Search: one pass over the hits of the text query computes the total,
// every facet (multi-select) and the top of the requested page, using the
// in-memory records of records.go for filters, facets and sort keys; a
// second, tiny pass fetches match locations of the page's hits for
// highlighting.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers/countries"
	"veille/corpus"
	"veille/corpus/fold"
)

// Limits of a search.
const (
	defaultPerPage   = 10
	maxPerPage       = 100
	maxWindow        = 10000 // page*per_page beyond this needs the cursor
	defaultFacetSize = 20
	maxFacetSize     = 1000
	checkCtxEvery    = 4096 // hits between two checks of the context
	checkCtxPhrase   = 64   // phrase candidates between two checks (each reads and analyzes a text)

	bodyFragments    = 3
	bodyFragmentSize = 160
)

// Sort orders.
const (
	sortRelevance = "relevance"
	sortDate      = "date"
	sortDateDesc  = "-date"
	sortAmount    = "amount"
	sortAmountDes = "-amount"
)

// plan is a validated query, ready to run on a generation.
type plan struct {
	q         Query
	sort      string
	from      int // hits to skip (page mode)
	size      int
	facetSize int
	after     *cand // cursor: only hits ranking after it
	fp        string
	dayFrom   int32 // inclusive; math.MinInt32 when open
	dayTo     int32 // inclusive; math.MaxInt32 when open
}

// validate checks q and fills defaults. Errors wrap ErrInvalidQuery.
func validate(q Query) (plan, error) {
	p := plan{q: q, sort: q.Sort, dayFrom: math.MinInt32, dayTo: math.MaxInt32}
	switch {
	case q.PerPage == 0:
		p.size = defaultPerPage
	case q.PerPage < 1 || q.PerPage > maxPerPage:
		return p, invalidQuery(fmt.Sprintf("per_page must be between 1 and %d, not %d", maxPerPage, q.PerPage))
	default:
		p.size = q.PerPage
	}
	page := q.Page
	switch {
	case page == 0:
		page = 1
	case page < 0:
		return p, invalidQuery(fmt.Sprintf("page must be 1 or more, not %d", q.Page))
	}
	if q.Cursor == "" {
		if page > maxWindow/p.size {
			return p, invalidQuery(fmt.Sprintf("page %d is too deep: pages go up to %d results (page*per_page); use the cursor (next_cursor) to go further", page, maxWindow))
		}
		p.from = (page - 1) * p.size
	}
	switch q.Sort {
	case "", sortRelevance, sortDate, sortDateDesc, sortAmount, sortAmountDes:
	default:
		return p, invalidQuery(fmt.Sprintf("unknown sort %q: use relevance, date, -date, amount or -amount", q.Sort))
	}
	switch {
	case q.FacetSize == 0:
		p.facetSize = defaultFacetSize
	case q.FacetSize < 0 || q.FacetSize > maxFacetSize:
		return p, invalidQuery(fmt.Sprintf("facet size must be between 1 and %d", maxFacetSize))
	default:
		p.facetSize = q.FacetSize
	}
	for _, v := range []*float64{q.AmountMin, q.AmountMax} {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			return p, invalidQuery("amount bounds must be finite numbers")
		}
	}
	if q.AmountMin != nil && q.AmountMax != nil && *q.AmountMin > *q.AmountMax {
		return p, invalidQuery(fmt.Sprintf("amount_min (%g) is above amount_max (%g)", *q.AmountMin, *q.AmountMax))
	}
	if !q.From.IsZero() {
		p.dayFrom = dayOf(q.From)
	}
	if !q.To.IsZero() {
		p.dayTo = dayOf(q.To)
	}
	if p.dayFrom > p.dayTo {
		return p, invalidQuery(fmt.Sprintf("from (%s) is after to (%s)", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)))
	}
	return p, nil
}

// fingerprint identifies what a cursor may continue: the text, mode,
// filters and sort of a query (not its page or highlighting).
func (p *plan) fingerprint() string {
	q := p.q
	var b strings.Builder
	w := func(parts ...string) {
		for _, s := range parts {
			fmt.Fprintf(&b, "%d:%s;", len(s), s)
		}
	}
	w(q.Text, q.Mode, p.sort)
	for _, vs := range [][]string{q.Companies, q.Countries, q.Languages, q.Sources} {
		vs = slices.Clone(vs)
		slices.Sort(vs)
		w(fmt.Sprint(len(vs)))
		w(vs...)
	}
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	w(f(q.AmountMin), f(q.AmountMax), fmt.Sprint(p.dayFrom), fmt.Sprint(p.dayTo), fmt.Sprint(p.size))
	sum := sha256.Sum256([]byte(b.String()))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

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
	sort string
	v    *view
}

func (r *ranker) id(c *cand) string {
	if c.id == "" && c.seg >= 0 {
		b, err := r.v.segs[c.seg].DocID(uint64(c.local))
		if err == nil {
			c.id = string(b)
		}
	}
	return c.id
}

// before reports whether a ranks strictly before b.
func (r *ranker) before(a, b *cand) bool {
	switch r.sort {
	case sortRelevance:
		if a.score != b.score {
			return a.score > b.score
		}
		if a.pub != b.pub {
			return a.pub > b.pub
		}
	case sortDateDesc:
		if a.pub != b.pub {
			return a.pub > b.pub // noPub is the smallest: last
		}
	case sortDate:
		if a.pub != b.pub {
			if a.pub == noPub || b.pub == noPub {
				return b.pub == noPub
			}
			return a.pub < b.pub
		}
	case sortAmount, sortAmountDes:
		an, bn := math.IsNaN(a.amax), math.IsNaN(b.amax)
		switch {
		case an && bn:
		case an != bn:
			return bn
		case a.amax != b.amax:
			if r.sort == sortAmount {
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

// filters are a query's filters resolved to ordinals. A nil set means the
// filter is off; an active set holds true at the ordinals it accepts.
type filters struct {
	comp, ctry, lang, src []bool
	amount                bool
	amin, amax            float64
	date                  bool
	dayFrom, dayTo        int32
}

// resolveSet turns filter values into an ordinal set over d; norm
// normalises a value, and unknown values fall back to a case- and
// accent-insensitive comparison with the known ones.
func resolveSet(values []string, d *dict, norm func(string) string) []bool {
	if len(values) == 0 {
		return nil
	}
	names := d.all()
	set := make([]bool, len(names))
	var loose []string
	for _, v := range values {
		v = norm(strings.TrimSpace(v))
		if id, ok := d.lookup(v); ok && int(id) < len(set) {
			set[id] = true
			continue
		}
		loose = append(loose, looseKey(v))
	}
	if len(loose) > 0 {
		for i, name := range names {
			if slices.Contains(loose, looseKey(name)) {
				set[i] = true
			}
		}
	}
	return set
}

// looseKey folds case and accents.
func looseKey(s string) string { return fold.Lower(s) }

func identity(s string) string { return s }

func (p *plan) filters(d *dicts) *filters {
	f := &filters{
		comp: resolveSet(p.q.Companies, d.companies, identity),
		ctry: resolveSet(p.q.Countries, d.countries, upperASCII),
		lang: resolveSet(p.q.Languages, d.langs, strings.ToLower),
		src:  resolveSet(p.q.Sources, d.sources, identity),
	}
	if p.q.AmountMin != nil || p.q.AmountMax != nil {
		f.amount, f.amin, f.amax = true, math.Inf(-1), math.Inf(1)
		if p.q.AmountMin != nil {
			f.amin = *p.q.AmountMin
		}
		if p.q.AmountMax != nil {
			f.amax = *p.q.AmountMax
		}
	}
	if p.dayFrom != math.MinInt32 || p.dayTo != math.MaxInt32 {
		f.date, f.dayFrom, f.dayTo = true, p.dayFrom, p.dayTo
	}
	return f
}

func inSet(set []bool, ords []uint32) bool {
	for _, o := range ords {
		if int(o) < len(set) && set[o] {
			return true
		}
	}
	return false
}

func in1(set []bool, o uint32) bool { return o != noOrd && int(o) < len(set) && set[o] }

// counts are the facet counts of one search, by ordinal.
type counts struct {
	comp, ctry, lang, month []int32
	bands                   [len(amountBands)]int32
}

// Search runs q: the total of matching articles, the requested page and
// every facet's counts (each facet's counts apply every filter but its
// own). Errors wrap ErrInvalidQuery, ErrClosed or ctx's error.
func (x *Index) Search(ctx context.Context, q Query) (Results, error) {
	start := time.Now()
	p, err := validate(q)
	if err != nil {
		return Results{}, err
	}
	if err := ctx.Err(); err != nil {
		return Results{}, err
	}
	g, snap, release, err := x.snapshot()
	if err != nil {
		return Results{}, err
	}
	defer release()
	v, err := g.records.view(snap)
	if err != nil {
		return Results{}, err
	}
	d := g.records.dicts
	mr := newMemoReader(v, &x.lev)
	langs := fieldLanguages(d)
	if len(q.IDs) > 0 {
		if mr.allow, err = allowedDocs(snap, q.IDs); err != nil {
			return Results{}, err
		}
		langs = allowedLanguages(v, d, mr.allow, langs)
	}
	cq, err := compileTextQuery(q.Text, q.Mode, g.mapping, textQueryOptions{Languages: langs})
	if err != nil {
		return Results{}, err
	}
	if p.sort == "" {
		p.sort = sortDateDesc
		if cq.Scored {
			p.sort = sortRelevance
		}
	}
	if p.sort == sortRelevance && !cq.Scored {
		p.sort = sortDateDesc // every score is equal: newest first, as relevance breaks ties
	}
	p.fp = p.fingerprint()
	rk := &ranker{sort: p.sort, v: v}
	if q.Cursor != "" {
		cs, err := decodeCursor(x.secret, q.Cursor)
		if err != nil {
			return Results{}, err
		}
		if cs.Fingerprint != p.fp || cs.Sort != p.sort {
			return Results{}, invalidQuery("the cursor belongs to another query (text, filters, sort or per_page changed): start again without it")
		}
		p.after = &cand{seg: -1, score: cs.Score, pub: cs.Pub, amax: cs.Amount, id: cs.ID}
	}
	f := p.filters(d)
	c := &counts{
		comp: make([]int32, len(d.companies.all())), ctry: make([]int32, len(d.countries.all())),
		lang: make([]int32, len(d.langs.all())), month: make([]int32, len(d.months.all())),
	}
	top := &topK{r: rk, k: p.from + p.size}
	var total, afterCursor int
	visit := func(s int, local uint32, score float64) {
		rec := v.recs[s]
		pc := f.comp == nil || inSet(f.comp, rec.companies(local))
		pn := f.ctry == nil || inSet(f.ctry, rec.countries(local))
		pl := f.lang == nil || in1(f.lang, rec.lang[local])
		ps := f.src == nil || in1(f.src, rec.source[local])
		pa := !f.amount
		if !pa {
			for _, a := range rec.amounts(local) {
				if a >= f.amin && a <= f.amax {
					pa = true
					break
				}
			}
		}
		pd := !f.date || rec.day[local] != noDay && rec.day[local] >= f.dayFrom && rec.day[local] <= f.dayTo
		if !ps {
			return
		}
		if pn && pl && pa && pd {
			for _, o := range rec.companies(local) {
				c.comp[o]++
			}
		}
		if pc && pl && pa && pd {
			for _, o := range rec.countries(local) {
				c.ctry[o]++
			}
		}
		if pc && pn && pa && pd && rec.lang[local] != noOrd {
			c.lang[rec.lang[local]]++
		}
		if pc && pn && pl && pd {
			for b := rec.bands[local]; b != 0; b &= b - 1 {
				c.bands[bitIndex(b)]++
			}
		}
		if pc && pn && pl && pa && rec.month[local] != noOrd {
			c.month[rec.month[local]]++
		}
		if !(pc && pn && pl && pa && pd) {
			return
		}
		total++
		cd := cand{seg: int32(s), local: local, score: score, pub: rec.pub[local], amax: rec.amax[local]}
		if p.after != nil {
			if !rk.before(p.after, &cd) {
				return
			}
			afterCursor++
		}
		top.offer(cd)
	}
	var log *termLog
	tq := cq.Query
	if tq == nil && mr.allow != nil {
		tq = query.NewMatchAllQuery()
	}
	if tq == nil {
		err = scanAll(ctx, v, visit)
	} else {
		sctx := ctx
		if p.q.Highlight {
			sctx, log = withTermLog(ctx)
		}
		err = x.scanQuery(sctx, g, v, mr, tq, p.sort == sortRelevance, visit)
	}
	if err != nil {
		return Results{}, err
	}
	res := Results{Total: uint64(total)}
	page := top.sorted()
	if p.from < len(page) {
		page = page[p.from:]
	} else {
		page = nil
	}
	if res.Hits, err = loadHits(g, v, page, &p, cq, log); err != nil {
		return Results{}, err
	}
	more := p.from+len(page) < total
	if p.after != nil {
		more = len(page) < afterCursor
	}
	if more && len(page) > 0 {
		last := page[len(page)-1]
		res.NextCursor = encodeCursor(x.secret, cursorState{
			Sort: p.sort, Fingerprint: p.fp, Score: last.score, Pub: last.pub, Amount: last.amax, ID: rk.id(&last),
		})
	}
	if len(q.IDs) == 0 { // a restricted search says which articles match, not how many of each
		res.Facets = buildFacets(c, d, &p)
	}
	res.Took = time.Since(start)
	return res, nil
}

// dayOf returns the day number of t's date, in t's location.
func dayOf(t time.Time) int32 {
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

func bitIndex(b uint8) int {
	i := 0
	for b&1 == 0 {
		b >>= 1
		i++
	}
	return i
}

// fieldLanguages returns the languages whose fields hold documents.
func fieldLanguages(d *dicts) []string {
	out := []string{}
	for _, l := range d.langs.all() {
		fl := fieldLang4(l)
		if !slices.Contains(out, fl) {
			out = append(out, fl)
		}
	}
	return out
}

// scanAll visits every live document of v.
func scanAll(ctx context.Context, v *view, visit func(s int, local uint32, score float64)) error {
	n := 0
	for s, ss := range v.segs {
		del := ss.Deleted()
		count := uint32(ss.Segment().Count())
		for i := uint32(0); i < count; i++ {
			if del != nil && del.Contains(i) {
				continue
			}
			if n++; n%checkCtxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			visit(s, i, 0)
		}
	}
	return ctx.Err()
}

// searchContext returns ctx with what Bleve's searchers expect from
// SearchInContext: the scoring model (BM25).
func searchContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return bindex.BM25Scoring }))
}

// scanQuery visits every document matching tq, with its score when scored.
func (x *Index) scanQuery(ctx context.Context, g *generation, v *view, r *memoReader, tq query.Query, scored bool,
	visit func(s int, local uint32, score float64)) error {
	opts := search.SearcherOptions{}
	if !scored {
		opts.Score = "none"
	}
	sctx := searchContext(ctx)
	searcher, err := tq.Searcher(sctx, r, g.mapping, opts)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case strings.Contains(err.Error(), "TooManyClauses"):
		// Bleve's only error for a query too broad to run; its type is unexported.
		return fmt.Errorf("%w: the query matches too many terms; use longer or fewer words", ErrInvalidQuery)
	default:
		return fmt.Errorf("index: search: %w", err)
	}
	defer searcher.Close()
	sc := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(searcher.DocumentMatchPoolSize()+1, 0),
		IndexReader:       r,
	}
	seg, n := 0, 0
	for {
		if n++; n%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		dm, err := searcher.Next(sc)
		if err != nil {
			return fmt.Errorf("index: search: %w", err)
		}
		if dm == nil {
			return ctx.Err()
		}
		var local uint32
		seg, local = v.locate(dm.IndexInternalID.Value(), seg)
		visit(seg, local, dm.Score)
		sc.DocumentMatchPool.Put(dm)
	}
}

// loadHits reads the page's articles and highlights them.
// log, when not nil, holds the terms the search looked up.
func loadHits(g *generation, v *view, page []cand, p *plan, cq compiledQuery, log *termLog) ([]Hit, error) {
	if len(page) == 0 {
		return []Hit{}, nil
	}
	hits := make([]Hit, len(page))
	for i := range page {
		c := &page[i]
		ss := v.segs[c.seg]
		var sf storedFields
		if err := ss.VisitDocument(uint64(c.local), sf.visit); err != nil {
			return nil, fmt.Errorf("index: load hit: %w", err)
		}
		d, err := sf.decode()
		if err != nil {
			return nil, err
		}
		hits[i] = Hit{Article: d.Article, Score: c.score}
	}
	if !p.q.Highlight {
		return hits, nil
	}
	var locs []search.FieldTermLocationMap
	if cq.Scored && cq.Query != nil {
		if tree, ok := matchTree(cq.Query, log); ok {
			locs = pageLocations(g.builder, hits, tree)
		}
	}
	for i := range hits {
		var l search.FieldTermLocationMap
		if locs != nil {
			l = locs[i]
		}
		hits[i].Highlights = highlights(&hits[i].Article, l)
	}
	return hits, nil
}

// highlights returns the highlighted title and body fragments of a, given
// where the query matched it.
func highlights(a *corpus.Article, locs search.FieldTermLocationMap) map[string][]string {
	fl := fieldLang4(a.Language)
	dm := &search.DocumentMatch{Locations: locs}
	h := map[string][]string{}
	if t := highlightAll(a.Title, spansOf(dm, "title_"+fl)); t != "" {
		h["title"] = []string{t}
	}
	// Without a match in the body, highlight gives its first lines.
	if b := highlight(a.Body, spansOf(dm, "body_"+fl), bodyFragments, bodyFragmentSize); len(b) > 0 {
		h["body"] = b
	}
	return h
}

// buildFacets turns counts into facet values.
func buildFacets(c *counts, d *dicts, p *plan) Facets {
	var f Facets
	f.Company = termFacet(c.comp, d.companies.all(), p.facetSize, p.q.Companies, identity, nil)
	f.Country = termFacet(c.ctry, d.countries.all(), p.facetSize, p.q.Countries, upperASCII, countries.Name)
	f.Language = termFacet(c.lang, d.langs.all(), p.facetSize, p.q.Languages, strings.ToLower, nil)
	for i, n := range c.bands {
		if n == 0 {
			continue
		}
		b := amountBands[i]
		fv := FacetValue{Value: b.Label, Count: int(n), Min: ptr(b.Min)}
		if !math.IsInf(b.Max, 1) {
			fv.Max = ptr(b.Max)
		}
		f.Amount = append(f.Amount, fv)
	}
	months := d.months.all()
	for i, n := range c.month {
		if n > 0 {
			f.Month = append(f.Month, FacetValue{Value: months[i], Count: int(n)})
		}
	}
	slices.SortFunc(f.Month, func(a, b FacetValue) int { return strings.Compare(b.Value, a.Value) })
	if len(f.Month) > p.facetSize {
		f.Month = f.Month[:p.facetSize]
	}
	return f
}

func ptr(v float64) *float64 { return &v }

// termFacet returns the size values with the highest counts (ties by
// value), plus the selected values, which always appear.
func termFacet(counts []int32, names []string, size int, selected []string, norm func(string) string, label func(string) string) []FacetValue {
	// better reports whether ordinal a goes before ordinal b.
	better := func(a, b uint32) bool {
		if counts[a] != counts[b] {
			return counts[a] > counts[b]
		}
		return names[a] < names[b]
	}
	// A heap of the best size ordinals so far, the worst at the root.
	h := make([]uint32, 0, size)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			w := l
			if r := l + 1; r < len(h) && better(h[w], h[r]) {
				w = r
			}
			if !better(h[i], h[w]) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for i, n := range counts {
		if n == 0 {
			continue
		}
		o := uint32(i)
		if len(h) < size {
			h = append(h, o)
			for j := len(h) - 1; j > 0; { // up
				p := (j - 1) / 2
				if !better(h[p], h[j]) {
					break
				}
				h[p], h[j] = h[j], h[p]
				j = p
			}
			continue
		}
		if better(o, h[0]) {
			h[0] = o
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b uint32) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	out := make([]FacetValue, len(h), len(h)+len(selected))
	for i, o := range h {
		out[i] = FacetValue{Value: names[o], Count: int(counts[o])}
	}
	for _, s := range selected {
		s = norm(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		key := looseKey(s)
		if slices.ContainsFunc(out, func(o FacetValue) bool { return looseKey(o.Value) == key }) {
			continue
		}
		found := false
		for i, name := range names {
			if counts[i] > 0 && looseKey(name) == key {
				out = append(out, FacetValue{Value: name, Count: int(counts[i])})
				found = true
			}
		}
		if !found {
			out = append(out, FacetValue{Value: s})
		}
	}
	if label != nil {
		for i := range out {
			out[i].Label = label(out[i].Value)
		}
	}
	return out
}
