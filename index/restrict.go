package index

// A search restricted to some articles (Query.IDs) reads the index as it
// is (dictionaries, document counts, statistics: what typo tolerance and
// scoring depend on) but the postings of those articles only, so that
// every searcher, phrase checks included, visits them alone and a
// restricted search costs little whatever the index holds.

import (
	"context"
	"slices"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
)

// allowedDocs returns the sorted internal numbers of the articles of snap
// with the given ids (unknown ids are left out).
func allowedDocs(snap *scorch.IndexSnapshot, ids []string) ([]uint64, error) {
	out := make([]uint64, 0, len(ids))
	for _, id := range ids {
		iid, err := snap.InternalID(id)
		if err != nil {
			return nil, err
		}
		if iid != nil {
			out = append(out, iid.Value())
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// allowedLanguages returns the languages of langs whose fields hold the
// allowed documents: a clause compiled for another language's fields
// cannot match them, so the search leaves it out.
func allowedLanguages(v *view, d *dicts, allow []uint64, langs []string) []string {
	names := d.langs.all()
	var out []string
	seg := 0
	for _, id := range allow {
		var local uint32
		seg, local = v.locate(id, seg)
		l := analyzers.Fallback
		if o := v.recs[seg].lang[local]; o != noOrd && int(o) < len(names) {
			l = names[o]
		}
		if fl := fieldLang4(l); slices.Contains(langs, fl) && !slices.Contains(out, fl) {
			out = append(out, fl)
		}
	}
	if out == nil {
		out = []string{} // no document: no language
	}
	return out
}

// postings returns the snapshot's postings of term in field, only those
// of the allowed documents when the search is restricted; TermFieldReader
// (stats.go) reads them.
func (m *memoReader) postings(ctx context.Context, term []byte, field string, includeFreq, includeNorm, includeTermVectors bool) (bindex.TermFieldReader, error) {
	r, err := m.IndexSnapshot.TermFieldReader(ctx, term, field, includeFreq, includeNorm, includeTermVectors)
	if err != nil || m.allow == nil {
		return r, err
	}
	return &allowedPostings{TermFieldReader: r, allow: m.allow}, nil
}

// DocIDReaderAll implements bindex.IndexReader: every document, or the
// allowed ones.
func (m *memoReader) DocIDReaderAll() (bindex.DocIDReader, error) {
	if m.allow == nil {
		return m.IndexSnapshot.DocIDReaderAll()
	}
	return &allowedDocIDs{allow: m.allow}, nil
}

// allowedPostings is a term's postings limited to allowed documents. Its
// Count is the term's whole count: statistics stay those of the index.
type allowedPostings struct {
	bindex.TermFieldReader
	allow []uint64 // sorted
	next  int      // index in allow of the next document to look for
	buf   bindex.IndexInternalID
}

// Next implements bindex.TermFieldReader.
func (p *allowedPostings) Next(pre *bindex.TermFieldDoc) (*bindex.TermFieldDoc, error) {
	for p.next < len(p.allow) {
		p.buf = bindex.NewIndexInternalID(p.buf, p.allow[p.next])
		d, err := p.TermFieldReader.Advance(p.buf, pre)
		if err != nil || d == nil {
			p.next = len(p.allow)
			return nil, err
		}
		v := d.ID.Value()
		for p.next < len(p.allow) && p.allow[p.next] < v {
			p.next++
		}
		if p.next < len(p.allow) && p.allow[p.next] == v {
			p.next++
			return d, nil
		}
	}
	return nil, nil
}

// Advance implements bindex.TermFieldReader.
func (p *allowedPostings) Advance(id bindex.IndexInternalID, pre *bindex.TermFieldDoc) (*bindex.TermFieldDoc, error) {
	v := id.Value()
	p.next, _ = slices.BinarySearch(p.allow, v)
	return p.Next(pre)
}

// allowedDocIDs lists the allowed documents.
type allowedDocIDs struct {
	allow []uint64
	next  int
}

func (r *allowedDocIDs) Next() (bindex.IndexInternalID, error) {
	if r.next >= len(r.allow) {
		return nil, nil
	}
	r.next++
	return bindex.NewIndexInternalID(nil, r.allow[r.next-1]), nil
}

func (r *allowedDocIDs) Advance(id bindex.IndexInternalID) (bindex.IndexInternalID, error) {
	r.next, _ = slices.BinarySearch(r.allow, id.Value())
	return r.Next()
}

func (r *allowedDocIDs) Size() int    { return 8 * len(r.allow) }
func (r *allowedDocIDs) Close() error { return nil }
