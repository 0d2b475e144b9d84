package api

// HTML of highlights: the index says where a query matched (text and
// byte ranges); the API escapes the text and marks the ranges.

import (
	"strings"
	"unicode/utf8"

	"veille/index"
)

const markOpen, markClose = "<mark>", "</mark>"

// fragmentHTML returns f as HTML: its marks in <mark>…</mark>, everything
// else escaped.
func fragmentHTML(f index.Fragment) string {
	var b strings.Builder
	writeMarked(&b, f.Text, f.Marks)
	return b.String()
}

// writeMarked writes text to b, escaped, with the sorted, disjoint marks
// in <mark> tags. Marks out of text are clamped.
func writeMarked(b *strings.Builder, text string, marks []index.Mark) {
	pos := 0
	for _, m := range marks {
		start, end := max(m.Start, pos), min(m.End, len(text))
		if start >= end {
			continue
		}
		writeEscaped(b, text[pos:start])
		b.WriteString(markOpen)
		writeEscaped(b, text[start:end])
		b.WriteString(markClose)
		pos = end
	}
	writeEscaped(b, text[pos:])
}

// writeEscaped writes s HTML-escaped (&, <, >, " and '). Bytes that are
// not UTF-8 pass through unchanged.
func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}
