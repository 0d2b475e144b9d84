package analyzers

import (
	"slices"
	"testing"
	"unicode/utf8"

	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// segmentWordsRef returns the word ranges Bleve's unicode tokenizer (the
// UAX #29 segmenter) takes from input.
func segmentWordsRef(input []byte) [][2]int {
	var out [][2]int
	for _, t := range unicodetok.NewUnicodeTokenizer().Tokenize(input) {
		out = append(out, [2]int{t.Start, t.End})
	}
	return out
}

// checkFastWords fails when fastWords handles s and cuts it differently
// from the segmenter.
func checkFastWords(tb testing.TB, s string) bool {
	tb.Helper()
	got, ok := fastWords([]byte(s), nil)
	if !ok {
		return false
	}
	if want := segmentWordsRef([]byte(s)); !slices.Equal(got, want) {
		tb.Fatalf("fastWords(%q) = %v, the segmenter gives %v", s, got, want)
	}
	return true
}

// TestFastWordsEveryKnownRune checks each rune the fast path knows, in the
// contexts where its word-break class decides.
func TestFastWordsEveryKnownRune(t *testing.T) {
	known := 0
	for r := rune(0); r <= 0x20FF; r++ {
		var class wbClass
		if r < utf8.RuneSelf {
			class = asciiClass[r]
		} else {
			class = runeClass(r)
		}
		if class == wbUnknown || !utf8.ValidRune(r) {
			continue
		}
		known++
		c := string(r)
		for _, s := range []string{
			c, c + c, "a" + c, c + "a", "1" + c, c + "1", "a" + c + "b", "1" + c + "2", "a" + c + "1", "1" + c + "a",
			"a" + c + c + "b", "_" + c, c + "_", "é" + c + "é", "a'" + c, c + "'a", "a." + c, "1," + c + "2",
			"l" + c + "avion", "3" + c + "5" + c + "7", " " + c + " ", "a" + c + " " + c + "b",
		} {
			if !checkFastWords(t, s) {
				t.Fatalf("fastWords refuses %q, made only of runes it knows", s)
			}
		}
	}
	t.Logf("%d runes checked", known)
}

// TestFastWordsShortStrings checks every string of up to 4 runes over one
// representative of each class (and a few more), against the segmenter.
func TestFastWordsShortStrings(t *testing.T) {
	alphabet := []string{"a", "é", "Ł", "1", ":", "·", ",", ";", ".", "'", "’", "_", " ", "-", "ª", "«", "\n", "\u00ad", "\u202f"}
	n := 0
	var gen func(prefix string, depth int)
	gen = func(prefix string, depth int) {
		if depth == 0 {
			return
		}
		for _, c := range alphabet {
			s := prefix + c
			checkFastWords(t, s)
			n++
			gen(s, depth-1)
		}
	}
	gen("", 4)
	t.Logf("%d strings checked", n)
}

// TestFastWordsFallsBack checks that text with a rune the fast path does
// not know is left to the segmenter.
func TestFastWordsFallsBack(t *testing.T) {
	for _, s := range []string{"日本", "e\u0301", "a\u200bb", "emoji 👍", "\xff", "\ufeffa"} {
		if _, ok := fastWords([]byte(s), nil); ok {
			t.Errorf("fastWords handles %q", s)
		}
	}
}

// FuzzFastWords checks fastWords against the segmenter on any input.
func FuzzFastWords(f *testing.F) {
	for _, s := range memoCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFastWords(t, s)
	})
}

func BenchmarkWords(b *testing.B) {
	text := []byte(seedParagraphs(b, "002_b646f2462df05c32.txt", 8))
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		var spans [][2]int
		for range b.N {
			spans, _ = fastWords(text, spans[:0])
		}
	})
	b.Run("segmenter", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for range b.N {
			segmentWordsRef(text)
		}
	})
}
