package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// system is a search engine under test: the veille service or the
// PostgreSQL peer. Methods are called in the order runSystem uses.
type system interface {
	// Name is the system's name in reports; Version says which build ran.
	Name() string
	Version() string
	// Start starts the system on an empty store and returns the time until
	// it answered as ready.
	Start(ctx context.Context) (time.Duration, error)
	// Ingest loads the prepared corpus and returns once every article is
	// searchable.
	Ingest(ctx context.Context, p *prepared) (ingestResult, error)
	// Connect opens the clients the query run uses.
	Connect(ctx context.Context, clients int) error
	// Total runs one results page and returns its number of matches.
	Total(ctx context.Context, q string) (uint64, error)
	// Page runs one full results page for client worker.
	Page(ctx context.Context, worker int, q string) error
	// CPU is the CPU time the system's processes have used so far.
	CPU() time.Duration
	// Memory returns the peak and current resident memory of the system,
	// and how they were measured.
	Memory() (peak, now int64, how string)
	// IndexSize is the on-disk size of what the system keeps for search.
	IndexSize(ctx context.Context) (int64, string, error)
	// Restart stops the system the way an operator does and starts it on
	// the same data, returning the stop time and the time until ready
	// again. ok is false when the system cannot be restarted (an external
	// PostgreSQL).
	Restart(ctx context.Context) (stop, ready time.Duration, ok bool, err error)
	// Count returns the number of searchable articles.
	Count(ctx context.Context) (uint64, error)
	// Close stops the system and removes its temporary files.
	Close() error
}

// ingestResult is what loading a corpus measured.
type ingestResult struct {
	Articles int           // articles the system holds
	Failed   int           // articles it refused
	FirstErr string        // why the first refusal
	Took     time.Duration // from the first byte sent to all articles searchable
}

// sysResult is everything measured on one system for one corpus.
type sysResult struct {
	Name, Version string
	LoadBefore    float64 // 1-minute load average when the system started

	FirstStart time.Duration // start on an empty store to ready
	Ingest     ingestResult
	IngestRate float64 // articles per second
	IngestCPU  time.Duration
	// IngestOther is the mean number of cores other processes (neither
	// the system nor the bench) used during the ingest.
	IngestOther float64
	RSSIngest   int64 // resident memory right after the ingest

	MeanHits  float64 // mean number of matches per query (warm-up pass)
	ZeroHits  int     // queries without any match
	WarmupErr string

	Load loadResult

	PeakRSS, EndRSS int64
	MemHow          string
	IndexSize       int64
	IndexHow        string

	Stop, Ready time.Duration // restart on the existing store
	Restarted   bool
	CountAfter  uint64 // articles searchable after the restart
}

// runOptions are the knobs of one measured run.
type runOptions struct {
	Clients  int
	Duration time.Duration
	Warmup   bool // one untimed pass over every query before the timed run
	Log      *slog.Logger
	// After, when set, runs once everything is measured, before the
	// system stops (untimed): the export of veille's extraction for the
	// Sphinx peer.
	After func(ctx context.Context, sys system) error
}

// runSystem measures sys on the prepared corpus: fresh start, ingest until
// searchable, a warm-up pass, the timed query run, memory and size, and a
// restart on the existing data.
func runSystem(ctx context.Context, sys system, p *prepared, queries []string, o runOptions) (res sysResult, err error) {
	res.Name, res.Version = sys.Name(), sys.Version()
	log := o.Log.With("system", sys.Name())
	defer func() {
		if cerr := sys.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("%s: close: %w", sys.Name(), cerr)
		}
	}()

	res.LoadBefore = loadAvg()
	log.Info("starting on an empty store", "load", res.LoadBefore)
	if res.FirstStart, err = sys.Start(ctx); err != nil {
		return res, fmt.Errorf("%s: start: %w", sys.Name(), err)
	}
	res.Version = sys.Version()

	log.Info("ingesting", "articles", p.Stats.Articles)
	w := startWatch(sys)
	if res.Ingest, err = sys.Ingest(ctx, p); err != nil {
		return res, fmt.Errorf("%s: ingest: %w", sys.Name(), err)
	}
	res.IngestCPU, res.IngestOther = w.stop()
	res.IngestRate = float64(res.Ingest.Articles) / res.Ingest.Took.Seconds()
	_, res.RSSIngest, _ = sys.Memory()
	log.Info("ingested", "articles", res.Ingest.Articles, "failed", res.Ingest.Failed,
		"took", res.Ingest.Took.Round(time.Millisecond), "per_s", int(res.IngestRate))

	if err := sys.Connect(ctx, o.Clients); err != nil {
		return res, fmt.Errorf("%s: connect: %w", sys.Name(), err)
	}
	if o.Warmup {
		var sum uint64
		n := 0
		for _, q := range queries {
			t, err := sys.Total(ctx, q)
			if err != nil {
				if res.WarmupErr == "" {
					res.WarmupErr = q + ": " + err.Error()
				}
				continue
			}
			n++
			sum += t
			if t == 0 {
				res.ZeroHits++
			}
		}
		if n > 0 {
			res.MeanHits = float64(sum) / float64(n)
		}
		log.Info("warm-up pass done", "queries", n, "mean_hits", int(res.MeanHits))
	}

	log.Info("query run", "clients", o.Clients, "duration", o.Duration)
	w = startWatch(sys)
	res.Load = drive(ctx, o.Clients, o.Duration, queries, sys.Page)
	res.Load.CPU, res.Load.Other = w.stop()
	res.Load.LoadAvg = loadAvg()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	log.Info("query run done", "pages", res.Load.Requests, "errors", res.Load.Errors,
		"qps", int(res.Load.QPS), "p50", res.Load.P50, "p99", res.Load.P99)

	res.PeakRSS, res.EndRSS, res.MemHow = sys.Memory()
	if res.IndexSize, res.IndexHow, err = sys.IndexSize(ctx); err != nil {
		return res, fmt.Errorf("%s: index size: %w", sys.Name(), err)
	}

	log.Info("restarting on the existing data")
	res.Stop, res.Ready, res.Restarted, err = sys.Restart(ctx)
	if err != nil {
		return res, fmt.Errorf("%s: restart: %w", sys.Name(), err)
	}
	if res.Restarted {
		if res.CountAfter, err = sys.Count(ctx); err != nil {
			return res, fmt.Errorf("%s: count after restart: %w", sys.Name(), err)
		}
		log.Info("restarted", "stop", res.Stop.Round(time.Millisecond), "ready", res.Ready.Round(time.Millisecond), "articles", res.CountAfter)
	}
	if o.After != nil {
		if err := o.After(ctx, sys); err != nil {
			return res, fmt.Errorf("%s: %w", sys.Name(), err)
		}
	}
	return res, nil
}

// watch measures a phase's CPU: the system's own, and the mean number of
// cores that other processes of the machine (not the system, not the
// bench) used meanwhile, which says how disturbed the figures are.
type watch struct {
	sys               system
	start             time.Time
	sysCPU, self, all time.Duration
}

func startWatch(sys system) watch {
	return watch{sys: sys, start: time.Now(), sysCPU: sys.CPU(), self: selfCPU(), all: machineBusy()}
}

func (w watch) stop() (sysCPU time.Duration, otherCores float64) {
	sysCPU = w.sys.CPU() - w.sysCPU
	other := machineBusy() - w.all - sysCPU - (selfCPU() - w.self)
	if el := time.Since(w.start); el > 0 && other > 0 {
		otherCores = other.Seconds() / el.Seconds()
	}
	return sysCPU, otherCores
}
