// Package analyzers turns article text into what veille indexes and facets:
// Bleve analyzers per language (elision, stop words, accent folding that
// keeps highlight offsets, light stemming), language detection, and the
// extraction of amounts, countries and companies from raw text.
package analyzers

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
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
const Fallback = "xx"

// Languages lists the language codes that get their own analyzed fields,
// Fallback last.
var Languages = []string{"fr", "en", "de", "es", "it", "pt", "nl", Fallback}

// Token filter names registered by this package.
const (
	FoldFilterName      = "fold_accents"
	SplitDotsFilterName = "split_glued_dots"
)

// chains gives each language's analyzer its token filters, in order.
// French: stop words run before folding (the Snowball list is accented) and
// folding before the light stemmer, so "Norvège", "norvege" and "NORVÈGE"
// give one term. Glued sentences ("Europe.Renault") are split first.
var chains = map[string][]string{
	"fr":     {SplitDotsFilterName, lowercase.Name, "elision_fr", "stop_fr", FoldFilterName, "stemmer_fr_light"},
	"en":     {SplitDotsFilterName, "possessive_en", lowercase.Name, "stop_en", FoldFilterName, "stemmer_porter"},
	"de":     {SplitDotsFilterName, lowercase.Name, "stop_de", "normalize_de", "stemmer_de_light", FoldFilterName},
	"es":     {SplitDotsFilterName, lowercase.Name, "stop_es", "normalize_es", "stemmer_es_light", FoldFilterName},
	"it":     {SplitDotsFilterName, lowercase.Name, "elision_it", "stop_it", "stemmer_it_light", FoldFilterName},
	"pt":     {SplitDotsFilterName, lowercase.Name, "stop_pt", "stemmer_pt_light", FoldFilterName},
	"nl":     {SplitDotsFilterName, lowercase.Name, "stop_nl", "stemmer_nl_snowball", FoldFilterName},
	Fallback: {SplitDotsFilterName, lowercase.Name, FoldFilterName},
}

// AnalyzerName returns the name of the analyzer for a language code of
// [Languages]; any other code gets the fallback analyzer.
func AnalyzerName(lang string) string {
	if _, ok := chains[lang]; !ok {
		lang = Fallback
	}
	return lang + "_news"
}

// AddAnalyzers defines every language's analyzer in im.
func AddAnalyzers(im *mapping.IndexMappingImpl) error {
	for _, lang := range Languages {
		err := im.AddCustomAnalyzer(AnalyzerName(lang), map[string]interface{}{
			"type":          custom.Name,
			"tokenizer":     unicodetok.Name,
			"token_filters": chains[lang],
		})
		if err != nil {
			return fmt.Errorf("analyzers: define %s: %w", AnalyzerName(lang), err)
		}
	}
	return nil
}

// Fold lowercases nothing but removes diacritics and expands the ligatures
// œ and æ: "hydroélectricité" becomes "hydroelectricite". It is safe for
// concurrent use and returns b itself when b is ASCII.
func Fold(b []byte) []byte {
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return b
	}
	d := norm.NFD.Bytes(b)
	out := make([]byte, 0, len(d))
	for len(d) > 0 {
		r, size := utf8.DecodeRune(d)
		d = d[size:]
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ':
			out = append(out, "oe"...)
		case r == 'Œ':
			out = append(out, "OE"...)
		case r == 'æ':
			out = append(out, "ae"...)
		case r == 'Æ':
			out = append(out, "AE"...)
		case r == 'ß':
			out = append(out, "ss"...)
		default:
			out = utf8.AppendRune(out, r)
		}
	}
	return out
}

// FoldString is [Fold] for strings.
func FoldString(s string) string { return string(Fold([]byte(s))) }

// foldFilter folds each token's term; offsets are untouched, so highlights
// still point into the original text.
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = Fold(t.Term)
	}
	return in
}

// splitDotsFilter splits tokens that glue two words with a dot, as in
// OrangeSum's "Europe.Renault", into two tokens with exact byte offsets.
// Numbers ("3.5", "500.000") are left whole: a part must start with a letter.
type splitDotsFilter struct{}

func (splitDotsFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	var out analysis.TokenStream
	shift := 0
	for i, t := range in {
		parts := splitGlued(t.Term)
		if len(parts) <= 1 && shift == 0 {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = make(analysis.TokenStream, 0, len(in)+4)
			out = append(out, in[:i]...)
		}
		if len(parts) <= 1 {
			t.Position += shift
			out = append(out, t)
			continue
		}
		pos := t.Position + shift
		for k, p := range parts {
			out = append(out, &analysis.Token{
				Term:     t.Term[p[0]:p[1]],
				Start:    t.Start + p[0],
				End:      t.Start + p[1],
				Position: pos + k,
				Type:     t.Type,
			})
		}
		shift += len(parts) - 1
	}
	if out == nil {
		return in
	}
	return out
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

func init() {
	// Bleve registrations, the only init side effect in veille.
	mustRegister(FoldFilterName, foldFilter{})
	mustRegister(SplitDotsFilterName, splitDotsFilter{})
}

func mustRegister(name string, f analysis.TokenFilter) {
	err := registry.RegisterTokenFilter(name, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return f, nil
	})
	if err != nil {
		panic(err)
	}
}
