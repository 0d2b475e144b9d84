package index

// Highlighting: fragments of an article's text around the words a search
// matched, as text and the byte ranges to mark (presentation, HTML or
// terminal colours, is the caller's). Bleve's own highlighter returns a
// single fragment cut on rune counts, often mid-word; this one cuts at
// spaces and picks the fragments that show the most distinct matched
// terms.

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
	"veille/corpus/fold"

	"github.com/blevesearch/bleve/v2/search"
)

// Highlighting defaults and bounds.
const (
	defaultFragments     = 3
	defaultFragmentRunes = 160
	maxHighlightSpans    = 4096 // spans beyond are ignored (a very common term in a very long text)
	wordSlack            = 24   // runes a cut may move to reach a space
	ellipsis             = "…"
)

// span is a byte range [Start, End) of a text to mark, and the index term
// it matched (distinct terms make a fragment better; empty means the
// marked text itself).
type span struct {
	Start, End int
	Term       string
}

// spansOf returns the spans of field's matched terms in hit, from the
// term locations Bleve returns when the request has IncludeLocations (or
// Highlight) set. Locations inside array elements are skipped: the text
// fields of the index hold one value.
func spansOf(hit *search.DocumentMatch, field string) []span {
	if hit == nil {
		return nil
	}
	var out []span
	for term, locs := range hit.Locations[field] {
		for _, l := range locs {
			if l == nil || len(l.ArrayPositions) > 0 || l.Start > math.MaxInt32 || l.End > math.MaxInt32 {
				continue
			}
			out = append(out, span{Start: int(l.Start), End: int(l.End), Term: term})
		}
	}
	return out
}

// normalizeSpans clamps spans to text, widens them to whole UTF-8
// sequences, drops empty ones, sorts them and merges those that overlap
// or touch. At most maxHighlightSpans are kept, the first ones.
func normalizeSpans(text string, spans []span) []span {
	out := make([]span, 0, len(spans))
	for _, s := range spans {
		s.Start = max(0, min(s.Start, len(text)))
		s.End = max(0, min(s.End, len(text)))
		for s.Start > 0 && s.Start < len(text) && !utf8.RuneStart(text[s.Start]) {
			s.Start--
		}
		for s.End < len(text) && !utf8.RuneStart(text[s.End]) {
			s.End++
		}
		if s.End <= s.Start {
			continue
		}
		s.Start = skipElision(text, s.Start, s.End)
		if s.Term == "" {
			s.Term = strings.ToLower(text[s.Start:s.End])
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].End > out[j].End
	})
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.Start <= merged[n-1].End {
			merged[n-1].End = max(merged[n-1].End, s.End)
			continue
		}
		merged = append(merged, s)
	}
	if len(merged) > maxHighlightSpans {
		merged = merged[:maxHighlightSpans]
	}
	return merged
}

// elisions are the French articles and pronouns that elide before a
// vowel: the analyzer drops them from the term but not from its offsets.
var elisions = []string{"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}

// skipElision returns the offset after the elided article that starts
// text[start:end] ("l’" of "l’hydroélectricité"), or start: the mark goes
// on the word, not on its article.
func skipElision(text string, start, end int) int {
	seg := text[start:end]
	i := strings.IndexFunc(seg, fold.IsElisionApostrophe)
	if i <= 0 || i > len("lorsqu") {
		return start
	}
	_, size := utf8.DecodeRuneInString(seg[i:])
	if i+size >= len(seg) {
		return start
	}
	if r, _ := utf8.DecodeRuneInString(seg[i+size:]); !unicode.IsLetter(r) {
		return start
	}
	if !slices.Contains(elisions, strings.ToLower(seg[:i])) {
		return start
	}
	return start + i + size
}

// highlight returns up to maxFragments fragments of text (default 3 when
// maxFragments <= 0) of about fragmentSize runes each (default 160), in
// document order, with the spans as marks. Fragments are chosen to show the most
// distinct matched terms, then the most matches; they start and end at
// spaces (a cut lands mid-word only inside a run of more than wordSlack
// runes without space), runs of white space become one space, and "…"
// marks where text was cut. Spans may be in any order, overlap or fall
// outside text: they are clamped and merged, and an elided French article
// at the start of a span is left out of the mark ("l’" of
// "l’hydroélectricité"). Without a valid span, the result is the start
// of the text, [snippet], or nothing for a blank text.
func highlight(text string, spans []span, maxFragments, fragmentSize int) []Fragment {
	if maxFragments <= 0 {
		maxFragments = defaultFragments
	}
	if fragmentSize <= 0 {
		fragmentSize = defaultFragmentRunes
	}
	ss := normalizeSpans(text, spans)
	if len(ss) == 0 {
		if s := snippet(text, fragmentSize); s.Text != "" {
			return []Fragment{s}
		}
		return nil
	}
	rs := runeOffsets(text, ss)
	wins := pickWindows(ss, rs, maxFragments, fragmentSize)
	out := make([]Fragment, 0, len(wins))
	lower := 0
	for k, w := range wins {
		upper := len(text)
		if k+1 < len(wins) {
			upper = ss[wins[k+1].first].Start
		}
		start, end := expandWindow(text, ss, rs, w, fragmentSize, lower, upper)
		out = append(out, cutFragment(text, ss, start, end))
		lower = end
	}
	return out
}

// highlightAll returns the whole of text with the spans marked, white
// space collapsed: the highlight of a title.
func highlightAll(text string, spans []span) Fragment {
	ss := normalizeSpans(text, spans)
	start, end := trimSpaceBounds(text, 0, len(text))
	var b fragmentBuilder
	b.marked(text, ss, start, end)
	return b.fragment()
}

// snippet returns the first size runes of text (default 160 when size <=
// 0), cut at a space, white space collapsed, with "…" when text goes on.
// A blank text gives an empty fragment.
func snippet(text string, size int) Fragment {
	if size <= 0 {
		size = defaultFragmentRunes
	}
	start, _ := trimSpaceBounds(text, 0, len(text))
	end := advanceRunes(text, start, size)
	if end < len(text) {
		end = cutBefore(text, end, start, len(text))
	}
	start, end = trimSpaceBounds(text, start, end)
	var b fragmentBuilder
	b.marked(text, nil, start, end)
	if b.text.Len() == 0 {
		return Fragment{}
	}
	if !isBlank(text[end:]) {
		b.text.WriteString(ellipsis)
	}
	return b.fragment()
}

// spanRunes holds the rune offsets of a span's start and end.
type spanRunes struct{ start, end int }

// runeOffsets returns the rune offsets of the sorted spans ss in text.
func runeOffsets(text string, ss []span) []spanRunes {
	out := make([]spanRunes, len(ss))
	pos, runes := 0, 0
	advance := func(to int) int {
		if to > pos {
			runes += utf8.RuneCountInString(text[pos:to])
			pos = to
		}
		return runes
	}
	for i, s := range ss {
		out[i].start = advance(s.Start)
		out[i].end = advance(s.End)
	}
	return out
}

// window is a run of spans ss[first..last] chosen as a fragment's core.
type window struct{ first, last int }

// pickWindows chooses up to n non-overlapping windows of spans, each
// spanning at most size runes (what is left is context), greedily by
// score: every distinct term scores 1 if no chosen window shows it yet,
// 0.3 otherwise, every further match 0.05; of equal scores, the window
// with the least text between its spans wins, then the first. Windows come back in document order.
func pickWindows(ss []span, rs []spanRunes, n, size int) []window {
	ids := make([]int, len(ss))
	byTerm := make(map[string]int)
	for i, s := range ss {
		id, ok := byTerm[s.Term]
		if !ok {
			id = len(byTerm)
			byTerm[s.Term] = id
		}
		ids[i] = id
	}
	budget := max(size, 1)
	shown := make([]bool, len(byTerm))
	taken := make([]bool, len(ss))
	count := make([]int, len(byTerm))
	var chosen []window
	for len(chosen) < n {
		best, bestScore, bestGap := window{-1, -1}, 0.0, 0
		covered := 0 // runes of the window's spans
		clear(count)
		score := 0.0
		weight := func(id int) float64 {
			if shown[id] {
				return 0.3
			}
			return 1
		}
		add := func(i int, sign int) {
			covered += sign * (rs[i].end - rs[i].start)
			id := ids[i]
			before := count[id]
			count[id] += sign
			switch {
			case sign > 0 && before == 0:
				score += weight(id)
			case sign < 0 && count[id] == 0:
				score -= weight(id)
			case sign > 0:
				score += 0.05
			default:
				score -= 0.05
			}
		}
		j := -1 // spans i..j are in the window
		for i := 0; i < len(ss); i++ {
			if taken[i] {
				if j >= i {
					add(i, -1)
				}
				continue
			}
			if j < i {
				j = i
				add(i, +1)
			}
			for j+1 < len(ss) && !taken[j+1] && rs[j+1].end-rs[i].start <= budget {
				j++
				add(j, +1)
			}
			gap := rs[j].end - rs[i].start - covered
			if score > bestScore+1e-9 || (score > bestScore-1e-9 && best.first >= 0 && gap < bestGap) {
				best, bestScore, bestGap = window{i, j}, score, gap
			}
			add(i, -1)
		}
		if best.first < 0 {
			break
		}
		for i := best.first; i <= best.last; i++ {
			taken[i] = true
			shown[ids[i]] = true
		}
		chosen = append(chosen, best)
	}
	sort.Slice(chosen, func(a, b int) bool { return chosen[a].first < chosen[b].first })
	return chosen
}

// expandWindow returns the byte range of the fragment around window w:
// the window's spans plus context up to size runes in all, half before
// and half after (what one side cannot use goes to the other), kept
// within [lower, upper) except for the window itself, starting at a
// sentence start when one is in the context before, and cut at spaces.
func expandWindow(text string, ss []span, rs []spanRunes, w window, size, lower, upper int) (int, int) {
	coreStart, coreEnd := ss[w.first].Start, ss[w.last].End
	lower = min(lower, coreStart)
	upper = max(upper, coreEnd)
	context := max(size-(rs[w.last].end-rs[w.first].start), 0)
	before := context / 2
	after := context - before
	availBefore := utf8.RuneCountInString(text[lower:coreStart])
	if availBefore < before {
		after += before - availBefore
		before = availBefore
	}
	end := min(advanceRunes(text, coreEnd, after), upper)
	if used := utf8.RuneCountInString(text[coreEnd:end]); used < after {
		before = min(availBefore, before+after-used)
	}
	start := retreatRunes(text, coreStart, before)
	start = max(start, lower)
	if s := sentenceStart(text, start, coreStart); s >= 0 {
		start = s
	} else if start > lower {
		start = cutAfter(text, start, coreStart, lower)
	}
	if end < upper {
		end = cutBefore(text, end, coreEnd, upper)
	}
	return trimSpaceBounds(text, start, end)
}

// advanceRunes returns the byte offset n runes after i in text, or len(text).
func advanceRunes(text string, i, n int) int {
	for ; n > 0 && i < len(text); n-- {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return i
}

// retreatRunes returns the byte offset n runes before i in text, or 0.
func retreatRunes(text string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(text[:i])
		i -= size
	}
	return i
}

// cutAfter moves a fragment start at byte i, mid-word, to the start of the
// next word, not past limit; if that word reaches limit, it moves back to
// the word's start instead (at most wordSlack runes, not before lower).
// It returns i when no space is near.
func cutAfter(text string, i, limit, lower int) int {
	if i == 0 || isSpaceBefore(text, i) {
		return i
	}
	for j := i; j < limit; {
		r, size := utf8.DecodeRuneInString(text[j:])
		j += size
		if unicode.IsSpace(r) {
			return j
		}
	}
	j := i
	for n := 0; n < wordSlack && j > lower; n++ {
		if isSpaceBefore(text, j) {
			return j
		}
		_, size := utf8.DecodeLastRuneInString(text[:j])
		j -= size
	}
	if j == 0 || (j == lower && isSpaceAt(text, j)) {
		return j
	}
	return i
}

// cutBefore moves a fragment end at byte i, mid-word, back to the end of
// the previous word, not before limit; if that would cut the span ending
// at limit, it moves forward to the word's end instead (at most wordSlack
// runes, not past upper). It returns i when no space is near.
func cutBefore(text string, i, limit, upper int) int {
	if i >= len(text) || isSpaceAt(text, i) {
		return i
	}
	for j := i; j > limit; {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		j -= size
		if unicode.IsSpace(r) {
			return j
		}
	}
	j := i
	for n := 0; n < wordSlack && j < upper; n++ {
		if isSpaceAt(text, j) {
			return j
		}
		_, size := utf8.DecodeRuneInString(text[j:])
		j += size
	}
	if j == len(text) || j == upper {
		return j
	}
	return i
}

// sentenceStart returns the byte offset of the first sentence start in
// text[from:to] (after ". ", "! ", "? " or a line break, before a capital
// letter or a digit), or -1.
func sentenceStart(text string, from, to int) int {
	prev, prevPrev := ' ', ' '
	if from > 0 {
		var size int
		prev, size = utf8.DecodeLastRuneInString(text[:from])
		if from > size {
			prevPrev, _ = utf8.DecodeLastRuneInString(text[:from-size])
		}
	}
	for i := from; i < to; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if i > from && (unicode.IsUpper(r) || unicode.IsDigit(r)) &&
			(prev == '\n' || (unicode.IsSpace(prev) && strings.ContainsRune(".!?", prevPrev))) {
			return i
		}
		prevPrev, prev = prev, r
		i += size
	}
	return -1
}

func isSpaceAt(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsSpace(r)
}

func isSpaceBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsSpace(r)
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// trimSpaceBounds moves start forward and end backward over white space.
func trimSpaceBounds(text string, start, end int) (int, int) {
	for start < end {
		r, size := utf8.DecodeRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		start += size
	}
	for end > start {
		r, size := utf8.DecodeLastRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= size
	}
	return start, end
}

// cutFragment returns text[start:end] with ss marked and "…" on the
// sides where text goes on.
func cutFragment(text string, ss []span, start, end int) Fragment {
	var b fragmentBuilder
	if !isBlank(text[:start]) {
		b.text.WriteString(ellipsis)
	}
	b.marked(text, ss, start, end)
	if !isBlank(text[end:]) {
		b.text.WriteString(ellipsis)
	}
	return b.fragment()
}

// fragmentBuilder accumulates a fragment's text and marks.
type fragmentBuilder struct {
	text  strings.Builder
	marks []Mark
	space bool // the text written last ends with a collapsed space
}

func (b *fragmentBuilder) fragment() Fragment {
	return Fragment{Text: b.text.String(), Marks: b.marks}
}

// marked writes text[start:end], white space runs collapsed to one space,
// with the parts of the sorted, disjoint spans ss inside [start, end)
// marked.
func (b *fragmentBuilder) marked(text string, ss []span, start, end int) {
	pos := start
	for _, s := range ss {
		if s.End <= pos || s.Start >= end {
			continue
		}
		from := max(s.Start, pos)
		b.collapsed(text[pos:from])
		m := Mark{Start: b.text.Len()}
		b.collapsed(text[from:min(s.End, end)])
		if m.End = b.text.Len(); m.End > m.Start {
			if n := len(b.marks); n > 0 && b.marks[n-1].End == m.Start {
				b.marks[n-1].End = m.End // touching marks read as one
			} else {
				b.marks = append(b.marks, m)
			}
		}
		pos = min(s.End, end)
	}
	b.collapsed(text[pos:end])
}

// collapsed writes s with white space runs collapsed to one space. Bytes
// that are not UTF-8 pass through unchanged.
func (b *fragmentBuilder) collapsed(s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			if !b.space {
				b.text.WriteByte(' ')
			}
			b.space = true
			i += size
			continue
		}
		b.text.WriteString(s[i : i+size])
		b.space = false
		i += size
	}
}
