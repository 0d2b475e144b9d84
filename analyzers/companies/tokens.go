package companies

import (
	_ "embed"
	"unicode"
	"unicode/utf8"
	"veille/corpus/fold"
)

// Tokens

// gapKind classifies the text between two tokens.
type gapKind uint8

const (
	gapNone   gapKind = iota // glued: "Canal+", "C&A"
	gapSpace                 // spaces only
	gapHyphen                // "-"
	gapApos                  // "'" or "’" (elision, "L'Oréal")
	gapDot                   // "." between words: "E.Leclerc", "JD.com"
	gapComma                 // ","
	gapQuote                 // spaces and quotes
	gapBreak                 // any other punctuation
)

// token is one word (letters and digits) or symbol ('&', '+') of a text.
type token struct {
	start, end int
	fold       string // lower case, accents removed
	foldStart  int32  // while tokenizing: fold's bounds in the fold buffer
	foldEnd    int32
	upper      bool   // starts with an upper-case letter
	caps       bool   // has letters, all upper case
	digit      bool   // starts with a digit
	sym        bool   // '&' or '+'
	sent       bool   // opens a sentence
	cls        uint32 // word classes (cls*), set by Finder.analyze
	maxAlias   uint8  // longest gazetteer alias starting with fold, in tokens
	gap        gapKind
}

// is reports whether t belongs to one of the word classes c.
func (t *token) is(c uint32) bool { return t.cls&c != 0 }

// soft reports whether t is joined to the previous token within a name.
func (t *token) soft() bool {
	return t.gap <= gapDot && !t.sent
}

// tokenize splits text into tokens with byte offsets, folded forms,
// capitalisation and the kind of gap before each token.
func tokenize(text string) []token { return tokenizeInto(nil, text) }

// tokenizeInto is [tokenize] appending to toks.
func tokenizeInto(toks []token, text string) []token {
	toks, _ = tokenizeWith(toks, nil, text)
	return toks
}

// tokenizeWith is [tokenizeInto] with folds as scratch space for the
// folded forms; it returns the scratch space for reuse.
func tokenizeWith(toks []token, folds []byte, text string) ([]token, []byte) {
	if toks == nil {
		toks = make([]token, 0, len(text)/5+4)
	}
	folds = folds[:0]
	prevEnd := 0
	i := 0
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if r == '&' || r == '+' {
			toks, folds = appendToken(toks, folds, text, prevEnd, i, i+size, true)
			prevEnd = i + size
			i += size
			continue
		}
		if !fold.IsWordRune(r) {
			i += size
			continue
		}
		start := i
		for i < len(text) {
			if c := text[i]; c < utf8.RuneSelf {
				if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
					break
				}
				i++
				continue
			}
			r, size = utf8.DecodeRuneInString(text[i:])
			if !fold.IsWordRune(r) {
				break
			}
			i += size
		}
		toks, folds = appendToken(toks, folds, text, prevEnd, start, i, false)
		prevEnd = i
	}
	if len(folds) > 0 {
		// One allocation for every folded form.
		all := string(folds)
		for k := range toks {
			if t := &toks[k]; t.foldEnd > 0 {
				t.fold = all[t.foldStart:t.foldEnd]
			}
		}
	}
	return toks, folds
}

// appendToken classifies the token text[start:end] and the gap
// text[prevEnd:start] before it; the folded form goes to folds unless
// the token is already lowercase ASCII.
func appendToken(toks []token, folds []byte, text string, prevEnd, start, end int, sym bool) ([]token, []byte) {
	t := token{start: start, end: end, sym: sym}
	w := text[start:end]
	r, _ := utf8.DecodeRuneInString(w)
	if r < utf8.RuneSelf {
		t.upper = 'A' <= r && r <= 'Z'
		t.digit = '0' <= r && r <= '9'
	} else {
		t.upper = unicode.IsUpper(r)
		t.digit = unicode.IsDigit(r)
	}
	plain, letters, allCaps := true, false, true
	for k := 0; k < len(w); k++ {
		c := w[k]
		switch {
		case c >= utf8.RuneSelf:
			plain = false
		case 'A' <= c && c <= 'Z':
			plain = false
			letters = true
		case 'a' <= c && c <= 'z':
			letters = true
			allCaps = false
		}
	}
	if !plain {
		for _, r := range w {
			if r >= utf8.RuneSelf && unicode.IsLetter(r) {
				letters = true
				if !unicode.IsUpper(r) {
					allCaps = false
				}
			}
		}
	}
	t.caps = letters && allCaps
	if plain {
		t.fold = w
	} else {
		t.foldStart = int32(len(folds))
		folds = fold.AppendLower(folds, w)
		t.foldEnd = int32(len(folds))
		if t.foldEnd == t.foldStart {
			t.foldEnd = 0
		}
	}
	if len(toks) == 0 {
		t.sent = true
		t.gap = gapBreak
		return append(toks, t), folds
	}
	prev := &toks[len(toks)-1]
	t.gap, t.sent = classifyGap(text[prevEnd:start], prev, text, &t)
	return append(toks, t), folds
}

// classifyGap returns the kind of gap g and whether the token after it
// opens a sentence.
func classifyGap(g string, prev *token, text string, t *token) (gapKind, bool) {
	if r, size := utf8.DecodeRuneInString(g); size > 0 && size == len(g) && fold.IsApostrophe(r) {
		return gapApos, false
	}
	switch g {
	case "":
		return gapNone, false
	case " ", "\u00a0", "\u202f", "\t":
		return gapSpace, false
	case "-", "\u2011":
		return gapHyphen, false
	case ".":
		// "E.Leclerc", "JD.com" join; "Europe.Renault" (glued
		// paragraphs) opens a sentence.
		if prev.end-prev.start <= 1 || !t.upper {
			return gapDot, false
		}
		return gapBreak, true
	}
	spaces, quotes, comma, sent := true, false, false, false
	for _, r := range g {
		switch {
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\t':
		case r == '"' || r == '«' || r == '»' || r == '“' || r == '”':
			quotes = true
			spaces = false
		case r == ',':
			comma = true
			spaces = false
		case r == '.':
			spaces = false
			// "M. Guyot", "E. Leclerc": a dot after one letter or a
			// civility does not end a sentence.
			if !(prev.end-prev.start <= 1 || civility[prev.fold]) {
				sent = true
			}
		case r == '!' || r == '?' || r == '…' || r == '\n' || r == '\r' || r == ':' || r == '•' || r == '—' || r == '–' || r == ';':
			sent = true
			spaces = false
		default:
			spaces = false
		}
	}
	switch {
	case sent:
		return gapBreak, true
	case quotes && !comma:
		return gapQuote, false
	case comma && !quotes:
		return gapComma, false
	case spaces:
		return gapSpace, false
	}
	return gapBreak, false
}
