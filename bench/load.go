package main

import (
	"context"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// pageFunc runs one results page for query q on behalf of client worker.
type pageFunc func(ctx context.Context, worker int, q string) error

// loadResult is what a timed query run measured.
type loadResult struct {
	Clients   int
	Requests  int // completed without error
	Errors    int
	FirstErr  string
	Elapsed   time.Duration
	QPS       float64
	P50, P90  time.Duration
	P99, Max  time.Duration
	Mean      time.Duration
	CPU       time.Duration // CPU time the system under test spent during the run
	Other     float64       // mean cores used by other processes during the run
	LoadAvg   float64       // 1-minute load average at the end of the run
	Latencies []time.Duration
}

// drive sends the queries round-robin from clients concurrent clients for
// dur, each client waiting for its page before sending the next.
func drive(ctx context.Context, clients int, dur time.Duration, queries []string, page pageFunc) loadResult {
	if clients < 1 {
		clients = 1
	}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr string
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(dur)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			nerr := 0
			var ferr string
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := next.Add(1) - 1
				q := queries[int(i%int64(len(queries)))]
				t0 := time.Now()
				// The page runs under the caller's context, not the
				// run's deadline: a page that started is always finished.
				err := page(ctx, w, q)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					nerr++
					if ferr == "" {
						ferr = q + ": " + err.Error()
					}
					continue
				}
				lat = append(lat, d)
			}
			mu.Lock()
			all = append(all, lat...)
			errs += nerr
			if firstErr == "" {
				firstErr = ferr
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	r := loadResult{Clients: clients, Requests: len(all), Errors: errs, FirstErr: firstErr, Elapsed: time.Since(start), Latencies: all}
	r.summarize()
	return r
}

// summarize fills the throughput and latency figures from Latencies.
func (r *loadResult) summarize() {
	if r.Elapsed > 0 {
		r.QPS = float64(r.Requests) / r.Elapsed.Seconds()
	}
	if len(r.Latencies) == 0 {
		return
	}
	s := append([]time.Duration(nil), r.Latencies...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	r.P50, r.P90, r.P99 = percentile(s, 50), percentile(s, 90), percentile(s, 99)
	r.Max = s[len(s)-1]
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	r.Mean = sum / time.Duration(len(s))
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}
