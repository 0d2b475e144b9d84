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

// step is one corpus size measured on veille and, when enabled, its peers.
type step struct {
	Limit  int
	Corpus corpusStats
	Veille *sysResult
	PG     *sysResult
	Sphinx *sysResult
}

// peer is a system veille is compared with, and the floors of the issue
// that set them: veille's ingest rate ≥ Ingest× the peer's, its pages per
// second ≥ QPS×, its p99 ≤ P99× the peer's.
type peer struct {
	Short string // in the ratio column's name
	Issue int
	Res   *sysResult

	Ingest, QPS, P99 float64
}

// peers lists the peers measured in s, in the order of the table.
func (s step) peers() []peer {
	var ps []peer
	if s.PG != nil {
		ps = append(ps, peer{Short: "PG", Issue: 6, Res: s.PG, Ingest: 1.5, QPS: 5, P99: 1.0 / 3})
	}
	if s.Sphinx != nil {
		ps = append(ps, peer{Short: "Sphinx", Issue: 18, Res: s.Sphinx, Ingest: 1.0, QPS: 3, P99: 0.5})
	}
	return ps
}

// Absolute floors: veille's peak RSS (issue 6: 400 MB; issue 18, on
// OrangeSum: 200 MB; 10^6 bytes, as printed), its start-up, and the p99 of
// a results page at scale.
const (
	floorRSS     = 400e6
	floorRSS18   = 200e6
	floorStartup = time.Second
	floorP99Abs  = 50 * time.Millisecond
)

// row is one line of a table.
type row []string

func check(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func ratio(a, b float64) string {
	if b == 0 || a == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func fraction(f float64) string {
	switch f {
	case 1.0 / 3:
		return "⅓"
	case 0.5:
		return "½"
	}
	return fmt.Sprintf("%.2f", f)
}

func dms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuPerArticle is the ingest CPU per article, in milliseconds.
func cpuPerArticle(r *sysResult) float64 {
	if r.Ingest.Articles == 0 {
		return 0
	}
	return r.IngestCPU.Seconds() * 1000 / float64(r.Ingest.Articles)
}

// cpuPerPage is the CPU per results page, in milliseconds.
func cpuPerPage(l loadResult) float64 {
	if l.Requests == 0 {
		return 0
	}
	return l.CPU.Seconds() * 1000 / float64(l.Requests)
}

// sideBySide renders the comparison of one step: veille, then each peer
// with veille's ratio to it, then the floors.
func sideBySide(s step) (header row, rows []row) {
	v, ps := s.Veille, s.peers()
	header = row{"", "veille"}
	for _, p := range ps {
		name := p.Res.Name
		if f := strings.Fields(p.Res.Version); len(f) > 0 {
			name += " " + strings.SplitN(f[0], "-", 2)[0]
		}
		header = append(header, name, "veille ÷ "+p.Short)
	}
	header = append(header, "floors")

	type line struct {
		name string
		cell func(r *sysResult) string
		// ratio is veille's figure and the peer's, to divide; nil: no ratio.
		ratio func(r *sysResult) float64
		floor func(p peer) string // per peer; nil: none
		abs   string              // absolute floor, checked on veille
	}
	lines := []line{
		{name: "articles loaded", cell: func(r *sysResult) string { return fmt.Sprint(r.Ingest.Articles) }},
		{name: "ingest time until searchable", cell: func(r *sysResult) string { return secs(r.Ingest.Took) + ingestHow(r) },
			ratio: func(r *sysResult) float64 { return r.Ingest.Took.Seconds() }},
		{name: "ingest rate (articles/s)", cell: func(r *sysResult) string { return num(r.IngestRate) },
			ratio: func(r *sysResult) float64 { return r.IngestRate },
			floor: func(p peer) string {
				return fmt.Sprintf("%s ≥ %.1f×: %s", p.Short, p.Ingest, check(v.IngestRate >= p.Ingest*p.Res.IngestRate))
			}},
		{name: "ingest CPU time", cell: func(r *sysResult) string { return secs(r.IngestCPU) },
			ratio: func(r *sysResult) float64 { return r.IngestCPU.Seconds() }},
		{name: "ingest CPU per article (ms)", cell: func(r *sysResult) string { return perUnit(r.IngestCPU, r.Ingest.Articles) },
			ratio: cpuPerArticle},
		{name: fmt.Sprintf("results pages/s (%d clients)", v.Load.Clients), cell: func(r *sysResult) string { return num(r.Load.QPS) },
			ratio: func(r *sysResult) float64 { return r.Load.QPS },
			floor: func(p peer) string {
				return fmt.Sprintf("%s ≥ %.0f×: %s", p.Short, p.QPS, check(v.Load.QPS >= p.QPS*p.Res.Load.QPS))
			}},
		{name: "p50 latency (ms)", cell: func(r *sysResult) string { return ms(r.Load.P50) },
			ratio: func(r *sysResult) float64 { return dms(r.Load.P50) }},
		{name: "p90 latency (ms)", cell: func(r *sysResult) string { return ms(r.Load.P90) },
			ratio: func(r *sysResult) float64 { return dms(r.Load.P90) }},
		{name: "p99 latency (ms)", cell: func(r *sysResult) string { return ms(r.Load.P99) },
			ratio: func(r *sysResult) float64 { return dms(r.Load.P99) },
			floor: func(p peer) string {
				return fmt.Sprintf("%s ≤ %s×: %s", p.Short, fraction(p.P99), check(v.Load.P99 > 0 && float64(v.Load.P99) <= p.P99*float64(p.Res.Load.P99)))
			}},
		{name: "max latency (ms)", cell: func(r *sysResult) string { return ms(r.Load.Max) }},
		{name: "CPU per page (ms)", cell: func(r *sysResult) string { return perUnit(r.Load.CPU, r.Load.Requests) },
			ratio: func(r *sysResult) float64 { return cpuPerPage(r.Load) }},
		{name: "pages with errors", cell: func(r *sysResult) string { return fmt.Sprint(r.Load.Errors) }},
		{name: "mean matches per query", cell: func(r *sysResult) string { return num(r.MeanHits) },
			ratio: func(r *sysResult) float64 { return r.MeanHits }},
		{name: "queries without match", cell: func(r *sysResult) string { return fmt.Sprint(r.ZeroHits) }},
		{name: "peak memory (MB)", cell: func(r *sysResult) string { return mb(r.PeakRSS) },
			ratio: func(r *sysResult) float64 { return float64(r.PeakRSS) },
			abs:   rssFloors(s)},
		{name: "memory after ingest (MB)", cell: func(r *sysResult) string { return mb(r.RSSIngest) }},
		{name: "index size on disk (MB)", cell: func(r *sysResult) string { return mb(r.IndexSize) },
			ratio: func(r *sysResult) float64 { return float64(r.IndexSize) }},
		{name: "start-up on existing index to ready", cell: startup,
			ratio: func(r *sysResult) float64 { return r.Ready.Seconds() },
			abs:   fmt.Sprintf("≤ 1 s: %s", check(v.Restarted && v.Ready <= floorStartup))},
		{name: "stop (SIGTERM / fast shutdown)", cell: stopTime},
		{name: "other processes during ingest / queries (cores)", cell: other},
	}
	for _, l := range lines {
		r := row{l.name, l.cell(v)}
		var floors []string
		for _, p := range ps {
			ra := ""
			if l.ratio != nil {
				ra = ratio(l.ratio(v), l.ratio(p.Res))
			}
			r = append(r, l.cell(p.Res), ra)
			if l.floor != nil {
				floors = append(floors, l.floor(p))
			}
		}
		if l.abs != "" {
			floors = append(floors, l.abs)
		}
		rows = append(rows, append(r, strings.Join(floors, "; ")))
	}
	return header, rows
}

// ingestHow says what a peer's ingest time covers.
func ingestHow(r *sysResult) string {
	switch r.Name {
	case "PostgreSQL":
		return " (COPY + GIN)"
	case "Sphinx":
		return " (indexer + searchd)"
	}
	return ""
}

// rssFloors checks veille's peak RSS: 400 MB (issue 6) and, side by side
// with Sphinx, 200 MB (issue 18).
func rssFloors(s step) string {
	v := s.Veille
	f := fmt.Sprintf("≤ 400 MB: %s", check(v.PeakRSS > 0 && v.PeakRSS <= floorRSS))
	if s.Sphinx != nil {
		f += fmt.Sprintf("; ≤ 200 MB: %s", check(v.PeakRSS > 0 && v.PeakRSS <= floorRSS18))
	}
	return f
}

// scaleTable renders how veille's costs grow with the corpus (and its
// peers', when they ran).
func scaleTable(steps []step) (header row, rows []row) {
	withPG, withSphinx := false, false
	for _, s := range steps {
		withPG = withPG || s.PG != nil
		withSphinx = withSphinx || s.Sphinx != nil
	}
	header = row{"articles", "text (MB)", "ingest (articles/s)", "ingest CPU (ms/article)", "mean matches", "pages/s", "CPU (ms/page)", "p50 (ms)", "p99 (ms)", "peak RSS (MB)", "index (MB)", "start-up"}
	peerCols := func(name string) row {
		return row{name + " ingest (articles/s)", name + " ingest CPU (ms/article)", name + " pages/s", name + " CPU (ms/page)", name + " p99 (ms)"}
	}
	peerCells := func(r *sysResult) row {
		if r == nil {
			return row{"–", "–", "–", "–", "–"}
		}
		return row{num(r.IngestRate), perUnit(r.IngestCPU, r.Ingest.Articles), num(r.Load.QPS), perUnit(r.Load.CPU, r.Load.Requests), ms(r.Load.P99)}
	}
	if withPG {
		header = append(header, peerCols("PG")...)
	}
	if withSphinx {
		header = append(header, peerCols("Sphinx")...)
	}
	for _, s := range steps {
		v := s.Veille
		r := row{fmt.Sprint(v.Ingest.Articles), mb(s.Corpus.TextBytes), num(v.IngestRate), perUnit(v.IngestCPU, v.Ingest.Articles),
			num(v.MeanHits), num(v.Load.QPS), perUnit(v.Load.CPU, v.Load.Requests), ms(v.Load.P50), ms(v.Load.P99),
			mb(v.PeakRSS), mb(v.IndexSize), startup(v)}
		if withPG {
			r = append(r, peerCells(s.PG)...)
		}
		if withSphinx {
			r = append(r, peerCells(s.Sphinx)...)
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
		{"ingest CPU per article (ms)", perUnit(v.IngestCPU, v.Ingest.Articles)},
		{"CPU per page (ms)", perUnit(v.Load.CPU, v.Load.Requests)},
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
		if len(s.peers()) > 0 {
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
		if len(s.peers()) > 0 {
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
	var names []string
	for _, p := range s.peers() {
		names = append(names, p.Res.Name)
	}
	if len(names) > 0 {
		t += ", side by side with " + strings.Join(names, " and ")
	}
	return t
}

// notes says how each figure was measured, and anything odd.
func (s step) notes() []string {
	var n []string
	for _, r := range []*sysResult{s.Veille, s.PG, s.Sphinx} {
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
