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
// Refused with a *QueryError on Text: text that is not valid UTF-8, more
// than MaxQueryBytes bytes, more than MaxQueryWords words.
//
// Typo tolerance and search as you type are those of a bare word (not
// in a phrase, not excluded): see terms.go. Title matches outrank body
// matches (titleBoost).

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"veille/analyzers"
	"veille/corpus/fold"
)

// maxLangTerms bounds the analyzed terms of a query in one language
// (guards odd tokenizations).
const maxLangTerms = 64

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
	Words  int // number of words, as counted against MaxQueryWords
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
// and so are repeated clauses. Errors are *QueryError on Text.
func parseQuery(text string) (parsedQuery, error) {
	p := parsedQuery{Prefix: -1}
	if !utf8.ValidString(text) {
		return p, queryErr("Text", "is not valid UTF-8 text")
	}
	if len(text) > MaxQueryBytes {
		return p, queryErr("Text", "is too long: %d bytes, at most %d", len(text), MaxQueryBytes)
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
	if p.Words > MaxQueryWords {
		return parsedQuery{Prefix: -1}, queryErr("Text", "has too many words: %d, at most %d", p.Words, MaxQueryWords)
	}
	return p, nil
}

// textQueryOptions tune [compileTextQuery]. The zero value is the
// contract's behaviour.
type textQueryOptions struct {
	// Languages limits the languages searched, for instance to those the
	// index holds; nil means analyzers.Languages.
	Languages []string
	// Prefix completes the last word (search as you type).
	Prefix bool
	// NoFuzzy turns off typo tolerance.
	NoFuzzy bool
	// TitleBoost, when set, replaces titleBoost (the known-item test
	// chooses it).
	TitleBoost float64
}

// titleWeight returns the weight of a title match.
func (o *textQueryOptions) titleWeight() float64 {
	if o.TitleBoost > 0 {
		return o.TitleBoost
	}
	return titleBoost
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
	// Log collects, as the query runs, what its words searched.
	Log *termLog
	// Words are the query's termQuery nodes, for prepareWords.
	Words []*termQuery
}

// buildTextQuery compiles the text of a search in mode ModeAll or
// ModeAny (empty means ModeAll) against the fields title_<l> and body_<l>
// of every language of analyzers.Languages, analyzed with m's analyzers
// for those fields. It returns nil when text has nothing to search (the
// caller matches every article). Errors are *QueryError and say what is
// wrong in words a user understands.
func buildTextQuery(text string, mode Mode, m mapping.IndexMapping) (query.Query, error) {
	c, err := compileTextQuery(text, mode, m, textQueryOptions{})
	return c.Query, err
}

// compileTextQuery is [buildTextQuery] with options and more results.
func compileTextQuery(text string, mode Mode, m mapping.IndexMapping, opt textQueryOptions) (compiledQuery, error) {
	switch mode {
	case "":
		mode = ModeAll
	case ModeAll, ModeAny:
	default:
		return compiledQuery{}, queryErr("Mode", "must be %s, not %q", modeNames(), string(mode))
	}
	p, err := parseQuery(text)
	if err != nil {
		return compiledQuery{}, err
	}
	out := compiledQuery{Parsed: p, Log: newTermLog()}
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
		b := langBuilder{lang: l, an: an, opt: opt, log: out.Log, words: &out.Words}
		var positive []query.Query
		for i, c := range p.Clauses {
			var q query.Query
			switch {
			case c.Exclude:
				q = b.exclusion(c)
			case c.Phrase:
				q = b.phrase(c.Text)
			default:
				q = b.word(c.Text, opt.Prefix && i == p.Prefix)
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
			return compiledQuery{}, queryErr("Text", "has too many words: at most %d", MaxQueryWords)
		}
		switch {
		case len(positive) == 0:
		case len(positive) == 1:
			perLang = append(perLang, positive[0])
		case mode == ModeAll:
			perLang = append(perLang, query.NewConjunctionQuery(positive))
		default:
			perLang = append(perLang, &sumQuery{Parts: positive, Coord: true})
		}
	}
	var must query.Query
	switch {
	case len(perLang) == 1:
		must = perLang[0]
	case len(perLang) > 1:
		// A document has text in one language only: a sum, not a
		// disjunction, whose coord would divide every score by the
		// number of languages searched.
		must = &sumQuery{Parts: perLang}
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
	log   *termLog
	words *[]*termQuery // every termQuery built
	terms int           // analyzed terms so far, against maxLangTerms
}

func (b *langBuilder) analyze(s string) analysis.TokenStream {
	ts := b.an.Analyze([]byte(s))
	b.terms += len(ts)
	return ts
}

// pair returns a query matching the title or the body of b's language,
// scored with the sum of both, the title weighing titleBoost times more.
func (b *langBuilder) pair(mk func(field string) query.Query, boost float64) query.Query {
	t := mk("title_" + b.lang)
	t.(query.BoostableQuery).SetBoost(boost * b.opt.titleWeight())
	d := mk("body_" + b.lang)
	d.(query.BoostableQuery).SetBoost(boost)
	return &sumQuery{Parts: []query.Query{t, d}}
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
		surface := text[t.Start:t.End]
		tq := &termQuery{Lang: b.lang, Term: string(t.Term), Word: surface, Surface: plainWord(surface), TitleBoost: b.opt.titleWeight(), log: b.log}
		last := i == len(ts)-1
		if seen[tq.Term] && !(last && prefix) {
			continue
		}
		seen[tq.Term] = true
		if !b.opt.NoFuzzy {
			tq.Edits, tq.FuzzyPrefix = fuzziness(surface, tq.Term)
		}
		if last && prefix {
			tq.Prefixes = prefixCandidates(b.lang, tq.Surface)
		}
		*b.words = append(*b.words, tq)
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
