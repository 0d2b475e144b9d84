// Package fold is veille's one vocabulary for comparing written text: the
// accent and case folds every package uses (analysis, extraction, raw-page
// reading, query keys) and the named rune sets (apostrophes, horizontal
// spaces, dashes, word runes) that decide where words start and end.
//
// It is a leaf: it imports nothing of veille, so corpus, analyzers and
// index can all use it. Every fold is pinned by a fuzz test against its
// reference definition (NFD, combining marks dropped).
package fold

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Bytes removes diacritics without changing case (strokes included:
// "Łódź" becomes "Lodz", "Ørsted" "Orsted"), expands the ligatures œ, æ
// and ß, and writes the apostrophes of [IsApostrophe] as ':
// "hydroélectricité" becomes "hydroelectricite" and "aujourd’hui"
// "aujourd'hui". Any other rune is decomposed (NFD) and stripped of its
// combining marks, which is what decomposing the whole text would give.
// It returns b itself when b is ASCII; otherwise a new slice.
func Bytes(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, i, len(b)+4)
	copy(out, b)
	for i < len(b) {
		if c := b[i]; c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		out = AppendRune(out, r)
	}
	return out
}

// String is [Bytes] for strings; it returns s itself when s is ASCII.
func String(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	out := make([]byte, i, len(s)+4)
	copy(out, s)
	for _, r := range s[i:] {
		out = AppendRune(out, r)
	}
	return string(out)
}

// AppendRune appends the folded form of r (see [Bytes]) to dst.
func AppendRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		return append(dst, byte(r))
	}
	if latinLo <= r && r < latinHi {
		return append(dst, latin[r-latinLo].fold...)
	}
	return appendFoldSlow(dst, r)
}

// appendFoldSlow folds a rune outside the Latin table.
func appendFoldSlow(dst []byte, r rune) []byte {
	switch r {
	case '’', '‘', 'ʼ':
		return append(dst, '\'')
	}
	if unicode.Is(unicode.Mn, r) {
		return dst
	}
	var buf [utf8.UTFMax]byte
	d := norm.NFD.Bytes(utf8.AppendRune(buf[:0], r))
	for len(d) > 0 {
		r, size := utf8.DecodeRune(d)
		d = d[size:]
		if !unicode.Is(unicode.Mn, r) {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// Lower is [String] of the lower-cased text: "ÉTATS-UNIS" becomes
// "etats-unis", "L’Oréal" "l'oreal". It is exactly
// String(strings.ToLower(s)), and returns s itself when s is
// lower-case ASCII.
func Lower(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	return string(AppendLower(make([]byte, 0, len(s)+4), s))
}

// AppendLower appends [Lower] of s to dst.
func AppendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		dst = AppendLowerRune(dst, r)
	}
	return dst
}

// AppendLowerRune appends the folded form of the lower-cased r to dst.
func AppendLowerRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	if latinLo <= r && r < latinHi {
		return append(dst, latin[r-latinLo].lower...)
	}
	return AppendRune(dst, unicode.ToLower(r))
}

// LowerPunct is [Lower] that also writes every apostrophe-like
// mark ([IsApostropheLike]) as ', guillemets and curly quotes
// ([IsQuote]) as ", dashes ([IsDash]) as - and "…" as "...": the form in
// which raw pages are compared with boilerplate words and dates.
func LowerPunct(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+8)
	copy(b, s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case IsApostropheLike(r):
			b = append(b, '\'')
		case IsQuote(r):
			b = append(b, '"')
		case IsDash(r):
			b = append(b, '-')
		case r == '…':
			b = append(b, "..."...)
		default:
			b = AppendLowerRune(b, r)
		}
	}
	return string(b)
}

// Key is [Lower] keeping only letters and digits: the form in which
// names are compared ("L'Oréal" and "LOREAL" give "loreal").
func Key(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range Lower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// The Latin-1 Supplement and Latin Extended-A and -B blocks are folded
// through a table built once from the general definition.
const (
	latinLo = 0xC0
	latinHi = 0x250
)

type latinFold struct{ fold, lower string }

var latin = buildLatin()

func buildLatin() *[latinHi - latinLo]latinFold {
	var t [latinHi - latinLo]latinFold
	for r := rune(latinLo); r < latinHi; r++ {
		t[r-latinLo] = latinFold{fold: string(appendFoldSpecial(nil, r)), lower: string(appendFoldSpecial(nil, unicode.ToLower(r)))}
	}
	return &t
}

// appendFoldSpecial folds r, with the letters that do not decompose
// mapped by hand.
func appendFoldSpecial(dst []byte, r rune) []byte {
	switch r {
	case 'œ':
		return append(dst, "oe"...)
	case 'Œ':
		return append(dst, "OE"...)
	case 'æ':
		return append(dst, "ae"...)
	case 'Æ':
		return append(dst, "AE"...)
	case 'ß':
		return append(dst, "ss"...)
	case 'ł':
		return append(dst, 'l')
	case 'Ł':
		return append(dst, 'L')
	case 'ø':
		return append(dst, 'o')
	case 'Ø':
		return append(dst, 'O')
	case 'đ':
		return append(dst, 'd')
	case 'Đ':
		return append(dst, 'D')
	}
	if r < utf8.RuneSelf {
		return append(dst, byte(r))
	}
	return appendFoldSlow(dst, r)
}

// IsApostrophe reports the apostrophes [Bytes] writes as ': ' and the
// typographic ’ (U+2019), ‘ (U+2018) and ʼ (U+02BC).
func IsApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == '‘' || r == 'ʼ'
}

// IsApostropheLike is [IsApostrophe] plus the marks pages type in place
// of one: ‛ (U+201B), ´ (U+00B4) and ′ (U+2032).
func IsApostropheLike(r rune) bool {
	return IsApostrophe(r) || r == '‛' || r == '´' || r == '′'
}

// IsElisionApostrophe reports the two apostrophes at which Bleve's
// elision filters cut an elided article: ' and ’.
func IsElisionApostrophe(r rune) bool { return r == '\'' || r == '’' }

// ApostropheAt returns the byte width of the [IsApostropheLike] mark that
// starts at s[i], 0 if none.
func ApostropheAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	if s[i] == '\'' {
		return 1
	}
	if s[i] < utf8.RuneSelf {
		return 0
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if IsApostropheLike(r) {
		return size
	}
	return 0
}

// IsQuote reports guillemets and curly double quotes: « » “ ” „ ‟ ″.
func IsQuote(r rune) bool {
	switch r {
	case '«', '»', '“', '”', '„', '‟', '″':
		return true
	}
	return false
}

// IsDash reports the Unicode hyphens and dashes other than '-': ‐ ‑ ‒ – — ―
// and the minus sign −.
func IsDash(r rune) bool {
	switch r {
	case '‐', '‑', '‒', '–', '—', '―', '−':
		return true
	}
	return false
}

// IsHSpace reports the horizontal spaces that separate the parts of a
// number or a name: space, tab, NBSP (U+00A0), narrow NBSP (U+202F), thin
// (U+2009), figure (U+2007) and hair (U+200A) spaces.
func IsHSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\u00a0', '\u202f', '\u2009', '\u2007', '\u200a':
		return true
	}
	return false
}

// SpaceAt returns the byte width of the [IsHSpace] space at s[i], 0 if none.
func SpaceAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case ' ', '\t':
		return 1
	case 0xC2:
		if i+1 < len(s) && s[i+1] == 0xA0 {
			return 2
		}
	case 0xE2:
		if i+2 < len(s) && s[i+1] == 0x80 {
			switch s[i+2] {
			case 0xAF, 0x89, 0x87, 0x8A: // narrow NBSP, thin, figure, hair space
				return 3
			}
		}
	}
	return 0
}

// SpaceBefore returns the byte width of the [IsHSpace] space ending at
// s[i], 0 if none.
func SpaceBefore(s string, i int) int {
	if i <= 0 || i > len(s) {
		return 0
	}
	if s[i-1] == ' ' || s[i-1] == '\t' {
		return 1
	}
	if i >= 2 && SpaceAt(s, i-2) == 2 {
		return 2
	}
	if i >= 3 && SpaceAt(s, i-3) == 3 {
		return 3
	}
	return 0
}

// SkipSpaces returns the position after the [IsHSpace] spaces at s[i].
func SkipSpaces(s string, i int) int {
	for {
		w := SpaceAt(s, i)
		if w == 0 {
			return i
		}
		i += w
	}
}

// IsWordRune reports the runes words are made of: letters, digits and
// combining marks.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// IsDigit reports an ASCII digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// IsUpper reports whether r is an upper-case letter.
func IsUpper(r rune) bool {
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.IsUpper(r)
}
