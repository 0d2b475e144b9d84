package companies

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
	"veille/analyzers/countries"
)

// Company extraction.
//
// Two sources feed [Finder.Find]:
//
//  1. A gazetteer (data/companies.txt, embedded, extendable): well-known
//     firms with their aliases, matched on folded token sequences (case,
//     accents, hyphens, dots and apostrophes between words ignored), the
//     longest alias first. The first word of a match must be capitalised
//     as in the data file; all-capital aliases (SEB, BIC) match capitals
//     only. Ambiguous words (Orange, Free, Total, Casino, Leclerc...) are
//     marked "~" and need company context (see below). A single-word
//     match right after a first name, a civility (M., Mme) or "famille"
//     is a person ("Vincent Bolloré", "Michel-Édouard Leclerc") and is
//     dropped.
//  2. Discovery of firms no list names, from French cues: a cue noun ("la
//     société", "le groupe", "le constructeur", "l'opérateur", "la
//     start-up", "le géant"... possibly followed by lowercase modifiers:
//     "le géant américain de l'internet") then a capitalised word
//     sequence X; X followed by a legal suffix (SA, SAS, Ltd, Inc.,
//     GmbH, AG, plc, NV, BV, SpA, LLC, Holdings); apposition ("X, une
//     entreprise ...", "X est une société ...", "X, filiale de ...");
//     business possessives ("le PDG de X", "les salariés de X", "filiale
//     de X", "le chiffre d'affaires de X", "le rachat de X"). X runs over
//     capitalised words, joined by "de/du/des/d'/&/-", and stops at
//     lowercase words and punctuation. X is rejected when it is a person
//     (starts with a common first name), a place (country via
//     [countries.Matcher.Lookup], or a listed city or region), or starts with a
//     word naming a body (Commission, Ministère, Conseil, Cour, Tribunal,
//     Fondation...), or is a listed non-company (parties, unions,
//     employers' organisations, courts, events, news media cited as
//     sources). Discovered names keep their written form minus legal
//     suffixes, a leading "Groupe" and a trailing country ("Timac Agro
//     France" → "Timac Agro"). A cue is ignored after a role ("le
//     président du groupe X": X is a person), after "son/leur" ("son
//     groupe": a band or a party), with a veto modifier ("le groupe de
//     rock", "la banque centrale"), after a place noun ("la société
//     d'exploitation de la tour Eiffel") and in all-capital headlines.
//     Gazetteer matches glued by a hyphen to another capitalised word
//     ("AP-HP") are parts of another name and dropped.
//
// Context for "~" aliases: accepted when a cue precedes them ("le groupe
// Total", "l'opérateur Orange"), when the same firm is also named by an
// unambiguous alias in the text ("TotalEnergies", "Iliad" does not count:
// it is another firm), or when the sentence has business words (PDG,
// actionnaires, chiffre d'affaires, milliards, abonnés...) and the word
// neither opens the sentence nor follows "à" ("à Orange" is the town).
//
// Decisions: news media and agencies cited as sources (AFP, Reuters, Le
// Monde, Techcrunch, Getty Images) are never reported; broadcasting and
// media groups (TF1, M6, Canal+, Vivendi, Lagardère, Radio France) are.
// "Stargate" is a programme name, not reported. "X" alone is never
// Twitter.

//go:embed data/companies.txt
var embeddedGazetteer string

// embeddedListed lists the members of public stock indices (see its
// header and ./listed).
//
//go:embed data/listed.txt
var embeddedListed string

// embeddedBrands lists brands of shops, restaurants, hotels, banks and
// services (see its header and ./brands).
//
//go:embed data/brands.txt
var embeddedBrands string

// ErrGazetteer is wrapped by [New] errors caused by malformed
// gazetteer data.
var ErrGazetteer = errors.New("companies: malformed gazetteer")

// maxAliasTokens bounds the length of a gazetteer alias, in tokens.
const maxAliasTokens = 8

// maxNameTokens bounds the length of a discovered name, in tokens.
const maxNameTokens = 6

// Finder finds companies named in text. Build it once with
// [New]; it is immutable and safe for concurrent use.
type Finder struct {
	names      []string             // canonical names, by id
	nameSource []uint8              // gazetteer source of each canonical name
	canonIDs   map[string]int32     // canonical name → id
	aliases    map[string]aliasInfo // folded tokens joined by ' ' → alias
	firstMax   map[string]int       // first folded token → longest alias starting with it
	rejects    map[string]bool      // folded non-company names
	heads      map[string]bool      // folded words that cannot start a firm's name
	first      map[string]bool      // folded first names
	places     map[string]bool      // folded place names
	countries  *countries.Matcher
	model      *Model
	classes    map[string]wordInfo    // folded word → what the lists know of it
	nameKeys   []string               // folded key of each canonical name
	mined      map[string]corpusStats // what unlabelled news says of each name (mined.go)
	clusters   clusterTable           // word clusters of unlabelled news (clusters.go)
	tokens     sync.Pool              // *[]token buffers reused by Find
}

// Gazetteer sources: the sections a firm is listed in.
const (
	sourceCurated uint8 = iota // [companies]: written for veille
	sourceListed               // [listed]: members of stock indices (data/listed.txt)
	sourceMedia                // [media]: newspapers, broadcasters, agencies
	sourceBrands               // [brands]: shop and service brands (data/brands.txt)
)

// aliasInfo is one gazetteer alias.
type aliasInfo struct {
	id        int32    // index in names; -1: a non-company name
	ambiguous bool     // "~": needs company context
	upper     bool     // first content word must be capitalised in the text
	capsMask  uint16   // bit i: token i must be written in capitals
	exact     []string // "=": tokens as they must be written
	words     int      // number of word tokens
	implicit  bool     // the canonical name standing as its own alias
	source    uint8    // gazetteer section (source*)
}

// New builds the company finder from the embedded gazetteer plus
// optional extra gazetteer data in the same format (nil for none), whose
// entries override embedded ones with the same alias. places tells
// countries from firms (nil: a matcher of its own). Errors wrap
// [ErrGazetteer] for malformed data, or are the reader's errors.
func New(extra io.Reader, places *countries.Matcher) (*Finder, error) {
	model, err := defaultModel()
	if err != nil {
		return nil, err
	}
	return newFinder(extra, places, model)
}

func newFinder(extra io.Reader, places *countries.Matcher, model *Model) (*Finder, error) {
	if places == nil {
		places = countries.New()
	}
	c := &Finder{
		aliases:   make(map[string]aliasInfo, 2048),
		firstMax:  make(map[string]int, 2048),
		rejects:   make(map[string]bool, 256),
		heads:     make(map[string]bool, 128),
		first:     make(map[string]bool, 512),
		places:    make(map[string]bool, 512),
		countries: places,
		canonIDs:  make(map[string]int32, 2048),
	}
	c.model = model
	mined, err := defaultMined()
	if err != nil {
		return nil, err
	}
	c.mined = mined
	if err := c.load(strings.NewReader(embeddedGazetteer), "embedded"); err != nil {
		return nil, err
	}
	if err := c.load(strings.NewReader(embeddedListed), "listed"); err != nil {
		return nil, err
	}
	if err := c.load(strings.NewReader(embeddedBrands), "brands"); err != nil {
		return nil, err
	}
	if extra != nil {
		if err := c.load(extra, "extra"); err != nil {
			return nil, err
		}
	}
	c.nameKeys = make([]string, len(c.names))
	for i, n := range c.names {
		c.nameKeys[i] = foldKey(n)
	}
	c.classes = make(map[string]wordInfo, 4096)
	for w, cls := range wordClasses() {
		c.classes[w] = wordInfo{cls: cls}
	}
	mark := func(w string, cls uint32) {
		wi := c.classes[w]
		wi.cls |= cls
		c.classes[w] = wi
	}
	for w := range c.first {
		mark(w, clsFirstName)
	}
	for w := range c.heads {
		if !strings.Contains(w, " ") {
			mark(w, clsHead)
		}
	}
	for w, n := range c.firstMax {
		wi := c.classes[w]
		wi.maxAlias = uint8(min(n, 255))
		c.classes[w] = wi
	}
	for key, info := range c.aliases {
		if !info.upper {
			first, _, _ := strings.Cut(key, " ")
			mark(first, clsLowerAlias)
		}
	}
	if c.clusters, err = defaultClusters(); err != nil {
		return nil, err
	}
	return c, nil
}

// wordInfo is what the word lists and the gazetteer know of a folded word.
type wordInfo struct {
	cls      uint32 // word classes (cls*)
	maxAlias uint8  // longest alias starting with the word, in tokens
}

// load reads gazetteer data in the format documented in data/companies.txt.
func (c *Finder) load(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	section := "companies"
	canonIDs := c.canonIDs
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: %s line %d: not valid UTF-8", ErrGazetteer, name, line)
		}
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			section = strings.TrimSpace(s[1 : len(s)-1])
			switch section {
			case "companies", "listed", "brands", "media", "not-companies", "not-company-heads", "first-names", "places":
			default:
				return fmt.Errorf("%w: %s line %d: unknown section %q", ErrGazetteer, name, line, section)
			}
			continue
		}
		var err error
		switch section {
		case "companies":
			err = c.addCompany(s, canonIDs, sourceCurated)
		case "listed":
			err = c.addCompany(s, canonIDs, sourceListed)
		case "brands":
			err = c.addCompany(s, canonIDs, sourceBrands)
		case "media":
			err = c.addCompany(s, canonIDs, sourceMedia)
		case "not-companies":
			for _, a := range splitBar(s) {
				if err = c.addAlias(a, -1, false, sourceCurated); err != nil {
					break
				}
				c.rejects[foldKey(a)] = true
			}
		case "not-company-heads":
			for _, a := range splitBar(s) {
				c.heads[foldKey(a)] = true
			}
		case "first-names":
			for _, f := range strings.Fields(s) {
				for _, t := range tokenize(f) {
					c.first[t.fold] = true
				}
			}
		case "places":
			for _, a := range splitBar(s) {
				c.places[foldKey(a)] = true
			}
		}
		if err != nil {
			return fmt.Errorf("%w: %s line %d: %v", ErrGazetteer, name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("companies: read %s gazetteer: %w", name, err)
	}
	return nil
}

// addCompany adds one "Canonical | alias | alias" line.
// Entries of [listed] and [brands] never replace an alias of another
// section: a curated entry knows better.
func (c *Finder) addCompany(s string, canonIDs map[string]int32, source uint8) error {
	parts := splitBar(s)
	if len(parts) == 0 || strings.HasPrefix(s, "|") {
		return fmt.Errorf("no canonical name in %q", s)
	}
	canon := parts[0]
	matchCanon := true
	if strings.HasPrefix(canon, "!") {
		canon = strings.TrimSpace(canon[1:])
		matchCanon = false
	}
	canon = strings.TrimLeft(canon, "~=")
	if canon == "" || len(tokenize(canon)) == 0 {
		return fmt.Errorf("empty canonical name in %q", s)
	}
	if source == sourceListed || source == sourceBrands {
		if _, known := c.aliases[foldKey(canon)]; known {
			return nil
		}
	}
	id, ok := canonIDs[canon]
	if !ok {
		id = int32(len(c.names))
		c.names = append(c.names, canon)
		c.nameSource = append(c.nameSource, source)
		canonIDs[canon] = id
	}
	if matchCanon {
		if err := c.addAlias(canon, id, true, source); err != nil {
			return err
		}
	}
	for _, a := range aliasVariants(parts) {
		if _, known := c.aliases[foldKey(strings.TrimLeft(a, "~="))]; !known {
			if err := c.addAlias(a, id, false, source); err != nil {
				return err
			}
		}
	}
	for _, a := range parts[1:] {
		if source == sourceListed || source == sourceBrands {
			if _, known := c.aliases[foldKey(strings.TrimLeft(a, "~="))]; known {
				continue
			}
		}
		if err := c.addAlias(a, id, false, source); err != nil {
			return err
		}
	}
	return nil
}

// addAlias registers one alias (with its optional ~ or = marker) for id.
func (c *Finder) addAlias(a string, id int32, implicit bool, source uint8) error {
	info := aliasInfo{id: id, source: source}
	exact := false
	for len(a) > 0 && (a[0] == '~' || a[0] == '=') {
		if a[0] == '~' {
			info.ambiguous = true
		} else {
			exact = true
		}
		a = a[1:]
	}
	toks := tokenize(a)
	if len(toks) == 0 {
		return fmt.Errorf("empty alias in entry %q", a)
	}
	if len(toks) > maxAliasTokens {
		return fmt.Errorf("alias %q longer than %d words", a, maxAliasTokens)
	}
	for i := range toks {
		t := &toks[i]
		if t.sym {
			continue
		}
		info.words++
		if t.caps && t.end-t.start >= 2 {
			info.capsMask |= 1 << uint(i)
		}
	}
	if ci := contentToken(toks); ci >= 0 {
		info.upper = toks[ci].upper || toks[ci].digit
	}
	key := string(joinFolds(nil, toks))
	if exact {
		// Exact tokens are compared by position, symbols included.
		info.exact = make([]string, 0, len(toks))
		for _, t := range toks {
			info.exact = append(info.exact, a[t.start:t.end])
		}
	}
	if old, ok := c.aliases[key]; ok && old.id == id && !implicit {
		if old.implicit && (info.ambiguous || info.exact != nil) {
			// An explicit marker overrides the canonical name's own alias:
			// "Orange | ~Orange".
		} else {
			// Two spellings of one firm's alias: keep the less demanding.
			info.ambiguous = info.ambiguous && old.ambiguous
			info.upper = info.upper && old.upper
			info.capsMask &= old.capsMask
			if old.exact == nil {
				info.exact = nil
			}
		}
	}
	info.implicit = implicit
	c.aliases[key] = info
	if len(toks) > c.firstMax[toks[0].fold] {
		c.firstMax[toks[0].fold] = len(toks)
	}
	return nil
}

// aliasVariants returns the spellings a name's aliases imply: "&" as
// "and" and "et" ("Ernst and Young"), and a name that starts with an
// article without it ("Banque Postale" for La Banque Postale, "Body
// Shop" for The Body Shop; ambiguous when one word is left, as "Monde").
func aliasVariants(parts []string) []string {
	var out []string
	for _, p := range parts {
		marks := p[:len(p)-len(strings.TrimLeft(p, "!~="))]
		a := strings.TrimLeft(p, "!~=")
		if strings.Contains(a, " & ") {
			out = append(out, marks+strings.ReplaceAll(a, " & ", " and "), marks+strings.ReplaceAll(a, " & ", " et "))
		}
		for _, art := range []string{"La ", "Le ", "Les ", "The "} {
			rest, ok := strings.CutPrefix(a, art)
			if !ok || rest == "" {
				continue
			}
			if strings.Contains(rest, " ") {
				out = append(out, strings.Trim(marks, "!")+rest)
			} else {
				out = append(out, "~"+strings.Trim(marks, "!~")+rest)
			}
		}
	}
	return out
}

// splitBar splits a gazetteer line on '|' and trims the parts, dropping
// empty ones.
func splitBar(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// contentToken returns the index of the first token of toks that is not
// a leading article (le, la, les, l'), or -1.
func contentToken(toks []token) int {
	for i, t := range toks {
		if t.sym {
			continue
		}
		if i < len(toks)-1 && articles[t.fold] {
			continue
		}
		return i
	}
	return -1
}

// foldKey returns the folded lookup key of a name.
func foldKey(s string) string { return string(joinFolds(nil, tokenize(s))) }

// joinFolds appends the folded forms of toks, separated by spaces, to buf.
func joinFolds(buf []byte, toks []token) []byte {
	for i, t := range toks {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, t.fold...)
	}
	return buf
}
