// Package folder keeps the index in step with a folder of article files:
// every supported file's articles are indexed with the file as their
// origin (through the index's one ingestion path, PutAll), unchanged
// files are not read again, and the articles of a file that is removed,
// or becomes a symbolic link, are deleted. [Watched] adds the watcher
// (package corpus) and follows the folder when it is replaced.
//
// Which files count is corpus's rule, the same as veille index's:
// [corpus.Files] and [corpus.Supported] (hidden and temporary names
// skipped, symbolic links never followed).
package folder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"path"
	"sync"

	"veille/corpus"
	"veille/index"
)

// Store is what a Folder needs from the index; *index.Index satisfies it.
type Store interface {
	PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(pos int, r index.PutResult)) (index.PutStats, error)
	Delete(ctx context.Context, id string) error
	Origins(ctx context.Context) (map[string]index.Origin, error)
}

// Folder keeps the index in step with the files of one file system. It is
// safe for concurrent use.
type Folder struct {
	fsys   fs.FS
	store  Store
	logger *slog.Logger

	mu     sync.Mutex
	byPath map[string]map[string]string // path -> article id -> stamp
}

// New returns the Folder of fsys (the FS of an os.Root for a real
// folder: the kernel then refuses any path out of it).
func New(fsys fs.FS, store Store, logger *slog.Logger) *Folder {
	return &Folder{fsys: fsys, store: store, logger: logger}
}

// Sync reconciles the whole folder with the index: new and changed files
// are (re)indexed, unchanged ones skipped, and articles whose file is gone
// (removed while the service was down) are deleted. Unreadable or malformed
// files are logged and skipped.
func (f *Folder) Sync(ctx context.Context) (indexed, removed int, err error) {
	origins, err := f.store.Origins(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("corpus folder: read origins: %w", err)
	}
	f.mu.Lock()
	f.byPath = make(map[string]map[string]string)
	for id, o := range origins {
		if f.byPath[o.Path] == nil {
			f.byPath[o.Path] = make(map[string]string)
		}
		f.byPath[o.Path][id] = o.Stamp
	}
	f.mu.Unlock()

	files, err := corpus.Files(f.fsys)
	if err != nil {
		f.logger.Warn("corpus folder: cannot read some folders", "err", err)
	}
	seen := make(map[string]bool, len(files))
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return indexed, removed, err
		}
		seen[p] = true
		n, err := f.update(ctx, p)
		indexed += n
		if err != nil {
			return indexed, removed, err
		}
	}
	f.mu.Lock()
	var gone []string
	for p := range f.byPath {
		if !seen[p] {
			gone = append(gone, p)
		}
	}
	f.mu.Unlock()
	for _, p := range gone {
		n, err := f.remove(ctx, p)
		removed += n
		if err != nil {
			return indexed, removed, err
		}
	}
	return indexed, removed, nil
}

// Changed (re)indexes the file at p, or removes its articles when it no
// longer exists as a file of the folder: deleted, replaced by a symbolic
// link, or under a folder replaced by one (links are never followed).
// Read errors are logged, never returned: a malformed file must not stop
// the service. Only context and index errors are returned.
func (f *Folder) Changed(ctx context.Context, p string) error {
	info, err := fs.Lstat(f.fsys, p)
	if !errors.Is(err, fs.ErrNotExist) {
		why := f.excluded(p, info)
		if why == "" {
			_, err = f.update(ctx, p)
			return err
		}
		f.logger.Warn("corpus folder: "+why, "path", p)
	}
	_, err = f.remove(ctx, p)
	return err
}

// excluded says why p, whose Lstat is info (nil if it failed), is not a
// file of the folder, or returns "": the folder never follows a symbolic
// link, to a file or among the folders above it.
func (f *Folder) excluded(p string, info fs.FileInfo) string {
	switch {
	case !f.noLinkAbove(p):
		return "inside a symbolic link to a folder (symlinks are not followed), skipped"
	case info != nil && !info.Mode().IsRegular():
		return "not a regular file (symlinks are not followed), skipped"
	}
	return ""
}

// update indexes the articles of file p unless its stamp is unchanged, and
// deletes the articles the file no longer holds.
func (f *Folder) update(ctx context.Context, p string) (int, error) {
	info, err := fs.Lstat(f.fsys, p)
	limit := int64(corpus.MaxFileSize)
	if format, _ := corpus.FormatOf(p); format == corpus.FormatNDJSON {
		limit = corpus.MaxNDJSONSize
	}
	switch why := f.excluded(p, info); {
	case why != "":
		f.logger.Warn("corpus folder: "+why, "path", p)
		return 0, nil
	case err != nil:
		f.logger.Warn("corpus folder: cannot read file, skipped", "path", p, "err", err)
		return 0, nil
	case info.Size() > limit:
		f.logger.Warn("corpus folder: file too large, skipped", "path", p, "bytes", info.Size(), "limit", limit)
		return 0, nil
	}
	stamp, err := fileStamp(f.fsys, p, info)
	if err != nil {
		f.logger.Warn("corpus folder: cannot read file, skipped", "path", p, "err", err)
		return 0, nil
	}
	f.mu.Lock()
	old := f.byPath[p]
	unchanged := len(old) > 0
	for _, s := range old {
		if s != stamp {
			unchanged = false
		}
	}
	f.mu.Unlock()
	if unchanged {
		return 0, nil
	}

	now := make(map[string]string)
	origin := index.Origin{Path: p, Stamp: stamp}
	var scanErr error
	seq := func(yield func(index.Item, error) bool) {
		scanErr = corpus.ScanFile(f.fsys, p, func(a corpus.Article, err error) error {
			if !yield(index.Item{Article: a, Origin: origin}, err) {
				return errStop
			}
			return nil
		})
	}
	bad := 0
	_, err = f.store.PutAll(ctx, seq, func(_ int, r index.PutResult) {
		switch {
		case r.Err == nil:
			now[r.Article.ID] = stamp
		case errors.Is(r.Err, index.ErrInvalidArticle):
			bad++
			f.logger.Warn("corpus folder: invalid article, skipped", "path", p, "id", r.Article.ID, "err", r.Err)
		default:
			bad++
			var le *corpus.LineError
			if errors.As(r.Err, &le) { // else the index failed: returned below
				f.logger.Warn("corpus folder: bad article, skipped", "path", p, "err", r.Err)
			}
		}
	})
	if err != nil { // the index or ctx: stop
		return len(now), fmt.Errorf("corpus folder: index %s: %w", p, err)
	}
	if scanErr != nil && !errors.Is(scanErr, errStop) {
		if len(now) == 0 {
			f.logger.Warn("corpus folder: malformed file, skipped", "path", p, "err", scanErr)
			return 0, nil
		}
		f.logger.Warn("corpus folder: file partly read", "path", p, "err", scanErr)
	}
	for id := range old {
		if _, still := now[id]; !still {
			if err := f.store.Delete(ctx, id); err != nil && !errors.Is(err, index.ErrNotFound) {
				return len(now), fmt.Errorf("corpus folder: delete %s: %w", id, err)
			}
		}
	}
	f.mu.Lock()
	f.byPath[p] = now
	f.mu.Unlock()
	f.logger.Info("corpus folder: indexed", "path", p, "articles", len(now), "bad", bad)
	return len(now), nil
}

// noLinkAbove reports whether every folder on the way to p is a real
// folder: a symbolic link among them could lead out of the corpus folder.
// The walk never enters such links, but the watcher reports paths as they
// were, and a folder may be swapped for a link in between.
func (f *Folder) noLinkAbove(p string) bool {
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		info, err := fs.Lstat(f.fsys, dir)
		if err != nil || !info.IsDir() {
			return false
		}
	}
	return true
}

// errStop ends a file's scan when PutAll stops reading.
var errStop = errors.New("folder: stopped")

// fileStamp identifies a version of a file: size and modification time
// when the file system has them, a content hash otherwise (embedded files).
func fileStamp(fsys fs.FS, p string, info fs.FileInfo) (string, error) {
	if !info.ModTime().IsZero() {
		return fmt.Sprintf("%d-%d", info.Size(), info.ModTime().UnixNano()), nil
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12]), nil
}

// remove deletes every article that came from file p.
func (f *Folder) remove(ctx context.Context, p string) (int, error) {
	f.mu.Lock()
	ids := f.byPath[p]
	delete(f.byPath, p)
	f.mu.Unlock()
	n := 0
	for id := range ids {
		if err := f.store.Delete(ctx, id); err != nil && !errors.Is(err, index.ErrNotFound) {
			return n, fmt.Errorf("corpus folder: delete %s: %w", id, err)
		}
		n++
	}
	if n > 0 {
		f.logger.Info("corpus folder: removed", "path", p, "articles", n)
	}
	return n, nil
}
