package index

// The data folder's health. A data folder can disappear under a running
// service (rm -rf, an unmount, a stale network share) or be replaced by
// another folder at the same path (deleted and created again, renamed,
// mounted over), where another process may then open a new index. Bleve
// writes by path, so the index must notice and stop writing:
//
//   - before each commit the writer checks that the path still leads to
//     the folder it opened (device and inode) and to the lock file it
//     holds, and the warmer checks it every warmInterval;
//   - when it does not, the index goes down: Health, reads and writes fail
//     with ErrUnavailable at once, then the writer closes the live
//     generation (after the searches on it end), so that Bleve writes
//     nothing more;
//   - while down, the warmer tries every warmInterval to bring it back: when
//     the path leads to the folder opened again, or to a copy of it (the
//     same cursor key, say restored from a backup), and that folder has a
//     CURRENT naming a generation that opens, its lock is taken and the
//     generation reopened. Another folder (empty, or another index) is
//     never written to: the service must be restarted to use it.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// watchFolder checks the data folder, taking the index down when it is
// gone or replaced and back up when it returns. It runs in the warmer.
func (x *Index) watchFolder() {
	x.mu.RLock()
	down, info, lock := x.down, x.dirInfo, x.lock
	x.mu.RUnlock()
	if down == nil {
		if err := checkFolder(x.dir, info, lock); err != nil {
			x.markDown(err)
			_, _ = x.control(x.bgCtx, func(x *Index) (any, error) { x.retire(); return nil, nil })
		}
		return
	}
	_, _ = x.control(x.bgCtx, func(x *Index) (any, error) { return nil, x.revive() })
}

// checkWrite returns the error that forbids writing now: the index is down
// or its data folder has just been found gone or replaced (the index is
// then taken down). It runs in the writer goroutine, before each commit.
func (x *Index) checkWrite() error {
	x.mu.RLock()
	down, info, lock := x.down, x.dirInfo, x.lock
	x.mu.RUnlock()
	if down != nil {
		return down
	}
	if err := checkFolder(x.dir, info, lock); err != nil {
		x.markDown(err)
		x.retire()
		return err
	}
	return nil
}

// folderIntact reports whether the index is up and its data folder is
// still the one opened.
func (x *Index) folderIntact() bool {
	x.mu.RLock()
	down, info, lock := x.down, x.dirInfo, x.lock
	x.mu.RUnlock()
	return down == nil && checkFolder(x.dir, info, lock) == nil
}

// markDown makes reads and writes fail with err (which wraps
// ErrUnavailable) from now on.
func (x *Index) markDown(err error) {
	x.mu.Lock()
	x.down = err
	x.mu.Unlock()
	x.notify()
}

// retire closes the live generation of an index that is down, once the
// searches that use it have ended: Bleve then writes nothing more (no
// persister, no merger) to a folder that is no longer ours. A running
// rebuild is abandoned. It runs in the writer goroutine.
func (x *Index) retire() {
	x.mu.Lock()
	g := x.gen
	x.gen = nil
	if x.down == nil {
		x.down = fmt.Errorf("%w: %s has no open generation", ErrUnavailable, x.dir)
	}
	down := x.down
	x.mu.Unlock()
	if x.rb != nil && x.rb.err == nil {
		x.rb.err = fmt.Errorf("index: rebuild: abandoned: %w", down)
	}
	if g != nil {
		g.active.Wait()
		closeGeneration(g)
	}
}

// errNotOurs: the folder now at the data folder's path is not the index
// that was opened, nor a copy of it.
var errNotOurs = errors.New("index: another folder is at the data folder's path")

// revive brings a down index back up when its data folder has come back:
// the folder opened, or a copy of it (same cursor key), with a CURRENT
// naming a generation that opens. It runs in the writer goroutine and
// returns why the index stays down.
func (x *Index) revive() error {
	x.mu.RLock()
	down, oldInfo, oldLock := x.down, x.dirInfo, x.lock
	x.mu.RUnlock()
	if down == nil {
		return nil
	}
	info, err := os.Stat(x.dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return errNotOurs
	}
	if !os.SameFile(info, oldInfo) {
		key, err := os.ReadFile(filepath.Join(x.dir, secretFile))
		if err != nil || !bytes.Equal(key, x.folder) {
			return errNotOurs
		}
	}
	lock := oldLock
	if !oldLock.sameFile(filepath.Join(x.dir, lockFile)) {
		if lock, err = lockDir(x.dir, 0); err != nil {
			return err
		}
	}
	g, err := x.reopenFolder()
	if err != nil {
		if lock != oldLock {
			_ = lock.unlock()
		}
		return err
	}
	x.mu.Lock()
	x.gen, x.down, x.dirInfo, x.lock = g, nil, info, lock
	x.mu.Unlock()
	x.degraded = nil
	if lock != oldLock {
		_ = oldLock.unlock()
	}
	x.notify()
	return nil
}

// reopenFolder opens the generation CURRENT names in a data folder that
// came back; a folder without CURRENT is not adopted.
func (x *Index) reopenFolder() (*generation, error) {
	cur, err := readCurrent(x.dir)
	if err != nil {
		return nil, err
	}
	if cur == 0 {
		return nil, fmt.Errorf("index: %s has no %s", x.dir, currentFile)
	}
	return x.openGeneration(cur)
}

// notify tells Options.OnHealth of the index's state when it changed
// since the last call.
func (x *Index) notify() {
	x.healthMu.Lock()
	defer x.healthMu.Unlock()
	err := x.Health()
	if errors.Is(err, ErrClosed) {
		return
	}
	state := ""
	if err != nil {
		state = err.Error()
	}
	if state == x.lastHealth {
		return
	}
	x.lastHealth = state
	if x.opts.OnHealth != nil {
		x.opts.OnHealth(err)
	}
}
