package index

// What one article becomes in the index, and the mapping that describes it.
//
// Documents are built field by field (Batch.IndexAdvanced) rather than
// through Bleve's reflection-based mapping, which is faster and keeps every
// field's options explicit. The mapping still describes every field, so
// that queries find each field's analyzer and the index folder stays
// self-describing.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
	"veille/corpus"
)

// Field names.
const (
	fieldSrc       = "_src"       // stored: the article as JSON (storedDoc), body excepted
	fieldBody      = "_body"      // stored: the body, as is (no JSON to decode)
	fieldLang      = "lang"       // keyword, docvalues: language code
	fieldSource    = "source"     // keyword, docvalues
	fieldCompanies = "companies"  // keyword, docvalues, one value per company
	fieldCountries = "countries"  // keyword, docvalues, ISO codes
	fieldOrigin    = "origin"     // keyword, docvalues: path NUL stamp
	fieldDay       = "day"        // keyword, docvalues: "2025-09-19", as written
	fieldAmountEUR = "amount_eur" // exact number, docvalues, one value per amount
	fieldPublished = "published"  // exact number (Unix ns), docvalues
	fieldStory     = "story"      // keyword, docvalues: the story id
)

// Filters, facets and sort keys are read from doc values (records.go),
// never from the terms of these fields: the numbers are indexed as one
// exact term each (see [exactTerm]) rather than Bleve's 16 range-query
// terms, which made OrangeSum's indexing 20 % slower. Generations made
// before hold those 16 terms and the same exact one, which records read.

// textField returns the field name of a text part ("title", "body") in lang.
func textField(part, lang string) string { return part + "_" + fieldLang4(lang) }

// fieldLang4 returns the language whose fields hold text in lang: lang
// itself when it has an analyzer, analyzers.Fallback otherwise.
func fieldLang4(lang string) string {
	for _, l := range analyzers.Languages {
		if l == lang {
			return l
		}
	}
	return analyzers.Fallback
}

// band is one value of the amount facet: amounts in [Min, Max) euros.
type band struct {
	Label    string
	Min, Max float64 // Max is +Inf for the top band
}

// amountBands lists the amount facet's values, in increasing order.
var amountBands = [...]band{
	{"< 1 M€", 0, 1e6},
	{"1-100 M€", 1e6, 1e8},
	{"100 M-1 Md€", 1e8, 1e9},
	{"1-10 Md€", 1e9, 1e10},
	{"10-100 Md€", 1e10, 1e11},
	{"≥ 100 Md€", 1e11, math.Inf(1)},
}

// bandOf returns the index in amountBands of an amount in euros. Negative
// amounts (which extraction never produces) count in the first band.
func bandOf(eur float64) int {
	for i := len(amountBands) - 1; i > 0; i-- {
		if eur >= amountBands[i].Min {
			return i
		}
	}
	return 0
}

// storedDoc is what field _src holds: the article as stored, plus what a
// rebuild needs to redo the extraction faithfully.
type storedDoc struct {
	corpus.Article
	// LangDetected is true when the language was detected rather than
	// given: a rebuild detects it again.
	LangDetected bool   `json:"lang_detected,omitempty"`
	OriginPath   string `json:"origin_path,omitempty"`
	OriginStamp  string `json:"origin_stamp,omitempty"`
	// Sig is the article's story signature (stories.Signature, binary).
	Sig []byte `json:"sig,omitempty"`
}

// newMapping returns the index mapping of a new generation.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := analyzers.AddAnalyzers(im); err != nil {
		return nil, err
	}
	im.ScoringModel = bindex.BM25Scoring
	im.DefaultAnalyzer = keyword.Name
	im.IndexDynamic, im.StoreDynamic, im.DocValuesDynamic = false, false, false

	dm := bleve.NewDocumentStaticMapping()
	for _, l := range analyzers.Languages {
		for _, part := range []string{"title", "body"} {
			f := bleve.NewTextFieldMapping()
			f.Analyzer = analyzers.AnalyzerName(l)
			f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = false, false, false, false
			dm.AddFieldMappingsAt(part+"_"+l, f)
			if pairWords(l) != nil {
				p := bleve.NewKeywordFieldMapping()
				p.Store, p.IncludeTermVectors, p.IncludeInAll, p.DocValues = false, false, false, false
				dm.AddFieldMappingsAt(pairField(part+"_"+l), p)
			}
		}
	}
	kw := func(docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = false, false, false, docValues
		return f
	}
	for _, name := range []string{fieldLang, fieldSource, fieldCompanies, fieldCountries, fieldOrigin, fieldDay, fieldAmountEUR, fieldPublished, fieldStory} {
		dm.AddFieldMappingsAt(name, kw(true))
	}
	for _, name := range []string{fieldSrc, fieldBody} {
		f := bleve.NewTextFieldMapping()
		f.Index, f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = false, true, false, false, false
		dm.AddFieldMappingsAt(name, f)
	}
	im.DefaultMapping = dm
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("index: mapping: %w", err)
	}
	return im, nil
}

// docBuilder turns articles into Bleve documents with the analyzers of one
// generation's mapping. It is safe for concurrent use.
type docBuilder struct {
	keyword analysis.Analyzer
	text    map[string]analysis.Analyzer // by field name
	pairs   map[string]*pairLists        // by text field name, when its pairs are indexed
	sets    sync.Pool                    // *termSet for newCompactText
}

func newDocBuilder(m mapping.IndexMapping) (*docBuilder, error) {
	b := &docBuilder{keyword: m.AnalyzerNamed(keyword.Name), text: make(map[string]analysis.Analyzer), pairs: make(map[string]*pairLists)}
	if b.keyword == nil {
		return nil, fmt.Errorf("index: no keyword analyzer")
	}
	for _, l := range analyzers.Languages {
		for _, part := range []string{"title", "body"} {
			field := part + "_" + l
			an := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
			if an == nil {
				return nil, fmt.Errorf("index: no analyzer for field %s", field)
			}
			b.text[field] = an
			if words := pairWords(l); words != nil && hasPairs(m, field) {
				b.pairs[field] = words
			}
		}
	}
	return b, nil
}

const (
	optText    = bindex.IndexField
	optKeyword = bindex.IndexField | bindex.DocValues
	optStored  = bindex.StoreField
)

// build returns the document of a stored article, its indexed fields
// already analyzed (see [keywordField] and [compactText]).
func (b *docBuilder) build(d *storedDoc) (*document.Document, error) {
	a := &d.Article
	meta := *d
	meta.Body = ""
	src, err := json.Marshal(&meta)
	if err != nil {
		return nil, fmt.Errorf("index: encode article %s: %w", a.ID, err)
	}
	doc := document.NewDocument(a.ID)
	addText := func(name, text string) {
		value := []byte(text)
		f := document.NewTextFieldCustom(name, nil, value, optText, b.text[name])
		var pf document.Field
		words := b.pairs[name]
		if words != nil {
			pf = document.NewTextFieldCustom(pairField(name), nil, nil, optText, b.keyword)
		}
		field, pairs := newCompactText(f, b.text[name], value, &b.sets, words, pf)
		doc.AddField(field)
		if pairs != nil {
			doc.AddField(pairs)
		}
	}
	lang := a.Language
	if lang == "" {
		lang = analyzers.Fallback
	}
	fl := fieldLang4(lang)
	if a.Title != "" {
		f := "title_" + fl
		addText(f, a.Title)
	}
	if a.Body != "" {
		f := "body_" + fl
		addText(f, a.Body)
	}
	doc.AddField(document.NewTextFieldCustom(fieldSrc, nil, src, optStored, nil))
	if a.Body != "" {
		doc.AddField(document.NewTextFieldCustom(fieldBody, nil, []byte(a.Body), optStored, nil))
	}
	kw := func(name, value string, i int, opts bindex.FieldIndexingOptions) {
		var pos []uint64
		if i > 0 {
			pos = []uint64{uint64(i)}
		}
		doc.AddField(newKeywordField(name, pos, value, opts, b.keyword))
	}
	kw(fieldLang, lang, 0, optKeyword)
	if a.Source != "" {
		kw(fieldSource, a.Source, 0, optKeyword)
	}
	for i, c := range uniqueNonEmpty(a.Companies) {
		kw(fieldCompanies, c, i, optKeyword)
	}
	for i, c := range uniqueNonEmpty(a.Countries) {
		kw(fieldCountries, c, i, optKeyword)
	}
	if d.OriginPath != "" {
		kw(fieldOrigin, d.OriginPath+"\x00"+d.OriginStamp, 0, optKeyword)
	}
	if !a.Published.IsZero() {
		kw(fieldDay, a.Published.Format(time.DateOnly), 0, optKeyword)
		kw(fieldPublished, exactTerm(a.Published.UnixNano()), 0, optKeyword)
	}
	kw(fieldStory, cmp.Or(a.Story, a.ID), 0, optKeyword)
	n := 0
	for _, am := range a.Amounts {
		if math.IsNaN(am.EUR) || math.IsInf(am.EUR, 0) {
			continue
		}
		kw(fieldAmountEUR, exactTerm(numeric.Float64ToInt64(am.EUR)), n, optKeyword)
		n++
	}
	return doc, nil
}

// exactTerm returns the term of v in a number field: Bleve's prefix coding
// at shift 0, the term that orders as v does and that [fullPrecision]
// decodes.
func exactTerm(v int64) string { return string(numeric.MustNewPrefixCodedInt64(v, 0)) }

// uniqueNonEmpty returns vs without empty and repeated values, in order.
func uniqueNonEmpty(vs []string) []string {
	out := vs[:0:0]
	for i, v := range vs {
		if v == "" {
			continue
		}
		dup := false
		for _, w := range vs[:i] {
			dup = dup || w == v
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// decodeStored decodes the stored fields _src and _body of a document.
func decodeStored(src, body []byte) (storedDoc, error) {
	var d storedDoc
	if src == nil {
		return d, fmt.Errorf("index: stored article has no %s field", fieldSrc)
	}
	if err := json.Unmarshal(src, &d); err != nil {
		return d, fmt.Errorf("index: decode stored article: %w", err)
	}
	d.Body = string(body)
	if d.Story == "" {
		d.Story = d.ID // stored before stories existed
	}
	if d.Companies == nil {
		d.Companies = []string{}
	}
	if d.Countries == nil {
		d.Countries = []string{}
	}
	if d.Amounts == nil {
		d.Amounts = []corpus.Amount{}
	}
	return d, nil
}

// normalizeArticle validates a and tidies the fields the index relies on.
// Errors wrap ErrInvalidArticle.
func normalizeArticle(a *corpus.Article) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArticle, err)
	}
	a.Language = strings.ToLower(strings.TrimSpace(a.Language))
	if a.Language != "" && !validLangCode(a.Language) {
		return fmt.Errorf("%w: language %q is not an ISO 639-1 code", ErrInvalidArticle, a.Language)
	}
	a.Source = strings.TrimSpace(a.Source)
	return nil
}

// validLangCode reports whether s looks like an ISO 639-1 code (or the
// fallback "xx"): two ASCII letters.
func validLangCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

// storedFields collects the stored fields of a document from a visit of
// them (segment.StoredFieldValueVisitor), copying what it keeps: visited
// values are only valid during the visit.
type storedFields struct{ src, body []byte }

func (f *storedFields) visit(name string, _ byte, val []byte, _ []uint64) bool {
	switch name {
	case fieldSrc:
		f.src = append([]byte(nil), val...)
	case fieldBody:
		f.body = append([]byte(nil), val...)
	}
	return f.src == nil || f.body == nil
}

func (f *storedFields) decode() (storedDoc, error) { return decodeStored(f.src, f.body) }
