package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// dispatch is an agency dispatch long enough to be recognised in its
// reprints.
const dispatch = `Le constructeur aéronautique Airbus a annoncé mardi la construction d'une nouvelle chaîne d'assemblage à Toulouse, qui emploiera mille deux cents salariés, au terme de plusieurs mois de discussions avec la région et les syndicats.
La direction assure que les premiers appareils sortiront de la chaîne dès le printemps de l'année prochaine et que les sous-traitants de la filière seront associés au projet dès les premières semaines des travaux.
Les syndicats saluent une bonne nouvelle pour l'emploi mais demandent des garanties sur les conditions de travail et sur le recrutement des intérimaires déjà présents sur le site depuis plusieurs années.
Le ministre de l'Économie a dit vouloir se rendre sur place avant la fin du mois, tandis que la région promet un plan de formation pour les futurs salariés de la chaîne.`

// putJSON PUTs one JSON article and fails the test on an error.
func putJSON(t *testing.T, s *Server, id string, a map[string]string) {
	t.Helper()
	b, _ := json.Marshal(a)
	if rec := do(t, s, http.MethodPut, "/api/articles/"+id, string(b), jsonBody(), loopback()); rec.Code != http.StatusCreated {
		t.Fatalf("PUT %s: %d %s", id, rec.Code, rec.Body)
	}
}

func TestSearchCollapsesStories(t *testing.T) {
	s, _ := realServer(t, Options{})
	paragraphs := strings.Split(dispatch, "\n")
	putJSON(t, s, "afp", map[string]string{"title": "Airbus construit une chaîne à Toulouse", "body": dispatch, "source": "AFP", "published": "2025-03-04"})
	putJSON(t, s, "lemonde", map[string]string{"title": "Toulouse : Airbus va recruter", "body": "Bonne nouvelle pour la ville rose.\n" + strings.Join(paragraphs[:3], "\n"), "source": "Le Monde", "published": "2025-03-05"})
	putJSON(t, s, "ouest", map[string]string{"title": "Une chaîne Airbus à Toulouse", "body": strings.Join(paragraphs[1:], "\n"), "source": "Ouest", "published": "2025-03-06"})
	putJSON(t, s, "bourse", map[string]string{"title": "Airbus porte la Bourse", "body": "La Bourse de Paris a fini en hausse vendredi, portée par Airbus et les valeurs bancaires, et par les espoirs d'une baisse des taux de la Banque centrale européenne.", "source": "AFP", "published": "2025-03-03"})

	var plain, res SearchResponse
	decode(t, do(t, s, http.MethodGet, "/api/search?q=airbus", ""), &plain)
	if plain.Total != 4 || plain.Articles != 4 || plain.Counts != "articles" {
		t.Fatalf("without collapse: total %d, articles %d, counts %q", plain.Total, plain.Articles, plain.Counts)
	}
	for _, h := range plain.Hits {
		if h.Others != nil || h.OtherHits != nil {
			t.Errorf("hit %s carries others without collapse", h.ID)
		}
	}
	story := map[string]string{}
	for _, h := range plain.Hits {
		story[h.ID] = h.Story
	}
	if story["lemonde"] != "afp" || story["ouest"] != "afp" || story["bourse"] != "bourse" {
		t.Fatalf("stories %v: the reprints should share afp's", story)
	}

	rec := do(t, s, http.MethodGet, "/api/search?q=airbus&collapse=story&sort=-date", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("collapse=story: %d %s", rec.Code, rec.Body)
	}
	decode(t, rec, &res)
	if res.Total != 2 || res.Articles != 4 || res.Counts != "stories" || len(res.Hits) != 2 {
		t.Fatalf("collapse=story: total %d, articles %d, counts %q, %d hits", res.Total, res.Articles, res.Counts, len(res.Hits))
	}
	h := res.Hits[0]
	if h.ID != "ouest" || h.Others == nil || *h.Others != 2 || len(h.OtherHits) != 2 ||
		h.OtherHits[0].ID != "lemonde" || h.OtherHits[0].Source != "Le Monde" || h.OtherHits[0].Published != "2025-03-05" || h.OtherHits[1].ID != "afp" {
		t.Fatalf("the collapsed story: %+v", h)
	}
	if o := res.Hits[1]; o.ID != "bourse" || o.Others == nil || *o.Others != 0 || len(o.OtherHits) != 0 {
		t.Errorf("a story of one article: %+v", o)
	}
	counts := func(vals []FacetValue) map[string]int {
		m := map[string]int{}
		for _, v := range vals {
			m[v.Value] = v.Count
		}
		return m
	}
	if c := counts(res.Facets.Company)["Airbus"]; c != 2 {
		t.Errorf("collapsed, the company facet counts Airbus %d, want 2 stories (facets %+v)", c, res.Facets.Company)
	}
	if c := counts(res.Facets.Source); c["AFP"] != 2 || c["Le Monde"] != 1 || c["Ouest"] != 1 {
		t.Errorf("collapsed source facet %v", c)
	}

	// An export with collapse=story has one row per story.
	rec = do(t, s, http.MethodGet, "/api/export?format=ndjson&q=airbus&collapse=story", "")
	rows := 0
	for sc := bufio.NewScanner(rec.Body); sc.Scan(); {
		rows++
	}
	if rec.Code != http.StatusOK || rows != 2 {
		t.Errorf("export collapse=story: %d, %d rows, want 2", rec.Code, rows)
	}

	e := wantError(t, do(t, s, http.MethodGet, "/api/search?q=airbus&collapse=source", ""), http.StatusBadRequest, codeInvalidParameter, "collapse")
	if e.Parameter != "collapse" {
		t.Errorf("collapse=source names parameter %q", e.Parameter)
	}
}
