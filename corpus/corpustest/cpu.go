package corpustest

import (
	"testing"
	"time"
)

// CPU measures the CPU time the process spends in a benchmark's loop:
// unlike wall time, it does not grow when other processes share the
// cores. Take it with [StartCPU] before the loop, [CPU.Report] after.
type CPU struct {
	start time.Duration
	ok    bool
}

// StartCPU starts measuring.
func StartCPU() CPU {
	start, ok := ProcessCPUTime()
	return CPU{start, ok}
}

// Report adds the CPU time per operation since StartCPU to b's results,
// as "cpu-ns/op"; nothing when the platform cannot tell.
func (c CPU) Report(b *testing.B) {
	end, ok := ProcessCPUTime()
	if c.ok && ok && b.N > 0 {
		b.ReportMetric(float64((end-c.start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
