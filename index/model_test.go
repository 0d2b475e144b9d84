package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"veille/corpus"
)

// TestAgainstModel writes random articles in many small batches (many
// segments, merges, replacements and deletions), then checks random
// searches against a brute-force evaluation of the same filters, facets
// and sort orders over the articles the test knows it stored.
func TestAgainstModel(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	companies := []string{"Nvidia", "Microsoft", "OpenAI", "Nscale", "Airbus", "Siemens"}
	countries := []string{"FR", "GB", "DE", "CN", "US"}
	langs := []string{"fr", "en", "de"}
	sources := []string{"a", "b", "c"}
	words := []string{"alpha", "bravo", "charlie", "delta", "echo"}

	// An enricher that keeps what the test sets.
	x, _ := openTest(t, Options{Enricher: keepEnricher{}})
	model := map[string]corpus.Article{}
	randomArticle := func(id string) corpus.Article {
		a := corpus.Article{ID: id, Language: langs[rng.IntN(len(langs))], Source: sources[rng.IntN(len(sources))]}
		a.Title = "titre " + words[rng.IntN(len(words))]
		a.Body = "corps " + words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
		if rng.IntN(5) > 0 {
			a.Published = day("2024-01-01").AddDate(0, 0, rng.IntN(90))
		}
		for _, c := range companies {
			if rng.IntN(4) == 0 {
				a.Companies = append(a.Companies, c)
			}
		}
		for _, c := range countries {
			if rng.IntN(4) == 0 {
				a.Countries = append(a.Countries, c)
			}
		}
		for range rng.IntN(3) {
			v := math.Pow(10, 3+rng.Float64()*9)
			a.Amounts = append(a.Amounts, corpus.Amount{Value: v, Currency: "EUR", EUR: v, Text: "x"})
		}
		return a
	}
	for batch := range 40 {
		var items []Item
		for range 1 + rng.IntN(25) {
			id := fmt.Sprintf("m-%03d", rng.IntN(400))
			a := randomArticle(id)
			items = append(items, Item{Article: a})
			model[id] = a
		}
		for i, r := range x.PutMany(ctx, items) {
			if r.Err != nil {
				t.Fatalf("batch %d item %d: %v", batch, i, r.Err)
			}
		}
		for range rng.IntN(4) {
			id := fmt.Sprintf("m-%03d", rng.IntN(400))
			err := x.Delete(ctx, id)
			if _, ok := model[id]; ok != (err == nil) {
				t.Fatalf("Delete(%s) = %v, in model %v", id, err, ok)
			}
			delete(model, id)
		}
	}
	time.Sleep(50 * time.Millisecond) // let merges happen, or not

	pick := func(vs []string) []string {
		var out []string
		for _, v := range vs {
			if rng.IntN(4) == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	for n := range 300 {
		q := Query{PerPage: 1 + rng.IntN(30), Page: 1 + rng.IntN(2)}
		if rng.IntN(2) == 0 {
			q.Text = words[rng.IntN(len(words))]
		}
		q.Companies, q.Countries, q.Languages, q.Sources = pick(companies), pick(countries), pick(langs), pick(sources)
		if rng.IntN(3) == 0 {
			lo := math.Pow(10, 3+rng.Float64()*9)
			hi := lo * math.Pow(10, rng.Float64()*4)
			q.AmountMin, q.AmountMax = &lo, &hi
		}
		if rng.IntN(3) == 0 {
			q.From = day("2024-01-01").AddDate(0, 0, rng.IntN(60))
			q.To = q.From.AddDate(0, 0, rng.IntN(40))
		}
		q.Sort = []Sort{"", SortDate, SortDateDesc, SortAmount, SortAmountDesc}[rng.IntN(5)]
		res := mustSearch(t, x, q)
		want := evalModel(model, q)
		if res.Total != uint64(len(want.ids)) {
			t.Fatalf("query %d %+v: total %d, model %d", n, q, res.Total, len(want.ids))
		}
		from := (max(q.Page, 1) - 1) * q.PerPage
		wantPage := want.ids[min(from, len(want.ids)):min(from+q.PerPage, len(want.ids))]
		if q.Text == "" || q.Sort != "" {
			if got := hitIDs(res); !slices.Equal(got, wantPage) {
				t.Fatalf("query %d %+v:\n got %v\nwant %v", n, q, got, wantPage)
			}
		}
		for name, pair := range map[string][2][]FacetValue{
			"company": {res.Facets.Company, want.company},
			"country": {res.Facets.Country, want.country},
			"lang":    {res.Facets.Language, want.lang},
			"amount":  {res.Facets.Amount, want.amount},
			"month":   {res.Facets.Month, want.month},
		} {
			got, exp := facetMap(pair[0]), facetMap(pair[1])
			for v, c := range got {
				if c == 0 {
					delete(got, v)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(exp) {
				t.Fatalf("query %d %+v: %s facet\n got %v\nwant %v", n, q, name, got, exp)
			}
		}
	}
}

// keepEnricher keeps the entities an article comes with.
type keepEnricher struct{}

func (keepEnricher) Enrich(context.Context, *corpus.Article) error { return nil }

type modelResult struct {
	ids                                   []string
	company, country, lang, amount, month []FacetValue
}

// evalModel evaluates q over the articles by brute force.
func evalModel(model map[string]corpus.Article, q Query) modelResult {
	has := func(sel []string, vs ...string) bool {
		if len(sel) == 0 {
			return true
		}
		for _, v := range vs {
			if slices.Contains(sel, v) {
				return true
			}
		}
		return false
	}
	type doc struct {
		a                  corpus.Article
		text, c, n, l, s   bool
		amt, date          bool
		pub                int64
		amax               float64
		bands              map[int]bool
		month              string
		companies, country []string
	}
	var docs []doc
	for _, a := range model {
		d := doc{a: a, amax: math.NaN(), pub: noPub, bands: map[int]bool{}}
		d.text = q.Text == "" || strings.Contains(a.Title+" "+a.Body, q.Text)
		d.c = has(q.Companies, a.Companies...)
		d.n = has(q.Countries, a.Countries...)
		d.l = has(q.Languages, a.Language)
		d.s = has(q.Sources, a.Source)
		d.amt = q.AmountMin == nil
		for _, am := range a.Amounts {
			if q.AmountMin != nil && am.EUR >= *q.AmountMin && am.EUR <= *q.AmountMax {
				d.amt = true
			}
			if math.IsNaN(d.amax) || am.EUR > d.amax {
				d.amax = am.EUR
			}
			d.bands[bandOf(am.EUR)] = true
		}
		d.date = q.From.IsZero()
		if !a.Published.IsZero() {
			d.pub = a.Published.UnixNano()
			d.month = a.Published.Format("2006-01")
			if !q.From.IsZero() && !a.Published.Before(q.From) && !a.Published.After(q.To) {
				d.date = true
			}
		}
		docs = append(docs, d)
	}
	counts := func() map[string]int { return map[string]int{} }
	comp, ctry, lang, band, month := counts(), counts(), counts(), counts(), counts()
	var hits []doc
	for _, d := range docs {
		if !d.text || !d.s {
			continue
		}
		if d.n && d.l && d.amt && d.date {
			for _, c := range d.a.Companies {
				comp[c]++
			}
		}
		if d.c && d.l && d.amt && d.date {
			for _, c := range d.a.Countries {
				ctry[c]++
			}
		}
		if d.c && d.n && d.amt && d.date {
			lang[d.a.Language]++
		}
		if d.c && d.n && d.l && d.date {
			for b := range d.bands {
				band[amountBands[b].Label]++
			}
		}
		if d.c && d.n && d.l && d.amt && d.month != "" {
			month[d.month]++
		}
		if d.c && d.n && d.l && d.amt && d.date {
			hits = append(hits, d)
		}
	}
	sort := q.Sort
	if sort == "" {
		sort = "-date"
	}
	slices.SortFunc(hits, func(a, b doc) int {
		switch sort {
		case "-date":
			if a.pub != b.pub {
				if a.pub > b.pub {
					return -1
				}
				return 1
			}
		case "date":
			if a.pub != b.pub {
				switch {
				case a.pub == noPub:
					return 1
				case b.pub == noPub:
					return -1
				case a.pub < b.pub:
					return -1
				}
				return 1
			}
		case "amount", "-amount":
			an, bn := math.IsNaN(a.amax), math.IsNaN(b.amax)
			switch {
			case an && bn:
			case an:
				return 1
			case bn:
				return -1
			case a.amax != b.amax:
				if (a.amax < b.amax) == (sort == "amount") {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(a.a.ID, b.a.ID)
	})
	r := modelResult{}
	for _, h := range hits {
		r.ids = append(r.ids, h.a.ID)
	}
	toFacet := func(m map[string]int) []FacetValue {
		var out []FacetValue
		for v, n := range m {
			out = append(out, FacetValue{Value: v, Count: n})
		}
		return out
	}
	r.company, r.country, r.lang, r.amount, r.month = toFacet(comp), toFacet(ctry), toFacet(lang), toFacet(band), toFacet(month)
	return r
}
