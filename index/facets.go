package index

// Facet counts: multi-select counts (each facet applies every filter but
// its own) and counts within the results (every filter), both made in the
// search's one pass over its hits.

import (
	"math"
	"slices"
	"strings"
)

// counts are the facet counts of one search, by ordinal.
type counts struct {
	comp, ctry, lang, src, month []int32
	bands                        [len(amountBands)]int32
}

func newCounts(d *dicts) *counts {
	return &counts{
		comp: make([]int32, len(d.companies.all())), ctry: make([]int32, len(d.countries.all())),
		lang: make([]int32, len(d.langs.all())), src: make([]int32, len(d.sources.all())),
		month: make([]int32, len(d.months.all())),
	}
}

// add counts document i of rec in the facets whose filters it passes:
// a facet counts a document that passes every filter but the facet's
// own (mask, from filters.pass). With all set, every filter must pass
// (counts within the results).
func (c *counts) add(rec *segRecords, i uint32, mask uint8, all bool) {
	// A facet counts the document when the filters other than its own
	// pass (all: when every filter passes).
	if all && mask != passAll {
		return
	}
	ok := func(own uint8) bool { return mask|own == passAll }
	if ok(passCompany) {
		for _, o := range rec.companies(i) {
			c.comp[o]++
		}
	}
	if ok(passCountry) {
		for _, o := range rec.countries(i) {
			c.ctry[o]++
		}
	}
	if ok(passLang) && rec.lang[i] != noOrd {
		c.lang[rec.lang[i]]++
	}
	if ok(passSource) && rec.source[i] != noOrd {
		c.src[rec.source[i]]++
	}
	if ok(passAmount) {
		for b := rec.bands[i]; b != 0; b &= b - 1 {
			c.bands[bitIndex(b)]++
		}
	}
	if ok(passDate) && rec.month[i] != noOrd {
		c.month[rec.month[i]]++
	}
}

func bitIndex(b uint8) int {
	i := 0
	for b&1 == 0 {
		b >>= 1
		i++
	}
	return i
}

// buildFacets turns counts into facet values. selected tells whether
// the query's own filter values are listed even without a count (the
// multi-select facets do, to show what is ticked).
func buildFacets(c *counts, d *dicts, p *plan, selected bool) Facets {
	q := &p.q
	sel := func(vs ...[]string) []string {
		if !selected {
			return nil
		}
		return slices.Concat(vs...)
	}
	match := func(facet string) func(string) bool {
		if q.FacetQuery.Facet == facet && q.FacetQuery.Match != nil {
			return q.FacetQuery.Match
		}
		return nil
	}
	var f Facets
	f.Company = termFacet(c.comp, d.companies.all(), p.facetSize, sel(q.Companies, q.ExcludeCompanies), identity, match("company"))
	f.Country = termFacet(c.ctry, d.countries.all(), p.facetSize, sel(q.Countries, q.ExcludeCountries), upperASCII, match("country"))
	f.Language = termFacet(c.lang, d.langs.all(), p.facetSize, sel(q.Languages), strings.ToLower, match("lang"))
	f.Source = termFacet(c.src, d.sources.all(), p.facetSize, sel(q.Sources, q.ExcludeSources), identity, match("source"))
	for i, n := range c.bands {
		if n == 0 {
			continue
		}
		b := amountBands[i]
		fv := FacetValue{Value: b.Label, Count: int(n), Min: ptr(b.Min)}
		if !math.IsInf(b.Max, 1) {
			fv.Max = ptr(b.Max)
		}
		f.Amount = append(f.Amount, fv)
	}
	months := d.months.all()
	for i, n := range c.month {
		if n > 0 {
			f.Month = append(f.Month, FacetValue{Value: months[i], Count: int(n)})
		}
	}
	slices.SortFunc(f.Month, func(a, b FacetValue) int { return strings.Compare(b.Value, a.Value) })
	return f
}

func ptr(v float64) *float64 { return &v }

// termFacet returns the size values with the highest counts (ties by
// value) among those match accepts (all when nil), plus the selected
// values, which always appear.
func termFacet(counts []int32, names []string, size int, selected []string, norm func(string) string, match func(string) bool) []FacetValue {
	// better reports whether ordinal a goes before ordinal b.
	better := func(a, b uint32) bool {
		if counts[a] != counts[b] {
			return counts[a] > counts[b]
		}
		return names[a] < names[b]
	}
	// A heap of the best size ordinals so far, the worst at the root.
	h := make([]uint32, 0, size)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			w := l
			if r := l + 1; r < len(h) && better(h[w], h[r]) {
				w = r
			}
			if !better(h[i], h[w]) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for i, n := range counts {
		if n == 0 || match != nil && !match(names[i]) {
			continue
		}
		o := uint32(i)
		if len(h) < size {
			h = append(h, o)
			for j := len(h) - 1; j > 0; { // up
				p := (j - 1) / 2
				if !better(h[p], h[j]) {
					break
				}
				h[p], h[j] = h[j], h[p]
				j = p
			}
			continue
		}
		if better(o, h[0]) {
			h[0] = o
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b uint32) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	out := make([]FacetValue, len(h), len(h)+len(selected))
	for i, o := range h {
		out[i] = FacetValue{Value: names[o], Count: int(counts[o])}
	}
	for _, s := range selected {
		s = norm(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		key := looseKey(s)
		if slices.ContainsFunc(out, func(o FacetValue) bool { return looseKey(o.Value) == key }) {
			continue
		}
		found := false
		for i, name := range names {
			if counts[i] > 0 && looseKey(name) == key {
				out = append(out, FacetValue{Value: name, Count: int(counts[i])})
				found = true
			}
		}
		if !found {
			out = append(out, FacetValue{Value: s})
		}
	}
	return out
}
