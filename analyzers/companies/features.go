package companies

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// features accumulates the hashed features of one candidate. A feature
// is a template name and a value ("p1:societe"): its index is the FNV-1a
// hash of both, so nothing is allocated and no feature list is kept.
type features struct {
	idx     []uint32
	names   []string // with explain set: the feature of each index, for [Finder.ExplainFeatures]
	explain bool
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func (f *features) reset() { f.idx, f.names = f.idx[:0], f.names[:0] }

// add records template tpl with value v.
func (f *features) add(tpl, v string) {
	h := uint32(fnvOffset)
	for i := 0; i < len(tpl); i++ {
		h = (h ^ uint32(tpl[i])) * fnvPrime
	}
	h = (h ^ ':') * fnvPrime
	for i := 0; i < len(v); i++ {
		h = (h ^ uint32(v[i])) * fnvPrime
	}
	f.idx = append(f.idx, h&(1<<featureBits-1))
	if f.explain {
		f.names = append(f.names, tpl+":"+v)
	}
}

// add2 records template tpl with the values a and b.
func (f *features) add2(tpl, a, b string) {
	h := uint32(fnvOffset)
	for i := 0; i < len(tpl); i++ {
		h = (h ^ uint32(tpl[i])) * fnvPrime
	}
	h = (h ^ ':') * fnvPrime
	for i := 0; i < len(a); i++ {
		h = (h ^ uint32(a[i])) * fnvPrime
	}
	h = (h ^ ' ') * fnvPrime
	for i := 0; i < len(b); i++ {
		h = (h ^ uint32(b[i])) * fnvPrime
	}
	f.idx = append(f.idx, h&(1<<featureBits-1))
	if f.explain {
		f.names = append(f.names, tpl+":"+a+" "+b)
	}
}

// flag records a feature without value.
func (f *features) flag(tpl string) { f.add(tpl, "") }

// Feature value strings of small integers.
var smallInts = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

func bucket(n int) string {
	if n < len(smallInts) {
		return smallInts[n]
	}
	return "many"
}

// distance buckets a token distance.
func distance(d int) string {
	switch {
	case d <= 1:
		return "1"
	case d <= 3:
		return "2-3"
	}
	return "4+"
}

// docInfo is what the text says elsewhere about a name (by folded key).
type docInfo struct {
	mentions int    // candidates with this name
	src      uint16 // union of their sources
	cued     bool   // one of them came with a cue, suffix, apposition or possessive
	mid      bool   // one of them is not at a sentence start
}

// sentenceTokens bounds the context looked at around a candidate.
const contextTokens = 5

// extract computes the features of candidate k of a into f.
func (c *Finder) extract(a *analysis, k int, nb []int, f *features) {
	cd := &a.cands[k]
	toks := a.toks
	f.reset()
	f.flag("bias")

	// Where it comes from.
	for bit, name := range srcNames {
		if cd.src&(1<<bit) != 0 {
			f.flag("src:" + name)
		}
	}
	if cd.src&srcGaz != 0 {
		f.add("gazsrc", gazSourceNames[cd.gazSrc])
		if cd.amb {
			f.flag("gazamb")
		}
	}
	if cd.n.gaz >= 0 {
		f.add("gazname", gazSourceNames[c.aliasSource(cd.n.gaz)])
	}
	if cd.n.notco {
		f.flag("notco")
	}
	for bit, name := range vetoNames {
		if cd.n.veto&(1<<bit) != 0 {
			f.flag("veto:" + name)
		}
	}
	if cd.n.hadSuffix {
		f.flag("legal")
	}

	// A longer candidate around it: "Vinci" of "Léonard de Vinci" (a
	// person), "Nestlé" of "Nestlé France".
	for j := k - 1; j >= 0 && cd.i-a.cands[j].i <= maxNameTokens; j-- {
		o := &a.cands[j]
		if o.end < cd.end || o.i == cd.i && o.end == cd.end {
			continue
		}
		switch {
		case o.n.notco:
			f.flag("in-notco")
		case o.n.veto&vetoFirstName != 0:
			f.flag("in-person")
		case o.n.gaz >= 0 && !o.amb:
			f.flag("in-gaz")
		}
	}

	// A known firm it starts with: a unit or a subsidiary ("Goodyear
	// France", "GE Power", "Nokia Bell Labs France").
	if cd.n.gaz < 0 {
		for j := k + 1; j < len(a.cands) && a.cands[j].i == cd.i; j++ {
			if o := &a.cands[j]; o.n.gaz >= 0 && !o.amb && !o.n.notco {
				src := gazSourceNames[c.aliasSource(o.n.gaz)]
				f.add("head-gaz", src)
				if a.toks[cd.end-1].is(clsTrailingPlace) {
					f.add("head-gaz-place", src)
				}
				break
			}
		}
	}

	// The name itself.
	i, end := cd.n.i, cd.n.end
	ntok := end - i
	if cd.n.gaz < 0 {
		// The words of a name the gazetteer does not know; a known
		// name's entry speaks for it (one article's negative example
		// must not veto Vinci).
		f.add("w", cd.key)
		f.add("first", toks[i].fold)
		if ntok > 1 {
			f.add("last", toks[end-1].fold)
		}
	}
	f.add("ntok", bucket(ntok))
	shape := shapeOf(toks, i, end)
	f.add("shape", shape)
	name := cd.n.name
	if cd.n.gaz < 0 {
		name = a.text[toks[i].start:toks[end-1].end]
	}
	if isCamel(name) {
		f.flag("camel")
	}
	if strings.ContainsAny(name, "0123456789") {
		f.flag("digit")
	}
	if strings.ContainsAny(name, "&+!") {
		f.flag("sym")
	}
	if n := utf8.RuneCountInString(name); n <= 3 {
		f.add("short", shape)
	}
	if toks[end-1].is(clsOrg) {
		f.flag("orgword")
	}
	for k := i; k < end; k++ {
		if toks[k].is(clsBody) {
			f.flag("bodyword") // "Powys Local Health Board", "Three Gorges Dam"
			if k == end-1 {
				f.flag("bodyword-last")
			}
			break
		}
	}
	if toks[end-1].is(clsTrailingPlace) && ntok > 1 {
		f.flag("lastplace")
	}
	for k := i; k < end; k++ {
		if toks[k].is(clsFirstName) && toks[k].upper {
			f.add("fname", bucket(k-i))
			break
		}
	}
	if toks[i].sent {
		f.flag("sentstart")
		f.add("sentstart-w", toks[i].fold)
	}
	if toks[i].start < a.titleEnd {
		f.flag("title")
	}
	if a.shouted[i] {
		f.flag("shouted")
	}

	// The words of the name, and how its last word ends: unseen names
	// look like others ("Metrovias", "Boncolac").
	for k := i; k < end && k < i+4; k++ {
		if !toks[k].sym && !(toks[k].gap == gapApos && len(toks[k].fold) == 1) {
			f.add("tok", toks[k].fold)
		}
	}
	switch {
	case ntok > 1 && toks[end-1].gap == gapApos && toks[end-1].fold == "s":
		f.flag("apos-s") // "Sotheby's", "Enron's"
	case end < len(toks) && toks[end].gap == gapApos && toks[end].fold == "s":
		f.flag("before-apos-s") // "Enron" of "Enron's"
	}
	if lw := toks[end-1].fold; len(lw) >= 4 {
		f.add("suf3", lw[len(lw)-3:])
		f.add("pre3", toks[i].fold[:min(3, len(toks[i].fold))])
	}
	if ntok == 1 && a.surnames[toks[i].fold] {
		f.flag("surname") // "Holmes" after "Kelly Holmes"
	}
	if a.civil[toks[end-1].fold] {
		f.flag("civil") // "Yury Boyko" is "Mr Boyko" further on: a person
	}
	if ntok == 1 && a.lower[toks[i].fold] {
		f.flag("lowerseen") // the word is also written in lower case: a common word
	}

	// Context: the words before and after, within the sentence.
	p1, p2 := "<s>", "<s>"
	if i > 0 && !toks[i].sent {
		p1 = toks[i-1].fold
		f.add("pgap", gapNames[toks[i].gap])
		if toks[i-1].upper {
			f.flag("p1cap")
		}
		if i > 1 && !toks[i-1].sent {
			p2 = toks[i-2].fold
		}
	}
	f.add("p1", p1)
	f.add2("p2", p2, p1)
	if cd.gazSrc == sourceMedia && cd.src&srcGaz != 0 {
		// "sur BFMTV", "told the BBC", "la vente de BFMTV": the words
		// around a medium tell a channel from a business.
		f.add("media-p1", p1)
		f.add2("media-p2", p2, p1)
	}
	n1, n2 := "</s>", "</s>"
	if end < len(toks) && !toks[end].sent {
		n1 = toks[end].fold
		f.add("ngap", gapNames[toks[end].gap])
		if toks[end].upper {
			f.flag("n1cap")
		}
		if end+1 < len(toks) && !toks[end+1].sent {
			n2 = toks[end+1].fold
		}
	}
	f.add("n1", n1)
	f.add2("n2", n1, n2)
	if cd.gazSrc == sourceMedia && cd.src&srcGaz != 0 {
		f.add("media-n1", n1)
	}
	f.add2("p1n1", p1, n1)
	// "le traiteur X", "the carmaker X": a determiner and a noun before.
	if i > 1 && !toks[i].sent && !toks[i-1].sent && !toks[i-1].upper && toks[i-2].is(clsDeterminer) && !toks[i-1].is(clsStop) {
		f.flag("detnoun")
		if w := toks[i-1].fold; len(w) > 4 {
			f.add("detnoun-suf", w[len(w)-3:])
		}
	}
	// "X, the private firm which", "X, une PME de": a cue after a comma.
	if end < len(toks) && toks[end].gap == gapComma {
		for d := 0; d < 5 && end+d < len(toks); d++ {
			t := &toks[end+d]
			if d > 0 && t.sent {
				break
			}
			if t.is(clsCueNoun) || t.is(clsExtraCue) {
				f.add("appos", t.fold)
				break
			}
		}
	}
	// "X est une start-up", "X is a private firm": a cue after the verb.
	if end+2 < len(toks) && !toks[end].sent && !toks[end+1].sent {
		switch v := toks[end].fold; v {
		case "est", "etait", "is", "was":
			for d := 1; d <= 3 && end+d < len(toks); d++ {
				t := &toks[end+d]
				if t.sent || t.upper {
					break
				}
				if t.is(clsCueNoun) || t.is(clsExtraCue) {
					f.add2("iscue", v, t.fold)
					f.flag("iscue")
					break
				}
			}
		}
	}
	for d := 1; d <= contextTokens && i-d >= 0; d++ {
		t := &toks[i-d]
		if (t.is(clsCueNoun) || t.is(clsExtraCue)) && !t.upper {
			f.add("cue", t.fold)
			f.add("anycue", distance(d))
		}
		if t.is(clsDeal) {
			f.add("pdeal", t.fold)
			f.add("anypdeal", distance(d))
		}
		if t.is(clsRole) {
			f.add("prole", t.fold)
			f.add("anyprole", distance(d))
		}
		if t.sent {
			break
		}
	}
	for d := 0; d < contextTokens && end+d < len(toks); d++ {
		t := &toks[end+d]
		if t.sent {
			break
		}
		if t.is(clsDeal) {
			f.add("ndeal", t.fold)
			f.add("anyndeal", distance(d+1))
		}
		if (t.is(clsCueNoun) || t.is(clsExtraCue)) && !t.upper {
			f.add("ncue", t.fold)
			f.add("anyncue", distance(d+1))
		}
	}
	if i > 0 && !toks[i].sent && !toks[i-1].upper && !toks[i-1].digit && !toks[i-1].is(clsStop) && !toks[i-1].sym {
		f.flag("lowerprev") // "steel giant LNM", "analyste chez"
	}

	// Lists: the type of the names it is coordinated with, along the
	// whole chain ("Morrisons, Woolworths, House of Fraser, Marks &
	// Spencer and Big Food").
	if len(nb) > 0 {
		f.flag("list")
		var ruled, gaz, cued, n int
		for _, j := range nb {
			o := &a.cands[j]
			n++
			if o.src&srcRuleYes != 0 {
				ruled++
			}
			if o.n.gaz >= 0 && !o.amb && o.gazSrc != sourceMedia {
				gaz++
			}
			if o.src&(srcCue|srcSuffix|srcAppos) != 0 {
				cued++
			}
		}
		f.add("list-n", bucket(min(n, 4)))
		if ruled > 0 {
			f.add("list-ruled", bucket(min(ruled, 3)))
		}
		if gaz > 0 {
			f.add("list-gaz", bucket(min(gaz, 3)))
		}
		if cued > 0 {
			f.flag("list-cued")
		}
	}

	// The same name elsewhere in the text.
	if di := a.docOf(cd.key); di != nil {
		f.add("dn", bucket(min(di.mentions, 4)))
		if di.cued {
			f.flag("dcued")
		}
		if di.src&srcRuleYes != 0 {
			f.flag("druled")
		}
		if !di.mid {
			f.flag("donlystart")
		}
	}
	c.clusters.features(f, toks, i, end)
	f.add("lang", a.lang)
}

// Names of the source and veto bits, as feature values.
var (
	srcNames       = [...]string{"gaz", "cue", "suffix", "appos", "poss", "run", "ruleyes", "ambnoctx", "person", "compound"}
	vetoNames      = [...]string{"first", "head", "civ", "stop", "reject", "place", "short", "bizword", "lower", "break"}
	gapNames       = [...]string{"none", "space", "hyphen", "apos", "dot", "comma", "quote", "break"}
	gazSourceNames = [...]string{"curated", "listed", "media", "brands"}
)

// aliasSource returns the gazetteer source of a canonical name.
func (c *Finder) aliasSource(id int32) uint8 {
	if int(id) < len(c.nameSource) {
		return c.nameSource[id]
	}
	return sourceCurated
}

var _ = strconv.Itoa
