package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
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
	fastest := func(text string) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 5 {
			start := time.Now()
			ParseRaw(text)
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := costlyPage(256<<10, 1), costlyPage(1<<20, 2)
	ts, tl := fastest(small), fastest(large)
	ratio := float64(tl) / float64(ts)
	t.Logf("256 KiB: %v, 1 MiB: %v, ratio %.1f (linear 4, quadratic 16)", ts, tl, ratio)
	if ratio > 10 {
		t.Errorf("ParseRaw: 4× the text costs %.1f× the time; it should grow linearly", ratio)
	}
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
