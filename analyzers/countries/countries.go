package countries

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"veille/analyzers/internal/chunk"
	"veille/corpus/fold"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// aliases lists the short forms, aliases, demonyms and blockers that
// complete the CLDR country names; its header documents the format.
//
//go:embed data/aliases.txt
var aliases string

// Matcher finds the countries a text names and resolves country names
// given by users. Build it once with [New]; it is immutable and
// safe for concurrent use.
//
// The rule (the product decision, which the hand-labelled evaluation set
// follows): a country counts when the text names it
//   - by its French or English name, as CLDR spells it for every ISO 3166-1
//     alpha-2 code (Norvège, Norway, Émirats arabes unis), whatever the
//     accents, case, hyphens, apostrophes or blanks: "etats unis",
//     "ÉTATS-UNIS" and "Côte d’Ivoire" match. English names need capitals
//     (china, turkey and jersey are words);
//   - by a usual short form or alias: Grande-Bretagne, Angleterre, Écosse,
//     Pays de Galles and Irlande du Nord are GB; l'Hexagone is FR; Birmanie,
//     Türkiye, Bélarus, Hong Kong, RDC, "la/en Hollande". Abbreviations
//     count only in capitals and in mixed-case text (US, USA, U.S., UK, RU,
//     EAU, UAE; "us" and "l'eau" are words, "L'EAU DE PLUIE" is shouting);
//   - by a nationality adjective or noun (demonym), French or English:
//     "le géant américain", "des entreprises allemandes", "les
//     Britanniques", "le norvégien Aker", "franco-allemand" (FR and DE).
//
// It does not count
//   - for cities, regions and continents: Londres, Washington, Narvik,
//     Île-de-France, Amérique, Europe, européen, africain. French overseas
//     departments and collectivities are French regions (Guadeloupe,
//     la Réunion, Nouvelle-Calédonie...: no code, though Lookup resolves
//     them); other territories with an ISO code count (Hong Kong,
//     Groenland, Porto Rico), and so does the Antarctique (AQ). Bare
//     "Congo" is ambiguous and counts for nothing ("RDC",
//     "Congo-Brazzaville" do); bare "Corée" and "Korea" are South Korea
//     (the North is always named as such);
//   - inside another proper name, that is when the name is joined by a
//     blank or a hyphen to a capitalised word that is neither a function
//     word (la, de, en, the...) nor part of a country name: Air France,
//     Ouest-France, France Télévisions, Radio-Canada, Qatar Airways, New
//     Jersey, San Salvador, Stargate Norway, British Airways, and when it
//     follows de, du, des or d' after such a word (Banque de France, Villes
//     de France, Grand Prix de Monaco; "l'équipe de France" counts). A name
//     before a person's name still counts ("le président des Etats-Unis
//     Donald Trump", "Australian Samantha Stosur"), as does an English
//     demonym before a title ("German Chancellor Gerhard Schroeder").
//     Abbreviations and French demonyms are exempt (US Navy, Altermind UK,
//     le Britannique Lewis Hamilton);
//   - for currencies and languages: "dollar américain", "franc suisse",
//     "$US", "en anglais", "parle le russe", "la langue française"; nor in
//     a few fixed phrases (crème anglaise, football américain);
//   - for names that are also common words or first names, unless written
//     the country's way: Chili, Bénin, Suède, Chypre, Jersey need a capital;
//     Maurice counts as "île Maurice", "à Maurice", Mauritius (not Maurice
//     Audin); Salvador needs a capital and no capitalised neighbour (not
//     Salvador Dali); Grenade, Dominique and Réunion count only as "la
//     Grenade", "la Dominique", "la Réunion"; the English Jordan, Chad and
//     Georgia never count in text (Michael Jordan, Chad Wolf), nor does
//     Géorgie in "État de Géorgie".
//
// Overlapping names resolve to the longest: "Guinée-Bissau" is GW, not GN;
// "Papouasie-Nouvelle-Guinée" is PG; "Irlande du Nord" is GB, not IE;
// "Samoa américaines" is AS, not US. Names never span a sentence break.
type Matcher struct {
	root map[string]*node // trie of folded word sequences
	// rootShape[b] has bit n set when a word of root starts with byte b
	// and has n bytes: most words of a text are skipped without a look-up.
	rootShape [256]uint64
	codes     map[string]bool  // the ISO 3166-1 alpha-2 codes known
	words     map[string]uint8 // word classes (word*)
	edges     map[string]uint8 // edgeStart/edgeEnd: first/last words of country names
	pool      sync.Pool        // *scratch
}

type node struct {
	next map[string]*node
	ent  *entry
}

// entry is what a word sequence means.
type entry struct {
	code  string  // "" for a blocker
	flags uint8   // entry* flags
	spec  []uint8 // per word, with entryCase: caseAny, caseInitial or caseAll
}

const (
	entryCase   = 1 << iota // check spec against the text's capitalisation
	entryAlone              // the proper-name rule applies
	entryDem                // demonym: not next to a currency word
	entryLang               // masculine singular demonym: may name a language
	entryPrefix             // combining form: must be followed by a hyphen
	entryAbbr               // abbreviation in capitals: not in shouted text, not by "$"
	entryLookup             // for Lookup only, never found in text
)

const (
	caseAny = iota
	caseInitial
	caseAll
)

const (
	wordFunction = 1 << iota
	wordCurrency
	wordLangCue  // en, parler, langue, traduit...: "en anglais", "parle le russe"
	wordLangSkip // words between a cue and a language name: le, pas, couramment...
	wordLocative // de, du, des, d, en, au, aux
	wordTitle    // president, chancellor, minister...: "German Chancellor Gerhard Schroeder"
)

const (
	edgeStart = 1 << iota
	edgeEnd
)

// Separators after a token.
const (
	sepBreak  = iota // punctuation, newline, end of text
	sepSpace         // blanks only, no newline
	sepHyphen        // one hyphen, no blanks
	sepGlue          // nothing: a camel-case split ("FranceEn")
)

type token struct {
	start, end int32 // bytes of the word in the text
	fs, fe     int32 // folded word in scratch.buf
	letters    int16 // letters in the word (digits are not letters)
	initial    bool  // first rune is an uppercase letter
	allCaps    bool  // has letters, none lowercase
	after      uint8 // separator after the word: sep*
}

type scratch struct {
	toks  []token
	buf   []byte
	cands []cand
	found []span
	codes []string
}

// span is a country named at text[start:end].
type span struct {
	start, end int
	code       string
}

type cand struct {
	end int
	ent *entry
}

// Function words may sit next to a country name without making it part of
// another proper name; currency words turn a demonym into a currency name.
var (
	functionWords = "le la les l un une des de du d en au aux a et ou pour par sur sous avec dans vers chez " +
		"entre selon depuis apres avant contre sans comme mais ce cet cette ces son sa ses leur leurs " +
		"ainsi alors donc or car puis ensuite enfin aussi ici hier aujourd hui desormais pourtant quant " +
		"the an of in on at to for from with by and or as into via vs versus but yesterday today meanwhile " +
		"however also now then so while when if since after before"
	currencyWords = "dollar dollars franc francs livre livres couronne couronnes rouble roubles roupie roupies " +
		"real reais reals peso pesos rand rands won wons yuan yuans yen yens lire lires lira zloty zlotys " +
		"forint forints dinar dinars riyal riyals rial rials dirham dirhams shekel shekels leu lei hryvnia " +
		"hryvnias lev leva kuna kunas baht bahts ringgit ringgits rupiah roupiah naira nairas shilling shillings " +
		"birr kwacha cedi cedis renminbi dong dongs taka tenge manat lari dram som afghani afghanis ariary ouguiya pound pounds"
	// A masculine singular demonym after a cue names a language: "en
	// anglais", "parle couramment le russe", "cours de chinois".
	languageCues = "en parle parlent parler parlant parlait parlaient parlons parlez parles " +
		"traduit traduite traduits traduire traduction apprendre apprend apprennent apprenant apprentissage " +
		"cours enseigner enseigne enseignement maitrise maitriser maitrisant dictionnaire langue langues " +
		"professeur professeurs prof profs"
	languageSkips = "le l pas de du d bien mal couramment un peu parfaitement aussi"
	// Titles an English demonym may precede without naming something
	// else: "German Chancellor Gerhard Schroeder", "French President".
	titleWords = "president presidents prime premier chancellor minister ministers foreign finance treasury economy " +
		"trade industry energy health defence defense interior justice home king queen prince princess crown " +
		"ambassador ambassadors embassy government parliament cabinet senator mp mps mep meps chief vice deputy " +
		"secretary consul authorities police army navy military forces troops officials leader leaders opposition " +
		"regulators regulator competition court courts judge prosecutors"
)

// New builds the matcher from the CLDR names of every ISO 3166-1
// alpha-2 code and the embedded alias list. It panics if the embedded list
// is malformed, which the package tests rule out.
func New() *Matcher {
	c, err := newMatcher(aliases)
	if err != nil {
		panic(err)
	}
	return c
}

func newMatcher(aliases string) (*Matcher, error) {
	c := &Matcher{
		root:  make(map[string]*node, 1024),
		codes: make(map[string]bool, 256),
		words: make(map[string]uint8, 256),
		edges: make(map[string]uint8, 1024),
	}
	for _, w := range strings.Fields(functionWords) {
		c.words[w] |= wordFunction
	}
	for _, w := range strings.Fields(currencyWords) {
		c.words[w] |= wordCurrency
	}
	for _, w := range strings.Fields(languageCues) {
		c.words[w] |= wordLangCue
	}
	for _, w := range strings.Fields(languageSkips) {
		c.words[w] |= wordLangSkip
	}
	for _, w := range []string{"de", "du", "des", "d", "en", "au", "aux"} {
		c.words[w] |= wordLocative
	}
	for _, w := range strings.Fields(titleWords) {
		c.words[w] |= wordTitle
	}
	c.pool.New = func() any { return &scratch{} }

	b := builder{c: c, defs: make(map[string]*def, 2048), lookupOnly: make(map[string]bool)}
	fr, en := display.Regions(language.French), display.Regions(language.English)
	for _, r := range isoCountries() {
		code := r.String()
		c.codes[code] = true
		// English first: the French name wins when both fold alike.
		for _, n := range cldrVariants(en.Name(r)) {
			b.cldr(code, entryCase|entryAlone, n)
		}
		for _, n := range cldrVariants(fr.Name(r)) {
			b.cldr(code, entryAlone, n)
		}
	}
	if err := b.parse(aliases); err != nil {
		return nil, err
	}
	b.build()
	return c, nil
}

// isoCountries returns the ISO 3166-1 alpha-2 countries CLDR names: every
// canonical region that is a country, has an alpha-3 code and a name,
// minus the codes ISO only reserves (AC, CP, DG, TA). XK (Kosovo) stays.
func isoCountries() []language.Region {
	var out []language.Region
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			r, err := language.ParseRegion(string([]rune{a, b}))
			if err == nil && isISOCountry(r) {
				out = append(out, r)
			}
		}
	}
	return out
}

func isISOCountry(r language.Region) bool {
	return isISORegion(r) && display.Regions(language.English).Name(r) != ""
}

// isISORegion is isISOCountry but for the name: CLDR keeps a few
// withdrawn codes (AN, CS, SU, YU) that have no name.
func isISORegion(r language.Region) bool {
	if !r.IsCountry() || r.Canonicalize() != r || r.ISO3() == "ZZZ" {
		return false
	}
	switch r.String() {
	case "AC", "CP", "DG", "TA":
		return false
	}
	return true
}

// cldrVariants turns a CLDR name into the forms texts use: no
// parenthesised qualifier ("Myanmar (Birmanie)"), "and" for "&", "Saint"
// for "St.".
func cldrVariants(name string) []string {
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = strings.TrimSpace(name[:i])
	}
	if name == "" {
		return nil
	}
	name = strings.ReplaceAll(name, "&", "and")
	out := []string{name}
	if rest, ok := strings.CutPrefix(name, "St. "); ok {
		out = append(out, "Saint "+rest)
	}
	return out
}

type def struct {
	words   []string
	ent     entry
	line    int // line of the alias list, 0 for a CLDR name
	dropped bool
}

type builder struct {
	c          *Matcher
	defs       map[string]*def
	keys       []string        // definition order, for a deterministic build
	lookupOnly map[string]bool // codes whose names are for Lookup only
}

// define parses surface into words and records what they mean.
func (b *builder) define(code string, flags uint8, surface string) *def {
	s := b.c.getScratch()
	defer b.c.pool.Put(s)
	b.c.tokenize(surface, s)
	if len(s.toks) == 0 {
		return nil
	}
	d := &def{ent: entry{code: code, flags: flags}}
	abbr := flags&entryCase != 0
	for _, t := range s.toks {
		d.words = append(d.words, string(s.buf[t.fs:t.fe]))
		spec := uint8(caseAny)
		switch {
		case t.letters >= 2 && t.allCaps:
			spec = caseAll
		case t.initial:
			spec = caseInitial
		}
		if spec != caseAll {
			abbr = false
		}
		d.ent.spec = append(d.ent.spec, spec)
	}
	if flags&entryCase == 0 {
		d.ent.spec = nil
	}
	if abbr {
		d.ent.flags = d.ent.flags&^entryAlone | entryAbbr
	}
	return d
}

// cldr records a CLDR name. Two countries with the same name make it
// ambiguous: it is dropped unless the alias list defines it.
func (b *builder) cldr(code string, flags uint8, surface string) {
	d := b.define(code, flags, surface)
	if d == nil {
		return
	}
	key := strings.Join(d.words, " ")
	if old, ok := b.defs[key]; ok && (old.dropped || old.ent.code != code) {
		old.dropped = true
		return
	}
	b.put(key, d)
}

func (b *builder) put(key string, d *def) {
	if _, ok := b.defs[key]; !ok {
		b.keys = append(b.keys, key)
	}
	b.defs[key] = d
}

// parse reads the alias list (format in its header).
func (b *builder) parse(data string) error {
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Split(line, "|")
		if len(fields) != 3 {
			return fmt.Errorf("countries: aliases line %d: want CODE | FLAGS | aliases", n+1)
		}
		code := strings.TrimSpace(fields[0])
		var flags uint8
		dem := false
		for _, f := range strings.Fields(fields[1]) {
			switch f {
			case "case":
				flags |= entryCase
			case "dem":
				dem = true
			case "prefix":
				flags |= entryPrefix
			case "lookup":
				flags |= entryLookup
			default:
				return fmt.Errorf("countries: aliases line %d: unknown flag %q", n+1, f)
			}
		}
		var forms []string
		for _, a := range strings.Split(fields[2], ",") {
			if a = strings.TrimSpace(a); a != "" {
				forms = append(forms, a)
			}
		}
		if len(forms) == 0 {
			return fmt.Errorf("countries: aliases line %d: no alias", n+1)
		}
		switch {
		case code == "~":
			for _, a := range forms {
				if !b.c.codes[a] {
					return fmt.Errorf("countries: aliases line %d: %q is not an ISO 3166-1 alpha-2 code", n+1, a)
				}
				b.lookupOnly[a] = true
			}
			continue
		case code == "!":
			for _, a := range forms {
				if d := b.define("", 0, a); d != nil {
					if old, ok := b.defs[strings.Join(d.words, " ")]; ok {
						old.dropped = true
					}
				}
			}
			continue
		case code == "-":
			code = ""
		case !b.c.codes[code]:
			return fmt.Errorf("countries: aliases line %d: %q is not an ISO 3166-1 alpha-2 code", n+1, code)
		}
		switch {
		case dem && flags&entryCase == 0:
			// French: inflected, and exempt from the proper-name rule
			// ("le Norvégien Aker").
			if len(forms) == 1 {
				forms = inflectDemonym(forms[0])
			}
			flags |= entryDem
		case dem:
			// English, as written; "British Airways" is a name.
			flags |= entryDem | entryAlone
		case code != "" && flags&entryPrefix == 0:
			flags |= entryAlone
		}
		for i, a := range forms {
			f := flags
			if dem && i == 0 {
				f |= entryLang
			}
			d := b.define(code, f, a)
			if d == nil {
				return fmt.Errorf("countries: aliases line %d: %q has no word", n+1, a)
			}
			d.line = n + 1
			key := strings.Join(d.words, " ")
			if old, ok := b.defs[key]; ok && old.line != 0 && old.line != d.line && !old.dropped {
				return fmt.Errorf("countries: aliases line %d: %q is already defined", n+1, a)
			}
			b.put(key, d)
		}
	}
	return nil
}

// inflectDemonym returns a French masculine singular demonym with its
// feminine and plural forms: américain(e)(s), chinois(e)(s),
// norvégien(ne)(s), britannique(s).
func inflectDemonym(m string) []string {
	switch {
	case strings.HasSuffix(m, "e"):
		return []string{m, m + "s"}
	case strings.HasSuffix(m, "s"), strings.HasSuffix(m, "x"):
		return []string{m, m + "e", m + "es"}
	case strings.HasSuffix(m, "en"), strings.HasSuffix(m, "on"):
		return []string{m, m + "ne", m + "s", m + "nes"}
	}
	return []string{m, m + "e", m + "s", m + "es"}
}

// build turns the definitions into the trie and the edge-word sets.
func (b *builder) build() {
	for _, key := range b.keys {
		d := b.defs[key]
		if d.dropped {
			continue
		}
		ent := d.ent
		if b.lookupOnly[ent.code] {
			ent.flags |= entryLookup
		}
		children := &b.c.root
		var n *node
		for _, w := range d.words {
			if *children == nil {
				*children = make(map[string]*node, 2)
			}
			n = (*children)[w]
			if n == nil {
				n = &node{}
				(*children)[w] = n
			}
			children = &n.next
		}
		n.ent = &ent
		if w := d.words[0]; len(w) < 64 {
			b.c.rootShape[w[0]] |= 1 << len(w)
		}
		if ent.code != "" && ent.flags&entryLookup == 0 {
			b.c.edges[d.words[0]] |= edgeStart
			b.c.edges[d.words[len(d.words)-1]] |= edgeEnd
		}
	}
}

func (c *Matcher) getScratch() *scratch {
	s := c.pool.Get().(*scratch)
	s.toks, s.buf, s.cands, s.found, s.codes = s.toks[:0], s.buf[:0], s.cands[:0], s.found[:0], s.codes[:0]
	return s
}

// tokenize splits text into words (letters, digits and combining marks),
// folds them to lowercase without diacritics into s.buf, records their
// capitalisation and the kind of separator that follows each. An
// uppercase letter followed by a lowercase one after a lowercase letter or
// two capitals splits a word ("FranceEn", "ÉTATS-UNISLes": OrangeSum's
// glued paragraphs); dotted capitals (U.S.A.) become one word.
func (c *Matcher) tokenize(text string, s *scratch) {
	toks, buf := s.toks[:0], s.buf[:0]
	in := false
	prevLower := false
	upperRun := 0 // uppercase letters just before, in this word
	var cur token
	for i := 0; i < len(text); {
		// Fast paths: a run of lower-case ASCII letters inside a word, a
		// run of ASCII blanks and punctuation outside one.
		if c := text[i]; in && 'a' <= c && c <= 'z' {
			j := i + 1
			for j < len(text) && 'a' <= text[j] && text[j] <= 'z' {
				j++
			}
			buf = append(buf, text[i:j]...)
			cur.letters += int16(j - i)
			cur.allCaps = false
			prevLower, upperRun = true, 0
			i = j
			continue
		} else if !in && c < utf8.RuneSelf && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			i++
			continue
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if !fold.IsWordRune(r) {
			if in {
				cur.end, cur.fe = int32(i), int32(len(buf))
				toks = append(toks, cur)
				in = false
			}
			i += size
			continue
		}
		upper := r < utf8.RuneSelf && 'A' <= r && r <= 'Z' || r >= utf8.RuneSelf && unicode.IsUpper(r)
		if in && upper && (prevLower || upperRun >= 2) && nextRuneStartsWord(text[i+size:]) {
			cur.end, cur.fe = int32(i), int32(len(buf))
			toks = append(toks, cur)
			in = false
		}
		if !in {
			in = true
			upperRun = 0
			cur = token{start: int32(i), fs: int32(len(buf)), initial: upper, allCaps: true}
		}
		lower := false
		switch {
		case r < utf8.RuneSelf:
			if upper {
				r += 'a' - 'A'
			} else if r >= 'a' {
				lower = true
			}
			if r >= 'a' {
				cur.letters++
			}
			buf = append(buf, byte(r))
		case unicode.Is(unicode.Mn, r):
		default:
			if unicode.IsLetter(r) {
				cur.letters++
				lower = !upper
			}
			buf = fold.AppendLowerRune(buf, r)
		}
		if lower {
			cur.allCaps = false
		}
		prevLower = lower
		if upper {
			upperRun++
		} else {
			upperRun = 0
		}
		i += size
	}
	if in {
		cur.end, cur.fe = int32(len(text)), int32(len(buf))
		toks = append(toks, cur)
	}
	// Separators, and dotted capitals merged into one word.
	out := toks[:0]
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		if t.letters == 1 && t.allCaps {
			// Dotted capitals: the folded letters are adjacent in buf.
			for k+1 < len(toks) && toks[k+1].letters == 1 && toks[k+1].allCaps &&
				toks[k+1].end-toks[k+1].start == 1 && text[t.end:toks[k+1].start] == "." {
				t.end, t.fe = toks[k+1].end, toks[k+1].fe
				t.letters++
				k++
			}
		}
		t.after = sepBreak
		if k+1 < len(toks) {
			t.after = classifySeparator(text[t.end:toks[k+1].start])
		}
		out = append(out, t)
	}
	s.toks, s.buf = out, buf
}

// nextRuneStartsWord reports whether s starts with a lowercase letter or
// an apostrophe: after an uppercase letter, the rest of a word ("En",
// "L'").
func nextRuneStartsWord(s string) bool {
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r) || fold.IsApostrophe(r)
}

// classifySeparator tells what lies between two words: blanks (one
// apostrophe allowed: "d’ Ivoire"), a single hyphen, nothing, or a break.
func classifySeparator(g string) uint8 {
	if g == "" {
		return sepGlue
	}
	if g == "-" || g == "\u2010" || g == "\u2011" {
		return sepHyphen
	}
	apostrophes := 0
	for _, r := range g {
		switch {
		case fold.IsApostrophe(r):
			apostrophes++
		case r == '\n' || r == '\r':
			return sepBreak
		case r == ' ' || r == '\t' || r == '\u00A0' || r == '\u202F' || unicode.Is(unicode.Zs, r):
		default:
			return sepBreak
		}
	}
	if apostrophes > 1 {
		return sepBreak
	}
	return sepSpace
}

// Find returns the sorted, distinct ISO 3166-1 alpha-2 codes of the
// countries text names, following the rule documented on [Matcher]. It
// returns nil when text names none.
func (c *Matcher) Find(text string) []string {
	s := c.getScratch()
	defer c.pool.Put(s)
	c.scan(text, s)
	if len(s.found) == 0 {
		return nil
	}
	for _, f := range s.found {
		s.codes = append(s.codes, f.code)
	}
	slices.Sort(s.codes)
	return slices.Clone(slices.Compact(s.codes))
}

// Mentions is [Matcher.Find] with the number of times text names each
// country; nil when it names none. A long text is read a piece at a time
// (see package chunk); Mentions returns ctx's error, and the counts so
// far, when ctx ends first.
func (c *Matcher) Mentions(ctx context.Context, text string) (map[string]int, error) {
	var out map[string]int
	err := chunk.Each(ctx, text, func(piece string) {
		s := c.getScratch()
		defer c.pool.Put(s)
		c.scan(piece, s)
		for _, f := range s.found {
			if out == nil {
				out = make(map[string]int, 4)
			}
			out[f.code]++
		}
	})
	return out, err
}

// scan fills s.found with the country names of text, in text order.
func (c *Matcher) scan(text string, s *scratch) {
	c.tokenize(text, s)
	toks := s.toks
	for i := 0; i < len(toks); {
		w := s.buf[toks[i].fs:toks[i].fe]
		if len(w) == 0 || len(w) >= 64 || c.rootShape[w[0]]&(1<<len(w)) == 0 {
			i++ // no country name starts with a word of this first byte and length
			continue
		}
		n := c.root[string(w)]
		if n == nil {
			i++
			continue
		}
		cands := s.cands[:0]
		for j := i; ; {
			if n.ent != nil {
				cands = append(cands, cand{end: j + 1, ent: n.ent})
			}
			if n.next == nil || j+1 >= len(toks) || toks[j].after == sepBreak {
				break
			}
			j++
			if n = n.next[string(s.buf[toks[j].fs:toks[j].fe])]; n == nil {
				break
			}
		}
		s.cands = cands
		next := i + 1
		for k := len(cands) - 1; k >= 0; k-- {
			if c.accept(text, s, i, cands[k].end, cands[k].ent) {
				if code := cands[k].ent.code; code != "" {
					s.found = append(s.found, span{int(toks[i].start), int(toks[cands[k].end-1].end), code})
				}
				next = cands[k].end
				break
			}
		}
		i = next
	}
}

// accept checks the words [i, end) against e's constraints.
func (c *Matcher) accept(text string, s *scratch, i, end int, e *entry) bool {
	if e.code == "" {
		return true // blockers consume their words whatever the case
	}
	if e.flags&entryLookup != 0 {
		return false
	}
	toks := s.toks
	if e.flags&entryCase != 0 {
		for k, spec := range e.spec {
			t := toks[i+k]
			if spec == caseInitial && !t.initial || spec == caseAll && !t.allCaps {
				return false
			}
		}
	}
	if e.flags&entryPrefix != 0 && (toks[end-1].after != sepHyphen || end >= len(toks)) {
		return false
	}
	joinedPrev := i > 0 && toks[i-1].after != sepBreak
	joinedNext := end < len(toks) && toks[end-1].after != sepBreak
	if e.flags&(entryDem|entryAbbr) != 0 {
		if joinedPrev && c.wordClass(s, i-1)&wordCurrency != 0 || joinedNext && c.wordClass(s, end)&wordCurrency != 0 {
			return false
		}
	}
	if e.flags&entryDem != 0 && !toks[i].initial && c.languageName(s, i, e.flags&entryLang != 0) {
		return false
	}
	if e.flags&entryAbbr != 0 && (c.shouted(s, i, end) || nearDollar(text, toks, i, end)) {
		return false
	}
	if e.flags&entryAlone != 0 && c.inProperName(s, i, end, e.flags&entryDem != 0) {
		return false
	}
	return true
}

// languageName reports whether the demonym at word i names a language: a
// masculine singular after a cue, maybe through a few skipped words ("en
// anglais", "parler le russe"), or any form right after "langue" ("la
// langue française").
func (c *Matcher) languageName(s *scratch, i int, masculine bool) bool {
	for k := i - 1; k >= max(0, i-4) && s.toks[k].after != sepBreak; k-- {
		cl := c.wordClass(s, k)
		w := s.buf[s.toks[k].fs:s.toks[k].fe]
		switch {
		case cl&wordLangCue != 0 && (masculine || k == i-1 && strings.HasPrefix(string(w), "langue")):
			return true
		case !masculine || cl&wordLangSkip == 0:
			return false
		}
	}
	return false
}

func (c *Matcher) wordClass(s *scratch, k int) uint8 {
	t := s.toks[k]
	return c.words[string(s.buf[t.fs:t.fe])]
}

// inProperName reports whether the name [i, end) is joined to a capitalised
// word that is neither a function word nor part of a country name. Are
// not such words: a word that starts a sentence, unless hyphenated to the
// name ("Tensions Etats-Unis / Iran", but "Météo-France"); an abbreviation
// hyphenated to the name ("UE-Russie"); a person's name after a name
// introduced by de, du, des, en, au or aux ("le président des Etats-Unis
// Donald Trump", "le roi d'Espagne Juan Carlos"); a word glued after the
// name (a glued paragraph: "en EspagneProfitant"); words in capitals next
// to a name in capitals ("LA CHINE ACCUSÉE").
func (c *Matcher) inProperName(s *scratch, i, end int, dem bool) bool {
	toks := s.toks
	shouted := true
	for k := i; k < end; k++ {
		shouted = shouted && toks[k].allCaps && toks[k].letters >= 2
	}
	nameWord := func(k int, edge uint8) bool {
		return !(shouted && toks[k].allCaps) && c.isNameWord(s, k, edge)
	}
	if i > 0 && toks[i-1].after != sepBreak && nameWord(i-1, edgeEnd) {
		p := toks[i-1]
		switch {
		case p.after == sepHyphen && p.allCaps && p.letters >= 2:
		case p.after == sepSpace && (i-1 == 0 || toks[i-2].after == sepBreak || toks[i-2].after == sepGlue):
		default:
			return true
		}
	}
	if i >= 2 && ofWords[string(s.buf[toks[i-1].fs:toks[i-1].fe])] && toks[i-1].after != sepBreak && toks[i-2].after == sepSpace &&
		toks[i-2].initial && !toks[i-2].allCaps && !shouted && c.isNameWord(s, i-2, 0) && !cardinalPoints[string(s.buf[toks[i-2].fs:toks[i-2].fe])] &&
		i-2 > 0 && toks[i-3].after != sepBreak && toks[i-3].after != sepGlue {
		return true // "la Banque de France", "Villes de France"
	}
	if end < len(toks) && (toks[end-1].after == sepSpace || toks[end-1].after == sepHyphen) && nameWord(end, edgeStart) &&
		!(dem && toks[end-1].after == sepSpace && (c.wordClass(s, end)&wordTitle != 0 || i > 0 && toks[i-1].after == sepHyphen || personAfter(s, end))) {
		person := toks[end-1].after == sepSpace && c.introduced(s, i, end) &&
			end+1 < len(toks) && toks[end].after == sepSpace && c.isNameWord(s, end+1, 0)
		if !person {
			return true
		}
	}
	return false
}

// personAfter reports whether the words from k look like a person's first
// and last names: two capitalised words (not in capitals) joined by a
// space, not followed by a third ("Australian Samantha Stosur beat").
func personAfter(s *scratch, k int) bool {
	toks := s.toks
	if k+1 >= len(toks) || toks[k].after != sepSpace {
		return false
	}
	for _, t := range toks[k : k+2] {
		if !t.initial || t.allCaps || t.letters < 2 {
			return false
		}
	}
	if orgWords[string(s.buf[toks[k+1].fs:toks[k+1].fe])] {
		return false // "American Enterprise Institute"
	}
	return k+2 >= len(toks) || toks[k+1].after != sepSpace || !toks[k+2].initial
}

// ofWords join a name to the country it is of: "Banque de France".
var ofWords = map[string]bool{"de": true, "du": true, "des": true, "d": true}

// cardinalPoints are capitalised in "la côte Est des États-Unis".
var cardinalPoints = map[string]bool{"est": true, "ouest": true, "nord": true, "sud": true, "centre": true}

// orgWords end the names of organisations, not of persons.
var orgWords = map[string]bool{"institute": true, "institution": true, "airlines": true, "airways": true, "express": true,
	"bank": true, "association": true, "corporation": true, "company": true, "group": true, "motors": true,
	"oil": true, "steel": true, "telecom": true, "railways": true, "league": true, "federation": true,
	"union": true, "party": true, "society": true, "council": true, "foundation": true, "university": true,
	"college": true, "museum": true, "open": true, "cup": true, "championship": true, "championships": true}

// introduced reports whether the name [i, end) starts with or follows
// de, du, des, d', en, au or aux, possibly with an article between ("de
// la Guinée équatoriale").
func (c *Matcher) introduced(s *scratch, i, end int) bool {
	if c.wordClass(s, i)&wordLocative != 0 && end-i > 1 {
		return true
	}
	for k := i - 1; k >= max(0, i-2) && s.toks[k].after != sepBreak; k-- {
		cl := c.wordClass(s, k)
		if cl&wordLocative != 0 {
			return true
		}
		if cl&wordFunction == 0 {
			return false
		}
	}
	return false
}

// isNameWord reports whether word k is capitalised and neither a function
// word nor, with edge, the first or last word of a country name.
func (c *Matcher) isNameWord(s *scratch, k int, edge uint8) bool {
	t := s.toks[k]
	if !t.initial {
		return false
	}
	w := string(s.buf[t.fs:t.fe])
	return c.words[w]&wordFunction == 0 && c.edges[w]&edge == 0
}

// shouted reports whether most words around [i, end), up to three on each
// side within the same sentence, are in capitals too ("L'EAU DE PLUIE"): an
// abbreviation only stands out in mixed case.
func (c *Matcher) shouted(s *scratch, i, end int) bool {
	caps, other := 0, 0
	count := func(t token) {
		switch {
		case t.letters < 2:
		case t.allCaps:
			caps++
		default:
			other++
		}
	}
	for k := i - 1; k >= max(0, i-3) && s.toks[k].after != sepBreak; k-- {
		count(s.toks[k])
	}
	for k := end; k < min(len(s.toks), end+3) && s.toks[k-1].after != sepBreak; k++ {
		count(s.toks[k])
	}
	return caps >= 2 && caps > other
}

// nearDollar reports a "$" right before or after the words ("$US", "US$").
func nearDollar(text string, toks []token, i, end int) bool {
	lo, hi := toks[i].start, toks[end-1].end
	if i > 0 && strings.Contains(text[toks[i-1].end:lo], "$") || i == 0 && strings.Contains(text[:lo], "$") {
		return true
	}
	if end < len(toks) {
		return strings.Contains(text[hi:toks[end].start], "$")
	}
	return strings.Contains(text[hi:], "$")
}

// Lookup resolves what a user typed to a country code: an ISO 3166-1
// alpha-2 code in any case ("NO", "no"; an ISO code wins, so "RU" is
// Russia), an alpha-3 code in capitals ("NOR"), or a French or English
// name, short form or demonym in any case, with or without accents
// ("Norvège", "norvege", "Norway", "royaume-uni", "UK", "USA"). It reports
// false for anything else, including continents ("Europe") and ambiguous
// names ("Congo").
func (c *Matcher) Lookup(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if len(name) == 2 && isASCIILetter(name[0]) && isASCIILetter(name[1]) {
		if up := strings.ToUpper(name); c.codes[up] {
			return up, true
		}
	}
	if code, ok := c.lookupName(name); ok {
		return code, true
	}
	if i := strings.IndexByte(name, '('); i > 0 {
		if code, ok := c.lookupName(name[:i]); ok {
			return code, true // "Myanmar (Birmanie)"
		}
	}
	if len(name) == 3 && strings.ToUpper(name) == name {
		if r, err := language.ParseRegion(name); err == nil && c.codes[r.String()] {
			return r.String(), true
		}
	}
	return "", false
}

// MayStart reports whether a country name, alias or demonym may start
// with word (folded to lower case without accents, as fold.Lower does):
// false lets a caller skip [Matcher.Lookup].
func (c *Matcher) MayStart(word string) bool {
	_, ok := c.root[word]
	return ok
}

// lookupName resolves name when its words are exactly those of a name,
// whatever the case and separators.
func (c *Matcher) lookupName(name string) (string, bool) {
	s := c.getScratch()
	defer c.pool.Put(s)
	c.tokenize(name, s)
	if len(s.toks) == 0 {
		return "", false
	}
	children := c.root
	var n *node
	for _, t := range s.toks {
		if n = children[string(s.buf[t.fs:t.fe])]; n == nil {
			return "", false
		}
		children = n.next
	}
	if n.ent == nil || n.ent.code == "" {
		return "", false
	}
	return n.ent.code, true
}

func isASCIILetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// Name returns the French name of an ISO 3166-1 alpha-2 code ("GB"
// gives "Royaume-Uni", "NO" "Norvège", "US" "États-Unis"), as CLDR spells
// it except for a few official or usual short names (Hong Kong, Macédoine
// du Nord, Eswatini). The code may be in any case. For anything that is
// not such a code it returns code unchanged.
func Name(code string) string {
	if len(code) != 2 || !isASCIILetter(code[0]) || !isASCIILetter(code[1]) {
		return code
	}
	r, err := language.ParseRegion(code)
	if err != nil || !isISORegion(r) {
		return code
	}
	switch r.String() {
	case "HK":
		return "Hong Kong"
	case "MO":
		return "Macao"
	case "MK":
		return "Macédoine du Nord"
	case "SZ":
		return "Eswatini"
	case "PS":
		return "Palestine"
	case "VA":
		return "Vatican"
	case "BN":
		return "Brunei"
	case "FM":
		return "Micronésie"
	}
	if name := display.Regions(language.French).Name(r); name != "" {
		return name
	}
	return code
}
