// Package analyzers turns article text into what veille indexes and facets:
// Bleve analyzers per language (elision, stop words, accent folding that
// keeps highlight offsets, light stemming), and the [Extractor] that
// composes the extraction packages below it: language detection
// (analyzers/lang), amounts (analyzers/money), countries
// (analyzers/countries) and companies (analyzers/companies).
package analyzers

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
	"veille/analyzers/lang"
	"veille/corpus/fold"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/length"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/unicode/norm"

	// Imports are registrations: every filter named below must be linked
	// into any binary that opens the index.
	_ "github.com/blevesearch/bleve/v2/analysis/lang/de"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/es"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fr"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/it"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/nl"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pt"
)

// Fallback is the language code of text in a language veille has no
// analyzer for, or whose language could not be detected reliably.
const Fallback = lang.Fallback

// Languages lists the language codes that get their own analyzed fields:
// those the detector tells apart, then Fallback.
var Languages = append(lang.Languages[:len(lang.Languages):len(lang.Languages)], Fallback)

// Token filter names registered by this package.
const (
	FoldFilterName      = "fold_accents"
	SplitDotsFilterName = "split_glued_dots"
	NFCFilterName       = "normalize_nfc"
	// MaxWordFilterName names the filter, defined in each mapping, that
	// drops words of more than MaxWordRunes runes.
	MaxWordFilterName = "max_word_length"
)

// MaxWordRunes is the longest word indexed or searched: longer runs of
// letters are hashes, encoded data or glued junk rather than words, and
// Bleve's French light stemmer takes time quadratic in the length of a
// repeated letter (a 64 KB "aaaa…" took 166 ms, 1 MB minutes).
const MaxWordRunes = 128

// chains gives each language's analyzer its token filters, in order.
//
//   - Glued sentences ("Europe.Renault") are split first, while terms still
//     hold the original bytes (the split computes offsets from them); words
//     longer than MaxWordRunes are dropped; then terms are NFC-normalised, so text with decomposed accents (e + U+0301)
//     meets the accented stop lists and elisions.
//   - Stop words run before folding (the Snowball lists are accented), each
//     list followed by its variants (see [stopVariantsName]), so that the
//     unaccented "meme" is dropped like "même".
//   - Folding runs before the light stemmers, which treat accented and
//     unaccented letters differently (measured on lingua's sentences: fr,
//     it, pt give more identical terms for a text and its unaccented copy),
//     so "Norvège", "norvege" and "NORVÈGE" give one term. Spanish keeps
//     Bleve's order: normalize_es already folds the vowels.
var chains = map[string][]string{
	"fr":     {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, lowercase.Name, "elision_fr", "stop_fr", stopVariantsName("fr"), FoldFilterName, "stemmer_fr_light"},
	"en":     {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, "possessive_en", lowercase.Name, "stop_en", FoldFilterName, "stemmer_porter"},
	"de":     {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, lowercase.Name, "stop_de", stopVariantsName("de"), FoldFilterName, "normalize_de", "stemmer_de_light"},
	"es":     {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, lowercase.Name, "stop_es", stopVariantsName("es"), "normalize_es", "stemmer_es_light", FoldFilterName},
	"it":     {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, lowercase.Name, "elision_it", "stop_it", stopVariantsName("it"), FoldFilterName, "stemmer_it_light"},
	"pt":     {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, lowercase.Name, "stop_pt", stopVariantsName("pt"), FoldFilterName, "stemmer_pt_light"},
	"nl":     {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, lowercase.Name, "stop_nl", FoldFilterName, "stemmer_nl_snowball"},
	Fallback: {SplitDotsFilterName, MaxWordFilterName, NFCFilterName, lowercase.Name, FoldFilterName},
}

// stopVariantsName names the stop filter (and its token map) that follows
// lang's stop list: the list's words written without accents that are not
// already listed ("meme" for "même", "fur" for "für"), plus the accented
// function words of [stopHomographs]. It runs before folding, so "maïs"
// (which folds to the stop word "mais") is kept.
func stopVariantsName(lang string) string { return "stop_" + lang + "_variants" }

// stopHomographs lists, per language, accented function words missing from
// Bleve's stop list whose unaccented form is on it: without them "où" would
// be indexed as "ou" while "ou" itself is dropped. Content words that fold
// onto a stop word ("maïs", "sûr", "ändern") are deliberately absent.
var stopHomographs = map[string][]string{
	"fr": {"où", "là", "dès", "nôtre", "vôtre"},
	"de": {"hätte", "hätten", "wär", "wären", "wärst", "muß", "mußte"},
	"it": {"lì", "né", "nè", "sì"},
	"pt": {"é", "têm"},
}

// AnalyzerName returns the name of the analyzer for a language code of
// [Languages]; any other code gets the fallback analyzer.
func AnalyzerName(lang string) string {
	if _, ok := chains[lang]; !ok {
		lang = Fallback
	}
	return lang + "_news"
}

// AddAnalyzers defines every language's analyzer in im, with the token
// maps and stop filters of the stop-word variants they use.
func AddAnalyzers(im *mapping.IndexMappingImpl) error {
	err := im.AddCustomTokenFilter(MaxWordFilterName, map[string]interface{}{
		"type": length.Name,
		"max":  float64(MaxWordRunes),
	})
	if err != nil {
		return fmt.Errorf("analyzers: define %s: %w", MaxWordFilterName, err)
	}
	cache := registry.NewCache()
	for _, lang := range Languages {
		name := stopVariantsName(lang)
		if !slices.Contains(chains[lang], name) {
			continue
		}
		stops, err := cache.TokenMapNamed("stop_" + lang)
		if err != nil {
			return fmt.Errorf("analyzers: stop words of %s: %w", lang, err)
		}
		var tokens []interface{}
		for _, w := range stopVariants(stops, stopHomographs[lang]) {
			tokens = append(tokens, w)
		}
		err = im.AddCustomTokenMap(name, map[string]interface{}{
			"type":   tokenmap.Name,
			"tokens": tokens,
		})
		if err != nil {
			return fmt.Errorf("analyzers: define token map %s: %w", name, err)
		}
		err = im.AddCustomTokenFilter(name, map[string]interface{}{
			"type":           stop.Name,
			"stop_token_map": name,
		})
		if err != nil {
			return fmt.Errorf("analyzers: define %s: %w", name, err)
		}
	}
	for _, lang := range Languages {
		err := im.AddCustomAnalyzer(AnalyzerName(lang), map[string]interface{}{
			"type":          MemoAnalyzerType,
			"tokenizer":     unicodetok.Name,
			"token_filters": chains[lang],
		})
		if err != nil {
			return fmt.Errorf("analyzers: define %s: %w", AnalyzerName(lang), err)
		}
	}
	return nil
}

// stopVariants returns, sorted and distinct, the folded forms of the words
// of stops that stops does not hold, and the homographs.
func stopVariants(stops analysis.TokenMap, homographs []string) []string {
	words := slices.Clone(homographs)
	for w := range stops {
		f := fold.String(w)
		if _, listed := stops[f]; f != w && !listed {
			words = append(words, f)
		}
	}
	slices.Sort(words)
	return slices.Compact(words)
}

// foldFilter folds each token's term; offsets are untouched, so highlights
// still point into the original text.
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = fold.Bytes(t.Term)
	}
	return in
}

// splitDotsFilter splits tokens that glue words with dots, as OrangeSum's
// "Europe.Renault", into one token per word with exact byte offsets, and
// joins dotted acronyms: "U.S.A" (the tokenizer drops the final dot) becomes
// "USA" and "S.A" "SA", as they are also written. Numbers ("3.5",
// "500.000") are left whole: a dot splits only between two letters. The
// filter must run first, while terms still hold the original bytes.
type splitDotsFilter struct{}

func (splitDotsFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	var out analysis.TokenStream // nil while no token has changed
	shift := 0                   // positions added by splits so far
	for i, t := range in {
		parts := splitGlued(t.Term)
		if parts == nil {
			if out != nil {
				t.Position += shift
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = make(analysis.TokenStream, 0, len(in)+4)
			out = append(out, in[:i]...)
		}
		moved := *t
		moved.Position += shift
		shift += splitParts(moved, parts, func(nt analysis.Token) { out = append(out, &nt) })
	}
	if out == nil {
		return in
	}
	return out
}

// splitParts hands emit what split_glued_dots makes of t, whose term glues
// the words parts (see [splitGlued]): one token with a dotted acronym
// joined ("U.S.A" becomes "USA"), or one token per word with exact byte
// offsets and consecutive positions. It returns the positions added.
func splitParts(t analysis.Token, parts [][2]int, emit func(analysis.Token)) int {
	if isAcronym(t.Term, parts) {
		joined := make([]byte, 0, len(t.Term))
		for _, p := range parts {
			joined = append(joined, t.Term[p[0]:p[1]]...)
		}
		t.Term = joined
		emit(t)
		return 0
	}
	for k, p := range parts {
		emit(analysis.Token{
			Term:     t.Term[p[0]:p[1]],
			Start:    t.Start + p[0],
			End:      t.Start + p[1],
			Position: t.Position + k,
			Type:     t.Type,
		})
	}
	return len(parts) - 1
}

// isAcronym reports whether every part of term is a single letter.
func isAcronym(term []byte, parts [][2]int) bool {
	for _, p := range parts {
		if utf8.RuneCount(term[p[0]:p[1]]) != 1 {
			return false
		}
	}
	return true
}

// splitGlued returns the byte ranges of the words of term when dots join
// words that start with a letter; otherwise it returns nil.
func splitGlued(term []byte) [][2]int {
	var parts [][2]int
	start := 0
	for i := 0; i < len(term); i++ {
		if term[i] != '.' || i == 0 || i == len(term)-1 {
			continue
		}
		prev, _ := utf8.DecodeLastRune(term[start:i])
		next, _ := utf8.DecodeRune(term[i+1:])
		if !unicode.IsLetter(prev) || !unicode.IsLetter(next) {
			continue
		}
		parts = append(parts, [2]int{start, i})
		start = i + 1
	}
	if parts == nil {
		return nil
	}
	return append(parts, [2]int{start, len(term)})
}

// nfcFilter puts each token's term in Unicode normalisation form C, so
// that "e\u0301" meets stop lists and elisions written with "é". Offsets
// are untouched.
type nfcFilter struct{}

func (nfcFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if !norm.NFC.IsNormal(t.Term) {
			t.Term = norm.NFC.Bytes(t.Term)
		}
	}
	return in
}

func init() {
	// Bleve registrations, the only init side effect in veille.
	mustRegister(FoldFilterName, foldFilter{})
	mustRegister(SplitDotsFilterName, splitDotsFilter{})
	mustRegister(NFCFilterName, nfcFilter{})
	registerMemoAnalyzer()
}

func mustRegister(name string, f analysis.TokenFilter) {
	err := registry.RegisterTokenFilter(name, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return f, nil
	})
	if err != nil {
		panic(err)
	}
}
