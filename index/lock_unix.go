//go:build unix

package index

import (
	"errors"
	"os"
	"syscall"
)

// errWouldBlock is what flock returns when another holder has the lock.
var errWouldBlock = syscall.EWOULDBLOCK

// flock takes an exclusive advisory lock on f without waiting. Locks
// belong to the open file description, so a second Open of the same
// folder in one process conflicts too.
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func funlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
