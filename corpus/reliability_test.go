package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"veille/corpus/corpustest"
)

// costlyPage returns n bytes of raw text built to be costly to parse:
// short, mostly distinct lines of random letters, digits and punctuation.
func costlyPage(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	const alphabet = " \naé.:0123456789ABCabc-|#*"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return strings.ToValidUTF8(string(b), "")
}

// TestParseRawScalesLinearly checks the growth of ParseRaw's cost, not its
// speed: four times the text must cost well under sixteen times the time
// (quadratic). A quadratic step once made a 10 MiB upload cost minutes of
// CPU (the body's repeated-line check scanned every kept line). The
// fastest of several runs is compared, to keep other load out of it.
func TestParseRawScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("parses megabytes")
	}
	corpustest.CheckLinear(t, "ParseRaw", func(n int) string { return costlyPage(n, uint64(n)) }, func(text string) { ParseRaw(text) })
}

// BenchmarkParseRawLarge measures ParseRaw on large, costly pages.
func BenchmarkParseRawLarge(b *testing.B) {
	for _, n := range []int{256 << 10, 1 << 20, 4 << 20} {
		text := costlyPage(n, 3)
		b.Run(fmt.Sprintf("%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				ParseRaw(text)
			}
		})
	}
}
