package index

// Collapsed searches (Query.Collapse CollapseStory): the hits of the
// search's one pass are grouped by story (the story key of records.go);
// a story ranks by its best matching article, counts once in the total,
// and once for each facet value any of its articles counts for.

import (
	"context"
	"slices"
)

// member is a document of a story that the text query matched, and the
// filters it passes (filters.pass).
type member struct {
	seg   int32
	local uint32
	mask  uint8
	score float64
}

// storyGroup is a story in a collapsed search.
type storyGroup struct {
	best    cand  // best-ranked member passing every filter
	matched int32 // members passing every filter
	first   member
	more    []member // members after the first, as the pass met them
}

// grouper groups the hits of a collapsed search by story, counting the
// facets of each story once per value.
type grouper struct {
	v             *view
	rk            *ranker
	multi, within *counts // as in Search; nil when not counted
	byKey         map[uint64]int32
	groups        []storyGroup
	earlier       []member // scratch
}

// newGrouper returns a grouper for the hits of v; hint is how many
// stories to make room for (0: let them grow).
func newGrouper(v *view, rk *ranker, multi, within *counts, hint int) *grouper {
	return &grouper{v: v, rk: rk, multi: multi, within: within, byKey: make(map[uint64]int32, hint), groups: make([]storyGroup, 0, hint)}
}

// key returns the story key of a document; one without a story is its
// own (a key no hash gives in practice).
func (g *grouper) key(s int, local uint32) uint64 {
	if k := g.v.recs[s].story[local]; k != 0 {
		return k
	}
	return 1<<63 | uint64(s)<<32 | uint64(local)
}

// visit adds the document local of segment s, with its score and mask.
func (g *grouper) visit(s int, local uint32, score float64, mask uint8) {
	rec := g.v.recs[s]
	m := member{seg: int32(s), local: local, mask: mask, score: score}
	key := g.key(s, local)
	gi, ok := g.byKey[key]
	if !ok {
		gi = int32(len(g.groups))
		g.byKey[key] = gi
		g.groups = append(g.groups, storyGroup{first: m})
		if g.multi != nil {
			g.multi.add(rec, local, mask, false)
		}
		if g.within != nil {
			g.within.add(rec, local, mask, true)
		}
	} else {
		grp := &g.groups[gi]
		g.earlier = append(append(g.earlier[:0], grp.first), grp.more...)
		if g.multi != nil {
			g.multi.addMember(g.v, m, g.earlier, false)
		}
		if g.within != nil {
			g.within.addMember(g.v, m, g.earlier, true)
		}
		grp.more = append(grp.more, m)
	}
	if mask != passAll {
		return
	}
	grp := &g.groups[gi]
	cd := g.cand(m)
	if grp.matched == 0 || g.rk.before(&cd, &grp.best) {
		grp.best = cd
	}
	grp.matched++
}

func (g *grouper) cand(m member) cand {
	rec := g.v.recs[m.seg]
	return cand{seg: m.seg, local: m.local, score: m.score, pub: rec.pub[m.local], amax: rec.amax[m.local]}
}

// others returns the members of c's story that pass every filter, but
// c, best first.
func (g *grouper) others(c *cand) []cand {
	gi, ok := g.byKey[g.key(int(c.seg), c.local)]
	if !ok {
		return nil
	}
	grp := &g.groups[gi]
	var out []cand
	for _, m := range append([]member{grp.first}, grp.more...) {
		if m.mask == passAll && (m.seg != c.seg || m.local != c.local) {
			out = append(out, g.cand(m))
		}
	}
	slices.SortFunc(out, func(a, b cand) int {
		if g.rk.before(&a, &b) {
			return -1
		}
		return 1
	})
	return out
}

// storyHits loads the other articles of the story of each hit of page
// into hits[i].Story.
func (g *grouper) storyHits(ctx context.Context, gen *generation, page []cand, hits []Hit) error {
	for i := range page {
		others := g.others(&page[i])
		sh := &StoryHits{Others: len(others), Hits: []Hit{}}
		if len(others) > 0 {
			loaded, err := loadHits(ctx, gen, g.v, others[:min(len(others), MaxStoryHits)], false, 0, compiledQuery{}, 0)
			if err != nil {
				return err
			}
			sh.Hits = loaded
		}
		hits[i].Story = sh
	}
	return nil
}

// addMember counts document m like add, but not for the values that a
// member of earlier (of m's story, met before it) already counted: a
// story counts once for each value.
func (c *counts) addMember(v *view, m member, earlier []member, all bool) {
	if all && m.mask != passAll {
		return
	}
	// counted reports whether a document with mask counts in the facet
	// whose filter is own.
	counted := func(mask, own uint8) bool {
		if all {
			return mask == passAll
		}
		return mask|own == passAll
	}
	// before reports whether an earlier member counted for a value: has
	// tells whether a document holds it.
	before := func(own uint8, has func(r *segRecords, i uint32) bool) bool {
		for _, e := range earlier {
			if counted(e.mask, own) && has(v.recs[e.seg], e.local) {
				return true
			}
		}
		return false
	}
	rec, i := v.recs[m.seg], m.local
	if counted(m.mask, passCompany) {
		for _, o := range rec.companies(i) {
			if !before(passCompany, func(r *segRecords, j uint32) bool { return slices.Contains(r.companies(j), o) }) {
				c.comp[o]++
			}
		}
	}
	if counted(m.mask, passCountry) {
		for _, o := range rec.countries(i) {
			if !before(passCountry, func(r *segRecords, j uint32) bool { return slices.Contains(r.countries(j), o) }) {
				c.ctry[o]++
			}
		}
	}
	if o := rec.lang[i]; counted(m.mask, passLang) && o != noOrd &&
		!before(passLang, func(r *segRecords, j uint32) bool { return r.lang[j] == o }) {
		c.lang[o]++
	}
	if o := rec.source[i]; counted(m.mask, passSource) && o != noOrd &&
		!before(passSource, func(r *segRecords, j uint32) bool { return r.source[j] == o }) {
		c.src[o]++
	}
	if counted(m.mask, passAmount) {
		bands := rec.bands[i]
		for _, e := range earlier {
			if counted(e.mask, passAmount) {
				bands &^= v.recs[e.seg].bands[e.local]
			}
		}
		for b := bands; b != 0; b &= b - 1 {
			c.bands[bitIndex(b)]++
		}
	}
	if o := rec.month[i]; counted(m.mask, passDate) && o != noOrd &&
		!before(passDate, func(r *segRecords, j uint32) bool { return r.month[j] == o }) {
		c.month[o]++
	}
}
