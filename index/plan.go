package index

// A search's plan: the query validated against the limits of limits.go,
// its defaults filled, and its filters resolved to the ordinals of the
// in-memory records (records.go).

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"veille/corpus/fold"
)

// plan is a validated query, ready to run on a generation.
type plan struct {
	q         Query
	sort      Sort
	from      int // hits to skip (page mode)
	size      int
	facetSize int
	after     *cand // cursor: only hits ranking after it
	fp        string
	dayFrom   int32 // inclusive; math.MinInt32 when open
	dayTo     int32 // inclusive; math.MaxInt32 when open
}

// Validate checks q against the limits of a search: [Index.Search] runs
// it too, and callers that decode a query may run it first. Errors are
// *QueryError (wrapping ErrInvalidQuery).
func (q Query) Validate() error {
	_, err := validate(q)
	return err
}

// validate checks q against the limits and fills defaults. Errors are
// *QueryError (wrapping ErrInvalidQuery).
func validate(q Query) (plan, error) {
	p := plan{q: q, sort: q.Sort, dayFrom: math.MinInt32, dayTo: math.MaxInt32}
	if !utf8.ValidString(q.Text) {
		return p, queryErr("Text", "is not valid UTF-8 text")
	}
	if len(q.Text) > MaxQueryBytes {
		return p, queryErr("Text", "is too long: %d bytes, at most %d", len(q.Text), MaxQueryBytes)
	}
	switch q.Mode {
	case "", ModeAll, ModeAny:
	default:
		return p, queryErr("Mode", "must be %s, not %q", modeNames(), string(q.Mode))
	}
	switch {
	case q.PerPage == 0:
		p.size = DefaultPerPage
	case q.PerPage < 1 || q.PerPage > MaxPerPage:
		return p, queryErr("PerPage", "must be a whole number from 1 to %d, not %d", MaxPerPage, q.PerPage)
	default:
		p.size = q.PerPage
	}
	page := q.Page
	switch {
	case page == 0:
		page = 1
	case page < 0:
		return p, queryErr("Page", "must be a whole number from 1, not %d", q.Page)
	}
	switch {
	case len(q.Cursor) > MaxCursorBytes:
		return p, queryErr("Cursor", "is too long; pass next_cursor from the previous response unchanged")
	case q.Cursor != "" && page != 1:
		return p, queryErr("Page", "cannot be given with a cursor: give either page or cursor, not both")
	case q.Cursor == "" && page > MaxWindow/p.size:
		return p, queryErr("Page", "%d is too deep: page × per_page may not exceed %d; page further with the cursor (next_cursor of the previous response)", page, MaxWindow)
	case q.Cursor == "":
		p.from = (page - 1) * p.size
	}
	if !slices.Contains(Collapses(), q.Collapse) && q.Collapse != "" {
		return p, queryErr("Collapse", "must be \"story\" (one hit per story) or \"none\", not %q", string(q.Collapse))
	}
	if !slices.Contains(Sorts(), q.Sort) && q.Sort != "" {
		return p, queryErr("Sort", "must be one of %s; not %q", sortNames(), string(q.Sort))
	}
	switch {
	case q.FacetSize == 0:
		p.facetSize = DefaultFacetSize
	case q.FacetSize < 0 || q.FacetSize > MaxFacetSize:
		return p, queryErr("FacetSize", "must be a whole number from 1 to %d, not %d", MaxFacetSize, q.FacetSize)
	default:
		p.facetSize = q.FacetSize
	}
	if f := q.FacetQuery.Facet; f != "" && !slices.Contains([]string{"company", "country", "lang", "source"}, f) {
		return p, queryErr("FacetQuery", "names no facet with values to search: %q (company, country, lang or source)", f)
	}
	for _, l := range []struct {
		field  string
		values []string
	}{
		{"Companies", q.Companies}, {"Countries", q.Countries}, {"Languages", q.Languages}, {"Sources", q.Sources},
		{"ExcludeCompanies", q.ExcludeCompanies}, {"ExcludeCountries", q.ExcludeCountries}, {"ExcludeSources", q.ExcludeSources},
	} {
		if len(l.values) > MaxFilterValues {
			return p, queryErr(l.field, "has %d values; at most %d", len(l.values), MaxFilterValues)
		}
	}
	for _, b := range []struct {
		field string
		v     *float64
	}{{"AmountMin", q.AmountMin}, {"AmountMax", q.AmountMax}} {
		switch {
		case b.v == nil:
		case math.IsNaN(*b.v) || math.IsInf(*b.v, 0):
			return p, queryErr(b.field, "must be a finite number of euros")
		case *b.v < 0:
			return p, queryErr(b.field, "must not be negative")
		}
	}
	if q.AmountMin != nil && q.AmountMax != nil && *q.AmountMin > *q.AmountMax {
		return p, queryErr("AmountMin", "(%g) is above amount_max (%g)", *q.AmountMin, *q.AmountMax)
	}
	if !q.From.IsZero() {
		p.dayFrom = dayOf(q.From)
	}
	if !q.To.IsZero() {
		p.dayTo = dayOf(q.To)
	}
	if p.dayFrom > p.dayTo {
		return p, queryErr("From", "(%s) is after to (%s)", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
	}
	return p, nil
}

// fingerprint identifies what a cursor may continue: the text, mode,
// prefix, filters and sort of a query (not its page or highlighting).
func (p *plan) fingerprint() string {
	q := p.q
	var b strings.Builder
	w := func(parts ...string) {
		for _, s := range parts {
			fmt.Fprintf(&b, "%d:%s;", len(s), s)
		}
	}
	w(q.Text, string(q.Mode), string(p.sort), fmt.Sprint(q.Prefix))
	if p.collapsed() {
		w("collapse", string(CollapseStory)) // absent otherwise: the cursors made before collapsing existed still work
	}
	for _, vs := range [][]string{q.Companies, q.Countries, q.Languages, q.Sources, q.ExcludeCompanies, q.ExcludeCountries, q.ExcludeSources} {
		vs = slices.Clone(vs)
		slices.Sort(vs)
		w(fmt.Sprint(len(vs)))
		w(vs...)
	}
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	w(f(q.AmountMin), f(q.AmountMax), fmt.Sprint(p.dayFrom), fmt.Sprint(p.dayTo), fmt.Sprint(p.size))
	sum := sha256.Sum256([]byte(b.String()))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// collapsed reports whether the search gives one hit per story.
func (p *plan) collapsed() bool { return p.q.Collapse == CollapseStory }

// dayOf returns the day number of t's date, in t's location.
func dayOf(t time.Time) int32 {
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

// filters are a query's filters resolved to ordinals. A nil set means the
// filter is off; an active set holds true at the ordinals it names.
type filters struct {
	comp, ctry, lang, src []bool // values kept
	xcomp, xctry, xsrc    []bool // values excluded
	amount                bool
	amin, amax            float64
	date                  bool
	dayFrom, dayTo        int32
}

// resolveSet turns filter values into an ordinal set over d; norm
// normalises a value, and unknown values fall back to a case- and
// accent-insensitive comparison with the known ones.
func resolveSet(values []string, d *dict, norm func(string) string) []bool {
	if len(values) == 0 {
		return nil
	}
	names := d.all()
	set := make([]bool, len(names))
	var loose []string
	for _, v := range values {
		v = norm(strings.TrimSpace(v))
		if id, ok := d.lookup(v); ok && int(id) < len(set) {
			set[id] = true
			continue
		}
		loose = append(loose, looseKey(v))
	}
	if len(loose) > 0 {
		for i, name := range names {
			if slices.Contains(loose, looseKey(name)) {
				set[i] = true
			}
		}
	}
	return set
}

// looseKey folds case and accents.
func looseKey(s string) string { return fold.Lower(s) }

func identity(s string) string { return s }

func (p *plan) filters(d *dicts) *filters {
	q := &p.q
	f := &filters{
		comp:  resolveSet(q.Companies, d.companies, identity),
		ctry:  resolveSet(q.Countries, d.countries, upperASCII),
		lang:  resolveSet(q.Languages, d.langs, strings.ToLower),
		src:   resolveSet(q.Sources, d.sources, identity),
		xcomp: resolveSet(q.ExcludeCompanies, d.companies, identity),
		xctry: resolveSet(q.ExcludeCountries, d.countries, upperASCII),
		xsrc:  resolveSet(q.ExcludeSources, d.sources, identity),
	}
	if q.AmountMin != nil || q.AmountMax != nil {
		f.amount, f.amin, f.amax = true, math.Inf(-1), math.Inf(1)
		if q.AmountMin != nil {
			f.amin = *q.AmountMin
		}
		if q.AmountMax != nil {
			f.amax = *q.AmountMax
		}
	}
	if p.dayFrom != math.MinInt32 || p.dayTo != math.MaxInt32 {
		f.date, f.dayFrom, f.dayTo = true, p.dayFrom, p.dayTo
	}
	return f
}

// none reports whether no filter is on: every document passes them all,
// and the counts within the results are the multi-select ones.
func (f *filters) none() bool {
	return f.comp == nil && f.ctry == nil && f.lang == nil && f.src == nil &&
		f.xcomp == nil && f.xctry == nil && f.xsrc == nil && !f.amount && !f.date
}

func inSet(set []bool, ords []uint32) bool {
	for _, o := range ords {
		if int(o) < len(set) && set[o] {
			return true
		}
	}
	return false
}

func in1(set []bool, o uint32) bool { return o != noOrd && int(o) < len(set) && set[o] }

// passMask bits: which of a query's filters a document passes.
const (
	passCompany = 1 << iota
	passCountry
	passLang
	passSource
	passAmount
	passDate
	passAll = passCompany | passCountry | passLang | passSource | passAmount | passDate
)

// pass returns the filters document i of rec passes.
func (f *filters) pass(rec *segRecords, i uint32) uint8 {
	var m uint8
	if cs := rec.companies(i); (f.comp == nil || inSet(f.comp, cs)) && (f.xcomp == nil || !inSet(f.xcomp, cs)) {
		m |= passCompany
	}
	if cs := rec.countries(i); (f.ctry == nil || inSet(f.ctry, cs)) && (f.xctry == nil || !inSet(f.xctry, cs)) {
		m |= passCountry
	}
	if f.lang == nil || in1(f.lang, rec.lang[i]) {
		m |= passLang
	}
	if s := rec.source[i]; (f.src == nil || in1(f.src, s)) && (f.xsrc == nil || !in1(f.xsrc, s)) {
		m |= passSource
	}
	if !f.amount {
		m |= passAmount
	} else {
		for _, a := range rec.amounts(i) {
			if a >= f.amin && a <= f.amax {
				m |= passAmount
				break
			}
		}
	}
	if !f.date || rec.day[i] != noDay && rec.day[i] >= f.dayFrom && rec.day[i] <= f.dayTo {
		m |= passDate
	}
	return m
}
