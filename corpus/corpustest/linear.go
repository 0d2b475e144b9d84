package corpustest

import (
	"testing"
	"time"
)

// CheckLinear checks the growth of run's cost, not its speed: on texts of
// 256 KiB and 1 MiB made by gen, four times the text must cost well under
// sixteen times the time (what a quadratic step costs). The fastest of
// several runs is compared, to keep other load out of it.
func CheckLinear(t *testing.T, name string, gen func(n int) string, run func(text string)) {
	t.Helper()
	fastest := func(text string) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 5 {
			start := time.Now()
			run(text)
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := gen(256<<10), gen(1<<20)
	ts, tl := fastest(small), fastest(large)
	ratio := float64(tl) / float64(ts)
	t.Logf("%s: %d KiB %v, %d KiB %v, ratio %.1f (linear 4, quadratic 16)", name, len(small)>>10, ts, len(large)>>10, tl, ratio)
	if ratio > 10 {
		t.Errorf("%s: 4× the text costs %.1f× the time; it should grow linearly", name, ratio)
	}
}
