package companies

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"veille/analyzers/countries"
	"veille/corpus/fold"
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
	names     []string             // canonical names, by id
	aliases   map[string]aliasInfo // folded tokens joined by ' ' → alias
	firstMax  map[string]int       // first folded token → longest alias starting with it
	rejects   map[string]bool      // folded non-company names
	heads     map[string]bool      // folded words that cannot start a firm's name
	first     map[string]bool      // folded first names
	places    map[string]bool      // folded place names
	countries *countries.Matcher
	tokens    sync.Pool // *[]token buffers reused by Find
}

// aliasInfo is one gazetteer alias.
type aliasInfo struct {
	id        int32    // index in names; -1: a non-company name
	ambiguous bool     // "~": needs company context
	upper     bool     // first content word must be capitalised in the text
	capsMask  uint16   // bit i: token i must be written in capitals
	exact     []string // "=": tokens as they must be written
	words     int      // number of word tokens
	implicit  bool     // the canonical name standing as its own alias
}

// New builds the company finder from the embedded gazetteer plus
// optional extra gazetteer data in the same format (nil for none), whose
// entries override embedded ones with the same alias. places tells
// countries from firms (nil: a matcher of its own). Errors wrap
// [ErrGazetteer] for malformed data, or are the reader's errors.
func New(extra io.Reader, places *countries.Matcher) (*Finder, error) {
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
	}
	if err := c.load(strings.NewReader(embeddedGazetteer), "embedded"); err != nil {
		return nil, err
	}
	if extra != nil {
		if err := c.load(extra, "extra"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// load reads gazetteer data in the format documented in data/companies.txt.
func (c *Finder) load(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	section := "companies"
	canonIDs := make(map[string]int32)
	for i, n := range c.names {
		canonIDs[n] = int32(i)
	}
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
			case "companies", "not-companies", "not-company-heads", "first-names", "places":
			default:
				return fmt.Errorf("%w: %s line %d: unknown section %q", ErrGazetteer, name, line, section)
			}
			continue
		}
		var err error
		switch section {
		case "companies":
			err = c.addCompany(s, canonIDs)
		case "not-companies":
			for _, a := range splitBar(s) {
				if err = c.addAlias(a, -1, false); err != nil {
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
func (c *Finder) addCompany(s string, canonIDs map[string]int32) error {
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
	id, ok := canonIDs[canon]
	if !ok {
		id = int32(len(c.names))
		c.names = append(c.names, canon)
		canonIDs[canon] = id
	}
	if matchCanon {
		if err := c.addAlias(canon, id, true); err != nil {
			return err
		}
	}
	for _, a := range parts[1:] {
		if err := c.addAlias(a, id, false); err != nil {
			return err
		}
	}
	return nil
}

// addAlias registers one alias (with its optional ~ or = marker) for id.
func (c *Finder) addAlias(a string, id int32, implicit bool) error {
	info := aliasInfo{id: id}
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

// ---------------------------------------------------------------------
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
	upper      bool // starts with an upper-case letter
	caps       bool // has letters, all upper case
	digit      bool // starts with a digit
	sym        bool // '&' or '+'
	sent       bool // opens a sentence
	gap        gapKind
}

// soft reports whether t is joined to the previous token within a name.
func (t *token) soft() bool {
	return t.gap <= gapDot && !t.sent
}

// tokenize splits text into tokens with byte offsets, folded forms,
// capitalisation and the kind of gap before each token.
func tokenize(text string) []token { return tokenizeInto(nil, text) }

// tokenizeInto is [tokenize] appending to toks.
func tokenizeInto(toks []token, text string) []token {
	if toks == nil {
		toks = make([]token, 0, len(text)/5+4)
	}
	var folds []byte // folded forms of the tokens that need folding
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
	return toks
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

// ---------------------------------------------------------------------
// Word lists used by the rules. They are read-only.

var (
	articles = setOf("le", "la", "les", "l")
	civility = setOf("m", "mme", "mmes", "mlle", "me", "mm", "dr", "pr", "mr", "mrs", "ms", "sir", "lord")
	// Words before a surname that make it a person.
	personBefore = setOf("famille", "familles", "clan", "veuve", "epoux", "epouse", "freres", "soeurs", "heritiers", "dynastie", "general", "marechal", "abbe", "pere", "saint", "sainte", "docteur", "professeur", "maitre", "madame", "monsieur")
	// Bare nouns that describe a firm named just before a comma.
	appositionNouns = setOf("filiale", "fabricant", "equipementier", "maison-mere", "operateur",
		"distributeur", "constructeur", "assureur")
	// Possessive determiners: "son groupe" is rarely a firm.
	possessiveDet = setOf("son", "sa", "ses", "leur", "leurs", "mon", "ma", "notre", "votre")
	// Roles whose holder is named after "du groupe", "de la société".
	roles = setOf("pdg", "patron", "patronne", "president", "presidente", "directeur", "directrice",
		"fondateur", "fondatrice", "dirigeant", "dirigeante", "parole", "ceo", "chef", "responsable",
		"administrateur", "administratrice", "gerant", "gerante", "salarie", "salariee", "numero", "boss",
		"vice-president", "cofondateur", "cofondatrice", "associe", "associee", "economiste", "analyste")
	// Cue nouns announcing a firm's name. Plural forms announce lists.
	cueNouns = setOf(
		"societe", "groupe", "constructeur", "compagnie", "banque", "startup", "geant", "entreprise",
		"fabricant", "operateur", "editeur", "distributeur", "assureur", "laboratoire", "labo", "fonds",
		"equipementier", "specialiste", "firme", "enseigne", "holding", "filiale", "cabinet", "petrolier",
		"gazier", "energeticien", "electricien", "avionneur", "motoriste", "siderurgiste", "chimiste",
		"verrier", "joaillier", "brasseur", "cimentier", "armateur", "transporteur", "loueur", "voyagiste",
		"parfumeur", "industriel", "conglomerat", "cooperative", "mutuelle", "cristallerie", "repreneur", "fournisseur", "prestataire", "pure",
		"biotech", "licorne", "negociant", "courtier", "hebergeur", "chausseur", "semencier",
		"confiseur", "volailler", "fromager", "laitier", "papetier", "imprimeur",
		"sous-traitant", "constructeurs", "societes", "groupes", "compagnies", "banques", "startups",
		"geants", "entreprises", "fabricants", "operateurs", "editeurs", "distributeurs", "assureurs",
		"laboratoires", "equipementiers", "firmes", "enseignes", "petroliers", "repreneurs", "fournisseurs", "biotechs", "filiales", "cabinets", "loueurs",
	)
	// Modifiers after a cue that make it about something else than a
	// firm: "le groupe de rock", "la banque centrale".
	cueVeto = setOf("rock", "musique", "musical", "pop", "rap", "jihadiste", "djihadiste", "terroriste",
		"arme", "armes", "parlementaire", "politique", "rebelle", "rebelles", "islamiste", "hackers", "pirates",
		"amis", "travail", "experts", "pression", "opposition", "centrale", "mondiale", "alimentaire",
		"donnees", "sang", "organes", "danse", "theatre", "theatrale", "ballet", "cirque", "republicaine",
		"socialiste", "communiste", "ecologiste", "centriste", "majoritaire", "reflexion",
		"scolaire", "hospitalier", "recherche", "medecin", "specialistes",
		"solidarite", "souverain", "vautour", "musicaux", "criminel", "mafieux", "ethnique", "sanguin",
		"chanteur", "chanteuse", "comedien", "acteur", "realisateur")
	// Lowercase words that end the modifiers after a cue.
	stopWords = setOf("a", "au", "aux", "est", "sont", "ont", "avait", "etait", "sera", "va", "vont",
		"qui", "que", "qu", "dont", "ou", "et", "mais", "donc", "or", "ni", "car", "le", "la", "les",
		"un", "une", "ce", "cette", "ces", "son", "sa", "ses", "leur", "leurs", "il", "elle", "ils",
		"elles", "on", "se", "s", "y", "ne", "n", "pas", "plus", "par", "pour", "avec", "sur", "dans",
		"chez", "entre", "vers", "sans", "sous", "lors", "depuis", "selon", "comme", "si", "aussi",
		"deja", "encore", "tres", "tout", "tous", "toute", "toutes", "ainsi", "alors", "c", "j", "me",
		"lui", "nous", "vous", "je", "tu", "meme", "cela", "ca", "apres", "avant", "pendant", "contre")
	// Connectors that may join the words of a name.
	nameJoin = setOf("de", "du", "des", "d", "of", "and")
	// Trigger nouns of "TRIGGER de X": the firm X.
	possessive = setOf("pdg", "p-dg", "salaries", "employes", "actionnaires", "actionnaire", "filiale",
		"filiales", "maison-mere", "rachat", "conseil")
	// Capitalised words that open sentences or clauses, never names.
	capStop = setOf("le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "en", "dans", "pour", "par",
		"sur", "selon", "mais", "et", "ou", "donc", "car", "ce", "cette", "ces", "cet", "il", "elle", "ils",
		"elles", "on", "nous", "vous", "je", "depuis", "apres", "avant", "lors", "pendant", "chez", "sans",
		"sous", "vers", "ainsi", "alors", "enfin", "puis", "pourtant", "toutefois", "cependant", "desormais",
		"aujourd", "hier", "demain", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
		"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
		"novembre", "decembre", "au", "aux", "a", "avec", "si", "quand", "comme", "son", "sa", "ses",
		"leur", "leurs", "notre", "nos", "votre", "vos", "mon", "ma", "mes", "tout", "tous", "toute",
		"toutes", "plus", "moins", "tres", "fin", "debut", "mi", "outre", "face", "grace", "malgre",
		"entre", "parmi", "contre", "aussi", "encore", "deja", "certes", "enfin", "bref", "ici", "la",
		"oui", "non", "seul", "seule", "seuls", "autre", "autres", "chaque", "plusieurs", "certains",
		"certaines", "quelque", "quelques", "cela", "ceci", "ca", "celui", "celle", "ceux", "qui", "que",
		"quoi", "dont", "ou", "ni", "comment", "pourquoi", "combien", "voici", "voila", "of", "the", "and",
		"fonde", "fondee", "cree", "creee", "lance", "lancee", "base", "basee", "situe", "situee", "ne",
		"selon", "jusqu", "afin", "lorsque", "puisque", "tandis", "bien", "mme", "m", "me", "dr", "pdg")
	// Legal-form suffixes removed from discovered names; the marked ones
	// also reveal a firm when they follow a capitalised name.
	legalSuffix = map[string]bool{"sa": true, "sas": true, "sasu": true, "sarl": true, "sca": true, "ltd": true,
		"limited": true, "inc": true, "incorporated": true, "corp": true, "gmbh": true, "ag": true, "plc": true,
		"nv": true, "bv": true, "spa": true, "llc": true, "llp": true, "holding": true, "holdings": true,
		"group": true, "groupe": false, "se": false, "co": false, "corporation": false, "cie": false}
	// Business words that vouch for an ambiguous alias in the same sentence.
	businessWords = setOf("pdg", "patron", "patronne", "dirigeant", "dirigeants", "directeur", "directrice",
		"fondateur", "fondateurs", "actionnaire", "actionnaires", "action", "actions", "bourse", "cac", "chiffre",
		"benefice", "benefices", "perte", "pertes", "filiale", "filiales", "groupe", "operateur", "operateurs",
		"abonnes", "abonnements", "clients", "salaries", "employes", "milliard", "milliards", "million", "millions",
		"euros", "dollars", "rachat", "racheter", "rachete", "fusion", "contrat", "societe", "entreprise",
		"usine", "usines", "magasin", "magasins", "hypermarches", "supermarches", "hypermarche", "supermarche",
		"enseigne", "telecoms", "telephonie", "petrolier", "petroliere", "raffinerie", "carburants", "marque",
		"concurrent", "concurrents", "investissement", "investit", "partenariat", "cession", "capital",
		"dividende", "resultats", "licenciements", "industriel", "ventes", "forfait", "forfaits", "fibre",
		"distribution", "distributeur", "rentabilite", "semestre", "trimestre", "cotee", "constructeur",
		"fournisseur", "commandes", "livraisons", "facture", "factures", "offre", "offres")
	// Nouns that make the next capitalised word a place name.
	placeNouns = setOf("quartier", "rue", "place", "avenue", "boulevard", "cite", "gare", "stade", "village",
		"ville", "commune", "port", "pont", "salle", "route", "plage", "canal", "riviere", "fleuve", "lac", "mont",
		"vallee", "foret", "parc", "ile", "residence", "allee", "quai", "impasse", "chemin", "station", "aeroport",
		"tour", "musee", "chateau", "hotel", "cathedrale", "eglise", "abbaye", "universite", "region", "departement")
	// Places a name cannot end with when discovered ("Timac Agro France").
	trailingPlaces = setOf("france", "uk", "usa", "us", "europe", "deutschland", "italia", "espana",
		"international", "belgique", "suisse", "canada", "australia", "australie", "japan", "japon",
		"china", "chine", "inde", "india", "benelux", "emea", "iberia", "allemagne", "espagne", "italie")
)

// allDigits reports whether a token has digits only.
func allDigits(t *token) bool { return strings.Trim(t.fold, "0123456789") == "" }

// setOf builds a read-only set.
func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// ---------------------------------------------------------------------
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

// Find returns the distinct canonical names of the companies text names,
// in order of first appearance. It never returns empty names.
func (c *Finder) Find(text string) []string {
	if text == "" {
		return nil
	}
	buf, _ := c.tokens.Get().(*[]token)
	if buf == nil {
		buf = new([]token)
	}
	toks := tokenizeInto((*buf)[:0], text)
	defer func() {
		*buf = toks[:0]
		c.tokens.Put(buf)
	}()
	if len(toks) == 0 {
		return nil
	}
	covered := make([]bool, len(toks))
	matches := c.matchGazetteer(text, toks, covered)
	cueAt := make([]bool, len(toks))
	var spans [][2]int
	spans = c.findCues(toks, cueAt, spans)
	spans = c.findSuffixed(toks, spans)
	spans = c.findAppositions(toks, spans)
	spans = c.findPossessives(toks, spans)

	// Gazetteer matches, with context for ambiguous aliases.
	sure := make(map[int32]bool)
	for _, m := range matches {
		if m.info.id >= 0 && !m.info.ambiguous {
			sure[m.info.id] = true
		}
	}
	var found []mention
	for _, m := range matches {
		if m.info.id < 0 {
			continue
		}
		if m.info.words == 1 && c.isPersonContext(toks, m.i) {
			continue
		}
		if m.i > 0 && !toks[m.i].sent && (toks[m.i].gap == gapHyphen || toks[m.i].gap == gapNone) &&
			(toks[m.i-1].upper || toks[m.i-1].digit) && !covered[m.i-1] {
			// Part of a compound name: "AP-HP".
			continue
		}
		if m.info.ambiguous && !cueAt[m.i] && !sure[m.info.id] && !c.businessContext(toks, m.i, m.n) {
			continue
		}
		found = append(found, mention{pos: m.i, name: c.names[m.info.id]})
	}

	// Discovered names.
	var discovered []mention
	for _, sp := range spans {
		if name, ok := c.discoveredName(text, toks, covered, sp[0], sp[1]); ok {
			discovered = append(discovered, mention{pos: sp[0], name: name})
		}
	}
	if len(discovered) > 0 {
		found = append(found, c.firstPositions(text, toks, discovered)...)
	}
	return orderDistinct(found)
}

// matchGazetteer finds gazetteer aliases, longest first, left to right,
// and marks the tokens they cover.
func (c *Finder) matchGazetteer(text string, toks []token, covered []bool) []gazMatch {
	var out []gazMatch
	buf := make([]byte, 0, 64)
	for i := 0; i < len(toks); {
		maxN := c.firstMax[toks[i].fold]
		if maxN == 0 {
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
			if !ok || !aliasFits(text, toks[i:i+n], info) {
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
	if t.gap != gapSpace && t.gap != gapHyphen && t.gap != gapDot && !(t.gap == gapBreak && civility[p.fold]) {
		return false
	}
	if p.upper && c.first[p.fold] {
		return true
	}
	if civility[p.fold] && (p.upper || p.fold == "me") {
		return true
	}
	return personBefore[p.fold]
}

// businessContext reports whether an ambiguous alias at tokens [i, i+n)
// stands in a business sentence, not at its start and not after "à".
func (c *Finder) businessContext(toks []token, i, n int) bool {
	if toks[i].sent {
		return false
	}
	if i > 0 && (toks[i-1].fold == "a" || toks[i-1].fold == "vers" || placeNouns[toks[i-1].fold]) && toks[i].gap == gapSpace {
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
		if businessWords[toks[k].fold] {
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
		if businessWords[toks[k].fold] {
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
		case cueNouns[f]:
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
		if f == "groupe" && i > 0 && possessiveDet[toks[i-1].fold] {
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
	return k >= 0 && roles[toks[k].fold]
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
			return j, m == 0 || !placeNouns[toks[j-1].fold]
		}
		if t.sym {
			return j, false
		}
		if cueVeto[t.fold] {
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
		if stopWords[t.fold] {
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
// starting at j, or j when no name starts there.
func nameEnd(toks []token, j int) int {
	if !startsName(toks, j) {
		return j
	}
	end := j + 1
	for end < len(toks) && end-j < maxNameTokens {
		t := &toks[end]
		if !t.soft() {
			break
		}
		switch {
		case t.upper || t.digit && toks[end-1].upper:
			end++
		case t.sym && end+1 < len(toks) && toks[end+1].upper && toks[end+1].soft():
			end += 2
		case nameJoin[t.fold] && end+1 < len(toks) && toks[end+1].upper && toks[end+1].soft():
			end += 2
		default:
			return end
		}
	}
	if end-j > maxNameTokens {
		end = j + maxNameTokens
	}
	return end
}

// findSuffixed finds capitalised names followed by a legal suffix ("Foo
// Bar Holdings Ltd", "Shogun Investments LLC").
func (c *Finder) findSuffixed(toks []token, spans [][2]int) [][2]int {
	for i := 1; i < len(toks); i++ {
		t := &toks[i]
		if !legalSuffix[t.fold] || !t.soft() || !isSuffixForm(t) {
			continue
		}
		start := nameStartBackward(toks, i)
		if start < i {
			end := i + 1
			for end < len(toks) && legalSuffix[toks[end].fold] && toks[end].soft() && isSuffixForm(&toks[end]) {
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
		case (t.sym || nameJoin[t.fold]) && k > 0 && toks[k-1].upper && start == k+1:
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
		if appositionNouns[f] && toks[i].gap == gapComma && i+1 < len(toks) && !toks[i].upper &&
			(toks[i+1].fold == "de" || toks[i+1].fold == "d" || toks[i+1].fold == "du" || toks[i+1].fold == "des" || !toks[i+1].upper && !stopWords[toks[i+1].fold]) {
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
		if !cueNouns[toks[k].fold] && !(toks[k].fold == "start" && k+1 < len(toks) && toks[k+1].fold == "up") {
			if k+1 < len(toks) && cueNouns[toks[k+1].fold] && !toks[k].upper && !stopWords[toks[k].fold] {
				k++
			} else {
				continue
			}
		}
		if toks[k].upper || cueVeto[toks[k].fold] || k+1 < len(toks) && cueVeto[toks[k+1].fold] {
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
		} else if !possessive[toks[i].fold] || toks[i].upper && toks[i].fold != "pdg" {
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

// discoveredName normalises and checks the name at tokens [i, end): it
// drops leading articles (at a sentence start), "Groupe", legal suffixes
// and a trailing country, and rejects persons, places, bodies and
// non-companies. Names overlapping a gazetteer match are left to it.
func (c *Finder) discoveredName(text string, toks []token, covered []bool, i, end int) (string, bool) {
	hadSuffix := false
	for k := i; k < end; k++ {
		if covered[k] {
			return "", false
		}
	}
	// Leading words.
	for i < end {
		f := toks[i].fold
		switch {
		case articles[f] && toks[i].sent && i+1 < end:
			i++
			continue
		case (f == "groupe" || f == "group") && i+1 < end:
			i++
			continue
		}
		break
	}
	// Trailing legal suffixes and places.
	for end-i > 1 {
		f := toks[end-1].fold
		if legalSuffix[f] || f == "cie" || f == "co" || f == "corporation" {
			hadSuffix = true
			end--
			continue
		}
		if trailingPlaces[f] && toks[end-1].upper {
			end--
			continue
		}
		if toks[end-1].sym || nameJoin[toks[end-1].fold] {
			end--
			continue
		}
		break
	}
	if end <= i || legalSuffix[toks[i].fold] && end-i == 1 {
		return "", false
	}
	// A first name inside starts a person's name: "l'UEFA Michel Platini".
	for k := i + 1; k+1 < end; k++ {
		if c.first[toks[k].fold] && toks[k].upper && toks[k+1].upper {
			end = k
			break
		}
	}
	first := &toks[i]
	if !first.upper && !first.digit {
		return "", false
	}
	if capStop[first.fold] && !(articles[first.fold] && end-i > 1 && !first.sent) {
		return "", false
	}
	if c.first[first.fold] || c.heads[first.fold] || civility[first.fold] {
		return "", false
	}
	key := string(joinFolds(nil, toks[i:end]))
	if c.rejects[key] || c.places[key] || c.heads[key] {
		return "", false
	}
	// A single short word, or one with digits, is too weak unless a
	// legal suffix vouched for it.
	if end-i == 1 && !hadSuffix {
		w := text[first.start:first.end]
		if utf8.RuneCountInString(w) < 2 || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			return "", false
		}
		if businessWords[first.fold] || capStop[first.fold] {
			return "", false
		}
	}
	if info, ok := c.aliases[key]; ok {
		if info.id < 0 {
			return "", false
		}
		return c.names[info.id], true
	}
	name := strings.TrimSpace(text[first.start:toks[end-1].end])
	if _, ok := c.countries.Lookup(name); ok {
		return "", false
	}
	if strings.ContainsAny(name, "\n\r\t") {
		return "", false
	}
	return name, true
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

// orderDistinct returns the distinct names of ms by first position.
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
		out = append(out, m.name)
	}
	return out
}
