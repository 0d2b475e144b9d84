package analyzers

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
	"veille/corpus/corpustest"
	"veille/internal/testrace"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// referenceAnalyzers returns, per language, Bleve's custom analyzer with
// the same tokenizer and filters as the memoized one: what the memo must
// reproduce exactly.
func referenceAnalyzers(tb testing.TB, im *mapping.IndexMappingImpl) map[string]analysis.Analyzer {
	tb.Helper()
	out := map[string]analysis.Analyzer{}
	for _, lang := range Languages {
		name := "reference_" + lang
		err := im.AddCustomAnalyzer(name, map[string]interface{}{
			"type":          custom.Name,
			"tokenizer":     unicodetok.Name,
			"token_filters": chains[lang],
		})
		if err != nil {
			tb.Fatal(err)
		}
		if out[lang] = im.AnalyzerNamed(name); out[lang] == nil {
			tb.Fatalf("no analyzer %s", name)
		}
	}
	return out
}

type visited struct {
	Term            string
	Pos, Start, End int
}

func streamOf(ts analysis.TokenStream) []visited {
	out := make([]visited, 0, len(ts))
	for _, t := range ts {
		out = append(out, visited{string(t.Term), t.Position, t.Start, t.End})
	}
	return out
}

func visitOf(an analysis.Analyzer, text []byte) []visited {
	out := []visited{}
	an.(*memoAnalyzer).VisitTokens(text, func(term []byte, pos, start, end int) {
		out = append(out, visited{string(term), pos, start, end})
	})
	return out
}

// checkMemo fails unless, on text, the memoized analyzer's Analyze and
// VisitTokens both give exactly the reference analyzer's tokens.
func checkMemo(tb testing.TB, name string, memo, ref analysis.Analyzer, text string) int {
	tb.Helper()
	want := streamOf(ref.Analyze([]byte(text)))
	if len(want) == 0 {
		want = []visited{}
	}
	input := []byte(text)
	got := streamOf(memo.Analyze(input))
	if len(got) == 0 {
		got = []visited{}
	}
	if !slices.Equal(got, want) {
		tb.Fatalf("%s: Analyze(%.80q)\n got %v\nwant %v", name, text, got, want)
	}
	if string(input) != text {
		tb.Fatalf("%s: Analyze changed its input %.80q", name, text)
	}
	if got := visitOf(memo, input); !slices.Equal(got, want) {
		tb.Fatalf("%s: VisitTokens(%.80q)\n got %v\nwant %v", name, text, got, want)
	}
	if string(input) != text {
		tb.Fatalf("%s: VisitTokens changed its input %.80q", name, text)
	}
	checkStartingWith(tb, name, memo, input, want)
	checkPhrases(tb, name, memo, ref, input, want)
	return len(want)
}

// checkPhrases fails unless ContainsPhrase, with the memo analyzer and with
// the reference one, agrees with the reference tokens
// want on phrases made of them: runs of up to three positions from some
// tokens (stop-word gaps left empty), which occur, and pairs of tokens
// five positions apart set side by side, which mostly do not.
func checkPhrases(tb testing.TB, name string, memo, ref analysis.Analyzer, input []byte, want []visited) {
	tb.Helper()
	at := map[int][]string{}
	for _, v := range want {
		at[v.Pos] = append(at[v.Pos], v.Term)
	}
	expect := func(slots [][]string) bool {
		var hits [][2]int
		for _, v := range want {
			for i, ts := range slots {
				if slices.Contains(ts, v.Term) {
					hits = append(hits, [2]int{v.Pos, i})
				}
			}
		}
		return phraseIn(hits, slots)
	}
	step := max(1, len(want)/10)
	for k := 0; k < len(want); k += step {
		p := want[k].Pos
		phrases := [][][]string{
			{{want[k].Term}, at[p+1], at[p+2]},
			{{want[k].Term}, at[p+5]},
		}
		for _, slots := range phrases {
			for len(slots) > 1 && len(slots[len(slots)-1]) == 0 {
				slots = slots[:len(slots)-1]
			}
			exp := expect(slots)
			if got := ContainsPhrase(memo, input, slots); got != exp {
				tb.Fatalf("%s: ContainsPhrase(%.80q, %q) = %v, the reference tokens say %v", name, input, slots, got, exp)
			}
			// The other analyzers' path, once a text (it analyzes all of it).
			if k > 0 {
				continue
			}
			if got := ContainsPhrase(ref, bytes.Clone(input), slots); got != exp { // Bleve's filters rewrite input
				tb.Fatalf("%s: ContainsPhrase with the reference analyzer (%.80q, %q) = %v, its tokens say %v", name, input, slots, got, exp)
			}
		}
	}
}

// checkStartingWith fails unless VisitTokensStartingWith gives the tokens
// of want whose terms start with the given bytes, for sets of one, two and
// all of the first bytes of want's terms, and a byte none starts with.
func checkStartingWith(tb testing.TB, name string, memo analysis.Analyzer, input []byte, want []visited) {
	tb.Helper()
	var firsts []byte
	for _, v := range want {
		if v.Term != "" && !slices.Contains(firsts, v.Term[0]) {
			firsts = append(firsts, v.Term[0])
		}
	}
	sets := [][]byte{{'#'}, firsts}
	for i, b := range firsts {
		sets = append(sets, []byte{b})
		if i > 0 {
			sets = append(sets, []byte{firsts[i-1], b})
		}
	}
	for _, set := range sets {
		var first [256]bool
		for _, b := range set {
			first[b] = true
		}
		wantSome := []visited{}
		for _, v := range want {
			if v.Term != "" && first[v.Term[0]] {
				wantSome = append(wantSome, v)
			}
		}
		for _, positions := range []bool{true, false} {
			got := []visited{}
			memo.(*memoAnalyzer).VisitTokensStartingWith(input, &first, positions, func(term []byte, pos, start, end int) {
				got = append(got, visited{string(term), pos, start, end})
			})
			want := wantSome
			if !positions {
				want = make([]visited, len(wantSome))
				for i, v := range wantSome {
					v.Pos = 0
					want[i] = v
				}
			}
			if !slices.Equal(got, want) {
				tb.Fatalf("%s: VisitTokensStartingWith(%.80q, %q, positions %v)\n got %v\nwant %v", name, input, set, positions, got, want)
			}
		}
	}
}

var memoCases = []string{
	"", " ", "L'économie de l’Europe.Renault a levé 1,5 milliard d'euros",
	"U.S.A. et S.A. ; 3.5.Le a.b.c.d .a. a..b", "aujourd’hui, AUJOURD'HUI, Aujourd\u2019hui",
	"e\u0301conomie e\u0301tat L'E\u0301TAT", "Straße.Groß İstanbul.Ankara ǅemal.ǈubljana",
	"même meme MÊME où ou là la dès des", "maïs mais sûr sur", "l' d' qu'il jusqu'à",
	"Les entreprises, les entreprise. Les Entreprises!", "日本語のテキスト 中文 한국어",
	"emoji 👍🏽 family 👨‍👩‍👧 flags 🇫🇷🇳🇴", "soft\u00adhyphen narrow\u202fspace 10\u202f000 €",
	"\u00a0l'\u00a0", "aux Pays-Bas, en Norvège et au Royaume-Uni",
}

func TestMemoAnalyzerMatchesReference(t *testing.T) {
	testrace.SkipHeavy(t)
	im := testMapping(t)
	refs := referenceAnalyzers(t, im)
	samples := slices.Clone(memoCases)
	for _, d := range corpustest.ReadJSONL(t, "orangesum-fr.jsonl.gz", 200) {
		samples = append(samples, d.Title, d.Text)
	}
	for _, d := range corpustest.ReadJSONL(t, "news-en.jsonl.gz", 40) {
		samples = append(samples, d.Text)
	}
	for _, d := range corpustest.ReadJSONL(t, "news-de.jsonl.gz", 40) {
		samples = append(samples, d.Text)
	}
	for i, s := range corpustest.Sentences(t) {
		if i%5 == 0 {
			samples = append(samples, s.Text)
		}
	}
	for _, lang := range Languages {
		memo := analyzer(t, im, lang)
		if _, ok := memo.(*memoAnalyzer); !ok {
			t.Fatalf("%s is a %T, not a memo analyzer", AnalyzerName(lang), memo)
		}
		n := 0
		// Twice: the first pass fills the memo, the second reads it.
		for pass := range 2 {
			for i, text := range samples {
				n += checkMemo(t, fmt.Sprintf("%s pass %d text %d", lang, pass, i), memo, refs[lang], text)
			}
		}
		t.Logf("%s: %d tokens of %d texts identical", AnalyzerName(lang), n, 2*len(samples))
	}
}

// FuzzMemoAnalyzer checks that memoization never changes a token.
func FuzzMemoAnalyzer(f *testing.F) {
	for _, s := range memoCases {
		f.Add(s)
	}
	im := testMapping(f)
	refs := referenceAnalyzers(f, im)
	memos := analyzersByLang(f, im)
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			t.Skip("articles are valid UTF-8 (corpus.Article.Validate)")
		}
		for _, lang := range Languages {
			checkMemo(t, lang, memos[lang], refs[lang], text)
		}
	})
}

// TestMemoBounded checks that the memo stops growing at its bound and
// still analyzes correctly past it.
func TestMemoBounded(t *testing.T) {
	im := testMapping(t)
	refs := referenceAnalyzers(t, im)
	memo := analyzer(t, im, "fr").(*memoAnalyzer)
	for i := range memoCap * 2 {
		w := fmt.Sprintf("mot%dx", i)
		checkMemo(t, w, memo, refs["fr"], w)
	}
	if total := len(memo.words()); total != memoCap {
		t.Errorf("memo holds %d terms, want its bound %d", total, memoCap)
	}
}

// TestMemoSkipsLongWords checks that words longer than memoMaxTerm are
// analyzed but never remembered: a hostile text of huge words cannot grow
// the memo beyond its bound in bytes.
func TestMemoSkipsLongWords(t *testing.T) {
	im := testMapping(t)
	refs := referenceAnalyzers(t, im)
	memo := analyzer(t, im, "fr").(*memoAnalyzer)
	long := strings.Repeat("É", 40) + "conomies" // 88 bytes
	huge := strings.Repeat("a", 1<<20)
	checkMemo(t, "long", memo, refs["fr"], long+" "+huge+" "+long)
	for _, k := range memo.words() {
		if len(k) > memoMaxTerm {
			t.Fatalf("memo holds a word of %d bytes", len(k))
		}
	}
}

// words returns the words the memo holds.
func (m *memoAnalyzer) words() []string {
	seen := map[string]bool{}
	for i := range m.shards {
		sh := &m.shards[i]
		if f := sh.frozen.Load(); f != nil {
			for _, e := range f.entries {
				seen[string(f.arena[e.at:e.at+uint32(e.wordLen)])] = true
			}
		}
		sh.mu.RLock()
		for k := range sh.growing {
			seen[k] = true
		}
		sh.mu.RUnlock()
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	return out
}

// TestMemoConcurrent analyzes on several goroutines while the memo fills
// past its bound (its copies are published while others read them): every
// analysis must still match the reference (run with -race in CI).
func TestMemoConcurrent(t *testing.T) {
	im := testMapping(t)
	refs := referenceAnalyzers(t, im)
	memo := analyzer(t, im, "fr")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range memoCap / 2 {
				w := fmt.Sprintf("mot%dx%d l'économie", i, g%2)
				checkMemo(t, "concurrent", memo, refs["fr"], w)
			}
		}()
	}
	wg.Wait()
}
