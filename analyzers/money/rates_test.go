package money

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func month(tb testing.TB, s string) Month {
	tb.Helper()
	m, err := ParseMonth(s)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestDefaultRatesByMonth checks conversions at the article's month
// against the ECB's published monthly means and the documented pegs.
func TestDefaultRatesByMonth(t *testing.T) {
	r := DefaultRates()
	if r.First().String() != "1999-01" || r.Last() < month(t, "2026-01") {
		t.Fatalf("table covers %s to %s", r.First(), r.Last())
	}
	tests := []struct {
		value       float64
		code, month string
		eur         float64 // within 0.5 %
		rateDate    string
		explanation string
	}{
		{100, "USD", "2020-03", 90.6, "2020-03", "ECB March 2020 mean 1.1063 USD per EUR"},
		{100, "USD", "2008-07", 63.6, "2008-07", "ECB July 2008 mean 1.5770"},
		{100, "GBP", "1999-01", 142.3, "1999-01", "ECB January 1999 mean 0.70291"},
		{100, "USD", "1995-06", 86.1, "1999-01", "before the euro: the first month"},
		{100, "USD", "2099-01", 100 / 1.1639, r.Last().String(), "after the table: the last month"},
		{1e6, "LBP", "2020-03", 1e6 / 1507.5 / 1.1063, "2020-03", "official peg of 2020, through the dollar"},
		{1e6, "LBP", "2024-06", 1e6 / 89500 / 1.0759, "2024-06", "official rate since 2024"},
		{1000, "AED", "2015-01", 1000 / 3.6725 / 1.1621, "2015-01", "dirham peg"},
		{655.957, "XOF", "2010-05", 1, "2010-05", "CFA franc, fixed"},
		{6.55957, "FRF", "2001-05", 1, "2001-05", "French franc, conversion rate"},
		{1, "CYP", "2005-01", 1 / 0.58, "2005-01", "Cyprus pound quoted by the ECB before 2008"},
		{0.585274, "CYP", "2010-01", 1, "2010-01", "then its conversion rate"},
		{100, "RUB", "2021-06", 100 / 87.456, "2021-06", "rouble quoted until February 2022"},
		{100, "RUB", "2023-06", 1, "2024-12", "then an approximation, which says so"},
		{10.75, "MAD", "2012-01", 1, "2024-12", "dirham: approximation"},
	}
	for _, tc := range tests {
		eur, date, ok := r.ToEUR(tc.value, tc.code, month(t, tc.month))
		if !ok || math.Abs(eur-tc.eur) > 0.005*math.Abs(tc.eur) || date.String() != tc.rateDate {
			t.Errorf("%v %s at %s = %v EUR (rate of %s, ok %v), want %v at %s: %s",
				tc.value, tc.code, tc.month, eur, date, ok, tc.eur, tc.rateDate, tc.explanation)
		}
	}
	if eur, date, ok := r.ToEUR(12, "EUR", month(t, "2013-02")); !ok || eur != 12 || date.String() != "2013-02" {
		t.Errorf("EUR converts to itself at its month: %v %s %v", eur, date, ok)
	}
	if eur, _, ok := r.ToEUR(12, "XYZ", 0); ok || eur != 0 {
		t.Errorf("unknown currency: %v %v, want 0 false", eur, ok)
	}
}

// TestExtractedCurrenciesHaveRates checks that every currency the
// extractor can return converts, but for minor ones read only with their
// qualifier.
func TestExtractedCurrenciesHaveRates(t *testing.T) {
	codes := map[string]bool{}
	for _, w := range currencyWords {
		codes[w.code] = true
		for _, q := range qualifiers(w.family) {
			codes[q.code] = true
		}
	}
	for _, sym := range suffixSymbols {
		codes[sym.code] = true
	}
	for _, sym := range prefixSymbols {
		codes[sym.code] = true
	}
	for _, w := range sharedWords {
		for _, code := range w.others {
			codes[code] = true
		}
	}
	delete(codes, "")
	delete(codes, "-")
	allowed := map[string]bool{"SYP": true, "SDG": true, "LYD": true, "YER": true, "IRR": true, "UYU": true,
		"CUP": true, "DOP": true, "TZS": true, "UGX": true, "SOS": true, "LKR": true, "NPR": true, "MUR": true, "SCR": true}
	r := DefaultRates()
	for code := range codes {
		if _, _, ok := r.ToEUR(1, code, 0); !ok && !allowed[code] {
			t.Errorf("currency %s can be extracted but has no rate", code)
		}
	}
	for _, code := range r.Codes() {
		if _, date, _ := r.ToEUR(1, code, month(t, "2010-06")); date == 0 {
			t.Errorf("%s has no rate date", code)
		}
	}
}

func TestParseRates(t *testing.T) {
	tests := []struct {
		name, input string
		want        map[string]float64 // EUR per unit at 2020-03
		wantAt      map[string]float64 // at 2020-04
	}{
		{"text", "# EUR per unit\nUSD 0.85\n\nGBP=1.15\nCHF: 1.07\n", map[string]float64{"USD": 0.85, "GBP": 1.15, "CHF": 1.07}, map[string]float64{"USD": 0.85}},
		{"text with EUR and BOM", "\ufeffEUR 1\r\nJPY\t0.0058\r\n", map[string]float64{"JPY": 0.0058}, nil},
		{"a month", "2020-03 USD 0.5\n", map[string]float64{"USD": 0.5}, map[string]float64{"USD": 1 / 1.0866}},
		{"JSON", ` {"USD": 0.85, "XAU": 2500}`, map[string]float64{"USD": 0.85, "XAU": 2500}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseRates(strings.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			r := DefaultRates().Merge(f)
			for at, want := range map[string]map[string]float64{"2020-03": tc.want, "2020-04": tc.wantAt} {
				for code, rate := range want {
					eur, _, ok := r.ToEUR(1000, code, month(t, at))
					if !ok || math.Abs(eur-1000*rate) > 0.005*1000*rate {
						t.Errorf("%s at %s: %v EUR per 1,000, want %v", code, at, eur, 1000*rate)
					}
				}
			}
			if usd, _, _ := DefaultRates().ToEUR(1000, "USD", month(t, "2020-03")); math.Abs(usd-903.9) > 5 {
				t.Errorf("Merge changed the default table: 1,000 USD = %v EUR", usd)
			}
		})
	}
	for _, input := range []string{
		"USD", "USD 0.9 1.0", "usd 0.9", "US 0.9", "USDX 0.9", "XQQ 1", "USD abc", "USD 0", "USD -1", "USD Inf", "USD NaN",
		"EUR 2", "USD 0.9\nUSD 0.8", "2020-13 USD 1", "{", `{"USD": "x"}`, `{"USD": 0.9} {}`, `{"usd": 0.9}`,
	} {
		if _, err := ParseRates(strings.NewReader(input)); !errors.Is(err, ErrInvalidRates) {
			t.Errorf("ParseRates(%q): err = %v, want ErrInvalidRates", input, err)
		}
	}
}

func TestMonth(t *testing.T) {
	m := MonthOf(time.Date(2020, 3, 31, 23, 0, 0, 0, time.UTC))
	if m.String() != "2020-03" || m+1 != month(t, "2020-04") || month(t, "2021-01")-m != 10 {
		t.Errorf("month arithmetic: %s", m)
	}
}
