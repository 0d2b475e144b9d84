package companies

import (
	"slices"
	"strings"
)

// Where a candidate comes from (candidate.src bits).
const (
	srcGaz      uint16 = 1 << iota // a gazetteer alias matched there
	srcCue                         // after a cue noun ("la société X")
	srcSuffix                      // before a legal suffix ("X Ltd")
	srcAppos                       // in an apposition ("X, une entreprise")
	srcPoss                        // after a business possessive ("le PDG de X")
	srcRun                         // a run of capitalised words
	srcRuleYes                     // the rules of the first extractor accepted it
	srcAmbNoCtx                    // an ambiguous alias without company context
	srcPerson                      // a single word after a first name or civility
	srcCompound                    // glued by a hyphen to another capitalised word
)

// candidate is a span of tokens that may name a firm.
type candidate struct {
	i, end int // tokens [i, end) as found
	src    uint16
	n      normalized // the cleaned name
	gazSrc uint8      // gazetteer source of the match (src* of aliasInfo)
	amb    bool       // the gazetteer alias is ambiguous ("~")
	key    string     // folded key of n.name
	score  float32
}

// collect gathers the candidates of one text: gazetteer matches, the
// spans the discovery rules find, and every run of capitalised words,
// each once with all the sources that found it.
func (c *Finder) collect(a *analysis) {
	toks, text := a.toks, a.text
	at := a.at
	add := func(i, end int, src uint16) *candidate {
		k := [2]int{i, end}
		if j, ok := at[k]; ok {
			a.cands[j].src |= src
			return &a.cands[j]
		}
		n, ok := c.normalize(text, toks, i, end, a.hidden)
		if !ok {
			return nil
		}
		at[k] = len(a.cands)
		a.cands = append(a.cands, candidate{i: i, end: end, src: src, n: n})
		return &a.cands[len(a.cands)-1]
	}

	// Gazetteer matches, with what the first rules made of them.
	for _, m := range a.matches {
		src := srcGaz
		if m.info.id >= 0 {
			switch {
			case m.info.words == 1 && c.isPersonContext(toks, m.i):
				src |= srcPerson
			case m.i > 0 && !toks[m.i].sent && (toks[m.i].gap == gapHyphen || toks[m.i].gap == gapNone) &&
				(toks[m.i-1].upper || toks[m.i-1].digit) && !a.covered[m.i-1]:
				src |= srcCompound
			case m.info.ambiguous && !a.cueAt[m.i] && !a.sure[m.info.id] && !c.businessContext(toks, m.i, m.n):
				src |= srcAmbNoCtx
			default:
				src |= srcRuleYes
			}
		}
		if cd := add(m.i, m.i+m.n, src); cd != nil {
			cd.amb = m.info.ambiguous
			cd.gazSrc = m.info.source
			if m.info.id >= 0 {
				cd.n.gaz, cd.n.name, cd.n.key = m.info.id, c.names[m.info.id], c.nameKeys[m.info.id]
				if cd.n.notco {
					// A firm's alias whose suffix-less form is listed as no
					// firm: "News Corp" is not "News".
					cd.n.notco, cd.n.veto = false, cd.n.veto&^vetoReject
				}
			} else {
				cd.n.notco = true
				cd.n.veto |= vetoReject
			}
		}
	}
	// Discovery rules.
	for _, sp := range a.spans {
		if c.strongMatchIn(a, sp.i, sp.end) {
			continue // the gazetteer match there speaks for it
		}
		cd := add(sp.i, sp.end, sp.src)
		if cd != nil && cd.n.veto == 0 {
			cd.src |= srcRuleYes
		}
	}
	// Runs of capitalised words.
	for i := 0; i < len(toks); i++ {
		if !startsName(toks, i) || i > 0 && toks[i].soft() && (toks[i-1].upper || toks[i-1].digit) && !toks[i-1].sent && !toks[i-1].is(clsCapStop) {
			continue // not the start of a run
		}
		start := i
		for start < len(toks) && toks[start].is(clsCapStop) && start+1 < len(toks) && toks[start+1].soft() {
			start++ // "Selon Reuters", "Le PDG"
		}
		if start == i+1 && (toks[i].is(clsArticle) || toks[i].fold == "the") && !toks[i].sent && toks[i].upper {
			// A capitalised article inside a sentence starts the name:
			// "le quotidien La Provence", "L'Équipe".
			if e := runEnd(toks, start); e > start {
				add(i, e, srcRun)
			}
		}
		end := runEnd(toks, start)
		if end <= start {
			continue
		}
		// A first name inside starts a person's name: the run before it.
		for k := start + 1; k+1 < end; k++ {
			if toks[k].is(clsFirstName) && toks[k+1].upper && !toks[k].caps {
				add(start, k, srcRun)
				break
			}
		}
		add(start, end, srcRun)
		for k := start + 1; k+1 < end; k++ {
			if toks[k].fold == "and" && !toks[k].upper {
				add(start, k, srcRun) // "the Enron and WorldCom frauds": Enron too
				break
			}
		}
		if end-start > 1 && toks[end-1].fold == "s" && toks[end-1].gap == gapApos {
			// "Enron's", "General Motors's": the name without the
			// possessive too ("Sotheby's" keeps it: the classifier
			// chooses).
			add(start, end-1, srcRun)
		}
	}
	for k := range a.cands {
		cd := &a.cands[k]
		cd.key = cd.n.key
	}
	slices.SortStableFunc(a.cands, func(x, y candidate) int {
		if x.i != y.i {
			return x.i - y.i
		}
		return y.end - x.end
	})
}

// strongMatchIn reports whether a gazetteer match of the curated or media
// sections (or a non-company name) overlaps tokens [i, end): the weaker
// lists (stock indices, brands) let the discovery rules speak ("Jimmy
// Choo Plc", a brand before a legal suffix).
func (c *Finder) strongMatchIn(a *analysis, i, end int) bool {
	if !slices.Contains(a.covered[i:end], true) {
		return false
	}
	for _, m := range a.matches {
		if m.i < end && m.i+m.n > i && (m.info.id < 0 || m.info.source == sourceCurated || m.info.source == sourceMedia) {
			return true
		}
	}
	return false
}

// runEnd returns the end of the run of capitalised words starting at j:
// words with capitals, digits or inner symbols, joined by spaces,
// hyphens, apostrophes or dots, and by "de", "du", "des", "d'", "&",
// "of", "and" before another capitalised word.
func runEnd(toks []token, j int) int { return wordRunEnd(toks, j, true) }

// wordRunEnd is runEnd (wide) and nameEnd (not wide): the wide form also
// joins a symbol before digits ("Covid-19"), a glued symbol ("Canal+"),
// a possessive "'s" ("Morgan's") and never joins before a capitalised
// stop word.
func wordRunEnd(toks []token, j int, wide bool) int {
	if !startsName(toks, j) {
		return j
	}
	end := j + 1
	for end < len(toks) && end-j < maxNameTokens {
		t := &toks[end]
		if !t.soft() {
			break
		}
		next := end+1 < len(toks) && toks[end+1].soft()
		switch {
		case t.upper || t.digit && toks[end-1].upper:
			end++
		case t.sym && next && (toks[end+1].upper || wide && toks[end+1].digit):
			end += 2
		case wide && t.sym && t.gap == gapNone:
			end++ // "Canal+"
		case t.is(clsNameJoin) && next && toks[end+1].upper && !(wide && toks[end+1].is(clsCapStop)):
			end += 2
		case wide && t.gap == gapApos && t.fold == "s" && !t.upper:
			end++ // "Morgan's", "McDonald's"
		case t.gap == gapDot && !t.upper && topLevelDomains[t.fold] && !(end+1 < len(toks) && toks[end+1].soft() && toks[end+1].gap == gapDot):
			end++ // "Plus.net", "Musical.ly"
		default:
			return end
		}
	}
	return min(end, j+maxNameTokens)
}

// ruleSpan is a span a discovery rule found.
type ruleSpan struct {
	i, end int
	src    uint16
}

// listNeighbours returns, for each candidate, the indices of the
// candidates it is coordinated with ("Partech, Eurazeo et Bpifrance":
// joined by a comma, "et", "and", "ou" or "or" alone), along the whole
// chain, at most 12; the slices live in a and are reused.
func listNeighbours(a *analysis) [][]int {
	n := len(a.cands)
	a.nbs = slices.Grow(a.nbs[:0], n)[:n]
	clear(a.nbs)
	a.startAt = slices.Grow(a.startAt[:0], len(a.toks))[:len(a.toks)]
	for t := range a.startAt {
		a.startAt[t] = -1
	}
	for k := n - 1; k >= 0; k-- {
		a.startAt[a.cands[k].i] = int32(k) // the longest candidate starting there
	}
	a.parent = slices.Grow(a.parent[:0], n)[:n]
	for k := range a.parent {
		a.parent[k] = int32(k)
	}
	root := func(k int32) int32 {
		for a.parent[k] != k {
			a.parent[k] = a.parent[a.parent[k]]
			k = a.parent[k]
		}
		return k
	}
	linked := false
	for k, cd := range a.cands {
		e := cd.end
		if e >= len(a.toks) {
			continue
		}
		next := -1
		switch t := &a.toks[e]; {
		case t.gap == gapComma && !t.sent:
			next = e
		case (t.fold == "et" || t.fold == "and" || t.fold == "ou" || t.fold == "or") && t.gap == gapSpace && e+1 < len(a.toks) && a.toks[e+1].gap == gapSpace:
			next = e + 1
		}
		if next < 0 || a.startAt[next] < 0 {
			continue
		}
		if rk, rj := root(int32(k)), root(a.startAt[next]); rk != rj {
			a.parent[rk] = rj
			linked = true
		}
	}
	if !linked {
		return a.nbs
	}
	// Group the candidates by component, then hand each its fellows.
	a.order = slices.Grow(a.order[:0], n)[:n]
	for k := range a.order {
		a.order[k] = int32(k)
	}
	slices.SortStableFunc(a.order, func(x, y int32) int { return int(root(x)) - int(root(y)) })
	a.nbBuf = a.nbBuf[:0]
	for lo := 0; lo < n; {
		hi := lo + 1
		r := root(a.order[lo])
		for hi < n && root(a.order[hi]) == r {
			hi++
		}
		if hi-lo > 1 {
			for _, k := range a.order[lo:hi] {
				start := len(a.nbBuf)
				for _, j := range a.order[lo:hi] {
					if j != k && len(a.nbBuf)-start < 12 {
						a.nbBuf = append(a.nbBuf, int(j))
					}
				}
				a.nbs[k] = a.nbBuf[start:len(a.nbBuf):len(a.nbBuf)]
			}
		}
		lo = hi
	}
	return a.nbs
}

// isCamel reports an inner capital after a lower-case letter ("OpenAI").
func isCamel(w string) bool {
	lower := false
	for _, r := range w {
		switch {
		case r >= 'a' && r <= 'z' || r >= 0xDF && r <= 0xFF:
			lower = true
		case r >= 'A' && r <= 'Z':
			if lower {
				return true
			}
		}
	}
	return false
}

// shapeOf describes the tokens of a span: X a capitalised word, A a word
// in capitals, 9 a word starting with a digit, x a lower-case word, & a
// symbol; a dash, apostrophe or dot between words is kept.
func shapeOf(toks []token, i, end int) string {
	var b strings.Builder
	for k := i; k < end && b.Len() < 12; k++ {
		t := &toks[k]
		if k > i {
			switch t.gap {
			case gapHyphen:
				b.WriteByte('-')
			case gapApos:
				b.WriteByte('\'')
			case gapDot:
				b.WriteByte('.')
			}
		}
		switch {
		case t.sym:
			b.WriteByte('&')
		case t.digit:
			b.WriteByte('9')
		case t.caps && t.end-t.start > 1:
			b.WriteByte('A')
		case t.upper:
			b.WriteByte('X')
		default:
			b.WriteByte('x')
		}
	}
	return b.String()
}
