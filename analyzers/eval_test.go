package analyzers

import (
	"bufio"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"veille/analyzers/companies"
	"veille/analyzers/countries"
	"veille/analyzers/money"
	"veille/corpus/fold"
)

// evalDetail prints each article's misses and false alarms.
var evalDetail = flag.Bool("eval.detail", false, "TestExtractionQuality: log per-article errors")

// labelsPath is the hand-labelled OrangeSum sample (CC BY-SA 4.0, see
// testdata/labels/README.md at the module root).
const labelsPath = "../testdata/labels/orangesum-labels.jsonl"

type labelledArticle struct {
	ID        string   `json:"id"`
	Split     string   `json:"split"`
	Title     string   `json:"title"`
	Text      string   `json:"text"`
	Companies []string `json:"companies"`
	Countries []string `json:"countries"`
	Amounts   []struct {
		Value    float64 `json:"value"`
		Currency string  `json:"currency"`
	} `json:"amounts"`
}

func loadLabels(t testing.TB) []labelledArticle {
	t.Helper()
	f, err := os.Open(filepath.FromSlash(labelsPath))
	if err != nil {
		t.Fatalf("open labels: %v", err)
	}
	defer f.Close()
	var out []labelledArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<22)
	for sc.Scan() {
		var a labelledArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("labels line %d: %v", len(out)+1, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read labels: %v", err)
	}
	return out
}

// score counts true positives, false positives and false negatives.
type score struct{ tp, fp, fn int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 0
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 0
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

// nameKey folds a company name for comparison: case, accents and
// everything but letters and digits are ignored.
func nameKey(s string) string {
	var b strings.Builder
	for _, r := range fold.Lower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// scoreCompanies matches found names against gold entries, each gold
// entry being "Name" or "Name|Alternative|...".
func scoreCompanies(gold, found []string) (s score, missed, extra []string) {
	return scoreGreedy(gold, found, func(f, g string) bool {
		k := nameKey(f)
		for _, alt := range strings.Split(g, "|") {
			if nameKey(alt) == k {
				return true
			}
		}
		return false
	})
}

// scoreGreedy pairs each found item with the first unused gold item it
// matches: a pair is a true positive, a found item left alone a false
// positive, a gold item left alone a false negative.
func scoreGreedy[T any](gold, found []T, match func(found, gold T) bool) (s score, missed, extra []T) {
	used := make([]bool, len(gold))
	for _, f := range found {
		hit := false
		for i, g := range gold {
			if !used[i] && match(f, g) {
				used[i], hit = true, true
				break
			}
		}
		if hit {
			s.tp++
		} else {
			s.fp++
			extra = append(extra, f)
		}
	}
	for i, g := range gold {
		if !used[i] {
			s.fn++
			missed = append(missed, g)
		}
	}
	return s, missed, extra
}

func scoreSets(gold, found []string) (s score, missed, extra []string) {
	g := make(map[string]bool, len(gold))
	for _, x := range gold {
		g[x] = true
	}
	f := make(map[string]bool, len(found))
	for _, x := range found {
		if f[x] {
			continue
		}
		f[x] = true
		if g[x] {
			s.tp++
		} else {
			s.fp++
			extra = append(extra, x)
		}
	}
	for _, x := range gold {
		if !f[x] {
			s.fn++
			missed = append(missed, x)
		}
	}
	return s, missed, extra
}

type sum struct {
	value    float64
	currency string
}

// scoreAmounts compares distinct {value, currency} pairs, values within 0.5 %.
func scoreAmounts(gold, found []sum) (s score, missed, extra []sum) {
	distinct := func(ms []sum) []sum {
		var out []sum
		for _, m := range ms {
			dup := false
			for _, o := range out {
				if sameMoney(m, o) {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, m)
			}
		}
		return out
	}
	return scoreGreedy(distinct(gold), distinct(found), sameMoney)
}

func sameMoney(a, b sum) bool {
	if a.currency != b.currency {
		return false
	}
	if a.value == b.value {
		return true
	}
	return math.Abs(a.value-b.value) <= 0.005*math.Max(math.Abs(a.value), math.Abs(b.value))
}

func (s *score) add(o score) { s.tp += o.tp; s.fp += o.fp; s.fn += o.fn }

// TestExtractionQuality measures company, country and amount extraction
// on hand-labelled OrangeSum articles (dev and held-out test splits) and
// fails below the floors. Run with -v to see the figures, and with
// -eval.detail for each article's errors.
func TestExtractionQuality(t *testing.T) {
	labels := loadLabels(t)
	comp, err := companies.New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctry := countries.New()
	rates := money.DefaultRates()

	type totals struct{ companies, countries, amounts score }
	bySplit := map[string]*totals{}
	for _, a := range labels {
		text := a.Title + "\n\n" + a.Text
		tot := bySplit[a.Split]
		if tot == nil {
			tot = &totals{}
			bySplit[a.Split] = tot
		}
		cs, cMiss, cExtra := scoreCompanies(a.Companies, comp.Find(text))
		ks, kMiss, kExtra := scoreSets(a.Countries, ctry.Find(text))
		var goldAmounts, foundAmounts []sum
		for _, m := range a.Amounts {
			goldAmounts = append(goldAmounts, sum{m.Value, m.Currency})
		}
		for _, m := range money.Extract(text, rates) {
			foundAmounts = append(foundAmounts, sum{m.Value, m.Currency})
		}
		as, aMiss, aExtra := scoreAmounts(goldAmounts, foundAmounts)
		tot.companies.add(cs)
		tot.countries.add(ks)
		tot.amounts.add(as)
		if *evalDetail && (len(cMiss)+len(cExtra)+len(kMiss)+len(kExtra)+len(aMiss)+len(aExtra) > 0) {
			t.Logf("%s [%s] companies missed=%q extra=%q | countries missed=%v extra=%v | amounts missed=%v extra=%v",
				a.ID, a.Split, cMiss, cExtra, kMiss, kExtra, aMiss, aExtra)
		}
	}

	// Floors, set just under what was measured (test split, held out:
	// companies precision 0.930, recall 0.767; dev split, used for tuning:
	// 0.980, 0.836). Companies are this package's gazetteer and discovery
	// rules: enforced.
	//
	// Countries and amounts are held to the product goals (countries
	// >= 0.90, amounts >= 0.95); measured: 1.000/1.000 for both on test,
	// dev amounts recall 0.989.
	type floor struct{ p, r float64 }
	floors := map[string]map[string]floor{
		"test": {
			"companies": {p: 0.90, r: 0.74},
			"countries": {p: 0.90, r: 0.90},
			"amounts":   {p: 0.95, r: 0.95},
		},
		"dev": {
			"companies": {p: 0.95, r: 0.80},
			"countries": {p: 0.90, r: 0.90},
			"amounts":   {p: 0.95, r: 0.95},
		},
	}
	splits := make([]string, 0, len(bySplit))
	for s := range bySplit {
		splits = append(splits, s)
	}
	sort.Strings(splits)
	for _, split := range splits {
		tot := bySplit[split]
		for _, kind := range []string{"companies", "countries", "amounts"} {
			var s score
			switch kind {
			case "companies":
				s = tot.companies
			case "countries":
				s = tot.countries
			case "amounts":
				s = tot.amounts
			}
			t.Logf("%-4s %-9s precision %.3f recall %.3f (tp %d, fp %d, fn %d)",
				split, kind, s.precision(), s.recall(), s.tp, s.fp, s.fn)
			f, ok := floors[split][kind]
			if !ok {
				continue
			}
			if s.precision() < f.p || s.recall() < f.r {
				t.Errorf("%s %s: precision %.3f recall %.3f, below the floors %.2f/%.2f",
					split, kind, s.precision(), s.recall(), f.p, f.r)
			}
		}
	}
}
