package money

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"veille/corpus/fold"
)

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
	{"pounds", "GBP", "livre", cwNeedMult | cwEnglish},
	{"pound", "GBP", "livre", cwNeedMult | cwEnglish},
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
	{"kroner", "", "couronne", cwEnglish},
	{"krone", "", "couronne", cwEnglish},
	{"crowns", "", "couronne", cwEnglish},
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
	{"pence", "GBP", "centime", cwEnglish},
	// English names qualified before the noun.
	{"US dollars", "USD", "", cwEnglish},
	{"US dollar", "USD", "", cwEnglish},
	{"U.S. dollars", "USD", "", cwEnglish},
	{"U.S. dollar", "USD", "", cwEnglish},
	{"American dollars", "USD", "", cwEnglish},
	{"American dollar", "USD", "", cwEnglish},
	{"Canadian dollars", "CAD", "", cwEnglish},
	{"Canadian dollar", "CAD", "", cwEnglish},
	{"Australian dollars", "AUD", "", cwEnglish},
	{"Australian dollar", "AUD", "", cwEnglish},
	{"New Zealand dollars", "NZD", "", cwEnglish},
	{"New Zealand dollar", "NZD", "", cwEnglish},
	{"Hong Kong dollars", "HKD", "", cwEnglish},
	{"Hong Kong dollar", "HKD", "", cwEnglish},
	{"Singapore dollars", "SGD", "", cwEnglish},
	{"Singapore dollar", "SGD", "", cwEnglish},
	{"Taiwan dollars", "TWD", "", cwEnglish},
	{"Taiwan dollar", "TWD", "", cwEnglish},
	{"Swiss francs", "CHF", "", cwEnglish},
	{"Swiss franc", "CHF", "", cwEnglish},
	{"Japanese yen", "JPY", "", cwEnglish},
	{"Chinese yuan", "CNY", "", cwEnglish},
	{"Indian rupees", "INR", "", cwEnglish},
	{"Indian rupee", "INR", "", cwEnglish},
	{"South Korean won", "KRW", "", cwEnglish},
	{"Korean won", "KRW", "", cwEnglish},
	{"Brazilian reais", "BRL", "", cwEnglish},
	{"Brazilian real", "BRL", "", cwEnglish},
	{"Russian roubles", "RUB", "", cwEnglish},
	{"Russian rouble", "RUB", "", cwEnglish},
	{"Russian rubles", "RUB", "", cwEnglish},
	{"Russian ruble", "RUB", "", cwEnglish},
	{"Swedish kronor", "SEK", "", cwEnglish},
	{"Swedish krona", "SEK", "", cwEnglish},
	{"Swedish crowns", "SEK", "", cwEnglish},
	{"Swedish crown", "SEK", "", cwEnglish},
	{"Norwegian kroner", "NOK", "", cwEnglish},
	{"Norwegian krone", "NOK", "", cwEnglish},
	{"Norwegian crowns", "NOK", "", cwEnglish},
	{"Norwegian crown", "NOK", "", cwEnglish},
	{"Danish kroner", "DKK", "", cwEnglish},
	{"Danish krone", "DKK", "", cwEnglish},
	{"Danish crowns", "DKK", "", cwEnglish},
	{"Danish crown", "DKK", "", cwEnglish},
	{"Mexican pesos", "MXN", "", cwEnglish},
	{"Mexican peso", "MXN", "", cwEnglish},
	{"Argentine pesos", "ARS", "", cwEnglish},
	{"Argentine peso", "ARS", "", cwEnglish},
	{"South African rand", "ZAR", "", cwEnglish},
	{"Turkish lira", "TRY", "", cwEnglish},
	{"Saudi riyals", "SAR", "", cwEnglish},
	{"Saudi riyal", "SAR", "", cwEnglish},
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
func (x *amountScanner) matchCurrency(i int, afterConnector bool) (currencyMatch, bool) {
	s := x.s
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
				return currencyMatch{code: x.symbolCode(sym), end: e, lang: langFrench}, true
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
			if m.code == "USD" {
				m.code = x.cur.code("dollar", "USD")
			}
			// "centimes d'euro", "cents de dollar"
			if r := connectorAt(s, fold.SkipSpaces(s, e)); r > 0 {
				for _, u := range [...]currencySymbol{{"euros", "EUR"}, {"euro", "EUR"}, {"dollars", "USD"}, {"dollar", "USD"}} {
					if f := wordAt(s, r, u.text); f > 0 {
						m.code, m.end = u.code, f
						if u.code == "USD" {
							m.code = x.cur.code("dollar", "USD")
						}
						break
					}
				}
			}
			return m, true
		}
		if w.family != "" {
			qualified := false
			if r := fold.SkipSpaces(s, e); r > e {
				for _, q := range qualifiers(w.family) {
					if f := wordAt(s, r, q.word); f > 0 {
						if q.code == "-" {
							return currencyMatch{}, false
						}
						m.code, m.end, m.weak = q.code, f, false
						qualified = true
						break
					}
				}
			}
			if !qualified {
				m.code = x.cur.code(w.family, m.code)
			}
		}
		if m.code == "" {
			return currencyMatch{}, false
		}
		return m, true
	}
	return currencyMatch{}, false
}

// symbolCode is the currency of a symbol: "$" alone is the dollar of the
// article's country.
func (x *amountScanner) symbolCode(sym currencySymbol) string {
	if sym.text == "$" {
		return x.cur.code("dollar", sym.code)
	}
	return sym.code
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
		start, code = b, x.symbolCode(sym)
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
func (x *amountScanner) prefixAfter(i int) (string, int) {
	s := x.s
	for _, sym := range prefixSymbols {
		if strings.HasPrefix(s[i:], sym.text) {
			e := i + len(sym.text)
			return x.symbolCode(sym), e + fold.SpaceAt(s, e)
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
