package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"veille/feeds"
)

// feedsFolder is the data folder's subfolder of the feed sources.
const feedsFolder = "feeds"

// openFeeds opens the feed poller of the data folder, its articles stored
// into sink, with the sources of cfg.Sources merged in.
func openFeeds(cfg config, sink feeds.Sink, logger *slog.Logger) (*feeds.Poller, error) {
	p, err := feeds.Open(feeds.Options{
		Dir:     filepath.Join(cfg.Data, feedsFolder),
		Fetcher: feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: cfg.AllowPrivateTargets}),
		Sink:    sink,
		Logger:  logger,
	})
	if err != nil {
		return nil, err
	}
	var listed []feeds.Source
	if cfg.Sources != "" {
		f, err := os.Open(cfg.Sources)
		if err != nil {
			return nil, fmt.Errorf("sources file: %w", err)
		}
		defer f.Close()
		if listed, err = feeds.ReadSourcesFile(f); err != nil {
			return nil, fmt.Errorf("sources file %s: %w", cfg.Sources, err)
		}
	}
	if err := p.MergeFile(listed); err != nil {
		return nil, err
	}
	return p, nil
}
