package corpus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultQuiet is how long a file must stay untouched before the watcher
// reports it: editors and copy tools write a file in several steps.
const DefaultQuiet = 300 * time.Millisecond

// Change is a file of a watched folder that was added, changed or removed,
// or the watched folder itself replaced.
type Change struct {
	// Path is the file's path relative to the watched folder, with '/'
	// separators; empty when Replaced.
	Path string
	// Removed is true when the file no longer exists (deleted, or renamed:
	// a rename is reported as the removal of the old path and the
	// addition of the new one).
	Removed bool
	// Replaced is true when another folder took the watched folder's
	// place (renamed over it, or the folder deleted and created again):
	// anything in it may have changed and readers holding the old folder
	// (an os.Root) must open it again. The watcher then watches the new
	// folder and reports its differences with the old one as changes.
	Replaced bool
}

// rootCheckInterval is how often the watcher checks that its folder is
// still the one at its path; events about the folder itself are acted on
// at once.
const rootCheckInterval = time.Second

// WatchOptions tunes a [Watcher]. The zero value is ready to use.
type WatchOptions struct {
	// Quiet is the debounce period: a file is reported once no event has
	// touched it for that long. Zero means DefaultQuiet.
	Quiet time.Duration
	// OnError receives the errors that do not stop the watcher: a
	// subfolder that cannot be watched, an event queue overflow (after
	// which the folder is rescanned). Nil drops them.
	OnError func(error)
}

// Watcher reports the supported article files (see [Supported]) added,
// changed or removed in a folder tree. Subfolders are watched, including
// the ones created later; hidden files and folders and editors' temporary
// files are ignored; symbolic links are followed only to files inside the
// folder, never to folders.
//
// Create one with [NewWatcher] (the watches are in place when it returns),
// then call [Watcher.Run] once.
type Watcher struct {
	dir      string      // as given
	root     string      // absolute, symbolic links resolved
	rootInfo os.FileInfo // the folder watched (device and inode)
	rootGone bool        // the folder is missing from its path
	quiet    time.Duration
	onError  func(error)
	fw       *fsnotify.Watcher
	dirs     map[string]bool      // watched folders, relative ("." is the root)
	known    map[string]fileStamp // files seen, relative
	pending  map[string]time.Time // files touched, by time of last event
}

// fileStamp tells whether a file changed since it was last seen.
type fileStamp struct {
	size int64
	mod  time.Time
}

// NewWatcher starts watching dir and its subfolders. Files already there
// are not reported; to be sure not to miss a file, list and read the
// folder after NewWatcher returns and before calling Run: changes made in
// between are reported by Run. The caller must call Run or Close.
func NewWatcher(dir string, opts WatchOptions) (*Watcher, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("corpus: watch %s: %w", dir, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("corpus: watch %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("corpus: watch %s: not a folder", dir)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("corpus: watch %s: %w", dir, err)
	}
	w := &Watcher{
		dir: dir, root: abs, rootInfo: info, quiet: opts.Quiet, onError: opts.OnError, fw: fw,
		dirs: map[string]bool{}, known: map[string]fileStamp{}, pending: map[string]time.Time{},
	}
	if w.quiet <= 0 {
		w.quiet = DefaultQuiet
	}
	if err := fw.Add(abs); err != nil {
		fw.Close()
		return nil, fmt.Errorf("corpus: watch %s: %w", dir, err)
	}
	w.dirs["."] = true
	w.scan(".", false, time.Time{})
	return w, nil
}

// Close stops watching. Run calls it when it returns.
func (w *Watcher) Close() error { return w.fw.Close() }

// Run calls fn with each change, one at a time, until ctx is done, then
// closes the watcher and returns nil. Within one batch of changes, removals
// come first, then additions, each in path order. fn runs on Run's
// goroutine: while it runs, events queue up.
func (w *Watcher) Run(ctx context.Context, fn func(Change)) error {
	defer w.fw.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	check := time.NewTicker(rootCheckInterval)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-check.C:
			w.checkRoot(time.Now(), fn)
		case ev, ok := <-w.fw.Events:
			if !ok {
				return nil
			}
			if w.isRoot(ev.Name) {
				w.checkRoot(time.Now(), fn) // the folder itself renamed or removed
			} else {
				w.event(ev, time.Now())
			}
		case err, ok := <-w.fw.Errors:
			if !ok {
				return nil
			}
			w.report(fmt.Errorf("corpus: watch %s: %w", w.root, err))
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.scan(".", true, time.Now()) // events were lost: compare with the disk
			}
		case <-timer.C:
			armed = false
			w.flush(time.Now(), fn)
		}
		// (Re)arm the timer for the earliest pending deadline.
		if next, ok := w.nextDeadline(); ok {
			if armed && !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(max(time.Until(next), time.Millisecond))
			armed = true
		}
	}
}

// Watch watches dir with opts and calls fn with each change until ctx is
// done; see [NewWatcher] and [Watcher.Run]. It returns an error only when
// dir cannot be watched.
func Watch(ctx context.Context, dir string, opts WatchOptions, fn func(Change)) error {
	w, err := NewWatcher(dir, opts)
	if err != nil {
		return err
	}
	return w.Run(ctx, fn)
}

// isRoot reports whether an event's path is the watched folder itself.
func (w *Watcher) isRoot(name string) bool {
	return filepath.Clean(name) == w.root
}

// checkRoot notices that the watched folder is gone from its path or was
// replaced by another one: it then watches the folder now at the path,
// reports Replaced and marks every difference with the old one as pending.
func (w *Watcher) checkRoot(now time.Time, fn func(Change)) {
	info, err := os.Stat(w.dir)
	if err != nil || !info.IsDir() {
		if !w.rootGone {
			w.rootGone = true
			w.report(fmt.Errorf("corpus: watch %s: the folder is gone; watching for it to come back", w.dir))
		}
		return
	}
	if !w.rootGone && os.SameFile(info, w.rootInfo) {
		return
	}
	abs, err := filepath.Abs(w.dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return // moving again: try at the next check
	}
	for d := range w.dirs {
		_ = w.fw.Remove(w.abs(d)) // the old folder's watches, if it still exists
	}
	w.dirs = map[string]bool{}
	w.root, w.rootInfo, w.rootGone = abs, info, false
	if err := w.fw.Add(abs); err != nil {
		w.report(fmt.Errorf("corpus: watch %s: %w", w.dir, err))
		w.rootGone = true // try again at the next check
		return
	}
	w.dirs["."] = true
	w.report(fmt.Errorf("corpus: watch %s: the folder was replaced by another one: watching the new one", w.dir))
	fn(Change{Replaced: true})
	w.scan(".", true, now)
}

func (w *Watcher) report(err error) {
	if w.onError != nil {
		w.onError(err)
	}
}

// rel returns the slash-separated path of abs relative to the root, and
// false when it is outside, hidden or temporary.
func (w *Watcher) rel(abs string) (string, bool) {
	r, err := filepath.Rel(w.root, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	r = filepath.ToSlash(r)
	for _, part := range strings.Split(r, "/") {
		if ignoredName(part) {
			return "", false
		}
	}
	return r, true
}

func (w *Watcher) abs(rel string) string { return filepath.Join(w.root, filepath.FromSlash(rel)) }

// event records one fsnotify event.
func (w *Watcher) event(ev fsnotify.Event, now time.Time) {
	rel, ok := w.rel(ev.Name)
	if !ok || rel == "." {
		return
	}
	info, err := os.Lstat(ev.Name)
	switch {
	case err == nil && info.IsDir():
		if !w.dirs[rel] {
			w.scan(rel, true, now) // a new folder, created or moved in
		}
		return
	case w.isDirKnown(rel):
		w.dropDir(rel, now) // a folder removed, moved away, or replaced by a link or a file
	}
	if Supported(rel) {
		w.pending[rel] = now
	}
}

// isDirKnown reports whether rel is a watched folder or holds known files.
func (w *Watcher) isDirKnown(rel string) bool {
	if w.dirs[rel] {
		return true
	}
	prefix := rel + "/"
	for p := range w.known {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// dropDir forgets the folder rel: its watches go, its files become
// pending (and will be reported removed if they are gone).
func (w *Watcher) dropDir(rel string, now time.Time) {
	prefix := rel + "/"
	for d := range w.dirs {
		if d == rel || strings.HasPrefix(d, prefix) {
			delete(w.dirs, d)
			_ = w.fw.Remove(w.abs(d)) // may already be gone with the folder
		}
	}
	for p := range w.known {
		if strings.HasPrefix(p, prefix) {
			w.pending[p] = now
		}
	}
}

// scan watches the folder rel and its subfolders and records their files.
// With mark, it also marks as pending every file that is new or changed
// since last seen, and every known file under rel that is gone: that is
// how files created in a new folder before its watch was in place, and
// changes lost in an overflow, get reported.
func (w *Watcher) scan(rel string, mark bool, now time.Time) {
	seen := map[string]bool{}
	_ = filepath.WalkDir(w.abs(rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != w.abs(rel) || !errors.Is(err, fs.ErrNotExist) {
				w.report(fmt.Errorf("corpus: watch: %w", err))
			}
			return nil
		}
		r, ok := w.rel(p)
		if !ok {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if !w.dirs[r] {
				if err := w.fw.Add(p); err != nil {
					w.report(fmt.Errorf("corpus: watch %s: %w", p, err))
					return filepath.SkipDir
				}
				w.dirs[r] = true
			}
			return nil
		}
		if !Supported(r) {
			return nil
		}
		st, ok := w.stat(r)
		if !ok {
			return nil
		}
		seen[r] = true
		if old, had := w.known[r]; mark && (!had || old != st) {
			w.pending[r] = now
		} else if !mark {
			w.known[r] = st
		}
		return nil
	})
	if !mark {
		return
	}
	for p := range w.known {
		if (rel == "." || p == rel || strings.HasPrefix(p, rel+"/")) && !seen[p] {
			w.pending[p] = now
		}
	}
}

// stat returns the stamp of the regular file rel, following a symbolic
// link only to a regular file inside the root, and never one among the
// folders above it: a file under a link to a folder does not count.
func (w *Watcher) stat(rel string) (fileStamp, bool) {
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		if info, err := os.Lstat(w.abs(dir)); err != nil || !info.IsDir() {
			return fileStamp{}, false
		}
	}
	p := w.abs(rel)
	info, err := os.Lstat(p)
	if err != nil {
		return fileStamp{}, false
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return fileStamp{}, false
		}
		if r, err := filepath.Rel(w.root, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return fileStamp{}, false // points outside the watched folder
		}
		if info, err = os.Stat(target); err != nil {
			return fileStamp{}, false
		}
	}
	if !info.Mode().IsRegular() {
		return fileStamp{}, false
	}
	return fileStamp{size: info.Size(), mod: info.ModTime()}, true
}

// nextDeadline returns when the earliest pending file becomes quiet.
func (w *Watcher) nextDeadline() (time.Time, bool) {
	var next time.Time
	for _, t := range w.pending {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next.Add(w.quiet), !next.IsZero()
}

// flush reports the pending files that have been quiet long enough.
func (w *Watcher) flush(now time.Time, fn func(Change)) {
	var removed, added []string
	for p, t := range w.pending {
		if now.Sub(t) < w.quiet {
			continue
		}
		delete(w.pending, p)
		st, exists := w.stat(p)
		old, had := w.known[p]
		switch {
		case exists && (!had || old != st):
			w.known[p] = st
			added = append(added, p)
		case !exists && had:
			delete(w.known, p)
			removed = append(removed, p)
		}
	}
	slices.Sort(removed)
	slices.Sort(added)
	for _, p := range removed {
		fn(Change{Path: p, Removed: true})
	}
	for _, p := range added {
		fn(Change{Path: p})
	}
}
