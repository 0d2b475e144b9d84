package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"veille/alerts"
	"veille/analyzers"
	"veille/api"
	"veille/corpus"
	"veille/index"
	"veille/web"
)

// serve runs the HTTP service until ctx is cancelled, then shuts down
// gracefully: stop accepting, drain requests, flush the writer, close the index.
func serve(ctx context.Context, cfg config, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	al, err := openAlerts(cfg, alerts.Options{AllowPrivateTargets: cfg.AllowPrivateTargets, Logger: logger})
	if err != nil {
		return err
	}
	defer func() { // after the index: its last batches are matched
		if err := al.Close(); err != nil {
			logger.Error("close alerts", "err", err)
		}
	}()
	idx, ext, err := openIndex(ctx, cfg, index.Options{OnCommit: al.Committed})
	if err != nil {
		return err
	}
	defer func() {
		if err := idx.Close(); err != nil {
			logger.Error("close index", "err", err)
		}
	}()
	if err := al.Start(ctx, idx); err != nil {
		return err
	}

	srv := api.New(idx, api.Options{
		AdminKey:  cfg.AdminKey,
		Logger:    logger,
		Countries: ext.Countries(),
		UI:        web.FS(),
		Alerts:    al,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	httpSrv.RegisterOnShutdown(srv.CloseStreams)
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	logger.Info("veille listening", "url", "http://"+ln.Addr().String(), "data", cfg.Data)
	if cfg.AdminKey == "" {
		logger.Warn("no admin key set: writes are accepted from loopback clients only (set --admin-key or VEILLE_ADMIN_KEY)")
	}

	// The start-up corpus is indexed while the server already answers
	// /healthz; /readyz turns 200 once it is done.
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	defer func() { stopWatch(); watchers.Wait() }()
	started := time.Now()
	if cfg.Corpus == "" {
		f := newFolder(corpus.Seeds(), idx, logger)
		n, removed, err := f.Sync(ctx)
		if err != nil {
			return fmt.Errorf("index the seed corpus: %w", err)
		}
		logger.Info("seed corpus indexed", "indexed", n, "removed", removed, "took", time.Since(started).Round(time.Millisecond))
	} else {
		if err := os.MkdirAll(cfg.Corpus, 0o755); err != nil {
			return fmt.Errorf("corpus folder: %w", err)
		}
		// Watch first, then reconcile: a file that changes during the
		// initial pass is seen by one or the other.
		w, err := corpus.NewWatcher(cfg.Corpus, corpus.WatchOptions{
			OnError: func(err error) { logger.Warn("corpus folder: watch", "err", err) },
		})
		if err != nil {
			return fmt.Errorf("watch the corpus folder %s: %w", cfg.Corpus, err)
		}
		// An os.Root makes the kernel refuse any path that escapes the
		// folder, symbolic links included.
		root, err := os.OpenRoot(cfg.Corpus)
		if err != nil {
			w.Close()
			return fmt.Errorf("corpus folder: %w", err)
		}
		defer root.Close()
		f := newFolder(root.FS(), idx, logger)
		n, removed, err := f.Sync(ctx)
		if err != nil {
			w.Close()
			return fmt.Errorf("index the corpus folder %s: %w", cfg.Corpus, err)
		}
		logger.Info("corpus folder indexed", "folder", cfg.Corpus, "indexed", n, "removed", removed, "took", time.Since(started).Round(time.Millisecond))
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			defer w.Close()
			err := w.Run(watchCtx, func(c corpus.Change) {
				if err := f.Changed(watchCtx, c.Path); err != nil && watchCtx.Err() == nil {
					logger.Error("corpus folder: update failed", "path", c.Path, "err", err)
				}
			})
			if err != nil && watchCtx.Err() == nil {
				logger.Error("corpus folder: watcher stopped", "err", err)
			}
		}()
	}
	srv.SetReady(true)
	logger.Info("ready", "took", time.Since(started).Round(time.Millisecond))

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	}
	logger.Info("shutting down")
	srv.SetReady(false)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("http shutdown", "err", err)
	}
	return nil
}

// openIndex opens the data folder with the configured extraction
// pipeline (opts.Enricher is set to it), which it also returns.
func openIndex(ctx context.Context, cfg config, opts index.Options) (*index.Index, *analyzers.Extractor, error) {
	ext, err := newExtractor(cfg)
	if err != nil {
		return nil, nil, err
	}
	opts.Enricher = ext
	idx, err := index.Open(ctx, cfg.Data, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("open data folder %s: %w", cfg.Data, err)
	}
	return idx, ext, nil
}

// openAlerts reads the saved searches of the data folder (alerts/); the
// caller hands Committed to the index and starts the service once the
// index is open.
func openAlerts(cfg config, opts alerts.Options) (*alerts.Service, error) {
	al, err := alerts.Open(filepath.Join(cfg.Data, "alerts"), opts)
	if err != nil {
		return nil, fmt.Errorf("alerts of %s: %w", cfg.Data, err)
	}
	return al, nil
}

// newExtractor builds the extraction pipeline with the configured
// gazetteer and rate table.
func newExtractor(cfg config) (*analyzers.Extractor, error) {
	var opts analyzers.ExtractorOptions
	if cfg.Gazetteer != "" {
		f, err := os.Open(cfg.Gazetteer)
		if err != nil {
			return nil, fmt.Errorf("gazetteer: %w", err)
		}
		defer f.Close()
		opts.Gazetteer = f
	}
	if cfg.Rates != "" {
		f, err := os.Open(cfg.Rates)
		if err != nil {
			return nil, fmt.Errorf("rates: %w", err)
		}
		defer f.Close()
		rates, err := analyzers.ParseRates(f)
		if err != nil {
			return nil, fmt.Errorf("rates %s: %w", cfg.Rates, err)
		}
		opts.Rates = analyzers.DefaultRates().Merge(rates)
	}
	return analyzers.NewExtractor(opts)
}
