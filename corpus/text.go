package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalizeLines splits text into trimmed lines, tolerant of whatever a
// copy from a web page brings along: CRLF and lone CR line ends, Unicode
// line and paragraph separators, a byte order mark, zero-width characters
// and soft hyphens (removed), tabs and every Unicode space (NBSP U+00A0,
// narrow NBSP U+202F, thin space U+2009... become one ASCII space, runs
// collapsed), control characters (removed) and invalid UTF-8 (each bad
// byte becomes U+FFFD). Every returned line is valid UTF-8.
func normalizeLines(text string) []string {
	lines := make([]string, 0, strings.Count(text, "\n")+1)
	var buf []byte
	for len(text) > 0 {
		end := strings.IndexByte(text, '\n')
		line, rest := text, ""
		if end >= 0 {
			line, rest = text[:end], text[end+1:]
		}
		if clean(line) {
			lines = append(lines, line) // no copy: most lines need no change
		} else {
			lines, buf = normalizeLine(lines, buf, line)
		}
		text = rest
		if end >= 0 && rest == "" {
			lines = append(lines, "")
		}
	}
	if len(lines) == 0 {
		lines = append(lines, "")
	}
	return lines
}

// clean reports whether line needs no normalization: valid UTF-8 without
// control characters, special spaces, invisible characters or line
// separators, no space at either end and no two spaces in a row. It looks
// at bytes: the runes normalizeLine changes are all encoded with the lead
// bytes 0xC2 (U+0080-U+00BF), 0xE2 (U+2000-U+206F), 0xE3 (U+3000) and
// 0xEF (U+FEFF, U+FFF9-U+FFFB).
func clean(line string) bool {
	if line == "" {
		return true
	}
	if line[0] == ' ' || line[len(line)-1] == ' ' {
		return false
	}
	ascii := true
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ':
			if line[i+1] == ' ' {
				return false
			}
		case c < 0x20 || c == 0x7f:
			return false
		case c < 0x80:
		case c == 0xC2:
			ascii = false
			if i+1 < len(line) && (line[i+1] < 0xA1 || line[i+1] == 0xAD) {
				return false
			}
		case c == 0xE2:
			ascii = false
			if i+2 < len(line) {
				b1, b2 := line[i+1], line[i+2]
				if b1 == 0x80 && (b2 <= 0x8F || b2 >= 0xA8 && b2 <= 0xAF) || b1 == 0x81 && b2 >= 0x9F && b2 <= 0xAF {
					return false
				}
			}
		case c == 0xE3:
			ascii = false
			if i+2 < len(line) && line[i+1] == 0x80 && line[i+2] == 0x80 {
				return false
			}
		case c == 0xEF:
			ascii = false
			if i+2 < len(line) && (line[i+1] == 0xBB && line[i+2] == 0xBF || line[i+1] == 0xBF && line[i+2] >= 0xB9 && line[i+2] <= 0xBB) {
				return false
			}
		default:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(line)
}

// normalizeLine appends the normalized form of line (which may hold
// Unicode line separators, so give several lines) to lines, using buf as
// scratch space.
func normalizeLine(lines []string, buf []byte, line string) ([]string, []byte) {
	buf = buf[:0]
	space := false
	flush := func() {
		lines = append(lines, string(buf))
		buf = buf[:0]
		space = false
	}
	valid := utf8.ValidString(line)
	for i := 0; i < len(line); {
		c := line[i]
		if c > ' ' && c < 0x7f {
			// A run of printable ASCII and single inner spaces: copy it whole.
			j := i + 1
			for j < len(line) && (line[j] > ' ' && line[j] < 0x7f || line[j] == ' ' && j+1 < len(line) && line[j+1] > ' ' && line[j+1] < 0x7f) {
				j++
			}
			if space {
				buf = append(buf, ' ')
				space = false
			}
			buf = append(buf, line[i:j]...)
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\r':
				flush()
			case c == ' ' || c == '\t' || c == '\v' || c == '\f':
				space = len(buf) > 0
			case c < 0x20 || c == 0x7f:
				// control character: dropped
			default:
				if space {
					buf = append(buf, ' ')
					space = false
				}
				buf = append(buf, c)
			}
			continue
		}
		if valid && c != 0xC2 && c != 0xE1 && c != 0xE2 && c != 0xE3 && c != 0xEF {
			// A rune normalization leaves alone: copy its bytes.
			size := 2
			if c >= 0xF0 {
				size = 4
			} else if c >= 0xE0 {
				size = 3
			}
			if space {
				buf = append(buf, ' ')
				space = false
			}
			buf = append(buf, line[i:i+size]...)
			i += size
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// invalid byte: appended below as U+FFFD
		case r == '\u2028' || r == '\u2029' || r == '\u0085':
			flush()
			continue
		case r == '\ufeff' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\u00ad':
			continue
		case unicode.IsSpace(r):
			space = len(buf) > 0
			continue
		case unicode.IsControl(r) || r >= 0xfff9 && r <= 0xfffb:
			continue
		}
		if space {
			buf = append(buf, ' ')
			space = false
		}
		buf = utf8.AppendRune(buf, r)
	}
	// "a\r" (CRLF line end) gives "a" then an empty line: drop that one.
	if len(buf) > 0 || len(line) == 0 || line[len(line)-1] != '\r' {
		flush()
	}
	return lines, buf
}

// runeCount counts the runes of s, which must be valid UTF-8 (as the
// normalized lines are): its bytes that are not continuation bytes. Faster
// than utf8.RuneCountInString, which decodes.
func runeCount(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i]&0xC0 == 0x80 {
			n--
		}
	}
	return n
}

// firstLetter returns the first letter or digit of s, skipping leading
// punctuation such as quotes, and false if s has none.
func firstLetter(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r, true
		}
	}
	return 0, false
}

// lastRune returns the last rune of s, or 0 for "".
func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	if r == utf8.RuneError {
		return 0
	}
	return r
}

// endsSentence reports whether s ends like a sentence (., !, ?, …, or a
// closing quote or parenthesis after one of them).
func endsSentence(s string) bool {
	s = strings.TrimRight(s, " \"'»”’)")
	switch lastRune(s) {
	case '.', '!', '?', '…', ';':
		return true
	}
	return false
}

// maxWords is where wordCount stops counting: the heuristics only
// compare word counts with smaller numbers.
const maxWords = 30

// wordCount counts space-separated words holding at least one letter or
// digit, up to maxWords.
func wordCount(s string) int {
	n, counted := 0, false
	for i := 0; i < len(s) && n < maxWords; i++ {
		c := s[i]
		switch {
		case c == ' ':
			counted = false
		case counted:
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c >= 0xC3 && c <= 0xDF || c >= 0xE3 && c <= 0xED:
			// ASCII letters and digits, and the lead bytes of the letters of
			// Latin, Greek, Cyrillic... (U+00C0-U+07FF) and of most
			// scripts above U+3000; not of punctuation and symbols
			// (U+0080-U+00BF, U+2000-U+2FFF) such as « – ’ ▪.
			n++
			counted = true
		}
	}
	return n
}

// prefixSet is a list of prefixes indexed by their first byte.
type prefixSet [256][]string

// newPrefixSet indexes the prefixes (none may be empty).
func newPrefixSet(prefixes ...[]string) *prefixSet {
	var ps prefixSet
	for _, list := range prefixes {
		for _, p := range list {
			ps[p[0]] = append(ps[p[0]], p)
		}
	}
	return &ps
}

// match reports whether s starts with one of the prefixes.
func (ps *prefixSet) match(s string) bool {
	if s == "" {
		return false
	}
	for _, p := range ps[s[0]] {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// hasPrefixAny reports whether s starts with one of the prefixes.
func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// containsAny reports whether s contains one of the substrings.
func containsAny(s string, subs []string) bool {
	for _, p := range subs {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
