package money

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Rates maps an ISO 4217 currency code to the value of one unit in euros
// ("USD": 0.92 means one US dollar is worth 0.92 euro). A Rates value is
// read-only once built; it is safe for concurrent readers.
type Rates map[string]float64

// ErrInvalidRates is returned (wrapped) by [ParseRates] for input that is
// not a valid rate table.
var ErrInvalidRates = errors.New("money: invalid rate table")

// DefaultRates returns veille's reference rate table: the value of one unit
// of each currency in euros. They are REFERENCE values, not live rates,
// chosen so that amounts of different currencies can be compared and
// filtered in euros; override them with [ParseRates] and [Rates.Merge].
//
// Floating currencies: approximate 2024 annual averages of the ECB euro
// foreign exchange reference rates (published as "EUR 1 = x units", here
// inverted and rounded to 2–3 significant digits). Currencies the ECB does
// not publish (RUB since 2022, TWD, MAD, TND, DZD, EGP, NGN, UAH, ARS, SAR,
// AED, QAR, KWD...) are approximate 2024 market averages; pegged ones follow
// their peg to the US dollar.
//
//	code  EUR per unit   currency
//	EUR   1              euro
//	USD   0.92           US dollar
//	GBP   1.18           pound sterling
//	CHF   1.05           Swiss franc
//	JPY   0.0061         yen
//	CNY   0.128          yuan renminbi
//	CAD   0.675          Canadian dollar
//	AUD   0.61           Australian dollar
//	NZD   0.56           New Zealand dollar
//	HKD   0.118          Hong Kong dollar
//	SGD   0.69           Singapore dollar
//	TWD   0.0288         new Taiwan dollar
//	KRW   0.00068        won
//	INR   0.011          Indian rupee
//	PKR   0.0033         Pakistani rupee
//	IDR   0.000057       rupiah
//	THB   0.026          baht
//	MYR   0.2            ringgit
//	PHP   0.016          Philippine peso
//	RUB   0.01           rouble (not ECB: published until 2022)
//	UAH   0.023          hryvnia
//	SEK   0.0875         Swedish krona
//	NOK   0.086          Norwegian krone
//	DKK   0.134          Danish krone
//	ISK   0.0067         Icelandic krona
//	PLN   0.232          zloty
//	CZK   0.0398         Czech koruna
//	HUF   0.00253        forint
//	RON   0.201          Romanian leu
//	TRY   0.028          Turkish lira
//	BRL   0.172          real
//	MXN   0.05           Mexican peso
//	ARS   0.001          Argentine peso
//	CLP   0.00098        Chilean peso
//	COP   0.00023        Colombian peso
//	ZAR   0.05           rand
//	NGN   0.0006         naira
//	EGP   0.019          Egyptian pound
//	MAD   0.093          Moroccan dirham
//	TND   0.297          Tunisian dinar
//	DZD   0.0069         Algerian dinar
//	ILS   0.25           shekel
//	SAR   0.246          Saudi riyal (USD peg 3.75)
//	AED   0.25           UAE dirham (USD peg 3.6725)
//	QAR   0.253          Qatari riyal (USD peg 3.64)
//	KWD   3.0            Kuwaiti dinar
//	LBP   0.0000103      Lebanese pound (2024 rate, 89,500 per USD)
//	XOF   0.00152449     CFA franc BCEAO (fixed: 655.957 per euro)
//	XAF   0.00152449     CFA franc BEAC (fixed: 655.957 per euro)
//	XPF   0.00838        CFP franc (fixed: 119.33 per euro)
//
// Historical currencies replaced by the euro use their irrevocable
// conversion rates of 1999–2002, so an old "milliards de francs" converts
// at its legal value (not adjusted for inflation):
//
//	FRF   0.152449       French franc (6.55957 per euro)
//	DEM   0.511292       Deutsche Mark (1.95583 per euro)
//	ITL   0.000516457    Italian lira (1936.27 per euro)
//	ESP   0.00601012     peseta (166.386 per euro)
//	BEF   0.0247894      Belgian franc (40.3399 per euro)
//
// A currency with no rate converts to 0 euros (see [Rates.ToEUR]).
func DefaultRates() Rates {
	return Rates{
		"EUR": 1,
		"USD": 0.92, "GBP": 1.18, "CHF": 1.05, "JPY": 0.0061, "CNY": 0.128,
		"CAD": 0.675, "AUD": 0.61, "NZD": 0.56, "HKD": 0.118, "SGD": 0.69,
		"TWD": 0.0288, "KRW": 0.00068, "INR": 0.011, "PKR": 0.0033,
		"IDR": 0.000057, "THB": 0.026, "MYR": 0.2, "PHP": 0.016,
		"RUB": 0.01, "UAH": 0.023, "SEK": 0.0875, "NOK": 0.086, "DKK": 0.134,
		"ISK": 0.0067, "PLN": 0.232, "CZK": 0.0398, "HUF": 0.00253,
		"RON": 0.201, "TRY": 0.028, "BRL": 0.172, "MXN": 0.05, "ARS": 0.001,
		"CLP": 0.00098, "COP": 0.00023, "ZAR": 0.05, "NGN": 0.0006,
		"EGP": 0.019, "MAD": 0.093, "TND": 0.297, "DZD": 0.0069, "ILS": 0.25,
		"SAR": 0.246, "AED": 0.25, "QAR": 0.253, "KWD": 3.0, "LBP": 0.0000103,
		"XOF": 0.00152449, "XAF": 0.00152449, "XPF": 0.00838,
		"FRF": 0.152449, "DEM": 0.511292, "ITL": 0.000516457,
		"ESP": 0.00601012, "BEF": 0.0247894,
	}
}

// ToEUR converts value units of currency to euros: value itself for "EUR",
// value times the rate otherwise, rounded to the cent. ok is false, and the
// result 0, when the table has no rate for currency.
func (r Rates) ToEUR(value float64, currency string) (eur float64, ok bool) {
	if currency == "EUR" {
		return value, true
	}
	rate, ok := r[currency]
	if !ok {
		return 0, false
	}
	return roundCents(value * rate), true
}

// roundCents rounds v to two decimals; values too large to carry cents
// are returned unchanged.
func roundCents(v float64) float64 {
	if math.Abs(v) >= 1e15 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*100) / 100
}

// Merge returns a new table with r's rates, replaced or completed by
// over's. Neither r nor over is modified. A service typically uses
// DefaultRates().Merge(parsed) so a rate file only lists what it changes.
func (r Rates) Merge(over Rates) Rates {
	out := make(Rates, len(r)+len(over))
	for code, rate := range r {
		out[code] = rate
	}
	for code, rate := range over {
		out[code] = rate
	}
	return out
}

// ParseRates reads a rate table, in either of two formats:
//
//   - text: one "CODE RATE" pair a line (also "CODE=RATE" or "CODE: RATE"),
//     blank lines and lines starting with '#' ignored:
//
//     # EUR per unit, ECB reference 2025-09-19
//     USD 0.853
//     GBP 1.146
//
//   - JSON: one object, {"USD": 0.853, "GBP": 1.146}; it is recognised by
//     its first non-blank byte, '{'.
//
// CODE is an ISO 4217 code (three capital letters); RATE is the value of
// one unit in euros, a finite number > 0. The result always holds
// "EUR": 1 (a file may only give EUR with rate 1). It holds only the file's
// currencies: merge it over [DefaultRates] with [Rates.Merge] to keep the
// others. Errors wrap [ErrInvalidRates] (with the line number for text),
// or are the reader's error.
func ParseRates(r io.Reader) (Rates, error) {
	br := bufio.NewReader(r)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Rates{"EUR": 1}, nil
			}
			return nil, fmt.Errorf("money: reading rates: %w", err)
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.ReadByte()
			continue
		case '{':
			return parseRatesJSON(br)
		}
		return parseRatesText(br)
	}
}

func parseRatesJSON(r io.Reader) (Rates, error) {
	var raw map[string]json.Number
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrInvalidRates, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: JSON: data after the object", ErrInvalidRates)
	}
	out := Rates{"EUR": 1}
	for code, num := range raw {
		rate, err := checkRate(code, string(num))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidRates, err)
		}
		out[code] = rate
	}
	return out, nil
}

func parseRatesText(r io.Reader) (Rates, error) {
	out := Rates{"EUR": 1}
	seen := make(map[string]int)
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(string(bytes.TrimPrefix(sc.Bytes(), []byte("\xef\xbb\xbf"))))
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.FieldsFunc(line, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '=' || r == ':'
		})
		if len(fields) != 2 {
			return nil, fmt.Errorf("%w: line %d: want \"CODE RATE\", got %q", ErrInvalidRates, n, line)
		}
		rate, err := checkRate(fields[0], fields[1])
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrInvalidRates, n, err)
		}
		if prev, dup := seen[fields[0]]; dup {
			return nil, fmt.Errorf("%w: line %d: %s already given on line %d", ErrInvalidRates, n, fields[0], prev)
		}
		seen[fields[0]] = n
		out[fields[0]] = rate
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("money: reading rates: %w", err)
	}
	return out, nil
}

// checkRate validates one code and its rate text.
func checkRate(code, rateText string) (float64, error) {
	if len(code) != 3 || !isUpper(code[0]) || !isUpper(code[1]) || !isUpper(code[2]) {
		return 0, fmt.Errorf("%q is not an ISO 4217 code (three capital letters)", code)
	}
	rate, err := strconv.ParseFloat(rateText, 64)
	if err != nil || math.IsInf(rate, 0) || math.IsNaN(rate) || rate <= 0 {
		return 0, fmt.Errorf("rate of %s: %q is not a number > 0", code, rateText)
	}
	if code == "EUR" && rate != 1 {
		return 0, fmt.Errorf("rate of EUR must be 1, got %s", rateText)
	}
	return rate, nil
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
