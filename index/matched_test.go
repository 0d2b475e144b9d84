package index

import (
	"context"
	"reflect"
	"testing"

	"veille/corpus"
)

// TestPageLocationsMatchQueryLocations checks that highlights read from
// the page's postings are those of running the query again, on real
// articles, for words, typos, completions, modes, several languages and
// exclusions (and that queries with phrases still run it again).
func TestPageLocationsMatchQueryLocations(t *testing.T) {
	x, _ := openTest(t, Options{})
	arts := readJSONL(t, "orangesum-fr.jsonl.gz", 600)
	for i := range arts {
		arts[i].Language = "fr"
	}
	arts = append(arts,
		corpus.Article{ID: "en-1", Title: "Nvidia invests in Norway", Body: "Nvidia and OpenAI build a data centre in Narvik, Norway.", Language: "en"},
		corpus.Article{ID: "de-1", Title: "Nvidia investiert in Norwegen", Body: "Nvidia baut ein Rechenzentrum in Narvik.", Language: "de"},
	)
	put(t, x, arts...)
	queries := []string{
		"macron", "emmanuel macron", "gouvernement réforme", "macorn", "présidnet république",
		"nvidia", "narvik", "norv", "gouv", "prison -paris", "santé hôpital", "états-unis",
		"l'économie", "2019", "maire-ministre choix", `"premier ministre"`, `réforme "retraites"`,
	}
	ctx := context.Background()
	for _, mode := range []string{"", modeAny} {
		for _, q := range queries {
			query := Query{Text: q, Mode: mode, Highlight: true, PerPage: 20}
			x.highlightByQuery = false
			fast, err := x.Search(ctx, query)
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			x.highlightByQuery = true
			slow, err := x.Search(ctx, query)
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			if len(fast.Hits) != len(slow.Hits) {
				t.Fatalf("%q mode %q: %d hits, then %d", q, mode, len(fast.Hits), len(slow.Hits))
			}
			marked := 0
			for i := range fast.Hits {
				f, s := fast.Hits[i], slow.Hits[i]
				if f.Article.ID != s.Article.ID {
					t.Fatalf("%q mode %q: hit %d is %s, then %s", q, mode, i, f.Article.ID, s.Article.ID)
				}
				if !reflect.DeepEqual(f.Highlights, s.Highlights) {
					t.Errorf("%q mode %q: %s highlights\n from postings %q\n    from query %q", q, mode, f.Article.ID, f.Highlights, s.Highlights)
				}
				for _, frags := range f.Highlights {
					for _, fr := range frags {
						if contains(fr, "<mark>") {
							marked++
						}
					}
				}
			}
			if len(fast.Hits) > 0 && marked == 0 {
				t.Errorf("%q mode %q: %d hits and no highlighted fragment", q, mode, len(fast.Hits))
			}
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
