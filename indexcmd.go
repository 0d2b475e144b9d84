package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"veille/alerts"
	"veille/corpus"
	"veille/index"
)

// indexPaths indexes the files and folders of cfg.Paths into the data
// folder, with a progress bar on a terminal: its fill and ETA go by the
// bytes read, its figures are articles indexed and articles per second.
// Bad files and articles are reported and skipped; the command fails only
// when nothing could be indexed or the index cannot be written.
func indexPaths(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	files, total, err := listInputs(cfg.Paths)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no supported file (.txt, .md, .html, .htm, .json, .ndjson, .jsonl, optionally .gz) in %v", cfg.Paths)
	}
	// Saved searches are matched here too; the server delivers them.
	al, err := openAlerts(cfg, alerts.Options{NoDeliveries: true})
	if err != nil {
		return err
	}
	defer al.Close()
	idx, _, err := openIndex(ctx, cfg, index.Options{OnCommit: al.Committed})
	if err != nil {
		return err
	}
	if err := al.Start(ctx, idx); err != nil {
		_ = idx.Close()
		return err
	}

	bar := newProgressBar(total, stderr, isTerminal(stderr))
	started := time.Now()
	var stored, created, bad int
	for _, f := range files {
		dir, name := filepath.Split(f.path)
		if dir == "" {
			dir = "."
		}
		var scanErr error
		seq := func(yield func(index.Item, error) bool) {
			scanErr = corpus.ScanFile(countingFS{os.DirFS(dir), bar}, name, func(a corpus.Article, err error) error {
				if !yield(index.Item{Article: a}, err) {
					return errStopScan
				}
				return nil
			})
		}
		_, err := idx.PutAll(ctx, seq, func(_ int, r index.PutResult) {
			switch {
			case r.Err == nil:
				stored++
				if r.Created {
					created++
				}
				if stored%1000 == 0 {
					bar.Describe(progressText(stored, time.Since(started)))
				}
			case errors.Is(r.Err, index.ErrInvalidArticle):
				bad++
				fmt.Fprintf(stderr, "\nskipped %s: %v\n", r.Article.ID, r.Err)
			case ctx.Err() == nil && !errors.Is(r.Err, index.ErrReadOnly) && !errors.Is(r.Err, index.ErrClosed) && !errors.Is(r.Err, index.ErrUnavailable):
				bad++ // a line or an article of f the scan refused
				fmt.Fprintf(stderr, "\nskipped in %s: %v\n", f.path, r.Err)
			}
		})
		if err != nil { // the index or ctx
			_ = idx.Close()
			return fmt.Errorf("index %s: %w", f.path, err)
		}
		if scanErr != nil && !errors.Is(scanErr, errStopScan) {
			bad++
			fmt.Fprintf(stderr, "\nskipped %s: %v\n", f.path, scanErr)
		}
		bar.Describe(progressText(stored, time.Since(started)))
	}
	_ = bar.Finish()
	if err := idx.Close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	took := time.Since(started)
	fmt.Fprintf(stdout, "indexed %d articles (%d new) from %d files in %s (%.0f articles/s); %d skipped\n",
		stored, created, len(files), took.Round(time.Millisecond), float64(stored)/took.Seconds(), bad)
	if stored == 0 && bad > 0 {
		return errors.New("no article could be indexed")
	}
	return nil
}

type inputFile struct {
	path string
	size int64
}

// errStopScan ends a file's scan when PutAll stops reading.
var errStopScan = errors.New("stopped")

// listInputs expands folders into their supported files (the rule of
// corpus.Files, the watched folder's too: hidden and temporary names
// skipped, symbolic links not followed) and sums their sizes for the
// progress bar.
func listInputs(paths []string) ([]inputFile, int64, error) {
	var files []inputFile
	var total int64
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, 0, err
		}
		if !info.IsDir() {
			if !corpus.Supported(p) {
				return nil, 0, fmt.Errorf("%s: %w", p, corpus.ErrUnsupportedFormat)
			}
			files = append(files, inputFile{p, info.Size()})
			total += info.Size()
			continue
		}
		names, err := corpus.Files(os.DirFS(p))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", p, err)
		}
		for _, n := range names {
			fp := filepath.Join(p, filepath.FromSlash(n))
			if fi, err := os.Lstat(fp); err == nil {
				files = append(files, inputFile{fp, fi.Size()})
				total += fi.Size()
			}
		}
	}
	return files, total, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgressBar draws on w when visible. It advances by bytes read (for
// its fill and its ETA) and shows no rate of its own: the description,
// progressText, gives articles and articles per second.
func newProgressBar(total int64, w io.Writer, visible bool) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(visible),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetDescription(progressText(0, 0)),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}

// progressText is the bar's description after stored articles in elapsed.
func progressText(stored int, elapsed time.Duration) string {
	if elapsed <= 0 {
		return fmt.Sprintf("%d articles", stored)
	}
	return fmt.Sprintf("%d articles, %.0f articles/s", stored, float64(stored)/elapsed.Seconds())
}

// countingFS advances the progress bar as files are read.
type countingFS struct {
	fs.FS
	bar *progressbar.ProgressBar
}

func (c countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return countingFile{f, c.bar}, nil
}

type countingFile struct {
	fs.File
	bar *progressbar.ProgressBar
}

func (c countingFile) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	_ = c.bar.Add(n)
	return n, err
}
