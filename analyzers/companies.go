package analyzers

import "io"

// Companies finds companies named in text (STUB: to be implemented).
type Companies struct{}

// NewCompanies builds the company finder from the embedded gazetteer plus
// optional extra gazetteer data (nil for none).
func NewCompanies(extra io.Reader) (*Companies, error) { return &Companies{}, nil }

// Find returns the distinct canonical names of the companies text names.
func (c *Companies) Find(text string) []string { return nil }
