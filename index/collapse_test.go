package index

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"veille/corpus"
)

// storyArticles are three copies of one dispatch from three sources and
// one other article, all naming Nvidia.
func storyArticles() []corpus.Article {
	paragraphs := strings.Split(dispatchText, "\n")
	const nv = "\nNvidia fournira les puces des nouvelles chaînes."
	return []corpus.Article{
		{ID: "afp", Title: "Renault ferme Flins", Body: dispatchText + nv, Source: "AFP", Published: day("2024-03-05")},
		{ID: "reprint", Title: "Flins : l'usine Renault va fermer", Body: "Coup dur dans les Yvelines.\n" + strings.Join(paragraphs[:3], "\n") + nv, Source: "Le Monde", Published: day("2024-03-06")},
		{ID: "copy2", Title: "Renault : Flins fermera", Body: strings.Join(paragraphs[1:], "\n") + nv, Source: "Ouest", Published: day("2024-03-07")},
		{ID: "other", Title: "La Bourse monte", Body: "La Bourse de Paris a fini en hausse de deux pour cent vendredi, portée par Nvidia et les valeurs bancaires, et par les espoirs d'une baisse des taux directeurs de la Banque centrale européenne dès le mois de juin.", Source: "AFP", Published: day("2024-03-04")},
	}
}

func facetCounts(vals []FacetValue) map[string]int {
	out := map[string]int{}
	for _, v := range vals {
		out[v.Value] = v.Count
	}
	return out
}

func TestCollapseStories(t *testing.T) {
	x, _ := openTest(t, Options{})
	put(t, x, storyArticles()...)

	plain := mustSearch(t, x, Query{})
	if plain.Total != 4 || plain.Articles != 4 || plain.Stories {
		t.Fatalf("without collapse: total %d, articles %d, stories %v; want 4, 4, false", plain.Total, plain.Articles, plain.Stories)
	}
	if c := facetCounts(plain.Facets.Company)["Nvidia"]; c != 4 {
		t.Errorf("without collapse Nvidia counts %d articles, want 4", c)
	}
	for _, h := range plain.Hits {
		if h.Story != nil {
			t.Errorf("hit %s has story hits without collapse", h.Article.ID)
		}
	}

	res := mustSearch(t, x, Query{Collapse: CollapseStory})
	if res.Total != 2 || res.Articles != 4 || !res.Stories {
		t.Fatalf("collapsed: total %d, articles %d, stories %v; want 2, 4, true", res.Total, res.Articles, res.Stories)
	}
	if got := strings.Join(hitIDs(res), ","); got != "copy2,other" {
		t.Fatalf("collapsed hits %s, want copy2 (the newest copy) then other", got)
	}
	st := res.Hits[0].Story
	if st == nil || st.Others != 2 || len(st.Hits) != 2 || st.Hits[0].Article.ID != "reprint" || st.Hits[1].Article.ID != "afp" {
		t.Fatalf("the story's other articles: %+v, want 2: reprint then afp (newest first)", st)
	}
	if st.Hits[0].Article.Body != "" || st.Hits[0].Article.Source != "Le Monde" {
		t.Errorf("another article of the story: %+v", st.Hits[0].Article)
	}
	if o := res.Hits[1].Story; o == nil || o.Others != 0 || len(o.Hits) != 0 {
		t.Errorf("a story of one article: %+v", o)
	}
	for _, h := range res.Hits {
		if h.Article.Story == "" {
			t.Errorf("hit %s has no story id", h.Article.ID)
		}
	}
	if h := res.Hits[0]; h.Article.Story != "afp" {
		t.Errorf("the dispatch's story is %q, want afp", h.Article.Story)
	}
	// Facets count stories: one for each value any of its articles has.
	if c := facetCounts(res.Facets.Company)["Nvidia"]; c != 2 {
		t.Errorf("collapsed, Nvidia counts %d, want 2 stories", c)
	}
	if got, want := facetCounts(res.Facets.Source), map[string]int{"AFP": 2, "Le Monde": 1, "Ouest": 1}; !maps.Equal(got, want) {
		t.Errorf("collapsed source facet %v, want %v", got, want)
	}
	if got := facetCounts(res.Facets.Month)["2024-03"]; got != 2 {
		t.Errorf("collapsed month 2024-03 counts %d, want 2", got)
	}

	// A filter keeps the articles of a story that pass it; the
	// multi-select facet of the filter still counts every story.
	f := mustSearch(t, x, Query{Collapse: CollapseStory, Sources: []string{"Le Monde"}})
	if f.Total != 1 || f.Articles != 1 || len(f.Hits) != 1 || f.Hits[0].Article.ID != "reprint" || f.Hits[0].Story.Others != 0 {
		t.Fatalf("collapsed with source=Le Monde: total %d, hits %v", f.Total, hitIDs(f))
	}
	if got, want := facetCounts(f.Facets.Source), map[string]int{"AFP": 2, "Le Monde": 1, "Ouest": 1}; !maps.Equal(got, want) {
		t.Errorf("multi-select source facet %v, want %v", got, want)
	}
	if c := facetCounts(f.ResultFacets.Company)["Nvidia"]; c != 1 {
		t.Errorf("within the results Nvidia counts %d, want 1", c)
	}
	if c := facetCounts(f.Facets.Company)["Nvidia"]; c != 1 {
		t.Errorf("multi-select company facet with source=Le Monde: Nvidia %d, want 1", c)
	}

	// Relevance: the story ranks by its best article.
	r := mustSearch(t, x, Query{Text: "usine Flins", Collapse: CollapseStory})
	if r.Total != 1 || r.Articles != 3 || r.Hits[0].Story.Others != 2 {
		t.Errorf("collapsed text search: total %d, articles %d, hits %v", r.Total, r.Articles, hitIDs(r))
	}

	// The cursor walks stories, each once.
	if got := strings.Join(cursorWalk(t, x, Query{Collapse: CollapseStory, PerPage: 1}, 3), ","); got != "copy2,other" {
		t.Errorf("cursor walk of stories: %s", got)
	}
	first := mustSearch(t, x, Query{Collapse: CollapseStory, PerPage: 1})
	if _, err := x.Search(t.Context(), Query{PerPage: 1, Cursor: first.NextCursor}); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("a collapsed search's cursor on an uncollapsed one: %v, want ErrInvalidQuery", err)
	}

	var qe *QueryError
	if _, err := x.Search(t.Context(), Query{Collapse: "source"}); !errors.As(err, &qe) || qe.Field != "Collapse" {
		t.Errorf("collapse=source: %v, want a QueryError on Collapse", err)
	}
	if res := mustSearch(t, x, Query{Collapse: CollapseNone}); res.Total != 4 || res.Stories {
		t.Errorf("collapse none: total %d", res.Total)
	}
}
