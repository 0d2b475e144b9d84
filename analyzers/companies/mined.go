package companies

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Corpus statistics: what a large corpus of unlabelled news says of each
// capitalised name, counted in documents by [Miner] and embedded as
// data/mined.txt (see ./mine). The classifier reads them as features of
// a candidate's name: a name the corpus often writes after a firm's cue
// ("le négociant Cargill") is likely a firm where the article gives no
// cue; one it writes after a first name or a civility, a person; after
// "à" or "en", a place; one it also writes in lower case, a common word.

// corpusStats counts, for one name, the documents that write it
// capitalised inside a sentence (n), with a firm's cue (firm), as a
// person (person), as a place (place), and, for a single word, the
// documents that write it in lower case (lower).
type corpusStats struct {
	n, firm, person, place, lower uint32
}

//go:embed data/mined.txt
var embeddedMined string

// defaultMined parses the embedded statistics once; they are read-only.
var defaultMined = sync.OnceValues(func() (map[string]corpusStats, error) { return readMined(strings.NewReader(embeddedMined)) })

// readMined parses the mined statistics: "key<TAB>n firm person place
// lower" lines, '#' comments.
func readMined(r io.Reader) (map[string]corpusStats, error) {
	out := make(map[string]corpusStats, 32768)
	err := eachTableLine(r, func(line int, key, rest string) error {
		f := strings.Fields(rest)
		if len(f) != 5 {
			return fmt.Errorf("%w: mined line %d: want a key and five counts", ErrGazetteer, line)
		}
		var v [5]uint32
		for i, x := range f {
			n, err := strconv.ParseUint(x, 10, 32)
			if err != nil {
				return fmt.Errorf("%w: mined line %d: %v", ErrGazetteer, line, err)
			}
			v[i] = uint32(n)
		}
		out[key] = corpusStats{v[0], v[1], v[2], v[3], v[4]}
		return nil
	})
	return out, err
}

// eachTableLine calls fn with the number, key and rest of each
// "key<TAB>rest" line of a mined table, skipping blank lines and '#'
// comments; a line without a tab is an error wrapping [ErrGazetteer].
func eachTableLine(r io.Reader, fn func(line int, key, rest string) error) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if s == "" || s[0] == '#' {
			continue
		}
		key, rest, ok := strings.Cut(s, "\t")
		if !ok {
			return fmt.Errorf("%w: line %d: want a key and a tab", ErrGazetteer, line)
		}
		if err := fn(line, key, rest); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Miner counts [corpusStats] over many texts (see ./mine). It is not
// safe for concurrent use.
type Miner struct {
	c     *Finder
	stats map[string]*corpusStats
	docs  int
	seen  map[string]uint8 // per text: key → what was counted (mined* bits)
	ruled []bool           // per text: tokens where a discovery rule's span starts
	// Lower-case words of texts where they are no candidate: their
	// documents, added to a name's lower count when it is written.
	lowerOnly map[string]bool
	lowerDocs map[string]uint32
}

// What a text says of a name, counted once per text.
const (
	minedN uint8 = 1 << iota
	minedFirm
	minedPerson
	minedPlace
	minedLower
)

// NewMiner returns a Miner that reads texts as c does.
func (c *Finder) NewMiner() *Miner {
	return &Miner{c: c, stats: map[string]*corpusStats{}, seen: map[string]uint8{}, lowerOnly: map[string]bool{}, lowerDocs: map[string]uint32{}}
}

// Add counts the names of one text.
func (m *Miner) Add(text, lang string) {
	a := m.c.analyze(text, lang)
	if a == nil {
		return
	}
	defer m.c.release(a)
	m.docs++
	clear(m.seen)
	toks := a.toks
	m.ruled = grow(m.ruled, len(toks))
	for _, sp := range a.spans {
		m.ruled[sp.i] = true // a cue, suffix, apposition or possessive names a firm there
	}
	var buf []byte
	for k := range a.cands {
		cd := &a.cands[k]
		if cd.n.veto&(vetoLower|vetoBreak) != 0 {
			continue
		}
		key := cd.n.key
		i := cd.n.i
		var bits uint8
		if !toks[i].sent {
			bits |= minedN
		}
		if (cd.src&(srcCue|srcSuffix|srcAppos|srcPoss) != 0 || m.ruled[cd.i] || a.cueAt[cd.i]) && cd.n.veto&^vetoFirstName == 0 {
			bits |= minedFirm
		}
		if cd.src&srcPerson != 0 || i > 0 && !toks[i].sent && toks[i-1].is(clsCivility) && toks[i-1].upper ||
			cd.n.end-i == 1 && a.surnames[toks[i].fold] {
			bits |= minedPerson
		}
		if i > 0 && !toks[i].sent && toks[i].gap == gapSpace && (toks[i-1].fold == "a" || toks[i-1].fold == "en") && !toks[i-1].upper ||
			i > 0 && !toks[i].sent && toks[i-1].is(clsPlaceNoun) {
			bits |= minedPlace
		}
		m.seen[key] |= bits
		// "Jean Dupont": Dupont is a person's name.
		if toks[i].is(clsFirstName) && toks[i].upper && cd.n.end-i >= 2 && cd.n.end-i <= 3 {
			buf = joinFolds(buf[:0], toks[i+1:cd.n.end])
			m.seen[string(buf)] |= minedPerson
		}
	}
	// Words written in lower case: counted for the single words that
	// are also candidates somewhere.
	for k := range toks {
		if t := &toks[k]; !t.upper && !t.digit && !t.sym && len(t.fold) > 1 {
			if bits, ok := m.seen[t.fold]; ok {
				m.seen[t.fold] = bits | minedLower
			} else {
				m.lowerOnly[t.fold] = true
			}
		}
	}
	for w := range m.lowerOnly {
		m.lowerDocs[w]++
	}
	clear(m.lowerOnly)
	for key, bits := range m.seen {
		st := m.stats[key]
		if st == nil {
			st = &corpusStats{}
			m.stats[key] = st
		}
		if bits&minedN != 0 {
			st.n++
		}
		if bits&minedFirm != 0 {
			st.firm++
		}
		if bits&minedPerson != 0 {
			st.person++
		}
		if bits&minedPlace != 0 {
			st.place++
		}
		if bits&minedLower != 0 {
			st.lower++
		}
	}
}

// Docs returns the number of texts counted.
func (m *Miner) Docs() int { return m.docs }

// Write writes the statistics of the names counted in at least minDocs
// texts (or cued as a firm in two), sorted by key, after the header
// lines (written as comments).
func (m *Miner) Write(w io.Writer, minDocs int, header []string) error {
	bw := bufio.NewWriter(w)
	for _, h := range header {
		fmt.Fprintf(bw, "# %s\n", h)
	}
	keys := make([]string, 0, len(m.stats))
	for k, st := range m.stats {
		st.lower += m.lowerDocs[k]
		if int(st.n+st.person+st.place) >= minDocs || st.firm >= 2 || int(st.lower) >= minDocs && !strings.Contains(k, " ") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		st := m.stats[k]
		fmt.Fprintf(bw, "%s\t%d %d %d %d %d\n", k, st.n, st.firm, st.person, st.place, st.lower)
	}
	return bw.Flush()
}

// minedFeatures adds the features of what the corpus says of key.
func (c *Finder) minedFeatures(f *features, key string) {
	st, ok := c.mined[key]
	if !ok {
		f.flag("m-unseen")
		return
	}
	f.add("m-n", logBucket(st.n))
	total := st.n + st.person + st.place
	f.add("m-firm", ratioBucket(st.firm, total))
	f.add("m-person", ratioBucket(st.person, total))
	f.add("m-place", ratioBucket(st.place, total))
	if st.lower > 0 || st.n > 0 {
		f.add("m-lower", ratioBucket(st.lower, st.lower+st.n))
	}
	if st.firm >= 3 {
		f.add("m-firmdocs", logBucket(st.firm))
	}
	f.add("m-kind", minedKind(st))
}

// minedKind sums up what the corpus says of a name: mostly a person, a
// place, a common word, a firm, another name seen often (an organisation
// of some kind), or too rare to say.
func minedKind(st corpusStats) string {
	total := st.n + st.person + st.place
	switch {
	case total == 0:
		return "rare"
	case 10*st.person >= 3*total:
		return "person"
	case 10*st.place >= 3*total:
		return "place"
	case 10*st.lower >= 3*(st.lower+st.n):
		return "common"
	case st.firm >= 2 && 20*st.firm >= total:
		return "firm"
	case total >= 5 && 50*st.person < total && 50*st.place < total:
		return "org"
	}
	return "rare"
}

// logBucket buckets a count by powers of two.
func logBucket(n uint32) string {
	b := 0
	for n > 1 && b < 12 {
		n >>= 1
		b++
	}
	return smallIntsWide[b]
}

var smallIntsWide = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}

// ratioBucket buckets part/total: 0, under 2 %, 10 %, 30 %, 60 %, above.
func ratioBucket(part, total uint32) string {
	if part == 0 || total == 0 {
		return "0"
	}
	switch r := float64(part) / float64(total); {
	case r < 0.02:
		return "a"
	case r < 0.1:
		return "b"
	case r < 0.3:
		return "c"
	case r < 0.6:
		return "d"
	}
	return "e"
}
