package stories

import (
	"slices"
	"testing"
	"unicode"

	"veille/corpus/corpustest"
	"veille/corpus/fold"
	"veille/internal/testrace"
)

// referenceSign is Sign as first written: fold the whole text, then walk
// its runes, then update every hash function's minimum for each shingle.
// Sign must give exactly its signatures (they are stored in the index).
func referenceSign(text string) Signature {
	var s Signature
	for i := range s.Mins {
		s.Mins[i] = ^uint32(0)
	}
	var ring [ShingleWords]uint64
	var shingles []uint64
	words := 0
	add := func() {
		x := uint64(0)
		for i := range min(words, ShingleWords) {
			x = x*0x100000001b3 + ring[(words-1-i)%ShingleWords]
		}
		shingles = append(shingles, mix(x))
	}
	const offset, prime = 14695981039346656037, 1099511628211
	h, inWord := uint64(offset), false
	for _, r := range fold.Lower(text) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			for _, b := range string(r) {
				h = (h ^ uint64(b)) * prime
			}
			inWord = true
			continue
		}
		if inWord {
			ring[words%ShingleWords] = h
			words++
			if words >= ShingleWords {
				add()
			}
			h, inWord = offset, false
		}
	}
	if inWord {
		ring[words%ShingleWords] = h
		words++
		if words >= ShingleWords {
			add()
		}
	}
	if words > 0 && words < ShingleWords {
		add()
	}
	slices.Sort(shingles)
	shingles = slices.Compact(shingles)
	for _, x := range shingles {
		for k := range s.Mins {
			if v := uint32((mults[k]*x + adds[k]) >> 32); v < s.Mins[k] {
				s.Mins[k] = v
			}
		}
	}
	s.Shingles = uint32(len(shingles))
	return s
}

var signCases = []string{
	"", "a", "Le", "L'État", "ŒUVRE cœur Straße İstanbul ǅ", "deux  mots", "trois mots ici", dispatch,
	"mot\xffmot \xc3 é\u0301t\u00e9 ١٢٣ 東京都 Ⅻ ﬁn", "A-B_C 2,5 % 10€ … «citation» — fin.",
}

func TestSignMatchesReference(t *testing.T) {
	for _, text := range signCases {
		if got, want := Sign(text), referenceSign(text); got != want {
			t.Errorf("Sign(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestSignMatchesReferenceOnOrangeSum compares every OrangeSum article's
// signature (skipped when the shared data is absent).
func TestSignMatchesReferenceOnOrangeSum(t *testing.T) {
	testrace.SkipHeavy(t)
	if testing.Short() {
		t.Skip("reads the whole corpus")
	}
	for i, d := range corpustest.ReadJSONL(t, "orangesum-fr.jsonl.gz", 0) {
		if got, want := Sign(d.Text), referenceSign(d.Text); got != want {
			t.Fatalf("article %d: Sign differs from the reference", i)
		}
	}
}

func FuzzSign(f *testing.F) {
	for _, text := range signCases {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := Sign(text), referenceSign(text); got != want {
			t.Errorf("Sign(%q) = %v, want %v", text, got, want)
		}
	})
}

// BenchmarkReferenceSign is BenchmarkSign's text through referenceSign,
// to compare.
func BenchmarkReferenceSign(b *testing.B) {
	text := benchText()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		referenceSign(text)
	}
}
