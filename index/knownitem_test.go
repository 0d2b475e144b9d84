package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"veille/corpus"
	"veille/corpus/fold"
	"veille/internal/testrace"
)

// TestKnownItem measures ranking the way a user judges it on a corpus:
// a query made from one article's words should find that article first.
// For articles of OrangeSum it builds four kinds of query, searches them
// with several title weights and prints, per kind and weight, the share
// of queries whose article comes first (S@1), in the first ten (S@10),
// and the mean reciprocal rank (MRR@10). The kinds:
//
//   - keywords: 3 words of the article (title and body), drawn by tf·idf
//     among those in 0.2 % to 5 % of the articles (rarer words make the
//     query trivial);
//   - two keywords: 2 such words;
//   - body keywords: 3 words of the body that its title lacks (an
//     article holding every word in its body against others holding a
//     few in their titles);
//   - typo: the keywords with one edit in their longest word;
//   - description: 8 words of the body, in mode "any".
//
// The chosen weight (titleBoost) must keep floors on each kind (default
// corpus only). By
// default the corpus is OrangeSum's first 8,000 articles and the queries
// those of 300 of them; VEILLE_KNOWN_ITEM_DOCS=0 takes the whole corpus:
//
//	VEILLE_KNOWN_ITEM_DOCS=0 go test ./index -run TestKnownItem -v
func TestKnownItem(t *testing.T) {
	testrace.SkipHeavy(t)
	if testing.Short() {
		t.Skip("builds an index of OrangeSum articles")
	}
	n := 8000
	if v := os.Getenv("VEILLE_KNOWN_ITEM_DOCS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("VEILLE_KNOWN_ITEM_DOCS=%q: %v", v, err)
		}
	}
	arts := readJSONL(t, "orangesum-fr.jsonl.gz", n)
	for i := range arts {
		arts[i].Language = "fr"
	}
	x, _ := openTest(t, Options{})
	put(t, x, arts...)
	settle(t, x)
	kinds := knownItemQueries(t, x, arts, 300)

	boosts := []float64{0.25, 0.5, 1, 1.5, 2, 3}
	type figure struct{ s1, s10, mrr float64 }
	results := map[string]map[float64]figure{}
	for _, k := range kinds {
		results[k.name] = map[float64]figure{}
		for _, b := range boosts {
			var f figure
			for _, q := range k.queries {
				ids := rankTop(t, x, q.text, k.mode, textQueryOptions{TitleBoost: b}, 10)
				if r := slices.Index(ids, q.id); r >= 0 {
					f.s10++
					f.mrr += 1 / float64(r+1)
					if r == 0 {
						f.s1++
					}
				}
			}
			m := float64(len(k.queries))
			results[k.name][b] = figure{f.s1 / m, f.s10 / m, f.mrr / m}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "known-item search on %d OrangeSum articles (%d queries a kind); S@1 / S@10 / MRR@10 by title weight:\n", len(arts), len(kinds[0].queries))
	fmt.Fprintf(&b, "| query | %s |\n|---|%s\n", strings.Join(mapSlice(boosts, func(v float64) string { return "title ×" + strconv.FormatFloat(v, 'g', -1, 64) }), " | "), strings.Repeat("---|", len(boosts)))
	for _, k := range kinds {
		cells := mapSlice(boosts, func(v float64) string {
			f := results[k.name][v]
			return fmt.Sprintf("%.3f / %.3f / %.3f", f.s1, f.s10, f.mrr)
		})
		fmt.Fprintf(&b, "| %s | %s |\n", k.name, strings.Join(cells, " | "))
	}
	t.Log("\n" + b.String())

	// Floors at the chosen weight (measured on the default corpus, with a
	// margin): a change that ranks worse fails here.
	if os.Getenv("VEILLE_KNOWN_ITEM_DOCS") != "" {
		return // another corpus: figures only
	}
	floors := map[string]float64{"keywords": 0.90, "two keywords": 0.57, "body keywords": 0.86, "typo": 0.88, "description": 0.97}
	for _, k := range kinds {
		if got := results[k.name][titleBoost].s1; got < floors[k.name] {
			t.Errorf("%s: S@1 %.3f at title weight %g, floor %.2f", k.name, got, titleBoost, floors[k.name])
		}
	}
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// knownQuery is one query of the known-item test and the article it is for.
type knownQuery struct{ text, id string }

type knownKind struct {
	name    string
	mode    Mode
	queries []knownQuery
}

// knownItemQueries draws the queries of count articles of arts (every
// len(arts)/count-th).
func knownItemQueries(t *testing.T, x *Index, arts []corpus.Article, count int) []knownKind {
	t.Helper()
	g, snap, release, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	an, err := languageAnalyzer(g.mapping, "fr")
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := snap.DocCount()
	dfs := map[string]uint64{}
	df := func(term string) uint64 {
		if n, ok := dfs[term]; ok {
			return n
		}
		tr, err := snap.TermFieldReader(context.Background(), []byte(term), "body_fr", false, false, false)
		if err != nil {
			t.Fatal(err)
		}
		n := tr.Count()
		_ = tr.Close()
		dfs[term] = n
		return n
	}
	// words returns text's candidate words: plain words of 4 letters or
	// more, with their term, weighted by tf·idf.
	type cand struct {
		word, term string
		weight     float64
	}
	words := func(text string, skip map[string]bool) []cand {
		tf := map[string]int{}
		form := map[string]string{}
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if utf8.RuneCountInString(w) < 4 {
				continue
			}
			ts := an.Analyze([]byte(w))
			if len(ts) != 1 {
				continue
			}
			term := string(ts[0].Term)
			if skip[term] {
				continue
			}
			tf[term]++
			if _, ok := form[term]; !ok {
				form[term] = strings.ToLower(w)
			}
		}
		var out []cand
		for term, n := range tf {
			d := df(term)
			if d < max(2, docs/500) || d > docs/20 {
				continue // too rare makes the query trivial, too common says nothing
			}
			out = append(out, cand{form[term], term, float64(n) * math.Log(float64(docs)/float64(d))})
		}
		slices.SortFunc(out, func(a, b cand) int { return strings.Compare(a.term, b.term) })
		return out
	}
	draw := func(rng *rand.Rand, cs []cand, k int) []string {
		var out []string
		cs = slices.Clone(cs)
		for len(out) < k && len(cs) > 0 {
			total := 0.0
			for _, c := range cs {
				total += c.weight
			}
			r := rng.Float64() * total
			i := 0
			for ; i < len(cs)-1 && r > cs[i].weight; i++ {
				r -= cs[i].weight
			}
			out = append(out, cs[i].word)
			cs = slices.Delete(cs, i, i+1)
		}
		return out
	}
	kinds := []knownKind{{name: "keywords"}, {name: "two keywords"}, {name: "body keywords"}, {name: "typo"}, {name: "description", mode: ModeAny}}
	step := max(1, len(arts)/count)
	for i := 0; i < len(arts) && len(kinds[0].queries) < count; i += step {
		a := arts[i]
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		all := words(a.Title+"\n"+a.Body, nil)
		titleTerms := map[string]bool{}
		for _, tk := range an.Analyze([]byte(a.Title)) {
			titleTerms[string(tk.Term)] = true
		}
		body := words(a.Body, titleTerms)
		if len(all) < 3 || len(body) < 8 {
			continue
		}
		kw := draw(rng, all, 3)
		kinds[0].queries = append(kinds[0].queries, knownQuery{strings.Join(kw, " "), a.ID})
		kinds[1].queries = append(kinds[1].queries, knownQuery{strings.Join(draw(rng, all, 2), " "), a.ID})
		kinds[2].queries = append(kinds[2].queries, knownQuery{strings.Join(draw(rng, body, 3), " "), a.ID})
		kinds[3].queries = append(kinds[3].queries, knownQuery{strings.Join(withTypo(rng, kw), " "), a.ID})
		kinds[4].queries = append(kinds[4].queries, knownQuery{strings.Join(draw(rng, body, 8), " "), a.ID})
	}
	if len(kinds[0].queries) < count/2 {
		t.Fatalf("only %d queries drawn", len(kinds[0].queries))
	}
	return kinds
}

// withTypo returns words with one edit (deletion, transposition,
// substitution or insertion of a letter, not the first) in the longest.
func withTypo(rng *rand.Rand, words []string) []string {
	out := slices.Clone(words)
	li := 0
	for i, w := range out {
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(out[li]) {
			li = i
		}
	}
	rs := []rune(fold.String(out[li]))
	if len(rs) < 5 {
		return out
	}
	p := 1 + rng.IntN(len(rs)-2)
	c := rune('a' + rng.IntN(26))
	switch rng.IntN(4) {
	case 0:
		rs = slices.Delete(rs, p, p+1)
	case 1:
		rs[p], rs[p+1] = rs[p+1], rs[p]
	case 2:
		if rs[p] == c {
			c = 'e' + (c-'a'+1)%26
		}
		rs[p] = c
	default:
		rs = slices.Insert(rs, p, c)
	}
	out[li] = string(rs)
	return out
}

// rankTop returns the ids of the k best hits of text by relevance, with
// the compile options opt (the ranking of Index.Search, without its
// filters, facets and highlights).
func rankTop(t *testing.T, x *Index, text string, mode Mode, opt textQueryOptions, k int) []string {
	t.Helper()
	ctx := context.Background()
	g, snap, release, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	v, err := g.records.view(snap)
	if err != nil {
		t.Fatal(err)
	}
	mr := newMemoReader(v, &x.lev, nil)
	opt.Languages = fieldLanguages(g.records.dicts)
	cq, err := compileTextQuery(text, mode, g.mapping, opt)
	if err != nil || cq.Query == nil {
		t.Fatalf("%q: %v", text, err)
	}
	if err := prepareWords(ctx, mr, cq); err != nil {
		t.Fatal(err)
	}
	top := &topK{r: &ranker{sort: SortRelevance, v: v}, k: k}
	err = scanQuery(ctx, g, mr, cq.Query, true, func(s int, local uint32, score float64) {
		rec := v.recs[s]
		top.offer(cand{seg: int32(s), local: local, score: score, pub: rec.pub[local], amax: rec.amax[local]})
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range top.sorted() {
		ids = append(ids, top.r.id(&c))
	}
	return ids
}
