package money

import (
	"math"
	"strings"
	"unicode/utf8"

	"veille/corpus/fold"
)

type amountTail struct {
	hasMult bool
	exp     int  // power of ten of the multiplier, or of the currency unit (centimes: -2)
	half    bool // "et demi": add half a multiplier
	multEnd int
	lang    int8 // langFrench, langEnglish or langUnknown
	large   bool // a word multiplier of a million or more ("millions", "bn", "Md")
	bare    bool // large, no currency, and nothing after it that makes it a count

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
func (x *amountScanner) parseTail(p int, prefixed bool) amountTail {
	s := x.s
	t := amountTail{multEnd: p, curEnd: p}
	if !prefixed && penceAt(s, p) {
		// "118p": pence
		t.hasCur, t.cur, t.curEnd, t.exp, t.lang = true, "GBP", p+1, -2, langEnglish
		return t
	}
	q := fold.SkipSpaces(s, p)
	if m, e, ok := matchMultiplier(s, q); ok && (m.letter != 'b' || (prefixed && q == p)) {
		t.hasMult, t.exp, t.lang, t.multEnd = true, m.exp, m.lang, e
		t.large = m.letter == 0 && m.exp >= 6
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
		if w := quoteAt(s, q); w > 0 && fold.SpaceAt(s, q+w) > 0 {
			// "entre 40 et 50 millions" d'euros
			if r := fold.SkipSpaces(s, q+w); connectorAt(s, r) > 0 {
				q = r
			}
		}
	}
	if prefixed {
		return t
	}
	connector := false
	if r := connectorAt(s, q); r > 0 {
		connector = true
		q = r
	}
	c, ok := x.matchCurrency(q, connector)
	if !ok {
		switch {
		case !t.large:
		case connector:
			// "690 millions d'euros de manque à gagner et 614 millions de
			// marge": a financial noun after "de" keeps it a sum.
			t.bare = financialNounAt(s, q)
		default:
			t.bare = bareEnd(s, q, t.lang == langFrench)
		}
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

// quoteAt returns the byte width of a closing quote (" » ”) at i, 0 if none.
func quoteAt(s string, i int) int {
	switch {
	case i < len(s) && s[i] == '"':
		return 1
	case strings.HasPrefix(s[i:], "»"), strings.HasPrefix(s[i:], "”"), strings.HasPrefix(s[i:], "“"), strings.HasPrefix(s[i:], "«"):
		return len("»")
	}
	return 0
}

// quoteBefore returns the byte width of a quote ending at i, 0 if none.
func quoteBefore(s string, i int) int {
	for _, q := range [...]string{"\"", "«", "“", "»", "”"} {
		if strings.HasSuffix(s[:i], q) {
			return len(q)
		}
	}
	return 0
}

// penceAt reports a "p" glued to the number ending at p and followed by
// neither a letter, a digit nor ".m" ("4p.m." is a time).
func penceAt(s string, p int) bool {
	if p >= len(s) || s[p] != 'p' || letterOrDigitAt(s, p+1) {
		return false
	}
	return !strings.HasPrefix(s[p+1:], ".m")
}

// bareFollowers are the words that may follow a sum written without its
// currency ("141 millions un an plus tôt", "2.7bn a year earlier"): any
// other word makes the number a count of something ("3 millions
// d'habitants", "1.2 million cars").
var bareFollowers = setOf("un", "une", "en", "pour", "contre", "au", "aux", "a", "à", "par", "l", "le", "la", "les",
	"et", "ou", "soit", "dont", "sur", "selon", "ont", "sont", "seront", "ce", "cette", "il", "elle", "qui", "que",
	"fin", "mi", "début", "d'ici", "an", "in", "for", "against", "to", "at", "by", "and", "or", "from", "on", "last",
	"this", "the", "earlier", "ago", "over", "was", "were", "is", "are", "will", "previously", "before", "after",
	"avant", "après", "depuis", "lors", "l'an", "l'année", "plus", "seulement", "environ", "chacun", "each",
	"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "hier", "aujourd'hui", "yesterday",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today")

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// financialNouns are the nouns of money after "de" that keep a large
// number without currency a sum ("614 millions de marge", "3,3
// milliards de prélèvements"); any other noun makes it a count ("3
// millions d'habitants").
var financialNouns = setOf("marge", "marges", "droits", "prelevements", "recettes", "chiffre", "dette", "dettes",
	"benefice", "benefices", "perte", "pertes", "depenses", "investissement", "investissements", "revenus",
	"subventions", "aides", "aide", "impots", "impot", "taxes", "amende", "amendes", "economies", "credits",
	"credit", "financement", "financements", "manque", "resultat", "capitalisation", "dividendes", "fonds",
	"pret", "prets", "emprunt", "emprunts", "imposition", "cotisations", "salaires", "loyers", "primes",
	"dons", "indemnites", "ventes", "facture", "factures", "tresorerie", "liquidites", "deficit", "excedent",
	"capital", "budget", "commandes", "contrats", "ebitda", "excedents", "provisions", "charges", "couts",
	"frais", "plus-values", "moins-values", "royalties", "redevances", "remboursements", "engagements")

// financialNounAt reports one of [financialNouns] at q.
func financialNounAt(s string, q int) bool {
	e := q
	for e < len(s) {
		r, size := utf8.DecodeRuneInString(s[e:])
		if !isLetterOrDigit(r) && r != '-' {
			break
		}
		e += size
	}
	return e > q && financialNouns[fold.Lower(s[q:e])]
}

// bareEnd reports whether the text at q, after a large sum with no
// currency, lets the sum be money whose currency the sentence gives:
// punctuation, the end, or one of [bareFollowers]; after a French
// multiplier ("millions", "milliards"), any word but "de" (a French count
// needs it: "3 millions d'habitants"; "19 millions auparavant",
// "45 millions proviennent" are sums).
func bareEnd(s string, q int, french bool) bool {
	if q >= len(s) {
		return true
	}
	switch s[q] {
	case ',', '.', ';', ':', ')', '(', '"', '\n', '!', '?':
		return true
	}
	if !letterOrDigitAt(s, q) {
		r, _ := utf8.DecodeRuneInString(s[q:])
		return r == '»' || r == '”' || r == '–' || r == '—'
	}
	e := q
	for e < len(s) {
		r, size := utf8.DecodeRuneInString(s[e:])
		if !isLetterOrDigit(r) && !fold.IsApostrophe(r) {
			break
		}
		e += size
	}
	w := fold.Lower(s[q:e])
	if french && !fold.IsDigit(s[q]) && w != "de" && !strings.HasPrefix(w, "d'") {
		return true
	}
	return bareFollowers[w]
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
	{word: "milliardds", exp: 9, lang: langFrench, long: true}, // typos met in the news
	{word: "milliars", exp: 9, lang: langFrench, long: true},
	{word: "miliards", exp: 9, lang: langFrench, long: true},
	{word: "miliard", exp: 9, lang: langFrench, long: true},
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
