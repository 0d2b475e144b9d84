package index

// A bare word of a query as index terms: its own analyzed term, the
// corrections of a typo and, for the last word while the user types, its
// completions.
//
// Typos. A word of 5 letters or more (9 or more: two edits) also matches
// the terms a typo away, unless the index knows it well (in
// 1/knownShare of the documents or more, or in knownDocsMax: a word that
// frequent is spelled right). Indexed terms are stems, and a typo often hides the ending the
// stemmer strips ("gouvernemnt" stays whole while "gouvernement" is
// indexed as "gouvern", five edits away), so the neighbours are found in
// two spaces: the stems within the allowed edits of the word's stem, and,
// for a word the index lacks or barely has, the stems of the words one
// edit away from the word as typed (every deletion, transposition,
// substitution and insertion of a letter, each analyzed like the text),
// which also catches typos on the first letters of short words.
//
// Exact matches rank first: a neighbour weighs fuzzyBoost/(1+edits). A
// word the index has is taken as real: of its neighbours only those
// popularRatio times more frequent count (and, for a word in fewer than
// fuzzyKnownDocs documents, those of the stem space), for such a word is
// what the corpus says the user meant, as spell-checkers suggest the more popular
// word ("chares", a rare word, is taken for "charges"): it weighs
// preferredBoost/edits, and the word and its neighbours are all scored
// with the IDF of the most frequent of them, so that the rare exact word
// does not outrank it by its rarity alone. The most likely correction is
// reported (Results.Corrections).
//
// Completions. With Query.Prefix the last word also matches the terms
// starting with it as typed (folded, its double letters collapsed in
// French as the stemmer collapses them), from prefixMin letters: the
// maxPrefixTerms most frequent, weighted prefixBoost. A word being typed
// that has completions is not corrected (its end is missing, not wrong).
//
// Every count is of live documents (liveTerms), and every choice breaks
// ties by term, so a search of unchanged data expands to the same terms
// whatever the segments' layout.

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"
	"github.com/blevesearch/vellum"

	"veille/corpus/fold"
)

// Typo tolerance and completion: lengths, bounds and weights.
const (
	fuzzyOneMin  = 5  // letters for one edit
	fuzzyTwoMin  = 9  // letters for two edits
	fuzzyTwoStem = 7  // a stem needs this many letters to get two edits
	fuzzyMaxLen  = 40 // longer terms are not words: no fuzzy matching
	fuzzyShort   = 6  // stems shorter than this keep their first 2 letters in the stem space, others 1
	prefixMin    = 3  // letters a completed word needs

	knownShare     = 100 // a term in this share of the documents (1/100) is spelled right...
	knownDocsMax   = 100 // ...or in this many, whatever the corpus's size (knownDocs)
	fuzzyKnownDocs = 3   // a term in fewer documents is unknown: neighbours of its surface are searched too
	popularRatio   = 10  // a neighbour this many times more frequent than the word is preferred
	maxFuzzyTerms  = 32  // neighbours kept, closest first
	maxPrefixTerms = 32  // completions kept, most frequent first
	stemSlackMin   = 6   // runes of a term whose cut forms are tried too
	stemSlack      = 5   // runes cut at most

	titleBoost     = 1.0 // a title match weighs this many body matches (chosen by TestKnownItem, see BENCHMARKS.md)
	fuzzyBoost     = 0.2 // relative weight of a neighbour
	preferredBoost = 0.8 // relative weight of a preferred neighbour
	prefixBoost    = 0.3 // relative weight of a completion
)

// termQuery matches one analyzed term of a bare query word in the title
// or the body of one language, and its expansions (see the top of this
// file). It is a Bleve query of its own so that the expansions are looked
// up once per language, with live counts, and stay bounded whatever
// Bleve's searcher.DisjunctionMaxClauseCount.
type termQuery struct {
	Lang string `json:"lang"`
	Term string `json:"term"`
	// Word is the query's text the term comes from, as typed.
	Word string `json:"word"`
	// Surface is the word as typed, lower-cased and folded, without an
	// elided article ("gouvernemnt").
	Surface string `json:"surface"`
	// Edits is the typo tolerance (0: exact only); a neighbour in the
	// stem space keeps the first FuzzyPrefix bytes of Term.
	Edits       int `json:"edits,omitempty"`
	FuzzyPrefix int `json:"fuzzy_prefix,omitempty"`
	// Prefixes are the starts completions are looked up under.
	Prefixes []string `json:"prefixes,omitempty"`
	// TitleBoost is the weight of a title match (0: titleBoost).
	TitleBoost float64 `json:"title_boost,omitempty"`
	log        *termLog
	// wordDF, when set by prepareWords, counts the documents holding the
	// word's term in any language: whether a word is known, and so
	// whether it is a typo, is decided for all languages at once (a
	// French word is no typo in the English articles).
	wordDF   uint64
	prepared bool
}

// prepareWords counts, for the words of cq, the documents of r holding
// their terms in any language (termQuery.wordDF).
func prepareWords(ctx context.Context, r bleveindex.IndexReader, cq compiledQuery) error {
	return prepareWordsFrom(ctx, r, cq.Words, cq.Words)
}

// prepareWordsFrom is prepareWords counting the terms of counted, the
// words of the same text compiled for every language searched: a search
// compiled for fewer languages (restricted to some articles) decides
// whether a word is known as the whole search does.
func prepareWordsFrom(ctx context.Context, r bleveindex.IndexReader, words, counted []*termQuery) error {
	byWord := make(map[string]uint64)
	for _, q := range counted {
		df, err := liveDF(ctx, r, q.Term, "title_"+q.Lang, "body_"+q.Lang)
		if err != nil {
			return err
		}
		byWord[q.Word] += df
	}
	for _, q := range words {
		q.wordDF, q.prepared = byWord[q.Word], true
	}
	return nil
}

// nearTerm is an index term searched in place of a query word's own.
type nearTerm struct {
	term       string
	df         uint64 // live documents holding it, title and body counted apart
	dist       int    // edits from the word (0 for a completion)
	completion bool
	preferred  bool
	stemSpace  bool   // found among the stems near the word's (not only by its surface)
	surface    string // a word giving term, when known
	weight     float64
}

// expansion is what a termQuery searched.
type expansion struct {
	df          uint64 // live documents holding the word's own term
	wordDF      uint64 // the same in every language (see termQuery.wordDF)
	exactWeight float64
	near        []nearTerm
	// correction is the index of the near term reported as what the word
	// stands for, or -1.
	correction int
}

// terms returns the word's own term then its near terms.
func (e *expansion) terms(own string) []string {
	out := make([]string, 0, 1+len(e.near))
	out = append(out, own)
	for _, n := range e.near {
		out = append(out, n.term)
	}
	return out
}

// termSource is what expansions read: the live terms of a field that an
// automaton accepts. The readers of searches (memoReader) remember them.
type termSource interface {
	liveTerms(field string, a vellum.Automaton, start, end []byte, kind, key string) (map[string]uint64, error)
	fuzzyAutomaton(term string, edits int) (vellum.Automaton, error)
	// nearWords is surfaceNeighbours of lang's analyzer an, remembered.
	nearWords(an analysis.Analyzer, lang, word, term string) map[string]string
}

// nearTermsSource is a termSource that may know the terms of a word's
// surface neighbours (nearWords) without the words giving them.
type nearTermsSource interface {
	// nearTerms returns the keys of nearWords(an, lang, word, term),
	// false when it does not know them; callers must not change them.
	nearTerms(an analysis.Analyzer, lang, word, term string) ([]string, bool)
}

// snapshotSource is the termSource of a plain scorch snapshot (a Bleve
// index searched directly, in tests), without memo.
type snapshotSource struct {
	snap *scorch.IndexSnapshot
	lev  levBuilders
}

func (s *snapshotSource) liveTerms(field string, a vellum.Automaton, start, end []byte, _, _ string) (map[string]uint64, error) {
	return liveTermsOf(s.snap.Segments(), field, a, start, end, nil)
}

func (s *snapshotSource) fuzzyAutomaton(term string, edits int) (vellum.Automaton, error) {
	return s.lev.dfa(term, edits)
}

func (s *snapshotSource) nearWords(an analysis.Analyzer, lang, word, term string) map[string]string {
	return s.lev.surface(an, lang, word, term)
}

// sourceOf returns r's termSource, nil when r is of an unknown kind (no
// expansion then).
func sourceOf(r bleveindex.IndexReader) termSource {
	switch r := r.(type) {
	case *memoReader:
		return r
	case *scorch.IndexSnapshot:
		return &snapshotSource{snap: r}
	}
	return nil
}

// Searcher implements query.Query.
func (q *termQuery) Searcher(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, opt search.SearcherOptions) (search.Searcher, error) {
	ex, err := q.expand(ctx, r, m)
	if err != nil {
		return nil, err
	}
	q.log.record(q, ex)
	terms := make([]weightedTerm, 0, 1+len(ex.near))
	terms = append(terms, weightedTerm{q.Term, ex.exactWeight})
	for _, n := range ex.near {
		terms = append(terms, weightedTerm{n.term, n.weight})
	}
	tb := q.TitleBoost
	if tb <= 0 {
		tb = titleBoost
	}
	return fieldsSearcher(ctx, r, terms, "title_"+q.Lang, "body_"+q.Lang, tb, opt)
}

// weightedTerm is an index term and its weight relative to an exact match.
type weightedTerm struct {
	term   string
	weight float64
}

// fieldsSearcher returns a searcher of terms in the title and body
// fields, scored with the sum of the matches, a title match weighing
// titleWeight times more.
func fieldsSearcher(ctx context.Context, r bleveindex.IndexReader, terms []weightedTerm, title, body string, titleWeight float64, opt search.SearcherOptions) (search.Searcher, error) {
	ss := make([]search.Searcher, 0, 2*len(terms))
	for _, t := range terms {
		for _, f := range [2]struct {
			field string
			boost float64
		}{{title, titleWeight}, {body, 1}} {
			s, err := searcher.NewTermSearcher(ctx, r, t.term, f.field, f.boost*t.weight, opt)
			if err != nil {
				closeAll(ss)
				return nil, err
			}
			ss = append(ss, s)
		}
	}
	if len(ss) == 1 {
		return ss[0], nil
	}
	return newSumSearcher(ss), nil
}

// expand finds the near terms of q in r.
func (q *termQuery) expand(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping) (*expansion, error) {
	title, body := "title_"+q.Lang, "body_"+q.Lang
	ex := &expansion{exactWeight: 1, correction: -1}
	var err error
	if ex.df, err = liveDF(ctx, r, q.Term, title, body); err != nil {
		return nil, err
	}
	src := sourceOf(r)
	if src == nil {
		return ex, nil
	}
	docs, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	// Completions of the word being typed.
	var completions []nearTerm
	if len(q.Prefixes) > 0 {
		counts := make(map[string]uint64)
		for _, f := range []string{title, body} {
			for _, p := range q.Prefixes {
				ts, err := src.liveTerms(f, nil, []byte(p), prefixEnd([]byte(p)), "prefix", p)
				if err != nil {
					return nil, err
				}
				for t, n := range ts {
					counts[t] += n
				}
			}
		}
		delete(counts, q.Term)
		for t, n := range counts {
			completions = append(completions, nearTerm{term: t, df: n, completion: true, weight: prefixBoost})
		}
		slices.SortFunc(completions, func(a, b nearTerm) int {
			if a.df != b.df {
				return cmpDesc(a.df, b.df)
			}
			return strings.Compare(a.term, b.term)
		})
		completions = completions[:min(len(completions), maxPrefixTerms)]
	}
	wordDF := ex.df
	if q.prepared {
		wordDF = q.wordDF
	}
	known := wordDF >= knownDocs(docs)
	var fuzzy []nearTerm
	if q.Edits > 0 && !known && len(completions) == 0 {
		if fuzzy, err = q.neighbours(ctx, src, m, wordDF); err != nil {
			return nil, err
		}
	}
	ex.near = append(fuzzy, completions...)
	ex.wordDF = wordDF
	switch {
	case len(fuzzy) > 0 && (wordDF == 0 || fuzzy[0].preferred):
		ex.correction = 0 // closest preferred (sorted first), or closest
	case len(fuzzy) == 0 && len(completions) > 0 && wordDF == 0:
		ex.correction = 0 // the most frequent completion
	}
	if len(ex.near) > 0 {
		blend(ex, docs)
	}
	return ex, nil
}

// neighbours returns the live terms a typo away from q's word, closest
// first (preferred ones before others at the same distance), then most
// frequent, then by term; at most maxFuzzyTerms, weighted. df is the
// live document count of the word.
func (q *termQuery) neighbours(ctx context.Context, src termSource, m mapping.IndexMapping, df uint64) ([]nearTerm, error) {
	// Neighbours are found, and counted, in the body: a title's words are
	// in some body too, and each field searched costs a walk of every
	// segment's dictionary.
	body := "body_" + q.Lang
	cands := make(map[string]*nearTerm)
	add := func(ts map[string]uint64, dist func(term string) int, surface func(term string) string) {
		for t, n := range ts {
			if t == q.Term {
				continue
			}
			c := cands[t]
			if c == nil {
				c = &nearTerm{term: t, dist: dist(t)}
				cands[t] = c
			} else {
				c.dist = min(c.dist, dist(t))
			}
			c.stemSpace = c.stemSpace || surface == nil
			c.df += n
			if c.surface == "" && surface != nil {
				c.surface = surface(t)
			}
		}
	}
	// The stem space: terms within Edits of the term. A word the index
	// lacks keeps only its first letter (a typo on the second letter of
	// a short word: "gtève").
	keep := q.Term[:min(q.FuzzyPrefix, len(q.Term))]
	if df == 0 {
		_, n := utf8.DecodeRuneInString(q.Term)
		keep = q.Term[:n]
	}
	a, err := src.fuzzyAutomaton(q.Term, q.Edits)
	if err != nil {
		return nil, err
	}
	key := q.Term + "\x00" + keep + "\x00" + string(rune('0'+q.Edits))
	ts, err := src.liveTerms(body, a, []byte(keep), prefixEnd([]byte(keep)), "fuzzy", key)
	if err != nil {
		return nil, err
	}
	add(ts, func(t string) int { return max(1, editDistance(q.Term, t)) }, nil)
	// A typo often hides the suffix the stemmer strips ("trembelment"
	// stays whole, "tremblement" is "trembl"): without neighbours, the
	// terms one edit from the term cut by 1 to stemSlack runes count, at
	// distance 2 ("trembe" finds "trembl", "docet" finds "doct").
	if rs := []rune(q.Term); len(cands) == 0 && len(rs) >= stemSlackMin {
		for k := len(rs) - 1; k >= len(rs)-stemSlack && k >= stemSlackMin-1; k-- {
			cut := string(rs[:k])
			a, err := src.fuzzyAutomaton(cut, 1)
			if err != nil {
				return nil, err
			}
			ck := cut[:min(len(keep), len(cut))]
			ts, err := src.liveTerms(body, a, []byte(ck), prefixEnd([]byte(ck)), "fuzzy", cut+"\x00"+ck+"\x001")
			if err != nil {
				return nil, err
			}
			add(ts, func(string) int { return 2 }, nil)
		}
	}
	// The surface: the words one edit away from the word as typed, for a
	// word the index lacks or barely has and whose ending the stemmer did
	// not recognize (once it did, the typo is in the stem, and the stem
	// space holds its neighbours).
	if df < fuzzyKnownDocs && q.Surface != "" {
		an, err := languageAnalyzer(m, q.Lang)
		if err != nil {
			return nil, err
		}
		var words map[string]string // nil: the words giving each term are not known
		var set vellum.Automaton
		known := false
		if ns, ok := src.(nearTermsSource); ok {
			var ts []string
			if ts, known = ns.nearTerms(an, q.Lang, q.Surface, q.Term); known && len(ts) > 0 {
				set = &trie{keys: ts}
			}
		}
		if !known {
			if words = src.nearWords(an, q.Lang, q.Surface, q.Term); len(words) > 0 {
				if set, err = setAutomaton(words); err != nil {
					return nil, err
				}
			}
		}
		if set != nil {
			ts, err := src.liveTerms(body, set, nil, nil, "surface", q.Surface)
			if err != nil {
				return nil, err
			}
			add(ts, func(string) int { return 1 }, func(t string) string { return words[t] })
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]nearTerm, 0, len(cands))
	for _, c := range cands {
		c.preferred = c.df >= popularRatio*max(df, 1)
		// A word the index has is real: only a far more popular one may
		// stand for it, or for a barely known word one of its stem's
		// neighbours (the surface space of a real word holds other real
		// words: "paris" gives "pris").
		if df > 0 && !c.preferred && (df >= fuzzyKnownDocs || !c.stemSpace) {
			continue
		}
		if c.preferred {
			c.weight = preferredBoost / float64(c.dist)
		} else {
			c.weight = fuzzyBoost / float64(1+c.dist)
		}
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b nearTerm) int {
		switch {
		case a.dist != b.dist:
			return a.dist - b.dist
		case a.preferred != b.preferred:
			if a.preferred {
				return -1
			}
			return 1
		case a.df != b.df:
			return cmpDesc(a.df, b.df)
		}
		return strings.Compare(a.term, b.term)
	})
	return out[:min(len(out), maxFuzzyTerms)], nil
}

// knownDocs returns the number of documents, of docs, a word must be in to
// be taken as spelled right: its neighbours are not searched. It grows
// with the corpus up to knownDocsMax: a typo is not repeated in a hundred
// articles, and a share alone made words that a large corpus holds in
// hundreds of articles typos of any neighbour ten times more frequent (at
// 188k articles of news and law, "corée", in 301, was searched as "code",
// in 33,830, and "docteur", in 387, as "dont").
func knownDocs(docs uint64) uint64 {
	return max(fuzzyKnownDocs, min(docs/knownShare, knownDocsMax))
}

func cmpDesc(a, b uint64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// blend adjusts the weights of ex's terms for their document frequencies.
// Scored as they are, the rarest near term would rank first, its IDF
// being the highest: "macorn" would list Mâcon (a few documents) before
// Macron (thousands), the opposite of what the user meant. So every near
// term is scored with the IDF of the most frequent one (Lucene's blended
// fuzzy scoring), times sqrt(df/maxDF): frequent corrections are the
// likely ones. The word's own term joins the blend when a preferred
// correction stands for it. Bleve's scores hold the IDF squared (in the
// term's score and in its query weight), hence the squares.
func blend(ex *expansion, docs uint64) {
	var maxDF uint64
	for _, n := range ex.near {
		maxDF = max(maxDF, n.df)
	}
	if maxDF == 0 {
		return
	}
	total := float64(max(docs, maxDF))
	idf := func(df uint64) float64 {
		d := float64(max(df, 1))
		return math.Log(1 + (total-d+0.5)/(d+0.5)) // BM25's
	}
	ref := idf(maxDF)
	for i := range ex.near {
		n := &ex.near[i]
		r := ref / idf(n.df)
		n.weight *= r * r * math.Sqrt(float64(max(n.df, 1))/float64(maxDF))
	}
	if ex.correction >= 0 && ex.near[ex.correction].preferred && ex.df > 0 {
		r := ref / idf(ex.df)
		ex.exactWeight *= r * r
	}
}

// liveDF returns the number of live documents holding term in fields,
// counted per field.
func liveDF(ctx context.Context, r bleveindex.IndexReader, term string, fields ...string) (uint64, error) {
	if m, ok := r.(*memoReader); ok && m.carry != nil {
		return m.carry.liveDF(ctx, m, term, fields) // percolate_delta.go
	}
	var n uint64
	for _, f := range fields {
		c, err := snapshotDF(ctx, r, term, f)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// snapshotDF returns the number of live documents of r whose field holds
// term (a memoReader's remembered: memoReader.termDF).
func snapshotDF(ctx context.Context, r bleveindex.IndexReader, term, field string) (uint64, error) {
	if m, ok := r.(*memoReader); ok {
		return m.termDF(ctx, term, field)
	}
	return countPostings(ctx, r, term, field)
}

// countPostings is snapshotDF, counted by r's term reader.
func countPostings(ctx context.Context, r bleveindex.IndexReader, term, field string) (uint64, error) {
	tr, err := r.TermFieldReader(ctx, []byte(term), field, false, false, false)
	if err != nil {
		return 0, err
	}
	n := tr.Count()
	if err := tr.Close(); err != nil {
		return 0, err
	}
	return n, nil
}

// surfaceNeighbours returns the terms an gives the words one edit away
// from word (lower-cased and folded letters: each deletion,
// transposition, substitution and insertion of a letter a-z), other than
// term, each with the first such word.
func surfaceNeighbours(an analysis.Analyzer, word, term string) map[string]string {
	rs := []rune(word)
	out := make(map[string]string)
	var buf []byte
	try := func(w []rune) {
		buf = buf[:0]
		for _, r := range w {
			buf = utf8.AppendRune(buf, r)
		}
		n, got := 0, ""
		visitTokens(an, buf, func(t []byte, _, _, _ int) {
			n++
			got = string(t)
		})
		if n != 1 || got == term {
			return
		}
		if _, ok := out[got]; !ok {
			out[got] = string(buf)
		}
	}
	w := make([]rune, 0, len(rs)+1)
	for i := range rs {
		try(append(append(w[:0], rs[:i]...), rs[i+1:]...))
	}
	for i := 0; i+1 < len(rs); i++ {
		if rs[i] != rs[i+1] {
			w = append(w[:0], rs...)
			w[i], w[i+1] = w[i+1], w[i]
			try(w)
		}
	}
	for c := 'a'; c <= 'z'; c++ {
		for i := range rs {
			if rs[i] != c {
				w = append(w[:0], rs...)
				w[i] = c
				try(w)
			}
		}
		for i := 0; i <= len(rs); i++ {
			w = append(append(append(w[:0], rs[:i]...), c), rs[i:]...)
			try(w)
		}
	}
	return out
}

// setAutomaton returns an automaton accepting exactly the keys of words:
// a trie, cheaper to walk than an FST built for the purpose, built when
// first walked (the percolator's carried counts read its keys only).
func setAutomaton(words map[string]string) (vellum.Automaton, error) {
	t := &trie{keys: make([]string, 0, len(words))}
	for w := range words {
		t.keys = append(t.keys, w)
	}
	return t, nil
}

// build makes the trie of t.keys, once.
func (t *trie) build() {
	t.once.Do(t.buildOnce)
}

func (t *trie) buildOnce() {
	t.next, t.match = map[trieEdge]int{}, []bool{false}
	for _, w := range t.keys {
		state := 0
		for i := 0; i < len(w); i++ {
			e := trieEdge{state, w[i]}
			n, ok := t.next[e]
			if !ok {
				n = len(t.match)
				t.match = append(t.match, false)
				t.next[e] = n
			}
			state = n
		}
		t.match[state] = true
	}
}

// trie is a vellum.Automaton accepting a set of keys; state -1 is dead.
type trie struct {
	next  map[trieEdge]int
	match []bool
	keys  []string // the keys accepted
	once  sync.Once
}

type trieEdge struct {
	state int
	b     byte
}

func (t *trie) Start() int               { t.build(); return 0 }
func (t *trie) IsMatch(s int) bool       { return s >= 0 && t.match[s] }
func (t *trie) CanMatch(s int) bool      { return s >= 0 } // every node leads to a key
func (t *trie) WillAlwaysMatch(int) bool { return false }
func (t *trie) Accept(s int, b byte) int {
	if s < 0 {
		return -1
	}
	if n, ok := t.next[trieEdge{s, b}]; ok {
		return n
	}
	return -1
}

// editDistance returns the Damerau-Levenshtein distance (optimal string
// alignment: a transposition counts once, as in Bleve's automata) of a
// and b, in runes.
func editDistance(a, b string) int { return osaDistance([]rune(a), []rune(b)) }

// osaDistance is editDistance on runes; it allocates nothing when b has
// at most 2*fuzzyMaxLen runes (every word fuzzy matching compares).
func osaDistance(a, b []rune) int {
	var rows [3][2*fuzzyMaxLen + 1]int
	var prev2, prev, cur []int
	if len(b) < len(rows[0]) {
		prev2, prev, cur = rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	} else {
		prev2, prev, cur = make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// fuzziness returns the edit distance allowed for the analyzed term of a
// query word whose text is surface, and the number of leading bytes of
// term a neighbour in the stem space must keep. The distance goes by the
// number of letters of surface (1 from fuzzyOneMin, 2 from fuzzyTwoMin),
// at most 1 when term is shorter than fuzzyTwoStem, and 0 for words with
// a digit or terms too short to stay meaningful after an edit. Stems are
// shorter than words, so one edit on a short stem is a large change
// ("paris" gives "pari", one edit from "pri", the stem of "prix"): in the
// stem space a stem shorter than fuzzyShort keeps its first two letters,
// others their first letter (the surface space, searched for unknown
// words, has no such rule).
func fuzziness(surface, term string) (edits, prefix int) {
	letters := 0
	for _, r := range fold.String(surface) {
		switch {
		case unicode.IsDigit(r):
			return 0, 0
		case unicode.IsLetter(r):
			letters++
		}
	}
	n := utf8.RuneCountInString(term)
	if n > fuzzyMaxLen || n < 4 {
		return 0, 0
	}
	switch {
	case letters >= fuzzyTwoMin && n >= fuzzyTwoStem:
		edits = 2
	case letters >= fuzzyOneMin:
		edits = 1
	default:
		return 0, 0
	}
	_, s0 := utf8.DecodeRuneInString(term)
	prefix = s0
	if n < fuzzyShort {
		_, s1 := utf8.DecodeRuneInString(term[s0:])
		prefix += s1
	}
	return edits, prefix
}

// plainWord returns the word of a query token's text as typed: folded,
// lower-cased, without an elided article, "" unless it is made of
// letters and digits only.
func plainWord(text string) string {
	w := fold.Lower(text)
	if i := strings.IndexAny(w, "'’"); i > 0 && i <= len("lorsqu") && slices.Contains(elisions, w[:i]) {
		_, size := utf8.DecodeRuneInString(w[i:])
		w = w[i+size:]
	}
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return ""
		}
	}
	return w
}

// prefixCandidates returns the starts under which the last word of a
// query, typed as word (see plainWord), is completed: the word itself
// and, in French, the word with its double letters collapsed (the
// French stemmer collapses them in long words: "donnera" is indexed as
// "donera"). Words shorter than prefixMin letters are not completed.
func prefixCandidates(lang, word string) []string {
	if utf8.RuneCountInString(word) < prefixMin || utf8.RuneCountInString(word) > fuzzyMaxLen {
		return nil
	}
	out := []string{word}
	if lang == "fr" {
		if c := collapseDoubles(word); c != word {
			out = append(out, c)
		}
	}
	return out
}

// collapseDoubles replaces every run of one repeated letter by one letter.
func collapseDoubles(s string) string {
	var b strings.Builder
	var prev rune = -1
	for _, r := range s {
		if r != prev || !unicode.IsLetter(r) {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}
