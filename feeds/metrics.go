package feeds

import (
	"github.com/prometheus/client_golang/prometheus"
)

// collector reports the sources' status to Prometheus at each scrape.
type collector struct {
	p                                                *Poller
	lastFetch, lastSuccess, nextPoll, failures, seen *prometheus.Desc
	polls, itemsNew, itemsUpdated                    *prometheus.Desc
	sources                                          *prometheus.Desc
}

// Collector returns the Prometheus collector of the sources: per source
// (label "source", its id) veille_feed_last_fetch_timestamp_seconds,
// veille_feed_last_success_timestamp_seconds,
// veille_feed_next_poll_timestamp_seconds, veille_feed_failures (in a
// row), veille_feed_items_seen (last poll), veille_feed_polls_total
// (label "result": ok, not_modified, error), veille_feed_items_new_total,
// veille_feed_items_updated_total; and veille_feed_sources.
func (p *Poller) Collector() prometheus.Collector {
	src := []string{"source"}
	return &collector{
		p:            p,
		lastFetch:    prometheus.NewDesc("veille_feed_last_fetch_timestamp_seconds", "When the source was last fetched (Unix time).", src, nil),
		lastSuccess:  prometheus.NewDesc("veille_feed_last_success_timestamp_seconds", "When the source was last fetched successfully (Unix time).", src, nil),
		nextPoll:     prometheus.NewDesc("veille_feed_next_poll_timestamp_seconds", "When the source is polled next (Unix time).", src, nil),
		failures:     prometheus.NewDesc("veille_feed_failures", "Polls of the source that failed in a row.", src, nil),
		seen:         prometheus.NewDesc("veille_feed_items_seen", "Items in the source's feed at its last successful poll.", src, nil),
		polls:        prometheus.NewDesc("veille_feed_polls_total", "Polls of the source by result.", []string{"source", "result"}, nil),
		itemsNew:     prometheus.NewDesc("veille_feed_items_new_total", "Articles made of the source's new items.", src, nil),
		itemsUpdated: prometheus.NewDesc("veille_feed_items_updated_total", "Articles updated from the source's changed items.", src, nil),
		sources:      prometheus.NewDesc("veille_feed_sources", "Sources followed.", nil, nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.lastFetch, c.lastSuccess, c.nextPoll, c.failures, c.seen, c.polls, c.itemsNew, c.itemsUpdated, c.sources} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	views := c.p.List()
	ch <- prometheus.MustNewConstMetric(c.sources, prometheus.GaugeValue, float64(len(views)))
	unix := func(v View, d *prometheus.Desc, t interface{ Unix() int64 }, zero bool) {
		if !zero {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(t.Unix()), v.ID)
		}
	}
	for _, v := range views {
		s := v.Status
		unix(v, c.lastFetch, s.LastFetch, s.LastFetch.IsZero())
		unix(v, c.lastSuccess, s.LastSuccess, s.LastSuccess.IsZero())
		unix(v, c.nextPoll, s.NextPoll, s.NextPoll.IsZero())
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(s.Failures), v.ID)
		ch <- prometheus.MustNewConstMetric(c.seen, prometheus.GaugeValue, float64(s.ItemsSeen), v.ID)
		ok := s.Polls - s.NotModified - s.Errors
		ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(ok), v.ID, "ok")
		ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(s.NotModified), v.ID, "not_modified")
		ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(s.Errors), v.ID, "error")
		ch <- prometheus.MustNewConstMetric(c.itemsNew, prometheus.CounterValue, float64(s.TotalNew), v.ID)
		ch <- prometheus.MustNewConstMetric(c.itemsUpdated, prometheus.CounterValue, float64(s.TotalUpdated), v.ID)
	}
}
