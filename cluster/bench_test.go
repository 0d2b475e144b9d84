package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"syscall"
	"testing"
	"time"

	"veille/api"
	"veille/cluster/natstest"
	"veille/index"
)

// Write latency of PUT /api/articles/{id} through the real router, one
// writer at a time, OrangeSum articles: a single node (local writer) and a
// cluster node (three in-process NATS servers with fsync on every write,
// one veille node). Reported: p50 and p99 in ms, and the process's CPU
// time per write (user+system, every server of the process included).
//
//	go test ./cluster -run '^$' -bench BenchmarkPut -benchtime 300x
func BenchmarkPut(b *testing.B) {
	arts := articleLines(b, 2000)
	b.Run("single", func(b *testing.B) {
		ext, err := extractor()
		if err != nil {
			b.Fatal(err)
		}
		idx, err := index.Open(context.Background(), b.TempDir(), index.Options{Enricher: ext})
		if err != nil {
			b.Fatal(err)
		}
		defer idx.Close()
		srv := httptest.NewServer(api.New(idx, api.Options{}).Handler())
		defer srv.Close()
		measurePuts(b, srv.URL, arts)
	})
	b.Run("cluster", func(b *testing.B) {
		nc := natstest.Start(b, 3, natstest.Options{})
		n := startBenchNode(b, nc, "a")
		measurePuts(b, n.URL, arts)
	})
}

// articleLines returns up to n OrangeSum articles as JSON bodies.
func articleLines(b testing.TB, n int) [][]byte {
	var out [][]byte
	for _, line := range bytes.Split(orangeSum(b, n), []byte("\n")) {
		var a map[string]any
		if len(line) == 0 || json.Unmarshal(line, &a) != nil {
			continue
		}
		delete(a, "id") // the path names the article
		body, _ := json.Marshal(a)
		out = append(out, body)
	}
	return out
}

// measurePuts PUTs b.N articles one after the other and reports latency
// percentiles and CPU time per write.
func measurePuts(b *testing.B, base string, arts [][]byte) {
	lat := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		body := arts[i%len(arts)]
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/articles/bench-%d", base, i), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			b.Fatalf("PUT %d: %d", i, resp.StatusCode)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(cpu)/float64(b.N), "cpu-ms/op")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchNode is a cluster node with its API, for benchmarks.
type benchNode struct{ URL string }

func startBenchNode(b *testing.B, nc *natstest.Cluster, name string) benchNode {
	b.Helper()
	n := startNode(b, baseConfig(nc.URLs(), name), b.TempDir())
	return benchNode{URL: n.http.URL}
}

// Replay: a new node applies a stream of OrangeSum articles written
// before it started (bulk through another node), from the first message
// to the last. Reported: messages per second and CPU time per message.
//
//	go test ./cluster -run '^$' -bench BenchmarkReplay -benchtime 1x
func BenchmarkReplay(b *testing.B) {
	lines := bytes.SplitAfter(bytes.TrimSpace(orangeSum(b, 10000)), []byte("\n"))
	nc := natstest.Start(b, 3, natstest.Options{})
	w := startNode(b, baseConfig(nc.URLs(), "writer"), b.TempDir())
	for start := 0; start < len(lines); start += 2000 {
		w.bulk(bytes.Join(lines[start:min(start+2000, len(lines))], nil)) // under the 10 MiB body limit
	}
	last := lastSeq(b, nc, "VEILLE_ARTICLES")
	w.stop() // the replaying node has the machine to itself
	b.ResetTimer()
	for i := range b.N {
		cpu0 := cpuTime()
		start := time.Now()
		n := startNode(b, baseConfig(nc.URLs(), fmt.Sprintf("replay-%d", i)), b.TempDir())
		for n.node.Status().AppliedSeq < last {
			time.Sleep(5 * time.Millisecond)
		}
		took := time.Since(start)
		cpu := cpuTime() - cpu0
		n.stop()
		b.ReportMetric(float64(last)/took.Seconds(), "msgs/s")
		b.ReportMetric(ms(cpu)/float64(last), "cpu-ms/msg")
		b.ReportMetric(float64(last), "msgs")
	}
}

// Bulk: NDJSON batches of 2,000 OrangeSum articles through POST
// /api/articles, on a single node and on a cluster node (three
// in-process NATS servers with fsync on every write). Reported: articles
// per second and CPU time per article.
//
//	go test ./cluster -run '^$' -bench BenchmarkBulk -benchtime 1x
func BenchmarkBulk(b *testing.B) {
	lines := bytes.SplitAfter(bytes.TrimSpace(orangeSum(b, 10000)), []byte("\n"))
	run := func(b *testing.B, base string) {
		for range b.N {
			cpu0 := cpuTime()
			start := time.Now()
			for i := 0; i < len(lines); i += 2000 {
				body := bytes.Join(lines[i:min(i+2000, len(lines))], nil)
				resp, err := http.Post(base+"/api/articles", "application/x-ndjson", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				var rep bulkResult
				if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || rep.Failed > 0 || resp.StatusCode != http.StatusOK {
					b.Fatalf("bulk: %d %v %+v", resp.StatusCode, err, rep.Failed)
				}
				resp.Body.Close()
			}
			took := time.Since(start)
			b.ReportMetric(float64(len(lines))/took.Seconds(), "articles/s")
			b.ReportMetric(ms(cpuTime()-cpu0)/float64(len(lines)), "cpu-ms/article")
		}
	}
	b.Run("single", func(b *testing.B) {
		ext, err := extractor()
		if err != nil {
			b.Fatal(err)
		}
		idx, err := index.Open(context.Background(), b.TempDir(), index.Options{Enricher: ext})
		if err != nil {
			b.Fatal(err)
		}
		defer idx.Close()
		srv := httptest.NewServer(api.New(idx, api.Options{}).Handler())
		defer srv.Close()
		run(b, srv.URL)
	})
	b.Run("cluster", func(b *testing.B) {
		nc := natstest.Start(b, 3, natstest.Options{})
		run(b, startBenchNode(b, nc, "a").URL)
	})
}

// FanOut: search latency through the API of one node holding every
// article, and of a node of a cluster of two and of four shards (one
// in-process NATS server; the nodes in this process), on 10,000 OrangeSum
// articles, the 300 benchmark queries in turn, one client. Reported: p50
// and p99 in ms, and the process's CPU time per search (every shard's
// work included).
//
//	go test ./cluster -run '^$' -bench BenchmarkFanOut -benchtime 600x
func BenchmarkFanOut(b *testing.B) {
	body := orangeSum(b, 10000)
	queries := benchQueries(b)
	measure := func(b *testing.B, base string) {
		lat := make([]time.Duration, 0, b.N)
		cpu0 := cpuTime()
		b.ResetTimer()
		for i := range b.N {
			start := time.Now()
			resp, err := http.Get(base + "/api/search?q=" + url.QueryEscape(queries[i%len(queries)]))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("search: %d", resp.StatusCode)
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		b.ReportMetric(ms(cpuTime()-cpu0)/float64(b.N), "cpu-ms/op")
	}
	b.Run("one-node", func(b *testing.B) {
		measure(b, httptestNode(b, singleIndex(b, body)).http.URL)
	})
	for _, layout := range []struct {
		name string
		sets []string
	}{{"2-shards", []string{"0-7", "8-15"}}, {"4-shards", []string{"0-3", "4-7", "8-11", "12-15"}}} {
		b.Run(layout.name, func(b *testing.B) {
			nc := natstest.Start(b, 1, natstest.Options{})
			nodes := shardedCluster(b, nc, layout.name, layout.sets, body)
			measure(b, nodes[0].http.URL)
		})
	}
}
