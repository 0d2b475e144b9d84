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
// article only if it is among the article's candidates. The caller
// confirms them with the search itself (Query.IDs), which alone decides.

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

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
}

// savedQuery is one query of a Percolator.
type savedQuery struct {
	id   string
	q    Query
	plan plan
}

// need is one way of satisfying a group: an article term equal to term,
// or within edits of it (Damerau), or within one edit of one of cuts, or
// starting with one of prefixes.
type need struct {
	term     string
	edits    int
	cuts     []string
	prefixes []string
}

// group is satisfied by an article holding a term one of its needs accepts.
type group []need

// conj is one conjunction of a saved query in one language.
type conj struct {
	sq     *savedQuery
	groups []group
}

// langSieve indexes the conjunctions of every saved query in one language.
type langSieve struct {
	lang   string
	exact  map[string][]*conj // anchors' exact terms
	fuzzy1 map[string][]*conj // anchors' typo keys, one deletion at most
	fuzzy2 map[string][]*conj // anchors' typo keys of two-edit terms
	prefix map[string][]*conj // anchors' prefixes, by their first runes
	filter map[string][]*conj // anchors' filter values (filterKey)
	always []*conj            // conjunctions without text or filters
	keys   map[*savedQuery][]sieveKey
}

// sieveKey is where a conjunction was registered, for removal.
type sieveKey struct {
	m   map[string][]*conj
	key string // "" for always
	c   *conj
}

// NewPercolator returns an empty percolator reading queries as x's
// searches do.
func (x *Index) NewPercolator() *Percolator {
	return &Percolator{x: x, saved: make(map[string]*savedQuery), langs: make(map[string]*langSieve)}
}

// Add saves q under id, replacing any query with that id. Its paging,
// sort, highlighting, cursor and IDs are ignored. Errors wrap
// ErrInvalidQuery (q could not be searched) or ErrClosed.
func (p *Percolator) Add(id string, q Query) error {
	q.Page, q.PerPage, q.Cursor, q.Sort, q.Highlight, q.IDs, q.FacetSize = 0, 0, "", "", false, nil, 0
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
	defer p.mu.Unlock()
	p.removeLocked(id)
	p.saved[id] = sq
	for _, ls := range p.langs {
		if err := p.register(ls, sq); err != nil {
			p.removeLocked(id)
			return err
		}
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
		for _, k := range ls.keys[sq] {
			if k.m == nil {
				ls.always = slices.DeleteFunc(ls.always, func(c *conj) bool { return c == k.c })
				continue
			}
			list := slices.DeleteFunc(k.m[k.key], func(c *conj) bool { return c == k.c })
			if len(list) == 0 {
				delete(k.m, k.key)
			} else {
				k.m[k.key] = list
			}
		}
		delete(ls.keys, sq)
	}
}

// liveMapping returns the mapping of the live generation.
func (x *Index) liveMapping() (mapping.IndexMapping, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, ErrClosed
	}
	return x.gen.mapping, nil
}

// Candidates returns the ids of the saved queries a may match, sorted:
// every saved query that matches a is among them (see the top of
// percolate.go), and each must be confirmed by a search. Errors wrap
// ErrClosed.
func (p *Percolator) Candidates(a Committed) ([]string, error) {
	lang := a.Article.Language
	if lang == "" {
		lang = analyzers.Fallback
	}
	ls, err := p.langSieve(fieldLang4(lang))
	if err != nil {
		return nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	terms := make(map[string]struct{}, len(a.terms))
	for _, t := range a.terms {
		terms[t] = struct{}{}
	}
	art := articleView{a: &a, terms: a.terms, set: terms}
	seen := make(map[*conj]struct{})
	var ids []string
	accepted := make(map[*savedQuery]bool)
	try := func(cs []*conj) {
		for _, c := range cs {
			if _, ok := seen[c]; ok || accepted[c.sq] {
				continue
			}
			seen[c] = struct{}{}
			if art.satisfies(c) {
				accepted[c.sq] = true
				ids = append(ids, c.sq.id)
			}
		}
	}
	try(ls.always)
	for _, k := range articleFilterKeys(&a.Article) {
		try(ls.filter[k])
	}
	var buf []byte
	for _, t := range a.terms {
		try(ls.exact[t])
		try(ls.fuzzy1[t])
		try(ls.fuzzy2[t])
		n := utf8.RuneCountInString(t)
		if len(ls.prefix) > 0 {
			for k := 1; k <= min(n, anchorPrefix); k++ {
				try(ls.prefix[firstRunes(t, k)])
			}
		}
		if n > fuzzyMaxLen+2 {
			continue
		}
		if n >= 3 && (len(ls.fuzzy1) > 0 || len(ls.fuzzy2) > 0) {
			buf = deletions1(t, buf, func(v []byte) {
				try(ls.fuzzy1[string(v)])
				try(ls.fuzzy2[string(v)])
			})
		}
		if n >= fuzzyTwoStem-2 && len(ls.fuzzy2) > 0 {
			buf = deletions2(t, buf, func(v []byte) { try(ls.fuzzy2[string(v)]) })
		}
	}
	slices.Sort(ids)
	return ids, nil
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
	ls = &langSieve{lang: lang, exact: map[string][]*conj{}, fuzzy1: map[string][]*conj{}, fuzzy2: map[string][]*conj{},
		prefix: map[string][]*conj{}, filter: map[string][]*conj{}, keys: map[*savedQuery][]sieveKey{}}
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
	m, err := p.x.liveMapping()
	if err != nil {
		return err
	}
	cq, err := compileTextQuery(sq.q.Text, sq.q.Mode, m, textQueryOptions{Languages: []string{ls.lang}})
	if err != nil {
		return err
	}
	d := dnf{{}} // no text: every article passes it
	if cq.Query != nil {
		d = sieveOf(cq.Query)
	}
	fgs := filterGroups(sq)
	for _, groups := range d {
		c := &conj{sq: sq, groups: groups}
		add := func(m map[string][]*conj, key string) {
			m[key] = append(m[key], c)
			ls.keys[sq] = append(ls.keys[sq], sieveKey{m: m, key: key, c: c})
		}
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
					add(ls.exact, n.term)
				default:
					target := ls.fuzzy1
					if n.edits >= 2 {
						target = ls.fuzzy2
					}
					keys := typoKeys(n.term, n.edits)
					for _, cut := range n.cuts {
						keys = append(keys, typoKeys(cut, 1)...)
					}
					for _, k := range uniq(keys) {
						add(target, k)
					}
				}
				for _, pre := range n.prefixes {
					add(ls.prefix, firstRunes(pre, anchorPrefix))
				}
			}
		case len(fgs) > 0:
			for _, k := range fgs[0].keys {
				add(ls.filter, k)
			}
		default:
			ls.always = append(ls.always, c)
			ls.keys[sq] = append(ls.keys[sq], sieveKey{c: c})
		}
	}
	return nil
}

// groupCost estimates how often a group's keys are hit by articles that
// do not satisfy it: exact terms rarely, typo keys a little more, the
// first letters of a prefix often.
func groupCost(g group) float64 {
	cost := 0.0
	for _, n := range g {
		switch {
		case n.edits == 0 && len(n.cuts) == 0:
			cost += 1 + 4/float64(max(1, len(n.term)))
		default:
			cost += 3 + float64(n.edits)
		}
		cost += 20 * float64(len(n.prefixes))
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
	return string(kind) + "\x00" + looseKey(strings.TrimSpace(v))
}

// filterGroups returns the filters of sq that can anchor it, the rarest first.
func filterGroups(sq *savedQuery) []filterGroup {
	var out []filterGroup
	add := func(kind byte, cost float64, values []string) {
		if len(values) == 0 {
			return
		}
		g := filterGroup{cost: cost * float64(len(values))}
		for _, v := range values {
			g.keys = append(g.keys, filterKey(kind, v))
		}
		out = append(out, g)
	}
	add('c', 5, sq.q.Companies)
	add('s', 15, sq.q.Sources)
	add('n', 25, sq.q.Countries)
	add('l', 60, sq.q.Languages)
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
	a     *Committed
	terms []string
	set   map[string]struct{}
}

// satisfies reports whether the article satisfies every group of c and
// the filters of c's query.
func (v *articleView) satisfies(c *conj) bool {
	for _, g := range c.groups {
		if !v.satisfiesGroup(g) {
			return false
		}
	}
	return passesFilters(&v.a.Article, &c.sq.plan)
}

func (v *articleView) satisfiesGroup(g group) bool {
	for _, n := range g {
		if _, ok := v.set[n.term]; ok {
			return true
		}
		if n.edits == 0 && len(n.cuts) == 0 && len(n.prefixes) == 0 {
			continue
		}
		for _, t := range v.terms {
			if n.accepts(t) {
				return true
			}
		}
	}
	return false
}

// accepts reports whether article term t satisfies n.
func (n *need) accepts(t string) bool {
	for _, p := range n.prefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	if n.edits > 0 && within(t, n.term, n.edits) {
		return true
	}
	for _, c := range n.cuts {
		if within(t, c, 1) {
			return true
		}
	}
	return false
}

// within reports whether a and b are at most k edits apart (Damerau).
func within(a, b string, k int) bool {
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	if la-lb > k || lb-la > k {
		return false
	}
	return damerau(a, b) <= k
}

// damerau returns the optimal-string-alignment distance of a and b, in runes.
func damerau(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
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
func sieveOf(q query.Query) dnf {
	switch q := q.(type) {
	case *termQuery:
		return dnf{{group{needOf(q)}}}
	case *query.TermQuery:
		return dnf{{group{{term: q.Term}}}}
	case *phraseQuery:
		var groups []group
		for _, pos := range q.Terms {
			if len(pos) == 0 {
				continue
			}
			g := make(group, 0, len(pos))
			for _, t := range pos {
				g = append(g, need{term: t})
			}
			groups = append(groups, g)
		}
		return dnf{groups}
	case *query.ConjunctionQuery:
		out := dnf{{}}
		for _, k := range q.Conjuncts {
			out = andDNF(out, sieveOf(k))
		}
		return out
	case *query.DisjunctionQuery:
		// At least one of them (Min > 1 asks more: reading it as one is wider).
		var out dnf
		for _, k := range q.Disjuncts {
			out = orDNF(out, sieveOf(k))
		}
		return out
	case *query.BooleanQuery:
		if q.Must != nil {
			return sieveOf(q.Must) // MustNot only narrows; Should does not restrict beside Must
		}
		if q.Should != nil {
			return sieveOf(q.Should)
		}
		return dnf{{}}
	case *query.MatchNoneQuery:
		return dnf{}
	}
	return dnf{{}} // MatchAll, or a query this reading does not know: anything
}

// needOf returns what the terms a termQuery can match need: its term,
// within Edits of it, within one edit of its cut forms (fuzzyTerms'
// stem slack) or starting with one of its Prefixes. It must list at
// least every term termQuery.Searcher can match, whatever the index.
func needOf(q *termQuery) need {
	n := need{term: q.Term, edits: q.Edits, prefixes: q.Prefixes}
	if rs := []rune(q.Term); q.Edits > 0 && len(rs) >= stemSlackMin {
		for k := len(rs) - 1; k >= len(rs)-stemSlack && k >= stemSlackMin-1; k-- {
			n.cuts = append(n.cuts, string(rs[:k]))
		}
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

func groupKey(g group) string {
	var b strings.Builder
	for _, n := range g {
		b.WriteString(n.term)
		b.WriteByte(0)
		b.WriteByte(byte('0' + n.edits))
		for _, p := range n.prefixes {
			b.WriteString(p)
			b.WriteByte(1)
		}
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
