package money

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"veille/corpus/corpustest"
)

// TestExtractIssueCases covers the forms of issue 13: pence and cents,
// context currencies, two sums sharing one currency word, k€ and Md$, a
// malformed "1, 037 milliard", years as range bounds.
func TestExtractIssueCases(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		countries map[string]int
		want      []amountWant
	}{
		{"pence", "shares rose to 118p, then 235.75 pence", nil, []amountWant{{1.18, "GBP", "118p"}, {2.3575, "GBP", "235.75 pence"}}},
		{"cents", "a dividend of 35 cents", nil, []amountWant{{0.35, "USD", "35 cents"}}},
		{"not pence", "at 4p.m. on page 12p4", nil, nil},
		{"Canadian story", "Le canadien Bombardier au Canada, au Canada encore : 2 milliards de dollars et $5m", map[string]int{"CA": 3},
			[]amountWant{{2e9, "CAD", "2 milliards de dollars"}, {5e6, "CAD", "$5m"}}},
		{"named once: still USD", "chercheurs de nationalité canadienne ; 130 milliards de dollars", map[string]int{"CA": 1},
			[]amountWant{{130e9, "USD", "130 milliards de dollars"}}},
		{"US named too", "Canada and the US: $5m", map[string]int{"CA": 2, "US": 1}, []amountWant{{5e6, "USD", "$5m"}}},
		{"explicit local dollar", "a 7.4bn Australian dollar ($5.8bn) bid", map[string]int{"AU": 2},
			[]amountWant{{7.4e9, "AUD", "7.4bn Australian dollar"}, {5.8e9, "USD", "$5.8bn"}}},
		{"Swiss francs", "UBS a perdu 3 milliards de francs", map[string]int{"CH": 1}, []amountWant{{3e9, "CHF", "3 milliards de francs"}}},
		{"French francs", "le budget de 1998 : 3 milliards de francs", nil, []amountWant{{3e9, "FRF", "3 milliards de francs"}}},
		{"Swedish crowns", "Ericsson a perdu 5 milliards de couronnes", map[string]int{"SE": 2}, []amountWant{{5e9, "SEK", "5 milliards de couronnes"}}},
		{"crowns of no country", "5 milliards de couronnes", nil, nil},
		{"Egyptian pounds", "un prêt de 3 milliards de livres", map[string]int{"EG": 1}, []amountWant{{3e9, "EGP", "3 milliards de livres"}}},
		{"shared currency word", "200 millions et 135 millions d'euros", nil,
			[]amountWant{{200e6, "EUR", "200 millions"}, {135e6, "EUR", "135 millions d'euros"}}},
		{"the sentence's currency", "une perte de 801 millions d'euros en 2019, contre un bénéfice de 141 millions un an plus tôt.", nil,
			[]amountWant{{801e6, "EUR", "801 millions d'euros"}, {141e6, "EUR", "141 millions"}}},
		{"not across sentences", "801 millions d'euros. Puis 141 millions un an plus tôt.", nil, []amountWant{{801e6, "EUR", "801 millions d'euros"}}},
		{"financial noun after de", "690 millions d'euros de manque à gagner et 614 millions de marge opérationnelle", nil,
			[]amountWant{{690e6, "EUR", "690 millions d'euros"}, {614e6, "EUR", "614 millions"}}},
		{"French multiplier before a verb", "une enveloppe de 60 millions d'euros, dont 45 millions proviennent d'un prêt, contre 19 millions auparavant", nil,
			[]amountWant{{60e6, "EUR", "60 millions d'euros"}, {45e6, "EUR", "45 millions"}, {19e6, "EUR", "19 millions"}}},
		{"bare range", "entre 6,8 et 8,4 milliards d'euros contre 6 à 7,5 milliards deux ans auparavant", nil,
			[]amountWant{{6.8e9, "EUR", "6,8 et 8,4 milliards d'euros"}, {8.4e9, "EUR", "8,4 milliards d'euros"}, {6e9, "EUR", "6 à 7,5 milliards"}, {7.5e9, "EUR", "7,5 milliards"}}},
		{"either bound", "les 3,4 ou 3,5 milliards d'euros d'imposition", nil,
			[]amountWant{{3.4e9, "EUR", "3,4 ou 3,5 milliards d'euros"}, {3.5e9, "EUR", "3,5 milliards d'euros"}}},
		{"first bound written as the second", "un fonds de 1.000 à 2.000 milliards d'euros", nil,
			[]amountWant{{1e12, "EUR", "1.000 à 2.000 milliards d'euros"}, {2e12, "EUR", "2.000 milliards d'euros"}}},
		{"a count, not money", "5 millions d'euros pour 3 millions d'habitants, 2 millions de visiteurs et 1.2 million cars", nil, []amountWant{{5e6, "EUR", "5 millions d'euros"}}},
		{"conversions skipped", "4.3bn rupees ($98m; £52m), against 2.7bn a year earlier", nil,
			[]amountWant{{4.3e9, "INR", "4.3bn rupees"}, {98e6, "USD", "$98m"}, {52e6, "GBP", "£52m"}, {2.7e9, "INR", "2.7bn"}}},
		{"k€ and Md$", "12 k€, 3 Md$ et 4,5 M€", nil, []amountWant{{12000, "EUR", "12 k€"}, {3e9, "USD", "3 Md$"}, {4.5e6, "EUR", "4,5 M€"}}},
		{"malformed comma", "un chiffre d'affaires de 1, 037 milliard d'euros", nil, []amountWant{{1.037e9, "EUR", "1, 037 milliard d'euros"}}},
		{"year is not a bound", "shares rose from 2014 to $17.65", nil, []amountWant{{17.65, "USD", "$17.65"}}},
		{"a real range", "de 2000 à 3000 euros", nil, []amountWant{{2000, "EUR", "2000 à 3000 euros"}, {3000, "EUR", "3000 euros"}}},
		{"quoted range", `entre "25.000 et 30.000 euros"`, nil, []amountWant{{25000, "EUR", `25.000 et 30.000 euros`}, {30000, "EUR", "30.000 euros"}}},
		{"quoted multiplier", `"entre 40 et 50 millions" d'euros`, nil, []amountWant{{40e6, "EUR", `40 et 50 millions" d'euros`}, {50e6, "EUR", `50 millions" d'euros`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Extract(context.Background(), tc.input, Context{Countries: tc.countries}, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkAmounts(t, tc.input, got, tc.want)
		})
	}
}

// TestExtractAtArticleMonth checks that eur uses the article's month.
func TestExtractAtArticleMonth(t *testing.T) {
	text := "un prêt de 1 milliard de livres libanaises"
	at := func(published time.Time) (float64, string) {
		got, err := Extract(context.Background(), text, Context{Published: published}, nil)
		if err != nil || len(got) != 1 {
			t.Fatalf("%v: %v %v", published, got, err)
		}
		return got[0].EUR, got[0].RateDate
	}
	e2020, d2020 := at(time.Date(2020, 3, 10, 0, 0, 0, 0, time.UTC))
	eLast, dLast := at(time.Time{})
	if d2020 != "2020-03" || dLast != DefaultRates().Last().String() {
		t.Errorf("rate dates %s and %s", d2020, dLast)
	}
	// 1,507.5 LBP per dollar in 2020 against 89,500 now: about 59 times more.
	if r := e2020 / eLast; r < 50 || r > 70 {
		t.Errorf("a 2020 sum in Lebanese pounds is worth %.1f times today's, want about 59", r)
	}
}

// TestExtractBounded checks that a text of a million sums keeps at most
// MaxAmounts of them and that a cancelled context stops the scan.
func TestExtractBounded(t *testing.T) {
	var b strings.Builder
	for i := range 200_000 {
		fmt.Fprintf(&b, "%d € et ", i)
	}
	text := b.String()
	got, err := Extract(context.Background(), text, Context{}, nil)
	if err != nil || len(got) != MaxAmounts {
		t.Errorf("%d amounts (err %v), want %d", len(got), err, MaxAmounts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Extract(ctx, strings.Repeat("un texte sans montant ", 20_000), Context{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// costlyAmounts returns about n bytes of text built to be costly for the
// amount scanner: numbers, currencies, connectors and bare sums, with few
// distinct values, so that the whole text is read.
func costlyAmounts(n int) string {
	var b strings.Builder
	for k := 0; b.Len() < n; k++ {
		i := k % 29
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "%d € et ", i)
		case 1:
			fmt.Fprintf(&b, "entre %d et %d millions ", i, i+1)
		case 2:
			fmt.Fprintf(&b, "%d,%03d milliards d'euros, contre %d millions un an plus tôt, ", i, i%1000, i)
		case 3:
			fmt.Fprintf(&b, "$%d-%dbn (£%dm; %dp) ", i, i+2, i, i)
		case 4:
			fmt.Fprintf(&b, "de %d à %d dollars canadiens ", i, i+3)
		default:
			b.WriteString("1, 037 milliard   -   2019-2020 ")
		}
	}
	return b.String()
}

// TestExtractScalesLinearly checks the growth of Extract's cost: four
// times the text must cost well under sixteen times the time. A quadratic
// step (the sums compared with every sum kept) once made a 3.2 MB body of
// "0 € et 1 € et 2 € et …" cost 43 s.
func TestExtractScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("scans megabytes")
	}
	ctx := context.Background()
	corpustest.CheckLinear(t, "Extract", costlyAmounts, func(text string) {
		if _, err := Extract(ctx, text, Context{Countries: map[string]int{"CA": 3}}, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkExtractLarge measures Extract on large, costly texts.
func BenchmarkExtractLarge(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{256 << 10, 1 << 20, 4 << 20} {
		text := costlyAmounts(n)
		b.Run(fmt.Sprintf("%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				_, _ = Extract(ctx, text, Context{}, nil)
			}
		})
	}
}
