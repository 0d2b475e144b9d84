package index

// A percolator: saved queries indexed by what an article needs to match
// them, as Elasticsearch's percolator extracts terms from its queries, so
// that a new article is checked against the few saved queries it may
// match rather than against all of them.
//
// A saved query is compiled per language, like a search, and its text
// query read as what an article of that language needs: an OR of
// conjunctions of groups, a group being satisfied by one of its terms
// (needs). A need is an analyzed term, with the typo tolerance and the
// prefixes of its query word: any term the search could match for the
// word, whatever the index holds (the search itself expands a word to
// fewer terms: not a word it knows well, at most so many corrections).
// Exclusions and anything the reading does not know are dropped, which
// only widens what passes. Filters are checked on the article's stored
// fields, loosely (case and accents folded).
//
// Each conjunction is indexed under one group, its anchor, chosen to be
// rare: an exact term, else the keys of a typo-tolerant term (the term
// and the forms with one or two letters deleted: two words within k
// edits share a form with at most k deletions, as in SymSpell), else a
// prefix's first three letters, else a filter value. An article looks up
// its own terms, their deletion forms and its filter values, and every
// conjunction found is checked in full: a candidate is a saved query one
// of whose conjunctions the article satisfies, with its filters.
//
// Candidates are a superset of the matches: a saved query can match an
// article only if it is among the article's candidates. Match decides
// most of them from the article alone (percolate_decide.go); the caller
// confirms the others with the search itself (Query.IDs). A near term
// counts only if the search may take it for its word: a word the index
// has stands only for far more frequent neighbours (articleView.admits).

import (
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
	"veille/corpus"
)

// Bounds of the reading of a query.
const (
	maxSieveConjs = 64 // conjunctions of one language; beyond, a part is dropped (or the text)
	anchorPrefix  = 3  // runes of a prefix's key
)

// Percolator holds saved queries and finds those an article may match.
// It is safe for concurrent use. Create it with [Index.NewPercolator].
type Percolator struct {
	x     *Index
	mu    sync.RWMutex
	saved map[string]*savedQuery
	langs map[string]*langSieve // by field language, built on first use
	needs map[string]*need      // interned needs, by needKey
	// needIDs numbers the interned needs (never given back), for the
	// per-article state of a need (articleView) in slices.
	needIDs idPool
	// known remembers, by sieve and need, how many documents held the
	// need's term in the sieve's language (see typoState), as of
	// x.removals == knownAt.
	knownMu sync.Mutex
	known   map[knownKey]knownDF
	body    map[[2]string]uint64 // lang and term: documents whose body holds it (articleView.admits)
	knownAt uint64
	// exp are the expansions of the words of saved queries in the last
	// snapshot Match read; counted the saved queries' words in every
	// language (percolate_decide.go).
	expMu   sync.Mutex
	exp     *expansions
	counted map[*savedQuery]countedWords
	carried carriedCounts // the expansions' counts, carried across snapshots (percolate_delta.go)
	// surfaces are the interned needs with a typed word, by surfaceKey:
	// the expansions read their surface terms (need.surface), computed
	// once per need, rather than the index's bounded memo of them.
	surfMu   sync.Mutex
	surfaces map[string]*need
}

// surfaceKey names the surface neighbours of a typed word in a language.
func surfaceKey(lang, word, term string) string { return lang + "\x00" + word + "\x00" + term }

// surfaceTerms returns the terms of the surface neighbours of word (term
// once analysed) in lang by analyzer an when a need of a saved query
// has that word (memoReader.near).
func (p *Percolator) surfaceTerms(an analysis.Analyzer, lang, word, term string) ([]string, bool) {
	p.surfMu.Lock()
	n := p.surfaces[surfaceKey(lang, word, term)]
	p.surfMu.Unlock()
	if n == nil || n.an != an {
		return nil, false
	}
	n.surface()
	return n.surfTerms, true
}

// knownDF is a term's document count and when it was read.
type knownDF struct {
	df uint64
	at time.Time
}

// knownKey is a need's term in the language of a sieve (pointers: the
// key hashes faster than the strings).
type knownKey struct {
	ls *langSieve
	n  *need
}

// savedQuery is one query of a Percolator.
type savedQuery struct {
	id   string
	q    Query
	plan plan
}

// need is one way of satisfying a group: an article term equal to term,
// or starting with one of prefixes, or one of its near terms (typoWays):
// starting with keep (keep0 while the word is in no article) and within
// edits of term (Damerau) or within one edit of one of cuts, or given by
// a word one edit away from the typed word.
type need struct {
	term     string
	edits    int
	keep     string
	keep0    string // the first rune of term
	cuts     []string
	prefixes []string
	// lang, word and an, when the search may look up the typos of the word
	// as typed (termQuery.Surface): the terms of the words one edit away.
	lang, word string
	an         analysis.Analyzer
	surfOnce   sync.Once
	surf       map[string]struct{}
	surfTerms  []string // the terms of surf, and the stringHash of each
	surfHashes []uint64
	hash       uint64 // stringHash(term), set by Percolator.intern
	id         uint32 // in Percolator.needIDs, set by Percolator.intern
	// runes and cutRunes are the runeSet of term and of each cut, set by
	// Percolator.intern (nil cutRunes: every term may be near, mayBeNear).
	runes    uint64
	cutRunes []uint64
}

// typoWays are the ways in which an article term is a near term of a need,
// and (typoState) the ways the search takes at the moment.
type typoWays uint8

const (
	waysStem      typoWays = 1 << iota // within the edits, keeping keep: while the word is unknown
	waysStemLoose                      // the same keeping keep0: while the word is in no article
	waysSurface                        // a word one edit from the typed one: while it is in fewer than fuzzyKnownDocs
)

// group is satisfied by an article holding a term one of its needs
// accepts. Needs are shared by the queries that have them (Percolator.needs),
// so that an article checks each once.
type group []*need

// conj is one conjunction of a saved query in one language.
type conj struct {
	sq     *savedQuery
	groups []group
	id     uint32 // in its sieve's conjIDs
}

// anchorKind says which forms of an article's terms hit an anchor key.
type anchorKind uint8

const (
	kindExact   anchorKind = iota // the terms themselves
	kindSurface                   // the near terms of a typed word (need.surface), as they are
	kindTypo1                     // terms and their forms missing one rune
	kindTypo2                     // and those missing two
	kindOther                     // prefix and filter keys, a key space of their own
)

// anchorSet is the conjunctions anchored on one need n (nil for filter
// keys), listed under each of its keys: a hit counts only when the
// article term that made it satisfies n (a typo key is shared by words
// two edits apart); if another term satisfies n, its own keys hit too.
// An article visits a set once, whichever keys it hits.
type anchorSet struct {
	n     *need
	kind  anchorKind
	conjs []*conj
	id    uint32 // in its sieve's setIDs
}

// langSieve indexes the conjunctions of every saved query in one language.
type langSieve struct {
	lang         string
	keys         map[string][]*anchorSet // terms, typo keys, prefixKey, filterKey
	sets         map[setKey]*anchorSet
	bloom        keyBloom // the keys, to skip most look-ups of forms that are none
	bloom2       keyBloom // the keys of kindTypo2 anchors, for two-deletion forms
	typo1, typo2 int      // anchors of each typo kind
	hitsMu       sync.RWMutex
	hits         map[string][]termHit // article term -> its hits, never nil (hitsOf)
	always       []*conj              // conjunctions without text or filters
	regs         map[*savedQuery][]sieveKey
	// compiled are the saved queries' text queries compiled for lang
	// (nil: no text) with mapping, which Decide evaluates; words are
	// their termQuery nodes (compiledQuery.Words), which Warm expands.
	compiled map[*savedQuery]query.Query
	words    map[*savedQuery][]*termQuery
	mapping  mapping.IndexMapping
	// surfaced are the anchor needs whose surface terms are keys; watch
	// the others with a typed word, with their document count when read
	// and x.removals then: while at most df-fuzzyKnownDocs documents have
	// gone since, the search does not look up their surface (watchedAt:
	// x.removals when watch was last checked).
	surfaced  map[*need]bool
	watch     map[*need]watched
	watchedAt uint64
	// conjIDs and setIDs number the conjunctions and anchor sets, so
	// that an article marks those it visited in slices (stamps).
	conjIDs, setIDs idPool
}

// idPool hands out small ids, reusing those given back.
type idPool struct {
	n    uint32 // ids handed out so far, given back or not
	free []uint32
}

func (p *idPool) get() uint32 {
	if k := len(p.free); k > 0 {
		id := p.free[k-1]
		p.free = p.free[:k-1]
		return id
	}
	p.n++
	return p.n - 1
}

func (p *idPool) put(id uint32) { p.free = append(p.free, id) }

// stamps mark ids of one space during one call: an id is marked when
// its entry holds the call's epoch, so that nothing is cleared between
// calls.
type stamps struct {
	at    []uint32
	epoch uint32
}

// start begins a call over ids below n.
func (s *stamps) start(n uint32) {
	if len(s.at) < int(n) {
		s.at = append(s.at, make([]uint32, int(n)-len(s.at))...)
	}
	if s.epoch++; s.epoch == 0 { // wrapped: old marks would read as new
		clear(s.at)
		s.epoch = 1
	}
}

// has reports whether id is marked.
func (s *stamps) has(id uint32) bool { return s.at[id] == s.epoch }

// mark marks id.
func (s *stamps) mark(id uint32) { s.at[id] = s.epoch }

// watched is the document count of a need's term and x.removals when read.
type watched struct{ df, removals uint64 }

// setKey identifies an anchorSet: its need (or filter key) and kind.
type setKey struct {
	n      *need
	filter string
	kind   anchorKind
}

// sieveKey is where a conjunction was registered, for removal.
type sieveKey struct {
	key    string
	kind   anchorKind
	c      *conj
	always bool
}

// prefixMark starts the keys of prefixes.
const prefixMark = '\x01'

// prefixKey is the key of a prefix's first runes.
func prefixKey(p string) string { return string(prefixMark) + p }

// NewPercolator returns an empty percolator reading queries as x's
// searches do.
func (x *Index) NewPercolator() *Percolator {
	x.batches.on.Store(true)
	return &Percolator{x: x, saved: make(map[string]*savedQuery), langs: make(map[string]*langSieve), needs: make(map[string]*need)}
}

// Add saves q under id, replacing any query with that id, and reads
// ahead for it what Match reads (see [Percolator.Warm]) in the languages
// already seen. Its paging, sort, highlighting, cursor, collapsing and
// IDs are ignored. Errors wrap ErrInvalidQuery (q could not be searched),
// ErrClosed or ErrUnavailable.
func (p *Percolator) Add(id string, q Query) error {
	q.Page, q.PerPage, q.Cursor, q.Sort, q.Highlight, q.IDs, q.FacetSize, q.Collapse = 0, 0, "", "", false, nil, 0, ""
	pl, err := validate(q)
	if err != nil {
		return err
	}
	sq := &savedQuery{id: id, q: q, plan: pl}
	m, err := p.x.liveMapping()
	if err != nil {
		return err
	}
	if _, err := compileTextQuery(q.Text, q.Mode, m, textQueryOptions{}); err != nil {
		return err
	}
	p.mu.Lock()
	p.removeLocked(id)
	p.saved[id] = sq
	sieves := make([]*langSieve, 0, len(p.langs))
	for _, ls := range p.langs {
		if err := p.register(ls, sq); err != nil {
			p.removeLocked(id)
			p.mu.Unlock()
			return err
		}
		sieves = append(sieves, ls)
	}
	p.mu.Unlock()
	for _, ls := range sieves {
		_ = p.warm(context.Background(), ls, []*savedQuery{sq}) // only saves reads: Match reads what it lacks
	}
	return nil
}

// Remove drops the query saved under id, if any.
func (p *Percolator) Remove(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removeLocked(id)
}

// Len returns the number of saved queries.
func (p *Percolator) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.saved)
}

func (p *Percolator) removeLocked(id string) {
	sq := p.saved[id]
	if sq == nil {
		return
	}
	delete(p.saved, id)
	for _, ls := range p.langs {
		ls.forgetHits()
		var freed []*conj
		for _, k := range ls.regs[sq] {
			if !slices.Contains(freed, k.c) {
				freed = append(freed, k.c)
				ls.conjIDs.put(k.c.id)
			}
			if k.always {
				ls.always = slices.DeleteFunc(ls.always, func(c *conj) bool { return c == k.c })
				continue
			}
			list := ls.keys[k.key]
			for _, a := range list {
				if a.kind == k.kind {
					a.conjs = slices.DeleteFunc(a.conjs, func(c *conj) bool { return c == k.c })
				}
			}
			list = slices.DeleteFunc(list, func(a *anchorSet) bool { return len(a.conjs) == 0 })
			for sk, a := range ls.sets {
				if len(a.conjs) == 0 {
					delete(ls.sets, sk)
					ls.setIDs.put(a.id)
				}
			}
			if len(list) == 0 {
				delete(ls.keys, k.key)
			} else {
				ls.keys[k.key] = list
			}
			ls.count(k.kind, -1)
		}
		delete(ls.regs, sq)
		delete(ls.compiled, sq)
		delete(ls.words, sq)
	}
}

// liveMapping returns the mapping of the live generation.
func (x *Index) liveMapping() (mapping.IndexMapping, error) {
	g, _, release, err := x.snapshot()
	if err != nil {
		return nil, err
	}
	defer release()
	return g.mapping, nil
}

// Candidates returns the ids of the saved queries a may match, sorted:
// every saved query that matches a is among them (see the top of
// percolate.go), and each must be confirmed by a search. Errors wrap
// ErrClosed or ErrUnavailable.
func (p *Percolator) Candidates(a Committed) ([]string, error) {
	ids, _, err := p.candidates(a, false)
	return ids, err
}

// Match returns the candidates of a (Candidates) in two sorted lists:
// those that match a, as the search would answer at this moment, and
// those only a search can tell (percolate_decide.go). Errors wrap
// ErrClosed or ErrUnavailable.
func (p *Percolator) Match(a Committed) (matched, toConfirm []string, err error) {
	ids, verdicts, err := p.candidates(a, true)
	if err != nil {
		return nil, nil, err
	}
	for i, id := range ids {
		switch verdicts[i] {
		case yes:
			matched = append(matched, id)
		case unsure:
			toConfirm = append(toConfirm, id)
		}
	}
	return matched, toConfirm, nil
}

// candidates returns the sorted candidates of a and, when decide is set,
// the verdict on each (Match).
func (p *Percolator) candidates(a Committed, decide bool) ([]string, []verdict, error) {
	lang := a.Article.Language
	if lang == "" {
		lang = analyzers.Fallback
	}
	ls, err := p.langSieve(fieldLang4(lang))
	if err != nil {
		return nil, nil, err
	}
	if err := p.checkWatch(ls); err != nil {
		return nil, nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	batch := p.x.batches.settled()
	g, snap, release, err := p.x.snapshot()
	if err != nil {
		return nil, nil, err
	}
	defer release()
	if p.x.batches.settled() != batch {
		batch = 0 // a batch was applied meanwhile: snap's is unknown
	}
	docs, err := snap.DocCount()
	if err != nil {
		return nil, nil, err
	}
	st := candStates.Get().(*candState)
	defer st.release()
	art := &st.art
	terms := a.terms(art.set, st.terms[:0])
	st.terms = terms
	art.a, art.p, art.r, art.sieve, art.lang, art.docs = &a, p, snap, ls, ls.lang, docs
	// The counts the sieve and the decisions read go through the
	// expansions' reader, which carries them across snapshots.
	ex, exErr := p.expansionsOf(g, snap, batch)
	if exErr == nil {
		art.r = ex.mr
	}
	for _, t := range terms {
		art.byFirst[t[0]] = append(art.byFirst[t[0]], artTerm{t, runeSet(t)})
		h := stringHash(t) % (64 * articleBloomWords)
		art.hashes[h/64] |= 1 << (h % 64)
	}
	st.seen.start(ls.conjIDs.n)
	st.visited.start(ls.setIDs.n)
	art.memoAt.start(p.needIDs.n)
	art.stateAt.start(p.needIDs.n)
	if n := int(p.needIDs.n); len(art.memo) < n {
		art.memo = append(art.memo, make([]bool, n-len(art.memo))...)
		art.expand = append(art.expand, make([]typoWays, n-len(art.expand))...)
		art.dfs = append(art.dfs, make([]uint64, n-len(art.dfs))...)
	}
	var ids []string
	sqs := st.sqs[:0]
	check := func(c *conj) {
		if st.seen.has(c.id) || slices.Contains(sqs, c.sq) { // a few candidates: a short list
			return
		}
		st.seen.mark(c.id)
		if art.satisfies(c) {
			sqs = append(sqs, c.sq)
		}
	}
	visit := func(a *anchorSet) {
		st.visited.mark(a.id)
		for _, c := range a.conjs {
			check(c)
		}
	}
	for _, c := range ls.always {
		check(c)
	}
	for _, k := range articleFilterKeys(&a.Article) {
		for _, a := range ls.keys[k] {
			if !st.visited.has(a.id) && a.kind == kindOther && a.n == nil {
				visit(a)
			}
		}
	}
	st.hits = ls.rememberedHits(terms, st.hits[:0])
	for i, t := range terms {
		hits := st.hits[i]
		if hits == nil {
			hits = ls.hitsOf(t)
		}
		for _, h := range hits {
			if st.visited.has(h.set.id) {
				continue
			}
			if h.ways != 0 && (h.ways&art.state(h.set.n) == 0 || !art.admits(h.set.n, t, h.ways&(waysStem|waysStemLoose) == 0)) {
				continue
			}
			art.setMemo(h.set.n, true)
			visit(h.set)
		}
	}
	slices.SortFunc(sqs, func(x, y *savedQuery) int { return strings.Compare(x.id, y.id) })
	ids = make([]string, len(sqs))
	for i, sq := range sqs {
		ids[i] = sq.id
	}
	st.sqs = sqs
	if !decide {
		return ids, nil, nil
	}
	verdicts := make([]verdict, len(sqs))
	d := decider{a: &a, m: g.mapping, p: p, ex: ex}
	if exErr != nil {
		d.ex = nil // left to the search
	}
	for i, sq := range sqs {
		if cq, ok := ls.compiled[sq]; ok && ls.mapping == g.mapping {
			verdicts[i] = d.decide(sq, cq)
		}
	}
	return ids, verdicts, nil
}

// candState is the scratch space of one Candidates call, recycled.
type candState struct {
	art     articleView
	seen    stamps        // conjunctions checked, by conj.id
	visited stamps        // anchor sets visited, by anchorSet.id
	sqs     []*savedQuery // the candidates
	terms   []string      // the article's distinct terms
	hits    [][]termHit   // of each article term
}

var candStates = sync.Pool{New: func() any {
	return &candState{art: articleView{set: map[string]struct{}{}, bodyDFs: map[string]uint64{}}}
}}

// release empties st and returns it to the pool.
func (st *candState) release() {
	a := &st.art
	a.a, a.p, a.r, a.sieve = nil, nil, nil, nil
	clear(a.bodyDFs)
	clear(a.hashes[:])
	clear(a.set)
	for k, ts := range a.byFirst {
		a.byFirst[k] = ts[:0]
	}
	clear(st.sqs)
	st.sqs = st.sqs[:0]
	clear(st.terms)
	st.terms = st.terms[:0]
	clear(st.hits)
	st.hits = st.hits[:0]
	candStates.Put(st)
}

// termHit is an anchor set an article term satisfies: by being its
// need's term or starting with one of its prefixes (ways 0), or by being
// one of its near terms in some ways, which count only while the search
// takes one of them.
type termHit struct {
	set  *anchorSet
	ways typoWays
}

// maxTermHits bounds the terms whose hits a sieve remembers.
const maxTermHits = 200000

// hitsOf returns the anchor sets that article term t satisfies: found
// through its keys (t itself, its prefixes, its forms missing one or two
// runes) the first time, then remembered (articles share their words)
// until the saved queries change. The caller holds p.mu for reading.
func (ls *langSieve) hitsOf(t string) []termHit {
	ls.hitsMu.RLock()
	v, ok := ls.hits[t]
	ls.hitsMu.RUnlock()
	if ok {
		return v
	}
	out := []termHit{} // not nil: remembered
	seen := map[*anchorSet]bool{}
	try := func(key string, lo, hi anchorKind) {
		for _, a := range ls.keys[key] {
			if a.kind < lo || a.kind > hi || a.n == nil || seen[a] {
				continue
			}
			seen[a] = true
			if t == a.n.term || a.n.byPrefix(t) {
				out = append(out, termHit{set: a})
				continue
			}
			w := a.n.stemWays(t)
			if a.kind == kindSurface && a.n.inSurface(t) {
				w |= waysSurface
			}
			if w != 0 {
				out = append(out, termHit{set: a, ways: w})
			}
		}
	}
	if ls.bloom.mayHoldString(t) {
		try(t, kindExact, kindTypo2)
	}
	n := utf8.RuneCountInString(t)
	var pk []byte
	for k := 1; k <= min(n, anchorPrefix); k++ {
		pk = append(append(pk[:0], prefixMark), firstRunes(t, k)...)
		if ls.bloom.mayHold(pk) {
			try(string(pk), kindOther, kindOther)
		}
	}
	if n <= fuzzyMaxLen+2 {
		var buf []byte
		if n >= 3 && ls.typo1+ls.typo2 > 0 {
			buf = deletions1(t, buf, func(v []byte) {
				if ls.bloom.mayHold(v) {
					try(string(v), kindTypo1, kindTypo2)
				}
			})
		}
		if n >= fuzzyTwoStem-2 && ls.typo2 > 0 {
			deletions2(t, buf, func(v []byte) {
				if ls.bloom2.mayHold(v) {
					try(string(v), kindTypo2, kindTypo2)
				}
			})
		}
	}
	ls.hitsMu.Lock()
	defer ls.hitsMu.Unlock()
	if ls.hits == nil || len(ls.hits) >= maxTermHits {
		ls.hits = map[string][]termHit{}
	}
	ls.hits[t] = out
	return out
}

// rememberedHits appends to out the remembered hits of each of terms,
// nil for those not remembered (see hitsOf), under one lock.
func (ls *langSieve) rememberedHits(terms []string, out [][]termHit) [][]termHit {
	ls.hitsMu.RLock()
	defer ls.hitsMu.RUnlock()
	for _, t := range terms {
		out = append(out, ls.hits[t])
	}
	return out
}

// forgetHits drops the remembered hits (the saved queries changed, or
// too many terms are remembered).
func (ls *langSieve) forgetHits() {
	ls.hitsMu.Lock()
	ls.hits = nil
	ls.hitsMu.Unlock()
}

// langSieve returns the sieve of a field language, building it on first use.
func (p *Percolator) langSieve(lang string) (*langSieve, error) {
	p.mu.RLock()
	ls := p.langs[lang]
	p.mu.RUnlock()
	if ls != nil {
		return ls, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ls := p.langs[lang]; ls != nil {
		return ls, nil
	}
	ls = &langSieve{lang: lang, keys: map[string][]*anchorSet{}, sets: map[setKey]*anchorSet{}, regs: map[*savedQuery][]sieveKey{}, compiled: map[*savedQuery]query.Query{}, words: map[*savedQuery][]*termQuery{},
		surfaced: map[*need]bool{}, watch: map[*need]watched{}, watchedAt: p.x.removals.Load()}
	for _, sq := range p.saved {
		if err := p.register(ls, sq); err != nil {
			return nil, err
		}
	}
	p.langs[lang] = ls
	return ls, nil
}

// register indexes the conjunctions of sq in ls.
func (p *Percolator) register(ls *langSieve, sq *savedQuery) error {
	ls.forgetHits()
	m, err := p.x.liveMapping()
	if err != nil {
		return err
	}
	an, err := languageAnalyzer(m, ls.lang)
	if err != nil {
		return err
	}
	cq, err := compileTextQuery(sq.q.Text, sq.q.Mode, m, textQueryOptions{Languages: []string{ls.lang}, Prefix: sq.q.Prefix})
	if err != nil {
		return err
	}
	d := dnf{{}} // no text: every article passes it
	if cq.Query != nil {
		d = sieveOf(cq.Query, an)
	}
	if ls.mapping != m {
		clear(ls.compiled) // of an older generation: Match leaves them to the search
		clear(ls.words)
		ls.mapping = m
	}
	ls.compiled[sq], ls.words[sq] = cq.Query, cq.Words
	removals := p.x.removals.Load() // before the counts: what goes meanwhile is counted
	f := p.x.newFreqs(ls.lang)
	defer f.close()
	fgs := filterGroups(sq, f)
	groupCost := func(g group) float64 { return f.groupCost(g) }
	for _, groups := range d {
		for _, g := range groups {
			for i, n := range g {
				g[i] = p.intern(n)
			}
		}
		// Cheap groups first: a conjunction fails on its first missing group.
		slices.SortStableFunc(groups, func(a, b group) int { return cmpFloat(groupCost(a), groupCost(b)) })
		c := &conj{sq: sq, groups: groups, id: ls.conjIDs.get()}
		best, bestCost := -1, math.Inf(1)
		for i, g := range groups {
			if cost := groupCost(g); cost < bestCost {
				best, bestCost = i, cost
			}
		}
		switch {
		case best >= 0 && bestCost < filterCost(fgs):
			for _, n := range groups[best] {
				switch {
				case n.edits == 0 && len(n.cuts) == 0:
					ls.add(n.term, kindExact, n, c)
				default:
					kind := kindTypo1
					if n.edits >= 2 {
						kind = kindTypo2
					}
					keys := typoKeys(n.term, n.edits)
					for _, cut := range n.cuts {
						keys = append(keys, typoKeys(cut, 1)...)
					}
					for _, k := range uniq(keys) {
						ls.add(k, kind, n, c)
					}
				}
				for _, pre := range n.prefixes {
					ls.add(prefixKey(firstRunes(pre, anchorPrefix)), kindOther, n, c)
				}
				if n.word == "" {
					continue
				}
				if _, watched := ls.watch[n]; watched {
					continue
				}
				if df := f.termDF(n.term); ls.surfaced[n] || df < fuzzyKnownDocs {
					ls.addSurface(n, c)
				} else {
					ls.watch[n] = watched{df: df, removals: removals}
				}
			}
		case len(fgs) > 0:
			for _, k := range fgs[0].keys {
				ls.add(k, kindOther, nil, c)
			}
		default:
			ls.always = append(ls.always, c)
			ls.regs[sq] = append(ls.regs[sq], sieveKey{c: c, always: true})
		}
	}
	return nil
}

// add lists conjunction c under key, in the anchor set of need n (nil:
// a filter key) and kind.
func (ls *langSieve) add(key string, kind anchorKind, n *need, c *conj) {
	sk := setKey{n: n, kind: kind}
	if n == nil {
		sk.filter = key
	}
	set := ls.sets[sk]
	if set == nil {
		set = &anchorSet{n: n, kind: kind, id: ls.setIDs.get()}
		ls.sets[sk] = set
	}
	if !slices.Contains(set.conjs, c) {
		set.conjs = append(set.conjs, c)
	}
	if !slices.Contains(ls.keys[key], set) {
		ls.keys[key] = append(ls.keys[key], set)
	}
	ls.bloom.add([]byte(key))
	if kind == kindTypo2 {
		ls.bloom2.add([]byte(key))
	}
	ls.regs[c.sq] = append(ls.regs[c.sq], sieveKey{key: key, kind: kind, c: c})
	ls.count(kind, 1)
}

// addSurface lists c (nil: every conjunction anchored on n) under the
// surface terms of anchor need n, and n among the surfaced needs.
func (ls *langSieve) addSurface(n *need, c *conj) {
	ls.surfaced[n] = true
	delete(ls.watch, n)
	var cs []*conj
	if c != nil {
		cs = []*conj{c}
	} else {
		for _, kind := range []anchorKind{kindExact, kindTypo1, kindTypo2, kindOther} {
			if set := ls.sets[setKey{n: n, kind: kind}]; set != nil {
				for _, c := range set.conjs {
					if !slices.Contains(cs, c) {
						cs = append(cs, c)
					}
				}
			}
		}
	}
	for t := range n.surface() {
		for _, c := range cs {
			ls.add(t, kindSurface, n, c)
		}
	}
}

// checkWatch gives their surface keys to the watched needs of ls whose
// words may have dropped under fuzzyKnownDocs documents since they were
// counted (documents were deleted or replaced).
func (p *Percolator) checkWatch(ls *langSieve) error {
	removals := p.x.removals.Load()
	p.mu.RLock()
	due := ls.watchedAt != removals
	p.mu.RUnlock()
	if !due {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ls.watchedAt == removals {
		return nil
	}
	f := p.x.newFreqs(ls.lang)
	defer f.close()
	for n, w := range ls.watch {
		if gone := removals - w.removals; w.df >= fuzzyKnownDocs+gone {
			continue
		}
		if df := f.termDF(n.term); df >= fuzzyKnownDocs {
			ls.watch[n] = watched{df: df, removals: removals}
			continue
		}
		ls.addSurface(n, nil)
	}
	ls.forgetHits()
	ls.watchedAt = removals
	return nil
}

// keyBloom is a Bloom filter of one hash over the keys of a sieve: most
// deletion forms of an article's terms are no key, and a bit test costs
// less than a map look-up.
type keyBloom struct{ bits []uint64 }

const bloomBits = 1 << 22 // 512 KiB: few false hits for 10,000 queries' keys

func keyHash(b []byte) uint64 {
	h := uint64(14695981039346656037) // FNV-1a
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func (f *keyBloom) add(b []byte) {
	if f.bits == nil {
		f.bits = make([]uint64, bloomBits/64)
	}
	h := keyHash(b) % bloomBits
	f.bits[h/64] |= 1 << (h % 64)
}

// stringHash is keyHash of a string.
func stringHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mayHoldString is mayHold for a string.
func (f *keyBloom) mayHoldString(s string) bool {
	if f.bits == nil {
		return false
	}
	h := stringHash(s) % bloomBits
	return f.bits[h/64]&(1<<(h%64)) != 0
}

// mayHold reports whether b may be a key (false: it is not).
func (f *keyBloom) mayHold(b []byte) bool {
	if f.bits == nil {
		return false
	}
	h := keyHash(b) % bloomBits
	return f.bits[h/64]&(1<<(h%64)) != 0
}

// count adds d to the count of anchors of kind.
func (ls *langSieve) count(kind anchorKind, d int) {
	switch kind {
	case kindTypo1:
		ls.typo1 += d
	case kindTypo2:
		ls.typo2 += d
	}
}

// intern returns the need equal to n that the percolator holds, adding n
// when there is none.
func (p *Percolator) intern(n *need) *need {
	k := needKey(n)
	if o := p.needs[k]; o != nil {
		return o
	}
	n.hash = stringHash(n.term)
	n.id = p.needIDs.get()
	n.runes = runeSet(n.term)
	for _, c := range n.cuts {
		n.cutRunes = append(n.cutRunes, runeSet(c))
	}
	p.needs[k] = n
	if n.word != "" {
		p.surfMu.Lock()
		if p.surfaces == nil {
			p.surfaces = map[string]*need{}
		}
		if _, dup := p.surfaces[surfaceKey(n.lang, n.word, n.term)]; !dup {
			p.surfaces[surfaceKey(n.lang, n.word, n.term)] = n
		}
		p.surfMu.Unlock()
	}
	return n
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// freqs estimates how many articles hit a sieve's keys from the document
// frequencies of the index: a conjunction is anchored under its rarest
// group, and its groups are checked rarest first. They only steer the
// cost, never what passes.
type freqs struct {
	lang    string
	snap    *scorch.IndexSnapshot // nil: no index to read, every count is 1
	release func()
	cache   map[[2]string]float64
}

func (x *Index) newFreqs(lang string) *freqs {
	f := &freqs{lang: lang, cache: map[[2]string]float64{}}
	if _, snap, release, err := x.snapshot(); err == nil {
		f.snap, f.release = snap, release
	}
	return f
}

func (f *freqs) close() {
	if f.release != nil {
		f.release()
	}
}

// df returns the number of documents with term in field, plus one.
func (f *freqs) df(field, term string) float64 {
	k := [2]string{field, term}
	if v, ok := f.cache[k]; ok {
		return v
	}
	v := 1.0
	if f.snap != nil {
		if r, err := f.snap.TermFieldReader(context.Background(), []byte(term), field, false, false, false); err == nil {
			v += float64(r.Count())
			_ = r.Close()
		}
	}
	f.cache[k] = v
	return v
}

// termDF returns the number of documents holding term in the title or
// the body, counted per field (liveDF).
func (f *freqs) termDF(term string) uint64 {
	return uint64(f.df("title_"+f.lang, term) + f.df("body_"+f.lang, term) - 2)
}

// groupCost estimates how many articles hit a group's keys: those that
// hold its terms, more for typo keys (the neighbours') and many more for
// a prefix.
func (f *freqs) groupCost(g group) float64 {
	cost := 0.0
	for _, n := range g {
		df := f.df("title_"+f.lang, n.term) + f.df("body_"+f.lang, n.term)
		switch {
		case n.edits == 0 && len(n.cuts) == 0:
			cost += df
		case n.edits >= 2:
			cost += 3*df + 50 // two-deletion forms: many keys, many chance hits
		default:
			cost += 2*df + 5
		}
		cost += float64(len(n.prefixes)) * (4*df + 50)
	}
	return cost
}

// filterGroup is one filter of a saved query, as anchor keys.
type filterGroup struct {
	cost float64
	keys []string
}

// filterKey is the anchor key of a filter value: its kind ('c'ompany,
// 'n' country, 'l'anguage, 's'ource) and its loose form.
func filterKey(kind byte, v string) string {
	return "\x02" + string(kind) + "\x00" + looseKey(strings.TrimSpace(v))
}

// filterGroups returns the filters of sq that can anchor it, the rarest first.
func filterGroups(sq *savedQuery, f *freqs) []filterGroup {
	var out []filterGroup
	add := func(kind byte, field string, values []string, norm func(string) string) {
		if len(values) == 0 {
			return
		}
		var g filterGroup
		for _, v := range values {
			g.keys = append(g.keys, filterKey(kind, v))
			g.cost += f.df(field, norm(strings.TrimSpace(v)))
		}
		out = append(out, g)
	}
	add('c', fieldCompanies, sq.q.Companies, identity)
	add('s', fieldSource, sq.q.Sources, identity)
	add('n', fieldCountries, sq.q.Countries, upperASCII)
	add('l', fieldLang, sq.q.Languages, strings.ToLower)
	slices.SortStableFunc(out, func(a, b filterGroup) int {
		switch {
		case a.cost < b.cost:
			return -1
		case a.cost > b.cost:
			return 1
		}
		return 0
	})
	return out
}

func filterCost(fgs []filterGroup) float64 {
	if len(fgs) == 0 {
		return math.Inf(1)
	}
	return fgs[0].cost
}

// articleFilterKeys returns the anchor keys of a's filter values.
func articleFilterKeys(a *corpus.Article) []string {
	var out []string
	for _, c := range a.Companies {
		out = append(out, filterKey('c', c))
	}
	for _, c := range a.Countries {
		out = append(out, filterKey('n', c))
	}
	lang := a.Language
	if lang == "" {
		lang = analyzers.Fallback
	}
	out = append(out, filterKey('l', lang))
	if a.Source != "" {
		out = append(out, filterKey('s', a.Source))
	}
	return out
}

// articleView is an article as the sieve checks it.
type articleView struct {
	a       *Committed
	set     map[string]struct{}
	hashes  [articleBloomWords]uint64 // a Bloom filter of one hash (stringHash) over set
	byFirst [256][]artTerm            // its terms by their first byte
	// By need.id, for the needs marked in memoAt and stateAt: whether
	// the article satisfies the need (checked already), and the ways the
	// search takes for the need's near terms with the document count of
	// the need's term they follow from.
	memoAt, stateAt stamps
	memo            []bool
	expand          []typoWays
	dfs             []uint64
	bodyDFs         map[string]uint64 // bodyDF of near terms, read for this article
	// p reads the counts of terms in r, the index the article is in
	// (docs documents), in the language of sieve; nil: every near term
	// counts.
	p     *Percolator
	r     bleveindex.IndexReader
	sieve *langSieve
	lang  string // sieve.lang
	docs  uint64
}

// satisfies reports whether the article satisfies the filters of c's
// query and every group of c.
func (v *articleView) satisfies(c *conj) bool {
	if !passesFilters(&v.a.Article, &c.sq.plan) {
		return false
	}
	for _, g := range c.groups {
		if !v.satisfiesGroup(g) {
			return false
		}
	}
	return true
}

func (v *articleView) satisfiesGroup(g group) bool {
	for _, n := range g {
		if v.accepts(n) {
			return true
		}
	}
	return false
}

// accepts reports whether one of the article's terms satisfies n.
func (v *articleView) accepts(n *need) bool {
	if (n.hash == 0 || v.mayHold(n.hash)) && v.holds(n.term) { // hash 0: a need not interned
		return true
	}
	if n.edits == 0 && len(n.cuts) == 0 && len(n.prefixes) == 0 {
		return false
	}
	if v.memoAt.has(n.id) {
		return v.memo[n.id]
	}
	ok := v.scan(n)
	v.setMemo(n, ok)
	return ok
}

// setMemo records whether the article satisfies n.
func (v *articleView) setMemo(n *need, ok bool) {
	v.memoAt.mark(n.id)
	v.memo[n.id] = ok
}

// articleBloomWords sizes the filter of an article's terms: 4,096 bits,
// a few percent false hits for the hundreds of terms of an article.
const articleBloomWords = 64

// mayHold reports whether the article may hold the term whose
// stringHash is h (false: it does not).
func (v *articleView) mayHold(h uint64) bool {
	h %= 64 * articleBloomWords
	return v.hashes[h/64]&(1<<(h%64)) != 0
}

// holds reports whether the article holds term t.
func (v *articleView) holds(t string) bool {
	_, ok := v.set[t]
	return ok
}

// scan looks for a term n accepts among the article's terms.
func (v *articleView) scan(n *need) bool {
	ways := v.state(n)
	if ways&waysSurface != 0 {
		// Hundreds of surface terms, a few of which an article holds: the
		// article's filter of term hashes skips most look-ups.
		n.surface()
		for i, h := range n.surfHashes {
			if !v.mayHold(h) {
				continue
			}
			if t := n.surfTerms[i]; v.holds(t) && v.admits(n, t, n.stemWays(t) == 0) {
				return true
			}
		}
	}
	typos := (n.edits > 0 || len(n.cuts) > 0) && ways&(waysStem|waysStemLoose) != 0
	if typos && len(n.prefixes) == 0 {
		for _, at := range v.byFirst[n.keep0[0]] {
			if n.mayBeNear(at.runes) && n.stemWays(at.t)&ways != 0 && v.admits(n, at.t, false) {
				return true
			}
		}
		return false
	}
	if len(n.prefixes) == 0 {
		return false // the search takes no near term of n now
	}
	for _, ts := range v.byFirst {
		for _, at := range ts {
			if t := at.t; n.byPrefix(t) || typos && n.stemWays(t)&ways != 0 && v.admits(n, t, false) {
				return true
			}
		}
	}
	return false
}

// artTerm is a term of an article and its runeSet.
type artTerm struct {
	t     string
	runes uint64
}

// runeSet returns a set of 64 classes of the runes of s: a rune's class
// is a bit, the same for all runes of the class.
func runeSet(s string) uint64 {
	var m uint64
	for _, r := range s {
		m |= 1 << (uint32(r) * 2654435761 >> 26)
	}
	return m
}

// mayBeNear reports whether a term whose runeSet is m may be within the
// edits of n's term or within one edit of one of its cuts (stemWays): k
// edits leave out at most k runes of a word, so at most k classes of its
// runes may be missing from m. False only when it is neither.
func (n *need) mayBeNear(m uint64) bool {
	if n.hash == 0 {
		return true // not interned: no sets
	}
	if n.edits > 0 && bits.OnesCount64(n.runes&^m) <= n.edits {
		return true
	}
	for _, c := range n.cutRunes {
		if bits.OnesCount64(c&^m) <= 1 {
			return true
		}
	}
	return false
}

// state returns the ways the search takes now for n's near terms
// (Percolator.typoState), once per need and article.
func (v *articleView) state(n *need) typoWays {
	if !n.hasNearTerms() {
		return 0
	}
	if v.stateAt.has(n.id) {
		return v.expand[n.id]
	}
	e, df := waysStem|waysStemLoose|waysSurface, uint64(0)
	if v.p != nil {
		e, df = v.p.typoState(v.r, v.sieve, n, v.docs)
	}
	v.stateAt.mark(n.id)
	v.expand[n.id], v.dfs[n.id] = e, df
	return e
}

// nearCounts bounds how many of the look-ups of a word's neighbours
// (termQuery.neighbours: the stem space or its cut forms, and the
// surface) count the documents of one near term.
const nearCounts = 2 + stemSlack

// admits reports whether near term t of n (given by n's typed word alone
// when surfaceOnly) may stand for n in the search at the moment: the
// search takes for a word the index has (in df documents, counted in
// every language, df at least v.dfs[n]) only neighbours popularRatio
// times more frequent, in the body, counted once per look-up that gives
// them (nearCounts at most), unless the word is in fewer than
// fuzzyKnownDocs documents and t is in its stem space.
func (v *articleView) admits(n *need, t string, surfaceOnly bool) bool {
	if v.p == nil {
		return true
	}
	v.state(n)
	df := v.dfs[n.id]
	if df == 0 || df < fuzzyKnownDocs && !surfaceOnly {
		return true
	}
	want := popularRatio * df
	if k, ok := v.p.bodyCount(v.lang, t); ok && nearCounts*k >= want {
		return true // counts only grow while no document goes
	}
	n2, ok := v.bodyDFs[t]
	if !ok {
		var err error
		if n2, err = liveDF(context.Background(), v.r, t, "body_"+v.lang); err != nil {
			return true
		}
		v.bodyDFs[t] = n2
		v.p.recordBodyCount(v.lang, t, n2)
	}
	return nearCounts*n2 >= want
}

// byPrefix reports whether t starts with one of n's prefixes.
func (n *need) byPrefix(t string) bool {
	for _, p := range n.prefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// stemWays returns the ways in which t is one of n's near terms in the
// stem space (within the edits of the term or of a cut form).
func (n *need) stemWays(t string) typoWays {
	if (n.edits == 0 && len(n.cuts) == 0) || !strings.HasPrefix(t, n.keep0) {
		return 0
	}
	near := n.edits > 0 && withinEdits(t, n.term, n.edits)
	for _, c := range n.cuts {
		near = near || withinEdits(t, c, 1)
	}
	switch {
	case !near:
		return 0
	case strings.HasPrefix(t, n.keep):
		return waysStem | waysStemLoose
	}
	return waysStemLoose
}

// inSurface reports whether t is the term of a word one edit away from
// n's typed word.
func (n *need) inSurface(t string) bool {
	_, ok := n.surface()[t]
	return ok
}

// surface returns the terms of the words one edit away from n's typed
// word (surfaceNeighbours), computed once; nil without a word.
func (n *need) surface() map[string]struct{} {
	if n.word == "" {
		return nil
	}
	n.surfOnce.Do(func() {
		ws := surfaceNeighbours(n.an, n.word, n.term) // not remembered by the index: computed once per need
		n.surf = make(map[string]struct{}, len(ws))
		for t := range ws {
			n.surf[t] = struct{}{}
			n.surfTerms = append(n.surfTerms, t)
			n.surfHashes = append(n.surfHashes, stringHash(t))
		}
	})
	return n.surf
}

// hasNearTerms reports whether terms other than n's own may satisfy n
// as typos (edits, cut forms, or the surface of a typed word), which
// typoState decides.
func (n *need) hasNearTerms() bool { return n.edits > 0 || len(n.cuts) > 0 || n.word != "" }

// typoState returns the ways the search takes now for the near terms of
// term (see termQuery.expand): the stem space while the word is in fewer
// than knownDocs(docs) documents, keeping only its
// first rune while in none, and the surface while in fewer than
// fuzzyKnownDocs. The search counts the word in every language, this the
// term in lang only, which is never more: the ways returned include the
// search's. Counts are remembered as long as no document goes (they can
// only grow meanwhile), those below the bound read again after
// unknownFor.
func (p *Percolator) typoState(r bleveindex.IndexReader, ls *langSieve, n *need, docs uint64) (typoWays, uint64) {
	bound := knownDocs(docs)
	key := knownKey{ls, n}
	epoch := p.x.removals.Load()
	p.knownMu.Lock()
	p.resetKnownLocked(epoch)
	k, ok := p.known[key]
	p.knownMu.Unlock()
	var now time.Time
	if !ok || k.df < bound {
		now = time.Now()
	}
	if !ok || k.df < bound && now.Sub(k.at) >= unknownFor {
		df, err := liveDF(context.Background(), r, n.term, "title_"+ls.lang, "body_"+ls.lang)
		if err != nil {
			return waysStem | waysStemLoose | waysSurface, 0
		}
		k = knownDF{df: df, at: now}
		p.knownMu.Lock()
		if p.knownAt == epoch {
			p.known[key] = k
		}
		p.knownMu.Unlock()
	}
	var w typoWays
	if k.df < bound {
		w |= waysStem
	}
	if k.df == 0 {
		w |= waysStemLoose
	}
	if k.df < fuzzyKnownDocs {
		w |= waysSurface
	}
	return w, k.df
}

// resetKnownLocked forgets the remembered counts once a document went
// (epoch: x.removals) or too many are remembered. The caller holds
// p.knownMu.
func (p *Percolator) resetKnownLocked(epoch uint64) {
	if p.knownAt != epoch || p.known == nil || len(p.known)+len(p.body) > maxTermHits {
		p.known, p.body, p.knownAt = map[knownKey]knownDF{}, map[[2]string]uint64{}, epoch
	}
}

// bodyCount returns the remembered count of documents whose body in lang
// holds term: at most the current one while no document goes.
func (p *Percolator) bodyCount(lang, term string) (uint64, bool) {
	p.knownMu.Lock()
	defer p.knownMu.Unlock()
	p.resetKnownLocked(p.x.removals.Load())
	n, ok := p.body[[2]string{lang, term}]
	return n, ok
}

// recordBodyCount remembers a count bodyCount returns.
func (p *Percolator) recordBodyCount(lang, term string, n uint64) {
	p.knownMu.Lock()
	defer p.knownMu.Unlock()
	p.resetKnownLocked(p.x.removals.Load())
	p.body[[2]string{lang, term}] = n
}

// unknownFor is how long the count of a term found below the bound of
// typoState is taken as it was.
const unknownFor = 10 * time.Second

// withinEdits reports whether a and b are at most k edits apart (Damerau).
func withinEdits(a, b string, k int) bool {
	if d := len(a) - len(b); d > 4*k || d < -4*k {
		return false // a rune is at most 4 bytes
	}
	if isASCII(a) && isASCII(b) {
		if d := len(a) - len(b); d > k || d < -k {
			return false
		}
		if k == 1 {
			return withinOneASCII(a, b)
		}
		return damerauBytes(a, b, k) <= k
	}
	var ra, rb [2 * fuzzyMaxLen]rune
	na, nb := 0, 0
	for _, r := range a {
		if na == len(ra) {
			return false // longer than any fuzzy term
		}
		ra[na] = r
		na++
	}
	for _, r := range b {
		if nb == len(rb) {
			return false
		}
		rb[nb] = r
		nb++
	}
	if na-nb > k || nb-na > k {
		return false
	}
	return osaDistance(ra[:na], rb[:nb]) <= k
}

// withinOneASCII reports whether ASCII strings a and b, whose lengths
// differ by one at most, are at most one edit apart (a deletion, an
// insertion, a substitution or a transposition of adjacent letters, as
// osaDistance counts them), in linear time.
func withinOneASCII(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) > len(b) {
		return a[i+1:] == b[i:]
	}
	if i == len(a) || a[i+1:] == b[i+1:] {
		return true
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// damerauBytes is osaDistance for ASCII strings of at most 2*fuzzyMaxLen
// bytes (longer ones are k+1 away), stopping at k+1 once a row exceeds k.
func damerauBytes(a, b string, k int) int {
	if len(a) > 2*fuzzyMaxLen || len(b) > 2*fuzzyMaxLen {
		return k + 1
	}
	var rows [3][2*fuzzyMaxLen + 1]int
	prev2, prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			low = min(low, cur[j])
		}
		if low > k {
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// passesFilters reports whether a may pass the filters of p, loosely: a
// value matches when it equals the filter's with case and accents folded.
func passesFilters(a *corpus.Article, p *plan) bool {
	q := &p.q
	anyLoose := func(want, have []string) bool {
		if len(want) == 0 {
			return true
		}
		for _, w := range want {
			kw := looseKey(strings.TrimSpace(w))
			for _, h := range have {
				if looseKey(h) == kw {
					return true
				}
			}
		}
		return false
	}
	lang := a.Language
	if lang == "" {
		lang = analyzers.Fallback
	}
	if !anyLoose(q.Companies, a.Companies) || !anyLoose(q.Countries, a.Countries) ||
		!anyLoose(q.Languages, []string{lang}) || len(q.Sources) > 0 && !anyLoose(q.Sources, []string{a.Source}) {
		return false
	}
	if q.AmountMin != nil || q.AmountMax != nil {
		lo, hi := math.Inf(-1), math.Inf(1)
		if q.AmountMin != nil {
			lo = *q.AmountMin * (1 - 1e-9)
		}
		if q.AmountMax != nil {
			hi = *q.AmountMax * (1 + 1e-9)
		}
		ok := false
		for _, am := range a.Amounts {
			ok = ok || am.EUR >= lo && am.EUR <= hi
		}
		if !ok {
			return false
		}
	}
	if p.dayFrom != math.MinInt32 || p.dayTo != math.MaxInt32 {
		if a.Published.IsZero() {
			return false
		}
		d := int64(dayOf(a.Published))
		if d < int64(p.dayFrom)-1 || d > int64(p.dayTo)+1 { // a day of slack either side: time zones
			return false
		}
	}
	return true
}

// dnf is an OR of conjunctions of groups: what an article needs.
type dnf [][]group

// sieveOf reads a compiled text query (of one language) as what an
// article needs to match it. Unknown parts read as "anything", so the
// result is never narrower than the query.
func sieveOf(q query.Query, an analysis.Analyzer) dnf {
	switch q := q.(type) {
	case *termQuery:
		return dnf{{group{needOf(q, an)}}}
	case *query.TermQuery:
		return dnf{{group{&need{term: q.Term}}}}
	case *phraseQuery:
		var groups []group
		for _, pos := range q.Terms {
			if len(pos) == 0 {
				continue
			}
			g := make(group, 0, len(pos))
			for _, t := range pos {
				g = append(g, &need{term: t})
			}
			groups = append(groups, g)
		}
		return dnf{groups}
	case *query.ConjunctionQuery:
		out := dnf{{}}
		for _, k := range q.Conjuncts {
			out = andDNF(out, sieveOf(k, an))
		}
		return out
	case *query.DisjunctionQuery:
		// At least one of them (Min > 1 asks more: reading it as one is wider).
		var out dnf
		for _, k := range q.Disjuncts {
			out = orDNF(out, sieveOf(k, an))
		}
		return out
	case *sumQuery:
		var out dnf
		for _, k := range q.Parts {
			out = orDNF(out, sieveOf(k, an))
		}
		return out
	case *query.BooleanQuery:
		if q.Must != nil {
			return sieveOf(q.Must, an) // MustNot only narrows; Should does not restrict beside Must
		}
		if q.Should != nil {
			return sieveOf(q.Should, an)
		}
		return dnf{{}}
	case *query.MatchNoneQuery:
		return dnf{}
	}
	return dnf{{}} // MatchAll, or a query this reading does not know: anything
}

// needOf returns what the terms a termQuery can match need: its term,
// starting with one of its Prefixes, or, as typos, within Edits of it or
// within one edit of its cut forms (keeping its first FuzzyPrefix bytes,
// or its first rune), or the terms an gives the words one edit away from
// its Surface. It must list at least every term termQuery.Searcher can
// match, whatever the index (see termQuery.neighbours).
func needOf(q *termQuery, an analysis.Analyzer) *need {
	_, first := utf8.DecodeRuneInString(q.Term)
	n := &need{term: q.Term, edits: q.Edits, keep: q.Term[:min(q.FuzzyPrefix, len(q.Term))], keep0: q.Term[:first], prefixes: q.Prefixes}
	if len(n.keep) < len(n.keep0) {
		n.keep = n.keep0
	}
	if rs := []rune(q.Term); q.Edits > 0 && len(rs) >= stemSlackMin {
		for k := len(rs) - 1; k >= len(rs)-stemSlack && k >= stemSlackMin-1; k-- {
			n.cuts = append(n.cuts, string(rs[:k]))
		}
	}
	if q.Edits > 0 && q.Surface != "" {
		n.lang, n.word, n.an = q.Lang, q.Surface, an
	}
	return n
}

// andDNF returns a AND b. When the product would be too large, only the
// side with fewer conjunctions is kept: dropping a conjunct only widens.
func andDNF(a, b dnf) dnf {
	if len(a)*len(b) > maxSieveConjs {
		if len(a) <= len(b) {
			return a
		}
		return b
	}
	out := make(dnf, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			c := append(slices.Clip(x), y...)
			out = orDNF(out, dnf{uniqGroups(c)})
		}
	}
	return out
}

// orDNF returns a OR b, without repeated conjunctions; too many make
// "anything".
func orDNF(a, b dnf) dnf {
	for _, c := range b {
		k := conjKey(c)
		if !slices.ContainsFunc(a, func(o []group) bool { return conjKey(o) == k }) {
			a = append(a, c)
		}
	}
	if len(a) > maxSieveConjs {
		return dnf{{}}
	}
	return a
}

// needKey identifies what a need accepts.
func needKey(n *need) string {
	var b strings.Builder
	b.WriteString(n.term)
	b.WriteByte(0)
	b.WriteByte(byte('0' + n.edits))
	b.WriteString(n.keep)
	for _, p := range n.prefixes {
		b.WriteByte(1)
		b.WriteString(p)
	}
	for _, c := range n.cuts {
		b.WriteByte(3)
		b.WriteString(c)
	}
	if n.word != "" {
		b.WriteByte(4)
		b.WriteString(n.lang)
		b.WriteByte(0)
		b.WriteString(n.word)
	}
	return b.String()
}

func groupKey(g group) string {
	var b strings.Builder
	for _, n := range g {
		b.WriteString(needKey(n))
		b.WriteByte(2)
	}
	return b.String()
}

func conjKey(c []group) string {
	keys := make([]string, len(c))
	for i, g := range c {
		keys[i] = groupKey(g)
	}
	slices.Sort(keys)
	return strings.Join(keys, "\x03")
}

func uniqGroups(c []group) []group {
	var out []group
	seen := map[string]bool{}
	for _, g := range c {
		if k := groupKey(g); !seen[k] {
			seen[k] = true
			out = append(out, g)
		}
	}
	return out
}

// typoKeys returns the forms of term with at most edits runes deleted
// (edits 0: term alone).
func typoKeys(term string, edits int) []string {
	keys := []string{term}
	if edits >= 1 {
		_ = deletions1(term, nil, func(v []byte) { keys = append(keys, string(v)) })
	}
	if edits >= 2 {
		_ = deletions2(term, nil, func(v []byte) { keys = append(keys, string(v)) })
	}
	return keys
}

// deletions1 calls f with each form of s missing one rune, built in buf
// (returned for reuse); f must not keep its argument.
func deletions1(s string, buf []byte, f func([]byte)) []byte {
	for i, r := range s {
		size := utf8.RuneLen(r)
		if size < 0 {
			size = 1
		}
		buf = append(append(buf[:0], s[:i]...), s[i+size:]...)
		f(buf)
	}
	return buf
}

// deletions2 calls f with each form of s missing two runes.
func deletions2(s string, buf []byte, f func([]byte)) []byte {
	for i, r := range s {
		si := utf8.RuneLen(r)
		if si < 0 {
			si = 1
		}
		rest := s[i+si:]
		for j, r2 := range rest {
			sj := utf8.RuneLen(r2)
			if sj < 0 {
				sj = 1
			}
			buf = append(append(append(buf[:0], s[:i]...), rest[:j]...), rest[j+sj:]...)
			f(buf)
		}
	}
	return buf
}

// firstRunes returns the first n runes of s.
func firstRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

func uniq(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}
