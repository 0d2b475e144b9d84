package analyzers

// Countries finds countries named in text (STUB: to be implemented).
type Countries struct{}

// NewCountries builds the country matcher.
func NewCountries() *Countries { return &Countries{} }

// Find returns the sorted, distinct ISO 3166-1 alpha-2 codes of the countries text names.
func (c *Countries) Find(text string) []string { return nil }

// Lookup resolves an ISO code or a French or English country name to its code.
func (c *Countries) Lookup(name string) (string, bool) { return "", false }

// CountryName returns the French name of an ISO 3166-1 alpha-2 code.
func CountryName(code string) string { return code }
