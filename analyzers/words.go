package analyzers

// A fast path for Bleve's unicode tokenizer (UAX #29 word boundaries, as
// github.com/blevesearch/segment implements them) on the text news is
// written in: Latin letters, digits, ASCII and common typographic
// punctuation. Text holding any other rune goes to the full segmenter.

import "unicode/utf8"

// wbClass is the word-break property of a rune (UAX #29), for the runes
// the fast path knows.
type wbClass uint8

const (
	wbUnknown      wbClass = iota // not handled: use the full segmenter
	wbOther                       // breaks on both sides
	wbLetter                      // ALetter
	wbNumeric                     // Numeric
	wbMidLetter                   // MidLetter: ':' '·'
	wbMidNum                      // MidNum: ',' ';'
	wbMidNumLet                   // MidNumLet and Single_Quote: '.' '\'' '‘' '’'
	wbExtendNumLet                // ExtendNumLet: '_'
	wbFormat                      // Format: the soft hyphen, the word joiner
)

// asciiClass holds the classes of the ASCII runes.
var asciiClass = func() (t [utf8.RuneSelf]wbClass) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			t[c] = wbLetter
		case '0' <= c && c <= '9':
			t[c] = wbNumeric
		case c == ':':
			t[c] = wbMidLetter
		case c == ',' || c == ';':
			t[c] = wbMidNum
		case c == '.' || c == '\'':
			t[c] = wbMidNumLet
		case c == '_':
			t[c] = wbExtendNumLet
		default:
			t[c] = wbOther
		}
	}
	return t
}()

// runeClass returns the class of a non-ASCII rune.
func runeClass(r rune) wbClass {
	switch {
	case r == 0xAA || r == 0xB5 || r == 0xBA: // ª µ º
		return wbLetter
	case r == 0xB7: // ·
		return wbMidLetter
	case r == 0xAD || r == 0x2060: // soft hyphen, word joiner
		return wbFormat
	case 0xA0 <= r && r <= 0xBF:
		// no-break space, punctuation, symbols, superscript digits
		return wbOther
	case 0xC0 <= r && r <= 0x24F: // Latin-1 letters, Latin Extended-A and -B
		if r == 0xD7 || r == 0xF7 { // × ÷
			return wbOther
		}
		return wbLetter
	case r == 0x2018 || r == 0x2019: // ‘ ’
		return wbMidNumLet
	case 0x2000 <= r && r <= 0x200A, r == 0x202F || r == 0x205F,
		0x2010 <= r && r <= 0x2017, 0x201A <= r && r <= 0x2023, r == 0x2025 || r == 0x2026,
		0x2030 <= r && r <= 0x203E, 0x20A0 <= r && r <= 0x20C0:
		// spaces (narrow no-break space included), dashes, quotes, daggers,
		// ellipsis, per mille, primes, guillemets, currency signs
		return wbOther
	}
	return wbUnknown
}

// fastWords appends to spans the byte ranges [start, end) of the words of
// input that Bleve's unicode tokenizer would return (segments holding a
// letter, a digit or an underscore), in order, and reports true; it
// reports false when input holds a rune the fast path does not know.
func fastWords(input []byte, spans [][2]int) ([][2]int, bool) {
	prev2, prev := wbOther, wbOther // classes of the two runes before the current one
	start := -1                     // start of the current segment, -1 between segments
	hasWord := false                // the current segment holds a letter or a digit
	pendingMid := -1                // offset of a Mid* rune kept in the segment on trust (WB6/WB12)
	flush := func(end int) {
		if start >= 0 && hasWord {
			spans = append(spans, [2]int{start, end})
		}
		start, hasWord = -1, false
	}
	i := 0
	for i < len(input) {
		c := input[i]
		if c < utf8.RuneSelf && start >= 0 && pendingMid < 0 && (prev == wbLetter || prev == wbNumeric) {
			// Inside a word, ASCII letters and digits join it (WB5, WB8,
			// WB9, WB10): take them without the general rules.
			cl := asciiClass[c]
			if cl == wbLetter || cl == wbNumeric {
				j := i + 1
				for j < len(input) && input[j] < utf8.RuneSelf {
					next := asciiClass[input[j]]
					if next != wbLetter && next != wbNumeric {
						break
					}
					prev2, prev = prev, cl
					cl = next
					j++
				}
				prev2, prev = prev, cl
				hasWord = true
				i = j
				continue
			}
		}
		var class wbClass
		size := 1
		if c < utf8.RuneSelf {
			class = asciiClass[c]
		} else {
			var r rune
			r, size = utf8.DecodeRune(input[i:])
			if r == utf8.RuneError {
				return spans, false
			}
			class = runeClass(r)
		}
		switch class {
		case wbUnknown:
			return spans, false
		case wbFormat:
			// WB4: part of whatever segment it follows, and transparent
			// to the rules.
			i += size
			continue
		}
		joins := false
		switch {
		case start < 0:
		case pendingMid >= 0:
			// prev is a Mid* rune joined on the hope of WB7/WB11: it holds
			// if this rune continues the word the same way.
			before := prev2
			joins = before == wbLetter && class == wbLetter && (prev == wbMidLetter || prev == wbMidNumLet) ||
				before == wbNumeric && class == wbNumeric && (prev == wbMidNum || prev == wbMidNumLet)
			if !joins {
				// The Mid* rune ends the word, and is a segment of its own.
				flush(pendingMid)
			}
			pendingMid = -1
		default:
			p := prev
			switch {
			case (p == wbLetter || p == wbNumeric) && (class == wbLetter || class == wbNumeric): // WB5, WB8, WB9, WB10
				joins = true
			case (p == wbLetter || p == wbNumeric || p == wbExtendNumLet) && class == wbExtendNumLet: // WB13a
				joins = true
			case p == wbExtendNumLet && (class == wbLetter || class == wbNumeric): // WB13b
				joins = true
			case p == wbLetter && (class == wbMidLetter || class == wbMidNumLet), // WB6
				p == wbNumeric && (class == wbMidNum || class == wbMidNumLet): // WB12
				joins, pendingMid = true, i
			}
		}
		if !joins {
			flush(i)
			if class != wbOther && class != wbMidLetter && class != wbMidNum && class != wbMidNumLet {
				start = i
			}
		}
		if start >= 0 && (class == wbLetter || class == wbNumeric || class == wbExtendNumLet) {
			hasWord = true
		}
		prev2, prev = prev, class
		i += size
	}
	if pendingMid >= 0 {
		flush(pendingMid)
	} else {
		flush(len(input))
	}
	return spans, true
}
