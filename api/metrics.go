package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the server's Prometheus instruments.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // method, route, status
	latency  *prometheus.HistogramVec // method, route, status
	ingest   *prometheus.HistogramVec // source
	rebuild  prometheus.Histogram
}

// routeUnmatched labels requests no route matched, so that random paths
// cannot blow up the label space.
const routeUnmatched = "unmatched"

func newMetrics(reg *prometheus.Registry, svc Service, version string) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "veille_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "veille_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
		ingest: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "veille_ingest_duration_seconds",
			Help:    "Time to store one article (extraction, indexing, durable commit), by source.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"source"}),
		rebuild: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "veille_rebuild_duration_seconds",
			Help:    "Time of full index rebuilds.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2.5, 12),
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "veille_build_info",
		Help:        "Always 1; the version label names the running build.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	reg.MustRegister(m.requests, m.latency, m.ingest, m.rebuild, build, newStatsCollector(svc))
	if c, ok := svc.(prometheus.Collector); ok {
		reg.MustRegister(c) // a cluster node's metrics
	}
	return m
}

// handler serves the registry in the Prometheus text format. Compression
// is left to the gzip middleware.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{DisableCompression: true})
}

// middleware records every request once its status is final (the request
// logger, further in, runs the error handler).
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		status := c.Response().Status
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			if route == "" || route == "/*" {
				route = routeUnmatched
			}
		}
		if route == "" {
			route = routeUnmatched
		}
		labels := []string{c.Request().Method, route, strconv.Itoa(status)}
		if !knownMethod(labels[0]) {
			labels[0] = "OTHER"
		}
		m.requests.WithLabelValues(labels...).Inc()
		m.latency.WithLabelValues(labels...).Observe(time.Since(start).Seconds())
		return err
	}
}

func knownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// statsCollector exports the index's size and article counts at scrape time.
type statsCollector struct {
	svc                                      Service
	articles, langs, size, rebuild, last, up *prometheus.Desc
}

func newStatsCollector(svc Service) *statsCollector {
	return &statsCollector{
		svc:      svc,
		articles: prometheus.NewDesc("veille_index_articles", "Articles in the index.", nil, nil),
		langs:    prometheus.NewDesc("veille_index_articles_by_language", "Articles in the index by language.", []string{"language"}, nil),
		size:     prometheus.NewDesc("veille_index_size_bytes", "Size of the index on disk.", nil, nil),
		rebuild:  prometheus.NewDesc("veille_index_reindexing", "1 while a rebuild runs.", nil, nil),
		last:     prometheus.NewDesc("veille_index_last_ingest_timestamp_seconds", "Unix time of the last ingest.", nil, nil),
		up:       prometheus.NewDesc("veille_index_stats_up", "1 when the index answered its stats at scrape time.", nil, nil),
	}
}

func (sc *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sc.articles, sc.langs, sc.size, sc.rebuild, sc.last, sc.up} {
		ch <- d
	}
}

func (sc *statsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := sc.svc.Stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(sc.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(sc.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(sc.articles, prometheus.GaugeValue, float64(st.Articles))
	for lang, n := range st.Languages {
		ch <- prometheus.MustNewConstMetric(sc.langs, prometheus.GaugeValue, float64(n), lang)
	}
	ch <- prometheus.MustNewConstMetric(sc.size, prometheus.GaugeValue, float64(st.SizeBytes))
	reindexing := 0.0
	if st.Reindexing {
		reindexing = 1
	}
	ch <- prometheus.MustNewConstMetric(sc.rebuild, prometheus.GaugeValue, reindexing)
	if !st.LastIngest.IsZero() {
		ch <- prometheus.MustNewConstMetric(sc.last, prometheus.GaugeValue, float64(st.LastIngest.UnixNano())/1e9)
	}
}
