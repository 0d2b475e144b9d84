package index

// The data folder:
//
//	LOCK          flock'ed by the process that has the folder open
//	CURRENT       the name of the live generation ("gen-000001\n")
//	secret        32 random bytes: the key that signs cursors
//	gen-000001/   a Bleve (scorch) index: the live generation
//	gen-000002/   during a rebuild, the generation being built
//	feeds/        not the index's: the feed sources (package feeds)
//
// CURRENT and secret are written atomically (temporary file, fsync,
// rename, fsync of the folder). A generation folder that CURRENT does not
// name is the leftover of an interrupted rebuild and is removed at Open.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"veille/internal/atomicfile"
)

const (
	currentFile = "CURRENT"
	secretFile  = "secret"
	lockFile    = "LOCK"
	genPrefix   = "gen-"
	secretSize  = cursorKeySize
)

// genName returns the folder name of generation n.
func genName(n int) string { return fmt.Sprintf("%s%06d", genPrefix, n) }

// parseGenName returns the number of a generation folder name.
func parseGenName(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, genPrefix)
	if !ok || rest == "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n <= 0 || genName(n) != name {
		return 0, false
	}
	return n, true
}

// readCurrent returns the live generation number named by dir/CURRENT, or 0
// when the file does not exist.
func readCurrent(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("index: read %s: %w", currentFile, err)
	}
	n, ok := parseGenName(strings.TrimSpace(string(b)))
	if !ok {
		return 0, fmt.Errorf("index: %s names no generation: %q", currentFile, strings.TrimSpace(string(b)))
	}
	return n, nil
}

// writeCurrent makes generation n the live one, atomically and durably.
func writeCurrent(dir string, n int) error {
	return writeFileAtomic(dir, currentFile, []byte(genName(n)+"\n"))
}

// writeFileAtomic replaces dir/name with data: a crash leaves either the
// old content or the new one, never a mix.
func writeFileAtomic(dir, name string, data []byte) error {
	if err := atomicfile.Write(dir, name, data); err != nil {
		return writeErr(err)
	}
	return nil
}

// syncDir flushes a folder's entries (new, renamed or removed files) to disk.
func syncDir(dir string) error {
	if err := atomicfile.SyncDir(dir); err != nil {
		return writeErr(err)
	}
	return nil
}

// loadSecret returns the cursor key of dir, creating it on first use.
func loadSecret(dir string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, secretFile))
	if err == nil && len(b) == secretSize {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("index: read cursor key: %w", err)
	}
	key, err := newCursorKey()
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(dir, secretFile, key); err != nil {
		return nil, fmt.Errorf("index: write cursor key: %w", err)
	}
	return key, nil
}

// checkWritable fails with ErrReadOnly when files cannot be created in dir.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("%w: cannot create a file in %s: %v", ErrReadOnly, dir, err)
	}
	name := f.Name()
	_, werr := f.Write([]byte("veille"))
	if werr == nil {
		werr = f.Sync()
	}
	_ = f.Close()
	_ = os.Remove(name)
	if werr != nil {
		return fmt.Errorf("%w: cannot write in %s: %v", ErrReadOnly, dir, werr)
	}
	return nil
}

// writeErr maps the errors of a full or read-only disk to ErrReadOnly and
// leaves the others as they are.
func writeErr(err error) error {
	if err == nil || errors.Is(err, ErrReadOnly) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) ||
		errors.Is(err, syscall.EDQUOT) || errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w: %v", ErrReadOnly, err)
	}
	// Bleve formats some errors with %v, which loses the errno: match
	// the system's messages too.
	msg := err.Error()
	for _, e := range []syscall.Errno{syscall.ENOSPC, syscall.EROFS, syscall.EDQUOT} {
		if strings.Contains(msg, e.Error()) {
			return fmt.Errorf("%w: %v", ErrReadOnly, err)
		}
	}
	return err
}

// removeStale deletes generation folders other than keep and temporary
// files left by an interrupted atomic write.
func removeStale(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("index: list data folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		stale := strings.HasPrefix(name, currentFile+".tmp-") || strings.HasPrefix(name, secretFile+".tmp-")
		if n, ok := parseGenName(name); ok && n != keep && e.IsDir() {
			stale = true
		}
		if !stale {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("index: remove stale %s: %w", name, writeErr(err))
		}
	}
	return nil
}

// dirSize returns the bytes of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// holdsData reports whether the generation folder at path holds indexed
// articles (a segment file): an empty one is what a crash leaves while the
// first generation is being created, and may be removed.
func holdsData(path string) bool {
	entries, err := os.ReadDir(filepath.Join(path, "store"))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".zap") {
			return true
		}
	}
	return false
}

// recoveryHint ends the errors of a data folder that does not open.
const recoveryHint = "Nothing in the folder was changed. It may be damaged (a disk error, " +
	"files changed or removed by hand, a copy made while veille was writing) or written by " +
	"another version of veille. To recover: restore the folder from a backup; or move it " +
	"away, start with an empty data folder and index the articles again"

// checkFolder fails with ErrUnavailable when dir is no longer the folder
// described by want (device and inode, see os.SameFile), or when its lock
// file is no longer the one lock holds: the folder was deleted, unmounted,
// renamed or replaced (another process may then lock the new one), and
// nothing more may be written to it.
func checkFolder(dir string, want os.FileInfo, lock *dirLock) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%w: the data folder %s cannot be read (deleted, unmounted or unreachable): %v", ErrUnavailable, dir, err)
	}
	if !os.SameFile(info, want) {
		return fmt.Errorf("%w: the data folder %s is no longer the folder that was opened (it was deleted and created again, renamed or mounted over): nothing more is written to it", ErrUnavailable, dir)
	}
	if !lock.sameFile(filepath.Join(dir, lockFile)) {
		return fmt.Errorf("%w: the lock file of the data folder %s was removed or replaced: another process may be using the folder, nothing more is written to it", ErrUnavailable, dir)
	}
	return nil
}

// dirLock is an exclusive lock on a data folder, held while it is open.
type dirLock struct{ f *os.File }

// sameFile reports whether the lock is held on the file at path.
func (l *dirLock) sameFile(path string) bool {
	if l == nil || l.f == nil {
		return false
	}
	held, err1 := l.f.Stat()
	onDisk, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(held, onDisk)
}

// lockDir takes dir's lock, waiting at most timeout; errors wrap ErrLocked
// when another process (or another Open in this one) holds it.
func lockDir(dir string, timeout time.Duration) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("index: open lock file: %w", writeErr(err))
	}
	deadline := time.Now().Add(timeout)
	for {
		err := flock(f)
		if err == nil {
			return &dirLock{f: f}, nil
		}
		if !errors.Is(err, errWouldBlock) {
			_ = f.Close()
			return nil, fmt.Errorf("index: lock %s: %w", dir, err)
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("%w: %s (waited %s)", ErrLocked, dir, timeout)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// unlock releases the lock.
func (l *dirLock) unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := funlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
