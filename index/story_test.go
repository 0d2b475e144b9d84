package index

import (
	"context"
	"slices"
	"strings"
	"testing"

	"veille/corpus"
	"veille/stories"
)

// dispatchText is an agency dispatch long enough to be signed.
var dispatchText = `Le constructeur automobile Renault a annoncé mardi la fermeture de son usine de Flins, dans les Yvelines, qui emploie deux mille six cents salariés, au terme de plusieurs mois de négociations avec les syndicats et les collectivités locales.
La direction assure que tous les salariés se verront proposer un poste sur un autre site du groupe, à moins de cinquante kilomètres, et que la production de la Zoe sera reprise par l'usine de Douai dès le printemps prochain.
Les syndicats ont appelé à la grève pour jeudi et demandent l'ouverture de nouvelles négociations sur les conditions de départ et le montant des indemnités versées aux salariés qui refuseraient leur mutation.
Le ministre de l'Économie a dit vouloir recevoir les représentants du personnel avant la fin de la semaine, tandis que la région promet un plan d'accompagnement pour les sous-traitants de la filière.`

func TestStoriesAtIngest(t *testing.T) {
	x, dir := openTest(t, Options{})
	paragraphs := strings.Split(dispatchText, "\n")
	put(t, x,
		corpus.Article{ID: "afp", Title: "Renault ferme Flins", Body: dispatchText, Published: day("2024-03-05")},
		corpus.Article{ID: "reprint", Title: "Flins : l'usine Renault va fermer", Body: "Coup dur dans les Yvelines.\n" + strings.Join(paragraphs[:3], "\n"), Published: day("2024-03-05")},
		corpus.Article{ID: "other", Title: "La Bourse monte", Body: "La Bourse de Paris a fini en hausse de deux pour cent vendredi, portée par les valeurs bancaires et les espoirs d'une baisse des taux directeurs de la Banque centrale européenne dès le mois de juin, selon les analystes.", Published: day("2024-03-05")},
	)
	story := func(x *Index, id string) string {
		t.Helper()
		a, err := x.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return a.Story
	}
	if s := story(x, "afp"); s != "afp" {
		t.Errorf("the first copy's story is %q, want its own id", s)
	}
	if s := story(x, "reprint"); s != "afp" {
		t.Errorf("the reprint's story is %q, want afp", s)
	}
	if s := story(x, "other"); s != "other" {
		t.Errorf("an unrelated article's story is %q", s)
	}
	// After a restart the story is found in the index itself; a copy
	// published weeks later is another story.
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	x2, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x2.Close() })
	put(t, x2,
		corpus.Article{ID: "copy2", Title: "Renault : Flins fermera", Body: strings.Join(paragraphs[1:], "\n"), Published: day("2024-03-06")},
		corpus.Article{ID: "late", Title: "Renault ferme Flins", Body: dispatchText, Published: day("2024-05-05")},
	)
	if s := story(x2, "copy2"); s != "afp" {
		t.Errorf("a copy put after a restart has story %q, want afp", s)
	}
	if s := story(x2, "late"); s != "late" {
		t.Errorf("a copy two months later has story %q, want its own", s)
	}
	// A rebuild keeps the stories.
	if err := x2.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := story(x2, "reprint"); s != "afp" {
		t.Errorf("after a rebuild the reprint's story is %q", s)
	}
}

// TestRecentStories: the writer's recent members are found by their
// bands in the stories table for two generations, each as last added.
func TestRecentStories(t *testing.T) {
	paragraphs := strings.Split(dispatchText, "\n")
	sig := stories.Sign(dispatchText)
	copySig := stories.Sign(strings.Join(paragraphs[:3], "\n"))
	other := stories.Sign(strings.Repeat("La Bourse de Paris a fini en hausse vendredi, portée par les banques. ", 3))
	tab := stories.NewTable()
	tab.Add("stored", sig) // before the writer's first batch: not recent
	r := recentStories{limit: 2}
	add := func(id, story string, s stories.Signature) {
		r.add(stories.Member{ID: id, Story: story, Signature: s}, tab.Len())
		tab.Add(id, s)
	}
	ids := func() []string {
		var out []string
		for _, m := range r.candidates(tab, sig) {
			out = append(out, m.ID+"="+m.Story)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(); len(got) != 0 {
		t.Fatalf("no recent member yet, got %q", got)
	}
	add("a", "a", sig)
	add("b", "b", other)
	add("c", "a", copySig) // a second generation
	if got, want := ids(), []string{"a=a", "c=a"}; !slices.Equal(got, want) {
		t.Errorf("candidates %q, want %q", got, want)
	}
	add("a", "z", sig) // a put again: found as it is now
	if got, want := ids(), []string{"a=z", "c=a"}; !slices.Equal(got, want) {
		t.Errorf("after a new put of a: %q, want %q", got, want)
	}
	add("d", "d", other) // the generation of a and b is forgotten
	if got, want := ids(), []string{"a=z", "c=a"}; !slices.Equal(got, want) {
		t.Errorf("after a third generation: %q, want %q", got, want)
	}
	add("e", "e", other)
	add("f", "f", other) // and the one of c and a
	if got := ids(); len(got) != 0 {
		t.Errorf("after a fourth generation: %q, want none", got)
	}
}
