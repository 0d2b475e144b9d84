package folder

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"veille/corpus"
)

// Watched is a folder of the disk kept in step with the index as it
// changes: its files are read through an os.Root (the kernel refuses any
// path out of it), a corpus.Watcher reports changes, and a folder
// replaced (renamed over, deleted and created again) is opened and
// reconciled again.
type Watched struct {
	dir    string
	store  Store
	logger *slog.Logger
	w      *corpus.Watcher
	root   *os.Root
	f      *Folder
	// Indexed and Removed count what the start-up reconciliation did.
	Indexed, Removed int
}

// Open creates dir if needed, starts watching it and reconciles it with
// the index; call Watch to apply its changes.
func Open(ctx context.Context, dir string, store Store, logger *slog.Logger) (*Watched, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("corpus folder: %w", err)
	}
	// Watch first, then reconcile: a file that changes during the
	// initial pass is seen by one or the other.
	w, err := corpus.NewWatcher(dir, corpus.WatchOptions{
		OnError: func(err error) { logger.Warn("corpus folder: watch", "err", err) },
	})
	if err != nil {
		return nil, fmt.Errorf("watch the corpus folder %s: %w", dir, err)
	}
	cf := &Watched{dir: dir, store: store, logger: logger, w: w}
	if cf.Indexed, cf.Removed, err = cf.sync(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("index the corpus folder %s: %w", dir, err)
	}
	return cf, nil
}

// sync opens the folder at cf.dir (again) and reconciles it with the index.
func (cf *Watched) sync(ctx context.Context) (indexed, removed int, err error) {
	// An os.Root makes the kernel refuse any path that escapes the
	// folder, symbolic links included.
	root, err := os.OpenRoot(cf.dir)
	if err != nil {
		return 0, 0, fmt.Errorf("corpus folder: %w", err)
	}
	if cf.root != nil {
		_ = cf.root.Close()
	}
	cf.root, cf.f = root, New(root.FS(), cf.store, cf.logger)
	return cf.f.Sync(ctx)
}

// Watch applies the folder's changes until ctx ends, then stops the
// watcher. When the folder is
// replaced (renamed over, or deleted and created again), the new one is
// opened and reconciled with the index.
func (cf *Watched) Watch(ctx context.Context) {
	defer func() { _ = cf.root.Close() }() // the root of the folder watched last
	defer cf.w.Close()
	err := cf.w.Run(ctx, func(c corpus.Change) {
		if c.Replaced {
			cf.logger.Warn("corpus folder replaced by another folder: reconciling the index with the new one", "folder", cf.dir)
			indexed, removed, err := cf.sync(ctx)
			if err != nil {
				if ctx.Err() == nil {
					cf.logger.Error("corpus folder: reconciliation failed", "folder", cf.dir, "err", err)
				}
				return
			}
			cf.logger.Info("corpus folder reconciled", "folder", cf.dir, "indexed", indexed, "removed", removed)
			return
		}
		if err := cf.f.Changed(ctx, c.Path); err != nil && ctx.Err() == nil {
			cf.logger.Error("corpus folder: update failed", "path", c.Path, "err", err)
		}
	})
	if err != nil && ctx.Err() == nil {
		cf.logger.Error("corpus folder: watcher stopped", "err", err)
	}
}
