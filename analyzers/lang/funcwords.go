package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// functionWords lists, per language, frequent function words that no other
// language of [Languages] uses commonly ("de", "la", "en", "que", "es",
// "in" are shared and left out). Counting them in the first lines of an
// article identifies its language at a fraction of lingua's cost; lingua
// decides whenever the count is not overwhelming.
var functionWords = map[string][]string{
	"fr": {"les", "des", "est", "une", "dans", "pour", "qui", "sur", "aux", "pas", "avec", "sont", "été", "ont", "cette", "leur", "ses", "nous", "vous", "du", "au", "ce", "plus", "qu", "d"},
	"en": {"the", "and", "of", "to", "that", "for", "with", "was", "are", "by", "from", "this", "has", "have", "it", "be", "at", "which", "will", "been", "its", "said", "were", "their", "he", "they"},
	"de": {"der", "die", "und", "ist", "nicht", "mit", "den", "von", "zu", "auf", "für", "sich", "dem", "ein", "eine", "auch", "wird", "im", "bei", "nach", "wie", "werden", "sind", "hat"},
	"es": {"el", "los", "las", "y", "más", "pero", "sus", "fue", "del"},
	"it": {"il", "di", "che", "per", "della", "sono", "gli", "nel", "alla", "anche", "questo", "delle", "dei", "è", "più"},
	"pt": {"os", "em", "uma", "não", "na", "ao", "pelo", "pela", "foi", "são", "também", "seu"},
	"nl": {"het", "een", "van", "dat", "op", "niet", "voor", "zijn", "ook", "wordt", "aan", "bij", "naar", "werd", "heeft", "maar", "worden", "deze"},
}

// Thresholds of the function-word guess: it answers only when the winner
// has at least minFunctionHits hits and functionHitRatio times the
// runner-up's, within the first functionScanBytes of the text.
const (
	minFunctionHits   = 10
	functionHitRatio  = 4
	functionScanBytes = 1500
)

// functionWordGuesser is the table built from functionWords.
type functionWordGuesser struct {
	words map[string]int // lowercase word → index in Languages
}

func newFunctionWordGuesser() functionWordGuesser {
	g := functionWordGuesser{words: make(map[string]int)}
	for i, code := range Languages {
		for _, w := range functionWords[code] {
			if _, dup := g.words[w]; dup {
				panic("analyzers: function word listed twice: " + w) // a bug in the table above
			}
			g.words[w] = i
		}
	}
	return g
}

// count returns how many of code's function words text holds.
func (g functionWordGuesser) count(text, code string) int {
	n := 0
	eachWord(text, func(start, end int) {
		if k, ok := g.words[strings.ToLower(text[start:end])]; ok && Languages[k] == code {
			n++
		}
	})
	return n
}

// eachWord calls fn with the bounds of each run of letters of text.
func eachWord(text string, fn func(start, end int)) {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			i += size
			continue
		}
		start := i
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !unicode.IsLetter(r) {
				break
			}
			i += size
		}
		fn(start, i)
	}
}

// guess returns the language whose function words dominate the start of
// text, or ok false when the evidence is not overwhelming.
func (g functionWordGuesser) guess(text string) (code string, ok bool) {
	if len(text) > functionScanBytes {
		text = text[:functionScanBytes]
	}
	var counts [8]int
	var word [16]byte
	n, long := 0, false
	flush := func() {
		if n > 0 && !long {
			if i, found := g.words[string(word[:n])]; found && i < len(counts) {
				counts[i]++
			}
		}
		n, long = 0, false
	}
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			// ASCII, the most of any text: no decoding.
			i++
			switch {
			case 'a' <= c && c <= 'z':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				flush()
				continue
			}
			if n < len(word) {
				word[n] = c
				n++
			} else {
				long = true
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if !unicode.IsLetter(r) {
			flush()
			continue
		}
		r = unicode.ToLower(r)
		if n+utf8.RuneLen(r) > len(word) {
			long = true
			continue
		}
		n += utf8.EncodeRune(word[n:], r)
	}
	flush()
	best, second := 0, 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	for i := range counts {
		if i != best && counts[i] > second {
			second = counts[i]
		}
	}
	if counts[best] < minFunctionHits || counts[best] < functionHitRatio*second {
		return "", false
	}
	return Languages[best], true
}
