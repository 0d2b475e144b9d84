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

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/net/netutil"

	"veille/alerts"
	"veille/analyzers"
	"veille/analyzers/money"
	"veille/api"
	"veille/cluster"
	"veille/corpus/folder"
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
	idxOpts := index.Options{OnCommit: al.Committed, OnHealth: func(err error) {
		if err != nil {
			logger.Error("data folder unavailable: reads and writes are refused until it is back", "folder", cfg.Data, "err", err)
		} else {
			logger.Info("data folder available again: serving", "folder", cfg.Data)
		}
	}}
	// In a cluster the node joins first: the index signs cursors with the
	// cluster's key.
	var node *cluster.Node
	if cfg.NATS != "" {
		owned, err := cluster.ParsePartitions(cfg.Partitions)
		if err != nil {
			_ = al.Close()
			return fmt.Errorf("%w: --partitions: %v", errUsage, err)
		}
		node, err = cluster.Connect(ctx, cluster.Config{
			URLs: cluster.ParseURLs(cfg.NATS), Node: cfg.Node, MonitorURLs: cluster.ParseURLs(cfg.NATSMonitor),
			Owned: owned, Logger: logger,
		})
		if err != nil {
			_ = al.Close()
			return err
		}
		idxOpts.CursorKey = node.CursorKey()
	}
	idx, ext, err := openIndex(ctx, cfg, idxOpts)
	if err != nil {
		if node != nil {
			_ = node.Close()
		}
		_ = al.Close()
		return err
	}
	// The alerts match every batch from the first one the node applies.
	if err := al.Start(ctx, idx); err != nil {
		if node != nil {
			_ = node.Close()
		}
		_ = idx.Close()
		_ = al.Close()
		return err
	}
	var (
		svc        api.Service  = idx
		folderSink folder.Store = idx
	)
	if node != nil {
		if err := node.Start(idx); err != nil {
			_ = node.Close()
			_ = idx.Close()
			_ = al.Close()
			return err
		}
		svc = node
		// Each node's folder manages its own articles.
		folderSink = node.Scoped(node.Name())
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
			if node != nil {
				_ = node.Close() // stops applying the stream before the index closes
			}
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

	// The seed articles are the demo of a single node's fresh data folder.
	var demo *demoStore
	if cfg.Corpus == "" && node == nil {
		demo = newDemoStore(idx, cfg.Data, logger)
		svc = demo
	}
	poller, err := openFeeds(cfg, svc, logger)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), poller.Collector())

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
		Sources:      poller,
		Registry:     reg,
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
	if node != nil {
		// The folder compares itself with what the index holds: wait until
		// the index holds what the stream does.
		if err := node.WaitCaughtUp(ctx); err != nil {
			return fmt.Errorf("catch up with the cluster's stream: %w", err)
		}
		logger.Info("caught up with the cluster", "applied_seq", node.Status().AppliedSeq, "took", time.Since(started).Round(time.Millisecond))
	}
	if demo != nil {
		if err := demo.start(ctx); err != nil {
			return fmt.Errorf("the demo articles: %w", err)
		}
	} else if cfg.Corpus != "" {
		cf, err := folder.Open(ctx, cfg.Corpus, folderSink, logger)
		if err != nil {
			return err
		}
		logger.Info("corpus folder indexed", "folder", cfg.Corpus, "indexed", cf.Indexed, "removed", cf.Removed, "took", time.Since(started).Round(time.Millisecond))
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			cf.Watch(watchCtx)
		}()
	}
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		_ = poller.Run(watchCtx) // returns when the service stops
	}()
	if n := len(poller.List()); n > 0 {
		logger.Info("following feeds", "sources", n, "private_targets", cfg.AllowPrivateTargets)
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
