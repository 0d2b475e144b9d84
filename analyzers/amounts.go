package analyzers

import "veille/corpus"

// Rates maps an ISO 4217 currency code to the value of one unit in euros.
type Rates map[string]float64

// DefaultRates returns the reference rate table (STUB: to be completed).
func DefaultRates() Rates { return Rates{"EUR": 1} }

// ExtractAmounts returns every sum of money written with digits and a
// currency in text, in order of appearance (STUB: to be implemented).
func ExtractAmounts(text string, rates Rates) []corpus.Amount { return nil }
