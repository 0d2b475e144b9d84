package analyzers

import (
	"fmt"
	"io"

	"veille/corpus"
)

// Extractor fills an article's language, companies, countries and amounts
// from its title and body. It is safe for concurrent use.
type Extractor struct {
	rates     Rates
	countries *Countries
	companies *Companies
	detector  *Detector
}

// ExtractorOptions configure [NewExtractor]; the zero value uses the
// embedded defaults.
type ExtractorOptions struct {
	Rates     Rates     // nil: DefaultRates()
	Gazetteer io.Reader // extra companies, added to the embedded gazetteer
}

// NewExtractor builds an Extractor; language models are loaded once here.
func NewExtractor(opts ExtractorOptions) (*Extractor, error) {
	rates := opts.Rates
	if rates == nil {
		rates = DefaultRates()
	}
	companies, err := NewCompanies(opts.Gazetteer)
	if err != nil {
		return nil, fmt.Errorf("analyzers: gazetteer: %w", err)
	}
	return &Extractor{rates: rates, countries: NewCountries(), companies: companies, detector: NewDetector()}, nil
}

// Countries returns the extractor's country matcher, for resolving names in filters.
func (e *Extractor) Countries() *Countries { return e.countries }

// Enrich sets a.Language when it is empty, and replaces a.Companies,
// a.Countries and a.Amounts with what the title and body contain.
func (e *Extractor) Enrich(a *corpus.Article) {
	text := a.Title + "\n\n" + a.Body
	if a.Language == "" {
		a.Language = e.detector.Detect(text)
	}
	a.Amounts = ExtractAmounts(text, e.rates)
	a.Countries = e.countries.Find(text)
	a.Companies = e.companies.Find(text)
}
