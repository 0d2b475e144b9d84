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

	"golang.org/x/net/netutil"

	"veille/alerts"
	"veille/analyzers"
	"veille/analyzers/money"
	"veille/api"
	"veille/corpus"
	"veille/index"
	"veille/web"
)

// serve runs the HTTP service until ctx is cancelled, then shuts down
// gracefully within cfg.ShutdownTimeout: stop accepting, have long bulks
// answer with what they stored, drain requests, stop the watcher, flush
// the writer, close the index. Past the timeout it returns anyway: every
// acknowledged write is on disk already.
func serve(ctx context.Context, cfg config, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	al, err := openAlerts(cfg, alerts.Options{AllowPrivateTargets: cfg.AllowPrivateTargets, Logger: logger})
	if err != nil {
		return err
	}
	idx, ext, err := openIndex(ctx, cfg, index.Options{OnCommit: al.Committed, OnHealth: func(err error) {
		if err != nil {
			logger.Error("data folder unavailable: reads and writes are refused until it is back", "folder", cfg.Data, "err", err)
		} else {
			logger.Info("data folder available again: serving", "folder", cfg.Data)
		}
	}})
	if err != nil {
		_ = al.Close()
		return err
	}
	// The corpus folder's watcher, then the index and the alerts (which
	// match the index's last batches), are stopped when serve
	// returns; on shutdown, within what is left of the timeout.
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	closeAll := func() <-chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			stopWatch()
			watchers.Wait()
			if err := idx.Close(); err != nil {
				logger.Error("close index", "err", err)
			}
			if err := al.Close(); err != nil {
				logger.Error("close alerts", "err", err)
			}
		}()
		return done
	}
	shuttingDown := false
	defer func() {
		if !shuttingDown {
			<-closeAll()
		}
	}()
	if err := al.Start(ctx, idx); err != nil {
		return err
	}

	var svc api.Service = idx
	demo := newDemoStore(idx, cfg.Data, logger)
	if cfg.Corpus == "" {
		svc = demo // the seed articles are the demo of a fresh data folder
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := api.New(svc, api.Options{
		AdminKey:     cfg.AdminKey,
		Logger:       logger,
		Countries:    ext.Countries(),
		UI:           web.FS(),
		AllowedHosts: cfg.AllowedHosts,
		Alerts:       al,
	})
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       api.MaxRequestTime,
		WriteTimeout:      api.MaxRequestTime,
		IdleTimeout:       30 * time.Second, // idle connections count against MaxConnections
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	httpSrv.RegisterOnShutdown(srv.Drain)
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(netutil.LimitListener(ln, cfg.MaxConnections)) }()
	logger.Info("veille listening", "url", "http://"+ln.Addr().String(), "data", cfg.Data, "max_connections", cfg.MaxConnections)
	if cfg.AdminKey == "" {
		logger.Warn("no admin key set: writes are accepted from loopback clients only (set --admin-key or VEILLE_ADMIN_KEY)")
	}

	// The start-up corpus is indexed while the server already answers
	// /healthz; /readyz turns 200 once it is done.
	started := time.Now()
	if cfg.Corpus == "" {
		if err := demo.start(ctx); err != nil {
			return fmt.Errorf("the demo articles: %w", err)
		}
	} else {
		cf, err := openCorpusFolder(ctx, cfg.Corpus, idx, logger)
		if err != nil {
			return err
		}
		logger.Info("corpus folder indexed", "folder", cfg.Corpus, "indexed", cf.indexed, "removed", cf.removed, "took", time.Since(started).Round(time.Millisecond))
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			cf.watch(watchCtx)
		}()
	}
	srv.SetReady(true)
	logger.Info("ready", "took", time.Since(started).Round(time.Millisecond))

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	srv.SetReady(false)
	shuttingDown = true
	deadline, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(deadline); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("http shutdown", "err", err)
	}
	select {
	case <-closeAll():
	case <-deadline.Done():
		logger.Error("shutdown timeout: exiting before the index closed (every acknowledged write is on disk)", "timeout", cfg.ShutdownTimeout)
	}
	return nil
}

// corpusFolder is the watched corpus folder: the index kept in step with
// it, through a new os.Root when the folder is replaced.
type corpusFolder struct {
	dir              string
	store            articleStore
	logger           *slog.Logger
	w                *corpus.Watcher
	root             *os.Root
	f                *folder
	indexed, removed int // by the start-up reconciliation
}

// openCorpusFolder starts watching dir and reconciles it with the index.
func openCorpusFolder(ctx context.Context, dir string, store articleStore, logger *slog.Logger) (*corpusFolder, error) {
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
	cf := &corpusFolder{dir: dir, store: store, logger: logger, w: w}
	if cf.indexed, cf.removed, err = cf.sync(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("index the corpus folder %s: %w", dir, err)
	}
	return cf, nil
}

// sync opens the folder at cf.dir (again) and reconciles it with the index.
func (cf *corpusFolder) sync(ctx context.Context) (indexed, removed int, err error) {
	// An os.Root makes the kernel refuse any path that escapes the
	// folder, symbolic links included.
	root, err := os.OpenRoot(cf.dir)
	if err != nil {
		return 0, 0, fmt.Errorf("corpus folder: %w", err)
	}
	if cf.root != nil {
		_ = cf.root.Close()
	}
	cf.root, cf.f = root, newFolder(root.FS(), cf.store, cf.logger)
	return cf.f.Sync(ctx)
}

// watch applies the folder's changes until ctx ends. When the folder is
// replaced (renamed over, or deleted and created again), the new one is
// opened and reconciled with the index.
func (cf *corpusFolder) watch(ctx context.Context) {
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
		return nil, fmt.Errorf("open data folder %s: alerts: %w", cfg.Data, err)
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
		rates, err := money.ParseRates(f)
		if err != nil {
			return nil, fmt.Errorf("rates %s: %w", cfg.Rates, err)
		}
		opts.Rates = money.DefaultRates().Merge(rates)
	}
	return analyzers.NewExtractor(opts)
}
