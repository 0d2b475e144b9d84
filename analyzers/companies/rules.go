package companies

import (
	_ "embed"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"veille/corpus/fold"
)

// Finding

// mention is one company found in the text.
type mention struct {
	pos  int    // first token
	name string // canonical name
}

// gazMatch is one gazetteer alias matched in the text.
type gazMatch struct {
	i, n int
	info aliasInfo
}

// matchGazetteer finds gazetteer aliases, longest first, left to right,
// and marks the tokens they cover.
func (c *Finder) matchGazetteer(text string, toks []token, covered []bool, out []gazMatch, hidden func(int32) bool) []gazMatch {
	buf := make([]byte, 0, 64)
	for i := 0; i < len(toks); {
		maxN := int(toks[i].maxAlias)
		// Aliases need a capital on their first content word, but for a
		// few written in lower case (clsLowerAlias).
		if maxN == 0 || !toks[i].upper && !toks[i].digit && !toks[i].is(clsLowerAlias) &&
			!(toks[i].is(clsArticle) && i+1 < len(toks) && toks[i+1].upper) {
			i++
			continue
		}
		// Longest run of tokens joined within a name.
		run := 1
		for run < maxN && i+run < len(toks) && toks[i+run].soft() {
			run++
		}
		matched := false
		for n := run; n >= 1; n-- {
			buf = joinFolds(buf[:0], toks[i:i+n])
			info, ok := c.aliases[string(buf)]
			if !ok || !aliasFits(text, toks[i:i+n], info) || info.id >= 0 && hidden != nil && hidden(info.id) {
				continue
			}
			out = append(out, gazMatch{i: i, n: n, info: info})
			for k := i; k < i+n; k++ {
				covered[k] = true
			}
			i += n
			matched = true
			break
		}
		if !matched {
			i++
		}
	}
	return out
}

// aliasFits checks the capitalisation constraints of an alias on the
// tokens it matched.
func aliasFits(text string, toks []token, info aliasInfo) bool {
	if toks[len(toks)-1].sym && len(toks) > 1 && toks[len(toks)-1].gap != gapNone {
		// "Canal +" is fine, a trailing "&" glued to nothing is not a name.
		if text[toks[len(toks)-1].start] == '&' {
			return false
		}
	}
	if info.upper {
		if ci := contentToken(toks); ci >= 0 && !toks[ci].upper && !toks[ci].digit {
			return false
		}
	}
	for k := range toks {
		if info.capsMask&(1<<uint(k)) != 0 && !toks[k].caps {
			return false
		}
	}
	if info.exact != nil {
		if len(info.exact) != len(toks) {
			return false
		}
		for k, t := range toks {
			if text[t.start:t.end] != info.exact[k] {
				return false
			}
		}
	}
	return true
}

// isPersonContext reports whether the single-word match at i is a
// person's surname: after a first name, a civility or a family word.
func (c *Finder) isPersonContext(toks []token, i int) bool {
	if i == 0 {
		return false
	}
	t, p := &toks[i], &toks[i-1]
	if t.gap != gapSpace && t.gap != gapHyphen && t.gap != gapDot && !(t.gap == gapBreak && p.is(clsCivility)) {
		return false
	}
	if p.upper && p.is(clsFirstName) {
		return true
	}
	if p.is(clsCivility) && (p.upper || p.fold == "me") {
		return true
	}
	return p.is(clsPersonBefore)
}

// businessContext reports whether an ambiguous alias at tokens [i, i+n)
// stands in a business sentence, not at its start and not after "à".
func (c *Finder) businessContext(toks []token, i, n int) bool {
	if toks[i].sent {
		return false
	}
	if i > 0 && (toks[i-1].fold == "a" || toks[i-1].fold == "vers" || toks[i-1].is(clsPlaceNoun)) && toks[i].gap == gapSpace {
		return false
	}
	// A capitalised neighbour glued to the alias makes another name
	// ("Orange Bleue", "Courrier Picard"): no.
	if i+n < len(toks) && toks[i+n].soft() && toks[i+n].upper && toks[i+n].gap != gapNone {
		return false
	}
	if i > 0 && toks[i].soft() && toks[i-1].upper && !toks[i-1].sent {
		return false
	}
	const window = 14
	for k := i - 1; k >= 0 && k >= i-window; k-- {
		if toks[k].is(clsBusiness) {
			return true
		}
		if toks[k].sent {
			break
		}
	}
	for k := i + n; k < len(toks) && k < i+n+window; k++ {
		if toks[k].sent {
			break
		}
		if toks[k].is(clsBusiness) {
			return true
		}
	}
	return false
}

// findCues finds "cue noun [modifiers] X" and marks in cueAt the first
// token of each X; X spans are appended to spans.
func (c *Finder) findCues(toks []token, cueAt []bool, spans [][2]int) [][2]int {
	for i := 0; i < len(toks); i++ {
		f := toks[i].fold
		plural := false
		switch {
		case f == "start" && i+1 < len(toks) && toks[i+1].fold == "up" && toks[i+1].soft():
			i++
		case f == "jeune" && i+1 < len(toks) && (toks[i+1].fold == "pousse" || toks[i+1].fold == "pousses"):
			i++
		case f == "reseau" && i+1 < len(toks) && toks[i+1].fold == "social":
			i++
		case f == "moteur" && i+2 < len(toks) && toks[i+1].fold == "de" && toks[i+2].fold == "recherche":
			i += 2
		case toks[i].is(clsCueNoun):
			plural = strings.HasSuffix(f, "s") && f != "fonds" && f != "groupes" || f == "groupes" || f == "rivaux"
		default:
			continue
		}
		if toks[i].caps && toks[i].end-toks[i].start > 1 {
			// Headlines in capitals: no capitalisation to go by.
			continue
		}
		if toks[i].upper && !toks[i].sent && f != "groupe" {
			// "Compagnie des Alpes", "Banque Populaire": the cue word is
			// itself part of a name.
			continue
		}
		if f == "groupe" && i > 0 && toks[i-1].is(clsPossessiveDet) {
			// "son groupe": a band, a party, people.
			continue
		}
		if roleBefore(toks, i) {
			// "le PDG de la société Dara Khosrowhahi": a person.
			continue
		}
		j, ok := skipModifiers(toks, i+1)
		if !ok {
			continue
		}
		for {
			end := nameEnd(toks, j)
			if end <= j {
				break
			}
			cueAt[j] = true
			spans = append(spans, [2]int{j, end})
			if !plural || end >= len(toks) {
				break
			}
			// Lists: "les groupes M6, TF1, NRJ ou Altice".
			k := end
			if toks[k].gap == gapComma {
				j = k
			} else if (toks[k].fold == "et" || toks[k].fold == "ou") && toks[k].gap == gapSpace && k+1 < len(toks) && toks[k+1].gap == gapSpace {
				j = k + 1
			} else {
				break
			}
			if !startsName(toks, j) {
				break
			}
		}
	}
	return spans
}

// roleBefore reports whether the cue noun at i follows a role ("le
// président du groupe", "la PDG de la société"): the name after it is
// then the role holder's.
func roleBefore(toks []token, i int) bool {
	k := i - 1
	if k >= 0 && (toks[k].fold == "la" || toks[k].fold == "l") {
		k--
		if k < 0 || toks[k].fold != "de" {
			return false
		}
	} else if k < 0 || toks[k].fold != "du" {
		return false
	}
	k--
	return k >= 0 && toks[k].is(clsRole)
}

// skipModifiers skips the lowercase modifiers after a cue noun ("américain",
// "de l'internet", "à bas coût") and returns the index where a name may
// start; ok is false when a veto word or a stop word intervenes.
func skipModifiers(toks []token, j int) (int, bool) {
	for m := 0; m < 5 && j < len(toks); m++ {
		t := &toks[j]
		if t.gap > gapDot && t.gap != gapQuote {
			return j, false
		}
		if t.upper || t.digit {
			// "la société d'exploitation de la tour Eiffel": the name
			// belongs to the place.
			return j, m == 0 || !toks[j-1].is(clsPlaceNoun)
		}
		if t.sym {
			return j, false
		}
		if t.is(clsCueVeto) {
			return j, false
		}
		if t.fold == "de" || t.fold == "d" || t.fold == "du" || t.fold == "des" || t.fold == "en" || t.fold == "a" || t.fold == "l" || t.fold == "la" && m > 0 && (toks[j-1].fold == "de" || toks[j-1].fold == "a") {
			// Only before a lowercase word: "de luxe", not "de Vincent".
			if j+1 >= len(toks) || toks[j+1].upper || toks[j+1].digit || !toks[j+1].soft() && toks[j+1].gap != gapSpace {
				return j, false
			}
			if t.fold == "a" && m == 0 {
				return j, false
			}
			j++
			continue
		}
		if t.is(clsStop) {
			return j, false
		}
		j++
	}
	if j < len(toks) && (toks[j].upper || toks[j].digit) && (toks[j].gap <= gapDot || toks[j].gap == gapQuote) {
		return j, true
	}
	return j, false
}

// startsName reports whether a name may start at token j.
func startsName(toks []token, j int) bool {
	return j < len(toks) && !toks[j].sym && (toks[j].upper || toks[j].digit && !allDigits(&toks[j]))
}

// nameEnd returns the end (exclusive) of the capitalised word sequence
// starting at j, or j when no name starts there: the strict form of
// runEnd that the rules use, which joins words by a symbol or "de",
// "of", "and" only before another capitalised word.
func nameEnd(toks []token, j int) int { return wordRunEnd(toks, j, false) }

// findSuffixed finds capitalised names followed by a legal suffix ("Foo
// Bar Holdings Ltd", "Shogun Investments LLC").
func (c *Finder) findSuffixed(toks []token, spans [][2]int) [][2]int {
	for i := 1; i < len(toks); i++ {
		t := &toks[i]
		if !t.is(clsLegal) || !t.soft() || !isSuffixForm(t) {
			continue
		}
		start := nameStartBackward(toks, i)
		if start < i {
			end := i + 1
			for end < len(toks) && toks[end].is(clsLegal) && toks[end].soft() && isSuffixForm(&toks[end]) {
				end++
			}
			spans = append(spans, [2]int{start, end})
		}
	}
	return spans
}

// isSuffixForm checks how a legal suffix is written: "SA", "Ltd", "GmbH",
// "plc", "SpA", "Holdings"; never a lowercase common word.
func isSuffixForm(t *token) bool {
	switch t.fold {
	case "plc":
		return true
	case "ltd", "inc", "corp", "limited", "incorporated", "holding", "holdings", "group", "gmbh":
		return t.upper && !t.caps
	case "spa":
		return t.upper && !t.caps && t.end-t.start == 3
	}
	return t.caps
}

// nameStartBackward returns the first token of the capitalised sequence
// that ends just before token end, or end when there is none.
func nameStartBackward(toks []token, end int) int {
	start := end
	for k := end - 1; k >= 0 && end-k <= maxNameTokens; k-- {
		t := &toks[k]
		switch {
		case t.upper || t.digit && k+1 < end && toks[k+1].upper && !allDigits(t):
			start = k
		case (t.sym || t.is(clsNameJoin)) && k > 0 && toks[k-1].upper && start == k+1:
			// "Procter & Gamble", "Crédit du Nord"
		default:
			return start
		}
		if !t.soft() {
			return start
		}
	}
	return start
}

// findAppositions finds "X, une entreprise ..." and "X est une société ...".
func (c *Finder) findAppositions(toks []token, spans [][2]int) [][2]int {
	for i := 1; i+1 < len(toks); i++ {
		f := toks[i].fold
		if toks[i].is(clsAppositionNoun) && toks[i].gap == gapComma && i+1 < len(toks) && !toks[i].upper &&
			(toks[i+1].fold == "de" || toks[i+1].fold == "d" || toks[i+1].fold == "du" || toks[i+1].fold == "des" || !toks[i+1].upper && !toks[i+1].is(clsStop)) {
			// "Sandoz, filiale du géant suisse Novartis", "Lu Azur,
			// actionnaire minoritaire d'Aigle Azur"
			if start := nameStartBackward(toks, i); start < i && toks[i-1].upper {
				spans = append(spans, [2]int{start, i})
			}
			continue
		}
		if f != "un" && f != "une" {
			continue
		}
		// The cue noun follows, possibly after one adjective.
		k := i + 1
		if !toks[k].is(clsCueNoun) && !(toks[k].fold == "start" && k+1 < len(toks) && toks[k+1].fold == "up") {
			if k+1 < len(toks) && toks[k+1].is(clsCueNoun) && !toks[k].upper && !toks[k].is(clsStop) {
				k++
			} else {
				continue
			}
		}
		if toks[k].upper || toks[k].is(clsCueVeto) || k+1 < len(toks) && toks[k+1].is(clsCueVeto) {
			continue
		}
		end := -1
		switch {
		case toks[i].gap == gapComma:
			end = i
		case i >= 2 && (toks[i-1].fold == "est" || toks[i-1].fold == "etait") && toks[i-1].gap == gapSpace && toks[i].gap == gapSpace:
			end = i - 1
		}
		if end <= 0 {
			continue
		}
		start := nameStartBackward(toks, end)
		if start < end && (toks[end-1].upper || toks[end-1].digit) {
			spans = append(spans, [2]int{start, end})
		}
	}
	return spans
}

// findPossessives finds "le PDG de X", "les salariés d'X", "filiale de X".
func (c *Finder) findPossessives(toks []token, spans [][2]int) [][2]int {
	for i := 0; i+2 < len(toks); i++ {
		if toks[i].fold == "affaires" && i >= 2 && toks[i-1].fold == "d" && toks[i-2].fold == "chiffre" {
			// "le chiffre d'affaires de X"
		} else if !toks[i].is(clsPossessive) || toks[i].upper && toks[i].fold != "pdg" {
			continue
		}
		if toks[i].fold == "conseil" {
			// "conseil d'administration de X"
			if i+3 >= len(toks) || toks[i+1].fold != "d" || toks[i+2].fold != "administration" {
				continue
			}
			i += 2
		}
		j := i + 1
		if toks[j].fold != "de" && toks[j].fold != "d" && toks[j].fold != "du" {
			continue
		}
		j++
		if j < len(toks) && toks[j-1].fold == "de" && (toks[j].fold == "la" || toks[j].fold == "l") && !toks[j].upper {
			j++
		}
		if j < len(toks) && toks[j].gap <= gapApos {
			if end := nameEnd(toks, j); end > j {
				spans = append(spans, [2]int{j, end})
			}
		}
	}
	return spans
}

// normalized is a candidate span cleaned up for output.
type normalized struct {
	i, end    int    // tokens of the name
	name      string // the name as output: canonical, or as written
	key       string // folded key of name
	gaz       int32  // gazetteer id the cleaned span is an alias of, or -1
	notco     bool   // the cleaned span is a listed non-company
	hadSuffix bool   // a legal suffix followed the name
	veto      uint16 // reasons the rules rejected it (veto* flags)
}

// Reasons why the rules reject a span as a discovered firm.
const (
	vetoFirstName    uint16 = 1 << iota // starts with a first name
	vetoHead                            // starts with a word naming a body
	vetoCivility                        // starts with a civility
	vetoStop                            // starts with a word that opens clauses
	vetoReject                          // a listed non-company
	vetoPlace                           // a place
	vetoShort                           // a single short word, or one with digits
	vetoBusinessWord                    // a single business word (Bourse, Etat...)
	vetoLower                           // does not start with a capital or digit
	vetoBreak                           // spans a line break
)

// normalize cleans the name at tokens [i, end): it drops leading articles
// (at a sentence start) and "Groupe", trailing legal suffixes and joining
// words, cuts at a first name followed by a capitalised word (a person's
// name inside: "l'UEFA Michel Platini"), and records why the rules would
// reject it. ok is false when nothing is left.
func (c *Finder) normalize(text string, toks []token, i, end int, hidden func(int32) bool) (n normalized, ok bool) {
	for i < end {
		f := toks[i].fold
		switch {
		case toks[i].is(clsArticle) && toks[i].sent && i+1 < end:
			i++
			continue
		case (f == "groupe" || f == "group") && i+1 < end:
			i++
			continue
		}
		break
	}
	for end-i > 1 {
		f := toks[end-1].fold
		if toks[end-1].is(clsLegal) && f != "group" && f != "holding" || f == "cie" || f == "co" || f == "corporation" || f == "company" && end-i > 2 {
			n.hadSuffix = true
			end--
			continue
		}
		if toks[end-1].sym && text[toks[end-1].start] != '+' || toks[end-1].is(clsNameJoin) {
			end--
			continue
		}
		break
	}
	if end <= i || toks[i].is(clsLegal) && end-i == 1 {
		return n, false
	}
	for k := i + 1; k+1 < end; k++ {
		if toks[k].is(clsFirstName) && toks[k].upper && toks[k+1].upper && !toks[k].caps {
			end = k
			break
		}
	}
	first := &toks[i]
	if !first.upper && !first.digit {
		n.veto |= vetoLower
	}
	if first.is(clsCapStop) && !(first.is(clsArticle) && end-i > 1 && !first.sent) {
		n.veto |= vetoStop
	}
	if first.is(clsFirstName) && !n.hadSuffix {
		n.veto |= vetoFirstName // a legal suffix wins: "Jimmy Choo Plc"
	}
	if first.is(clsHead) {
		n.veto |= vetoHead
	}
	if first.is(clsCivility) {
		n.veto |= vetoCivility
	}
	key := string(joinFolds(nil, toks[i:end]))
	if c.rejects[key] {
		n.veto |= vetoReject
	}
	if c.places[key] || c.heads[key] {
		n.veto |= vetoPlace
	}
	if end-i == 1 && !n.hadSuffix {
		w := text[first.start:first.end]
		if utf8.RuneCountInString(w) < 2 || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			n.veto |= vetoShort
		}
		if first.is(clsBusiness) || first.is(clsCapStop) {
			n.veto |= vetoBusinessWord
		}
	}
	n.i, n.end, n.gaz, n.key = i, end, -1, key
	if info, found := c.aliases[key]; found && (info.id < 0 || hidden == nil || !hidden(info.id)) {
		if info.id < 0 {
			n.notco = true
			n.veto |= vetoReject
		} else {
			n.gaz = info.id
		}
	}
	n.name = strings.TrimSpace(text[first.start:toks[end-1].end])
	if n.gaz >= 0 {
		n.name, n.key = c.names[n.gaz], c.nameKeys[n.gaz]
	}
	if len(n.name) <= 3 || c.countries.MayStart(toks[i].fold) {
		if _, isPlace := c.countries.Lookup(n.name); isPlace {
			n.veto |= vetoPlace
		}
	}
	if strings.ContainsAny(n.name, "\n\r\t") {
		n.veto |= vetoBreak
	}
	return n, true
}

// firstPositions moves each discovered name to its first capitalised
// occurrence in the text, merges names that extend another discovered
// name ("Europcar Mobility" into "Europcar") and drops duplicates.
func (c *Finder) firstPositions(text string, toks []token, found []mention) []mention {
	sort.SliceStable(found, func(a, b int) bool { return len(found[a].name) < len(found[b].name) })
	keys := make(map[string]string, len(found))
	maxN := 0
	var kept []mention
	for _, m := range found {
		mt := tokenize(m.name)
		key := string(joinFolds(nil, mt))
		if _, dup := keys[key]; dup {
			continue
		}
		merged := false
		for k := 1; k < len(mt); k++ {
			if _, ok := keys[string(joinFolds(nil, mt[:k]))]; ok {
				merged = true
				break
			}
		}
		if merged {
			continue
		}
		keys[key] = m.name
		if len(mt) > maxN {
			maxN = len(mt)
		}
		kept = append(kept, m)
	}
	pos := make(map[string]int, len(kept))
	buf := make([]byte, 0, 64)
	for i := 0; i < len(toks) && len(pos) < len(kept); i++ {
		if !toks[i].upper && !toks[i].digit {
			continue
		}
		for n := 1; n <= maxN && i+n <= len(toks); n++ {
			if n > 1 && !toks[i+n-1].soft() {
				break
			}
			buf = joinFolds(buf[:0], toks[i:i+n])
			if name, ok := keys[string(buf)]; ok {
				if _, seen := pos[name]; !seen {
					pos[name] = i
				}
			}
		}
	}
	for k := range kept {
		if p, ok := pos[kept[k].name]; ok && p < kept[k].pos {
			kept[k].pos = p
		}
	}
	return kept
}

// orderDistinct returns the distinct names of ms by first position,
// spellings that differ only in case, accents or punctuation
// ("Worldcom", "WorldCom") counting as one name, written as it first is.
func orderDistinct(ms []mention) []string {
	if len(ms) == 0 {
		return nil
	}
	sort.SliceStable(ms, func(a, b int) bool { return ms[a].pos < ms[b].pos })
	seen := make(map[string]bool, len(ms))
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.name == "" || seen[m.name] {
			continue
		}
		seen[m.name] = true
		if k := fold.Key(m.name); k != m.name {
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, m.name)
	}
	return out
}
