package analyzers

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"veille/analyzers/labels"
	"veille/corpus"
	"veille/corpus/corpustest"
	"veille/internal/testrace"
)

// evalDetail prints each article's misses and false alarms.
var evalDetail = flag.String("eval.detail", "", "TestExtractionQuality: log the errors of each article of this split (train, round2, round3, round4, dev or test)")

// labelsDir holds the hand-labelled data (see testdata/labels/README.md
// at the module root).
var labelsDir = filepath.Join("..", "testdata", "labels")

// loadLabels loads the labelled articles with their text, skipping tb
// when the shared data is absent.
func loadLabels(tb testing.TB) []labels.Article {
	tb.Helper()
	dir, err := corpustest.Dir()
	if err != nil {
		tb.Skipf("shared data absent: %v", err)
	}
	var files []string
	for _, f := range labels.Files {
		files = append(files, filepath.Join(labelsDir, f))
	}
	as, err := labels.Load(dir, files...)
	if err != nil {
		tb.Fatal(err)
	}
	return as
}

// evalKinds are the extracted fields measured.
var evalKinds = []string{"companies", "countries", "amounts"}

// evaluation holds the scores of each split, set and kind.
type evaluation map[[3]string]*labels.Score

func (e evaluation) add(split, set, kind string, s labels.Score) {
	k := [3]string{split, set, kind}
	if e[k] == nil {
		e[k] = &labels.Score{}
	}
	e[k].Add(s)
}

func (e evaluation) get(split, set, kind string) labels.Score {
	if s := e[[3]string{split, set, kind}]; s != nil {
		return *s
	}
	return labels.Score{}
}

// round2, round3 and round4 name the train articles of the later
// labelling rounds in the figures, reported apart from the first round's
// train split.
const (
	round2 = "round2"
	round3 = "round3"
	round4 = "round4"
)

// evaluate runs the extractor on every labelled article.
func evaluate(tb testing.TB, ext *Extractor, as []labels.Article, detail string) evaluation {
	ev := evaluation{}
	for i := range as {
		a := &as[i]
		art := corpus.Article{ID: "x", Title: a.Title, Body: a.Text, Language: a.Lang}
		if t, err := time.Parse(time.DateOnly, a.Date); err == nil {
			art.Published = t
		}
		if err := ext.Enrich(context.Background(), &art); err != nil {
			tb.Fatal(err)
		}
		cs, cMiss, cExtra := labels.ScoreCompanies(a.Companies, art.Companies)
		ks, kMiss, kExtra := labels.ScoreSets(a.Countries, art.Countries)
		var gold, found []labels.Sum
		for _, m := range a.Amounts {
			gold = append(gold, labels.Sum{Value: m.Value, Currency: m.Currency})
		}
		for _, m := range art.Amounts {
			found = append(found, labels.Sum{Value: m.Value, Currency: m.Currency})
		}
		as, aMiss, aExtra := labels.ScoreAmounts(gold, found)
		split := a.Split
		switch a.Round { // train articles, reported apart
		case 2:
			split = round2
		case 3:
			split = round3
		case 4:
			split = round4
		}
		for _, set := range []string{a.Set, a.Lang} {
			ev.add(split, set, "companies", cs)
			ev.add(split, set, "countries", ks)
			ev.add(split, set, "amounts", as)
		}
		if detail == split && len(cMiss)+len(cExtra)+len(kMiss)+len(kExtra)+len(aMiss)+len(aExtra) > 0 {
			tb.Logf("%s [%s] companies missed=%q extra=%q | countries missed=%v extra=%v | amounts missed=%v extra=%v",
				a.ID, a.Set, cMiss, cExtra, kMiss, kExtra, aMiss, aExtra)
		}
	}
	return ev
}

// table renders the figures of one split.
func (e evaluation) table(split string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %-12s %-10s %9s %6s %5s %5s %5s\n", "split", "set", "kind", "precision", "recall", "tp", "fp", "fn")
	for _, set := range []string{labels.SetFrBusiness, labels.SetFrGeneral, labels.SetEnBusiness, labels.SetEnGeneral, "fr", "en"} {
		for _, kind := range evalKinds {
			s := e.get(split, set, kind)
			if s.TP+s.FP+s.FN == 0 {
				continue
			}
			fmt.Fprintf(&b, "%-6s %-12s %-10s %9.3f %6.3f %5d %5d %5d\n", split, set, kind, s.Precision(), s.Recall(), s.TP, s.FP, s.FN)
		}
	}
	return b.String()
}

// TestExtractionQuality measures company, country and amount extraction
// on the hand-labelled articles, per split, set and language, and fails
// below the floors of the held-out test split. Run with -v to see the
// figures, and -eval.detail=dev for each dev article's errors.
func TestExtractionQuality(t *testing.T) {
	testrace.SkipHeavy(t)
	as := loadLabels(t)
	ext := newTestExtractor(t)
	ev := evaluate(t, ext, as, *evalDetail)
	for _, split := range []string{labels.Train, round2, round3, round4, labels.Dev, labels.Test} {
		t.Logf("\n%s", ev.table(split))
	}

	// Floors on the test split (never used for training or tuning), set
	// just under what the extractors reached (README, "Extraction"):
	// companies fr-business 0.907/0.697, fr-general 0.680/0.895,
	// en-business 0.840/0.800; countries fr 0.972/0.978, en 0.993/0.967;
	// amounts fr 0.987/0.969, en 1.000/1.000. en-general has two firms:
	// no floor. The model with word clusters (2026-12-03), chosen by
	// cross-validation (F1 0.821 -> 0.825), lowered the precision floors
	// and the fr-business recall floor (0.703 -> 0.697: two firms of 323)
	// and raised the fr-general and en-business recall ones.
	type floor struct{ p, r float64 }
	floors := map[[2]string]floor{
		{labels.SetFrBusiness, "companies"}: {0.90, 0.69},
		{labels.SetFrGeneral, "companies"}:  {0.68, 0.89},
		{labels.SetEnBusiness, "companies"}: {0.84, 0.80},
		{"fr", "countries"}:                 {0.96, 0.97},
		{"en", "countries"}:                 {0.98, 0.95},
		{"fr", "amounts"}:                   {0.98, 0.96},
		{"en", "amounts"}:                   {0.99, 0.99},
	}
	keys := make([][2]string, 0, len(floors))
	for k := range floors {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+a[1], b[0]+b[1]) })
	for _, k := range keys {
		f := floors[k]
		s := ev.get(labels.Test, k[0], k[1])
		if s.Precision() < f.p || s.Recall() < f.r {
			t.Errorf("test %s %s: precision %.3f recall %.3f, below the floors %.2f/%.2f",
				k[0], k[1], s.Precision(), s.Recall(), f.p, f.r)
		}
	}
}
