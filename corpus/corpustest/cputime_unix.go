//go:build unix

package corpustest

import (
	"syscall"
	"time"
)

// ProcessCPUTime returns the CPU time (user + system) the test process has
// used, or false when it cannot be read. Benchmarks report it per
// operation: unlike wall time, it does not grow when other processes share
// the cores.
func ProcessCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
