package companies

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"veille/analyzers/countries"
	"veille/corpus/fold"
)

// NewWithModel is [New] with the classifier m instead of the embedded
// one; nil is an untrained model, which finds nothing (for training).
func NewWithModel(extra io.Reader, places *countries.Matcher, m *Model) (*Finder, error) {
	if m == nil {
		m = &Model{weights: make([]float32, 1<<featureBits), version: FeatureVersion}
		m.table = newWeightTable(m.weights)
	}
	return newFinder(extra, places, m)
}

// WithModel returns a Finder that shares c's gazetteer and classifies with m.
func (c *Finder) WithModel(m *Model) *Finder {
	d := &Finder{names: c.names, nameSource: c.nameSource, canonIDs: c.canonIDs, aliases: c.aliases,
		firstMax: c.firstMax, rejects: c.rejects, heads: c.heads, first: c.first, places: c.places,
		countries: c.countries, model: m, classes: c.classes, nameKeys: c.nameKeys, mined: c.mined, clusters: c.clusters}
	return d
}

// TrainingText is one labelled text for [Finder.Train].
type TrainingText struct {
	Text string
	Lang string
	// Gold are the canonical names of the firms the text names; "A|B"
	// gives two acceptable spellings.
	Gold []string
	// Mentions are the surface forms under which the text names them.
	Mentions []string
}

// TrainOptions configure [Finder.Train].
type TrainOptions struct {
	Epochs int    // passes over the texts; 0 means 12
	Seed   uint64 // of the order of the examples in each pass
	Runs   int    // models trained in other orders and averaged; 0 means 4
	// Learner is "perceptron" (averaged perceptron, the default) or
	// "logistic" (logistic regression, AdaGrad steps, L2 penalty L2).
	Learner string
	L2      float64
}

// example is one candidate's features and label.
type example struct {
	idx []uint32
	y   float32 // +1 a firm, -1 not
}

// Examples returns the candidates of t with their labels: a candidate is
// a firm when its name, or the text it covers, is one of the gold names
// or mentions (compared by [nameKey]).
func (c *Finder) examples(t TrainingText) []example {
	a := c.analyze(t.Text, t.Lang)
	if a == nil {
		return nil
	}
	defer c.release(a)
	gold := map[string]bool{}
	for _, g := range t.Gold {
		for _, alt := range strings.Split(g, "|") {
			gold[fold.Key(alt)] = true
		}
	}
	for _, m := range t.Mentions {
		gold[fold.Key(m)] = true
	}
	c.nameFeatures(a)
	ys := make([]float32, len(a.docs))
	for j := range ys {
		ys[j] = -1
	}
	for k := range a.cands {
		cd := &a.cands[k]
		surface := a.text[a.toks[cd.n.i].start:a.toks[cd.n.end-1].end]
		raw := a.text[a.toks[cd.i].start:a.toks[cd.end-1].end]
		if gold[fold.Key(cd.n.name)] || gold[fold.Key(surface)] || gold[fold.Key(raw)] {
			ys[a.doc[cd.key]] = 1
		}
	}
	out := make([]example, 0, len(a.docs))
	for j, y := range ys {
		out = append(out, example{idx: slices.Clone(a.byName[j]), y: y})
	}
	return out
}

// Train learns a classifier from texts: an averaged perceptron over the
// candidates' features, the examples visited in an order drawn from
// opts.Seed, so the same texts and seed give the same model. The model's
// threshold is 0; set another with [Model.WithThreshold].
func (c *Finder) Train(texts []TrainingText, opts TrainOptions) *Model {
	if opts.Epochs <= 0 {
		opts.Epochs = 12
	}
	var exs []example
	for _, t := range texts {
		exs = append(exs, c.examples(t)...)
	}
	if opts.Runs <= 0 {
		opts.Runs = 4
	}
	n := 1 << featureBits
	avg := make([]float32, n)
	for run := range opts.Runs {
		var w []float32
		if opts.Learner == "logistic" {
			w = logistic(exs, opts.Epochs, opts.Seed+uint64(run), opts.L2)
		} else {
			w = perceptron(exs, opts.Epochs, opts.Seed+uint64(run))
		}
		for f, x := range w {
			avg[f] += x / float32(opts.Runs)
		}
	}
	return &Model{weights: avg, version: FeatureVersion, table: newWeightTable(avg)}
}

// logistic trains a logistic regression on exs with AdaGrad steps and an
// L2 penalty l2 (lazily applied to the weights an example touches).
func logistic(exs []example, epochs int, seed uint64, l2 float64) []float32 {
	n := 1 << featureBits
	w := make([]float64, n)
	g2 := make([]float64, n)
	rng := rand.New(rand.NewPCG(seed, 0x7665696c6c65))
	order := make([]int, len(exs))
	for k := range order {
		order[k] = k
	}
	const eta = 0.2
	for range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			ex := &exs[k]
			var s float64
			for _, f := range ex.idx {
				s += w[f]
			}
			y := float64(ex.y+1) / 2 // 0 or 1
			p := 1 / (1 + math.Exp(-s))
			d := p - y
			for _, f := range ex.idx {
				g := d + l2*w[f]
				g2[f] += g * g
				w[f] -= eta * g / math.Sqrt(g2[f]+1e-8)
			}
		}
	}
	out := make([]float32, n)
	for f, x := range w {
		out[f] = float32(x)
	}
	return out
}

// perceptron trains one averaged perceptron on exs.
func perceptron(exs []example, epochs int, seed uint64) []float32 {
	n := 1 << featureBits
	w := make([]float32, n)
	u := make([]float32, n) // sum of the updates weighted by when they happened
	rng := rand.New(rand.NewPCG(seed, 0x7665696c6c65))
	order := make([]int, len(exs))
	for k := range order {
		order[k] = k
	}
	step := float32(1)
	for range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			ex := &exs[k]
			var s float32
			for _, f := range ex.idx {
				s += w[f]
			}
			if ex.y*s <= 0 {
				for _, f := range ex.idx {
					w[f] += ex.y
					u[f] += ex.y * step
				}
			}
			step++
		}
	}
	for f := range w {
		if w[f] != 0 || u[f] != 0 {
			w[f] -= u[f] / step
		}
	}
	return w
}

// WithThreshold returns m with another decision threshold.
func (m *Model) WithThreshold(t float32) *Model {
	d := *m
	d.threshold = t
	return &d
}

// Uncovered returns the gold names of t that no candidate of the text
// stands for: what no classifier could find, the candidate detector's
// misses.
func (c *Finder) Uncovered(t TrainingText) []string {
	a := c.analyze(t.Text, t.Lang)
	if a == nil {
		return t.Gold
	}
	defer c.release(a)
	have := map[string]bool{}
	for _, cd := range a.cands {
		have[fold.Key(cd.n.name)] = true
		have[fold.Key(a.text[a.toks[cd.n.i].start:a.toks[cd.n.end-1].end])] = true
		have[fold.Key(a.text[a.toks[cd.i].start:a.toks[cd.end-1].end])] = true
	}
	var out []string
	for _, g := range t.Gold {
		ok := false
		for _, alt := range strings.Split(g, "|") {
			ok = ok || have[fold.Key(alt)]
		}
		if !ok {
			out = append(out, g)
		}
	}
	return out
}

// Explain lists the candidates of text with their scores and sources, one
// line each, for inspecting the classifier.
func (c *Finder) Explain(text, lang string) []string {
	a := c.analyze(text, lang)
	if a == nil {
		return nil
	}
	defer c.release(a)
	c.score(a)
	var out []string
	for _, cd := range a.cands {
		out = append(out, fmt.Sprintf("%7.2f %-30q raw %q %v", cd.score, cd.n.name, a.text[a.toks[cd.i].start:a.toks[cd.end-1].end], cd.sources()))
	}
	return out
}

// sources names where cd comes from and the vetoes it carries.
func (cd *candidate) sources() []string {
	var src []string
	for bit, name := range srcNames {
		if cd.src&(1<<bit) != 0 {
			src = append(src, name)
		}
	}
	for bit, name := range vetoNames {
		if cd.n.veto&(1<<bit) != 0 {
			src = append(src, "veto:"+name)
		}
	}
	return src
}

// Best returns, for each gold name of t that the text's candidates stand
// for, the best score among them and their sources: why a firm was
// missed.
func (c *Finder) Best(t TrainingText) map[string]string {
	a := c.analyze(t.Text, t.Lang)
	if a == nil {
		return nil
	}
	defer c.release(a)
	c.score(a)
	out := map[string]string{}
	best := map[string]float32{}
	for _, g := range t.Gold {
		for _, alt := range strings.Split(g, "|") {
			k := fold.Key(alt)
			for _, cd := range a.cands {
				if fold.Key(cd.n.name) != k && fold.Key(a.text[a.toks[cd.n.i].start:a.toks[cd.n.end-1].end]) != k {
					continue
				}
				if s, ok := best[g]; ok && s >= cd.score {
					continue
				}
				best[g] = cd.score
				out[g] = fmt.Sprintf("%.1f %v", cd.score, cd.sources())
			}
		}
	}
	return out
}

// ExplainFeatures lists the features of the name of text that folds to
// key, as the classifier scores it (all its candidates together), with
// their weights, largest first.
func (c *Finder) ExplainFeatures(text, lang, key string) []string {
	a := c.analyze(text, lang)
	if a == nil {
		return nil
	}
	defer c.release(a)
	nb := listNeighbours(a)
	f := &features{explain: true}
	weights := map[string]float32{}
	var names []string
	for k := range a.cands {
		cd := &a.cands[k]
		if fold.Key(cd.n.name) != key && fold.Key(a.text[a.toks[cd.n.i].start:a.toks[cd.n.end-1].end]) != key {
			continue
		}
		for pass := 0; pass < 2; pass++ {
			if pass == 0 {
				c.extract(a, k, nb[k], f)
			} else {
				f.reset()
				c.minedFeatures(f, cd.key)
			}
			for j, idx := range f.idx {
				if _, ok := weights[f.names[j]]; !ok {
					weights[f.names[j]] = c.model.table.get(idx)
					names = append(names, f.names[j])
				}
			}
		}
	}
	slices.SortFunc(names, func(x, y string) int {
		return int(math.Abs(float64(weights[y]))*1000 - math.Abs(float64(weights[x]))*1000)
	})
	var sum float32
	line := ""
	for _, n := range names {
		sum += weights[n]
		if weights[n] != 0 {
			line += fmt.Sprintf(" %s=%.2f", n, weights[n])
		}
	}
	return []string{fmt.Sprintf("%.2f %q:%s", sum, key, line)}
}

// NegativeCued lists the candidates of t labelled not a firm although a
// cue, suffix, apposition or possessive rule found them: label noise or
// the rules' mistakes, for inspection.
func (c *Finder) NegativeCued(t TrainingText) []string {
	a := c.analyze(t.Text, t.Lang)
	if a == nil {
		return nil
	}
	defer c.release(a)
	gold := map[string]bool{}
	for _, g := range t.Gold {
		for _, alt := range strings.Split(g, "|") {
			gold[fold.Key(alt)] = true
		}
	}
	for _, m := range t.Mentions {
		gold[fold.Key(m)] = true
	}
	var out []string
	for _, cd := range a.cands {
		surface := a.text[a.toks[cd.n.i].start:a.toks[cd.n.end-1].end]
		raw := a.text[a.toks[cd.i].start:a.toks[cd.end-1].end]
		if gold[fold.Key(cd.n.name)] || gold[fold.Key(surface)] || gold[fold.Key(raw)] {
			continue
		}
		if cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) != 0 && cd.n.veto == 0 {
			ctx := a.text[max(0, a.toks[cd.i].start-40):min(len(a.text), a.toks[cd.end-1].end+20)]
			out = append(out, fmt.Sprintf("%q %v ...%s", cd.n.name, cd.sources(), strings.ReplaceAll(ctx, "\n", " ")))
		}
	}
	return out
}

// SourceStats counts, per combination of sources and vetoes, the
// candidates of t labelled firm and not, into pos and neg.
func (c *Finder) SourceStats(t TrainingText, pos, neg map[string]int, sample *[]string) {
	a := c.analyze(t.Text, t.Lang)
	if a == nil {
		return
	}
	defer c.release(a)
	gold := map[string]bool{}
	for _, g := range t.Gold {
		for _, alt := range strings.Split(g, "|") {
			gold[fold.Key(alt)] = true
		}
	}
	for _, m := range t.Mentions {
		gold[fold.Key(m)] = true
	}
	for _, cd := range a.cands {
		surface := a.text[a.toks[cd.n.i].start:a.toks[cd.n.end-1].end]
		raw := a.text[a.toks[cd.i].start:a.toks[cd.end-1].end]
		k := strings.Join(cd.sources(), " ")
		if cd.gazSrc > 0 || cd.src&srcGaz != 0 {
			k += " g" + gazSourceNames[cd.gazSrc]
		}
		if a.cueAt[cd.i] {
			k += " cueAt"
		}
		if gold[fold.Key(cd.n.name)] || gold[fold.Key(surface)] || gold[fold.Key(raw)] {
			pos[k]++
		} else {
			neg[k]++
			if k == "run" && sample != nil {
				ctx := a.text[max(0, a.toks[cd.i].start-30):min(len(a.text), a.toks[cd.end-1].end+20)]
				*sample = append(*sample, fmt.Sprintf("%q ...%s", cd.n.name, strings.ReplaceAll(ctx, "\n", " ")))
			}
		}
	}
}

// Fate tells, for each firm of gold (canonical names, "A|B" for two
// spellings, with the surface forms of each in named) that Find misses
// in t, what became of its best candidate: its score and sources, and
// whether it scored below the threshold, lost its words to an
// overlapping name, was dropped as an ambiguous word or a person, or
// was kept under another name (merged or mapped); "no candidate" when
// none stands for it.
func (c *Finder) Fate(t TrainingText, named map[string][]string) map[string]string {
	a := c.analyze(t.Text, t.Lang)
	if a == nil {
		return nil
	}
	defer c.release(a)
	c.score(a)
	fates := make([]string, len(a.cands))
	found := c.decideTraced(a, func(k int, fate string) { fates[k] = fate })
	got := map[string]bool{}
	for _, n := range found {
		got[fold.Key(n)] = true
	}
	out := map[string]string{}
	for _, g := range t.Gold {
		keys := map[string]bool{}
		hit := false
		for _, alt := range strings.Split(g, "|") {
			keys[fold.Key(alt)] = true
			hit = hit || got[fold.Key(alt)]
		}
		if hit {
			continue
		}
		for _, m := range named[g] {
			keys[fold.Key(m)] = true
		}
		best := -1
		for k := range a.cands {
			cd := &a.cands[k]
			if !keys[fold.Key(cd.n.name)] && !keys[fold.Key(a.text[a.toks[cd.n.i].start:a.toks[cd.n.end-1].end])] {
				continue
			}
			if best < 0 || cd.score > a.cands[best].score {
				best = k
			}
		}
		if best < 0 {
			out[g] = "no candidate"
			continue
		}
		cd := &a.cands[best]
		ctx := a.text[max(0, a.toks[cd.i].start-50):min(len(a.text), a.toks[cd.end-1].end+30)]
		out[g] = fmt.Sprintf("%s %.1f %v %q ...%s", fates[best], cd.score, cd.sources(), cd.n.name, strings.ReplaceAll(ctx, "\n", " / "))
	}
	return out
}
