package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"veille/corpus/fold"
)

// shortLetters is the length under which a text counts as short: a
// headline or a dispatch of a line, where lingua's trigrams often pick
// another language for a French text full of proper names ("Stellantis
// investit 2 Md€ en Italie." reads as Italian).
const shortLetters = 120

// frenchMarkers tells French short texts apart: words no other language
// of [Languages] writes (French function words and the French names of
// countries), elided articles ("l'Inde", "d'Al Capone", "s'il") and the
// French abbreviations of sums (Md€, M€).
type frenchMarkers struct {
	words map[string]string // lower-case words, accents kept ("à" is not "a") → languages sharing them
}

// frenchWords are frequent French words, each with the other supported
// languages that also write it (a marker only against the others).
var frenchWords = map[string]string{
	"les": "", "des": "", "aux": "", "dans": "", "pour": "", "avec": "", "sont": "", "été": "", "ont": "",
	"cette": "", "leur": "", "après": "", "selon": "", "contre": "", "chez": "", "très": "", "où": "", "ça": "",
	"être": "", "fait": "", "vont": "", "cet": "", "nous": "", "vous": "", "ils": "", "elles": "", "quand": "",
	"comment": "", "pourquoi": "", "deux": "", "trois": "", "milliards": "", "rachète": "", "investit": "",
	"annonce": "", "lance": "", "ferme": "", "cède": "", "lève": "", "supprime": "", "emplois": "", "salariés": "",
	"usine": "", "grève": "", "inhumé": "", "mise": "", "vente": "",
	"à": "pt", "ou": "pt", "mais": "pt", "sur": "es", "son": "es", "sa": "it", "va": "es it", "sera": "es it",
	"plus": "en", "pas": "nl", "ce": "", "une": "", "du": "de nl", "au": "", "qui": "it", "ses": "", "mort": "",
	"est": "", "la": "es it", "le": "it", "de": "es pt nl", "et": "", "en": "es nl", "un": "es it", "il": "it",
}

func newFrenchMarkers() frenchMarkers {
	m := frenchMarkers{words: make(map[string]string, 512)}
	for w, shared := range frenchWords {
		m.words[w] = shared
	}
	// The French names of countries that no other supported language
	// spells alike: Italie, Allemagne, Espagne, Chine...
	others := map[string]bool{}
	var regions []language.Region
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if r, err := language.ParseRegion(string([]rune{a, b})); err == nil && r.IsCountry() {
				regions = append(regions, r)
			}
		}
	}
	for _, code := range Languages {
		if code == "fr" {
			continue
		}
		names := display.Regions(language.MustParse(code))
		for _, r := range regions {
			for _, w := range strings.Fields(strings.ToLower(names.Name(r))) {
				others[w] = true
			}
		}
	}
	fr := display.Regions(language.French)
	for _, r := range regions {
		name := strings.ToLower(fr.Name(r))
		if name == "" || strings.ContainsAny(name, " -’'") {
			continue // one-word names only: "Corée du Sud" shares "Sud"
		}
		if !others[name] && len(name) > 3 && !englishWords[name] {
			m.words[name] = ""
		}
	}
	return m
}

// englishWords are French country names that English writes as words.
var englishWords = map[string]bool{"argentine": true}

// count returns the markers of text that are French against language
// other.
func (m frenchMarkers) count(text, other string) int {
	elisions := other != "it"
	n := 0
	if strings.Contains(text, "Md€") || strings.Contains(text, "M€") || strings.Contains(text, "k€") {
		n++
	}
	eachWord(text, func(start, i int) {
		w := strings.ToLower(text[start:i])
		if shared, ok := m.words[w]; ok && !strings.Contains(shared, other) {
			n++
		}
		// An elided article or pronoun: "l'Inde", "d'Al", "qu'il"
		// (Italian elides too: not counted against it).
		if r, size := utf8.DecodeRuneInString(text[i:]); elisions && fold.IsApostrophe(r) && i+size < len(text) && (len(w) == 1 && strings.Contains("ldjmnstc", w) || w == "qu") {
			if next, _ := utf8.DecodeRuneInString(text[i+size:]); unicode.IsLetter(next) {
				n++
			}
		}
	})
	return n
}
