//go:build linux

package index

// A full disk and a read-only file system, for real: a size-limited tmpfs
// mounted over a temporary folder gives ENOSPC, remounting it read-only
// gives EROFS. Mounting needs root (CAP_SYS_ADMIN); elsewhere the tests
// skip and say why.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"veille/corpus"
)

// mountTmpfs mounts a tmpfs of size bytes on a new temporary folder and
// returns it; the test is skipped when mounting is not permitted.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		t.Skipf("cannot mount a tmpfs to simulate a full or read-only disk (needs root with CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// remount changes the options of the tmpfs at dir (a new size, or back
// to read-write).
func remount(t *testing.T, dir string, data string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, data); err != nil {
		t.Fatalf("remount %s (%q): %v", dir, data, err)
	}
}

// bindReadOnly mounts dir read-only over itself and returns the function
// that removes that mount. Files already open stay writable, as after a
// real remount; every new file, rename or removal fails with EROFS.
// (Remounting the tmpfs itself read-only fails with EBUSY while the index
// holds files open for writing.)
func bindReadOnly(t *testing.T, dir string) (undo func()) {
	t.Helper()
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		t.Fatalf("bind %s: %v", dir, err)
	}
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		_ = syscall.Unmount(dir, 0)
		t.Fatalf("remount %s read-only: %v", dir, err)
	}
	done := false
	undo = func() {
		if !done {
			done = true
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("unmount the read-only bind of %s: %v", dir, err)
			}
		}
	}
	t.Cleanup(undo)
	return undo
}

// noPanic runs f and turns a panic into a test error, so that an engine
// bug found here fails this test instead of killing the test binary.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v\n%s", what, r, debug.Stack())
		}
	}()
	f()
}

// bulkyArticle is an article of about 6 KB of distinct words, so that a
// few hundred fill a small disk.
func bulkyArticle(i int) corpus.Article {
	var b strings.Builder
	for j := range 600 {
		fmt.Fprintf(&b, "mot%dx%d ", i, j)
	}
	return corpus.Article{ID: fmt.Sprintf("full-%04d", i), Title: fmt.Sprintf("Article numéro %d", i), Body: b.String()}
}

// checkAcknowledged opens dir and checks that every acknowledged article
// is there, and that the articles whose write failed are not.
func checkAcknowledged(t *testing.T, dir string, acked []string, failed ...string) {
	t.Helper()
	ctx := context.Background()
	y, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer y.Close()
	st, err := y.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles < uint64(len(acked)) {
		t.Errorf("reopened index holds %d articles, %d were acknowledged", st.Articles, len(acked))
	}
	for _, id := range acked {
		if _, err := y.Get(ctx, id); err != nil {
			t.Errorf("acknowledged article %s lost: %v", id, err)
		}
	}
	for _, id := range failed {
		if _, err := y.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("article %s, whose write failed, after a reopen: %v, want ErrNotFound", id, err)
		}
	}
	if res := mustSearch(t, y, Query{Text: "numéro"}); res.Total < uint64(len(acked)) {
		t.Errorf("search finds %d articles, %d were acknowledged", res.Total, len(acked))
	}
}

// TestDiskFull writes until the disk is full: the failing write returns an
// error wrapping ErrReadOnly (never a silent loss), every write
// acknowledged before stays readable, and after the disk has room again
// the index takes writes and reopens with everything acknowledged.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	dir := mountTmpfs(t, 2<<20)
	x, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatalf("Open on a 2 MiB tmpfs: %v", err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = x.Close()
		}
	}()
	var acked []string
	var writeErr error
	var failedID string
	for i := range 5000 {
		a := bulkyArticle(i)
		if _, _, err := x.Put(ctx, a, Origin{}); err != nil {
			writeErr, failedID = err, a.ID
			break
		}
		acked = append(acked, a.ID)
	}
	if writeErr == nil {
		t.Fatalf("5000 articles fit on a 2 MiB disk?")
	}
	t.Logf("disk full after %d articles: %v", len(acked), writeErr)
	if !errors.Is(writeErr, ErrReadOnly) {
		t.Errorf("write on a full disk: %v, want an error wrapping ErrReadOnly", writeErr)
	}
	if !strings.Contains(writeErr.Error(), "no space") {
		t.Errorf("write on a full disk: %q does not say the disk is full", writeErr)
	}
	// Reads keep working, and see every acknowledged article.
	for _, id := range []string{acked[0], acked[len(acked)/2], acked[len(acked)-1]} {
		noPanic(t, "Get on a full disk", func() {
			if _, err := x.Get(ctx, id); err != nil {
				t.Errorf("Get %s on a full disk: %v", id, err)
			}
		})
	}
	// The write that failed is not half there: not readable now, not
	// back after a restart.
	noPanic(t, "Get of the failed write", func() {
		if _, err := x.Get(ctx, failedID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get %s, whose write failed: %v, want ErrNotFound", failedID, err)
		}
	})
	noPanic(t, "Search on a full disk", func() {
		if res, err := x.Search(ctx, Query{Text: "numéro", PerPage: 100, Highlight: true}); err != nil || res.Total < uint64(len(acked)) {
			t.Errorf("Search on a full disk: %d hits, err %v; %d acknowledged", res.Total, err, len(acked))
		}
	})

	// Room again: writes succeed without a restart.
	remount(t, dir, "size=64m")
	noPanic(t, "Put once the disk has room again", func() {
		if _, _, err := x.Put(ctx, corpus.Article{ID: "after-full", Title: "Article numéro après"}, Origin{}); err != nil {
			t.Errorf("Put once the disk has room again: %v", err)
		} else {
			acked = append(acked, "after-full")
		}
	})
	noPanic(t, "Search once the disk has room again", func() {
		if res, err := x.Search(ctx, Query{Text: "numéro", PerPage: 100}); err != nil || res.Total < uint64(len(acked)) {
			t.Errorf("Search once the disk has room again: %d hits, err %v; %d acknowledged", res.Total, err, len(acked))
		}
	})
	if err := x.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	closed = true
	checkAcknowledged(t, dir, acked, failedID)
}

// TestDiskFullAtOpen fills the disk before the index is created: Open
// fails with ErrReadOnly rather than creating a broken index.
func TestDiskFullAtOpen(t *testing.T) {
	dir := mountTmpfs(t, 256<<10)
	filler := make([]byte, 4096)
	for i := 0; ; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("filler-%d", i)), filler, 0o644); err != nil {
			break
		}
	}
	_, err := Open(context.Background(), filepath.Join(dir, "data"), Options{})
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Open on a full disk: %v, want ErrReadOnly", err)
	}
}

// TestReadOnlyDisk makes the data folder read-only under an open index:
// writes fail with ErrReadOnly, reads keep working, Open refuses the
// read-only folder with ErrReadOnly, and once writable again the index
// opens with every acknowledged article.
func TestReadOnlyDisk(t *testing.T) {
	ctx := context.Background()
	dir := mountTmpfs(t, 64<<20)
	x, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	var acked []string
	for i := range 20 {
		a := bulkyArticle(i)
		if _, _, err := x.Put(ctx, a, Origin{}); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, a.ID)
	}
	writable := bindReadOnly(t, dir)

	noPanic(t, "writes on a read-only disk", func() {
		if _, _, err := x.Put(ctx, bulkyArticle(100), Origin{}); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Put on a read-only disk: %v, want ErrReadOnly", err)
		}
		if err := x.Delete(ctx, acked[0]); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Delete on a read-only disk: %v, want ErrReadOnly", err)
		}
		if r := x.PutMany(ctx, []Item{{Article: bulkyArticle(101)}}); !errors.Is(r[0].Err, ErrReadOnly) {
			t.Errorf("PutMany on a read-only disk: %v, want ErrReadOnly", r[0].Err)
		}
	})
	noPanic(t, "reads on a read-only disk", func() {
		for _, id := range acked {
			if _, err := x.Get(ctx, id); err != nil {
				t.Errorf("Get %s on a read-only disk: %v", id, err)
			}
		}
		if res, err := x.Search(ctx, Query{Text: "numéro", PerPage: 100, Highlight: true}); err != nil || res.Total < uint64(len(acked)) {
			t.Errorf("Search on a read-only disk: %d hits, err %v", res.Total, err)
		}
	})
	if err := x.Close(); err != nil {
		t.Logf("Close on a read-only disk: %v", err)
	}

	if y, err := Open(ctx, dir, Options{}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Open of a read-only data folder: %v, want ErrReadOnly", err)
		if err == nil {
			_ = y.Close()
		}
	}
	writable()
	checkAcknowledged(t, dir, acked, bulkyArticle(100).ID, bulkyArticle(101).ID)
}
