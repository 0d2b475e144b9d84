package index

// The one place where a search's limits, sort orders and modes are
// defined and checked: the api and the command line take them from here
// and only decode their own syntax.

import (
	"fmt"
	"strings"
)

// Limits of a [Query].
const (
	DefaultPerPage   = 10
	MaxPerPage       = 100
	MaxWindow        = 10000 // Page*PerPage beyond this needs the cursor
	MaxQueryBytes    = 1000  // bytes of Text
	MaxQueryWords    = 32    // words of Text, counted as runs of letters and digits
	MaxFilterValues  = 50    // values of one filter (Companies, ExcludeSources...)
	DefaultFacetSize = 20
	MaxFacetSize     = 1000
	MaxCursorBytes   = maxCursorLen
	MaxStoryHits     = 5 // other articles listed with a collapsed hit
)

// Sort is the order of a search's hits.
type Sort string

// Sort orders. Ties are broken by date (relevance: newest first), then by
// id; articles without a date (amount: without an amount) come last in
// both directions.
const (
	SortRelevance  Sort = "relevance"
	SortDate       Sort = "date"
	SortDateDesc   Sort = "-date"
	SortAmount     Sort = "amount"
	SortAmountDesc Sort = "-amount"
)

// Sorts lists every sort order.
func Sorts() []Sort {
	return []Sort{SortRelevance, SortDate, SortDateDesc, SortAmount, SortAmountDesc}
}

// Mode says how the words of a query combine.
type Mode string

// Query modes.
const (
	ModeAll Mode = "all" // every word must match (the default)
	ModeAny Mode = "any" // any word may match; more matching words rank higher
)

// Modes lists every mode.
func Modes() []Mode { return []Mode{ModeAll, ModeAny} }

// QueryError is the error of a query that cannot run: which field of
// [Query] is wrong ("Text", "PerPage", "AmountMin"...) and why, in words
// that read after the field's name ("must be between 1 and 100, not 0").
// It wraps ErrInvalidQuery.
type QueryError struct {
	Field  string
	Reason string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("%v: %s %s", ErrInvalidQuery, e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidQuery) true.
func (e *QueryError) Unwrap() error { return ErrInvalidQuery }

// queryErr returns a *QueryError of field.
func queryErr(field, format string, args ...any) error {
	return &QueryError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// sortNames and modeNames list the values for error messages.
func sortNames() string {
	var b strings.Builder
	for i, s := range Sorts() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// Collapses lists every collapse mode.
func Collapses() []Collapse { return []Collapse{CollapseNone, CollapseStory} }

func modeNames() string {
	var b strings.Builder
	for i, m := range Modes() {
		if i > 0 {
			b.WriteString(" or ")
		}
		fmt.Fprintf(&b, "%q", string(m))
	}
	return b.String()
}
