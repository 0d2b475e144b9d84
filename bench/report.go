package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// report is a whole bench run: the machine, the command, and one step per
// corpus size.
type report struct {
	Command   string
	Started   time.Time
	Machine   machine
	Corpus    []string
	Queries   int
	QueryFile string
	Clients   int
	Duration  time.Duration
	Warmup    bool
	Steps     []step
}

type machine struct {
	CPUs      int
	MemBytes  int64
	OS        string
	Go        string
	LoadStart float64
	LoadEnd   float64
}

// step is one corpus size measured on veille and, when enabled, PostgreSQL.
type step struct {
	Limit  int
	Corpus corpusStats
	Veille *sysResult
	PG     *sysResult
}

// floors of issue 6, checked on every side-by-side table.
const (
	floorIngest  = 1.5       // veille ingest rate ≥ 1.5× PostgreSQL's
	floorQPS     = 5.0       // veille throughput ≥ 5× PostgreSQL's
	floorP99     = 1.0 / 3.0 // veille p99 ≤ a third of PostgreSQL's
	floorRSS     = 400e6     // veille peak RSS ≤ 400 MB (10^6 bytes, as printed)
	floorStartup = time.Second
	floorP99Abs  = 50 * time.Millisecond // p99 of a results page at scale
)

// row is one line of a table.
type row []string

// sideBySide renders the comparison of one step.
func sideBySide(s step) (header row, rows []row) {
	v, p := s.Veille, s.PG
	pgName := "PostgreSQL"
	if f := strings.Fields(p.Version); len(f) > 0 {
		pgName += " " + f[0]
	}
	header = row{"", "veille", pgName, "veille ÷ PG", "floor (issue 6)"}
	ratio := func(a, b float64) string {
		if b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT MET"
	}
	dms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	rows = []row{
		{"articles loaded", fmt.Sprint(v.Ingest.Articles), fmt.Sprint(p.Ingest.Articles), "", ""},
		{"ingest time until searchable", secs(v.Ingest.Took), secs(p.Ingest.Took) + " (COPY + GIN)", ratio(v.Ingest.Took.Seconds(), p.Ingest.Took.Seconds()), ""},
		{"ingest rate (articles/s)", num(v.IngestRate), num(p.IngestRate), ratio(v.IngestRate, p.IngestRate),
			fmt.Sprintf("≥ %.1f×: %s", floorIngest, check(v.IngestRate >= floorIngest*p.IngestRate))},
		{"ingest CPU time", secs(v.IngestCPU), secs(p.IngestCPU), ratio(v.IngestCPU.Seconds(), p.IngestCPU.Seconds()), ""},
		{fmt.Sprintf("results pages/s (%d clients)", v.Load.Clients), num(v.Load.QPS), num(p.Load.QPS), ratio(v.Load.QPS, p.Load.QPS),
			fmt.Sprintf("≥ %.0f×: %s", floorQPS, check(v.Load.QPS >= floorQPS*p.Load.QPS))},
		{"p50 latency (ms)", ms(v.Load.P50), ms(p.Load.P50), ratio(dms(v.Load.P50), dms(p.Load.P50)), ""},
		{"p90 latency (ms)", ms(v.Load.P90), ms(p.Load.P90), ratio(dms(v.Load.P90), dms(p.Load.P90)), ""},
		{"p99 latency (ms)", ms(v.Load.P99), ms(p.Load.P99), ratio(dms(v.Load.P99), dms(p.Load.P99)),
			fmt.Sprintf("≤ ⅓×: %s", check(v.Load.P99 > 0 && float64(v.Load.P99) <= floorP99*float64(p.Load.P99)))},
		{"max latency (ms)", ms(v.Load.Max), ms(p.Load.Max), "", ""},
		{"CPU time per 1000 pages", cpuPer1000(v.Load), cpuPer1000(p.Load), "", ""},
		{"pages with errors", fmt.Sprint(v.Load.Errors), fmt.Sprint(p.Load.Errors), "", ""},
		{"mean matches per query", num(v.MeanHits), num(p.MeanHits), ratio(v.MeanHits, p.MeanHits), ""},
		{"queries without match", fmt.Sprint(v.ZeroHits), fmt.Sprint(p.ZeroHits), "", ""},
		{"peak memory (MB)", mb(v.PeakRSS), mb(p.PeakRSS), ratio(float64(v.PeakRSS), float64(p.PeakRSS)),
			fmt.Sprintf("≤ 400 MB: %s", check(v.PeakRSS > 0 && v.PeakRSS <= floorRSS))},
		{"memory after ingest (MB)", mb(v.RSSIngest), mb(p.RSSIngest), "", ""},
		{"index size on disk (MB)", mb(v.IndexSize), mb(p.IndexSize), ratio(float64(v.IndexSize), float64(p.IndexSize)), ""},
		{"start-up on existing index to ready", startup(v), startup(p), ratio(v.Ready.Seconds(), p.Ready.Seconds()),
			fmt.Sprintf("≤ 1 s: %s", check(v.Restarted && v.Ready <= floorStartup))},
		{"stop (SIGTERM / fast shutdown)", stopTime(v), stopTime(p), "", ""},
		{"other processes during ingest / queries (cores)", other(v), other(p), "", ""},
	}
	return header, rows
}

// scaleTable renders how veille's costs grow with the corpus (and
// PostgreSQL's, when it ran).
func scaleTable(steps []step) (header row, rows []row) {
	withPG := false
	for _, s := range steps {
		if s.PG != nil {
			withPG = true
		}
	}
	header = row{"articles", "text (MB)", "ingest (articles/s)", "ingest CPU (ms/article)", "mean matches", "pages/s", "CPU (ms/page)", "p50 (ms)", "p99 (ms)", "peak RSS (MB)", "index (MB)", "start-up"}
	if withPG {
		header = append(header, "PG ingest (articles/s)", "PG pages/s", "PG p99 (ms)")
	}
	for _, s := range steps {
		v := s.Veille
		r := row{fmt.Sprint(v.Ingest.Articles), mb(s.Corpus.TextBytes), num(v.IngestRate), perUnit(v.IngestCPU, v.Ingest.Articles),
			num(v.MeanHits), num(v.Load.QPS), perUnit(v.Load.CPU, v.Load.Requests), ms(v.Load.P50), ms(v.Load.P99),
			mb(v.PeakRSS), mb(v.IndexSize), startup(v)}
		if withPG {
			if s.PG != nil {
				r = append(r, num(s.PG.IngestRate), num(s.PG.Load.QPS), ms(s.PG.Load.P99))
			} else {
				r = append(r, "–", "–", "–")
			}
		}
		rows = append(rows, r)
	}
	return header, rows
}

// soloTable renders one step measured on veille alone.
func soloTable(s step) (header row, rows []row) {
	v := s.Veille
	header = row{"", "veille"}
	rows = []row{
		{"articles loaded", fmt.Sprint(v.Ingest.Articles)},
		{"ingest time until searchable", secs(v.Ingest.Took)},
		{"ingest rate (articles/s)", num(v.IngestRate)},
		{"ingest CPU time", secs(v.IngestCPU)},
		{fmt.Sprintf("results pages/s (%d clients)", v.Load.Clients), num(v.Load.QPS)},
		{"p50 / p90 / p99 latency (ms)", ms(v.Load.P50) + " / " + ms(v.Load.P90) + " / " + ms(v.Load.P99)},
		{"max latency (ms)", ms(v.Load.Max)},
		{"CPU time per 1000 pages", cpuPer1000(v.Load)},
		{"pages with errors", fmt.Sprint(v.Load.Errors)},
		{"mean matches per query", num(v.MeanHits)},
		{"peak RSS (MB)", mb(v.PeakRSS)},
		{"index size on disk (MB)", mb(v.IndexSize)},
		{"start-up on existing index to ready", startup(v)},
		{"other processes during ingest / queries (cores)", other(v)},
	}
	return header, rows
}

// writeText prints the report as aligned plain-text tables.
func (r *report) writeText(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, r.summary())
	for _, s := range r.Steps {
		fmt.Fprintf(w, "\n== %s ==\n", s.title())
		var h row
		var rows []row
		if s.PG != nil {
			h, rows = sideBySide(s)
		} else {
			h, rows = soloTable(s)
		}
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(h, "\t"))
		for _, rr := range rows {
			fmt.Fprintln(tw, strings.Join(rr, "\t"))
		}
		tw.Flush()
		for _, n := range s.notes() {
			fmt.Fprintln(w, "  -", n)
		}
	}
	if len(r.Steps) > 1 {
		fmt.Fprintln(w, "\n== Scale ==")
		h, rows := scaleTable(r.Steps)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(h, "\t"))
		for _, rr := range rows {
			fmt.Fprintln(tw, strings.Join(rr, "\t"))
		}
		tw.Flush()
	}
}

// writeMarkdown writes the report as a Markdown fragment.
func (r *report) writeMarkdown(w io.Writer) {
	fmt.Fprintf(w, "Measured %s with:\n\n```sh\n%s\n```\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Command)
	fmt.Fprintf(w, "%s\n", r.summary())
	for _, s := range r.Steps {
		fmt.Fprintf(w, "\n**%s**\n\n", s.title())
		var h row
		var rows []row
		if s.PG != nil {
			h, rows = sideBySide(s)
		} else {
			h, rows = soloTable(s)
		}
		mdTable(w, h, rows)
		if notes := s.notes(); len(notes) > 0 {
			fmt.Fprintln(w)
			for _, n := range notes {
				fmt.Fprintln(w, "-", n)
			}
		}
	}
	if len(r.Steps) > 1 {
		fmt.Fprintf(w, "\n**Scale**\n\n")
		h, rows := scaleTable(r.Steps)
		mdTable(w, h, rows)
	}
}

func mdTable(w io.Writer, h row, rows []row) {
	fmt.Fprintln(w, "| "+strings.Join(h, " | ")+" |")
	seps := make([]string, len(h))
	for i := range seps {
		seps[i] = "---"
		if i > 0 {
			seps[i] = "---:"
		}
	}
	fmt.Fprintln(w, "| "+strings.Join(seps, " | ")+" |")
	for _, rr := range rows {
		fmt.Fprintln(w, "| "+strings.Join(rr, " | ")+" |")
	}
}

// summary is the machine and set-up paragraph.
func (r *report) summary() string {
	m := r.Machine
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %d cores, %.0f GiB RAM, %s, %s. Load average (1 min) %.2f at start, %.2f at end.\n",
		m.CPUs, float64(m.MemBytes)/(1<<30), m.OS, m.Go, m.LoadStart, m.LoadEnd)
	warm := "no warm-up"
	if r.Warmup {
		warm = "after one untimed pass over every query"
	}
	fmt.Fprintf(&b, "Corpus: %s. Queries: %d from %s, round-robin, %d clients, %s per system, %s.",
		strings.Join(r.Corpus, " + "), r.Queries, r.QueryFile, r.Clients, r.Duration, warm)
	return b.String()
}

func (s step) title() string {
	t := fmt.Sprintf("%d articles (%s MB of text)", s.Corpus.Articles, mb(s.Corpus.TextBytes))
	if s.PG != nil {
		t += ", side by side with PostgreSQL"
	}
	return t
}

// notes says how each figure was measured, and anything odd.
func (s step) notes() []string {
	var n []string
	for _, r := range []*sysResult{s.Veille, s.PG} {
		if r == nil {
			continue
		}
		n = append(n, fmt.Sprintf("%s %s: memory = %s; index size = %s; 1-minute load average %.2f before the start, %.2f at the end of the query run (2 clients and the system itself count in it).",
			r.Name, r.Version, r.MemHow, r.IndexHow, r.LoadBefore, r.Load.LoadAvg))
		if r.PeakRSS == 0 && r.Name == "PostgreSQL" {
			n = append(n, "PostgreSQL is an external server: its CPU and memory are not measured, and its CPU counts as other processes'.")
		} else if r.IngestOther > 0.25 || r.Load.Other > 0.25 {
			n = append(n, fmt.Sprintf("%s: other processes used %.2f cores during the ingest and %.2f during the query run (of %d): its figures are pessimistic.",
				r.Name, r.IngestOther, r.Load.Other, runtime.NumCPU()))
		}
		if r.Ingest.Failed > 0 {
			n = append(n, fmt.Sprintf("%s refused %d articles (first: %s).", r.Name, r.Ingest.Failed, r.Ingest.FirstErr))
		}
		if r.Load.Errors > 0 {
			n = append(n, fmt.Sprintf("%s: %d pages failed (first: %s).", r.Name, r.Load.Errors, r.Load.FirstErr))
		}
		if r.WarmupErr != "" {
			n = append(n, fmt.Sprintf("%s: warm-up error: %s.", r.Name, r.WarmupErr))
		}
		if r.Restarted && r.CountAfter != uint64(r.Ingest.Articles) {
			n = append(n, fmt.Sprintf("%s: %d articles searchable after the restart, %d before.", r.Name, r.CountAfter, r.Ingest.Articles))
		}
	}
	if s.Corpus.Duplicates > 0 || s.Corpus.Empty > 0 {
		n = append(n, fmt.Sprintf("corpus: %d repeated ids and %d records without text skipped.", s.Corpus.Duplicates, s.Corpus.Empty))
	}
	return n
}

func secs(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// num formats a rate or count with thousands separators.
func num(f float64) string {
	if f == 0 {
		return "0"
	}
	if f < 100 {
		return fmt.Sprintf("%.1f", f)
	}
	s := fmt.Sprintf("%.0f", f)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func mb(n int64) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", float64(n)/1e6)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func startup(r *sysResult) string {
	if !r.Restarted {
		return "–"
	}
	return fmt.Sprintf("%.3f s", r.Ready.Seconds())
}

func stopTime(r *sysResult) string {
	if !r.Restarted {
		return "–"
	}
	return fmt.Sprintf("%.3f s", r.Stop.Seconds())
}

// other is the CPU other processes of the machine used during the ingest
// and the query run, in cores.
func other(r *sysResult) string {
	return fmt.Sprintf("%.2f / %.2f", r.IngestOther, r.Load.Other)
}

// perUnit is CPU time per unit in milliseconds.
func perUnit(cpu time.Duration, n int) string {
	if n == 0 || cpu == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", cpu.Seconds()*1000/float64(n))
}

func cpuPer1000(l loadResult) string {
	if l.Requests == 0 || l.CPU == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f s", l.CPU.Seconds()*1000/float64(l.Requests))
}
