package index

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"

	"veille/corpus"
	"veille/internal/testrace"
)

var updatePairWords = flag.Bool("update-pairwords", false, "rewrite pairwords/fr*.txt from OrangeSum")

// The lengths of a language's lists: the pairWordsK terms of the most
// articles, and the pairs of terms in at least pairMinArticles articles.
const (
	pairWordsK      = 2000
	pairMinArticles = 50
)

// TestPairWords checks that pairwords/fr.txt holds the pairWordsK terms
// of the most OrangeSum articles (title and body analyzed in French),
// and pairwords/fr-pairs.txt the pairs of adjacent terms found in at
// least pairMinArticles articles; -update-pairwords rewrites them.
func TestPairWords(t *testing.T) {
	testrace.SkipHeavy(t)
	arts := readJSONL(t, "orangesum-fr.jsonl.gz", 0) // skips when absent
	an := frenchAnalyzer(t)
	// each article's title and body as (term, position) lists
	type token struct {
		term string
		pos  int
	}
	var texts [][][]token
	df := make(map[string]int)
	seen := make(map[string]bool)
	for _, a := range arts {
		clear(seen)
		var both [][]token
		for _, text := range []string{a.Title, a.Body} {
			var ts []token
			visitTokens(an, []byte(text), func(term []byte, pos, _, _ int) {
				ts = append(ts, token{string(term), pos})
				if !seen[string(term)] {
					seen[string(term)] = true
					df[string(term)]++
				}
			})
			both = append(both, ts)
		}
		texts = append(texts, both)
	}
	words := mostFrequent(df, pairWordsK, 0)
	pairDF := make(map[string]int)
	for _, both := range texts {
		clear(seen)
		for _, ts := range both {
			for i := range ts {
				for j := i - 1; j >= 0 && ts[j].pos >= ts[i].pos-1; j-- {
					if ts[j].pos == ts[i].pos-1 {
						p := pairTerm(ts[j].term, ts[i].term)
						if !seen[p] {
							seen[p] = true
							pairDF[p]++
						}
					}
				}
			}
		}
	}
	pairs := mostFrequent(pairDF, len(pairDF), pairMinArticles)
	frequentPair := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		frequentPair[p] = true
	}
	// triples of adjacent terms whose two pairs are frequent
	tripleDF := make(map[string]int)
	for _, both := range texts {
		clear(seen)
		for _, ts := range both {
			for i := 2; i < len(ts); i++ {
				a, b, c := ts[i-2], ts[i-1], ts[i]
				if b.pos != a.pos+1 || c.pos != b.pos+1 || !frequentPair[pairTerm(a.term, b.term)] || !frequentPair[pairTerm(b.term, c.term)] {
					continue
				}
				if p := a.term + " " + b.term + " " + c.term; !seen[p] {
					seen[p] = true
					tripleDF[p]++
				}
			}
		}
	}
	triples := mostFrequent(tripleDF, len(tripleDF), pairMinArticles)
	pairs = append(pairs, triples...)
	lists := []struct {
		path, head string
		terms      []string
	}{
		{filepath.Join("pairwords", "fr.txt"), fmt.Sprintf("The %d terms of the most OrangeSum articles (French analyzer, title and body), in at least %d articles of %d: the words whose adjacent pairs are indexed (pairs.go).", len(words), df[words[len(words)-1]], len(arts)), words},
		{filepath.Join("pairwords", "fr-pairs.txt"), fmt.Sprintf("The %d pairs, then the %d triples, of adjacent terms in at least %d OrangeSum articles of %d (title or body), the triples' pairs among them: indexed as themselves; the other pairs of terms of fr.txt as one of %d buckets (pairs.go).", len(pairs)-len(triples), len(triples), pairMinArticles, len(arts), pairBuckets), pairs},
	}
	for _, l := range lists {
		var want bytes.Buffer
		fmt.Fprintf(&want, "# %s\n", l.head)
		fmt.Fprintf(&want, "# Derived from OrangeSum (Tixierae/OrangeSum, CC BY-SA 4.0); regenerate with\n")
		fmt.Fprintf(&want, "# go test ./index -run TestPairWords -update-pairwords, then bump pairsVersion.\n")
		for _, term := range l.terms {
			want.WriteString(term + "\n")
		}
		if *updatePairWords {
			if err := os.WriteFile(l.path, want.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(l.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s differs from OrangeSum's figures; rewrite it with -update-pairwords (and bump pairsVersion)", l.path)
		}
	}
	if got := pairWords("fr"); !*updatePairWords && (got == nil || got.flags[words[len(words)-1]]&wordFrequent == 0 || len(got.pairs) != len(pairs)) {
		t.Errorf("pairWords(fr) does not hold the lists' %d terms and %d pairs", len(words), len(pairs))
	}
}

// frenchAnalyzer returns the analyzer of a new generation's French fields.
func frenchAnalyzer(t *testing.T) analysis.Analyzer {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	an, err := languageAnalyzer(m, "fr")
	if err != nil {
		t.Fatal(err)
	}
	return an
}

// mostFrequent returns the at most k keys of counts with the highest
// counts, at least least each, highest first (ties in key order).
func mostFrequent(counts map[string]int, k, least int) []string {
	keys := make([]string, 0, len(counts))
	for key, n := range counts {
		if n >= least {
			keys = append(keys, key)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	return keys[:min(k, len(keys))]
}

// TestPhrasePairs checks phrases of frequent words, which the pair fields
// decide (two words) or narrow (more): the same matches as the words in
// order, the pairs indexed for title and body, none across a stop word's
// position or out of order.
func TestPhrasePairs(t *testing.T) {
	x, _ := openTest(t, Options{})
	an := frenchAnalyzer(t)
	for _, w := range []string{"président", "Emmanuel", "Macron", "gouvernement"} {
		ts := an.Analyze([]byte(w))
		if len(ts) != 1 || pairWords("fr") == nil {
			t.Fatalf("%q analyzes to %v", w, ts)
		}
		if pairWords("fr").flags[string(ts[0].Term)]&wordFrequent == 0 {
			t.Fatalf("%q (%s) is not a pair word: the test needs another", w, ts[0].Term)
		}
	}
	put(t, x,
		corpus.Article{ID: "body", Title: "Discours", Body: "Le président Emmanuel Macron parle.", Language: "fr"},
		corpus.Article{ID: "title", Title: "Emmanuel Macron en visite", Body: "Une visite.", Language: "fr"},
		corpus.Article{ID: "reversed", Title: "Portrait", Body: "Macron Emmanuel, dit-on.", Language: "fr"},
		corpus.Article{ID: "apart", Title: "Couple", Body: "Emmanuel et Brigitte Macron.", Language: "fr"},
		corpus.Article{ID: "split", Title: "Deux", Body: "Le président Emmanuel. Puis Emmanuel Macron, sans président avant.", Language: "fr"},
		corpus.Article{ID: "stop", Title: "Trois", Body: "Le président de Macron et le gouvernement.", Language: "fr"},
		corpus.Article{ID: "triple", Title: "Quatre", Body: "Actualité automobile : infos scoop.", Language: "fr"},
		corpus.Article{ID: "triple-apart", Title: "Cinq", Body: "Actualité automobile ou infos : automobile infos, actualité.", Language: "fr"},
	)
	if _, ok := pairWords("fr").pairs["actualit automobil info"]; !ok {
		t.Fatal("the test needs a triple of fr-pairs.txt")
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{`"emmanuel macron"`, []string{"body", "split", "title"}},
		{`"macron emmanuel"`, []string{"reversed"}},
		{`"président emmanuel macron"`, []string{"body"}},
		{`"président macron"`, nil},
		{`"président de macron"`, []string{"body", "stop"}}, // a stop word's place takes any word
		{`"présidents de macron"`, []string{"body", "stop"}},
		{`macron -"emmanuel macron"`, []string{"apart", "reversed", "stop"}},
		{`"actualité automobile infos"`, []string{"triple"}},
		{`"actualités automobiles info"`, []string{"triple"}},
		{`"automobile infos"`, []string{"triple", "triple-apart"}},
	} {
		res := mustSearch(t, x, Query{Text: c.q, PerPage: 10})
		got := hitIDs(res)
		slices.Sort(got)
		if !slices.Equal(got, c.want) || res.Total != uint64(len(c.want)) {
			t.Errorf("%s: %v (total %d), want %v", c.q, got, res.Total, c.want)
		}
	}
	_, snap, release, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for field, want := range map[string]uint64{"body_fr": 2, "title_fr": 1} {
		tfr, err := snap.TermFieldReader(context.Background(), []byte(pairTerm("emanuel", "macron")), pairField(field), false, false, false)
		if err != nil {
			t.Fatal(err)
		}
		if n := tfr.Count(); n != want {
			t.Errorf("pair %q in %s: %d articles, want %d", pairTerm("emanuel", "macron"), pairField(field), n, want)
		}
		_ = tfr.Close()
	}
}

// TestPairTermsMatchFirstVersion checks that the pair terms a text
// indexes, with their counts and in order, are those of the first version
// of the collector (refPairTerms, one map look-up a token and a string a
// pair), on OrangeSum's titles and bodies and a few odd texts.
func TestPairTermsMatchFirstVersion(t *testing.T) {
	an := frenchAnalyzer(t)
	lists := pairWords("fr")
	texts := []string{"", "a b", "emmanuel macron emmanuel macron", "Gilets jaunes : les gilets jaunes, gilets... jaunes", "le président de la république française"}
	for _, a := range readJSONL(t, "orangesum-fr.jsonl.gz", 400) {
		texts = append(texts, a.Title, a.Body)
	}
	var sets sync.Pool
	kinds := map[string]int{} // bucket, pair, triple
	for i, text := range texts {
		value := []byte(text)
		pf := document.NewTextFieldCustom(pairField("body_fr"), nil, nil, optText, nil)
		_, p := newCompactText(document.NewTextFieldCustom("body_fr", nil, value, optText, an), an, value, &sets, lists, pf)
		var got []string
		if p != nil {
			for k, term := range p.terms {
				got = append(got, fmt.Sprintf("%s×%d", term, p.counts[k]))
				kinds[[]string{"bucket", "pair", "triple"}[min(bytes.Count(term, []byte(" ")), 2)]]++
			}
		}
		want := refPairTerms(an, lists, value)
		if !slices.Equal(got, want) {
			t.Fatalf("text %d: pair terms\n got %v\nwant %v", i, got, want)
		}
	}
	if kinds["bucket"] == 0 || kinds["pair"] == 0 || kinds["triple"] == 0 {
		t.Fatalf("the texts index too few kinds of pair terms: %v", kinds)
	}
}

// refPairTerms is the first version of pairCollector: the distinct pair
// terms of text with their counts ("term×count"), in order of first
// occurrence.
func refPairTerms(an analysis.Analyzer, l *pairLists, text []byte) []string {
	type flaggedTerm struct {
		term  string
		flags uint8
	}
	var (
		order []string
		count = map[string]int{}
		pos   = [3]int{-3, -3, -3}
		at    [3][]flaggedTerm
	)
	keep := func(term string) {
		if count[term] == 0 {
			order = append(order, term)
		}
		count[term]++
	}
	visitTokens(an, text, func(b []byte, p, _, _ int) {
		term := string(b)
		if p != pos[2] {
			at[0], at[1], at[2] = at[1], at[2], nil
			pos[0], pos[1], pos[2] = pos[1], pos[2], p
		}
		fc := l.flags[term]
		if fc == 0 {
			return
		}
		at[2] = append(at[2], flaggedTerm{term, fc})
		if pos[1] != p-1 {
			return
		}
		for _, b := range at[1] {
			pt, exact := l.pairOf([]byte(b.term+" "+term), b.flags, fc)
			if pt == "" {
				continue
			}
			keep(pt)
			if !exact || pos[0] != p-2 || b.flags&wordStartsPair == 0 {
				continue
			}
			for _, a := range at[0] {
				if a.flags&wordStartsPair == 0 {
					continue
				}
				if triple := a.term + " " + b.term + " " + term; hasKey(l.pairs, triple) {
					keep(triple)
				}
			}
		}
	})
	out := make([]string, len(order))
	for i, term := range order {
		out[i] = fmt.Sprintf("%s×%d", term, count[term])
	}
	return out
}

func hasKey(s wordSet, k string) bool { _, ok := s[k]; return ok }

// TestBucketTerm pins the bucket terms, which indexes hold (changing them
// needs a new pairsVersion).
func TestBucketTerm(t *testing.T) {
	for pair, want := range map[string]string{"homme autre": "#d2", "a b": "#du", "": "#151"} {
		if got := string(appendBucket([]byte("x"), []byte(pair))); got != "x"+want {
			t.Errorf("appendBucket(%q) = %q, want %q", pair, got, "x"+want)
		}
		if got, exact := pairWords("fr").pairOf([]byte(pair), wordFrequent, wordFrequent); got != want || exact {
			t.Errorf("pairOf(%q) = %q, %v, want %q", pair, got, exact, want)
		}
	}
}
