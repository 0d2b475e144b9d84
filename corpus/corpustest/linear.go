package corpustest

import (
	"testing"
	"time"
)

// CheckLinear checks the growth of run's cost, not its speed: on texts of
// 256 KiB and 1 MiB made by gen, four times the text must cost well under
// sixteen times the time (what a quadratic step costs). Cost is the
// process's CPU time where the platform tells it (other processes on the
// machine do not inflate it), wall time otherwise; the two sizes run in
// turn and the cheapest of seven runs of each is compared.
func CheckLinear(t *testing.T, name string, gen func(n int) string, run func(text string)) {
	t.Helper()
	cost := func(text string) time.Duration {
		c0, ok0 := ProcessCPUTime()
		w0 := time.Now()
		run(text)
		if c1, ok1 := ProcessCPUTime(); ok0 && ok1 {
			return c1 - c0
		}
		return time.Since(w0)
	}
	small, large := gen(256<<10), gen(1<<20)
	ts, tl := time.Duration(1<<63-1), time.Duration(1<<63-1)
	for range 7 {
		ts = min(ts, cost(small))
		tl = min(tl, cost(large))
	}
	ts = max(ts, time.Microsecond)
	ratio := float64(tl) / float64(ts)
	t.Logf("%s: %d KiB %v, %d KiB %v, ratio %.1f (linear 4, quadratic 16)", name, len(small)>>10, ts, len(large)>>10, tl, ratio)
	if ratio > 10 {
		t.Errorf("%s: 4× the text costs %.1f× the time; it should grow linearly", name, ratio)
	}
}
