package web_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"veille/api"
	"veille/corpus"
	"veille/index"
)

// gigafactoryDispatch is a dispatch that three outlets reprint.
const gigafactoryDispatch = `Le fabricant de batteries Verkor a annoncé lundi l'ouverture de sa gigafactory de Dunkerque, qui emploiera mille deux cents salariés d'ici trois ans, au terme de deux années de travaux menés avec la région et l'État.
La direction assure que les premières cellules sortiront des lignes dès l'automne et que les constructeurs automobiles clients recevront leurs premières livraisons au début de l'année prochaine.
Les syndicats saluent une bonne nouvelle pour l'emploi industriel du Nord mais demandent des garanties sur la formation des salariés recrutés localement et sur les conditions de travail en équipes.
Le ministre de l'Industrie doit visiter le site à la fin du mois, tandis que la région promet un plan de formation pour les futurs techniciens de la filière des batteries.`

// TestStoriesInBrowser checks that the page groups the reprints of one
// dispatch by default (one result, « + 2 autres sources » that expands
// to them, totals and facets saying they count stories), and that
// unticking « Regrouper les reprises » shows every article.
func TestStoriesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromiumPath(t)
	paragraphs := strings.Split(gigafactoryDispatch, "\n")
	ts, _ := seededServer(t, func(_ *api.Options, idx *index.Index) {
		put := func(a corpus.Article) {
			if _, _, err := idx.Put(t.Context(), a, index.Origin{}); err != nil {
				t.Fatal(err)
			}
		}
		put(corpus.Article{ID: "verkor-afp", Title: "Verkor ouvre sa gigafactory à Dunkerque", Body: gigafactoryDispatch, Source: "AFP", Published: day("2025-10-06")})
		put(corpus.Article{ID: "verkor-voix", Title: "Dunkerque : la gigafactory Verkor ouvre", Body: "Le Nord tient sa gigafactory.\n" + strings.Join(paragraphs[:3], "\n"), Source: "La Voix du Nord", Published: day("2025-10-07")})
		put(corpus.Article{ID: "verkor-echos", Title: "Batteries : Verkor démarre", Body: strings.Join(paragraphs[1:], "\n"), Source: "Les Echos", Published: day("2025-10-08")})
	})
	b := newBrowser(t, ts.URL)
	b.open("/?q=Verkor&sort=-date")
	s := b.waitFor("the collapsed results", `s.hits.length > 0`)
	if len(s.Hits) != 1 || s.Hits[0] != "verkor-echos" {
		t.Fatalf("collapsed hits %v, want the newest copy alone (verkor-echos)", s.Hits)
	}
	if !strings.HasPrefix(s.Status, "1 résultat") || !strings.Contains(s.Status, "un par sujet (3 articles)") {
		t.Errorf("the status does not say it counts stories: %q", s.Status)
	}
	if !b.eval(`document.getElementById('collapse').checked`).(bool) {
		t.Errorf("« Regrouper les reprises » is not ticked by default")
	}
	if note, _ := b.eval(`document.getElementById('facets-note').textContent`).(string); !strings.Contains(note, "sujets") {
		t.Errorf("the facets note does not say the counts count stories: %q", note)
	}
	exportRows(t, b, "collapse=story", 1) // the export is what the page shows: one row per story
	toggle := `document.querySelector('#hits li[data-id="verkor-echos"] .story-toggle')`
	if got, _ := b.eval(toggle + `.textContent`).(string); got != "+ 2 autres sources" {
		t.Fatalf("the story's button says %q", got)
	}
	if !b.eval(`document.querySelector('#hits .story-list').hidden`).(bool) {
		t.Errorf("the other sources are shown before the button is clicked")
	}
	b.eval(toggle + `.click()`)
	others, _ := b.eval(`document.querySelector('#hits .story-list').hidden ? '' : document.querySelector('#hits .story-list').innerText`).(string)
	for _, want := range []string{"La Voix du Nord", "Dunkerque : la gigafactory Verkor ouvre", "AFP"} {
		if !strings.Contains(others, want) {
			t.Errorf("the expanded story does not show %q:\n%s", want, others)
		}
	}
	if got, _ := b.eval(toggle + `.getAttribute('aria-expanded')`).(string); got != "true" {
		t.Errorf("aria-expanded %q after the click", got)
	}
	if href, _ := b.eval(`document.querySelector('#hits .story-list a').getAttribute('href')`).(string); !strings.HasPrefix(href, "/articles/verkor-voix") {
		t.Errorf("the first other source links to %q", href)
	}

	// Every article, once the reprints are not grouped; the URL keeps it.
	b.eval(`document.getElementById('collapse').click()`)
	s = b.waitFor("every article", `s.search.includes('collapse=none') && s.hits.length === 3`)
	if strings.Contains(s.Status, "sujet") || b.eval(`document.querySelectorAll('#hits .story-toggle').length`).(float64) != 0 {
		t.Errorf("ungrouped, the page still speaks of stories: %q", s.Status)
	}
	exportRows(t, b, "collapse=none", 3)
	b.open("/?q=Verkor&sort=-date&collapse=none")
	b.waitFor("every article after a reload", `s.hits.length === 3`)
	if b.eval(`document.getElementById('collapse').checked`).(bool) {
		t.Errorf("?collapse=none shows « Regrouper les reprises » ticked")
	}
	b.checkNoProblems()
}

// exportRows checks that both export links of the page carry the query
// and collapse (a "collapse=..." pair), and that the CSV one, fetched
// through the server, gives want articles.
func exportRows(t *testing.T, b *browser, collapse string, want int) {
	t.Helper()
	for _, id := range []string{"export-csv", "export-ndjson"} {
		href := b.eval(`document.getElementById('` + id + `').href`).(string)
		if !strings.Contains(href, collapse) || !strings.Contains(href, "q=Verkor") {
			t.Errorf("%s links to %s, want the query and %s", id, href, collapse)
		}
		if id != "export-csv" {
			continue
		}
		resp, err := http.Get(href)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
		if err != nil || len(rows)-1 != want {
			t.Errorf("the page's CSV export (%s) has %d rows (%v), want %d", href, len(rows)-1, err, want)
		}
	}
}

// day returns the UTC midnight of a "YYYY-MM-DD" date.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
