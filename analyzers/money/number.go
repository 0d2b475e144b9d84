package money

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"veille/corpus/fold"
)

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
		} else if s[j] == ',' && j+2 < len(s) && s[j+1] == ' ' && s[j+2] == '0' && digitsEnd(s, j+2) == j+5 {
			// "1, 037 milliard": a stray space; a new number never starts with 0
			g = numberGroup{start: j + 2, end: j + 5, sep: ','}
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
