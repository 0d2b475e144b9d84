package companies

import (
	"context"
	"slices"
	"strings"

	"veille/analyzers/internal/chunk"
)

// analysis holds the work of one text.
type analysis struct {
	text     string
	lang     string
	titleEnd int // end of the first line, the title
	toks     []token
	covered  []bool // tokens inside a gazetteer match
	cueAt    []bool // tokens a cue announces
	shouted  []bool // tokens of a sentence written in capitals
	matches  []gazMatch
	sure     map[int32]bool // firms named by an unambiguous alias
	spans    []ruleSpan
	cands    []candidate
	doc      map[string]int32 // name key → index in docs
	docs     []docInfo
	at       map[[2]int]int // candidate by span, while collecting
	ruleBuf  [][2]int
	nbs      [][]int // listNeighbours' results
	nbBuf    []int
	startAt  []int32
	parent   []int32
	order    []int32
	feats    features
	folds    []byte // the tokenizer's scratch
	taken    []bool
	ranked   []int
	lower    map[string]bool // words written in lower case somewhere in the text
	civil    map[string]bool // words written after a civility ("Mr Boyko", "M. Boyko")
	surnames map[string]bool // last words of names that start with a first name
}

// Find returns the distinct canonical names of the companies text names,
// in order of first appearance (see the package documentation). lang is
// the text's language code ("fr", "en"...), a feature of the classifier.
// A long text is read a piece at a time (package chunk); Find returns
// ctx's error, and the names found so far, when ctx ends first.
func (c *Finder) Find(ctx context.Context, text, lang string) ([]string, error) {
	if len(text) <= chunk.Size {
		return c.find(text, lang), ctx.Err()
	}
	var out []string
	seen := map[string]bool{}
	err := chunk.Each(ctx, text, func(piece string) {
		for _, name := range c.find(piece, lang) {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	})
	return out, err
}

// find is Find for one piece of text.
func (c *Finder) find(text, lang string) []string {
	a := c.analyze(text, lang)
	if a == nil {
		return nil
	}
	defer c.release(a)
	c.score(a)
	return c.decide(a)
}

// analyze tokenizes text and gathers its candidates; nil when there is
// nothing to read.
func (c *Finder) analyze(text, lang string) *analysis {
	if text == "" {
		return nil
	}
	a, _ := c.tokens.Get().(*analysis)
	if a == nil {
		a = &analysis{sure: map[int32]bool{}, lower: map[string]bool{}, civil: map[string]bool{}, surnames: map[string]bool{},
			doc: map[string]int32{}, at: map[[2]int]int{}}
	}
	a.reset()
	a.text, a.lang = text, lang
	toks, folds := tokenizeWith(a.toks, a.folds, text)
	a.toks, a.folds = toks, folds
	if len(toks) == 0 {
		c.tokens.Put(a)
		return nil
	}
	for k := range toks {
		wi := c.classes[toks[k].fold]
		toks[k].cls, toks[k].maxAlias = wi.cls, wi.maxAlias
	}
	a.titleEnd = strings.IndexByte(text, '\n')
	if a.titleEnd < 0 {
		a.titleEnd = len(text)
	}
	a.covered = grow(a.covered, len(toks))
	a.cueAt = grow(a.cueAt, len(toks))
	a.shouted = grow(a.shouted, len(toks))
	a.matches = c.matchGazetteer(text, toks, a.covered, a.matches)
	markShouted(toks, a.shouted)
	for _, m := range a.matches {
		if m.info.id >= 0 && !m.info.ambiguous {
			a.sure[m.info.id] = true
		}
	}
	tag := func(spans [][2]int, src uint16) {
		for _, sp := range spans {
			a.spans = append(a.spans, ruleSpan{sp[0], sp[1], src})
		}
		a.ruleBuf = spans[:0]
	}
	tag(c.findCues(toks, a.cueAt, a.ruleBuf[:0]), srcCue)
	tag(c.findSuffixed(toks, a.ruleBuf[:0]), srcSuffix)
	tag(c.findAppositions(toks, a.ruleBuf[:0]), srcAppos)
	tag(c.findPossessives(toks, a.ruleBuf[:0]), srcPoss)
	c.collect(a)
	// Single words also written in lower case, and words after a civility.
	var shape [256]uint64 // first byte and length of the words looked for
	for _, cd := range a.cands {
		if cd.n.veto&vetoFirstName != 0 && cd.n.end-cd.n.i >= 2 {
			a.surnames[toks[cd.n.end-1].fold] = true
		}
		if cd.n.end-cd.n.i == 1 {
			w := toks[cd.n.i].fold
			a.lower[w] = false
			if len(w) > 0 && len(w) < 64 {
				shape[w[0]] |= 1 << len(w)
			}
		}
	}
	for k := range toks {
		t := &toks[k]
		if w := t.fold; !t.upper && !t.digit && !t.sym && len(w) > 0 && len(w) < 64 && shape[w[0]]&(1<<len(w)) != 0 {
			if seen, want := a.lower[w]; want && !seen {
				a.lower[w] = true
			}
		}
		if k > 0 && toks[k-1].is(clsCivility) && toks[k-1].upper && t.upper {
			a.civil[t.fold] = true
		}
	}
	for _, cd := range a.cands {
		j, ok := a.doc[cd.key]
		if !ok {
			j = int32(len(a.docs))
			a.docs = append(a.docs, docInfo{})
			a.doc[cd.key] = j
		}
		di := &a.docs[j]
		di.mentions++
		di.src |= cd.src
		di.cued = di.cued || cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) != 0
		di.mid = di.mid || !a.toks[cd.i].sent
	}
	return a
}

// docOf returns what the text says of the name key, nil when nothing.
func (a *analysis) docOf(key string) *docInfo {
	if j, ok := a.doc[key]; ok {
		return &a.docs[j]
	}
	return nil
}

// reset empties a for another text, keeping its memory.
func (a *analysis) reset() {
	a.toks, a.matches, a.spans, a.cands, a.docs = a.toks[:0], a.matches[:0], a.spans[:0], a.cands[:0], a.docs[:0]
	clear(a.sure)
	clear(a.lower)
	clear(a.civil)
	clear(a.surnames)
	clear(a.doc)
	clear(a.at)
}

// grow returns b with n false values, reusing its memory.
func grow(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// release returns a to the pool; a must not be used afterwards.
func (c *Finder) release(a *analysis) {
	if cap(a.toks) > 1<<16 {
		return // a huge text: let its memory go
	}
	a.text = ""
	c.tokens.Put(a)
}

// markShouted marks in out the tokens of sentences written mostly in
// capitals.
func markShouted(toks []token, out []bool) {
	for s := 0; s < len(toks); {
		e := s + 1
		for e < len(toks) && !toks[e].sent {
			e++
		}
		caps, words := 0, 0
		for k := s; k < e; k++ {
			if toks[k].sym || toks[k].end-toks[k].start < 2 {
				continue
			}
			words++
			if toks[k].caps {
				caps++
			}
		}
		if words >= 3 && caps*4 >= words*3 {
			for k := s; k < e; k++ {
				out[k] = true
			}
		}
		s = e
	}
}

// score gives every candidate the model's score.
func (c *Finder) score(a *analysis) {
	nb := listNeighbours(a)
	f := &a.feats
	for k := range a.cands {
		c.extract(a, k, nb[k], f)
		a.cands[k].score = c.model.Score(f.idx)
	}
}

// decide keeps the best-scoring candidates that do not overlap, and
// reports each name whose best mention scores above the threshold.
func (c *Finder) decide(a *analysis) []string {
	order := slices.Grow(a.ranked[:0], len(a.cands))[:len(a.cands)]
	a.ranked = order
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(x, y int) int {
		switch sx, sy := a.cands[x].score, a.cands[y].score; {
		case sx > sy:
			return -1
		case sx < sy:
			return 1
		}
		return 0
	})
	a.taken = grow(a.taken, len(a.toks))
	taken := a.taken
	var found []mention
	for _, k := range order {
		cd := &a.cands[k]
		if cd.score <= c.model.threshold && !legalName(cd) {
			continue
		}
		free := true
		for t := cd.i; t < cd.end; t++ {
			free = free && !taken[t]
		}
		if !free || cd.n.name == "" {
			continue
		}
		if cd.src&srcAmbNoCtx != 0 && cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) == 0 && !a.docOf(cd.key).cued {
			continue // an ambiguous word (Orange, Total) the text never shows as a firm
		}
		if cd.src&srcPerson != 0 && cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) == 0 {
			continue // "la famille Peugeot", "Serge Dassault": a person's name
		}
		for t := cd.i; t < cd.end; t++ {
			taken[t] = true
		}
		found = append(found, mention{pos: cd.i, name: cd.n.name})
	}
	if len(found) > 1 {
		found = c.mergeNames(found)
	}
	return orderDistinct(found)
}

// mergeNames folds the names that are parts of another found in the same
// text into it: the firm "Burren Energy" named "Burren" further on is
// one firm, reported under its longer name. A known firm (a canonical
// name of the gazetteer) keeps its name when the longer one only adds
// organisation words ("Europcar Mobility Group" is Europcar), and stays a
// firm of its own beside a longer name that adds others ("EDF
// Renouvelables", "Goodyear France": subsidiaries).
func (c *Finder) mergeNames(found []mention) []mention {
	type named struct {
		mention
		toks  []string
		known bool
	}
	ns := make([]named, 0, len(found))
	for _, m := range found {
		var fs []string
		for _, t := range tokenize(m.name) {
			fs = append(fs, t.fold)
		}
		ns = append(ns, named{m, fs, c.isCanonical(m.name)})
	}
	into := make([]int, len(ns)) // index of the name each merges into, or itself
	for k := range into {
		into[k] = k
	}
	for s := range ns {
		for l := range ns {
			S, L := &ns[s], &ns[l]
			if s == l || len(S.toks) >= len(L.toks) || len(S.toks) == 0 {
				continue
			}
			var rest []string
			switch {
			case slices.Equal(L.toks[:len(S.toks)], S.toks):
				rest = L.toks[len(S.toks):]
			case slices.Equal(L.toks[len(L.toks)-len(S.toks):], S.toks) && !L.known:
				rest = L.toks[:len(L.toks)-len(S.toks)]
			default:
				continue
			}
			onlyOrg := true
			for _, w := range rest {
				onlyOrg = onlyOrg && (orgWords[w] || legalSuffix[w])
			}
			switch {
			case S.known && onlyOrg && !L.known:
				into[l] = s
			case !S.known && into[s] == s:
				into[s] = l
			}
		}
	}
	out := make([]mention, 0, len(ns))
	for k, n := range ns {
		t := k
		for hops := 0; into[t] != t && hops < len(ns); hops++ {
			t = into[t]
		}
		out = append(out, mention{pos: n.pos, name: ns[t].name})
	}
	return out
}

// legalName reports a name written with its legal form ("Foo Bar
// Holdings Ltd", "Jimmy Choo Plc"): a firm whatever the classifier says,
// unless a list names it otherwise.
func legalName(cd *candidate) bool {
	return cd.src&srcSuffix != 0 && cd.n.hadSuffix && cd.n.veto&^vetoFirstName == 0 && !cd.n.notco
}

// isCanonical reports whether name is a canonical name of the gazetteer.
func (c *Finder) isCanonical(name string) bool {
	_, ok := c.canonIDs[name]
	return ok
}
