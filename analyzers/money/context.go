package money

import "time"

// currencies gives, for a family of currency words shared by several
// countries ("dollar", "franc", "couronne"...), the currency of the
// article's country.
type currencies map[string]string

// code is the currency of family in this text, or usual when the text
// does not make another plain.
func (c currencies) code(family, usual string) string {
	if code, ok := c[family]; ok {
		return code
	}
	return usual
}

// sharedFamily is a family of currency words several countries use.
type sharedFamily struct {
	usual  string            // the country of the words' default currency ("" for none)
	min    int               // how often the article must name another country of the family
	others map[string]string // country → currency
}

// sharedWords lists the families of shared currency words.
var sharedWords = map[string]sharedFamily{
	"dollar":   {usual: "US", min: 2, others: map[string]string{"CA": "CAD", "AU": "AUD", "NZ": "NZD", "HK": "HKD", "SG": "SGD", "TW": "TWD"}},
	"couronne": {min: 1, others: map[string]string{"SE": "SEK", "NO": "NOK", "DK": "DKK", "CZ": "CZK", "IS": "ISK"}},
	"peso":     {min: 1, others: map[string]string{"MX": "MXN", "AR": "ARS", "CL": "CLP", "CO": "COP", "PH": "PHP", "UY": "UYU", "CU": "CUP", "DO": "DOP"}},
	"dinar":    {min: 1, others: map[string]string{"TN": "TND", "DZ": "DZD", "KW": "KWD", "IQ": "IQD", "JO": "JOD", "LY": "LYD", "RS": "RSD", "BH": "BHD"}},
	"roupie":   {usual: "IN", min: 1, others: map[string]string{"PK": "PKR", "LK": "LKR", "NP": "NPR", "MU": "MUR", "SC": "SCR"}},
	"riyal":    {usual: "SA", min: 1, others: map[string]string{"QA": "QAR", "OM": "OMR", "YE": "YER", "IR": "IRR"}},
	"shilling": {min: 1, others: map[string]string{"KE": "KES", "TZ": "TZS", "UG": "UGX", "SO": "SOS"}},
	"livre":    {usual: "GB", min: 1, others: map[string]string{"EG": "EGP", "LB": "LBP", "SY": "SYP", "SD": "SDG"}},
	"dirham":   {usual: "MA", min: 1, others: map[string]string{"AE": "AED"}},
}

// Countries of the CFA francs.
var (
	xofCountries = []string{"SN", "CI", "ML", "BF", "NE", "TG", "BJ", "GW"}
	xafCountries = []string{"CM", "GA", "CG", "TD", "CF", "GQ"}
)

// currencies decides what shared currency words mean in the article:
//   - a family's words take the currency of the one country of the family
//     the article names (at least twice for the dollar), when it names
//     exactly one and not the country of the words' default currency ("$"
//     in a story about Canada that never names the United States is CAD);
//   - bare "francs" are Swiss francs in a story naming Switzerland, unless
//     it also names France and was written before 2002; CFA francs in a
//     story naming one of the CFA zones and neither; French francs
//     otherwise.
func (c Context) currencies() currencies {
	if len(c.Countries) == 0 {
		return nil
	}
	named := c.Countries
	out := currencies{}
	for family, w := range sharedWords {
		if w.usual != "" && named[w.usual] > 0 {
			continue
		}
		code := ""
		for country, cur := range w.others {
			if named[country] == 0 {
				continue
			}
			if code != "" && code != cur || named[country] < w.min {
				code = "-"
				continue
			}
			if code == "" {
				code = cur
			}
		}
		if code != "" && code != "-" {
			out[family] = code
		}
	}
	franceOld := named["FR"] > 0 && !c.Published.IsZero() && c.Published.Before(time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC))
	switch {
	case named["CH"] > 0 && !franceOld:
		out["franc"] = "CHF"
	case named["CH"] > 0 || franceOld:
	case anyNamed(named, xofCountries) && !anyNamed(named, xafCountries):
		out["franc"] = "XOF"
	case anyNamed(named, xafCountries) && !anyNamed(named, xofCountries):
		out["franc"] = "XAF"
	}
	return out
}

func anyNamed(named map[string]int, codes []string) bool {
	for _, c := range codes {
		if named[c] > 0 {
			return true
		}
	}
	return false
}
