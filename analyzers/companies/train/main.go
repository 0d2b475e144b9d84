// Command train trains veille's company classifier on the labelled
// articles (testdata/labels) and writes the model the package embeds:
//
//	go run ./analyzers/companies/train
//
// run from the module root, with the shared data in ../shared/data.
//
//  1. k-fold cross-validation over the train and dev splits (-k, 5 by
//     default) picks the decision threshold: the one with the best pooled
//     F1 among those whose precision is at least -min-precision (the best
//     F1 overall when none is);
//  2. the model is then trained on the train and dev splits, with that
//     threshold, and written to -o.
//
// The test split is never read: TestExtractionQuality measures on it.
// Training is deterministic: the same labels, code and -seed give the
// same model. -synthetic adds made-up articles (./analyzers/labels/synthetic)
// to every training set, never to the held-out folds. -cv only reports the cross-validation; -diag adds every
// held-out error and the candidates' misses; -explain prints the scored
// candidates of given articles.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"veille/analyzers/companies"
	"veille/analyzers/labels"
	"veille/corpus/fold"
)

// config holds the flags.
type config struct {
	data, labels, out string
	synthetic         string
	opts              companies.TrainOptions
	k                 int
	minPrecision      float64
	cvOnly, diag      bool
	curves            bool
	holdout2          bool
	explain           string
}

func main() {
	var c config
	flag.StringVar(&c.data, "data", filepath.Join("..", "shared", "data"), "shared data `folder`")
	var defLabels []string
	for _, f := range labels.Files {
		defLabels = append(defLabels, filepath.Join("testdata", "labels", f))
	}
	flag.StringVar(&c.labels, "labels", strings.Join(defLabels, ","), "comma-separated labels `files`")
	flag.StringVar(&c.synthetic, "synthetic", "", "made-up training articles `file` (labels of the set synthetic, from ./analyzers/labels/synthetic), added to every training set")
	flag.StringVar(&c.out, "o", filepath.Join("analyzers", "companies", "data", "model.bin"), "model `file` to write")
	flag.IntVar(&c.opts.Epochs, "epochs", 12, "training passes")
	flag.IntVar(&c.opts.Runs, "runs", 4, "models trained in other example orders and averaged")
	flag.Uint64Var(&c.opts.Seed, "seed", 1, "seed of the example orders")
	flag.StringVar(&c.opts.Learner, "learner", "perceptron", "`perceptron` or logistic")
	flag.Float64Var(&c.opts.L2, "l2", 1e-4, "L2 penalty of the logistic learner")
	flag.IntVar(&c.k, "k", 5, "folds of the cross-validation")
	flag.Float64Var(&c.minPrecision, "min-precision", 0.88, "lowest cross-validated precision the threshold may give")
	flag.BoolVar(&c.cvOnly, "cv", false, "only report the cross-validation, write nothing")
	flag.BoolVar(&c.curves, "curves", false, "print every set's cross-validated figures at every threshold")
	flag.BoolVar(&c.diag, "diag", false, "print every held-out error and the candidates' misses")
	flag.BoolVar(&c.holdout2, "holdout-round2", false, "train on the first round only and report the scores of the second round's articles, held out")
	flag.StringVar(&c.explain, "explain", "", "comma-separated `ids` of train or dev articles whose scored candidates to print")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

// thresholds are the decision thresholds the cross-validation compares.
var thresholds = []float32{-4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4}

func run(c config) error {
	files := strings.Split(c.labels, ",")
	if c.synthetic != "" {
		files = append(files, c.synthetic)
	}
	all, err := labels.Load(c.data, files...)
	if err != nil {
		return err
	}
	var pool []labels.Article // train and dev
	var made []companies.TrainingText
	var heldOut []labels.Article // with -holdout-round2
	for _, a := range all {
		switch {
		case a.Set == labels.SetSynthetic:
			made = append(made, trainingText(a))
		case c.holdout2 && a.Round == 2:
			heldOut = append(heldOut, a)
		case a.Split == labels.Train || a.Split == labels.Dev:
			pool = append(pool, a)
		}
	}
	f, err := companies.NewWithModel(nil, nil, nil)
	if err != nil {
		return err
	}

	// 1. Cross-validation: the threshold.
	scores := map[string][]labels.Score{}
	for fold := range c.k {
		texts := slices.Clone(made)
		var held []labels.Article
		for i, a := range pool {
			if i%c.k == fold {
				held = append(held, a)
			} else {
				texts = append(texts, trainingText(a))
			}
		}
		m := f.Train(texts, c.opts)
		for ti, t := range thresholds {
			g := f.WithModel(m.WithThreshold(t))
			for _, a := range held {
				found, _ := g.Find(context.Background(), a.Title+"\n"+a.Text, a.Lang)
				s, missed, extra := labels.ScoreCompanies(a.Companies, found)
				keys := []string{"all", a.Set, a.Lang}
				if a.Round == 2 {
					keys = append(keys, "r2 "+a.Set)
				}
				for _, key := range keys {
					if scores[key] == nil {
						scores[key] = make([]labels.Score, len(thresholds))
					}
					scores[key][ti].Add(s)
				}
				if c.diag && t == 0 {
					fate := g.Fate(trainingText(a), a.Mentions)
					for _, n := range missed {
						fmt.Printf("cv missed %s [%s] %q: %s\n", a.ID, a.Set, n, fate[n])
					}
					for _, n := range extra {
						fmt.Printf("cv extra %s [%s] %q\n", a.ID, a.Set, n)
					}
				}
			}
		}
	}
	chosen, bestF := 0, -1.0
	for _, pass := range []float64{c.minPrecision, 0} {
		for ti := range thresholds {
			s := scores["all"][ti]
			if s.Precision() >= pass && s.F1() > bestF {
				chosen, bestF = ti, s.F1()
			}
		}
		if bestF >= 0 {
			break
		}
	}
	for _, key := range []string{"all", "fr", "en", labels.SetFrBusiness, labels.SetFrGeneral, labels.SetEnBusiness, labels.SetEnGeneral,
		"r2 " + labels.SetFrBusiness, "r2 " + labels.SetFrGeneral, "r2 " + labels.SetEnBusiness} {
		if scores[key] == nil {
			continue
		}
		for ti, t := range thresholds {
			s := scores[key][ti]
			mark := ""
			if ti == chosen {
				mark = " <-"
			}
			if key == "all" || ti == chosen || c.curves && !strings.HasPrefix(key, "r2") || strings.HasPrefix(key, "r2") && c.diag {
				fmt.Printf("cv %-12s t %5.1f precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d)%s\n", key, t, s.Precision(), s.Recall(), s.F1(), s.TP, s.FP, s.FN, mark)
			}
		}
	}
	if c.cvOnly {
		return nil
	}

	// 2. The model: every train and dev article, the chosen threshold.
	texts := slices.Clone(made)
	uncovered, golds := 0, 0
	for _, a := range pool {
		t := trainingText(a)
		texts = append(texts, t)
		if c.diag {
			u := f.Uncovered(t)
			uncovered += len(u)
			golds += len(a.Companies)
			for _, n := range u {
				fmt.Printf("uncovered %s [%s] %q\n", a.ID, a.Set, n)
			}
		}
	}
	if c.diag {
		pos, neg := map[string]int{}, map[string]int{}
		var sample []string
		for _, a := range pool {
			f.SourceStats(trainingText(a), pos, neg, &sample)
		}
		for i, l := range sample {
			if i%97 == 0 {
				fmt.Printf("negative run: %s\n", l)
			}
		}
		var ks []string
		for k := range pos {
			ks = append(ks, k)
		}
		for k := range neg {
			if pos[k] == 0 {
				ks = append(ks, k)
			}
		}
		slices.SortFunc(ks, func(x, y string) int { return (pos[y] + neg[y]) - (pos[x] + neg[x]) })
		for _, k := range ks {
			fmt.Printf("sources %5d pos %5d neg %.2f  %s\n", pos[k], neg[k], float64(pos[k])/float64(pos[k]+neg[k]), k)
		}
		for _, a := range pool {
			for _, l := range f.NegativeCued(trainingText(a)) {
				fmt.Printf("negative cued %s: %s\n", a.ID, l)
			}
		}
		fmt.Printf("candidates stand for %d of %d gold names\n", golds-uncovered, golds)
	}
	m := f.Train(texts, c.opts).WithThreshold(thresholds[chosen])
	final := f.WithModel(m)
	for _, id := range strings.Split(c.explain, ",") {
		id, key, _ := strings.Cut(id, ":")
		for _, a := range append(pool, heldOut...) {
			if a.ID == id && key != "" {
				fmt.Printf("== %s [%s %s] %q\n", a.ID, a.Set, a.Split, key)
				for _, l := range final.ExplainFeatures(a.Title+"\n"+a.Text, a.Lang, fold.Key(key)) {
					fmt.Println(l)
				}
			} else if a.ID == id {
				fmt.Printf("== %s [%s %s] gold %q\n", a.ID, a.Set, a.Split, a.Companies)
				for _, l := range final.Explain(a.Title+"\n"+a.Text, a.Lang) {
					fmt.Println(l)
				}
			}
		}
	}
	if c.holdout2 {
		held := map[string]*labels.Score{}
		for _, a := range heldOut {
			found, _ := final.Find(context.Background(), a.Title+"\n"+a.Text, a.Lang)
			s, missed, extra := labels.ScoreCompanies(a.Companies, found)
			for _, key := range []string{"all", a.Set, a.Lang} {
				if held[key] == nil {
					held[key] = &labels.Score{}
				}
				held[key].Add(s)
			}
			if c.diag {
				best := final.Best(trainingText(a))
				for _, n := range missed {
					fmt.Printf("round2 missed %s [%s] %q: %s\n", a.ID, a.Set, n, best[n])
				}
				for _, n := range extra {
					fmt.Printf("round2 extra %s [%s] %q\n", a.ID, a.Set, n)
				}
			}
		}
		for _, t := range thresholds {
			g := f.WithModel(m.WithThreshold(t))
			var sc [3]labels.Score
			for _, a := range heldOut {
				found, _ := g.Find(context.Background(), a.Title+"\n"+a.Text, a.Lang)
				s, _, _ := labels.ScoreCompanies(a.Companies, found)
				switch a.Set {
				case labels.SetFrBusiness:
					sc[0].Add(s)
				case labels.SetFrGeneral:
					sc[1].Add(s)
				case labels.SetEnBusiness:
					sc[2].Add(s)
				}
			}
			fmt.Printf("round2 t %5.1f fr-business %.3f/%.3f fr-general %.3f/%.3f en-business %.3f/%.3f\n", t,
				sc[0].Precision(), sc[0].Recall(), sc[1].Precision(), sc[1].Recall(), sc[2].Precision(), sc[2].Recall())
		}
		for _, key := range []string{"all", "fr", "en", labels.SetFrBusiness, labels.SetFrGeneral, labels.SetEnBusiness} {
			if s := held[key]; s != nil {
				fmt.Printf("round2 %-12s precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d)\n", key, s.Precision(), s.Recall(), s.F1(), s.TP, s.FP, s.FN)
			}
		}
	}
	w, err := os.Create(c.out)
	if err != nil {
		return err
	}
	if err := m.WriteModel(w); err != nil {
		w.Close()
		return err
	}
	fmt.Printf("model trained on %d articles (and %d made up), threshold %.1f, written to %s\n", len(pool), len(made), thresholds[chosen], c.out)
	return w.Close()
}

func trainingText(a labels.Article) companies.TrainingText {
	t := companies.TrainingText{Text: a.Title + "\n" + a.Text, Lang: a.Lang, Gold: a.Companies}
	for _, ms := range a.Mentions {
		t.Mentions = append(t.Mentions, ms...)
	}
	return t
}
