package analyzers

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"veille/analyzers/companies"
	"veille/analyzers/countries"
	"veille/analyzers/lang"
	"veille/analyzers/money"
	"veille/corpus"
)

// Extractor fills an article's language, companies, countries and amounts
// from its title and body: the one place where the extraction packages are
// composed. It is safe for concurrent use.
type Extractor struct {
	rates     *money.Rates
	countries *countries.Matcher
	companies *companies.Finder
	detector  *lang.Detector
}

// ExtractorOptions configure [NewExtractor]; the zero value uses the
// embedded defaults.
type ExtractorOptions struct {
	Rates     *money.Rates // nil: money.DefaultRates()
	Gazetteer io.Reader    // extra companies, added to the embedded gazetteer
}

// NewExtractor builds an Extractor; language models are loaded once here.
func NewExtractor(opts ExtractorOptions) (*Extractor, error) {
	rates := opts.Rates
	if rates == nil {
		rates = money.DefaultRates()
	}
	ctry := countries.New()
	comp, err := companies.New(opts.Gazetteer, ctry)
	if err != nil {
		return nil, fmt.Errorf("analyzers: gazetteer: %w", err)
	}
	return &Extractor{rates: rates, countries: ctry, companies: comp, detector: lang.NewDetector()}, nil
}

// Countries returns the extractor's country matcher, for resolving names in filters.
func (e *Extractor) Countries() *countries.Matcher { return e.countries }

// Enrich sets a.Language when it is empty, and replaces a.Companies,
// a.Countries and a.Amounts with what the title and body contain, amounts
// converted to euros at the rates of a.Published's month. It
// returns ctx's error, leaving a's extracted fields unspecified, when ctx
// ends first.
func (e *Extractor) Enrich(ctx context.Context, a *corpus.Article) error {
	text := a.Title + "\n" + a.Body
	if a.Language == "" {
		a.Language = e.detector.Detect(text)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	mentions, err := e.countries.Mentions(ctx, text)
	if err != nil {
		return err
	}
	a.Countries = slices.Sorted(maps.Keys(mentions))
	amounts, err := money.Extract(ctx, text, money.Context{Published: a.Published, Countries: mentions}, e.rates)
	if err != nil {
		return err
	}
	a.Amounts = amounts
	companies, err := e.companies.Find(ctx, text, a.Language)
	a.Companies = companies
	return err
}
