//go:build !linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// The bench reads process figures from /proc, which only Linux has: on
// other systems memory and CPU figures are reported as zero.

type procMem struct{ HWM, RSS, Anon, File, Shm int64 }

func readProcMem(int) (procMem, error)              { return procMem{}, nil }
func treePSS(int) int64                             { return 0 }
func treeCPU(int) time.Duration                     { return 0 }
func loadAvg() float64                              { return -1 }
func machineBusy() time.Duration                    { return 0 }
func selfCPU() time.Duration                        { return 0 }
func memTotal() int64                               { return 0 }
func osName() string                                { return "unknown OS" }
func dieWithParent(*exec.Cmd, syscall.Signal)       {}
func runAsUser(*exec.Cmd, string) (int, int, error) { return -1, -1, nil }
func chownTree(string, int, int) error              { return nil }

func diskUsage(dir string) int64 {
	var total int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return total
}
