package corpustest

import (
	"testing"
	"time"

	"veille/internal/testrace"
)

// CheckLinear checks the growth of run's cost, not its speed: on texts of
// 256 KiB and 1 MiB made by gen, four times the text must cost well under
// sixteen times the time (what a quadratic step costs). Cost is the
// process's CPU time where the platform tells it (other processes on the
// machine do not inflate it), wall time otherwise, over enough runs to
// last 50 ms; the two sizes run in turn and the cheapest of five
// measures of each is compared. It skips under the race detector
// (a figure test: CI runs it without, see [testrace.SkipHeavy]).
func CheckLinear(t *testing.T, name string, gen func(n int) string, run func(text string)) {
	t.Helper()
	testrace.SkipHeavy(t)
	measure := func(text string, reps int) time.Duration {
		c0, ok0 := ProcessCPUTime()
		w0 := time.Now()
		for range reps {
			run(text)
		}
		if c1, ok1 := ProcessCPUTime(); ok0 && ok1 {
			return (c1 - c0) / time.Duration(reps)
		}
		return time.Since(w0) / time.Duration(reps)
	}
	// Repetitions that make a measure of the small text last 50 ms.
	small, large := gen(256<<10), gen(1<<20)
	reps := 1
	for w0 := time.Now(); ; reps *= 2 {
		w0 = time.Now()
		for range reps {
			run(small)
		}
		if time.Since(w0) >= 50*time.Millisecond || reps >= 1<<16 {
			break
		}
	}
	ts, tl := time.Duration(1<<63-1), time.Duration(1<<63-1)
	for range 5 {
		ts = min(ts, measure(small, reps))
		tl = min(tl, measure(large, max(1, reps/4)))
	}
	ts = max(ts, time.Nanosecond)
	ratio := float64(tl) / float64(ts)
	t.Logf("%s: %d KiB %v, %d KiB %v, ratio %.1f (linear 4, quadratic 16)", name, len(small)>>10, ts, len(large)>>10, tl, ratio)
	if ratio > 10 {
		t.Errorf("%s: 4× the text costs %.1f× the time; it should grow linearly", name, ratio)
	}
}
