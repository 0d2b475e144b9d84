package money

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
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
// "USD "...). A large sum without currency ("141 millions", "2.7bn")
// takes the currency of the nearest sum of its sentence when what follows
// it makes it money: punctuation, a word that is not a count's noun
// ("contre 141 millions un an plus tôt", after a French multiplier any
// word but "de": "dont 45 millions proviennent"), or "de" and a financial
// noun ("614 millions de marge"); otherwise a number with no currency in
// the phrase is not an amount ("8,5 millions du ministère" after "10
// millions d'euros", "3 millions d'habitants"), nor are counts and
// measures ("60 000 GPU", "230 MW", "25 %", "2026") or sums written in
// words ("des milliards de dollars").
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
//     milliards d'euros", "entre 2 et 3 millions de dollars", "500 et
//     525 millions d'euros" (without "entre", the second bound needs a
//     multiplier and a currency), "1,5 à 2
//     Md€", "$2-3bn", "250/300 euros", "between $1bn and $3bn", "3,4 ou
//     3,5 milliards d'euros"; "6 à 7,5 milliards" without currency, as a
//     large sum); the first bound takes the second's multiplier when it
//     has none and is below 1000, or reads as the second when written
//     alike ("de 1.000 à 2.000 milliards" is 1e12 and 2e12; "de 500 000
//     à 2 millions d'euros" is 500000 and 2e6), and its unit when the
//     currency counts cents ("21 ou 40 centimes" is 0.21 and 0.40); bounds
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
// EUR is Value converted with [Rates.ToEUR] at the rate of the article's
// month (c.Published; the latest month when it is zero), and RateDate the
// month of the rate used; EUR is 0 for a currency rates has no rate for
// (rates may be nil: DefaultRates).
//
// Currency words and symbols that several countries share take the
// currency of the article's country when the article names that country
// and not the usual one (c.Countries, see [Context]): "$" and "dollars"
// in a story naming Australia and not the United States are AUD, bare
// "francs" in a Swiss story CHF, "couronnes" in a Swedish one SEK.
//
// The result lists distinct (Value, Currency) pairs in order of first
// appearance, at most [MaxAmounts] of them; a repeated sum keeps its first
// Text. It is nil when text has no amount. The cost is linear in
// len(text): about 20 µs for a 3 KB article. Extract returns ctx's error
// (and the amounts found so far) when ctx ends before the text does.
func Extract(ctx context.Context, text string, c Context, rates *Rates) ([]corpus.Amount, error) {
	if rates == nil {
		rates = DefaultRates()
	}
	x := amountScanner{s: text, cur: c.currencies()}
	if d := x.cur["dollar"]; d != "" && writesExplicitly(text, d) {
		// "7.4bn Australian dollar ($5.8bn)": the writer tells the dollars apart
		delete(x.cur, "dollar")
	}
	var err error
	next := checkEvery
	for i := 0; i < len(text) && len(x.distinct) < MaxAmounts; {
		if i >= next {
			if err = ctx.Err(); err != nil {
				break
			}
			next = i + checkEvery
		}
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
	x.resolveBare()
	if len(x.found) == 0 {
		return nil, err
	}
	month := Month(0)
	if !c.Published.IsZero() {
		month = MonthOf(c.Published)
	}
	out := make([]corpus.Amount, 0, len(x.found))
	for _, f := range x.found {
		eur, date, _ := rates.ToEUR(f.value, f.currency, month)
		out = append(out, corpus.Amount{Value: f.value, Currency: f.currency, EUR: eur, Text: text[f.start:f.end], RateDate: date.String()})
	}
	return out, err
}

// writesExplicitly reports whether text names the dollar code by a form
// of its own: "A$", "Australian dollars", "dollars australiens".
func writesExplicitly(text, code string) bool {
	for _, w := range currencyWords {
		if w.code == code && strings.Contains(text, w.word) {
			return true
		}
	}
	for _, q := range qualifiers("dollar") {
		if q.code == code && strings.Contains(text, "dollars "+q.word) {
			return true
		}
	}
	for _, sym := range prefixSymbols {
		if sym.code == code && strings.Contains(text, sym.text) {
			return true
		}
	}
	return false
}

// MaxAmounts is the most distinct amounts [Extract] keeps for one text:
// well above what an article holds (a dense results page lists a few
// dozen), it bounds what a hostile text costs to store and to answer.
const MaxAmounts = 200

// checkEvery is how many bytes Extract reads between two looks at its
// context.
const checkEvery = 64 << 10

// Context is what [Extract] knows of an article besides its text.
type Context struct {
	// Published is the article's date: its month's rates convert the
	// amounts (zero: the latest month).
	Published time.Time
	// Countries counts how many times the article names each country (ISO
	// 3166-1 code); they give shared currency words their country's
	// currency.
	Countries map[string]int
}

// amountFound is one amount located by amountScanner.
type amountFound struct {
	start, end int
	value      float64
	currency   string
}

// amountScanner holds the state of one Extract call.
type amountScanner struct {
	s        string
	cur      currencies // what shared currency words mean in this text
	lastEnd  int        // end of the last amount: a currency before a number must start after it
	found    []amountFound
	distinct map[[2]uint64]bool // value bits and currency of the amounts found
	bare     []amountFound      // large sums without a currency, resolved at the end
	sums     []amountFound      // every sum with a currency, repeated ones too (up to maxSums)
}

// maxSums bounds the sums kept to resolve those without a currency.
const maxSums = 4 * MaxAmounts

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
	t1 := x.parseTail(n1.end, pre1 != "")
	if pre1 == "" && !t1.hasMult && !t1.hasCur && !isYear(n1) {
		// "Il nous en faut 9 (millions d'euros)": the unit in parentheses.
		if q := fold.SkipSpaces(s, n1.end); q < len(s) && s[q] == '(' {
			if u := x.parseTail(q+1, false); u.hasMult && u.hasCur && u.curEnd < len(s) && s[u.curEnd] == ')' {
				u.curEnd++
				t1 = u
			}
		}
	}

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
	if end, ok := x.listFrom(n1, start1, pre1, neg1, t1); ok {
		return end
	}
	if end, ok := x.rangeFrom(n1, start1, pre1, neg1, t1); ok {
		return end
	}
	if !t1.bare && pre1 == "" && !t1.hasMult && !neg1 && insteadOfBefore(s, start1) && x.lastEnd > 0 && start1-x.lastEnd <= 60 {
		t1.bare = true // "2 euros au lieu de 3,85": the price it replaces
	}
	if !t1.bare && pre1 == "" && !t1.hasMult && !neg1 {
		if v, cur, ok := x.comparedSum(n1, start1); ok {
			x.add(start1, n1.end, v, cur)
			return n1.end
		}
	}
	if t1.bare && pre1 == "" && len(x.bare) < MaxAmounts {
		if d, ok := n1.value(true, t1.numLang(false)); ok {
			x.bare = append(x.bare, amountFound{start: start1, end: t1.multEnd, value: t1.apply(d, neg1)})
		}
		return t1.multEnd
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
	x.lastEnd = end
	if v == 0 {
		v = 0 // -0 is 0
	}
	if len(x.sums) < maxSums {
		x.sums = append(x.sums, amountFound{start: start, end: end, value: v, currency: cur})
	}
	key := [2]uint64{math.Float64bits(v), currencyKey(cur)}
	if x.distinct[key] || len(x.distinct) >= MaxAmounts {
		return
	}
	if x.distinct == nil {
		x.distinct = make(map[[2]uint64]bool)
	}
	x.distinct[key] = true
	x.found = append(x.found, amountFound{start: start, end: end, value: v, currency: cur})
}

// resolveBare gives each large sum written without a currency ("contre
// 141 millions un an plus tôt") the currency of the nearest sum of the
// same sentence that has one, the one before it first, and adds it to the
// amounts found, which it then sorts by position.
func (x *amountScanner) resolveBare() {
	if len(x.bare) == 0 || len(x.sums) == 0 {
		return
	}
	sums := slices.Clone(x.sums)
	slices.SortStableFunc(sums, func(a, b amountFound) int { return a.start - b.start })
	for _, b := range x.bare {
		k, _ := slices.BinarySearchFunc(sums, b.start, func(a amountFound, start int) int { return a.start - start })
		cur := ""
		// Before, skipping conversions in parentheses ("4.3bn rupees
		// ($98m; £52m), against 2.7bn"); else after.
		for j := k - 1; j >= 0 && j >= k-4 && sameSentence(x.s, sums[j].end, b.start); j-- {
			if j == 0 || !conversionOf(x.s, sums[j-1], sums[j]) || !strings.Contains(x.s[sums[j].end:b.start], ")") {
				cur = sums[j].currency
				break
			}
		}
		if cur == "" && k < len(sums) && sameSentence(x.s, b.end, sums[k].start) {
			cur = sums[k].currency
		}

		if cur != "" {
			x.add(b.start, b.end, b.value, cur)
		}
	}
	slices.SortStableFunc(x.found, func(a, b amountFound) int { return a.start - b.start })
}

// conversionOf reports whether sum b directly follows sum a as its
// conversion: "4.3bn rupees ($98m; £52m)".
func conversionOf(s string, a, b amountFound) bool {
	if b.start < a.end || b.start-a.end > 4 {
		return false
	}
	return strings.Trim(s[a.end:b.start], " (;,/") == ""
}

// maxSentence bounds the distance between two sums of one sentence.
const maxSentence = 300

// sameSentence reports whether s[i:j] is short and holds no sentence
// break: a full stop (not between digits, nor the end of an abbreviation
// the sentence goes on after), '!', '?' or a new line.
func sameSentence(s string, i, j int) bool {
	if i > j || j-i > maxSentence {
		return false
	}
	for k := i; k < j; k++ {
		switch s[k] {
		case '!', '?', '\n':
			return false
		case '.':
			if (k == 0 || k+1 >= len(s) || !fold.IsDigit(s[k-1]) || !fold.IsDigit(s[k+1])) && !goesOn(s[k+1:]) {
				return false
			}
		}
	}
	return true
}

// goesOn reports whether the text after a full stop continues its
// sentence: spaces and closing brackets, then a lower-case letter
// ("(écoles, université, etc.) et 2 milliards pour les ménages").
func goesOn(rest string) bool {
	k := 0
	for k < len(rest) && (rest[k] == ' ' || rest[k] == ')') {
		k++
	}
	if k == 0 || k == len(rest) {
		return false // "etc.Le": glued sentences
	}
	r, _ := utf8.DecodeRuneInString(rest[k:])
	return unicode.IsLower(r)
}

// currencyKey packs a currency code of up to eight bytes.
func currencyKey(c string) uint64 {
	var k uint64
	for i := 0; i < len(c) && i < 8; i++ {
		k = k<<8 | uint64(c[i])
	}
	return k
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
	// "entre 2 et 3 millions", or two sums sharing the second's unit
	// ("de 500 et 525 millions d'euros respectivement", "7,8 et 8,5 mds
	// EUR"): without "entre", the second needs a multiplier and a currency.
	loose := needs != "" && !wordBefore(s, start1, needs)
	start2 := q
	pre2, q2 := x.prefixAfter(q)
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
	t2 := x.parseTail(n2.end, pre1 != "" || pre2 != "")
	if loose && (!t2.hasMult || !t2.hasCur || t1.hasMult || pre1 != "" || pre2 != "") {
		return 0, false
	}
	cur := t2.cur
	switch {
	case t2.hasCur && (pre1 != "" || pre2 != ""):
		return 0, false // "$5 - 3 €": two currencies
	case t2.hasCur:
	case pre2 != "":
		cur = pre2
	case pre1 != "":
		cur = pre1
	case t2.bare && len(x.bare)+2 <= MaxAmounts:
		// "contre 6 à 7,5 milliards deux ans auparavant": both bounds
		// take the currency of their sentence.
		cur = bareRange
	default:
		return 0, false
	}
	lang := t2.numLang(pre1 != "" || pre2 != "")
	d2, ok := n2.value(t2.hasMult, lang)
	if !ok {
		return 0, false
	}
	v2 := t2.apply(d2, neg2)
	if isYear(n1) && !t1.hasMult && pre1 == "" && (math.Abs(v2) < 1000 || isYear(n2) && !t2.hasMult) {
		return 0, false // "from 2014 to $17.65", "2019-2020 euros": a year, not a bound
	}
	if !t2.accepts(v2) {
		return 0, false
	}
	// The first bound shares the second's multiplier unless it has its own
	// or is a large number already ("de 500 000 à 2 millions").
	u1 := t1
	if !t1.hasMult && !t2.hasMult && t2.hasCur && t2.exp < 0 {
		u1.exp = t2.exp // "21 ou 40 centimes": both in cents
	}
	if !t1.hasMult && t2.hasMult {
		raw, ok := n1.value(false, lang)
		if ok && raw.float() < 1000 {
			u1.hasMult, u1.exp, u1.half = true, t2.exp, false
		} else if m, ok := n1.value(true, lang); ok {
			// "de 1.000 à 2.000 milliards d'euros": written as the
			// second, the first bound reads as the second does.
			if v := (amountTail{exp: t2.exp}).apply(m, neg1); math.Abs(v) <= math.Abs(v2) && math.Abs(v)*1000 >= math.Abs(v2) {
				u1.hasMult, u1.exp, u1.half = true, t2.exp, false
			}
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
	if cur == bareRange {
		x.bare = append(x.bare, amountFound{start: start1, end: end, value: v1}, amountFound{start: n2.start, end: end, value: v2})
		return end, true
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

// maxList bounds the numbers of a list sharing one currency.
const maxList = 8

// listFrom tries to read a list of numbers sharing the currency of the
// last one, n1 first ("20, 30, 40 centimes d'euros", "3, 5 ou 10
// euros"): three numbers or more joined by commas, the last one by a
// comma, "et" or "ou", none a year, each without a multiplier or
// currency of its own but the last.
// The others take the last one's unit (its multiplier when they are below
// 1000, its cents). It records every number and returns the end of the
// list.
func (x *amountScanner) listFrom(n1 amountNumber, start1 int, pre1 string, neg1 bool, t1 amountTail) (int, bool) {
	s := x.s
	if pre1 != "" || t1.hasMult || t1.hasCur || n1.end >= len(s) || s[n1.end] != ',' {
		return 0, false
	}
	nums := [maxList]amountNumber{n1}
	n := 1
	var last amountTail
	for p := n1.end; ; {
		q := p
		switch {
		case q < len(s) && s[q] == ',':
			q = fold.SkipSpaces(s, q+1)
			if q == p+1 {
				return 0, false // "20,30": a decimal number, not a list
			}
		case n > 1:
			r := fold.SkipSpaces(s, q)
			e := wordAt(s, r, "et")
			if e == 0 {
				e = wordAt(s, r, "ou")
			}
			if r == q || e <= 0 {
				return 0, false
			}
			if q = fold.SkipSpaces(s, e); q == e {
				return 0, false
			}
		default:
			return 0, false
		}
		if q >= len(s) || !fold.IsDigit(s[q]) || !validNumberStart(s, q) || n == maxList {
			return 0, false
		}
		nk := parseNumber(s, q)
		tk := x.parseTail(nk.end, false)
		nums[n] = nk
		n++
		if tk.hasCur {
			last = tk
			break
		}
		if tk.hasMult {
			return 0, false
		}
		p = nk.end
	}
	if n < 3 {
		return 0, false // "3, 5 euros" may be a decimal written loosely
	}
	for k := 0; k < n-1; k++ {
		if isYear(nums[k]) {
			return 0, false // "en 2019, 2020 et 2021, 40 euros"
		}
	}
	lang := last.numLang(false)
	for k := 0; k < n; k++ {
		u := last
		if k < n-1 {
			raw, ok := nums[k].value(false, lang)
			if !ok {
				return 0, false
			}
			if last.hasMult && raw.float() >= 1000 {
				u = amountTail{}
			}
		}
		d, ok := nums[k].value(u.hasMult, lang)
		if !ok {
			return 0, false
		}
		v := u.apply(d, neg1 && k == 0)
		if k == n-1 && !last.accepts(v) {
			return 0, false
		}
		start := nums[k].start
		if k == 0 {
			start = start1
		}
		x.add(start, last.curEnd, v, last.cur)
	}
	return last.curEnd, true
}

// bareRange marks a range read without currency in [amountScanner.rangeFrom].
const bareRange = "?"

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
		{"à", ""}, {"et", "entre"}, {"to", ""}, {"and", "between"}, {"ou", ""}, {"or", ""},
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
			sp = quoteBefore(s, i) // entre "25.000 et 30.000 euros"
		}
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

// comparedSum reads n, a number in thousands written without currency
// and ending its clause, as a sum in the currency of the sum just before
// it in the sentence when both are of one order of magnitude: "de
// 15.000 euros d'amende aujourd'hui à 100.000.", "Rossel a offert
// 250.000 euros, IPM, 150.000, selon le jugement".
func (x *amountScanner) comparedSum(n amountNumber, start int) (float64, string, bool) {
	s := x.s
	if len(x.sums) == 0 || n.n != 2 || n.groups[1].end-n.groups[1].start != 3 || (n.groups[1].sep != '.' && n.groups[1].sep != ' ') || isYear(n) {
		return 0, "", false
	}
	prev := x.sums[len(x.sums)-1]
	if prev.end > start || start-prev.end > 90 || !sameSentence(s, prev.end, start) {
		return 0, "", false
	}
	q := fold.SkipSpaces(s, n.end)
	if q < len(s) && !strings.ContainsRune(",.;)\"", rune(s[q])) && quoteAt(s, q) == 0 {
		return 0, "", false
	}
	d, ok := n.value(false, langFrench)
	if !ok {
		return 0, "", false
	}
	v := d.float()
	if v < 1000 || v > 100*math.Abs(prev.value) || 100*v < math.Abs(prev.value) {
		return 0, "", false
	}
	return v, prev.currency, true
}

// insteadOfBefore reports "au lieu de" just before position i: the
// number there is the sum a price replaces ("2 euros au lieu de 3,85"),
// in the currency of its sentence.
func insteadOfBefore(s string, i int) bool {
	before := strings.TrimRight(s[:i], " \u00a0")
	return strings.HasSuffix(before, " au lieu de") && len(before) < i
}
