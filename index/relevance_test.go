package index

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"veille/corpus"
)

// relArticles returns n French articles whose body holds body, with ids
// prefix-0, prefix-1...
func relArticles(prefix string, n int, title, body string) []corpus.Article {
	out := make([]corpus.Article, n)
	for i := range out {
		out[i] = corpus.Article{
			ID: fmt.Sprintf("%s-%d", prefix, i), Language: "fr",
			Title:     fmt.Sprintf(title, i),
			Body:      fmt.Sprintf(body, i),
			Published: day("2025-01-01").AddDate(0, 0, i),
		}
	}
	return out
}

// hasPrefix reports whether every id starts with prefix.
func allHavePrefix(ids []string, prefix string) bool {
	for _, id := range ids {
		if !strings.HasPrefix(id, prefix) {
			return false
		}
	}
	return len(ids) > 0
}

func TestTyposOnTheSurfaceForm(t *testing.T) {
	x, _ := openTest(t, Options{})
	var arts []corpus.Article
	arts = append(arts, relArticles("gouv", 12, "Note %d", "Le gouvernement présente son budget, séance %d.")...)
	arts = append(arts, relArticles("gouvernant", 2, "Note bis %d", "Les gouvernants se réunissent, séance %d.")...)
	arts = append(arts, relArticles("fin", 6, "Dossier %d", "Le financement des écoles, épisode %d.")...)
	arts = append(arts, relArticles("greve", 4, "Social %d", "La grève continue, jour %d.")...)
	arts = append(arts, relArticles("other", 10, "Divers %d", "Rien à voir, numéro %d.")...)
	put(t, x, arts...)
	for _, tc := range []struct {
		q, word, want string
		first         string // prefix of the ids ranked first
		min           int    // at least this many hits
	}{
		// The typo hides the ending the stemmer strips: "gouvernemnt" stays
		// whole, "gouvernement" is indexed as "gouvern".
		{"gouvernemnt", "gouvernemnt", "gouvernement", "gouv-", 12},
		{"financemnt", "financemnt", "financement", "fin-", 6},
		// A typo on the second letter of a short word (its stem keeps
		// two letters in the stem space).
		{"gtève", "gtève", "grève", "greve-", 4},
		// A deletion.
		{"grve", "", "", "", 0}, // 4 letters: no typo tolerance
	} {
		res := mustSearch(t, x, Query{Text: tc.q, PerPage: 100})
		if int(res.Total) < tc.min {
			t.Errorf("%q: %d hits, want %d or more", tc.q, res.Total, tc.min)
		}
		if tc.first != "" && !allHavePrefix(hitIDs(res)[:tc.min], tc.first) {
			t.Errorf("%q: hits %v, want the %s articles first", tc.q, hitIDs(res), tc.first)
		}
		want := map[string]string{}
		if tc.word != "" {
			want[tc.word] = tc.want
		}
		if !maps.Equal(res.Corrections, want) {
			t.Errorf("%q: corrections %v, want %v", tc.q, res.Corrections, want)
		}
	}
	// Exact matches need no correction.
	if res := mustSearch(t, x, Query{Text: "gouvernement"}); res.Total != 12 || len(res.Corrections) != 0 {
		t.Errorf("gouvernement: %d hits, corrections %v", res.Total, res.Corrections)
	}
}

func TestFrequentCorrectionOverRareExactWord(t *testing.T) {
	x, _ := openTest(t, Options{})
	var arts []corpus.Article
	arts = append(arts, relArticles("chares", 1, "Défilé %d", "Les chares du défilé, édition %d.")...)
	arts = append(arts, relArticles("charges", 25, "Copropriété %d", "Les charges augmentent, lot %d.")...)
	arts = append(arts, relArticles("nvidio", 1, "Start-up %d", "La société Nvidio lève des fonds, tour %d.")...)
	arts = append(arts, relArticles("nvidia", 3, "Puces %d", "Nvidia publie ses résultats, trimestre %d.")...)
	put(t, x, arts...)
	// "chares" is in the index (one article) but "charges" is in 25: the
	// corpus says the user meant it, as spell-checkers would.
	res := mustSearch(t, x, Query{Text: "chares", PerPage: 100})
	if res.Total != 26 || res.Corrections["chares"] != "charges" {
		t.Errorf("chares: %d hits %v, corrections %v; want the 25 charges too, corrected", res.Total, hitIDs(res), res.Corrections)
	}
	// Three times more frequent is not enough to doubt a real word: the
	// rare exact word ranks first, and nothing is reported corrected.
	res = mustSearch(t, x, Query{Text: "nvidio", PerPage: 100})
	if len(res.Hits) == 0 || res.Hits[0].Article.ID != "nvidio-0" || len(res.Corrections) != 0 {
		t.Errorf("nvidio: hits %v, corrections %v; want nvidio-0 first, no correction", hitIDs(res), res.Corrections)
	}
}

// TestKnownWordsInALargeCorpus: a word in knownDocsMax documents is no
// typo, however large the corpus. With a share alone, a word in 101 of
// 10,200 articles stood for a typo of any neighbour ten times more
// frequent ("corée" searched as "code" in news and law at 188k articles).
func TestKnownWordsInALargeCorpus(t *testing.T) {
	x, _ := openTest(t, Options{})
	var arts []corpus.Article
	arts = append(arts, relArticles("coree", 101, "Séoul %d", "La Corée du Sud, épisode %d.")...)
	arts = append(arts, relArticles("code", 10100, "Article L%d", "Le code du travail, article %d.")...)
	put(t, x, arts...)
	res := mustSearch(t, x, Query{Text: "corée", PerPage: 1})
	if res.Total != 101 || len(res.Corrections) != 0 {
		t.Errorf("corée: %d hits, corrections %v; want its 101 articles, no correction", res.Total, res.Corrections)
	}
	for _, c := range []struct{ docs, known uint64 }{
		{0, fuzzyKnownDocs}, {250, fuzzyKnownDocs}, {5_000, 50}, {10_000, knownDocsMax}, {188_000, knownDocsMax},
	} {
		if got := knownDocs(c.docs); got != c.known {
			t.Errorf("knownDocs(%d) = %d, want %d", c.docs, got, c.known)
		}
	}
}

func TestPrefixOnlyWhileTyping(t *testing.T) {
	x, _ := openTest(t, Options{})
	var arts []corpus.Article
	arts = append(arts, relArticles("macron", 3, "Politique %d", "Emmanuel Macron parle, discours %d.")...)
	arts = append(arts, relArticles("leaks", 1, "Fuites %d", "Les MacronLeaks refont surface, épisode %d.")...)
	arts = append(arts, relArticles("donc", 6, "Logique %d", "Il pleut, donc il reste ; et dont acte, %d.")...)
	arts = append(arts, relArticles("donner", 2, "Dons %d", "Il faut donner et il donnera encore, %d.")...)
	arts = append(arts, relArticles("renault", 3, "Auto %d", "Renault présente un modèle, salon %d.")...)
	arts = append(arts, relArticles("renaud", 4, "Chanson %d", "Renaud chante, concert %d.")...)
	arts = append(arts, relArticles("euros", 3, "Budget %d", "Deux milliards d'euros pour l'Europe et la politique européenne, %d.")...)
	put(t, x, arts...)
	ids := func(q Query) []string {
		res := mustSearch(t, x, q)
		out := hitIDs(res)
		slices.Sort(out)
		return out
	}
	// A submitted query (the API's default) matches whole words.
	if got := ids(Query{Text: "Macron", PerPage: 100}); !allHavePrefix(got, "macron-") {
		t.Errorf("Macron: %v, want the Macron articles only (not MacronLeaks)", got)
	}
	// While typing, the last word is completed as typed...
	if got := ids(Query{Text: "Macron", Prefix: true, PerPage: 100}); len(got) != 4 {
		t.Errorf("Macron typed: %v, want MacronLeaks too", got)
	}
	// ... not as its stem ("donner" is "don": "donc" and "dont" start
	// with it), the double letters the stemmer collapses found again
	// ("donnera" is indexed as "donera").
	if got := ids(Query{Text: "donner", Prefix: true, PerPage: 100}); !allHavePrefix(got, "donner-") || len(got) != 2 {
		t.Errorf("donner typed: %v, want the two donner articles only", got)
	}
	// A word being typed that has completions is not taken for a typo.
	res := mustSearch(t, x, Query{Text: "Renaul", Prefix: true, PerPage: 100})
	if !allHavePrefix(hitIDs(res), "renault-") {
		t.Errorf("Renaul typed: %v, want Renault only", hitIDs(res))
	}
	if res.Corrections["Renaul"] != "renault" {
		t.Errorf("Renaul typed: corrections %v, want the completion", res.Corrections)
	}
	// From 3 letters.
	if got := ids(Query{Text: "re", Prefix: true}); len(got) != 0 {
		t.Errorf("re typed: %v", got)
	}
	// Highlights follow: "milliards d'euros" marks neither Europe nor
	// européenne.
	res = mustSearch(t, x, Query{Text: "milliards d'euros", Highlight: true})
	if res.Total != 3 {
		t.Fatalf("milliards d'euros: %d hits", res.Total)
	}
	for _, f := range res.Hits[0].Highlights.Body {
		for _, m := range f.Marks {
			if w := strings.ToLower(f.Text[m.Start:m.End]); strings.HasPrefix(w, "europ") {
				t.Errorf("milliards d'euros marks %q", w)
			}
		}
	}
}

// TestExpansionsIgnoreSegmentLayout checks that a search of the same live
// articles expands to the same terms and scores them alike however they
// are spread over segments: one index holds them written once, another
// after several rounds of replacements (deleted documents in its
// segments, which merges purge in the background). Completions whose
// terms only deleted documents hold once took the places of live ones,
// and Bleve's BM25 averages, computed from the segments' dictionaries,
// changed as segments merged: totals and cursor pages changed while
// nothing was written.
func TestExpansionsIgnoreSegmentLayout(t *testing.T) {
	final := func(i int) corpus.Article {
		return corpus.Article{ID: fmt.Sprintf("a%03d", i), Language: "fr",
			Title: fmt.Sprintf("Dépêche zeta %d", i),
			Body: fmt.Sprintf("Le dossier zetanew%s avance ; zetacommun et zetacommun encore, puis le gouvernemant%s.",
				string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("x", i%3)),
			Published: day("2025-01-01").AddDate(0, 0, i%40)}
	}
	old := func(i, round int) corpus.Article {
		a := final(i)
		a.Body = fmt.Sprintf("Ancienne version : zetaold%c%c zetaold%c%c gouvernemont%d.", 'a'+round, 'a'+i%26, 'a'+round, 'b'+i%20, round)
		return a
	}
	const n = 80
	clean, _ := openTest(t, Options{})
	churned, _ := openTest(t, Options{MaxBatch: 7})
	var arts []corpus.Article
	for i := range n {
		arts = append(arts, final(i))
	}
	put(t, clean, arts...)
	for round := range 4 {
		for i := 0; i < n; i += 10 { // many small batches: many segments
			var batch []corpus.Article
			for j := i; j < i+10; j++ {
				batch = append(batch, old(j, round))
			}
			put(t, churned, batch...)
		}
	}
	for i := 0; i < n; i += 9 {
		put(t, churned, arts[i:min(i+9, n)]...)
	}

	compare := func(when string) {
		for _, q := range []Query{
			{Text: "zeta", Prefix: true, PerPage: 100},
			{Text: "dossier zeta", Prefix: true, PerPage: 100},
			{Text: "gouvernemunt", PerPage: 100},
			{Text: "zetacommun dossier", Mode: ModeAny, PerPage: 100},
		} {
			a, b := mustSearch(t, clean, q), mustSearch(t, churned, q)
			if a.Total != b.Total || !slices.Equal(hitIDs(a), hitIDs(b)) {
				t.Errorf("%s, %+v: %d hits %v on the clean index, %d %v on the churned one", when, q, a.Total, hitIDs(a), b.Total, hitIDs(b))
				continue
			}
			for i := range a.Hits {
				if a.Hits[i].Score != b.Hits[i].Score {
					t.Errorf("%s, %+v: %s scores %v on the clean index, %v on the churned one", when, q, a.Hits[i].Article.ID, a.Hits[i].Score, b.Hits[i].Score)
					break
				}
			}
			if a.Total == 0 {
				t.Errorf("%+v: no hit", q)
			}
			// A cursor walks the churned index's hits as one big page has them.
			q.PerPage = 7
			walked := cursorWalk(t, churned, q, 50)
			if !slices.Equal(walked, hitIDs(a)) {
				t.Errorf("%s, %+v: cursor walk %v, want %v", when, q, walked, hitIDs(a))
			}
		}
	}
	compare("while merges run")
	settle(t, churned)
	compare("once merged")
}

func TestFacetsEveryMonthSourceExclusions(t *testing.T) {
	x, _ := openTest(t, Options{})
	var arts []corpus.Article
	for i := range 30 {
		src := []string{"agence", "journal", "blog"}[i%3]
		company := []string{"Nvidia", "Airbus", "Siemens"}[i%3]
		arts = append(arts, corpus.Article{
			ID: fmt.Sprintf("m%02d", i), Language: "fr", Source: src,
			Title:     "Marché " + company,
			Body:      "Le groupe " + company + " en France.",
			Published: time.Date(2022, time.Month(1+i), 15, 0, 0, 0, 0, time.UTC),
		})
	}
	put(t, x, arts...)
	res := mustSearch(t, x, Query{})
	if len(res.Facets.Month) != 30 {
		t.Errorf("month facet: %d months, want all 30", len(res.Facets.Month))
	}
	if res.Facets.Month[0].Value != "2024-06" || res.Facets.Month[29].Value != "2022-01" {
		t.Errorf("months not newest first: %v … %v", res.Facets.Month[0], res.Facets.Month[29])
	}
	if got := facetMap(res.Facets.Source); got["agence"] != 10 || got["journal"] != 10 || got["blog"] != 10 {
		t.Errorf("source facet %v", res.Facets.Source)
	}
	// Exclusions leave values out; the excluded facet's own counts ignore
	// its filter (multi-select), the counts within the results do not.
	res = mustSearch(t, x, Query{ExcludeCompanies: []string{"Nvidia"}, ExcludeSources: []string{"blog"}})
	if res.Total != 10 { // Airbus (agence... i%3==1 → journal) and Siemens are blog: only Airbus/journal remains
		t.Errorf("excluded Nvidia and blog: total %d, want 10", res.Total)
	}
	if got := facetMap(res.Facets.Company); got["Nvidia"] != 10 || got["Siemens"] != 0 {
		t.Errorf("company facet with exclusions: %v", res.Facets.Company)
	}
	if got := facetMap(res.ResultFacets.Company); got["Nvidia"] != 0 || got["Airbus"] != 10 {
		t.Errorf("company counts within the results: %v", res.ResultFacets.Company)
	}
	for _, fv := range append(res.ResultFacets.Country, res.ResultFacets.Month...) {
		if uint64(fv.Count) > res.Total {
			t.Errorf("a count within the results exceeds the total: %+v > %d", fv, res.Total)
		}
	}
	// A search among a facet's values.
	res = mustSearch(t, x, Query{FacetQuery: FacetQuery{Facet: "company", Match: func(v string) bool { return strings.HasPrefix(strings.ToLower(v), "si") }}})
	if len(res.Facets.Company) != 1 || res.Facets.Company[0].Value != "Siemens" {
		t.Errorf("company values starting with si: %v", res.Facets.Company)
	}
}

func TestArticleMarks(t *testing.T) {
	x, _ := openTest(t, Options{})
	body := "Premier paragraphe sur Nvidia.\n\nSecond paragraphe : Nvidia investit en Norvège."
	put(t, x, corpus.Article{ID: "a1", Language: "fr", Title: "Nvidia en Norvège", Body: body})
	a, m, err := x.Article(context.Background(), "a1", Query{Text: "nvidia norvège"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Body != body || len(m.Title) != 2 || len(m.Body) != 3 {
		t.Fatalf("article %q, marks %+v", a.Body, m)
	}
	for _, mk := range m.Body {
		if w := body[mk.Start:mk.End]; w != "Nvidia" && w != "Norvège" {
			t.Errorf("body mark on %q", w)
		}
	}
	if _, m, err := x.Article(context.Background(), "a1", Query{Text: "airbus"}); err != nil || len(m.Body)+len(m.Title) != 0 {
		t.Errorf("a query that does not match: %+v, %v", m, err)
	}
	if _, _, err := x.Article(context.Background(), "nope", Query{Text: "nvidia"}); err == nil {
		t.Error("a missing article has no error")
	}
}
