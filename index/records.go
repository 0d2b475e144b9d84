package index

// Precomputed facet records.
//
// Facets and filters are computed in memory rather than by Bleve: for every
// segment of a generation, a record per document holds what filters and
// facets need (company and country ordinals, language, source, day,
// amounts...), read once from the segment's doc values. Segments never
// change once written (deletions only mark documents), so a segment's
// records are built on first use and kept until merges retire it; a search
// then filters and counts every facet of every hit in one pass, at a few
// nanoseconds per hit, without touching the index again.

import (
	"bytes"
	"fmt"
	"math"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// dict interns strings as dense ordinals. Ordinals are never reused or
// reassigned, so records built at different times share them.
type dict struct {
	mu    sync.RWMutex
	ids   map[string]uint32
	names []string
}

func newDict() *dict { return &dict{ids: make(map[string]uint32)} }

// intern returns the ordinal of s, assigning one if needed.
func (d *dict) intern(s []byte) uint32 {
	d.mu.RLock()
	id, ok := d.ids[string(s)]
	d.mu.RUnlock()
	if ok {
		return id
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.ids[string(s)]; ok {
		return id
	}
	id = uint32(len(d.names))
	name := string(s)
	d.ids[name] = id
	d.names = append(d.names, name)
	return id
}

// lookup returns the ordinal of s, if s was interned.
func (d *dict) lookup(s string) (uint32, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	id, ok := d.ids[s]
	return id, ok
}

// all returns the interned strings by ordinal. The slice is never
// modified afterwards: later interns append beyond its length.
func (d *dict) all() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.names[:len(d.names):len(d.names)]
}

// dicts are the ordinal tables of one generation.
type dicts struct {
	companies, countries, langs, sources, months *dict
}

func newDicts() *dicts {
	return &dicts{companies: newDict(), countries: newDict(), langs: newDict(), sources: newDict(), months: newDict()}
}

// Sentinels of absent values in records.
const (
	noOrd = math.MaxUint32
	noDay = math.MinInt32
	noPub = math.MinInt64
)

// segRecords holds one record per document of a segment, by local
// document number, as parallel arrays.
type segRecords struct {
	lang   []uint32 // langs ordinal, noOrd when absent
	source []uint32 // sources ordinal, noOrd when absent
	day    []int32  // days since 1970-01-01 of the publication date as written, noDay
	month  []uint32 // months ordinal, noOrd
	pub    []int64  // publication time in Unix ns, noPub
	amax   []float64
	bands  []uint8  // bit i: an amount in amountBands[i]
	story  []uint64 // storyKey of the story id, 0 when absent
	// Multi-valued fields: the values of document i are vals[off[i]:off[i+1]].
	compOff, ctryOff, amtOff []uint32
	comps, ctrys             []uint32
	amts                     []float64
}

// companies returns the company ordinals of document i.
func (r *segRecords) companies(i uint32) []uint32 { return r.comps[r.compOff[i]:r.compOff[i+1]] }

// countries returns the country ordinals of document i.
func (r *segRecords) countries(i uint32) []uint32 { return r.ctrys[r.ctryOff[i]:r.ctryOff[i+1]] }

// amounts returns the amounts in euros of document i.
func (r *segRecords) amounts(i uint32) []float64 { return r.amts[r.amtOff[i]:r.amtOff[i+1]] }

// recordFields are the doc values read into records.
var recordFields = []string{fieldLang, fieldSource, fieldCompanies, fieldCountries, fieldDay, fieldAmountEUR, fieldPublished, fieldStory}

// storyKey returns a story id's key in records: its 64-bit FNV-1a hash
// (never 0), which collapsed searches group by.
func storyKey(id []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range id {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return max(h, 1)
}

// buildRecords reads the records of every document of seg.
func buildRecords(seg segment.Segment, d *dicts) (*segRecords, error) {
	n := int(seg.Count())
	r := &segRecords{
		lang: make([]uint32, n), source: make([]uint32, n), day: make([]int32, n), month: make([]uint32, n),
		pub: make([]int64, n), amax: make([]float64, n), bands: make([]uint8, n), story: make([]uint64, n),
		compOff: make([]uint32, n+1), ctryOff: make([]uint32, n+1), amtOff: make([]uint32, n+1),
	}
	if n == 0 {
		return r, nil
	}
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("index: segment %T has no doc values", seg)
	}
	var cur int
	visit := func(field string, term []byte) {
		switch field {
		case fieldLang:
			r.lang[cur] = d.langs.intern(term)
		case fieldSource:
			r.source[cur] = d.sources.intern(term)
		case fieldCompanies:
			r.comps = append(r.comps, d.companies.intern(term))
		case fieldCountries:
			r.ctrys = append(r.ctrys, d.countries.intern(term))
		case fieldDay:
			if day, ok := parseDay(term); ok {
				r.day[cur] = day
				r.month[cur] = d.months.intern(term[:7])
			}
		case fieldAmountEUR:
			if v, ok := fullPrecision(term); ok {
				f := numeric.Int64ToFloat64(v)
				r.amts = append(r.amts, f)
				r.bands[cur] |= 1 << bandOf(f)
				if math.IsNaN(r.amax[cur]) || f > r.amax[cur] {
					r.amax[cur] = f
				}
			}
		case fieldPublished:
			if v, ok := fullPrecision(term); ok {
				r.pub[cur] = v
			}
		case fieldStory:
			r.story[cur] = storyKey(term)
		}
	}
	var state segment.DocVisitState
	var err error
	for cur = 0; cur < n; cur++ {
		r.lang[cur], r.source[cur], r.month[cur] = noOrd, noOrd, noOrd
		r.day[cur], r.pub[cur], r.amax[cur] = noDay, noPub, math.NaN()
		state, err = dv.VisitDocValues(uint64(cur), recordFields, visit, state)
		if err != nil {
			return nil, fmt.Errorf("index: read doc values: %w", err)
		}
		r.compOff[cur+1] = uint32(len(r.comps))
		r.ctryOff[cur+1] = uint32(len(r.ctrys))
		r.amtOff[cur+1] = uint32(len(r.amts))
	}
	return r, nil
}

// fullPrecision decodes a prefix-coded doc value term of shift 0 (the
// exact value; numbers and dates are also indexed at coarser shifts).
func fullPrecision(term []byte) (int64, bool) {
	p := numeric.PrefixCoded(term)
	shift, err := p.Shift()
	if err != nil || shift != 0 {
		return 0, false
	}
	v, err := p.Int64()
	return v, err == nil
}

// parseDay parses "YYYY-MM-DD" into days since 1970-01-01.
func parseDay(b []byte) (int32, bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	m, ok2 := num(b[5:7])
	dd, ok3 := num(b[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || dd < 1 || dd > 31 {
		return 0, false
	}
	return daysFromCivil(y, m, dd), true
}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in
// the proleptic Gregorian calendar.
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// recordCache keeps the records of one generation's segments, by segment
// id. A segment's records are built once, by the first search that needs
// them; concurrent searches wait for that build.
type recordCache struct {
	dicts  *dicts
	stored storedFiles // the segments' stored fields, read with pread
	mu     sync.Mutex
	segs   map[uint64]*recordEntry
}

type recordEntry struct {
	once  sync.Once
	count uint64 // documents in the segment, deleted ones included
	rec   *segRecords
	err   error
}

func newRecordCache() *recordCache {
	return &recordCache{dicts: newDicts(), segs: make(map[uint64]*recordEntry)}
}

// view is a snapshot of a generation with the records of all its segments.
type view struct {
	snap    *scorch.IndexSnapshot
	segs    []*scorch.SegmentSnapshot
	offsets []uint64 // global number of each segment's first document
	recs    []*segRecords
	stored  *storedFiles
}

// visitStored visits the stored fields of document local of segment s.
func (v *view) visitStored(s int, local uint32, visitor segment.StoredFieldValueVisitor) error {
	return v.stored.visit(v.segs[s], uint64(local), visitor)
}

// docSpace returns the number of document numbers of v: every global
// document number is below it.
func (v *view) docSpace() uint64 {
	if len(v.segs) == 0 {
		return 0
	}
	last := len(v.segs) - 1
	return v.offsets[last] + v.segs[last].Segment().Count()
}

// locate returns the segment index and local number of a global document
// number; hint is the segment of the previous call (hits come in
// increasing order, so this is usually a constant-time step).
func (v *view) locate(global uint64, hint int) (int, uint32) {
	s := hint
	if s < 0 || s >= len(v.offsets) || v.offsets[s] > global {
		s = 0
	}
	for s+1 < len(v.offsets) && v.offsets[s+1] <= global {
		s++
	}
	return s, uint32(global - v.offsets[s])
}

// records returns the view of snap, building the records it lacks, and
// forgets the records of segments snap no longer holds.
func (c *recordCache) view(snap *scorch.IndexSnapshot) (*view, error) {
	segs := snap.Segments()
	v := &view{snap: snap, segs: segs, offsets: make([]uint64, len(segs)), recs: make([]*segRecords, len(segs)), stored: &c.stored}
	c.stored.forget(segs)
	entries := make([]*recordEntry, len(segs))
	var running uint64
	c.mu.Lock()
	for i, ss := range segs {
		// Global document numbers are the local ones shifted by the
		// document count of the segments before, deleted ones included
		// (see scorch's IndexSnapshot.offsets).
		v.offsets[i] = running
		running += ss.Segment().Count()
		// A segment keeps its id when it moves from memory to disk.
		e := c.segs[ss.Id()]
		if e == nil || e.count != ss.Segment().Count() {
			e = &recordEntry{count: ss.Segment().Count()}
			c.segs[ss.Id()] = e
		}
		entries[i] = e
	}
	if len(c.segs) > 2*len(segs)+8 {
		live := make(map[uint64]bool, len(segs))
		for _, ss := range segs {
			live[ss.Id()] = true
		}
		for id := range c.segs {
			if !live[id] {
				delete(c.segs, id)
			}
		}
	}
	c.mu.Unlock()
	for i, e := range entries {
		seg := segs[i].Segment() // alive: the caller holds snap
		e.once.Do(func() { e.rec, e.err = buildRecords(seg, c.dicts) })
		if e.err != nil {
			return nil, e.err
		}
		v.recs[i] = e.rec
	}
	return v, nil
}

// visitOrigins adds the origins of the live documents of ss to out.
func visitOrigins(ss *scorch.SegmentSnapshot, out map[string]Origin) error {
	seg := ss.Segment()
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return fmt.Errorf("index: segment %T has no doc values", seg)
	}
	del := ss.Deleted()
	fields := []string{fieldOrigin}
	var val []byte
	found := false
	visit := func(_ string, term []byte) {
		val = append(val[:0], term...)
		found = true
	}
	var state segment.DocVisitState
	var err error
	for i := uint64(0); i < seg.Count(); i++ {
		if del != nil && del.Contains(uint32(i)) {
			continue
		}
		found = false
		if state, err = dv.VisitDocValues(i, fields, visit, state); err != nil {
			return fmt.Errorf("index: read origins: %w", err)
		}
		if !found {
			continue
		}
		id, err := seg.DocID(i)
		if err != nil {
			return fmt.Errorf("index: read origins: %w", err)
		}
		path, stamp, _ := bytes.Cut(val, []byte{0})
		out[string(id)] = Origin{Path: string(path), Stamp: string(stamp)}
	}
	return nil
}
