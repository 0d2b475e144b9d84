// Package testrace tells tests whether the race detector is on. The
// quality and figure tests (extraction and grouping quality, ranking on
// OrangeSum, linearity checks on megabytes of text) walk thousands of
// articles through code the unit tests already run under the detector:
// they call [SkipHeavy] and skip under it, and CI (.ci/run) runs them once
// without it, selected by the pattern its heavy step names.
package testrace

import "testing"

// SkipHeavy skips t when the race detector is on: t is a quality or
// figure test that CI runs without the detector (its name must match the
// pattern of .ci/run's heavy step, which a test of this package checks).
func SkipHeavy(t testing.TB) {
	t.Helper()
	if Enabled {
		t.Skip("quality or figure test: runs without the race detector (.ci/run's heavy step)")
	}
}
