package index

// Search: one pass over the hits of the text query computes the total,
// every facet (multi-select) and the top of the requested page, using the
// in-memory records of records.go for filters, facets and sort keys; a
// second, tiny pass fetches match locations of the page's hits for
// highlighting.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
	"veille/corpus"
)

// Limits of a search's passes.
const (
	checkCtxEvery = 4096 // hits between two checks of the context and cost

	bodyFragments    = 3
	bodyFragmentSize = 160
	// maxHighlightBytes bounds the text of a hit analyzed for its
	// highlights: a match further in a huge body is not shown (its
	// snippet is the body's start), and a page of huge articles stays
	// cheap.
	maxHighlightBytes = 256 << 10
	// maxSurfaceBytes bounds the text read to find how a corrected term
	// is written.
	maxSurfaceBytes = 64 << 10
)

// Search runs q: the total of matching articles (stories when q
// collapses them), the requested page, every facet's counts (each
// facet's counts apply every filter but its own, and again within the
// results) and the corrections of the query's words. Errors are *QueryError (wrapping ErrInvalidQuery), or wrap
// ErrBusy, ErrClosed or ctx's error.
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
	cost := newMeter(x.expensive, &x.opts)
	defer cost.done()
	d := g.records.dicts
	mr := newMemoReader(v, &x.lev, cost)
	if q.Stats != nil {
		mr.stats = &readerStats{use: q.Stats}
	}
	opt := textQueryOptions{Languages: fieldLanguages(d), Prefix: q.Prefix}
	counted := opt // whose words decide which words are known (prepareWords)
	if len(q.IDs) > 0 {
		if mr.allow, err = allowedDocs(snap, q.IDs); err != nil {
			return Results{}, err
		}
		opt.Languages = allowedLanguages(v, d, mr.allow, opt.Languages)
	}
	cq, err := compileTextQuery(q.Text, q.Mode, g.mapping, opt)
	if err != nil {
		return Results{}, err
	}
	countIn := cq.Words
	if len(cq.Words) > 0 && len(opt.Languages) < len(counted.Languages) {
		all, err := compileTextQuery(q.Text, q.Mode, g.mapping, counted)
		if err != nil {
			return Results{}, err
		}
		countIn = all.Words
	}
	p.sort = resolveSort(p.sort, cq.Scored)
	p.fp = p.fingerprint()
	rk := &ranker{sort: p.sort, v: v}
	if q.Cursor != "" {
		cs, err := decodeCursor(x.secret, q.Cursor)
		if err != nil {
			return Results{}, err
		}
		if cs.Fingerprint != p.fp || cs.Sort != string(p.sort) {
			return Results{}, queryErr("Cursor", "belongs to another query (text, filters, sort or per_page changed): start again without it")
		}
		p.after = &cand{seg: -1, score: cs.Score, pub: cs.Pub, amax: cs.Amount, id: cs.ID}
	}
	f := p.filters(d)
	var multi, within *counts
	if !q.NoFacets && len(q.IDs) == 0 { // a restricted search says which articles match, not how many of each
		multi = newCounts(d)
		if !f.none() {
			within = newCounts(d)
		}
	}
	top := &topK{r: rk, k: p.from + p.size}
	var total, afterCursor int
	noFilters := f.none()
	var grp *grouper
	if p.collapsed() {
		hint := 0
		if cq.Query == nil { // every article: as many stories at most
			for _, ss := range v.segs {
				hint += int(ss.Count())
			}
		}
		grp = newGrouper(v, rk, multi, within, hint)
	}
	visit := func(s int, local uint32, score float64) {
		rec := v.recs[s]
		var mask uint8 = passAll
		if !noFilters {
			mask = f.pass(rec, local)
		}
		if grp != nil {
			grp.visit(s, local, score, mask) // ranked and counted once the pass is done
			return
		}
		if multi != nil {
			multi.add(rec, local, mask, false)
		}
		if mask != passAll {
			return
		}
		if within != nil {
			within.add(rec, local, mask, true)
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
	tq := cq.Query
	if tq == nil && mr.allow != nil {
		tq = query.NewMatchAllQuery()
	}
	if tq == nil {
		err = scanAll(ctx, v, cost, visit)
	} else if err = prepareWordsFrom(ctx, mr, cq.Words, countIn); err == nil {
		err = scanQuery(ctx, g, mr, tq, p.sort == SortRelevance, visit)
	}
	if err != nil {
		return Results{}, err
	}
	articles := total
	if grp != nil {
		for i := range grp.groups {
			g := &grp.groups[i]
			if g.matched == 0 {
				continue
			}
			total++
			articles += int(g.matched)
			if p.after != nil {
				if !rk.before(p.after, &g.best) {
					continue
				}
				afterCursor++
			}
			top.offer(g.best)
		}
	}
	res := Results{Total: uint64(total), Articles: uint64(articles), Stories: grp != nil}
	page := top.sorted()
	if p.from < len(page) {
		page = page[p.from:]
	} else {
		page = nil
	}
	if res.Hits, err = loadHits(ctx, g, v, page, q.Highlight, maxHighlightBytes, cq, bodyFragments); err != nil {
		return Results{}, err
	}
	if grp != nil {
		if err := grp.storyHits(ctx, g, page, res.Hits); err != nil {
			return Results{}, err
		}
	}
	more := p.from+len(page) < total
	if p.after != nil {
		more = len(page) < afterCursor
	}
	if more && len(page) > 0 {
		last := page[len(page)-1]
		res.NextCursor = encodeCursor(x.secret, cursorState{
			Sort: string(p.sort), Fingerprint: p.fp, Score: last.score, Pub: last.pub, Amount: last.amax, ID: rk.id(&last),
		})
	}
	if multi != nil {
		res.Facets = buildFacets(multi, d, &p, true)
		res.ResultFacets = res.Facets // without filters, the same counts
		if within != nil {
			res.ResultFacets = buildFacets(within, d, &p, false)
		}
	}
	if len(q.IDs) == 0 { // a restricted search needs no corrections
		if res.Corrections, err = corrections(ctx, g, mr, cq); err != nil {
			return Results{}, err
		}
	}
	if mr.stats != nil {
		res.Missing = mr.stats.missing()
	}
	res.Took = time.Since(start)
	return res, nil
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
func scanAll(ctx context.Context, v *view, cost *meter, visit func(s int, local uint32, score float64)) error {
	n := 0
	for s, ss := range v.segs {
		del := ss.Deleted()
		count := uint32(ss.Segment().Count())
		for i := uint32(0); i < count; i++ {
			if del != nil && del.Contains(i) {
				continue
			}
			if n++; n%checkCtxEvery == 0 {
				if err := checkpoint(ctx, cost, checkCtxEvery*costHit); err != nil {
					return err
				}
			}
			visit(s, i, 0)
		}
	}
	return ctx.Err()
}

// Average lengths of the text fields, in analyzed terms, that BM25
// normalizes field lengths with (OrangeSum's: 7 terms a title, 185 a
// body). Bleve derives its own from the segments' dictionaries, a figure
// that changes as segments merge, so that the same query over the same
// documents scored (and paged, with a cursor) differently from one
// minute to the next.
const (
	bm25TitleLength = 7
	bm25BodyLength  = 185
)

// searchContext returns ctx with what Bleve's searchers expect from
// SearchInContext: the scoring model (BM25) and its collection
// statistics, which depend on the live documents only.
func searchContext(ctx context.Context, r *memoReader) (context.Context, error) {
	ctx = context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return bindex.BM25Scoring }))
	docs, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	st := &search.BM25Stats{DocCount: float64(docs), FieldCardinality: make(map[string]int, 2*len(analyzers.Languages))}
	for _, l := range analyzers.Languages {
		st.FieldCardinality["title_"+l] = int(docs) * bm25TitleLength
		st.FieldCardinality["body_"+l] = int(docs) * bm25BodyLength
	}
	return context.WithValue(ctx, search.BM25StatsKey, st), nil
}

// scanQuery visits every document matching tq, with its score when scored.
func scanQuery(ctx context.Context, g *generation, r *memoReader, tq query.Query, scored bool,
	visit func(s int, local uint32, score float64)) error {
	s, sc, err := openSearcher(ctx, g, r, tq, scored)
	if err != nil {
		return err
	}
	defer s.Close()
	seg, n := 0, 0
	for {
		if n++; n%checkCtxEvery == 0 {
			if err := checkpoint(ctx, r.cost, checkCtxEvery*costHit); err != nil {
				return err
			}
		}
		dm, err := s.Next(sc)
		if err != nil {
			return searchErr(ctx, err)
		}
		if dm == nil {
			return ctx.Err()
		}
		var local uint32
		seg, local = r.view.locate(dm.IndexInternalID.Value(), seg)
		visit(seg, local, dm.Score)
		sc.DocumentMatchPool.Put(dm)
	}
}

// openSearcher returns the searcher of tq on r and its search context.
func openSearcher(ctx context.Context, g *generation, r *memoReader, tq query.Query, scored bool) (search.Searcher, *search.SearchContext, error) {
	opts := search.SearcherOptions{}
	if !scored {
		opts.Score = "none"
	}
	sctx, err := searchContext(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	s, err := tq.Searcher(sctx, r, g.mapping, opts)
	if err != nil {
		return nil, nil, searchErr(ctx, err)
	}
	sc := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0),
		IndexReader:       r,
	}
	return s, sc, nil
}

// searchErr wraps an error of Bleve's searchers: ctx's error when it is
// done, the index's own errors (cost, busy) as they are.
func searchErr(ctx context.Context, err error) error {
	var qe *QueryError
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &qe), errors.Is(err, ErrBusy), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case strings.Contains(err.Error(), "TooManyClauses"):
		// Bleve's only error for a query too broad to run; its type is unexported.
		return queryErr("Text", "matches too many terms; use longer or fewer words")
	}
	return fmt.Errorf("index: search: %w", err)
}

// hitFields collects what a hit needs of its stored fields: the article
// (_src) and, when wanted, the first limit bytes of the body, copied
// once, into the string the hit's article holds (up to 256 KiB a hit:
// the second copy there was 6 % of a page's garbage at 188k
// articles).
type hitFields struct {
	src                []byte
	body               string
	wantBody, haveBody bool
	limit              int
}

func (f *hitFields) visit(name string, _ byte, val []byte, _ []uint64) bool {
	switch name {
	case fieldSrc:
		f.src = bytes.Clone(val)
	case fieldBody:
		if f.wantBody {
			f.body, f.haveBody = string(val[:utf8Cut(val, f.limit)]), true
		}
	}
	return f.src == nil || f.wantBody && !f.haveBody
}

// utf8Cut returns the length of the longest prefix of b of at most limit
// bytes (0: all) that does not end inside a UTF-8 sequence.
func utf8Cut(b []byte, limit int) int {
	if limit <= 0 || len(b) <= limit {
		return len(b)
	}
	n := limit
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return n
}

// loadHits reads the page's articles (without their bodies) and, when
// highlight is set, highlights them from their title and the first
// limit bytes of their body, with up to fragments body fragments (0: the
// whole of the first limit bytes as one).
func loadHits(ctx context.Context, g *generation, v *view, page []cand, highlight bool, limit int, cq compiledQuery, fragments int) ([]Hit, error) {
	if len(page) == 0 {
		return []Hit{}, nil
	}
	hits := make([]Hit, len(page))
	for i := range page {
		c := &page[i]
		hf := hitFields{wantBody: highlight, limit: limit}
		if err := v.visitStored(int(c.seg), c.local, hf.visit); err != nil {
			return nil, fmt.Errorf("index: load hit: %w", err)
		}
		d, err := decodeStored(hf.src, nil)
		if err != nil {
			return nil, err
		}
		d.Body = hf.body
		hits[i] = Hit{Article: d.Article, Score: c.score}
	}
	if highlight {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var locs []search.FieldTermLocationMap
		if cq.Scored && cq.Query != nil {
			if tree, ok := matchTree(cq.Query, cq.Log); ok {
				locs = pageLocations(g.builder, hits, tree)
			}
		}
		for i := range hits {
			var l search.FieldTermLocationMap
			if locs != nil {
				l = locs[i]
			}
			hits[i].Highlights = highlights(&hits[i].Article, l, fragments)
		}
	}
	for i := range hits {
		hits[i].Article.Body = ""
	}
	return hits, nil
}

// highlights returns the highlights of a, given where the query matched
// it: the whole title, and up to fragments fragments of the body (0:
// the whole body as one fragment).
func highlights(a *corpus.Article, locs search.FieldTermLocationMap, fragments int) *Highlights {
	fl := fieldLang4(a.Language)
	dm := &search.DocumentMatch{Locations: locs}
	h := &Highlights{Title: highlightAll(a.Title, spansOf(dm, "title_"+fl))}
	body := spansOf(dm, "body_"+fl)
	if fragments == 0 {
		if b := highlightAll(a.Body, body); b.Text != "" {
			h.Body = []Fragment{b}
		}
		return h
	}
	// Without a match in the body, highlight gives its first lines.
	h.Body = highlight(a.Body, body, fragments, bodyFragmentSize)
	return h
}
