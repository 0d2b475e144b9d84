package index

// One article with where a query matched it: the article view.

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/search"

	"veille/corpus"
)

// maxArticleMarkBytes bounds the text of an article analyzed for the
// marks of its view: matches further in a huge body are not marked.
const maxArticleMarkBytes = 2 << 20

// Marks are where a query matched an article, as byte ranges of its
// Title and Body as stored (sorted, disjoint, on UTF-8 boundaries).
type Marks struct {
	Title, Body []Mark
}

// Article returns the article with id and where the words of q (its
// Text, Mode and Prefix; the rest is ignored) match it; the marks are
// empty when q has no words or does not match the article. Errors wrap
// ErrNotFound, ErrBusy, ErrClosed or ctx's error, or are *QueryError.
func (x *Index) Article(ctx context.Context, id string, q Query) (corpus.Article, Marks, error) {
	if err := ctx.Err(); err != nil {
		return corpus.Article{}, Marks{}, err
	}
	g, snap, release, err := x.snapshot()
	if err != nil {
		return corpus.Article{}, Marks{}, err
	}
	defer release()
	d, err := g.records.stored.get(snap, id)
	if err != nil {
		return corpus.Article{}, Marks{}, err
	}
	a := d.Article
	if q.Text == "" {
		return a, Marks{}, nil
	}
	if _, err := validate(Query{Text: q.Text, Mode: q.Mode}); err != nil {
		return corpus.Article{}, Marks{}, err
	}
	v, err := g.records.view(snap)
	if err != nil {
		return corpus.Article{}, Marks{}, err
	}
	cq, err := compileTextQuery(q.Text, q.Mode, g.mapping, textQueryOptions{Languages: fieldLanguages(g.records.dicts), Prefix: q.Prefix})
	if err != nil || !cq.Scored || cq.Query == nil {
		return a, Marks{}, err
	}
	cost := newMeter(x.expensive, &x.opts)
	defer cost.done()
	mr := newMemoReader(v, &x.lev, cost)
	tfr, err := mr.TermFieldReader(ctx, []byte(id), "_id", false, false, false)
	if err != nil {
		return corpus.Article{}, Marks{}, fmt.Errorf("index: find %s: %w", id, err)
	}
	tfd, err := tfr.Next(nil)
	_ = tfr.Close()
	if err != nil || tfd == nil {
		return a, Marks{}, err
	}
	if err := prepareWords(ctx, mr, cq); err != nil {
		return corpus.Article{}, Marks{}, err
	}
	s, sc, err := openSearcher(ctx, g, mr, cq.Query, false)
	if err != nil {
		return corpus.Article{}, Marks{}, err
	}
	defer s.Close()
	dm, err := s.Advance(sc, tfd.ID)
	if err != nil {
		return corpus.Article{}, Marks{}, searchErr(ctx, err)
	}
	if dm == nil || !dm.IndexInternalID.Equals(tfd.ID) {
		return a, Marks{}, nil
	}
	tree, ok := matchTree(cq.Query, cq.Log)
	if !ok {
		return a, Marks{}, nil
	}
	marked := a
	marked.Body = a.Body[:utf8Cut([]byte(a.Body), maxArticleMarkBytes)]
	locs := pageLocations(g.builder, []Hit{{Article: marked}}, tree)[0]
	fl := fieldLang4(a.Language)
	hit := &search.DocumentMatch{Locations: locs}
	return a, Marks{
		Title: marksOf(a.Title, spansOf(hit, "title_"+fl)),
		Body:  marksOf(marked.Body, spansOf(hit, "body_"+fl)),
	}, nil
}

// marksOf returns spans as the marks of text.
func marksOf(text string, spans []span) []Mark {
	ss := normalizeSpans(text, spans)
	out := make([]Mark, len(ss))
	for i, s := range ss {
		out[i] = Mark{Start: s.Start, End: s.End}
	}
	return out
}
