package analyzers

// The analyzer type of veille's language analyzers: Bleve's custom
// analyzer (tokenizer, then token filters), with the per-token part of the
// filter chain memoized.

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
	"veille/corpus/fold"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/segment"
)

// MemoAnalyzerType names the analyzer type of the language analyzers. Its
// configuration is that of Bleve's "custom" type ("tokenizer",
// "token_filters"); it gives the same tokens, faster:
//
//   - leading filters of the chain that may split or join tokens (only
//     split_glued_dots) run on the whole stream;
//   - every later filter must map one token to at most one token, from the
//     token's term alone (lower-casing, elision, stop words, folding,
//     stemming do); their composition is computed once per distinct term
//     and remembered, up to a bound, so that a word seen before costs one
//     map lookup instead of a pass through every filter.
const MemoAnalyzerType = "veille_memo"

// memoShards, memoShardCap and memoMaxTerm bound the memo of one
// analyzer: 32,768 distinct words of at most 64 bytes, a few MB, which
// cover most tokens of a language's news once the first articles have been
// seen (words are Zipf-distributed: 94 % of the words of OrangeSum, measured
// once its 33,918 articles had been seen);
// other words are filtered every time. A larger memo saved no time in the
// service, whose memory limit makes every live megabyte cost collections.
const (
	memoShards   = 64
	memoShardCap = 512
	memoCap      = memoShards * memoShardCap
	memoMaxTerm  = 64
)

// memoShard is one shard of a memo: words are added to growing under mu,
// and a copy of it is published in frozen, read without any lock, each
// time its size doubles; once it holds memoShardCap words it becomes
// frozen for good. Most look-ups then write no shared lock word (a read
// lock per look-up cost a tenth of the highlighting time on two cores,
// its cache line bouncing between them).
type memoShard struct {
	mu      sync.RWMutex
	growing map[string]memoTerm
	frozen  atomic.Pointer[memoTable]
}

// memoTable is a published copy of a shard: an open-addressing table
// keyed by the hash that chose the shard, so that a look-up hashes the
// word once (a map would hash it again). Its words and terms are laid end
// to end in one arena and its entries hold offsets: the whole table spans
// a few contiguous blocks, which a look-up reads with fewer cache misses
// than words and terms allocated one by one.
type memoTable struct {
	slots   []uint16 // entry number + 1 at the word's hash, 0 when free
	entries []memoEntry
	arena   []byte // every entry's word, then its term
}

// memoEntry is a word of a memoTable, with its full hash: its word at
// arena[at:at+wordLen], then its term (when kept) of termLen bytes.
type memoEntry struct {
	hash    uint64
	at      uint32
	wordLen uint16
	termLen uint16
	keep    bool
}

// newMemoTable returns a table of the words of m, hashed with seed.
func newMemoTable(m map[string]memoTerm, seed maphash.Seed) *memoTable {
	size := 16
	for size < 2*len(m) {
		size *= 2
	}
	n := 0
	for w, mt := range m {
		n += len(w) + len(mt.term)
	}
	t := &memoTable{slots: make([]uint16, size), entries: make([]memoEntry, 0, len(m)), arena: make([]byte, 0, n)}
	mask := uint64(size - 1)
	for w, mt := range m {
		h := maphash.String(seed, w)
		i := memoSlot(h) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		e := memoEntry{hash: h, at: uint32(len(t.arena)), wordLen: uint16(len(w)), termLen: uint16(len(mt.term)), keep: mt.keep}
		t.arena = append(append(t.arena, w...), mt.term...)
		t.entries = append(t.entries, e)
		t.slots[i] = uint16(len(t.entries))
	}
	return t
}

// memoSlot is where a table starts looking for hash h: its high bits
// (its low bits chose the shard).
func memoSlot(h uint64) uint64 { return h >> 32 }

// get returns what the table remembers of term, whose hash is h. The term
// returned points into the table's arena, which must not change.
func (t *memoTable) get(h uint64, term []byte) (memoTerm, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := memoSlot(h) & mask; ; i = (i + 1) & mask {
		v := t.slots[i]
		if v == 0 {
			return memoTerm{}, false
		}
		e := &t.entries[v-1]
		if e.hash != h || int(e.wordLen) != len(term) {
			continue
		}
		w := e.at + uint32(e.wordLen)
		if string(t.arena[e.at:w]) != string(term) {
			continue
		}
		if !e.keep {
			return memoTerm{}, true
		}
		end := w + uint32(e.termLen)
		return memoTerm{term: t.arena[w:end:end], keep: true}, true
	}
}

// streamFilter marks the token filters that must see the whole stream
// (they change the number of tokens or their positions).
type streamFilter interface{ splitsTokens() }

func (splitDotsFilter) splitsTokens() {}

// memoAnalyzer is an analyzer of type [MemoAnalyzerType]. It is safe for
// concurrent use.
type memoAnalyzer struct {
	tokenizer analysis.Tokenizer
	stream    []analysis.TokenFilter // run on the stream, in order
	perToken  []analysis.TokenFilter // run on one term, memoized
	seed      maphash.Seed
	shards    [memoShards]memoShard
	spans     sync.Pool // *[][2]int buffers of VisitTokens
	// initials[r] is the first byte of rune r lower-cased and folded,
	// the first byte of the term of a word starting with r; 0 when
	// unknown (not ASCII once folded).
	initials [0x800]byte
}

// memoTerm is what the per-token filters make of a term: the new term, or
// nothing (keep false) when a filter drops the token.
type memoTerm struct {
	term []byte
	keep bool
}

func newMemoAnalyzer(config map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
	a, err := custom.AnalyzerConstructor(config, cache)
	if err != nil {
		return nil, err
	}
	da, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || len(da.CharFilters) > 0 {
		return nil, fmt.Errorf("analyzers: %s: char filters are not supported", MemoAnalyzerType)
	}
	m := &memoAnalyzer{tokenizer: da.Tokenizer, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].growing = make(map[string]memoTerm)
	}
	for r := range rune(len(m.initials)) {
		if f := fold.Lower(string(r)); f != "" && f[0] < utf8.RuneSelf {
			m.initials[r] = f[0]
		}
	}
	for _, f := range da.TokenFilters {
		if _, ok := f.(streamFilter); ok {
			if len(m.perToken) > 0 {
				return nil, fmt.Errorf("analyzers: %s: a token-splitting filter must come before the others", MemoAnalyzerType)
			}
			m.stream = append(m.stream, f)
			continue
		}
		m.perToken = append(m.perToken, f)
	}
	return m, nil
}

// Analyze returns the tokens of input. Terms of the returned tokens may be
// shared with other calls: callers must not modify them.
func (m *memoAnalyzer) Analyze(input []byte) analysis.TokenStream {
	tokens := m.tokenizer.Tokenize(input)
	for _, f := range m.stream {
		tokens = f.Filter(tokens)
	}
	out := tokens[:0]
	for _, t := range tokens {
		mt := m.lookup(t)
		if mt.keep {
			t.Term = mt.term
			out = append(out, t)
		}
	}
	return out
}

// VisitTokens calls visit with each token Analyze would return, in order,
// without building the token stream: a document being indexed needs only
// each token's term, position and byte offsets. The term is shared and
// must not be modified.
func (m *memoAnalyzer) VisitTokens(input []byte, visit func(term []byte, pos, start, end int)) {
	m.visitTokens(input, nil, true, visit)
}

// VisitTokensStartingWith is VisitTokens restricted to the tokens whose
// term starts with a byte b for which first[b] is true. It skips most
// other words without analyzing them: a term starts with the first
// letter of its word, lower-cased and folded, or with the letter after
// an apostrophe (an elided article: "l'État" gives "etat"), which every
// filter of the language analyzers keeps (they strip and rewrite
// endings). Finding a query's few terms in a text then costs little more
// than splitting it into words.
//
// Without positions, pos is 0 and the text is cut at ASCII white space
// (always a word boundary) into runs of which only those holding a
// possible start of a wanted term are split into words: for the few
// initials of a query, most of a text is skipped.
func (m *memoAnalyzer) VisitTokensStartingWith(input []byte, first *[256]bool, positions bool, visit func(term []byte, pos, start, end int)) {
	if positions {
		m.visitTokens(input, first, true, visit)
		return
	}
	m.visitTokens(input, first, false, func(term []byte, _, start, end int) { visit(term, 0, start, end) })
}

// mayStartWith reports whether the term of word may start with a byte of
// first: false only when neither its first letter nor a letter after an
// apostrophe folds to one.
func (m *memoAnalyzer) mayStartWith(word []byte, first *[256]bool) bool {
	may := func(r rune) bool {
		if r >= rune(len(m.initials)) || m.initials[r] == 0 {
			return true
		}
		return first[m.initials[r]]
	}
	r, size := utf8.DecodeRune(word)
	if may(r) {
		return true
	}
	for i := size; i < len(word); i += size {
		r, size = utf8.DecodeRune(word[i:])
		if fold.IsApostrophe(r) {
			if next, _ := utf8.DecodeRune(word[i+size:]); may(next) {
				return true
			}
		}
	}
	return false
}

// visitTokens is VisitTokensStartingWith (every token when first is nil).
func (m *memoAnalyzer) visitTokens(input []byte, first *[256]bool, positions bool, visit func(term []byte, pos, start, end int)) {
	if !m.wordsByWords() {
		for _, t := range m.Analyze(input) {
			if first == nil || len(t.Term) > 0 && first[t.Term[0]] {
				visit(t.Term, t.Position, t.Start, t.End)
			}
		}
		return
	}
	w := tokenWalker{m: m, input: input, first: first, pos: 1, visit: visit}
	buf, _ := m.spans.Get().(*[][2]int)
	if buf == nil {
		buf = new([][2]int)
	}
	defer m.spans.Put(buf)
	if first != nil && !positions {
		// Runs between ASCII white space, split alone (the segmentation
		// of a run is the same alone as in its text).
		for a, b := nextRun(input, 0); a < b; a, b = nextRun(input, b) {
			if m.runMayHold(input[a:b], first) {
				*buf = splitWords(input, a, b, (*buf)[:0], w.word)
			}
		}
		return
	}
	*buf = splitWords(input, 0, len(input), (*buf)[:0], w.word)
}

// wordsByWords reports whether the analyzer's tokenizer and stream filters
// are those tokenWalker reproduces a word at a time: Bleve's unicode
// tokenizer, then at most split_glued_dots.
func (m *memoAnalyzer) wordsByWords() bool {
	_, unicodeWords := m.tokenizer.(*unicodetok.UnicodeTokenizer)
	return unicodeWords && (len(m.stream) == 0 || len(m.stream) == 1 && m.stream[0] == analysis.TokenFilter(splitDotsFilter{}))
}

// nextRun returns the bounds of the first run of input at or after from
// that holds no ASCII white space (a == b == len(input) when none is left).
func nextRun(input []byte, from int) (a, b int) {
	a = from
	for a < len(input) && isASCIISpace(input[a]) {
		a++
	}
	b = a
	for b < len(input) && !isASCIISpace(input[b]) {
		b++
	}
	return a, b
}

// tokenWalker turns words into tokens as the analyzer does: the unicode
// tokenizer's loop and split_glued_dots, one word at a time, then the
// memoized filters; it visits the tokens whose term starts with a byte of
// first (every token when first is nil).
type tokenWalker struct {
	m          *memoAnalyzer
	input      []byte
	first      *[256]bool
	pos, shift int // the next word's position is pos+shift
	visit      func(term []byte, pos, start, end int)
}

func (w *tokenWalker) emit(t analysis.Token) {
	if w.first != nil && !w.m.mayStartWith(t.Term, w.first) {
		return
	}
	if mt := w.m.lookup(&t); mt.keep && (w.first == nil || len(mt.term) > 0 && w.first[mt.term[0]]) {
		w.visit(mt.term, t.Position, t.Start, t.End)
	}
}

func (w *tokenWalker) word(start, end int) {
	term := w.input[start:end]
	t := analysis.Token{Term: term, Start: start, End: end, Position: w.pos + w.shift}
	w.pos++
	var parts [][2]int
	if len(w.m.stream) > 0 && bytes.IndexByte(term, '.') >= 0 {
		parts = splitGlued(term)
	}
	if parts == nil {
		w.emit(t)
		return
	}
	w.shift += splitParts(t, parts, w.emit)
}

// ContainsPhrase reports whether input, analyzed with an, holds a phrase:
// slots[i] lists the terms accepted at the phrase's i-th position, and an
// empty list accepts any word (a stop word removed from the query). With
// the analyzers of [MemoAnalyzerType], only the runs of text between
// ASCII white space that may hold a term of slots[0], and the runs after
// them that the phrase can reach, are split into words: checking a phrase
// costs little more than scanning the text. Other analyzers analyze all
// of it, and may rewrite input (Bleve's token filters work in place).
func ContainsPhrase(an analysis.Analyzer, input []byte, slots [][]string) bool {
	if len(slots) == 0 || len(slots[0]) == 0 {
		return false
	}
	if m, ok := an.(*memoAnalyzer); ok && m.wordsByWords() {
		return m.containsPhrase(input, slots)
	}
	slotsOf := phraseSlots(slots)
	var hits [][2]int // position, slot
	for _, t := range an.Analyze(input) {
		for _, i := range slotsOf[string(t.Term)] {
			hits = append(hits, [2]int{t.Position, i})
		}
	}
	return phraseIn(hits, slots)
}

// phraseSlots returns the slots of each term of a phrase.
func phraseSlots(slots [][]string) map[string][]int {
	slotsOf := make(map[string][]int)
	for i, ts := range slots {
		for _, t := range ts {
			if t != "" {
				slotsOf[t] = append(slotsOf[t], i)
			}
		}
	}
	return slotsOf
}

// containsPhrase is ContainsPhrase for an analyzer whose tokens
// tokenWalker reproduces.
func (m *memoAnalyzer) containsPhrase(input []byte, slots [][]string) bool {
	slotsOf := phraseSlots(slots)
	var first0, firstAll [256]bool
	for t, at := range slotsOf {
		firstAll[t[0]] = true
		if at[0] == 0 {
			first0[t[0]] = true
		}
	}
	var hits [][2]int // position, slot
	visit := func(term []byte, pos, _, _ int) {
		for _, i := range slotsOf[string(term)] {
			hits = append(hits, [2]int{pos, i})
		}
	}
	buf, _ := m.spans.Get().(*[][2]int)
	if buf == nil {
		buf = new([][2]int)
	}
	defer m.spans.Put(buf)
	for a, b := nextRun(input, 0); a < b; a, b = nextRun(input, b) {
		if !m.runMayHold(input[a:b], &first0) {
			continue
		}
		// A window from this run, positions counted from it.
		w := tokenWalker{m: m, input: input, first: &firstAll, pos: 1, visit: visit}
		hits = hits[:0]
		*buf = splitWords(input, a, b, (*buf)[:0], w.word)
		last := -1 // the last position where the phrase may start
		for _, h := range hits {
			if h[1] == 0 {
				last = max(last, h[0])
			}
		}
		if last < 0 {
			continue
		}
		for c, d := nextRun(input, b); c < d && w.pos+w.shift <= last+len(slots)-1; c, d = nextRun(input, d) {
			*buf = splitWords(input, c, d, (*buf)[:0], w.word)
		}
		if phraseIn(hits, slots) {
			return true
		}
	}
	return false
}

// phraseIn reports whether hits (a token's position and a slot its term
// fills) hold the phrase slots: a position p filling slot 0 such that p+i
// fills slot i for every slot i with terms. It is linear in hits: a run of
// text without spaces can hold a term tens of thousands of times.
func phraseIn(hits [][2]int, slots [][]string) bool {
	filled := make(map[[2]int]bool, len(hits))
	for _, h := range hits {
		filled[h] = true
	}
	for _, h := range hits {
		if h[1] != 0 {
			continue
		}
		ok := true
		for i := 1; i < len(slots) && ok; i++ {
			ok = len(slots[i]) == 0 || filled[[2]int{h[0] + i, i}]
		}
		if ok {
			return true
		}
	}
	return false
}

// splitWords calls word with the byte ranges of the words of input[a:b],
// in order, using spans as scratch space, which it returns.
func splitWords(input []byte, a, b int, spans [][2]int, word func(start, end int)) [][2]int {
	if spans, ok := fastWords(input[a:b], spans); ok {
		for _, sp := range spans {
			word(a+sp[0], a+sp[1])
		}
		return spans[:0]
	}
	seg := segment.NewWordSegmenterDirect(input[a:b])
	start := a
	for seg.Segment() {
		end := start + len(seg.Bytes())
		if seg.Type() != segment.None {
			word(start, end)
		}
		start = end
	}
	return spans[:0]
}

func isASCIISpace(c byte) bool { return byteKinds[c] == kindSpace }

// The kinds of bytes that runs and runMayHold tell apart.
const (
	kindOther = iota // ASCII punctuation, symbols, controls
	kindSpace        // ASCII white space: always a word boundary
	kindAlnum        // ASCII letter or digit
	kindNonASCII
)

var byteKinds = func() (k [256]uint8) {
	for c := range 256 {
		switch {
		case c >= utf8.RuneSelf:
			k[c] = kindNonASCII
		case c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			k[c] = kindSpace
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			k[c] = kindAlnum
		}
	}
	return k
}()

// runMayHold reports whether a run of text without white space may hold a
// token whose term starts with a byte of first: whether a letter, digit
// or connector that follows anything but a letter, a digit or a mark
// (every place a word, or the part after an elision or a glued dot, can
// start) has a wanted or unknown initial. Letters beyond U+07FF (where
// scripts without spaces begin) count as possible starts wherever they
// are.
func (m *memoAnalyzer) runMayHold(run []byte, first *[256]bool) bool {
	alnum := false
	for i := 0; i < len(run); i++ {
		c := run[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(run[i:])
			i += size - 1
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Pc, r):
				if (!alnum || r >= rune(len(m.initials))) && (r >= rune(len(m.initials)) || m.initials[r] == 0 || first[m.initials[r]]) {
					return true
				}
				alnum = true
			case unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me, unicode.Cf):
				// Extend and Format: part of the word they follow.
			default:
				alnum = false
			}
			continue
		}
		if !alnum && (m.initials[c] == 0 || first[m.initials[c]]) {
			return true
		}
		alnum = byteKinds[c] == kindAlnum
	}
	return false
}

// lookup returns what the per-token filters make of t's term, from the
// memo or by running them.
func (m *memoAnalyzer) lookup(t *analysis.Token) memoTerm {
	if len(t.Term) > memoMaxTerm {
		return m.filter(t)
	}
	h := maphash.Bytes(m.seed, t.Term)
	sh := &m.shards[h%memoShards]
	frozen := sh.frozen.Load()
	if frozen != nil {
		if mt, ok := frozen.get(h, t.Term); ok {
			return mt
		}
		if len(frozen.entries) >= memoShardCap {
			return m.filter(t)
		}
	}
	sh.mu.RLock()
	mt, ok := sh.growing[string(t.Term)]
	sh.mu.RUnlock()
	if ok {
		return mt
	}
	mt = m.filter(t)
	sh.add(string(t.Term), mt, m.seed)
	return mt
}

// add remembers mt for word, publishing a copy of the growing map each
// time its size doubles.
func (sh *memoShard) add(word string, mt memoTerm, seed maphash.Seed) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.growing[word]; ok || sh.growing == nil {
		return
	}
	sh.growing[word] = mt
	switch n := len(sh.growing); {
	case n >= memoShardCap:
		sh.frozen.Store(newMemoTable(sh.growing, seed))
		sh.growing = nil
	case n >= 8 && n&(n-1) == 0:
		sh.frozen.Store(newMemoTable(sh.growing, seed))
	}
}

// filter runs the per-token filters on a copy of t's term (filters may
// rewrite terms in place, and t's term may point into the analyzed text).
func (m *memoAnalyzer) filter(t *analysis.Token) memoTerm {
	var mt memoTerm
	one := *t
	one.Term = append([]byte(nil), t.Term...)
	stream := analysis.TokenStream{&one}
	for _, f := range m.perToken {
		if stream = f.Filter(stream); len(stream) == 0 {
			break
		}
	}
	if len(stream) == 1 {
		mt = memoTerm{term: stream[0].Term, keep: true}
	}
	return mt
}

func registerMemoAnalyzer() {
	if err := registry.RegisterAnalyzer(MemoAnalyzerType, newMemoAnalyzer); err != nil {
		panic(err)
	}
}
