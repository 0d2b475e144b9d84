package index

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/corpus"
)

// TestMatchesAgreeWithBlevePositions checks phrases and highlights, which
// the index finds by analyzing text again (it keeps no term positions),
// against an oracle: the same articles in a Bleve index with term
// vectors, where Bleve's own phrase searcher matches phrases and its
// searchers return the locations of every match. Totals and every hit's
// highlights must be the same, on real articles, for words, typos,
// completions, phrases (stop words inside), modes, several languages and
// exclusions.
func TestMatchesAgreeWithBlevePositions(t *testing.T) {
	x, _ := openTest(t, Options{})
	arts := readJSONL(t, "orangesum-fr.jsonl.gz", 600)
	for i := range arts {
		arts[i].Language = "fr"
	}
	arts = append(arts,
		corpus.Article{ID: "en-1", Title: "Nvidia invests in Norway", Body: "Nvidia and OpenAI build a data centre in Narvik, Norway. The data centre opens in 2026.", Language: "en"},
		corpus.Article{ID: "de-1", Title: "Nvidia investiert in Norwegen", Body: "Nvidia baut ein Rechenzentrum in Narvik.", Language: "de"},
	)
	put(t, x, arts...)
	oracle, om := oracleIndex(t, arts)

	queries := []string{
		"macron", "emmanuel macron", "gouvernement réforme", "macorn", "présidnet république",
		"nvidia", "narvik", "norv", "gouv", "prison -paris", "santé hôpital", "états-unis",
		"l'économie", "2019", "maire-ministre choix",
		`"premier ministre"`, `réforme "retraites"`, `"réforme des retraites"`, `"data centre"`,
		`"président de la République"`, `gouvernement -"premier ministre"`, `"la France" "les États-Unis"`,
		`"ministre de l'Intérieur" police`, `"emmanuel macron" "premier ministre"`, `"coupe du monde"`,
		`"de la"`, `"premier ministre" -"édouard philippe"`, `"macron a"`,
	}
	byID := map[string]corpus.Article{}
	for _, a := range arts {
		byID[a.ID] = a
	}
	ctx := context.Background()
	marked := 0
	for _, v := range []struct {
		mode   Mode
		prefix bool
	}{{"", false}, {ModeAny, false}, {"", true}} {
		mode := v.mode
		for _, text := range queries {
			res, err := x.Search(ctx, Query{Text: text, Mode: mode, Prefix: v.prefix, Highlight: true, PerPage: 20})
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			cq, err := compileTextQuery(text, mode, om, textQueryOptions{Languages: []string{"de", "en", "fr"}, Prefix: v.prefix})
			if err != nil {
				t.Fatal(err)
			}
			if cq.Query == nil {
				continue
			}
			oq := withBlevePhrases(cq.Query)
			req := bleve.NewSearchRequestOptions(oq, 0, 0, false)
			want, err := oracle.SearchInContext(ctx, req)
			if err != nil {
				t.Fatalf("%q: oracle: %v", text, err)
			}
			if res.Total != want.Total {
				t.Errorf("%q mode %q: %d matches, Bleve's positions say %d", text, mode, res.Total, want.Total)
			}
			if len(res.Hits) == 0 {
				continue
			}
			ids := make([]string, len(res.Hits))
			for i, h := range res.Hits {
				ids[i] = h.Article.ID
			}
			req = bleve.NewSearchRequestOptions(query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), oq}), len(ids), 0, false)
			req.IncludeLocations = true
			page, err := oracle.SearchInContext(ctx, req)
			if err != nil {
				t.Fatalf("%q: oracle: %v", text, err)
			}
			oByID := map[string]*search.DocumentMatch{}
			for _, h := range page.Hits {
				oByID[h.ID] = h
			}
			for _, h := range res.Hits {
				o := oByID[h.Article.ID]
				if o == nil {
					t.Errorf("%q mode %q: %s matches, not in Bleve's", text, mode, h.Article.ID)
					continue
				}
				a := byID[h.Article.ID]
				if w := highlights(&a, o.Locations, bodyFragments); !reflect.DeepEqual(h.Highlights, w) {
					t.Errorf("%q mode %q: %s highlights\n      %q\nBleve %q", text, mode, h.Article.ID, hlStrings(h.Highlights), hlStrings(w))
				}
				for _, f := range append([]Fragment{h.Highlights.Title}, h.Highlights.Body...) {
					if len(f.Marks) > 0 {
						marked++
					}
				}
			}
		}
	}
	if marked == 0 {
		t.Error("no highlighted fragment at all")
	}
}

// oracleIndex indexes the title and body of arts as the index does, with
// term vectors, in a plain Bleve index.
func oracleIndex(t *testing.T, arts []corpus.Article) (bleve.Index, *mapping.IndexMappingImpl) {
	t.Helper()
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	for _, fm := range m.DefaultMapping.Properties {
		for _, f := range fm.Fields {
			if f.Type == "text" && f.Index {
				f.IncludeTermVectors = true
			}
		}
	}
	idx, err := bleve.NewUsing(filepath.Join(t.TempDir(), "oracle"), m, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	b := idx.NewBatch()
	for _, a := range arts {
		doc := document.NewDocument(a.ID)
		fl := fieldLang4(a.Language)
		for _, part := range [2]struct{ name, text string }{{"title", a.Title}, {"body", a.Body}} {
			if part.text == "" {
				continue
			}
			field := part.name + "_" + fl
			an := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
			doc.AddField(document.NewTextFieldCustom(field, nil, []byte(part.text), bindex.IndexField|bindex.IncludeTermVectors, an))
		}
		if err := b.IndexAdvanced(doc); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	return idx, m
}

// withBlevePhrases returns q with its phrase queries replaced by Bleve's
// (which need term vectors).
func withBlevePhrases(q query.Query) query.Query {
	switch q := q.(type) {
	case *phraseQuery:
		p := query.NewMultiPhraseQuery(q.Terms, q.Field)
		p.SetBoost(q.Boost())
		return p
	case *query.ConjunctionQuery:
		out := make([]query.Query, len(q.Conjuncts))
		for i, c := range q.Conjuncts {
			out[i] = withBlevePhrases(c)
		}
		return query.NewConjunctionQuery(out)
	case *sumQuery:
		out := make([]query.Query, len(q.Parts))
		for i, c := range q.Parts {
			out[i] = withBlevePhrases(c)
		}
		return &sumQuery{Parts: out, Coord: q.Coord, boost: q.boost}
	case *query.DisjunctionQuery:
		out := make([]query.Query, len(q.Disjuncts))
		for i, c := range q.Disjuncts {
			out[i] = withBlevePhrases(c)
		}
		d := query.NewDisjunctionQuery(out)
		d.Min = q.Min
		return d
	case *query.BooleanQuery:
		var must, not query.Query
		if q.Must != nil {
			must = withBlevePhrases(q.Must)
		}
		if q.MustNot != nil {
			not = withBlevePhrases(q.MustNot)
		}
		return &query.BooleanQuery{Must: must, MustNot: not}
	}
	return q
}
