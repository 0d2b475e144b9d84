package money

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"veille/corpus"
	"veille/corpus/fold"
)

// Extract returns the sums of money written with digits and a
// currency in text, with their euro value from rates.
//
// What counts as an amount: a number in digits (French or English
// notation: "2,5", "500.000", "45 000" with a space, NBSP or narrow NBSP,
// "1,500,000", "$1.13"), an optional multiplier ("millions",
// "milliard(s)", "Md", "Mds", "Mrd", "M", "k", "bn", "m", "billion",
// "et demi"...) and a currency, after the number ("euros", "d'euros", "€",
// "M$", "USD", "livres sterling", "francs suisses", "dollars
// canadiens"...) or before it ("$", "€", "£", "US$", "C$", "EUR ",
// "USD "...). A number with no currency in the phrase is not an amount,
// even when the context makes it one ("8,5 millions du ministère" after
// "10 millions d'euros"), nor are counts and measures ("60 000 GPU",
// "230 MW", "25 %", "2026") or sums written in words ("des milliards de
// dollars").
//
// Notation rules:
//   - a lone '.' or ',' followed by other than three digits is a decimal
//     point ("2,5", "1.13"); several of the same kind are thousands
//     separators ("1.500.000", "1,500,000"); with both, the last one is the
//     decimal point ("1.234,56", "1,234.56");
//   - a lone '.' followed by exactly three digits, with no multiplier, is
//     a thousands separator ("500.000 euros"); so is a lone ',' ("1,500
//     dollars", "$1,500") unless the currency is written the French way,
//     after the number with a symbol or a French word ("1,231 €" is a fuel
//     price of 1.231 EUR);
//   - with a multiplier, a lone separator before three digits follows the
//     amount's language: French (connector "de"/"d'", French multiplier,
//     French currency word; the default) reads "1.500 milliards d'euros" as
//     1.5e12 and "1,150 million d'euros" as 1.15e6, English (currency
//     before the number, English multiplier) reads "$1,130 million" as
//     1.13e9 and "$1.130bn" as 1.13e9;
//   - "billion(s) de/d'" is the French billion (1e12); "billion" otherwise
//     is the English one (1e9);
//   - a '-' or '−' glued to the number (or to its currency symbol) makes
//     it negative ("-3 millions d'euros", "-$5m"), unless a dash closing
//     an aside follows in the sentence ("la dépense -10 millions d'euros-
//     porte sur");
//   - a range sharing a unit and currency gives both bounds ("de 1,5 à 2,5
//     milliards d'euros", "entre 2 et 3 millions de dollars", "1,5 à 2
//     Md€", "$2-3bn", "250/300 euros", "between $1bn and $3bn"); the first
//     bound takes the second's multiplier when it has none and is below
//     1000 ("de 500 000 à 2 millions d'euros" is 500000 and 2e6); bounds
//     more than a factor 1000 apart, or two years, are not a range. The
//     first bound's Text is the whole range, the second's its own part;
//   - bare "livres" (pounds) and "marks" need a multiplier, a value of at
//     least 1000 or a conversion in parentheses after them ("300 livres"
//     are often books; "100 livres (113 euros)" is money); "livres
//     numériques" and "livres pour un dollar" are not sums; "pounds" and
//     "won" need a multiplier; "francs" alone is the French franc (FRF);
//     ambiguous bare words ("couronnes", "dinars", "pesos", "shillings")
//     need their qualifier ("couronnes suédoises" is SEK);
//   - text copied from web pages often loses spaces: digits glued after a
//     lower-case word of three letters or more ("a remporté13 millions
//     d'euros") and a currency word glued to a capitalised word ("d'eurosCe
//     vote") are read; digits glued to codes ("GB200", "A320") are not.
//
// Each Amount's Text is the exact substring of text that was read,
// currency words included ("2,5 milliards de dollars", "$1.13bn").
// EUR is Value converted with [Rates.ToEUR]: Value for EUR, 0 for a
// currency rates has no rate for (rates may be nil).
//
// The result lists distinct (Value, Currency) pairs in order of first
// appearance; a repeated sum keeps its first Text. It is nil when text has
// no amount. The cost is linear in len(text): about 20 µs for a 3 KB
// article.
func Extract(text string, rates Rates) []corpus.Amount {
	x := amountScanner{s: text}
	for i := 0; i < len(text); {
		c := text[i]
		if c < '0' || c > '9' {
			i++
			continue
		}
		if !validNumberStart(text, i) {
			i = skipNumberLike(text, i)
			continue
		}
		i = x.amountAt(i)
	}
	if len(x.amountFound) == 0 {
		return nil
	}
	out := make([]corpus.Amount, 0, len(x.amountFound))
	for _, f := range x.amountFound {
		dup := false
		for _, a := range out {
			if a.Value == f.value && a.Currency == f.currency {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		eur, _ := rates.ToEUR(f.value, f.currency)
		out = append(out, corpus.Amount{Value: f.value, Currency: f.currency, EUR: eur, Text: text[f.start:f.end]})
	}
	return out
}

// amountFound is one amount located by amountScanner.
type amountFound struct {
	start, end int
	value      float64
	currency   string
}

// amountScanner holds the state of one Extract call.
type amountScanner struct {
	s           string
	lastEnd     int // end of the last amount: a currency before a number must start after it
	amountFound []amountFound
}

// Language hints deciding what a lone '.' or ',' before three digits means
// when a multiplier follows.
const (
	langUnknown int8 = 0
	langFrench  int8 = 1
	langEnglish int8 = -1
)

// amountAt reads the number starting at i and what surrounds it, records
// the amounts found, and returns where scanning resumes.
func (x *amountScanner) amountAt(i int) int {
	s := x.s
	n1 := parseNumber(s, i)
	start1, pre1, neg1 := x.prefixBefore(i)
	t1 := parseTail(s, n1.end, pre1 != "")

	if neg1 && closingDashAfter(s, n1.end) {
		// "le premier poste -10 millions d'euros- correspond": a dash, not a sign
		neg1 = false
		start1 += minusAt(s, start1)
	}
	if t1.hasCur && pre1 == "" {
		d, ok := n1.value(t1.hasMult, t1.numLang(false))
		if !ok {
			return n1.end
		}
		v := t1.apply(d, neg1)
		if !t1.accepts(v) {
			return n1.end
		}
		x.add(start1, t1.curEnd, v, t1.cur)
		return t1.curEnd
	}
	if end, ok := x.rangeFrom(n1, start1, pre1, neg1, t1); ok {
		return end
	}
	if pre1 != "" {
		d, ok := n1.value(t1.hasMult, langEnglish)
		if !ok {
			return n1.end
		}
		end := n1.end
		if t1.hasMult {
			end = t1.multEnd
		}
		x.add(start1, end, t1.apply(d, neg1), pre1)
		return end
	}
	return n1.end
}

func (x *amountScanner) add(start, end int, v float64, cur string) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	x.amountFound = append(x.amountFound, amountFound{start: start, end: end, value: v, currency: cur})
	x.lastEnd = end
}

// rangeFrom tries to read a range whose first bound is n1 ("1,5 à 2,5
// milliards d'euros", "$2-3bn"); t1 is what follows n1 (without a
// currency). It records both bounds and returns the end of the range.
func (x *amountScanner) rangeFrom(n1 amountNumber, start1 int, pre1 string, neg1 bool, t1 amountTail) (int, bool) {
	s := x.s
	p := n1.end
	if t1.hasMult {
		p = t1.multEnd
	}
	q, needs, wordy := rangeConnector(s, p)
	if q < 0 {
		return 0, false
	}
	if needs != "" && !wordBefore(s, start1, needs) {
		return 0, false
	}
	start2 := q
	pre2, q2 := prefixAfter(s, q)
	neg2 := false
	if wordy && q2 < len(s) {
		if w := minusAt(s, q2); w > 0 && q2+w < len(s) && fold.IsDigit(s[q2+w]) {
			neg2 = true
			q2 += w
		}
	}
	if q2 >= len(s) || !fold.IsDigit(s[q2]) {
		return 0, false
	}
	if pre1 != "" && pre2 != "" && pre1 != pre2 {
		return 0, false
	}
	n2 := parseNumber(s, q2)
	t2 := parseTail(s, n2.end, pre1 != "" || pre2 != "")
	cur := t2.cur
	switch {
	case t2.hasCur && (pre1 != "" || pre2 != ""):
		return 0, false // "$5 - 3 €": two currencies
	case t2.hasCur:
	case pre2 != "":
		cur = pre2
	case pre1 != "":
		cur = pre1
	default:
		return 0, false
	}
	lang := t2.numLang(pre1 != "" || pre2 != "")
	d2, ok := n2.value(t2.hasMult, lang)
	if !ok {
		return 0, false
	}
	v2 := t2.apply(d2, neg2)
	if !t2.accepts(v2) {
		return 0, false
	}
	// The first bound shares the second's multiplier unless it has its own
	// or is a large number already ("de 500 000 à 2 millions").
	u1 := t1
	if !t1.hasMult && t2.hasMult {
		raw, ok := n1.value(false, lang)
		if ok && raw.float() < 1000 {
			u1.hasMult, u1.exp, u1.half = true, t2.exp, false
		}
	}
	d1, ok := n1.value(u1.hasMult, lang)
	if !ok {
		return 0, false
	}
	v1 := u1.apply(d1, neg1)
	a, b := math.Abs(v1), math.Abs(v2)
	if a > 0 && b > 0 && (a > 1000*b || b > 1000*a) {
		return 0, false
	}
	if !t2.hasMult && isYear(n1) && isYear(n2) {
		return 0, false // "2019-2020 euros"
	}
	end := t2.end()
	if t2.hasCur {
		end = t2.curEnd
	}
	x.add(start1, end, v1, cur)
	s2 := start2
	switch {
	case !t2.hasCur && pre2 == "":
		// "$30-35": the second bound's currency is only in the whole range
		s2 = start1
	case pre2 == "":
		s2 = n2.start
		if neg2 {
			s2 = q2 - minusBefore(s, q2)
		}
	}
	x.add(s2, end, v2, cur)
	return end, true
}

// rangeConnector reads a range connector at p ("-", "–", " à ", " et ",
// " to ", " and "), with the spaces around it. It returns the position
// after it (-1 if none), the word the first bound must follow ("entre" for
// "et"), and whether the connector is a word.
func rangeConnector(s string, p int) (next int, needs string, wordy bool) {
	q := fold.SkipSpaces(s, p)
	if q >= len(s) {
		return -1, "", false
	}
	switch {
	case s[q] == '-':
		return fold.SkipSpaces(s, q+1), "", false
	case s[q] == '/' && q == p:
		return q + 1, "", false // "250/300 euros"
	case strings.HasPrefix(s[q:], "–"):
		return fold.SkipSpaces(s, q+len("–")), "", false
	}
	if q == p {
		return -1, "", false // a word connector needs a space before
	}
	for _, c := range [...]struct{ word, needs string }{
		{"à", ""}, {"et", "entre"}, {"to", ""}, {"and", "between"},
	} {
		if e := wordAt(s, q, c.word); e > 0 {
			r := fold.SkipSpaces(s, e)
			if r == e {
				return -1, "", false
			}
			if c.word == "et" && !strings.HasPrefix(s[q:], "et") {
				continue // "Et" is a sentence start, not "entre X et Y"
			}
			return r, c.needs, true
		}
	}
	return -1, "", false
}

// wordBefore reports whether the word just before position i (spaces
// skipped) is w, case-insensitively.
func wordBefore(s string, i int, w string) bool {
	for i > 0 {
		sp := fold.SpaceBefore(s, i)
		if sp == 0 {
			break
		}
		i -= sp
	}
	if i < len(w) || !strings.EqualFold(s[i-len(w):i], w) {
		return false
	}
	return !letterOrDigitBefore(s, i-len(w))
}

// amountTail is what follows a number: multiplier and currency.
type amountTail struct {
	hasMult bool
	exp     int  // power of ten of the multiplier, or of the currency unit (centimes: -2)
	half    bool // "et demi": add half a multiplier
	multEnd int
	lang    int8 // langFrench, langEnglish or langUnknown

	hasCur bool
	cur    string
	curEnd int
	weak   bool // the currency word needs a multiplier or a value ≥ 1000
	needM  bool // the currency word needs a multiplier
}

// numLang is the language deciding how a lone separator before three
// digits reads (see Extract); prefixed reports a currency before
// the number, which is English usage.
func (t amountTail) numLang(prefixed bool) int8 {
	if prefixed {
		return langEnglish
	}
	return t.lang
}

// end is where the tail ends when it has no currency.
func (t amountTail) end() int { return t.multEnd }

// apply scales a number by the tail's multiplier and sign, rounding once.
func (t amountTail) apply(d amountDecimal, neg bool) float64 {
	mant, exp := d.mant, t.exp-d.dec
	if t.half && d.dec < len(pow10) {
		// (mant·10^-dec + 0.5)·10^exp = (10·mant + 5·10^dec)·10^(exp-dec-1);
		// mant < 10^18 and dec ≤ 18 keep this below 2^64.
		mant = mant*10 + 5*uint64(pow10[d.dec])
		exp--
	}
	v := scale(float64(mant), exp)
	if neg {
		v = -v
	}
	return v
}

// accepts applies the constraints of weak currency words.
func (t amountTail) accepts(v float64) bool {
	if t.needM && !t.hasMult {
		return false
	}
	if t.weak && !t.hasMult && math.Abs(v) < 1000 {
		return false
	}
	return true
}

// scale returns v·10^exp, exactly rounded when v is an integer below 2^53.
func scale(v float64, exp int) float64 {
	if exp >= 0 && exp <= 22 {
		return v * pow10[exp]
	}
	if exp < 0 && exp >= -22 {
		return v / pow10[-exp]
	}
	return v * math.Pow10(exp)
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseTail reads the multiplier and the currency after a number ending at
// p. prefixed reports a currency before the number: then no currency is
// looked for after it, and single-letter multipliers ("$5m", "$2b") are
// allowed without one.
func parseTail(s string, p int, prefixed bool) amountTail {
	t := amountTail{multEnd: p, curEnd: p}
	q := fold.SkipSpaces(s, p)
	if m, e, ok := matchMultiplier(s, q); ok && (m.letter != 'b' || (prefixed && q == p)) {
		t.hasMult, t.exp, t.lang, t.multEnd = true, m.exp, m.lang, e
		if m.long {
			// "2 milliards et demi de dollars"
			if r := fold.SkipSpaces(s, e); r > e {
				if f := wordAt(s, r, "et"); f > 0 {
					if g := fold.SkipSpaces(s, f); g > f {
						if h := wordAt(s, g, "demie"); h > 0 {
							t.half, t.multEnd = true, h
						} else if h := wordAt(s, g, "demi"); h > 0 {
							t.half, t.multEnd = true, h
						}
					}
				}
			}
		}
		q = fold.SkipSpaces(s, t.multEnd)
	}
	if prefixed {
		return t
	}
	connector := false
	if r := connectorAt(s, q); r > 0 {
		connector = true
		q = r
	}
	c, ok := matchCurrency(s, q, connector)
	if !ok {
		return t
	}
	if connector && !t.hasMult && (c.weak || c.needMult) {
		return t // "le 3 de livres": not an amount
	}
	if !t.hasMult && c.exp != 0 {
		t.exp = c.exp
	} else if c.exp != 0 {
		return t // "3 millions de centimes": not a sum we read
	}
	t.hasCur, t.cur, t.curEnd, t.weak, t.needM = true, c.code, c.end, c.weak, c.needMult
	if t.weak && convertedAfter(s, t.curEnd) {
		t.weak = false // "une amende de 500 livres (555 euros)"
	}
	switch {
	case connector:
		t.lang = langFrench
		if t.hasMult && t.exp == 9 && t.lang == langFrench && isBillion(s, t.multEnd) {
			t.exp = 12 // French "billion de" is 10^12
		}
	case t.lang == langUnknown:
		t.lang = c.lang
	}
	return t
}

// closingDashAfter reports whether a dash closing an aside follows i in
// the same sentence: a '-' glued to the word before it and followed by a
// space or punctuation ("-190 millions d'euros- était").
func closingDashAfter(s string, i int) bool {
	for k := i; k < len(s) && k < i+120; k++ {
		switch s[k] {
		case '.', '\n', '(', ';':
			return false
		case '-':
			if k > i && s[k-1] != ' ' && (k+1 == len(s) || s[k+1] == ' ' || s[k+1] == ',' || s[k+1] == '.' || s[k+1] == '\n') {
				return true
			}
		}
	}
	return false
}

// convertedAfter reports whether a conversion follows position i, in
// parentheses or after ", soit": " (555 euros)", " (soit 1.122 euros)",
// " (environ 3 M€)", ", soit près de 900 euros".
func convertedAfter(s string, i int) bool {
	i = fold.SkipSpaces(s, i)
	if i >= len(s) || (s[i] != '(' && s[i] != ',') {
		return false
	}
	comma := s[i] == ','
	i = fold.SkipSpaces(s, i+1)
	if comma {
		// "800 livres, soit près de 900 euros"
		e := wordAt(s, i, "soit")
		if e == 0 {
			return false
		}
		i = fold.SkipSpaces(s, e)
	}
	for _, w := range [...]string{"soit", "environ", "près de", "plus de", "moins de"} {
		if e := wordAt(s, i, w); e > 0 {
			i = fold.SkipSpaces(s, e)
			break
		}
	}
	return i < len(s) && fold.IsDigit(s[i])
}

// isBillion reports whether the multiplier ending at e is "billion(s)".
func isBillion(s string, e int) bool {
	for _, w := range [...]string{"billions", "billion"} {
		if e >= len(w) && strings.EqualFold(s[e-len(w):e], w) {
			return true
		}
	}
	return false
}

// connectorAt reads French "de " or "d'" (any apostrophe) at i and the
// spaces after it; it returns the position after them, or 0.
func connectorAt(s string, i int) int {
	if i+1 >= len(s) || (s[i] != 'd' && s[i] != 'D') {
		return 0
	}
	if s[i+1] == 'e' || s[i+1] == 'E' {
		if r := fold.SkipSpaces(s, i+2); r > i+2 {
			return r
		}
		return 0
	}
	if w := fold.ApostropheAt(s, i+1); w > 0 {
		return fold.SkipSpaces(s, i+1+w)
	}
	return 0
}

// amountMultiplier is one way of writing a power of ten after a number.
type amountMultiplier struct {
	word   string // matched case-insensitively, followed by a non-letter
	exp    int
	lang   int8
	long   bool // a full word: may take "et demi"
	letter byte // single-letter multipliers: the letter, lower case
}

// amountMultipliers is read-only.
var amountMultipliers = [...]amountMultiplier{
	{word: "milliards", exp: 9, lang: langFrench, long: true},
	{word: "milliard", exp: 9, lang: langFrench, long: true},
	{word: "millions", exp: 6, lang: langFrench, long: true},
	{word: "million", exp: 6, long: true},
	{word: "milliers", exp: 3, lang: langFrench},
	{word: "millier", exp: 3, lang: langFrench},
	{word: "mille", exp: 3, lang: langFrench},
	{word: "mds", exp: 9, lang: langFrench},
	{word: "md", exp: 9, lang: langFrench},
	{word: "mrds", exp: 9, lang: langFrench},
	{word: "mrd", exp: 9, lang: langFrench},
	{word: "mln", exp: 6},
	{word: "mio", exp: 6},
	{word: "mn", exp: 6, lang: langEnglish},
	{word: "m", exp: 6, letter: 'm'},
	{word: "billions", exp: 9, lang: langEnglish, long: true},
	{word: "billion", exp: 9, lang: langEnglish, long: true},
	{word: "bln", exp: 9, lang: langEnglish},
	{word: "bn", exp: 9, lang: langEnglish},
	{word: "b", exp: 9, lang: langEnglish, letter: 'b'},
	{word: "trillions", exp: 12, lang: langEnglish, long: true},
	{word: "trillion", exp: 12, lang: langEnglish, long: true},
	{word: "trn", exp: 12, lang: langEnglish},
	{word: "tn", exp: 12, lang: langEnglish},
	{word: "k", exp: 3, letter: 'k'},
}

// matchMultiplier reads a multiplier at i.
func matchMultiplier(s string, i int) (amountMultiplier, int, bool) {
	if i >= len(s) {
		return amountMultiplier{}, 0, false
	}
	switch s[i] | 0x20 {
	case 'm', 'b', 't', 'k':
	default:
		return amountMultiplier{}, 0, false
	}
	for _, m := range amountMultipliers {
		if e := wordAt(s, i, m.word); e > 0 {
			return m, e, true
		}
		// glued to a currency code: "4,45 MEUR", "3 MdUSD", "20 KEUR"
		if e := i + len(m.word); e < len(s) && s[e] >= 'A' && s[e] <= 'Z' && strings.EqualFold(s[i:e], m.word) {
			if _, ce := codeAt(s, e); ce > 0 {
				return m, e, true
			}
		}
	}
	return amountMultiplier{}, 0, false
}

// currencyMatch is a currency read after a number.
type currencyMatch struct {
	code     string
	end      int
	exp      int // unit of the currency word: -2 for cents
	lang     int8
	weak     bool
	needMult bool
}

// Currency word flags.
const (
	cwWeak     = 1 << iota // needs a multiplier or a value ≥ 1000
	cwNeedMult             // needs a multiplier
	cwEnglish              // English word
	cwFrench               // French word
)

// currencyWord is a currency written as a word after a number. An empty
// code means the word needs one of its qualifiers; family selects them.
type currencyWord struct {
	word   string
	code   string
	family string
	flags  int
}

// currencyWords is read-only. Longer words come before their prefixes.
var currencyWords = [...]currencyWord{
	{"euro cents", "EUR", "centime", cwEnglish},
	{"euros cents", "EUR", "centime", cwEnglish},
	{"euros", "EUR", "", 0},
	{"euro", "EUR", "", 0},
	{"dollars", "USD", "dollar", 0},
	{"dollar", "USD", "dollar", 0},
	{"livres sterling", "GBP", "", cwFrench},
	{"livre sterling", "GBP", "", cwFrench},
	{"livres", "GBP", "livre", cwWeak | cwFrench},
	{"livre", "GBP", "livre", cwWeak | cwFrench},
	{"pounds sterling", "GBP", "", cwEnglish},
	{"pounds", "GBP", "", cwNeedMult | cwEnglish},
	{"pound", "GBP", "", cwNeedMult | cwEnglish},
	{"sterling", "GBP", "", cwNeedMult | cwEnglish},
	{"francs", "FRF", "franc", cwFrench},
	{"franc", "FRF", "franc", cwFrench},
	{"yens", "JPY", "", cwFrench},
	{"yen", "JPY", "", 0},
	{"yuans", "CNY", "", cwFrench},
	{"yuan", "CNY", "", 0},
	{"renminbis", "CNY", "", 0},
	{"renminbi", "CNY", "", 0},
	{"roubles", "RUB", "", cwFrench},
	{"rouble", "RUB", "", cwFrench},
	{"rubles", "RUB", "", cwEnglish},
	{"ruble", "RUB", "", cwEnglish},
	{"roupies", "INR", "roupie", cwFrench},
	{"roupie", "INR", "roupie", cwFrench},
	{"rupees", "INR", "", cwEnglish},
	{"rupiahs", "IDR", "", 0},
	{"rupiah", "IDR", "", 0},
	{"couronnes", "", "couronne", cwFrench},
	{"couronne", "", "couronne", cwFrench},
	{"kronor", "SEK", "", cwEnglish},
	{"reais", "BRL", "", 0},
	{"réais", "BRL", "", cwFrench},
	{"réaux", "BRL", "", cwFrench},
	{"reals", "BRL", "", 0},
	{"réals", "BRL", "", cwFrench},
	{"wons", "KRW", "", cwFrench},
	{"won", "KRW", "", cwNeedMult},
	{"zlotys", "PLN", "", 0},
	{"zloty", "PLN", "", 0},
	{"forints", "HUF", "", 0},
	{"forint", "HUF", "", 0},
	{"lires", "ITL", "lire", cwFrench},
	{"liras", "TRY", "", 0},
	{"dinars", "", "dinar", cwFrench},
	{"dinar", "", "dinar", cwFrench},
	{"dirhams", "MAD", "dirham", cwFrench},
	{"dirham", "MAD", "dirham", cwFrench},
	{"riyals", "SAR", "riyal", 0},
	{"riyal", "SAR", "riyal", 0},
	{"rials", "IRR", "riyal", 0},
	{"shekels", "ILS", "", 0},
	{"shekel", "ILS", "", 0},
	{"rands", "ZAR", "", cwFrench},
	{"rand", "ZAR", "", 0},
	{"shillings", "", "shilling", 0},
	{"pesos", "", "peso", cwFrench},
	{"peso", "", "peso", cwFrench},
	{"nairas", "NGN", "", 0},
	{"naira", "NGN", "", 0},
	{"hryvnias", "UAH", "", 0},
	{"hryvnia", "UAH", "", 0},
	{"hryvnas", "UAH", "", 0},
	{"bahts", "THB", "", 0},
	{"baht", "THB", "", 0},
	{"ringgits", "MYR", "", 0},
	{"ringgit", "MYR", "", 0},
	{"deutsche marks", "DEM", "", 0},
	{"deutschemarks", "DEM", "", 0},
	{"deutschmarks", "DEM", "", 0},
	{"marks", "DEM", "", cwWeak},
	{"pesetas", "ESP", "", 0},
	{"peseta", "ESP", "", 0},
	{"centimes", "EUR", "centime", cwFrench},
	{"centime", "EUR", "centime", cwFrench},
	{"cents", "USD", "centime", cwEnglish},
	// English names qualified before the noun.
	{"US dollars", "USD", "", cwEnglish},
	{"U.S. dollars", "USD", "", cwEnglish},
	{"American dollars", "USD", "", cwEnglish},
	{"Canadian dollars", "CAD", "", cwEnglish},
	{"Australian dollars", "AUD", "", cwEnglish},
	{"New Zealand dollars", "NZD", "", cwEnglish},
	{"Hong Kong dollars", "HKD", "", cwEnglish},
	{"Singapore dollars", "SGD", "", cwEnglish},
	{"Taiwan dollars", "TWD", "", cwEnglish},
	{"Swiss francs", "CHF", "", cwEnglish},
	{"Japanese yen", "JPY", "", cwEnglish},
	{"Chinese yuan", "CNY", "", cwEnglish},
	{"Indian rupees", "INR", "", cwEnglish},
	{"South Korean won", "KRW", "", cwEnglish},
	{"Korean won", "KRW", "", cwEnglish},
	{"Brazilian reais", "BRL", "", cwEnglish},
	{"Russian roubles", "RUB", "", cwEnglish},
	{"Russian rubles", "RUB", "", cwEnglish},
	{"Swedish kronor", "SEK", "", cwEnglish},
	{"Swedish crowns", "SEK", "", cwEnglish},
	{"Norwegian kroner", "NOK", "", cwEnglish},
	{"Norwegian crowns", "NOK", "", cwEnglish},
	{"Danish kroner", "DKK", "", cwEnglish},
	{"Danish crowns", "DKK", "", cwEnglish},
	{"Mexican pesos", "MXN", "", cwEnglish},
	{"Argentine pesos", "ARS", "", cwEnglish},
	{"South African rand", "ZAR", "", cwEnglish},
	{"Turkish lira", "TRY", "", cwEnglish},
	{"Saudi riyals", "SAR", "", cwEnglish},
}

// currencyQualifier is a word after a currency word that names the currency
// precisely ("dollars canadiens"); code "-" means "not money" ("livres
// numériques").
type currencyQualifier struct{ word, code string }

// qualifiers returns the qualifiers of a currency word family (nil for
// none). The returned slice is read-only.
func qualifiers(family string) []currencyQualifier { return currencyQualifiers[family] }

// currencyQualifiers maps a currency word family to its qualifiers. It is
// read-only.
var currencyQualifiers = map[string][]currencyQualifier{
	"dollar": {
		{"américains", "USD"}, {"américain", "USD"}, {"US", "USD"},
		{"des États-Unis", "USD"}, {"canadiens", "CAD"}, {"canadien", "CAD"},
		{"australiens", "AUD"}, {"australien", "AUD"}, {"néo-zélandais", "NZD"},
		{"de Hong Kong", "HKD"}, {"de Hongkong", "HKD"}, {"hongkongais", "HKD"},
		{"de Singapour", "SGD"}, {"singapouriens", "SGD"}, {"taïwanais", "TWD"},
		{"de Taïwan", "TWD"},
	},
	"livre": {
		{"sterling", "GBP"}, {"britanniques", "GBP"}, {"turques", "TRY"},
		{"turque", "TRY"}, {"égyptiennes", "EGP"}, {"égyptienne", "EGP"},
		{"libanaises", "LBP"}, {"libanaise", "LBP"}, {"syriennes", "SYP"},
		{"soudanaises", "SDG"},
		{"numériques", "-"}, {"vendus", "-"}, {"imprimés", "-"}, {"publiés", "-"},
		{"audio", "-"}, {"d'occasion", "-"}, {"scolaires", "-"}, {"de poche", "-"},
		{"pour enfants", "-"}, {"anciens", "-"}, {"rares", "-"}, {"de cuisine", "-"},
		{"de recettes", "-"}, {"de lait", "-"}, {"de viande", "-"}, {"de farine", "-"},
		{"pour un dollar", "-"}, {"pour 1 dollar", "-"}, {"contre un dollar", "-"},
	},
	"franc": {
		{"suisses", "CHF"}, {"suisse", "CHF"}, {"CFA", "XOF"}, {"CFP", "XPF"},
		{"pacifique", "XPF"}, {"belges", "BEF"}, {"belge", "BEF"},
		{"français", "FRF"}, {"lourds", "FRF"}, {"anciens", "FRF"},
	},
	"roupie": {
		{"indiennes", "INR"}, {"indienne", "INR"}, {"pakistanaises", "PKR"},
		{"indonésiennes", "IDR"},
	},
	"couronne": {
		{"suédoises", "SEK"}, {"suédoise", "SEK"}, {"norvégiennes", "NOK"},
		{"norvégienne", "NOK"}, {"danoises", "DKK"}, {"danoise", "DKK"},
		{"tchèques", "CZK"}, {"tchèque", "CZK"}, {"islandaises", "ISK"},
		{"islandaise", "ISK"},
	},
	"lire": {{"turques", "TRY"}, {"turque", "TRY"}, {"italiennes", "ITL"}},
	"dinar": {
		{"tunisiens", "TND"}, {"tunisien", "TND"}, {"algériens", "DZD"},
		{"algérien", "DZD"}, {"koweïtiens", "KWD"}, {"irakiens", "IQD"},
		{"jordaniens", "JOD"}, {"libyens", "LYD"}, {"serbes", "RSD"},
		{"bahreïnis", "BHD"},
	},
	"dirham": {{"marocains", "MAD"}, {"émiratis", "AED"}, {"des Émirats", "AED"}},
	"riyal": {
		{"saoudiens", "SAR"}, {"qataris", "QAR"}, {"qatariens", "QAR"},
		{"omanais", "OMR"}, {"yéménites", "YER"}, {"iraniens", "IRR"},
	},
	"shilling": {
		{"kényans", "KES"}, {"kenyans", "KES"}, {"tanzaniens", "TZS"},
		{"ougandais", "UGX"}, {"somaliens", "SOS"},
	},
	"peso": {
		{"mexicains", "MXN"}, {"argentins", "ARS"}, {"chiliens", "CLP"},
		{"colombiens", "COP"}, {"philippins", "PHP"}, {"uruguayens", "UYU"},
		{"cubains", "CUP"}, {"dominicains", "DOP"},
	},
}

// currencySymbol is a currency written with a symbol, or an ISO code.
type currencySymbol struct{ text, code string }

// suffixSymbols are read after a number, longest first (read-only).
var suffixSymbols = [...]currencySymbol{
	{"$ US", "USD"}, {"$US", "USD"}, {"$ CA", "CAD"}, {"$CA", "CAD"},
	{"$ AU", "AUD"}, {"$AU", "AUD"}, {"$ HK", "HKD"}, {"$HK", "HKD"},
	{"US$", "USD"}, {"CA$", "CAD"}, {"AU$", "AUD"}, {"HK$", "HKD"},
	{"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"},
	{"₽", "RUB"}, {"₩", "KRW"}, {"₺", "TRY"}, {"₪", "ILS"},
}

// prefixSymbols are read before a number, longest first (read-only).
// Those starting with a letter must not follow a letter or digit.
var prefixSymbols = [...]currencySymbol{
	{"U.S.$", "USD"}, {"US$", "USD"}, {"CA$", "CAD"}, {"C$", "CAD"},
	{"AU$", "AUD"}, {"A$", "AUD"}, {"NZ$", "NZD"}, {"HK$", "HKD"},
	{"S$", "SGD"}, {"R$", "BRL"}, {"CN¥", "CNY"}, {"JP¥", "JPY"},
	{"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"},
	{"₽", "RUB"}, {"₩", "KRW"}, {"₺", "TRY"}, {"₪", "ILS"},
}

// currencyCode returns the ISO 4217 code an upper-case code as written
// stands for ("RMB" → "CNY"), or "" for codes not read as currencies:
// those that are also common abbreviations (ARS, ILS, SAR, COP, ESP,
// CUP, PHP) are left out.
func currencyCode(c string) string {
	switch c {
	case "EUR", "USD", "GBP", "CHF", "JPY", "CNY", "CAD", "AUD", "NZD", "HKD",
		"SGD", "TWD", "KRW", "INR", "PKR", "IDR", "THB", "MYR", "RUB", "UAH",
		"SEK", "NOK", "DKK", "ISK", "PLN", "CZK", "HUF", "RON", "TRY", "BRL",
		"MXN", "CLP", "ZAR", "NGN", "EGP", "MAD", "TND", "DZD", "AED", "QAR",
		"KWD", "LBP", "XOF", "XAF", "XPF", "FRF", "DEM", "ITL", "BEF":
		return c
	case "RMB":
		return "CNY"
	case "FCFA":
		return "XOF"
	}
	return ""
}

// codeAt reads an upper-case currency code at i, followed by a
// non-letter; it returns the code and the end, or "" and 0.
func codeAt(s string, i int) (string, int) {
	j := i
	for j < len(s) && j-i < 4 && s[j] >= 'A' && s[j] <= 'Z' {
		j++
	}
	if j-i < 3 || letterOrDigitAt(s, j) {
		return "", 0
	}
	if c := currencyCode(s[i:j]); c != "" {
		return c, j
	}
	return "", 0
}

// matchCurrency reads a currency at i, after a number or a multiplier.
// afterConnector reports a French "de"/"d'" before it: then only words
// and codes are read ("millions de dollars", "millions d'USD").
func matchCurrency(s string, i int, afterConnector bool) (currencyMatch, bool) {
	if i >= len(s) {
		return currencyMatch{}, false
	}
	if c := s[i]; c < 0x80 && c != '$' && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return currencyMatch{}, false // every currency starts with a letter, '$' or a non-ASCII symbol
	}
	if !afterConnector || s[i] >= 0x80 {
		for _, sym := range suffixSymbols {
			if strings.HasPrefix(s[i:], sym.text) {
				e := i + len(sym.text)
				if sym.text[len(sym.text)-1] >= 'A' && sym.text[len(sym.text)-1] <= 'Z' && letterOrDigitAt(s, e) {
					continue // "$ USA..." is not "$ US"
				}
				if e < len(s) && fold.IsDigit(s[e]) {
					break // "by 2008 £60bn": the symbol belongs to the next number
				}
				// a symbol after the number is French usage ("45 000 €")
				return currencyMatch{code: sym.code, end: e, lang: langFrench}, true
			}
		}
	}
	if c, e := codeAt(s, i); e > 0 {
		return currencyMatch{code: c, end: e}, true
	}
	if s[i] == 'F' && strings.HasPrefix(s[i:], "F CFA") && !letterOrDigitAt(s, i+5) {
		return currencyMatch{code: "XOF", end: i + 5}, true
	}
	for _, w := range currencyWords {
		if s[i]|0x20 != w.word[0]|0x20 && s[i] < 0x80 {
			continue
		}
		e := wordAt(s, i, w.word)
		if e == 0 {
			continue
		}
		m := currencyMatch{code: w.code, end: e, weak: w.flags&cwWeak != 0, needMult: w.flags&cwNeedMult != 0}
		switch {
		case w.flags&cwFrench != 0:
			m.lang = langFrench
		case w.flags&cwEnglish != 0:
			m.lang = langEnglish
		}
		if w.code == "EUR" && euroNotMoney(s, e) {
			return currencyMatch{}, false // "the 12 euro zone countries"
		}
		if w.family == "centime" {
			m.exp = -2
			// "centimes d'euro", "cents de dollar"
			if r := connectorAt(s, fold.SkipSpaces(s, e)); r > 0 {
				for _, u := range [...]currencySymbol{{"euros", "EUR"}, {"euro", "EUR"}, {"dollars", "USD"}, {"dollar", "USD"}} {
					if f := wordAt(s, r, u.text); f > 0 {
						m.code, m.end = u.code, f
						break
					}
				}
			}
			return m, true
		}
		if w.family != "" {
			if r := fold.SkipSpaces(s, e); r > e {
				for _, q := range qualifiers(w.family) {
					if f := wordAt(s, r, q.word); f > 0 {
						if q.code == "-" {
							return currencyMatch{}, false
						}
						m.code, m.end, m.weak = q.code, f, false
						break
					}
				}
				if m.code == "" && w.family == "dollar" {
					m.code = "USD"
				}
			}
		}
		if m.code == "" {
			return currencyMatch{}, false
		}
		return m, true
	}
	return currencyMatch{}, false
}

// euroNotMoney reports whether the word after "euro(s)" ending at e makes
// it an adjective of a group of countries ("euro zone", "euro-area").
func euroNotMoney(s string, e int) bool {
	if e < len(s) && s[e] == '-' {
		e++
	} else if w := fold.SpaceAt(s, e); w > 0 {
		e += w
	} else {
		return false
	}
	for _, w := range [...]string{"zone", "zones", "area", "countries", "nations", "members", "states"} {
		if wordAt(s, e, w) > 0 {
			return true
		}
	}
	return false
}

// prefixBefore looks for a currency symbol or code, and a minus sign,
// before the number starting at i. It returns the start of the amount,
// the currency code ("" if none) and whether the amount is negative.
func (x *amountScanner) prefixBefore(i int) (start int, code string, neg bool) {
	s := x.s
	start = i
	if m := minusBefore(s, i); m > 0 && x.signOK(i-m) {
		return i - m, "", true
	}
	p := i
	if sp := fold.SpaceBefore(s, p); sp > 0 {
		p -= sp
	}
	for _, sym := range prefixSymbols {
		b := p - len(sym.text)
		if b < x.lastEnd || !strings.HasSuffix(s[:p], sym.text) {
			continue
		}
		if sym.text[0] < 0x80 && sym.text[0] != '$' && letterOrDigitBefore(s, b) {
			continue
		}
		start, code = b, sym.code
		break
	}
	if code == "" && p-3 >= x.lastEnd {
		for _, l := range [...]int{3, 4} {
			b := p - l
			if b < x.lastEnd || b < 0 {
				continue
			}
			if c, e := codeAt(s, b); e == p && !letterOrDigitBefore(s, b) {
				start, code = b, c
				break
			}
		}
	}
	if code == "" {
		return i, "", false
	}
	if m := minusBefore(s, start); m > 0 && x.signOK(start-m) {
		return start - m, code, true
	}
	return start, code, false
}

// signOK reports whether a minus sign at i is a sign: not after a letter,
// digit or decimal mark, and after the last amount.
func (x *amountScanner) signOK(i int) bool {
	if i < x.lastEnd {
		return false
	}
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(x.s[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != ',' && r != '-'
}

// prefixAfter reads a currency symbol or code (and one space) at i, the
// start of a range's second bound; it returns the code and the position
// after it, or "" and i.
func prefixAfter(s string, i int) (string, int) {
	for _, sym := range prefixSymbols {
		if strings.HasPrefix(s[i:], sym.text) {
			e := i + len(sym.text)
			return sym.code, e + fold.SpaceAt(s, e)
		}
	}
	if c, e := codeAt(s, i); e > 0 {
		if sp := fold.SpaceAt(s, e); sp > 0 {
			return c, e + sp
		}
	}
	return "", i
}

// amountNumber is a run of digits and separators as written.
type amountNumber struct {
	text       string
	start, end int
	groups     [maxGroups]numberGroup
	n          int  // groups used
	bad        bool // too many groups or digits
}

// numberGroup is a run of digits and the separator before it.
type numberGroup struct {
	start, end int
	sep        byte // 0 for the first group, ' ', '.' or ','
}

const (
	maxGroups = 8
	maxDigits = 18
)

// parseNumber reads the digits and separators starting at i (a digit).
// Spaces (including NBSP and narrow NBSP) separate thousands only after a
// first group of 1 to 3 digits and before exactly three digits; '.' and ','
// followed by a digit are always part of the number.
func parseNumber(s string, i int) amountNumber {
	n := amountNumber{text: s, start: i}
	j := digitsEnd(s, i)
	n.groups[0] = numberGroup{start: i, end: j}
	n.n = 1
	digits := j - i
	onlySpaces := true
	for j < len(s) {
		var g numberGroup
		if (s[j] == '.' || s[j] == ',') && j+1 < len(s) && fold.IsDigit(s[j+1]) {
			e := digitsEnd(s, j+1)
			g = numberGroup{start: j + 1, end: e, sep: s[j]}
			onlySpaces = false
		} else if w := fold.SpaceAt(s, j); w > 0 && onlySpaces && n.groups[0].end-n.groups[0].start <= 3 &&
			j+w < len(s) && fold.IsDigit(s[j+w]) {
			e := digitsEnd(s, j+w)
			if e-(j+w) != 3 || (e < len(s) && (s[e] == '.' && e+1 < len(s) && fold.IsDigit(s[e+1]))) {
				break
			}
			g = numberGroup{start: j + w, end: e, sep: ' '}
		} else {
			break
		}
		if n.n == maxGroups {
			n.bad = true
			j = g.end
			continue
		}
		n.groups[n.n] = g
		n.n++
		digits += g.end - g.start
		j = g.end
	}
	n.end = j
	if digits > maxDigits {
		n.bad = true
	}
	return n
}

// amountDecimal is mant·10^-dec.
type amountDecimal struct {
	mant uint64
	dec  int
}

func (d amountDecimal) float() float64 { return scale(float64(d.mant), -d.dec) }

// value interprets the number; hasMult reports a multiplier after it and
// lang the amount's language (see Extract). ok is false for shapes
// that are not numbers ("1.2.3", "12,34,5").
func (n *amountNumber) value(hasMult bool, lang int8) (amountDecimal, bool) {
	if n.bad {
		return amountDecimal{}, false
	}
	var nDot, nComma, nSpace int
	for k := 1; k < n.n; k++ {
		switch n.groups[k].sep {
		case '.':
			nDot++
		case ',':
			nComma++
		default:
			nSpace++
		}
	}
	last := n.groups[n.n-1]
	decimal := byte(0) // the decimal separator, 0 if none
	switch {
	case nDot > 0 && nComma > 0:
		decimal = last.sep
		if decimal == ' ' {
			return amountDecimal{}, false
		}
		for k := 1; k < n.n-1; k++ {
			if n.groups[k].sep == decimal {
				return amountDecimal{}, false
			}
		}
	case nDot+nComma == 1:
		g0 := n.groups[0]
		switch {
		case last.sep == ' ':
			return amountDecimal{}, false // unreachable: spaces only come first
		case nSpace > 0, last.end-last.start != 3, g0.end-g0.start > 3,
			g0.end-g0.start == 1 && n.s0() == '0':
			decimal = last.sep
		case !hasMult:
			// "500.000 euros", "1,500 dollars": thousands, but French
			// "1,231 €" (a fuel price) is a decimal
			if last.sep == ',' && lang == langFrench {
				decimal = ','
			}
		case (lang >= 0) == (last.sep == ','):
			// with a multiplier, unknown language reads as French
			decimal = last.sep
		}
	}
	// Every separator but the decimal one must be a thousands separator.
	if n.n > 1 {
		thousands := false
		for k := 1; k < n.n; k++ {
			g := n.groups[k]
			if g.sep == decimal && k == n.n-1 {
				continue
			}
			thousands = true
			if g.end-g.start != 3 {
				return amountDecimal{}, false
			}
		}
		if g0 := n.groups[0]; thousands && g0.end-g0.start > 3 {
			return amountDecimal{}, false
		}
	}
	var mant uint64
	dec := 0
	for k := 0; k < n.n; k++ {
		g := n.groups[k]
		isDec := k == n.n-1 && k > 0 && g.sep == decimal
		for p := g.start; p < g.end; p++ {
			mant = mant*10 + uint64(n.text[p]-'0')
			if isDec {
				dec++
			}
		}
	}
	return amountDecimal{mant: mant, dec: dec}, true
}

// isYear reports whether n is written like a year: four digits from 1800
// to 2199, without separators.
func isYear(n amountNumber) bool {
	if n.n != 1 || n.end-n.start != 4 {
		return false
	}
	c0, c1 := n.text[n.start], n.text[n.start+1]
	return c0 == '1' && c1 >= '8' || c0 == '2' && c1 <= '1'
}

// s0 returns the first digit.
func (n *amountNumber) s0() byte { return n.text[n.groups[0].start] }

// Text helpers. Positions are byte offsets; runes are decoded only where
// a non-ASCII character may matter.

// digitsEnd returns the end of the run of ASCII digits starting at i.
func digitsEnd(s string, i int) int {
	for i < len(s) && fold.IsDigit(s[i]) {
		i++
	}
	return i
}

// minusAt returns the byte width of a minus sign at i ('-' or '−').
func minusAt(s string, i int) int {
	if i < len(s) && s[i] == '-' {
		return 1
	}
	if strings.HasPrefix(s[i:], "−") {
		return len("−")
	}
	return 0
}

// minusBefore returns the byte width of a minus sign ending at i.
func minusBefore(s string, i int) int {
	if i > 0 && s[i-1] == '-' {
		return 1
	}
	if strings.HasSuffix(s[:i], "−") {
		return len("−")
	}
	return 0
}

func isLetterOrDigit(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// letterOrDigitAt reports whether a letter or digit starts at i.
func letterOrDigitAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isLetterOrDigit(r)
}

// letterOrDigitBefore reports whether a letter or digit ends at i.
func letterOrDigitBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isLetterOrDigit(r)
}

// wordAt matches w at i, case-insensitively, not followed by a letter or
// digit; it returns the end of the match, or 0. A lower-case end followed
// by an upper-case letter counts as a word end: text copied from web pages
// often glues sentences ("10 millions d'eurosCe vote").
func wordAt(s string, i int, w string) int {
	e := i + len(w)
	if e > len(s) || !strings.EqualFold(s[i:e], w) {
		return 0
	}
	if letterOrDigitAt(s, e) {
		last, next := s[e-1], s[e]
		if !(last >= 'a' && last <= 'z' && next >= 'A' && next <= 'Z') {
			return 0
		}
	}
	return e
}

// validNumberStart reports whether the digit at i starts a number: not
// glued to a code before it ("GB200", "A320", "mp3" are not amounts), nor
// continuing a number ("1.2.3", "12:30"). Digits glued to a lower-case
// word of three letters or more start a number: text copied from web pages
// often loses a space ("a remporté13 millions d'euros").
func validNumberStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	if letterOrDigitBefore(s, i) {
		return gluedToWord(s, i)
	}
	switch s[i-1] {
	case '.', ',', ':':
		return i < 2 || !fold.IsDigit(s[i-2])
	}
	return true
}

// gluedToWord reports whether the text before i ends with a word of at
// least three letters, all lower case.
func gluedToWord(s string, i int) bool {
	n := 0
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsLetter(r) {
			if unicode.IsDigit(r) || r == '_' {
				return false
			}
			break
		}
		if !unicode.IsLower(r) {
			return false
		}
		n++
		i -= size
	}
	return n >= 3
}

// skipNumberLike returns the end of the run of digits, letters and
// separators between digits starting at i, so that the inside of a
// rejected token is not read as a number.
func skipNumberLike(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case fold.IsDigit(c), c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			i++
		case (c == '.' || c == ',' || c == '/' || c == ':' || c == '-') && i+1 < len(s) && fold.IsDigit(s[i+1]):
			i++
		default:
			return i
		}
	}
	return i
}
