// Command train trains veille's company classifier on the train split of
// the labelled articles (testdata/labels) and writes the model the
// package embeds:
//
//	go run ./analyzers/companies/train
//
// run from the module root, with the shared data in ../shared/data. The
// decision threshold is the one that gives the best F1 on the dev split
// among those keeping its precision at or above -min-precision; the test
// split is never read. Training is deterministic: the same labels, code
// and -seed give the same model.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"veille/analyzers/companies"
	"veille/analyzers/labels"
)

func main() {
	data := flag.String("data", filepath.Join("..", "shared", "data"), "shared data `folder`")
	labelFile := flag.String("labels", filepath.Join("testdata", "labels", "labels.jsonl"), "labels `file`")
	synthetic := flag.String("synthetic", filepath.Join("testdata", "labels", "synthetic-train.jsonl"), "made-up training articles `file` (skipped when absent)")
	out := flag.String("o", filepath.Join("analyzers", "companies", "data", "model.bin"), "model `file` to write")
	epochs := flag.Int("epochs", 12, "training passes")
	seed := flag.Uint64("seed", 1, "seed of the example order")
	minPrecision := flag.Float64("min-precision", 0.92, "lowest dev precision the threshold may give")
	diag := flag.Bool("diag", false, "print the dev articles' errors, the candidates' misses and the threshold sweep")
	explain := flag.String("explain", "", "comma-separated `ids` of labelled articles whose candidates to print with their scores")
	flag.Parse()
	if err := run(*data, *labelFile, *synthetic, *out, *epochs, *seed, *minPrecision, *diag, *explain); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(data, labelFile, synthetic, out string, epochs int, seed uint64, minPrecision float64, diag bool, explain string) error {
	files := []string{labelFile}
	if _, err := os.Stat(synthetic); err == nil {
		files = append(files, synthetic)
	}
	all, err := labels.Load(data, files...)
	if err != nil {
		return err
	}
	var train, dev []labels.Article
	for _, a := range all {
		switch a.Split {
		case labels.Train:
			train = append(train, a)
		case labels.Dev:
			dev = append(dev, a)
		}
	}
	f, err := companies.NewWithModel(nil, nil, nil)
	if err != nil {
		return err
	}
	texts := make([]companies.TrainingText, 0, len(train))
	for _, a := range train {
		texts = append(texts, trainingText(a))
	}
	m := f.Train(texts, companies.TrainOptions{Epochs: epochs, Seed: seed})
	fmt.Printf("trained on %d articles (%d epochs)\n", len(train), epochs)

	// The threshold: best dev F1 with precision at or above the floor.
	bestT, bestF := float32(0), -1.0
	for t := float32(-6); t <= 6; t += 0.25 {
		s := evaluate(f.WithModel(m.WithThreshold(t)), dev)
		if diag {
			fmt.Printf("threshold %5.2f: precision %.3f recall %.3f F1 %.3f\n", t, s.Precision(), s.Recall(), s.F1())
		}
		if s.Precision() >= minPrecision && s.F1() > bestF {
			bestT, bestF = t, s.F1()
		}
	}
	if bestF < 0 {
		bestT = 0
	}
	m = m.WithThreshold(bestT)
	final := f.WithModel(m)
	for _, set := range []string{"", labels.SetFrBusiness, labels.SetFrGeneral, labels.SetEnBusiness, labels.SetEnGeneral} {
		var sub []labels.Article
		for _, a := range dev {
			if set == "" || a.Set == set {
				sub = append(sub, a)
			}
		}
		s := evaluate(final, sub)
		name := set
		if name == "" {
			name = "all"
		}
		fmt.Printf("dev %-12s precision %.3f recall %.3f (tp %d fp %d fn %d)\n", name, s.Precision(), s.Recall(), s.TP, s.FP, s.FN)
	}
	if s := evaluate(final, train); true {
		fmt.Printf("train all        precision %.3f recall %.3f (tp %d fp %d fn %d)\n", s.Precision(), s.Recall(), s.TP, s.FP, s.FN)
	}
	fmt.Printf("threshold %.2f\n", bestT)
	if diag {
		uncovered, golds := 0, 0
		for _, a := range append(train, dev...) {
			u := final.Uncovered(trainingText(a))
			uncovered += len(u)
			golds += len(a.Companies)
			if a.Split == labels.Dev && len(u) > 0 {
				fmt.Printf("uncovered %s: %q\n", a.ID, u)
			}
		}
		fmt.Printf("candidates cover %d of %d gold names (train and dev)\n", golds-uncovered, golds)
		for _, a := range dev {
			found, _ := final.Find(context.Background(), a.Title+"\n"+a.Text, a.Lang)
			_, missed, extra := labels.ScoreCompanies(a.Companies, found)
			if len(missed)+len(extra) > 0 {
				fmt.Printf("%s [%s] missed %q extra %q\n", a.ID, a.Set, missed, extra)
			}
		}
	}
	for _, id := range strings.Split(explain, ",") {
		for _, a := range append(train, dev...) {
			if a.ID == id {
				fmt.Printf("== %s [%s %s] gold %q\n", a.ID, a.Set, a.Split, a.Companies)
				for _, l := range final.Explain(a.Title+"\n"+a.Text, a.Lang) {
					fmt.Println(l)
				}
			}
		}
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := m.WriteModel(w); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func trainingText(a labels.Article) companies.TrainingText {
	t := companies.TrainingText{Text: a.Title + "\n" + a.Text, Lang: a.Lang, Gold: a.Companies}
	for _, ms := range a.Mentions {
		t.Mentions = append(t.Mentions, ms...)
	}
	return t
}

func evaluate(f *companies.Finder, as []labels.Article) labels.Score {
	var total labels.Score
	for _, a := range as {
		found, _ := f.Find(context.Background(), a.Title+"\n"+a.Text, a.Lang)
		s, _, _ := labels.ScoreCompanies(a.Companies, found)
		total.Add(s)
	}
	return total
}
