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
)

// config holds the flags.
type config struct {
	data, labels, out string
	synthetic         string
	opts              companies.TrainOptions
	k                 int
	minPrecision      float64
	cvOnly, diag      bool
	explain           string
}

func main() {
	var c config
	flag.StringVar(&c.data, "data", filepath.Join("..", "shared", "data"), "shared data `folder`")
	flag.StringVar(&c.labels, "labels", filepath.Join("testdata", "labels", "labels.jsonl"), "labels `file`")
	flag.StringVar(&c.synthetic, "synthetic", "", "made-up training articles `file` (labels of the set synthetic, from ./analyzers/labels/synthetic), added to every training set")
	flag.StringVar(&c.out, "o", filepath.Join("analyzers", "companies", "data", "model.bin"), "model `file` to write")
	flag.IntVar(&c.opts.Epochs, "epochs", 12, "training passes")
	flag.IntVar(&c.opts.Runs, "runs", 4, "models trained in other example orders and averaged")
	flag.Uint64Var(&c.opts.Seed, "seed", 1, "seed of the example orders")
	flag.StringVar(&c.opts.Learner, "learner", "perceptron", "`perceptron` or logistic")
	flag.Float64Var(&c.opts.L2, "l2", 1e-4, "L2 penalty of the logistic learner")
	flag.IntVar(&c.k, "k", 5, "folds of the cross-validation")
	flag.Float64Var(&c.minPrecision, "min-precision", 0.85, "lowest cross-validated precision the threshold may give")
	flag.BoolVar(&c.cvOnly, "cv", false, "only report the cross-validation, write nothing")
	flag.BoolVar(&c.diag, "diag", false, "print every held-out error and the candidates' misses")
	flag.StringVar(&c.explain, "explain", "", "comma-separated `ids` of train or dev articles whose scored candidates to print")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

// thresholds are the decision thresholds the cross-validation compares.
var thresholds = []float32{-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4}

func run(c config) error {
	files := []string{c.labels}
	if c.synthetic != "" {
		files = append(files, c.synthetic)
	}
	all, err := labels.Load(c.data, files...)
	if err != nil {
		return err
	}
	var pool []labels.Article // train and dev
	var made []companies.TrainingText
	for _, a := range all {
		switch {
		case a.Set == labels.SetSynthetic:
			made = append(made, trainingText(a))
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
				for _, key := range []string{"all", a.Set, a.Lang} {
					if scores[key] == nil {
						scores[key] = make([]labels.Score, len(thresholds))
					}
					scores[key][ti].Add(s)
				}
				if c.diag && t == 0 {
					best := g.Best(trainingText(a))
					for _, n := range missed {
						fmt.Printf("cv missed %s [%s] %q: %s\n", a.ID, a.Set, n, best[n])
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
	for _, key := range []string{"all", "fr", "en", labels.SetFrBusiness, labels.SetFrGeneral, labels.SetEnBusiness, labels.SetEnGeneral} {
		for ti, t := range thresholds {
			s := scores[key][ti]
			mark := ""
			if ti == chosen {
				mark = " <-"
			}
			if key == "all" || ti == chosen {
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
		fmt.Printf("candidates stand for %d of %d gold names\n", golds-uncovered, golds)
	}
	m := f.Train(texts, c.opts).WithThreshold(thresholds[chosen])
	final := f.WithModel(m)
	for _, id := range strings.Split(c.explain, ",") {
		for _, a := range pool {
			if a.ID == id {
				fmt.Printf("== %s [%s %s] gold %q\n", a.ID, a.Set, a.Split, a.Companies)
				for _, l := range final.Explain(a.Title+"\n"+a.Text, a.Lang) {
					fmt.Println(l)
				}
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
