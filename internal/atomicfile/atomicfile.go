// Package atomicfile replaces files so that a crash leaves either the old
// content or the new one, never a mix, and the new one durable once the
// call returns.
package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// Write replaces dir/name with data: a temporary file in dir, written and
// fsync'ed, renamed over name, then dir fsync'ed. On error the old file is
// untouched and no temporary file is left; errors are the os package's.
func Write(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, name+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return SyncDir(dir)
}

// Remove deletes dir/name durably (the folder is fsync'ed); a missing file
// is not an error.
func Remove(dir, name string) error {
	if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return SyncDir(dir)
}

// SyncDir flushes a folder's entries (new, renamed or removed files) to
// disk. File systems that cannot sync a folder (EINVAL) are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
