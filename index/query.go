package index

// The query language of GET /api/search (parameter q).
//
// A query is a sequence of clauses separated by white space:
//
//	word        must match (mode "all") or may match (mode "any")
//	"a phrase"  the words in this order, on the title or the body
//	-word       articles containing word are excluded
//	-"a phrase" articles containing the phrase are excluded
//
// Words are analyzed like the indexed text, once per language: elision,
// case and accent folding, stop words, stemming. A query searches every
// language: its clauses must all match inside one language's fields (AND
// within a language, OR across languages), and a clause that analyzes to
// nothing in a language (a stop word there) is dropped for that language
// only. A language that keeps no clause is not searched.
//
// Leniency, so that whatever a user types runs:
//   - Quotes are ", “, ”, „, « and »; any of them opens or closes a phrase.
//     An unclosed quote runs to the end of the query (search as you type).
//     Inside a phrase, stop words and plurals match as in the text:
//     "centre de données" finds "centres de données".
//   - '+' before a clause is ignored (words are required anyway); lone
//     operators ("-", "+", "--", `""`) are ignored; a '-' inside a word
//     ("États-Unis") is part of the word.
//   - AND, OR, NOT, parentheses, '*', '?' and other punctuation have no
//     special meaning: words are words and the analyzer drops punctuation.
//     There is no wildcard or regular-expression syntax, so no query can
//     expand to an unbounded set of terms.
//   - Control characters are treated as spaces.
//
// Refused with ErrInvalidQuery: text that is not valid UTF-8, more than
// maxQueryRunes characters, more than maxQueryWords words.
//
// Typo tolerance and search as you type:
//   - A bare word (not in a phrase, not excluded) of 5 or more letters also
//     matches terms one edit away, 9 or more letters two edits (Damerau
//     edits: a transposition counts once). Letters are counted after
//     folding; words with digits are never fuzzy. The edit distance applies
//     to the analyzed term (the stem), and is lowered to 1 when the stem has
//     fewer than 7 letters. The first letter must match, the first two for
//     stems of 4 or 5 letters; stems of 3 letters or less are exact.
//   - A term the index knows well (in fuzzyKnownDocs documents or more of
//     the language) is taken as spelled right and not expanded: typo
//     tolerance serves words the index lacks or barely has.
//   - Exact matches rank first: near terms weigh fuzzyBoost/(1+edits),
//     scored with the IDF of the most frequent near term and favouring
//     frequent ones (blendWeights), so "macorn" lists Macron before Mâcon.
//   - The last clause, when it is a bare word, also matches as a prefix
//     ("nvid" finds Nvidia) when its prefix has at least 3 letters: the
//     maxPrefixTerms most frequent completions, weighted prefixBoost.
//   - Expansions are bounded per term (maxFuzzyTerms, maxPrefixTerms), so
//     Bleve's searcher.DisjunctionMaxClauseCount never trips on them as
//     long as it is at least 2*max(maxFuzzyTerms+maxPrefixTerms, 16).
//   - Title matches outrank body matches (titleBoost).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
	"veille/corpus/fold"
)

// Limits and weights of the query language.
const (
	maxQueryRunes = 1000 // characters in the whole query
	maxQueryWords = 32   // words, counted as runs of letters and digits
	maxLangTerms  = 64   // analyzed terms in one language (guards odd tokenizations)

	fuzzyOneMin  = 5  // letters for one edit
	fuzzyTwoMin  = 9  // letters for two edits
	fuzzyTwoStem = 7  // a stem needs this many letters to get two edits
	fuzzyMaxLen  = 40 // longer terms are not words: no fuzzy matching
	fuzzyShort   = 6  // stems shorter than this keep their first 2 letters in a fuzzy match, others 1
	prefixMin    = 3  // letters a prefix needs

	titleBoost  = 2.0 // a title match weighs this many body matches
	fuzzyBoost  = 0.2 // relative weight of a fuzzy match
	prefixBoost = 0.3 // relative weight of a prefix match
)

// Query modes.
const (
	modeAll = "all"
	modeAny = "any"
)

// clause is one element of a parsed query.
type clause struct {
	Text    string // the word, or the phrase without its quotes
	Phrase  bool
	Exclude bool
}

// parsedQuery is the syntax of a query, before analysis.
type parsedQuery struct {
	Clauses []clause
	// Prefix is the index in Clauses of the bare word that also matches as
	// a prefix, or -1.
	Prefix int
	Words  int // number of words, as counted against maxQueryWords
}

// positive reports whether q has a clause that must or may match, as
// opposed to none or exclusions only.
func (q parsedQuery) positive() bool {
	for _, c := range q.Clauses {
		if !c.Exclude {
			return true
		}
	}
	return false
}

// invalidQuery returns an error wrapping ErrInvalidQuery whose text, after
// the sentinel's, is msg: a sentence for the user.
func invalidQuery(msg string) error {
	return fmt.Errorf("%w: %s", ErrInvalidQuery, msg)
}

func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '«', '»':
		return true
	}
	return false
}

func isOperator(r rune) bool { return r == '-' || r == '+' }

// countWords counts the runs of letters and digits of s.
func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

// parseQuery splits text into clauses (see the package comment of this
// file for the language). Clauses without a letter or a digit are dropped,
// and so are repeated clauses. Errors wrap ErrInvalidQuery.
func parseQuery(text string) (parsedQuery, error) {
	p := parsedQuery{Prefix: -1}
	if !utf8.ValidString(text) {
		return p, invalidQuery("the query is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(text); n > maxQueryRunes {
		return p, invalidQuery(fmt.Sprintf("the query is too long: %d characters, at most %d", n, maxQueryRunes))
	}
	rs := []rune(text)
	for i, r := range rs {
		if unicode.IsControl(r) {
			rs[i] = ' '
		}
	}
	seen := make(map[clause]bool)
	lastPositiveWord := false
	add := func(c clause) {
		c.Text = strings.TrimSpace(c.Text)
		words := countWords(c.Text)
		if words == 0 {
			return
		}
		key := c
		key.Text = fold.Lower(c.Text)
		lastPositiveWord = !c.Phrase && !c.Exclude
		if seen[key] {
			if lastPositiveWord {
				// "nvidia nvid": the repeated word is no longer the last one.
				for i, o := range p.Clauses {
					if !o.Phrase && !o.Exclude && fold.Lower(o.Text) == key.Text {
						p.Prefix = i
					}
				}
			}
			return
		}
		seen[key] = true
		p.Words += words
		p.Clauses = append(p.Clauses, c)
		if lastPositiveWord {
			p.Prefix = len(p.Clauses) - 1
		}
	}
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		neg := false
		j := i
		for j < len(rs) && isOperator(rs[j]) {
			neg = neg || rs[j] == '-'
			j++
		}
		switch {
		case j == len(rs) || unicode.IsSpace(rs[j]):
			// Lone operators.
		case isQuote(rs[j]):
			k := j + 1
			for k < len(rs) && !isQuote(rs[k]) {
				k++
			}
			add(clause{Text: string(rs[j+1 : min(k, len(rs))]), Phrase: true, Exclude: neg})
			if k < len(rs) {
				k++ // the closing quote
			}
			j = k
		default:
			k := j
			for k < len(rs) && !unicode.IsSpace(rs[k]) && !isQuote(rs[k]) {
				k++
			}
			add(clause{Text: string(rs[j:k]), Exclude: neg})
			j = k
		}
		i = j
	}
	if !lastPositiveWord {
		p.Prefix = -1
	}
	if p.Words > maxQueryWords {
		return parsedQuery{Prefix: -1}, invalidQuery(fmt.Sprintf("the query has too many words: %d, at most %d", p.Words, maxQueryWords))
	}
	return p, nil
}

// textQueryOptions tune [compileTextQuery]. The zero value is the
// contract's behaviour.
type textQueryOptions struct {
	// Languages limits the languages searched, for instance to those the
	// index holds; nil means analyzers.Languages.
	Languages []string
	// NoFuzzy and NoPrefix turn off typo tolerance and prefix matching of
	// the last word (a fallback when a prefix expands to too many terms).
	NoFuzzy, NoPrefix bool
}

// compiledQuery is a query ready to run.
type compiledQuery struct {
	// Query is nil when the text has no searchable clause: the caller
	// matches every article.
	Query query.Query
	// Scored is true when Query has clauses that match (as opposed to
	// exclusions only), so that sorting by relevance means something.
	Scored bool
	// Parsed is the syntax of the text.
	Parsed parsedQuery
}

// buildTextQuery compiles the text of a search in mode "all" or "any"
// (empty means "all") against the fields title_<l> and body_<l> of every
// language of analyzers.Languages, analyzed with m's analyzers for those
// fields. It returns nil when text has nothing to search (the caller
// matches every article). Errors wrap ErrInvalidQuery and say what is
// wrong in words a user understands.
func buildTextQuery(text, mode string, m mapping.IndexMapping) (query.Query, error) {
	c, err := compileTextQuery(text, mode, m, textQueryOptions{})
	return c.Query, err
}

// compileTextQuery is [buildTextQuery] with options and more results.
func compileTextQuery(text, mode string, m mapping.IndexMapping, opt textQueryOptions) (compiledQuery, error) {
	switch mode {
	case "":
		mode = modeAll
	case modeAll, modeAny:
	default:
		return compiledQuery{}, invalidQuery(fmt.Sprintf("unknown mode %q: use \"all\" or \"any\"", mode))
	}
	p, err := parseQuery(text)
	if err != nil {
		return compiledQuery{}, err
	}
	out := compiledQuery{Parsed: p}
	if len(p.Clauses) == 0 {
		return out, nil
	}
	langs := opt.Languages
	if langs == nil {
		langs = analyzers.Languages
	}
	var perLang, excluded []query.Query
	for _, l := range langs {
		an, err := languageAnalyzer(m, l)
		if err != nil {
			return compiledQuery{}, err
		}
		b := langBuilder{lang: l, an: an, opt: opt}
		var positive []query.Query
		for i, c := range p.Clauses {
			var q query.Query
			switch {
			case c.Exclude:
				q = b.exclusion(c)
			case c.Phrase:
				q = b.phrase(c.Text)
			default:
				q = b.word(c.Text, i == p.Prefix)
			}
			if q == nil {
				continue
			}
			if c.Exclude {
				excluded = append(excluded, q)
			} else {
				positive = append(positive, q)
			}
		}
		if b.terms > maxLangTerms {
			return compiledQuery{}, invalidQuery(fmt.Sprintf("the query has too many words: at most %d", maxQueryWords))
		}
		switch {
		case len(positive) == 0:
		case len(positive) == 1:
			perLang = append(perLang, positive[0])
		case mode == modeAll:
			perLang = append(perLang, query.NewConjunctionQuery(positive))
		default:
			perLang = append(perLang, query.NewDisjunctionQuery(positive))
		}
	}
	var must query.Query
	switch {
	case len(perLang) == 1:
		must = perLang[0]
	case len(perLang) > 1:
		must = query.NewDisjunctionQuery(perLang)
	case p.positive():
		// Every positive clause is a stop word in every language: nothing
		// can match. Exclusions cannot widen that.
		out.Query = query.NewMatchNoneQuery()
		out.Scored = true
		return out, nil
	}
	out.Scored = must != nil
	if len(excluded) == 0 {
		out.Query = must
		return out, nil
	}
	if must == nil {
		must = query.NewMatchAllQuery()
	}
	var mustNot query.Query = query.NewDisjunctionQuery(excluded)
	if len(excluded) == 1 {
		mustNot = excluded[0]
	}
	out.Query = query.NewBooleanQuery([]query.Query{must}, nil, []query.Query{mustNot})
	return out, nil
}

// languageAnalyzer returns the analyzer of body_<lang> in m.
func languageAnalyzer(m mapping.IndexMapping, lang string) (analysis.Analyzer, error) {
	name := m.AnalyzerNameForPath("body_" + lang)
	if an := m.AnalyzerNamed(name); an != nil && name != "" {
		return an, nil
	}
	if an := m.AnalyzerNamed(analyzers.AnalyzerName(lang)); an != nil {
		return an, nil
	}
	return nil, errors.New("index: no analyzer for language " + lang)
}

// langBuilder builds the clauses of one language.
type langBuilder struct {
	lang  string
	an    analysis.Analyzer
	opt   textQueryOptions
	terms int // analyzed terms so far, against maxLangTerms
}

func (b *langBuilder) analyze(s string) analysis.TokenStream {
	ts := b.an.Analyze([]byte(s))
	b.terms += len(ts)
	return ts
}

// pair returns a query matching the title or the body of b's language,
// the title weighing titleBoost times more.
func (b *langBuilder) pair(mk func(field string) query.Query, boost float64) query.Query {
	t := mk("title_" + b.lang)
	t.(query.BoostableQuery).SetBoost(boost * titleBoost)
	d := mk("body_" + b.lang)
	d.(query.BoostableQuery).SetBoost(boost)
	return query.NewDisjunctionQuery([]query.Query{t, d})
}

func (b *langBuilder) termPair(term string, boost float64) query.Query {
	return b.pair(func(f string) query.Query {
		q := query.NewTermQuery(term)
		q.SetField(f)
		return q
	}, boost)
}

// word returns the query of a bare word, nil when the word analyzes to
// nothing in b's language. A word giving several terms ("États-Unis")
// needs them all.
func (b *langBuilder) word(text string, prefix bool) query.Query {
	ts := b.analyze(text)
	if len(ts) == 0 {
		return nil
	}
	parts := make([]query.Query, 0, len(ts))
	seen := make(map[string]bool, len(ts))
	for i, t := range ts {
		tq := &termQuery{Lang: b.lang, Term: string(t.Term)}
		last := i == len(ts)-1
		if seen[tq.Term] && !(last && prefix) {
			continue
		}
		seen[tq.Term] = true
		if !b.opt.NoFuzzy {
			tq.Edits, tq.FuzzyPrefix = fuzziness(text[t.Start:t.End], tq.Term)
		}
		if last && prefix && !b.opt.NoPrefix {
			tq.Prefixes = prefixCandidates(b.lang, text[t.Start:t.End], tq.Term)
		}
		parts = append(parts, tq)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return query.NewConjunctionQuery(parts)
}

// phrase returns the query of a phrase, nil when it analyzes to nothing
// in b's language. Positions left empty by stop words match any term, so
// "centre de données" finds "centres des données".
func (b *langBuilder) phrase(text string) query.Query {
	ts := b.analyze(text)
	if len(ts) == 0 {
		return nil
	}
	terms := phraseTerms(ts)
	if len(terms) == 1 {
		if len(terms[0]) == 1 {
			return b.termPair(terms[0][0], 1)
		}
	}
	return b.pair(func(field string) query.Query {
		return &phraseQuery{Lang: b.lang, Field: field, Terms: terms}
	}, 1)
}

// exclusion returns the query of an excluded clause: its words as a
// phrase, nil when it analyzes to nothing in b's language.
func (b *langBuilder) exclusion(c clause) query.Query {
	return b.phrase(c.Text)
}

// phraseTerms lays the terms of ts out by position, relative to the first
// one; a position without a term (a removed stop word) is an empty slice.
func phraseTerms(ts analysis.TokenStream) [][]string {
	first, last := ts[0].Position, ts[0].Position
	for _, t := range ts {
		first = min(first, t.Position)
		last = max(last, t.Position)
	}
	out := make([][]string, last-first+1)
	for _, t := range ts {
		i := t.Position - first
		term := string(t.Term)
		dup := false
		for _, o := range out[i] {
			dup = dup || o == term
		}
		if !dup {
			out[i] = append(out[i], term)
		}
	}
	return out
}

// fuzziness returns the edit distance allowed for the analyzed term of a
// query word whose text is surface, and the number of leading bytes of
// term a fuzzy match must keep. The distance goes by the number of letters
// of surface (1 from fuzzyOneMin, 2 from fuzzyTwoMin), at most 1 when term
// is shorter than fuzzyTwoStem, and 0 for words with a digit or terms too
// short to stay meaningful after an edit. Stems are shorter than words, so
// one edit on a short stem is a large change ("paris" gives "pari", one
// edit from "pri", the stem of "prix"): a stem shorter than fuzzyShort
// keeps its first two letters, others their first letter (typos on the
// first letter are rare, and a fixed first letter makes the search cheap).
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

// prefixCandidates returns the prefixes under which the last word of a
// query, typed as surface and analyzed to term in lang, is looked up.
// Indexed terms are stems, so the stem of the typed prefix is used
// ("investis" gives "investi", a prefix of the stem of "investissement"),
// with its double letters collapsed in French (the French stemmer
// collapses them in long words: "comm" must find "coment"), and the folded
// typed text when it is a plain word ("nvid"). Candidates shorter than
// prefixMin letters are dropped, and so is any candidate that another one
// is a prefix of.
func prefixCandidates(lang, surface, term string) []string {
	if utf8.RuneCountInString(term) > fuzzyMaxLen {
		return nil
	}
	cands := []string{term}
	if lang == "fr" {
		cands = append(cands, collapseDoubles(term))
	}
	plain := true
	for _, r := range surface {
		plain = plain && (unicode.IsLetter(r) || unicode.IsDigit(r))
	}
	if plain {
		cands = append(cands, fold.Lower(surface))
	}
	sort.Slice(cands, func(i, j int) bool { return len(cands[i]) < len(cands[j]) })
	var out []string
	for _, c := range cands {
		if utf8.RuneCountInString(c) < prefixMin {
			continue
		}
		covered := false
		for _, o := range out {
			covered = covered || strings.HasPrefix(c, o)
		}
		if !covered {
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

// Bounds of the expansion of one term when a search runs.
const (
	// fuzzyKnownDocs: a term found in this many documents is taken as
	// spelled right, and not expanded to its neighbours.
	fuzzyKnownDocs = 3
	maxFuzzyTerms  = 32 // terms a few edits away, closest first
	stemSlackMin   = 6  // runes of a term whose cut forms are tried too
	stemSlack      = 5  // runes cut at most
	maxPrefixTerms = 32 // terms a prefix stands for, most frequent first
)

// termQuery matches one analyzed term of a bare query word in the title
// or the body of one language, and optionally, with lower weights, the
// terms within Edits edits of it (keeping its first FuzzyPrefix bytes)
// when the term itself is rare or absent (fewer than fuzzyKnownDocs
// documents: a word the index knows well is not a typo, and expanding it
// only adds noise and cost), and the terms starting with one of Prefixes. It is a Bleve query of its
// own so that the expansions are looked up once per language, in the body
// dictionary (a title's words are in some body too), are skipped for
// languages the index has no text in, and stay bounded (maxFuzzyTerms,
// maxPrefixTerms) whatever bleve's searcher.DisjunctionMaxClauseCount:
// one FuzzyQuery per field would build its Levenshtein automaton twice
// per language, eight languages a word, which measured 5 ms a query.
type termQuery struct {
	Lang        string   `json:"lang"`
	Term        string   `json:"term"`
	Edits       int      `json:"edits,omitempty"`
	FuzzyPrefix int      `json:"fuzzy_prefix,omitempty"`
	Prefixes    []string `json:"prefixes,omitempty"`
}

// weightedTerm is an index term and its weight relative to an exact match.
type weightedTerm struct {
	term   string
	weight float64
}

// Searcher implements query.Query.
func (q *termQuery) Searcher(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, opt search.SearcherOptions) (search.Searcher, error) {
	title, body := "title_"+q.Lang, "body_"+q.Lang
	var alts []search.Searcher
	fail := func(err error) (search.Searcher, error) {
		for _, s := range alts {
			_ = s.Close()
		}
		return nil, err
	}
	exact, err := fieldsSearcher(ctx, r, []weightedTerm{{q.Term, 1}}, title, body, opt)
	if err != nil {
		return nil, err
	}
	alts = append(alts, exact)
	var near []weightedTerm
	if q.Edits > 0 {
		known, err := termIsKnown(ctx, r, q.Term, title, body)
		if err != nil {
			return fail(err)
		}
		if !known {
			if near, err = fuzzyTerms(r, body, q.Term, q.Edits, q.FuzzyPrefix); err != nil {
				return fail(err)
			}
		}
	}
	if len(q.Prefixes) > 0 {
		pre, err := prefixTerms(r, []string{title, body}, q.Prefixes, q.Term)
		if err != nil {
			return fail(err)
		}
		near = mergeTerms(near, pre)
	}
	q.record(ctx, near)
	if len(near) > 0 {
		if err := blendWeights(ctx, r, near, title, body); err != nil {
			return fail(err)
		}
		s, err := fieldsSearcher(ctx, r, near, title, body, opt)
		if err != nil {
			return fail(err)
		}
		alts = append(alts, s)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	s, err := searcher.NewDisjunctionSearcher(ctx, r, alts, 0, opt)
	if err != nil {
		return fail(err)
	}
	return s, nil
}

// blendWeights adjusts the weights of near terms (typo corrections,
// completions) for their document frequencies. Scored as they are, the
// rarest near term would rank first, its IDF being the highest: "macorn"
// would list Mâcon (a few documents) before Macron (thousands), the
// opposite of what the user meant. So every near term is scored with the
// IDF of the most frequent one (Lucene's blended fuzzy scoring), times
// sqrt(df/maxDF): frequent corrections are the likely ones.
func blendWeights(ctx context.Context, r bleveindex.IndexReader, near []weightedTerm, fields ...string) error {
	docs, err := r.DocCount()
	if err != nil {
		return err
	}
	dfs := make([]uint64, len(near))
	var maxDF uint64
	for i, t := range near {
		for _, f := range fields {
			tr, err := r.TermFieldReader(ctx, []byte(t.term), f, false, false, false)
			if err != nil {
				return err
			}
			dfs[i] += tr.Count()
			if err := tr.Close(); err != nil {
				return err
			}
		}
		maxDF = max(maxDF, dfs[i])
	}
	if maxDF == 0 {
		return nil
	}
	n := float64(max(docs, maxDF))
	idf := func(df float64) float64 { return math.Log(1 + (n-df+0.5)/(df+0.5)) } // BM25's
	for i := range near {
		df := float64(max(dfs[i], 1))
		near[i].weight *= idf(float64(maxDF)) / idf(df) * math.Sqrt(df/float64(maxDF))
	}
	return nil
}

// termIsKnown reports whether term occurs in at least fuzzyKnownDocs
// documents' title or body.
func termIsKnown(ctx context.Context, r bleveindex.IndexReader, term string, fields ...string) (bool, error) {
	var n uint64
	for _, f := range fields {
		tr, err := r.TermFieldReader(ctx, []byte(term), f, false, false, false)
		if err != nil {
			return false, err
		}
		n += tr.Count()
		if err := tr.Close(); err != nil {
			return false, err
		}
	}
	return n >= fuzzyKnownDocs, nil
}

// fieldsSearcher returns a searcher of terms in the title and body fields,
// a title match weighing titleBoost times more.
func fieldsSearcher(ctx context.Context, r bleveindex.IndexReader, terms []weightedTerm, title, body string, opt search.SearcherOptions) (search.Searcher, error) {
	ss := make([]search.Searcher, 0, 2*len(terms))
	for _, t := range terms {
		for _, f := range [2]struct {
			field string
			boost float64
		}{{title, titleBoost}, {body, 1}} {
			s, err := searcher.NewTermSearcher(ctx, r, t.term, f.field, f.boost*t.weight, opt)
			if err != nil {
				for _, s := range ss {
					_ = s.Close()
				}
				return nil, err
			}
			ss = append(ss, s)
		}
	}
	s, err := searcher.NewDisjunctionSearcher(ctx, r, ss, 0, opt)
	if err != nil {
		for _, s := range ss {
			_ = s.Close()
		}
		return nil, err
	}
	return s, nil
}

// hasTermWithPrefix reports whether field has a term starting with prefix.
func hasTermWithPrefix(r bleveindex.IndexReader, field, prefix string) (bool, error) {
	d, err := r.FieldDictPrefix(field, []byte(prefix))
	if err != nil {
		return false, err
	}
	e, err := d.Next()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return e != nil, err
}

// fuzzyTerms returns the terms of field within edits of term, term
// excepted, keeping the first prefix bytes: the closest maxFuzzyTerms,
// weighted fuzzyBoost/(1+distance).
//
// Indexed terms are stems, and a typo often hides the suffix the stemmer
// strips: "trembelment" stays whole while "tremblement" is indexed as
// "trembl", five edits away. So when a term of stemSlackMin runes or more
// has no neighbour, the terms one edit away from the term cut by 1 to
// stemSlack runes (keeping stemSlackMin-1) are taken, at distance 2
// ("trembe" finds "trembl", "docet" finds "doct").
func fuzzyTerms(r bleveindex.IndexReader, field, term string, edits, prefix int) ([]weightedTerm, error) {
	fr, ok := r.(bleveindex.IndexReaderFuzzy)
	if !ok || edits <= 0 {
		return nil, nil
	}
	keep := term[:min(prefix, len(term))]
	// Building the automaton costs more than this look-up: skip fields
	// without a term that could match (languages the index has no text in).
	if found, err := hasTermWithPrefix(r, field, keep); err != nil || !found {
		return nil, err
	}
	dist := make(map[string]uint8)
	collect := func(t string, edits int, floor uint8) error {
		d, err := fr.FieldDictFuzzy(field, t, edits, keep)
		if err != nil {
			return err
		}
		e, err := d.Next()
		for ; err == nil && e != nil; e, err = d.Next() {
			if e.Term == term {
				continue
			}
			dd := max(e.EditDistance, floor)
			if old, ok := dist[e.Term]; !ok || dd < old {
				dist[e.Term] = dd
			}
		}
		if cerr := d.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if err := collect(term, edits, 1); err != nil {
		return nil, err
	}
	if rs := []rune(term); len(dist) == 0 && len(rs) >= stemSlackMin {
		for k := len(rs) - 1; k >= len(rs)-stemSlack && k >= stemSlackMin-1; k-- {
			if err := collect(string(rs[:k]), 1, 2); err != nil {
				return nil, err
			}
		}
	}
	type cand struct {
		term string
		dist uint8
	}
	cands := make([]cand, 0, len(dist))
	for t, d := range dist {
		cands = append(cands, cand{t, d})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].dist != cands[j].dist {
			return cands[i].dist < cands[j].dist
		}
		return cands[i].term < cands[j].term
	})
	out := make([]weightedTerm, 0, min(len(cands), maxFuzzyTerms))
	for _, c := range cands[:min(len(cands), maxFuzzyTerms)] {
		out = append(out, weightedTerm{c.term, fuzzyBoost / float64(1+c.dist)})
	}
	return out, nil
}

// prefixTerms returns the terms of fields starting with one of prefixes,
// exact excepted: the maxPrefixTerms most frequent, weighted prefixBoost.
func prefixTerms(r bleveindex.IndexReader, fields, prefixes []string, exact string) ([]weightedTerm, error) {
	type cand struct {
		term  string
		count uint64
	}
	counts := make(map[string]uint64)
	for _, field := range fields {
		for _, p := range prefixes {
			d, err := r.FieldDictPrefix(field, []byte(p))
			if err != nil {
				return nil, err
			}
			e, err := d.Next()
			for ; err == nil && e != nil; e, err = d.Next() {
				if e.Term != exact {
					counts[e.Term] += e.Count
				}
			}
			if cerr := d.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, err
			}
		}
	}
	cands := make([]cand, 0, len(counts))
	for t, n := range counts {
		cands = append(cands, cand{t, n})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].count != cands[j].count {
			return cands[i].count > cands[j].count
		}
		return cands[i].term < cands[j].term
	})
	out := make([]weightedTerm, 0, min(len(cands), maxPrefixTerms))
	for _, c := range cands[:min(len(cands), maxPrefixTerms)] {
		out = append(out, weightedTerm{c.term, prefixBoost})
	}
	return out, nil
}

// mergeTerms returns a's terms then b's that a lacks.
func mergeTerms(a, b []weightedTerm) []weightedTerm {
	seen := make(map[string]bool, len(a))
	for _, t := range a {
		seen[t.term] = true
	}
	for _, t := range b {
		if !seen[t.term] {
			seen[t.term] = true
			a = append(a, t)
		}
	}
	return a
}
