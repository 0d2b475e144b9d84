package main

// The seed articles as the demo of a fresh data folder: indexed once into
// a data folder that holds nothing, gone once the folder holds articles
// of its own, never back after their deletion.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"veille/corpus"
	"veille/index"
)

// demoFile, in the data folder, lists the ids of the demo articles it was
// given, one a line; its presence says the demo was given once.
const demoFile = "demo"

// demoStore is the index the API writes to when the service runs without
// a corpus folder: the first write of an article of the user's own
// removes the demo articles, which would otherwise top "newest first"
// above them.
type demoStore struct {
	*index.Index
	dir    string
	logger *slog.Logger

	mu  sync.Mutex
	ids []string // demo articles that may still be in the index
}

func newDemoStore(idx *index.Index, dataDir string, logger *slog.Logger) *demoStore {
	return &demoStore{Index: idx, dir: dataDir, logger: logger}
}

// start gives the demo to a fresh data folder, or removes what is left of
// it when the folder holds articles of its own.
func (d *demoStore) start(ctx context.Context) error {
	data, err := os.ReadFile(filepath.Join(d.dir, demoFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st, err := d.Stats(ctx)
		if err != nil {
			return err
		}
		if st.Articles == 0 {
			return d.seed(ctx)
		}
		// A folder in use: no demo, ever. Seed articles it holds from the
		// versions that gave them to every folder are the demo.
		old, err := d.oldDemo(ctx)
		if err != nil {
			return err
		}
		if err := d.record(old); err != nil {
			return err
		}
		if st.Articles > uint64(len(old)) {
			return d.removeDemo(ctx)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read %s: %w", demoFile, err)
	}
	d.mu.Lock()
	d.ids = strings.Fields(string(data))
	d.mu.Unlock()
	st, err := d.Stats(ctx)
	if err != nil {
		return err
	}
	present := 0
	for _, id := range d.ids {
		if _, err := d.Get(ctx, id); err == nil {
			present++
		}
	}
	if st.Articles > uint64(present) {
		return d.removeDemo(ctx)
	}
	return nil
}

// oldDemo returns the ids of the seed articles the index holds as the
// seed corpus gave them (from the file of their name).
func (d *demoStore) oldDemo(ctx context.Context) ([]string, error) {
	names, err := corpus.Files(corpus.Seeds())
	if err != nil {
		return nil, err
	}
	origins, err := d.Origins(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, name := range names {
		id := strings.TrimSuffix(name, filepath.Ext(name))
		if o, ok := origins[id]; ok && o.Path == name {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// seed indexes the seed articles and records their ids.
func (d *demoStore) seed(ctx context.Context) error {
	arts, err := corpus.SeedArticles()
	if err != nil {
		return err
	}
	var ids []string
	var bad error
	_, err = d.Index.PutAll(ctx, func(yield func(index.Item, error) bool) {
		for _, a := range arts {
			if !yield(index.Item{Article: a}, nil) {
				return
			}
		}
	}, func(pos int, r index.PutResult) {
		if r.Err != nil && bad == nil {
			bad = fmt.Errorf("seed %s: %w", arts[pos].ID, r.Err)
		}
		if r.Err == nil {
			ids = append(ids, arts[pos].ID)
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return err
	}
	if err := d.record(ids); err != nil {
		return err
	}
	d.logger.Info("demo articles indexed into the fresh data folder; they leave once it holds articles of its own", "articles", len(ids))
	return nil
}

// record writes the demo file (ids, or nothing when the demo is over).
func (d *demoStore) record(ids []string) error {
	d.mu.Lock()
	d.ids = ids
	d.mu.Unlock()
	data := strings.Join(ids, "\n")
	if data != "" {
		data += "\n"
	}
	if err := os.WriteFile(filepath.Join(d.dir, demoFile), []byte(data), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", demoFile, err)
	}
	return nil
}

// removeDemo deletes the demo articles left.
func (d *demoStore) removeDemo(ctx context.Context) error {
	d.mu.Lock()
	ids := d.ids
	d.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		if err := d.Index.Delete(ctx, id); err != nil && !errors.Is(err, index.ErrNotFound) {
			return err
		}
	}
	d.logger.Info("demo articles removed: the data folder holds articles of its own", "articles", len(ids))
	return d.record(nil)
}

// own reports whether id is an article of the user's (not of the demo)
// while demo articles may be left.
func (d *demoStore) own(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.ids) > 0 && !slices.Contains(d.ids, id)
}

// Put stores a, and removes the demo when a is the user's first article.
func (d *demoStore) Put(ctx context.Context, a corpus.Article, o index.Origin) (bool, corpus.Article, error) {
	created, stored, err := d.Index.Put(ctx, a, o)
	if err == nil && d.own(a.ID) {
		if rerr := d.removeDemo(ctx); rerr != nil {
			d.logger.Warn("remove the demo articles", "err", rerr)
		}
	}
	return created, stored, err
}

// PutAll stores what seq yields (index.Index.PutAll), and removes the
// demo when one of the articles stored is the user's.
func (d *demoStore) PutAll(ctx context.Context, seq iter.Seq2[index.Item, error], report func(pos int, r index.PutResult)) (index.PutStats, error) {
	mine := false
	stats, err := d.Index.PutAll(ctx, seq, func(pos int, r index.PutResult) {
		if r.Err == nil && !mine && d.own(r.Article.ID) {
			mine = true
		}
		if report != nil {
			report(pos, r)
		}
	})
	if mine {
		if rerr := d.removeDemo(ctx); rerr != nil {
			d.logger.Warn("remove the demo articles", "err", rerr)
		}
	}
	return stats, err
}
