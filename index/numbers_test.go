package index

import (
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/corpus"
)

// TestNumberFieldsHoldOneTermPerValue checks that dates and amounts are
// indexed as one exact term per value (Bleve's number fields would add 15
// coarser terms for range queries, which nothing reads), and that the
// records decode them.
func TestNumberFieldsHoldOneTermPerValue(t *testing.T) {
	x, _ := openTest(t, Options{})
	pub := []time.Time{
		time.Date(2025, 9, 19, 8, 30, 0, 0, time.UTC),
		time.Date(2025, 9, 19, 17, 5, 0, 0, time.UTC),
		time.Date(1999, 1, 2, 0, 0, 0, 0, time.UTC),
	}
	put(t, x,
		corpus.Article{ID: "a", Title: "Un", Body: "Nvidia investit 2 milliards d'euros puis 2 milliards d'euros.", Published: pub[0]},
		corpus.Article{ID: "b", Title: "Deux", Body: "Microsoft lève 150 millions de dollars.", Published: pub[1]},
		corpus.Article{ID: "c", Title: "Trois", Body: "Rien à signaler, 3,5 millions d'euros.", Published: pub[2]},
	)
	_, snap, release, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for field, want := range map[string]int{fieldPublished: 3, fieldAmountEUR: 3} {
		fd, err := snap.FieldDict(field)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for e, err := fd.Next(); e != nil && err == nil; e, err = fd.Next() {
			if _, ok := fullPrecision([]byte(e.Term)); !ok {
				t.Errorf("%s: term %q is not an exact number", field, e.Term)
			}
			n++
		}
		_ = fd.Close()
		if n != want {
			t.Errorf("%s: %d terms, want %d (one per distinct value)", field, n, want)
		}
	}

	var gotPub []int64
	var gotAmounts []float64
	for _, ss := range snap.Segments() {
		r, err := buildRecords(ss.Segment(), newDicts())
		if err != nil {
			t.Fatal(err)
		}
		gotPub = append(gotPub, r.pub...)
		gotAmounts = append(gotAmounts, r.amts...)
	}
	slices.Sort(gotPub)
	slices.Sort(gotAmounts)
	wantPub := []int64{pub[2].UnixNano(), pub[0].UnixNano(), pub[1].UnixNano()}
	if !slices.Equal(gotPub, wantPub) {
		t.Errorf("publication times %v, want %v", gotPub, wantPub)
	}
	// 2 Md€ twice in one article is one value of its doc values.
	wantAmounts := []float64{3.5e6, 150e6 * 0.9, 2e9}
	if !slices.Equal(gotAmounts, wantAmounts) {
		t.Errorf("amounts %v, want %v", gotAmounts, wantAmounts)
	}
}

// TestRecordsReadRangeCodedNumbers checks that the records still read the
// generations made before numbers were indexed as one term: Bleve's
// number and date fields, 16 terms per value.
func TestRecordsReadRangeCodedNumbers(t *testing.T) {
	m := bleve.NewIndexMapping()
	dm := bleve.NewDocumentStaticMapping()
	num := bleve.NewNumericFieldMapping()
	num.DocValues = true
	date := bleve.NewDateTimeFieldMapping()
	date.DocValues = true
	dm.AddFieldMappingsAt(fieldAmountEUR, num)
	dm.AddFieldMappingsAt(fieldPublished, date)
	m.DefaultMapping = dm
	idx, err := bleve.NewUsing(filepath.Join(t.TempDir(), "old"), m, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()

	when := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	opts := bindex.IndexField | bindex.DocValues
	doc := document.NewDocument("old")
	for i, eur := range []float64{1.5e9, 40e6} {
		var pos []uint64
		if i > 0 {
			pos = []uint64{uint64(i)}
		}
		doc.AddField(document.NewNumericFieldWithIndexingOptions(fieldAmountEUR, pos, eur, opts))
	}
	f, err := document.NewDateTimeFieldWithIndexingOptions(fieldPublished, nil, when, time.RFC3339, opts)
	if err != nil {
		t.Fatal(err)
	}
	doc.AddField(f)
	b := idx.NewBatch()
	if err := b.IndexAdvanced(doc); err != nil {
		t.Fatal(err)
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	r, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	reader, err := r.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	segs := reader.(*scorch.IndexSnapshot).Segments()
	if len(segs) != 1 {
		t.Fatalf("%d segments, want 1", len(segs))
	}
	rec, err := buildRecords(segs[0].Segment(), newDicts())
	if err != nil {
		t.Fatal(err)
	}
	if rec.pub[0] != when.UnixNano() {
		t.Errorf("publication time %d, want %d", rec.pub[0], when.UnixNano())
	}
	if got := rec.amounts(0); !slices.Equal(got, []float64{1.5e9, 40e6}) && !slices.Equal(got, []float64{40e6, 1.5e9}) {
		t.Errorf("amounts %v, want 1.5e9 and 40e6", got)
	}
	if rec.amax[0] != 1.5e9 || math.IsNaN(rec.amax[0]) {
		t.Errorf("largest amount %g, want 1.5e9", rec.amax[0])
	}
}
