package labels

import (
	"math"
	"strings"

	"veille/corpus/fold"
)

// Score counts true positives, false positives and false negatives.
type Score struct{ TP, FP, FN int }

// Add adds o's counts to s.
func (s *Score) Add(o Score) { s.TP += o.TP; s.FP += o.FP; s.FN += o.FN }

// Precision is TP / (TP + FP), 1 when nothing was found.
func (s Score) Precision() float64 {
	if s.TP+s.FP == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FP)
}

// Recall is TP / (TP + FN), 1 when nothing was to be found.
func (s Score) Recall() float64 {
	if s.TP+s.FN == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FN)
}

// F1 is the harmonic mean of precision and recall.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// NameKey folds a company name for comparison: case, accents and
// everything but letters and digits are ignored ("L'Oréal" and "LOREAL"
// compare equal). It is [fold.Key].
func NameKey(s string) string { return fold.Key(s) }

// ScoreCompanies matches found names against gold entries, each gold
// entry being "Name" or "Name|Alternative|...", by [NameKey]. It returns
// the gold entries missed and the found names not in gold.
func ScoreCompanies(gold, found []string) (s Score, missed, extra []string) {
	return scoreGreedy(gold, found, func(f, g string) bool {
		k := NameKey(f)
		for _, alt := range strings.Split(g, "|") {
			if NameKey(alt) == k {
				return true
			}
		}
		return false
	})
}

// scoreGreedy pairs each found item with the first unused gold item it
// matches: a pair is a true positive, a found item left alone a false
// positive, a gold item left alone a false negative.
func scoreGreedy[T any](gold, found []T, match func(found, gold T) bool) (s Score, missed, extra []T) {
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
			s.TP++
		} else {
			s.FP++
			extra = append(extra, f)
		}
	}
	for i, g := range gold {
		if !used[i] {
			s.FN++
			missed = append(missed, g)
		}
	}
	return s, missed, extra
}

// ScoreSets compares two sets of codes.
func ScoreSets(gold, found []string) (s Score, missed, extra []string) {
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
			s.TP++
		} else {
			s.FP++
			extra = append(extra, x)
		}
	}
	for _, x := range gold {
		if !f[x] {
			s.FN++
			missed = append(missed, x)
		}
	}
	return s, missed, extra
}

// Sum is a value in a currency.
type Sum struct {
	Value    float64
	Currency string
}

// ScoreAmounts compares distinct {value, currency} pairs, values within
// 0.5 %.
func ScoreAmounts(gold, found []Sum) (s Score, missed, extra []Sum) {
	distinct := func(ms []Sum) []Sum {
		var out []Sum
		for _, m := range ms {
			dup := false
			for _, o := range out {
				if sameSum(m, o) {
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
	return scoreGreedy(distinct(gold), distinct(found), sameSum)
}

func sameSum(a, b Sum) bool {
	if a.Currency != b.Currency {
		return false
	}
	if a.Value == b.Value {
		return true
	}
	return math.Abs(a.Value-b.Value) <= 0.005*math.Max(math.Abs(a.Value), math.Abs(b.Value))
}
