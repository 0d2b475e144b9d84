// Package web holds veille's search page: one HTML document, one script and
// one style sheet, embedded in the binary and served by the api package at
// "/" (api.Options.UI).
//
// The page needs no framework and fetches nothing from outside the service:
// it calls GET /api/search (with prefix=last while the user types, and
// facet_query to search a facet's values), keeps its whole state in the
// URL (?q=...&company=...&exclude_source=...), links each hit to its
// article view (/articles/{id}, rendered by the api package) and the
// results to GET /api/export, and draws its charts, of the counts within
// the results, as inline SVG whose bars are links that filter. Error
// messages are its own, in French, by the API's error code. It never parses HTML: titles and
// snippets are inserted as text, and the API's highlight fragments are turned
// into text nodes and <mark> elements by setHighlight in app.js.
//
// Caching: index.html names its script, style sheet and icon with a
// version parameter, "app.js?v=<first 16 hex digits of the file's SHA-256>",
// which [FS] computes from the embedded files. The server (api/ui.go) lets
// browsers keep a request whose v matches the file's content for a year
// (immutable) and revalidates index.html on every load, so a new binary's
// page never runs with an old script.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"slices"
	"time"
)

//go:embed index.html app.js app.css favicon.svg
var files embed.FS

// Version returns the version parameter of an asset's content: the first 16
// hex digits of its SHA-256. api/ui.go applies the same rule.
func Version(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// FS returns the page's files, index.html at the root, as an in-memory,
// read-only file system. In its index.html, every reference to an asset
// (src="app.js", href="app.css"...) carries the asset's version
// (src="app.js?v=0123abcd..."); the other files are the embedded ones.
func FS() fs.FS {
	m := memFS{}
	for _, name := range []string{"index.html", "app.js", "app.css", "favicon.svg"} {
		data, err := files.ReadFile(name)
		if err != nil {
			panic("web: " + name + " is not embedded: " + err.Error()) // impossible: go:embed names it
		}
		m[name] = data
	}
	for _, name := range []string{"app.js", "app.css", "favicon.svg"} {
		v := name + "?v=" + Version(m[name])
		m["index.html"] = bytes.ReplaceAll(m["index.html"], []byte(`"`+name+`"`), []byte(`"`+v+`"`))
	}
	return m
}

// memFS is a flat read-only file system: file names to contents, no
// folders but the root.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	if name == "." {
		return &memDir{entries: m.entries()}, nil
	}
	data, ok := m[name]
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{info: memInfo{name: name, size: int64(len(data))}, r: bytes.NewReader(data)}, nil
}

// ReadFile implements fs.ReadFileFS.
func (m memFS) ReadFile(name string) ([]byte, error) {
	data, ok := m[name]
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(data), nil
}

// ReadDir implements fs.ReadDirFS.
func (m memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return m.entries(), nil
}

func (m memFS) entries() []fs.DirEntry {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]fs.DirEntry, len(names))
	for i, name := range names {
		out[i] = fs.FileInfoToDirEntry(memInfo{name: name, size: int64(len(m[name]))})
	}
	return out
}

// memFile is an open file of a memFS.
type memFile struct {
	info memInfo
	r    *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error)                { return f.info, nil }
func (f *memFile) Read(p []byte) (int, error)                { return f.r.Read(p) }
func (f *memFile) ReadAt(p []byte, off int64) (int, error)   { return f.r.ReadAt(p, off) }
func (f *memFile) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }
func (f *memFile) Close() error                              { return nil }

// memDir is the open root folder of a memFS.
type memDir struct {
	entries []fs.DirEntry
	off     int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return memInfo{name: ".", dir: true}, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: fs.ErrInvalid}
}
func (d *memDir) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
