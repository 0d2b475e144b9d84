//go:build linux

package main

// A full disk and a read-only data folder, for real: a size-limited tmpfs
// gives ENOSPC, a read-only bind mount EROFS. Mounting needs root with
// CAP_SYS_ADMIN; elsewhere the tests skip and say why.

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of size bytes on a new temporary folder, or
// skips the test when mounting is not permitted.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		t.Skipf("cannot mount a tmpfs to simulate a full or read-only disk (needs root with CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// bindReadOnly mounts dir read-only over itself; the returned function
// removes that mount.
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
			_ = syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	}
	t.Cleanup(undo)
	return undo
}

// TestServeReadOnlyDataFolder starts serve on a read-only data folder (new,
// and holding an index): it stops at once with an error saying the folder
// cannot be written, and leaves the index intact.
func TestServeReadOnlyDataFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	root := mountTmpfs(t, 64<<20)
	data := root + "/data"
	s := startService(t, "--data", data)
	if code, body := s.do(http.MethodPut, "/api/articles/avant", "application/json", `{"title":"Écrit avant","body":"Cet article a été écrit avant le passage en lecture seule."}`); code != http.StatusCreated {
		t.Fatalf("PUT: HTTP %d: %s", code, body)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}

	writable := bindReadOnly(t, root)
	for _, d := range []string{data, root + "/new-data"} {
		err := runServe(t, d)
		if err == nil || !strings.Contains(err.Error(), "not writable") || !strings.Contains(err.Error(), d) {
			t.Errorf("serve --data %s on a read-only disk: %v, want \"not writable\" and the folder", d, err)
		}
	}
	writable()
	s = startService(t, "--data", data)
	if code, body := s.do(http.MethodGet, "/api/articles/avant", "", ""); code != http.StatusOK {
		t.Errorf("after the read-only episode: HTTP %d: %s", code, body)
	}
}

// TestServeFullDisk fills the data folder's disk through the API: the write
// that does not fit gets a 503 with the contract's body saying so, reads
// and health keep answering, writes work again once the disk has room (no
// restart), and after a SIGKILL every acknowledged write is there.
func TestServeFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	root := mountTmpfs(t, 4<<20)
	s := startService(t, "--data", root)
	var words strings.Builder
	for j := range 700 {
		fmt.Fprintf(&words, "terme%d ", j)
	}
	var acked []string
	var code int
	var body []byte
	for i := range 2000 {
		id := fmt.Sprintf("plein-%04d", i)
		code, body = s.do(http.MethodPut, "/api/articles/"+id, "application/json",
			fmt.Sprintf(`{"title":"Article %d sur Naval Group","body":"%s %d"}`, i, words.String(), i))
		if code != http.StatusCreated {
			break
		}
		acked = append(acked, id)
	}
	t.Logf("disk full after %d articles: HTTP %d %s", len(acked), code, body)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("write on a full disk: HTTP %d, want 503: %s", code, body)
	}
	if e := decodeAPIError(t, body); e.Error.Code != "unavailable" || !strings.Contains(e.Error.Message, "full disk") {
		t.Errorf("write on a full disk: %+v, want code unavailable and a message about a full disk", e.Error)
	}
	if c, _ := s.do(http.MethodGet, "/healthz", "", ""); c != http.StatusOK {
		t.Errorf("healthz on a full disk: %d", c)
	}
	if r := s.search(url.Values{"q": {"naval"}, "per_page": {"1"}}); r.Total != uint64(len(acked)) {
		t.Errorf("q=naval on a full disk: %d, want the %d acknowledged", r.Total, len(acked))
	}
	if c, b := s.do(http.MethodGet, "/api/articles/"+acked[len(acked)-1], "", ""); c != http.StatusOK {
		t.Errorf("GET on a full disk: %d %s", c, b)
	}

	if err := syscall.Mount("tmpfs", root, "tmpfs", syscall.MS_REMOUNT, "size=64m"); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	if c, b := s.do(http.MethodPut, "/api/articles/apres", "application/json", `{"title":"Naval Group après","body":"Le disque a de la place."}`); c != http.StatusCreated {
		t.Errorf("PUT once the disk has room: HTTP %d %s", c, b)
	} else {
		acked = append(acked, "apres")
	}
	_ = s.stop(syscall.SIGKILL)

	s = startService(t, "--data", root)
	for _, id := range acked {
		if c, b := s.do(http.MethodGet, "/api/articles/"+id, "", ""); c != http.StatusOK {
			t.Errorf("acknowledged %s lost: HTTP %d %s", id, c, b)
		}
	}
	if r := s.search(url.Values{"q": {"naval"}, "per_page": {"1"}}); r.Total != uint64(len(acked)) {
		t.Errorf("q=naval after the restart: %d, want %d", r.Total, len(acked))
	}
}
