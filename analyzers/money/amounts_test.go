package money

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"veille/corpus"
	"veille/corpus/corpustest"
	"veille/internal/testrace"
)

var updateAmounts = flag.Bool("update-amounts", false, "rewrite testdata/amounts_*.golden")

// amountWant is an expected amount: Value, Currency and Text.
type amountWant struct {
	value    float64
	currency string
	text     string
}

func checkAmounts(t *testing.T, input string, got []corpus.Amount, want []amountWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Extract(%q): got %d amounts %s, want %d %v", input, len(got), fmtAmounts(got), len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Currency != w.currency || !amountsClose(g.Value, w.value) || g.Text != w.text {
			t.Errorf("Extract(%q)[%d] = {%v %s %q}, want {%v %s %q}", input, i, g.Value, g.Currency, g.Text, w.value, w.currency, w.text)
		}
	}
}

func fmtAmounts(as []corpus.Amount) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "{%v %s %q} ", a.Value, a.Currency, a.Text)
	}
	return b.String()
}

// amountsClose compares values to a relative 1e-12: parsing must be exact up
// to float rounding.
func amountsClose(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}

func TestExtractAmounts(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []amountWant
	}{
		// French words
		{"milliards de dollars", "Nscale investira 2,5 milliards de dollars au Royaume-Uni.", []amountWant{{2.5e9, "USD", "2,5 milliards de dollars"}}},
		{"millions de dollars", "un chèque de 683 millions de dollars.", []amountWant{{683e6, "USD", "683 millions de dollars"}}},
		{"livres sterling", "1 milliard de livres sterling de fonds publics", []amountWant{{1e9, "GBP", "1 milliard de livres sterling"}}},
		{"typographic apostrophe", "30 milliards d’euros pour 13 sites", []amountWant{{30e9, "EUR", "30 milliards d’euros"}}},
		{"straight apostrophe", "200 milliards d'euros", []amountWant{{200e9, "EUR", "200 milliards d'euros"}}},
		{"uppercase", "920 MILLIONS D'EUROS D'AMENDES", []amountWant{{920e6, "EUR", "920 MILLIONS D'EUROS"}}},
		{"dot thousands", "un protocole à hauteur de 500.000 euros", []amountWant{{500000, "EUR", "500.000 euros"}}},
		{"dot thousands 2", "elles s'étaient élevées à 839.000 euros.", []amountWant{{839000, "EUR", "839.000 euros"}}},
		{"space thousands", "jusqu'à 45 000 € par an", []amountWant{{45000, "EUR", "45 000 €"}}},
		{"nbsp thousands", "jusqu'à 45\u00a0000\u00a0€ par an", []amountWant{{45000, "EUR", "45\u00a0000\u00a0€"}}},
		{"narrow nbsp thousands", "jusqu'à 45\u202f000\u202f€ par an", []amountWant{{45000, "EUR", "45\u202f000\u202f€"}}},
		{"millions with space groups", "1 500 000 euros", []amountWant{{1.5e6, "EUR", "1 500 000 euros"}}},
		{"dot and comma", "10.530,89 euros", []amountWant{{10530.89, "EUR", "10.530,89 euros"}}},
		{"space and comma", "1 234,56 €", []amountWant{{1234.56, "EUR", "1 234,56 €"}}},
		{"decimal comma", "une amende de 3,5 euros", []amountWant{{3.5, "EUR", "3,5 euros"}}},
		{"French price, three decimals", "un gazole à 1,231 €/L", []amountWant{{1.231, "EUR", "1,231 €"}}},
		{"Md€", "un chiffre d'affaires de 1,2 Md€", []amountWant{{1.2e9, "EUR", "1,2 Md€"}}},
		{"1 Md€", "1 Md€ investi", []amountWant{{1e9, "EUR", "1 Md€"}}},
		{"M$", "une levée de 30 M$", []amountWant{{30e6, "USD", "30 M$"}}},
		{"glued M€", "2,5M€ de chiffre d'affaires", []amountWant{{2.5e6, "EUR", "2,5M€"}}},
		{"k€", "un salaire de 45 k€", []amountWant{{45000, "EUR", "45 k€"}}},
		{"K$", "10K$ par mois", []amountWant{{10000, "USD", "10K$"}}},
		{"Mds €", "4 Mds € de dette", []amountWant{{4e9, "EUR", "4 Mds €"}}},
		{"mds d'euros", "Bruxelles lève 7,4 mds d'euros", []amountWant{{7.4e9, "EUR", "7,4 mds d'euros"}}},
		{"Mrd EUR", "3 Mrd EUR", []amountWant{{3e9, "EUR", "3 Mrd EUR"}}},
		{"millions d’euros", "7 millions d’euros", []amountWant{{7e6, "EUR", "7 millions d’euros"}}},
		{"million singular", "1,15 million d'euros", []amountWant{{1.15e6, "EUR", "1,15 million d'euros"}}},
		{"et demi", "2 milliards et demi de dollars", []amountWant{{2.5e9, "USD", "2 milliards et demi de dollars"}}},
		{"mille", "10 mille euros", []amountWant{{10000, "EUR", "10 mille euros"}}},
		{"dot thousands with French multiplier", "une dette de 2.400 milliards d'euros", []amountWant{{2.4e12, "EUR", "2.400 milliards d'euros"}}},
		{"French billion", "un billion de dollars", nil},
		{"French billion with digits", "1 billion de dollars", []amountWant{{1e12, "USD", "1 billion de dollars"}}},
		{"ungrammatical d'euros", "45.000 d'euros d'amende", []amountWant{{45000, "EUR", "45.000 d'euros"}}},
		{"euro singular", "une maison pour 1 euro", []amountWant{{1, "EUR", "1 euro"}}},
		{"centimes", "des demis à 70 centimes", []amountWant{{0.7, "EUR", "70 centimes"}}},
		{"centimes range", "un prix de 21 ou 40 centimes", []amountWant{{0.21, "EUR", "21 ou 40 centimes"}, {0.4, "EUR", "40 centimes"}}},
		{"list", "est de 20, 30, 40 centimes d'euros", []amountWant{{0.2, "EUR", "20, 30, 40 centimes d'euros"}, {0.3, "EUR", "30, 40 centimes d'euros"}, {0.4, "EUR", "40 centimes d'euros"}}},
		{"list with et", "des forfaits à 3, 5 et 10 millions d'euros", []amountWant{{3e6, "EUR", "3, 5 et 10 millions d'euros"}, {5e6, "EUR", "5 et 10 millions d'euros"}, {1e7, "EUR", "10 millions d'euros"}}},
		{"list of years", "en 2019, 2020 et 2021, 40 euros", []amountWant{{40, "EUR", "40 euros"}}},
		{"two numbers", "un tarif de 3, 5 euros", []amountWant{{5, "EUR", "5 euros"}}},
		{"unit in parentheses", "\"Il nous en faut 9 (millions d'euros) pour un premier tour\"", []amountWant{{9e6, "EUR", "9 (millions d'euros)"}}},
		{"compared sum", "faire évoluer le plafond des sanctions de 15.000 euros d'amendes maximum aujourd'hui à 100.000\".", []amountWant{{15000, "EUR", "15.000 euros"}, {100000, "EUR", "100.000"}}},
		{"compared sum in a list", "Rossel a offert 250.000 euros, IPM, qui supprimait des emplois, 150.000, selon le jugement.", []amountWant{{250000, "EUR", "250.000 euros"}, {150000, "EUR", "150.000"}}},
		{"compared count", "250.000 euros pour 10.000 habitants, soit 25 euros chacun", []amountWant{{250000, "EUR", "250.000 euros"}, {25, "EUR", "25 euros"}}},
		{"compared, other order of magnitude", "un bonus de 2.000 euros versé à 450.000, selon le ministère", []amountWant{{2000, "EUR", "2.000 euros"}}},
		{"abbreviation inside the sentence", "7 milliards d'euros: 4 milliards pour les bâtiments (écoles, etc.) et 2 milliards pour les ménages.", []amountWant{{7e9, "EUR", "7 milliards d'euros"}, {4e9, "EUR", "4 milliards"}, {2e9, "EUR", "2 milliards"}}},
		{"new sentence after a full stop", "7 milliards d'euros pour l'Etat. 2 milliards pour les ménages.", []amountWant{{7e9, "EUR", "7 milliards d'euros"}}},
		{"instead of", "vendu 2 euros au lieu de 3,85 habituellement", []amountWant{{2, "EUR", "2 euros"}, {3.85, "EUR", "3,85"}}},
		{"instead of, far", "2 euros pour une boisson commandée par des clients au comptoir au lieu de 3 habituellement", []amountWant{{2, "EUR", "2 euros"}}},
		{"centimes d'euro", "une taxe de 0,10 centime d'euro par kilo", []amountWant{{0.001, "EUR", "0,10 centime d'euro"}}},
		// Currencies
		{"francs historical", "3 milliards de francs", []amountWant{{3e9, "FRF", "3 milliards de francs"}}},
		{"francs suisses", "11 millions de francs suisses", []amountWant{{11e6, "CHF", "11 millions de francs suisses"}}},
		{"francs CFA", "350.000 francs CFA", []amountWant{{350000, "XOF", "350.000 francs CFA"}}},
		{"FCFA", "500 000 FCFA", []amountWant{{500000, "XOF", "500 000 FCFA"}}},
		{"yens", "5 milliards de yens", []amountWant{{5e9, "JPY", "5 milliards de yens"}}},
		{"yuans", "3 millions de yuans", []amountWant{{3e6, "CNY", "3 millions de yuans"}}},
		{"roubles", "800.000 roubles", []amountWant{{800000, "RUB", "800.000 roubles"}}},
		{"roupies", "4,2 millions de roupies", []amountWant{{4.2e6, "INR", "4,2 millions de roupies"}}},
		{"dollars canadiens", "2 millions de dollars canadiens", []amountWant{{2e6, "CAD", "2 millions de dollars canadiens"}}},
		{"dollars australiens", "4 milliards de dollars australiens", []amountWant{{4e9, "AUD", "4 milliards de dollars australiens"}}},
		{"dollars US", "5 millions de dollars US", []amountWant{{5e6, "USD", "5 millions de dollars US"}}},
		{"dollars hongkongais", "1.000 dollars hongkongais", []amountWant{{1000, "HKD", "1.000 dollars hongkongais"}}},
		{"couronnes suédoises", "9 millions de couronnes suédoises", []amountWant{{9e6, "SEK", "9 millions de couronnes suédoises"}}},
		{"couronnes norvégiennes", "121 milliards de couronnes norvégiennes", []amountWant{{121e9, "NOK", "121 milliards de couronnes norvégiennes"}}},
		{"couronnes danoises", "3 millions de couronnes danoises", []amountWant{{3e6, "DKK", "3 millions de couronnes danoises"}}},
		{"réais", "2,25 millions de réais", []amountWant{{2.25e6, "BRL", "2,25 millions de réais"}}},
		{"wons", "33,3 milliards de wons", []amountWant{{33.3e9, "KRW", "33,3 milliards de wons"}}},
		{"livres turques", "270.000 lires turques", []amountWant{{270000, "TRY", "270.000 lires turques"}}},
		{"livres libanaises", "500.000 livres libanaises", []amountWant{{500000, "LBP", "500.000 livres libanaises"}}},
		{"dirhams", "1.300 dirhams", []amountWant{{1300, "MAD", "1.300 dirhams"}}},
		{"CHF suffix", "36 701 775 CHF", []amountWant{{36701775, "CHF", "36 701 775 CHF"}}},
		{"M USD", "5 M USD", []amountWant{{5e6, "USD", "5 M USD"}}},
		{"MEUR", "un don (4,45 MEUR)", []amountWant{{4.45e6, "EUR", "4,45 MEUR"}}},
		{"KEUR", "20 KEUR", []amountWant{{20000, "EUR", "20 KEUR"}}},
		{"$US", "10 millions $US", []amountWant{{10e6, "USD", "10 millions $US"}}},
		{"dollar sign after", "358 000 $ pour le modèle", []amountWant{{358000, "USD", "358 000 $"}}},
		{"pound sign after", "à partir de 9 750 £", []amountWant{{9750, "GBP", "9 750 £"}}},
		{"yen sign", "¥500", []amountWant{{500, "JPY", "¥500"}}},
		// English
		{"$bn", "profits jumped 76% to $1.13bn (£600m)", []amountWant{{1.13e9, "USD", "$1.13bn"}, {600e6, "GBP", "£600m"}}},
		{"€ billion", "€5 billion of new debt", []amountWant{{5e9, "EUR", "€5 billion"}}},
		{"US$ million", "US$ 2 million", []amountWant{{2e6, "USD", "US$ 2 million"}}},
		{"USD prefix", "USD 5 million", []amountWant{{5e6, "USD", "USD 5 million"}}},
		{"EUR prefix", "EUR 3m", []amountWant{{3e6, "EUR", "EUR 3m"}}},
		{"CHF prefix", "CHF 1,5 million", []amountWant{{1.5e6, "CHF", "CHF 1,5 million"}}},
		{"A$", "it cut A$68m from profit", []amountWant{{68e6, "AUD", "A$68m"}}},
		{"HK$", "HK$327m (US$42m; £22m)", []amountWant{{327e6, "HKD", "HK$327m"}, {42e6, "USD", "US$42m"}, {22e6, "GBP", "£22m"}}},
		{"English thousands comma", "$1,130 million", []amountWant{{1.13e9, "USD", "$1,130 million"}}},
		{"English thousands commas", "1,500,000 dollars", []amountWant{{1.5e6, "USD", "1,500,000 dollars"}}},
		{"English decimal dot", "£5.5m", []amountWant{{5.5e6, "GBP", "£5.5m"}}},
		{"English comma and dot", "$1,234.56", []amountWant{{1234.56, "USD", "$1,234.56"}}},
		{"bn euros", "net profit came in at 1.4bn euros (£960m; $1.85bn)", []amountWant{{1.4e9, "EUR", "1.4bn euros"}, {960e6, "GBP", "£960m"}, {1.85e9, "USD", "$1.85bn"}}},
		{"trillion yen", "3 trillion yen ($29bn)", []amountWant{{3e12, "JPY", "3 trillion yen"}, {29e9, "USD", "$29bn"}}},
		{"Swiss francs", "86.7bn Swiss francs", []amountWant{{86.7e9, "CHF", "86.7bn Swiss francs"}}},
		{"million pounds", "a 5 million pounds deal", []amountWant{{5e6, "GBP", "5 million pounds"}}},
		{"cents", "shares fell 25 cents to $17.65", []amountWant{{0.25, "USD", "25 cents"}, {17.65, "USD", "$17.65"}}},
		{"euro cents", "shedding 15% to 22 euro cents", []amountWant{{0.22, "EUR", "22 euro cents"}}},
		{"symbol of next number", "spend by 2008 £60bn more", []amountWant{{60e9, "GBP", "£60bn"}}},
		// Several amounts, conversions
		{"conversion in parentheses", "100 milliards de dollars (96 milliards d'euros)", []amountWant{{100e9, "USD", "100 milliards de dollars"}, {96e9, "EUR", "96 milliards d'euros"}}},
		// Signs
		{"negative", "-3 millions d'euros", []amountWant{{-3e6, "EUR", "-3 millions d'euros"}}},
		{"negative M€", "une perte de -2,5 M€", []amountWant{{-2.5e6, "EUR", "-2,5 M€"}}},
		{"negative minus sign", "(−218,4 millions d'euros)", []amountWant{{-218.4e6, "EUR", "−218,4 millions d'euros"}}},
		{"negative prefix", "a loss of -$5m", []amountWant{{-5e6, "USD", "-$5m"}}},
		{"dash of an aside", "la somme prévue -190 millions d'euros- était à gagner", []amountWant{{190e6, "EUR", "190 millions d'euros"}}},
		{"list dash", "- 3 millions d'euros", []amountWant{{3e6, "EUR", "3 millions d'euros"}}},
		// Ranges
		{"range de à", "de 1,5 à 2,5 milliards d'euros", []amountWant{{1.5e9, "EUR", "1,5 à 2,5 milliards d'euros"}, {2.5e9, "EUR", "2,5 milliards d'euros"}}},
		{"range entre et", "entre 2 et 3 millions de dollars", []amountWant{{2e6, "USD", "2 et 3 millions de dollars"}, {3e6, "USD", "3 millions de dollars"}}},
		{"range Md€", "1,5 à 2 Md€", []amountWant{{1.5e9, "EUR", "1,5 à 2 Md€"}, {2e9, "EUR", "2 Md€"}}},
		{"range $bn", "$2-3bn", []amountWant{{2e9, "USD", "$2-3bn"}, {3e9, "USD", "$2-3bn"}}},
		{"range prefix only", "headed to $30-35 but", []amountWant{{30, "USD", "$30-35"}, {35, "USD", "$30-35"}}},
		{"range large first bound", "de 500 000 à 2 millions d'euros", []amountWant{{500000, "EUR", "500 000 à 2 millions d'euros"}, {2e6, "EUR", "2 millions d'euros"}}},
		{"range own multipliers", "entre 800 millions et 1 milliard d'euros", []amountWant{{800e6, "EUR", "800 millions et 1 milliard d'euros"}, {1e9, "EUR", "1 milliard d'euros"}}},
		{"range plain", "entre 330 et 1.000 euros", []amountWant{{330, "EUR", "330 et 1.000 euros"}, {1000, "EUR", "1.000 euros"}}},
		{"range slash", "les 250/300 euros d'achat", []amountWant{{250, "EUR", "250/300 euros"}, {300, "EUR", "300 euros"}}},
		{"range English", "between $1bn and $3bn", []amountWant{{1e9, "USD", "$1bn and $3bn"}, {3e9, "USD", "$3bn"}}},
		{"range English shared unit", "$1.3 to $1.5bn", []amountWant{{1.3e9, "USD", "$1.3 to $1.5bn"}, {1.5e9, "USD", "$1.5bn"}}},
		// Coordinated numbers share the currency (labelling ruling 1).
		{"et without entre", "payé 2 et 3 millions d'euros", []amountWant{{2e6, "EUR", "2 et 3 millions d'euros"}, {3e6, "EUR", "3 millions d'euros"}}},
		{"et without entre, no multiplier", "les articles 2 et 3 euros", []amountWant{{3, "EUR", "3 euros"}}},
		{"typo of milliards", "une baisse de 10 milliardds d'euros", []amountWant{{1e10, "EUR", "10 milliardds d'euros"}}},
		{"not a range: year", "en 2019 à 5 millions d'euros", []amountWant{{5e6, "EUR", "5 millions d'euros"}}},
		{"not a range: two years", "la saison 2019-2020 euros", []amountWant{{2020, "EUR", "2020 euros"}}},
		// Weak currency words
		{"livres with multiplier", "600 millions de livres", []amountWant{{600e6, "GBP", "600 millions de livres"}}},
		{"livres large", "une maison pour 500.000 livres", []amountWant{{500000, "GBP", "500.000 livres"}}},
		{"livres with conversion", "une amende de 100 livres (113 euros)", []amountWant{{100, "GBP", "100 livres"}, {113, "EUR", "113 euros"}}},
		{"livres with soit", "peut rapporter 800 livres, soit près de 900 euros", []amountWant{{800, "GBP", "800 livres"}, {900, "EUR", "900 euros"}}},
		{"livres books", "une bibliothèque de plus de 300 livres", nil},
		{"livres numériques", "1,4 million de livres numériques", nil},
		{"livres exchange rate", "au taux fixe de 1.507 livres pour un dollar", nil},
		{"bare couronnes", "121 milliards de couronnes", nil},
		{"pounds weight", "a 200 pounds man", nil},
		// Glued text from web pages
		{"glued to word", "Des gains exorbitants1,5 million d'euros.", []amountWant{{1.5e6, "EUR", "1,5 million d'euros"}}},
		// Dedupe
		{"duplicates", "683 millions de dollars ... 683 millions de dollars ... 683 M$", []amountWant{{683e6, "USD", "683 millions de dollars"}}},
		{"same value other currency", "5 millions d'euros et 5 millions de dollars", []amountWant{{5e6, "EUR", "5 millions d'euros"}, {5e6, "USD", "5 millions de dollars"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkAmounts(t, tc.input, extract(tc.input), tc.want)
		})
	}
}

func TestExtractAmountsNever(t *testing.T) {
	for _, input := range []string{
		"8,5 millions du ministère de l'Agriculture",
		"1,15 million du ministère",
		"60 000 GPU Nvidia",
		"100 000 GPU d'ici fin 2026",
		"5000 emplois",
		"230 MW puis 290 MW",
		"20 mégawatts",
		"en 2026",
		"25 %",
		"une hausse de 25% ",
		"le 1er janvier",
		"des milliards de dollars",
		"des dizaines de milliards de dollars",
		"deux milliards d'euros",
		"45 000 puces",
		"683 millions de personnes",
		"Lyon bat Nice 3-1",
		"appelez le 01 23 45 67 89",
		"le 12/05/2020 à 15h30",
		"la série GB200",
		"un Airbus A320",
		"la COVID-19",
		"5 milliards de chiffre d'affaires",
		"3 mds",
		"5 m de haut",
		"10 km",
		"10 kW et 5 mW",
		"the 12 euro zone countries",
		"the 12 euro-area members",
		"version 1.2.3",
		"Stargate UAE, le pendant émirati",
		"le chiffre d'affaires 2019 (millions d'euros)",
	} {
		if got := extract(input); len(got) != 0 {
			t.Errorf("Extract(%q) = %s, want none", input, fmtAmounts(got))
		}
	}
}

func TestExtractAmountsEUR(t *testing.T) {
	rf, err := ParseRates(strings.NewReader("USD 0.5\nGBP 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	rates := DefaultRates().Merge(rf)
	got, err := Extract(context.Background(), "2 millions de dollars, 3 millions de livres, 4 millions d'euros, 5 millions de shillings tanzaniens, 1,11 dollar", Context{}, rates)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		currency string
		eur      float64
	}{{"USD", 1e6}, {"GBP", 6e6}, {"EUR", 4e6}, {"TZS", 0}, {"USD", 0.56}}
	if len(got) != len(want) {
		t.Fatalf("got %s", fmtAmounts(got))
	}
	for i, w := range want {
		if got[i].Currency != w.currency || got[i].EUR != w.eur || got[i].RateDate != rates.Last().String() {
			t.Errorf("amount %d: got %s %v EUR at %s, want %s %v EUR at %s", i, got[i].Currency, got[i].EUR, got[i].RateDate, w.currency, w.eur, rates.Last())
		}
	}
}

// extract is Extract of an undated text naming no country.
func extract(text string) []corpus.Amount {
	got, err := Extract(context.Background(), text, Context{}, nil)
	if err != nil {
		panic(err)
	}
	return got
}

func TestExtractAmountsNoneIsNil(t *testing.T) {
	if got := extract("rien ici, 25 %"); got != nil {
		t.Errorf("got %#v, want nil", got)
	}
}

// TestExtractAmountsSeeds checks every amount of the seed articles against
// testdata/amounts_seeds.golden (rewrite it with -update-amounts after
// checking the diff by eye).
func TestExtractAmountsSeeds(t *testing.T) {
	seeds := corpus.Seeds()
	names, err := fs.Glob(seeds, "*.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("no seeds: %v", err)
	}
	var b strings.Builder
	for _, name := range names {
		data, err := fs.ReadFile(seeds, name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "# %s\n", name)
		for _, a := range extract(string(data)) {
			fmt.Fprintf(&b, "%.0f\t%s\t%.0f\t%s\n", a.Value, a.Currency, a.EUR, a.Text)
		}
	}
	golden := filepath.Join("testdata", "amounts_seeds.golden")
	if *updateAmounts {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-amounts to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("seed amounts differ from %s:\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

// TestExtractAmountsRecallOrangeSum checks, on OrangeSum articles, that
// every common French way of writing a sum ("12,5 millions d'euros",
// "45.000 euros", "300 €", "2 milliards de dollars") is found.
func TestExtractAmountsRecallOrangeSum(t *testing.T) {
	testrace.SkipHeavy(t)
	if testing.Short() {
		t.Skip("reads the OrangeSum corpus")
	}
	f, err := os.Open(corpustest.DataPath(t, "orangesum-fr.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	pattern := regexp.MustCompile(`(?:^|[\s(])(\d{1,3}(?:[.\x{a0}\x{202f} ]\d{3})*(?:,\d+)?)(?:\s(?:millions?|milliards?))?\s(?:d'|d’|de\s)?(?:euros|dollars|€)`)
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var articles, mentions, missed int
	for articles < 6000 && sc.Scan() {
		var d struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		articles++
		for _, m := range pattern.FindAllStringSubmatchIndex(d.Text, -1) {
			mentions++
			// Extract from the mention on, so that a repeated sum
			// (deduplicated in the whole text) is still seen.
			hi := min(len(d.Text), m[1]+40)
			for hi < len(d.Text) && !utf8.RuneStart(d.Text[hi]) {
				hi++
			}
			window := d.Text[m[2]:hi]
			found := false
			for _, a := range extract(window) {
				if strings.HasPrefix(window, a.Text) && len(a.Text) >= m[1]-m[2]-1 {
					found = true
				}
			}
			if !found {
				missed++
				if missed <= 20 {
					t.Logf("missed %q", d.Text[m[0]:m[1]])
				}
			}
		}
	}
	if mentions < 1000 {
		t.Fatalf("only %d mentions in %d articles: pattern broken?", mentions, articles)
	}
	recall := 1 - float64(missed)/float64(mentions)
	t.Logf("%d articles, %d mentions, %d missed, recall %.4f", articles, mentions, missed, recall)
	if recall < 0.99 {
		t.Errorf("recall %.4f < 0.99 on common patterns", recall)
	}
}

func FuzzExtractAmounts(f *testing.F) {
	for _, s := range []string{
		"2,5 milliards de dollars", "$1.13bn (£600m)", "de 1,5 à 2,5 milliards d'euros", "$2-3bn",
		"-3 millions d'euros", "45\u202f000\u00a0€", "1.234.567,89 €", "US$ 2 million", "entre 2 et 3 M€",
		"99999999999999999999 euros", "1,2,3,4,5,6,7,8,9,0 €", "€", "$-", "- $", "d'euros", "0 €",
		"1 milliard et demi de livres sterling", "12 345 678 901 234 567 890 $", "\xff1 €\xfe",
		"-−1 €", "1/2/3 euros", "2019-2020 euros", "1 milliards et demie d'euros",
	} {
		f.Add(s)
	}
	rates := DefaultRates()
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Extract(context.Background(), s, Context{}, rates)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[[2]any]bool{}
		for _, a := range got {
			if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) || math.IsNaN(a.EUR) || math.IsInf(a.EUR, 0) {
				t.Fatalf("%q: non-finite amount %+v", s, a)
			}
			if a.Text == "" || !strings.Contains(s, a.Text) {
				t.Fatalf("%q: Text %q is not a substring", s, a.Text)
			}
			if !strings.ContainsAny(a.Text, "0123456789") {
				t.Fatalf("%q: Text %q has no digit", s, a.Text)
			}
			want, date, _ := rates.ToEUR(a.Value, a.Currency, 0)
			if a.RateDate != date.String() {
				t.Fatalf("%q: rate date %q, want %s", s, a.RateDate, date)
			}
			if a.EUR != want {
				t.Fatalf("%q: EUR %v, want %v for %v %s", s, a.EUR, want, a.Value, a.Currency)
			}
			if len(a.Currency) != 3 {
				t.Fatalf("%q: currency %q is not an ISO code", s, a.Currency)
			}
			k := [2]any{a.Value, a.Currency}
			if seen[k] {
				t.Fatalf("%q: duplicate %v %s", s, a.Value, a.Currency)
			}
			seen[k] = true
		}
	})
}

// amountsBenchArticle returns about 3 KB of a seed article (seed 004 has eight
// amounts).
func amountsBenchArticle(b *testing.B) string {
	data, err := fs.ReadFile(corpus.Seeds(), "004_b77bd5bdddbda381.txt")
	if err != nil {
		b.Fatal(err)
	}
	s := string(data)
	if len(s) > 3072 {
		// keep the end, where most amounts are, and cut on a rune boundary
		cut := len(s) - 3072
		for !utf8.RuneStart(s[cut]) {
			cut++
		}
		s = s[cut:]
	}
	return s
}

func BenchmarkExtractAmounts(b *testing.B) {
	text := amountsBenchArticle(b)
	rates := DefaultRates()
	ctx := context.Background()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		got, _ := Extract(ctx, text, Context{}, rates)
		n += len(got)
	}
	if n == 0 {
		b.Fatal("no amounts")
	}
}
