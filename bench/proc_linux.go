//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procMem is what /proc/<pid>/status says about a process's memory, in bytes.
type procMem struct {
	HWM  int64 // VmHWM: peak resident set size
	RSS  int64 // VmRSS: resident set size now
	Anon int64 // RssAnon: the part of RSS that is private memory (the Go heap...)
	File int64 // RssFile: the part of RSS that is mapped files (the index, the binary)
	Shm  int64 // RssShmem: the part of RSS that is shared memory (searchd's attributes)
}

// readProcMem reads VmHWM and VmRSS of pid.
func readProcMem(pid int) (procMem, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	var m procMem
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "VmHWM:"):
			m.HWM = parseKB(line[len("VmHWM:"):])
		case strings.HasPrefix(line, "VmRSS:"):
			m.RSS = parseKB(line[len("VmRSS:"):])
		case strings.HasPrefix(line, "RssAnon:"):
			m.Anon = parseKB(line[len("RssAnon:"):])
		case strings.HasPrefix(line, "RssFile:"):
			m.File = parseKB(line[len("RssFile:"):])
		case strings.HasPrefix(line, "RssShmem:"):
			m.Shm = parseKB(line[len("RssShmem:"):])
		}
	}
	return m, nil
}

// parseKB reads "   1234 kB" as bytes; 0 when unreadable.
func parseKB(s string) int64 {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0
	}
	return n * 1024
}

// procPSS reads the proportional set size of pid (shared pages divided
// among the processes that map them), in bytes.
func procPSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "Pss:") {
			return parseKB(line[len("Pss:"):]), nil
		}
	}
	return 0, fmt.Errorf("no Pss line in smaps_rollup of %d", pid)
}

// children lists the direct children of pid.
func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// treePSS sums the PSS of pid and its direct children (a PostgreSQL
// postmaster and its backends), in bytes.
func treePSS(pid int) int64 {
	total, err := procPSS(pid)
	if err != nil {
		return 0
	}
	for _, c := range children(pid) {
		if p, err := procPSS(c); err == nil {
			total += p
		}
	}
	return total
}

// clockTicks is USER_HZ, the unit of the times in /proc/<pid>/stat; 100 on
// every Linux platform Go supports.
const clockTicks = 100

// procCPU returns the user+system CPU time of pid, including the children
// it has waited for.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: fields start after ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	// Fields after ')': state(0) ... utime(11) stime(12) cutime(13) cstime(14).
	if len(f) < 15 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	var ticks int64
	for _, k := range []int{11, 12, 13, 14} {
		n, err := strconv.ParseInt(f[k], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat field %d: %w", pid, k, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// treeCPU is the CPU time of pid, of the children it has reaped and of its
// live direct children.
func treeCPU(pid int) time.Duration {
	total, err := procCPU(pid)
	if err != nil {
		return 0
	}
	for _, c := range children(pid) {
		if d, err := procCPU(c); err == nil {
			total += d
		}
	}
	return total
}

// machineBusy returns the CPU time all processes of the machine have used
// since boot (user, nice, system, irq, softirq and steal time of every CPU).
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, k := range []int{1, 2, 3, 6, 7, 8} { // user nice system (idle iowait) irq softirq steal
		n, _ := strconv.ParseInt(f[k], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// selfCPU is the CPU time of the bench process itself.
func selfCPU() time.Duration {
	d, _ := procCPU(os.Getpid())
	return d
}

// loadAvg returns the 1-minute load average.
func loadAvg() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// memTotal returns the machine's memory in bytes.
func memTotal() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			return parseKB(line[len("MemTotal:"):])
		}
	}
	return 0
}

// osName returns PRETTY_NAME from /etc/os-release.
func osName() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "Linux"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

// dieWithParent makes cmd's process receive sig when the bench process
// dies, so that no service outlives an interrupted run.
func dieWithParent(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = sig
}

// runAsUser makes cmd run as the named user when the bench runs as root
// (PostgreSQL refuses to run as root). It returns the uid and gid used, or
// -1, -1 when nothing changes.
func runAsUser(cmd *exec.Cmd, name string) (uid, gid int, err error) {
	if os.Geteuid() != 0 {
		return -1, -1, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return -1, -1, fmt.Errorf("running as root: PostgreSQL needs an unprivileged user %q: %w", name, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return uid, gid, nil
}

// chownTree gives dir and everything under it to uid:gid; a no-op for uid < 0.
func chownTree(dir string, uid, gid int) error {
	if uid < 0 {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// diskUsage sums the allocated size of every file under dir, like du.
func diskUsage(dir string) int64 {
	var total int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += info.Size()
		}
		return nil
	})
	return total
}
