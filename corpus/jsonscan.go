package corpus

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf16"
)

// objectFields returns the members of the JSON object data as raw values,
// as json.Unmarshal into a map[string]json.RawMessage does (a repeated
// name keeps its last value), without its two passes over the text and
// its copy of every value. A flat object whose names have no escapes (an
// article line) is read in one pass, its values pointing into data; any
// other input, valid or not, goes through encoding/json, whose error
// DecodeJSON describes.
func objectFields(data []byte) (map[string]json.RawMessage, error) {
	if m, ok := scanFlatObject(data); ok {
		return m, nil
	}
	var m map[string]json.RawMessage
	err := json.Unmarshal(data, &m)
	return m, err
}

// scanFlatObject reads data as one JSON object whose member names have no
// escapes and whose values are strings, numbers, booleans or null, with
// white space around. ok is false for anything else, valid JSON or not.
// Strings must hold no control characters and their escapes are checked;
// data's UTF-8 is the caller's to check (encoding/json would replace
// invalid bytes in names).
func scanFlatObject(data []byte) (m map[string]json.RawMessage, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	m = make(map[string]json.RawMessage, 8)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return m, skipSpace(data, i+1) == len(data)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return nil, false
		}
		end, escaped := scanString(data, i)
		if end < 0 || escaped {
			return nil, false
		}
		name := string(data[i+1 : end-1])
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		end = scanScalar(data, i)
		if end < 0 {
			return nil, false
		}
		m[name] = data[i:end:end]
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return m, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

// skipSpace returns the offset of the first byte at or after i that is
// not JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the offset just after the string starting at the
// quote data[i] (-1 when it is not a valid JSON string), and whether it
// holds escapes.
func scanString(data []byte, i int) (end int, escaped bool) {
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, escaped
		case c < 0x20:
			return -1, false
		case c == '\\':
			escaped = true
			if i+1 >= len(data) {
				return -1, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 >= len(data) {
					return -1, false
				}
				for _, h := range data[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return -1, false
					}
				}
				i += 5
			default:
				return -1, false
			}
		}
	}
	return -1, false
}

// scanScalar returns the offset just after the string, number, boolean or
// null starting at data[i], or -1 when there is none (an object, an array,
// invalid JSON).
func scanScalar(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch c := data[i]; {
	case c == '"':
		end, _ := scanString(data, i)
		return end
	case c == 't':
		return literal(data, i, "true")
	case c == 'f':
		return literal(data, i, "false")
	case c == 'n':
		return literal(data, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(data, i)
	}
	return -1
}

// literal returns the offset after word at data[i], or -1.
func literal(data []byte, i int, word string) int {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// scanNumber returns the offset after the JSON number at data[i], or -1:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(data []byte, i int) int {
	digits := func(i int) (int, bool) {
		start := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		return i, i > start
	}
	if data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return -1
	}
	if data[i] == '0' {
		i++
	} else {
		var ok bool
		if i, ok = digits(i); !ok {
			return -1
		}
	}
	if i < len(data) && data[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			return -1
		}
	}
	return i
}

// unquote returns the value of raw, a valid JSON string (quotes included:
// scanString or encoding/json checked it), as encoding/json decodes it:
// an escaped surrogate that is not half of a pair becomes U+FFFD.
func unquote(raw []byte) string {
	s := raw[1 : len(raw)-1]
	var out strings.Builder
	out.Grow(len(s))
	for i := 0; i < len(s); {
		k := bytes.IndexByte(s[i:], '\\')
		if k < 0 {
			out.Write(s[i:])
			break
		}
		out.Write(s[i : i+k])
		i += k
		c := s[i+1]
		i += 2
		switch c {
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			r := hex4(s[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, hex4(s[i+2:])); d != unicode.ReplacementChar {
						out.WriteRune(d)
						i += 6
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			out.WriteRune(r)
		default: // '"', '\\', '/'
			out.WriteByte(c)
		}
	}
	return out.String()
}

// hex4 returns the value of the four hexadecimal digits starting b.
func hex4(b []byte) rune {
	var r rune
	for _, h := range b[:4] {
		switch {
		case '0' <= h && h <= '9':
			h -= '0'
		case 'a' <= h && h <= 'f':
			h -= 'a' - 10
		default:
			h -= 'A' - 10
		}
		r = r<<4 | rune(h)
	}
	return r
}
