package companies

import (
	"context"
	"slices"
	"strings"

	"veille/analyzers/internal/chunk"
	"veille/corpus/fold"
)

// analysis holds the work of one text.
type analysis struct {
	text      string
	lang      string
	titleEnd  int // end of the first line, the title
	toks      []token
	covered   []bool // tokens inside a gazetteer match
	cueAt     []bool // tokens a cue announces
	shouted   []bool // tokens of a sentence written in capitals
	matches   []gazMatch
	sure      map[int32]bool // firms named by an unambiguous alias
	spans     []ruleSpan
	cands     []candidate
	doc       map[string]int32 // name key → index in docs
	docs      []docInfo
	at        map[[2]int]int // candidate by span, while collecting
	ruleBuf   [][2]int
	nbs       [][]int // listNeighbours' results
	nbBuf     []int
	startAt   []int32
	parent    []int32
	order     []int32
	feats     features
	byName    [][]uint32          // the features of each name (by docs index), from all its candidates
	hidden    func(id int32) bool // training only: gazetteer firms read as unknown ones (nil: none)
	folds     []byte              // the tokenizer's scratch
	taken     []bool
	ext       []bool    // extensions' result
	nameScore []float32 // score's result for each name (by docs index)
	seen      []uint32  // distinct's set
	ranked    []int
	lower     map[string]bool // words written in lower case somewhere in the text
	civil     map[string]bool // words written after a civility ("Mr Boyko", "M. Boyko")
	surnames  map[string]bool // last words of names that start with a first name
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
	a.matches = c.matchGazetteer(text, toks, a.covered, a.matches, a.hidden)
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

// score gives every candidate the model's score of its name: the
// classifier decides once per distinct name of the text, from the
// features of all its mentions together (a name shown once as a firm is
// one everywhere in the article).
func (c *Finder) score(a *analysis) {
	c.nameFeatures(a)
	a.nameScore = slices.Grow(a.nameScore[:0], len(a.byName))[:len(a.byName)]
	for j, fs := range a.byName {
		a.nameScore[j] = c.model.Score(fs)
	}
	for k := range a.cands {
		a.cands[k].score = a.nameScore[a.doc[a.cands[k].key]]
	}
}

// nameFeatures fills a.byName: for each distinct name (a.docs index),
// the distinct features of all its candidates and what the corpus says
// of it (mined.go).
func (c *Finder) nameFeatures(a *analysis) {
	nb := listNeighbours(a)
	f := &a.feats
	if cap(a.byName) < len(a.docs) {
		a.byName = append(a.byName[:cap(a.byName)], make([][]uint32, len(a.docs)-cap(a.byName))...)
	}
	a.byName = a.byName[:len(a.docs)]
	for j := range a.byName {
		a.byName[j] = a.byName[j][:0]
	}
	for k := range a.cands {
		c.extract(a, k, nb[k], f)
		j := a.doc[a.cands[k].key]
		first := len(a.byName[j]) == 0
		a.byName[j] = append(a.byName[j], f.idx...)
		if first {
			f.reset()
			c.minedFeatures(f, a.cands[k].key)
			a.byName[j] = append(a.byName[j], f.idx...)
		}
	}
	for j, fs := range a.byName {
		a.byName[j] = a.distinct(fs)
	}
}

// distinct removes the repeated features of fs in place, keeping the
// first of each, through a small open-addressing set in a (cheaper than
// sorting the few dozen features of a name).
func (a *analysis) distinct(fs []uint32) []uint32 {
	size := 64
	for size < 2*len(fs) {
		size *= 2
	}
	if cap(a.seen) < size {
		a.seen = make([]uint32, size)
	}
	set := a.seen[:size]
	clear(set)
	mask := uint32(size - 1)
	out := fs[:0]
	for _, f := range fs {
		k := f + 1 // 0 is an empty slot
		for i := f * 2654435761 & mask; ; i = (i + 1) & mask {
			if set[i] == k {
				break
			}
			if set[i] == 0 {
				set[i] = k
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// decide keeps the best-scoring candidates that do not overlap, and
// reports each name whose best mention scores above the threshold.
func (c *Finder) decide(a *analysis) []string { return c.decideTraced(a, nil) }

// decideTraced is decide telling trace, when not nil, what became of
// each candidate (by index): "below", "overlap:NAME", "ambiguous",
// "person", or "kept:NAME" with the name it is reported under.
func (c *Finder) decideTraced(a *analysis, trace func(k int, fate string)) []string {
	order := slices.Grow(a.ranked[:0], len(a.cands))[:len(a.cands)]
	a.ranked = order
	for k := range order {
		order[k] = k
	}
	ext := c.extensions(a)
	slices.SortStableFunc(order, func(x, y int) int {
		if ext[x] != ext[y] {
			if ext[x] {
				return -1
			}
			return 1
		}
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
	// A name of several words the gazetteer knows as no firm holds its
	// words first: no firm inside "Léonard de Vinci" or "Casino de Paris".
	for _, m := range a.matches {
		if m.info.id < 0 && m.n > 1 {
			for t := m.i; t < m.i+m.n; t++ {
				taken[t] = true
			}
		}
	}
	var found []mention
	var kept []int // with trace: the candidate of each found mention
	why := func(k int, fate string) {
		if trace != nil {
			trace(k, fate)
		}
	}
	for _, k := range order {
		cd := &a.cands[k]
		if cd.score <= c.model.threshold && !ruledFirm(cd) {
			why(k, "below")
			continue
		}
		free := true
		for t := cd.i; t < cd.end; t++ {
			free = free && !taken[t]
		}
		if !free || cd.n.name == "" {
			if trace != nil {
				fate := "overlap"
				for _, o := range kept {
					if oc := &a.cands[o]; oc.i < cd.end && cd.i < oc.end {
						fate += ":" + oc.n.name
					}
				}
				trace(k, fate)
			}
			continue
		}
		if cd.n.notco && cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) == 0 {
			why(k, "not a firm")
			continue // a name the gazetteer lists as no firm ("IA", "Louvre")
		}
		if cd.src&srcAmbNoCtx != 0 && cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) == 0 && !a.docOf(cd.key).cued {
			why(k, "ambiguous")
			continue // an ambiguous word (Orange, Total) the text never shows as a firm
		}
		if cd.src&srcGaz != 0 && cd.gazSrc == sourceMedia && creditLine(a, cd) {
			why(k, "credit")
			continue // "Source : Techcrunch", "Crédit photo : AFP": a source
		}
		if cd.src&srcPerson != 0 && cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) == 0 {
			why(k, "person")
			continue // "la famille Peugeot", "Serge Dassault": a person's name
		}
		for t := cd.i; t < cd.end; t++ {
			taken[t] = true
		}
		found = append(found, mention{pos: cd.i, name: cd.n.name})
		if trace != nil {
			kept = append(kept, k)
		}
	}
	if len(found) > 1 {
		found = c.mergeNames(found)
	}
	for j, k := range kept {
		trace(k, "kept:"+found[j].name)
	}
	return orderDistinct(found)
}

// extensions marks the kept candidates that extend another kept one by
// capitalised words after a space, none of them a kept name of its own:
// a subsidiary or unit ("GE Capital", "Nestlé France", "HBO Max") is a
// firm of its own and wins over the shorter name it starts with, while
// "Lactalis Sodiaal", "Body Shop and Tesco" or "Renault-Nissan" do not.
func (c *Finder) extensions(a *analysis) []bool {
	a.ext = grow(a.ext, len(a.cands))
	ext := a.ext
	keep := func(cd *candidate) bool { return cd.score > c.model.threshold || ruledFirm(cd) }
	for l := range a.cands {
		L := &a.cands[l]
		if !keep(L) || L.end-L.i < 2 || L.n.veto != 0 {
			continue
		}
		for s := range a.cands {
			S := &a.cands[s]
			if s == l || !keep(S) {
				continue
			}
			// The words L adds, after S ("GE Capital") or before it
			// ("Manchester United"), joined by spaces.
			var from, to, joint int
			switch {
			case S.i == L.i && S.end < L.end:
				from, to, joint = S.end, L.end, S.end
			case S.end == L.end && S.i > L.i:
				from, to, joint = L.i, S.i, S.i
			default:
				continue
			}
			if a.toks[joint].gap != gapSpace {
				continue
			}
			ok := true
			for t := from; t < to && ok; t++ {
				ok = a.toks[t].upper && !a.toks[t].is(clsNameJoin) && (t == from || a.toks[t].gap == gapSpace)
			}
			for o := range a.cands {
				O := &a.cands[o]
				ok = ok && !(o != l && O.i >= from && O.i < to && keep(O))
			}
			if ok {
				ext[l] = true
				break
			}
		}
	}
	return ext
}

// mergeNames folds the names that are parts of another found in the same
// text into it: the firm "Burren Energy" named "Burren" further on is
// one firm, reported under its longer name. A known firm (a canonical
// name of the gazetteer) keeps its name when the longer one only adds
// words of a legal shell ("Europcar Group" is Europcar), and stays a
// firm of its own beside a longer name that adds others ("EDF
// Renouvelables", "Goodyear France", "GE Capital": subsidiaries).
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
				onlyOrg = onlyOrg && (shellWords[w] || legalSuffix[w])
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

// ruledFirm reports a name written with its legal form ("Foo Bar
// Holdings Ltd", "Jimmy Choo Plc") or in an apposition the rules accept
// ("Kelvora est une start-up", "Sandoz, filiale de Novartis"): a firm
// whatever the classifier says, unless a list names it otherwise (on
// train and dev, 23 of the 24 accepted appositions are firms).
func ruledFirm(cd *candidate) bool {
	if cd.n.notco {
		return false
	}
	return cd.src&srcSuffix != 0 && cd.n.hadSuffix && cd.n.veto&^vetoFirstName == 0 ||
		cd.src&srcAppos != 0 && cd.src&srcRuleYes != 0 && cd.n.veto == 0
}

// isCanonical reports whether name is a canonical name of the gazetteer.
func (c *Finder) isCanonical(name string) bool {
	_, ok := c.canonIDs[name]
	return ok
}

// creditLine reports whether cd opens what follows a source or credit
// label at the start of its line: "Source : Techcrunch", "Crédit photo :
// AFP", "© Reuters".
func creditLine(a *analysis, cd *candidate) bool {
	start := a.toks[cd.i].start
	line := strings.LastIndexByte(a.text[:start], '\n') + 1
	if start-line > 24 {
		return false
	}
	label := strings.Trim(a.text[line:start], " \t:©-–")
	if label == "" {
		return strings.Contains(a.text[line:start], "©")
	}
	switch fold.Key(label) {
	case "source", "sources", "credit", "credits", "creditphoto", "creditsphoto", "photo", "photos", "video", "image", "illustration":
		return true
	}
	return false
}
