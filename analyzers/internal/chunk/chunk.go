// Package chunk cuts a long text into pieces an extractor can read one at
// a time, checking its context between two: at line ends or full stops,
// where no name or sum spans the cut.
package chunk

import (
	"context"
	"strings"
)

// Size is the longest piece [Each] hands over when the text allows a cut
// before it.
const Size = 64 << 10

// Each calls fn with the consecutive pieces of text (all of it when text
// is at most Size bytes), each ending after a newline, or else after
// ". ", or else after a space, within Size bytes when one is there. It
// returns ctx's error, without calling fn again, as soon as ctx ends;
// ctx is looked at before each piece but the first.
func Each(ctx context.Context, text string, fn func(piece string)) error {
	for first := true; len(text) > 0; first = false {
		if !first {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n := cut(text)
		fn(text[:n])
		text = text[n:]
	}
	return nil
}

// cut returns the length of the first piece of text.
func cut(text string) int {
	if len(text) <= Size {
		return len(text)
	}
	head := text[:Size]
	if i := strings.LastIndexByte(head, '\n'); i > Size/2 {
		return i + 1
	}
	if i := strings.LastIndex(head, ". "); i > Size/2 {
		return i + 2
	}
	if i := strings.LastIndexByte(head, ' '); i > Size/2 {
		return i + 1
	}
	// No break at all: cut at a rune boundary.
	n := Size
	for n > 0 && text[n]&0xC0 == 0x80 {
		n--
	}
	return n
}
