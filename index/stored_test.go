package index

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"veille/corpus"
)

// storedValue is one value a stored-field visit gives.
type storedValue struct {
	Name string
	Typ  byte
	Val  string
	Pos  []uint64
}

func collectStored(visit func(func(string, byte, []byte, []uint64) bool) error) ([]storedValue, error) {
	var out []storedValue
	err := visit(func(name string, typ byte, val []byte, pos []uint64) bool {
		out = append(out, storedValue{name, typ, string(val), append([]uint64(nil), pos...)})
		return true
	})
	return out, err
}

// reopenPersisted closes x and opens dir again, so that every segment is
// a persisted file, and returns the live generation and a snapshot, both
// released when the test ends.
func reopenPersisted(t *testing.T, x *Index, dir string) (*generation, *scorch.IndexSnapshot) {
	t.Helper()
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	x, err := Open(context.Background(), dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	g, snap, release, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return g, snap
}

// TestStoredFilesMatchBleve reads every stored document of persisted
// segments with pread (storedFiles) and through Bleve's mapping, and
// compares: every field, in order, the ids, and the decoded articles
// (including a deleted and a replaced article).
func TestStoredFilesMatchBleve(t *testing.T) {
	x, dir := openTest(t, Options{})
	var arts []corpus.Article
	for i := range 240 {
		body := strings.Repeat(fmt.Sprintf("Phrase %d de l'article sur Nvidia à Paris. ", i), 1+i%37)
		if i%50 == 7 { // longer than a page
			body = strings.Repeat("Un texte long, très long, pour la page. ", 400)
		}
		arts = append(arts, corpus.Article{ID: fmt.Sprintf("a-%03d", i), Title: fmt.Sprintf("Titre %d", i), Body: body,
			Source: "src", Published: day("2025-09-19").Add(time.Duration(i) * time.Hour)})
	}
	for i := 0; i < len(arts); i += 60 { // several segments
		put(t, x, arts[i:i+60]...)
	}
	replaced := arts[3]
	replaced.Title = "Titre remplacé"
	put(t, x, replaced)
	if err := x.Delete(context.Background(), arts[5].ID); err != nil {
		t.Fatal(err)
	}
	g, snap := reopenPersisted(t, x, dir)
	files, docs := 0, 0
	for _, ss := range snap.Segments() {
		if g.records.stored.file(ss.Segment()) != nil {
			files++
		}
		for i := uint64(0); i < ss.Segment().Count(); i++ {
			want, err := collectStored(func(v func(string, byte, []byte, []uint64) bool) error { return ss.VisitDocument(i, v) })
			if err != nil {
				t.Fatal(err)
			}
			got, err := collectStored(func(v func(string, byte, []byte, []uint64) bool) error { return g.records.stored.visit(ss, i, v) })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("segment %d doc %d: pread gives %+v, Bleve %+v", ss.Id(), i, got, want)
			}
			id, err := g.records.stored.docID(ss, i)
			wantID, _ := ss.DocID(i)
			if err != nil || string(id) != string(wantID) {
				t.Fatalf("segment %d doc %d: id %q (%v), want %q", ss.Id(), i, id, err, wantID)
			}
			docs++
		}
	}
	// 240 articles, one deleted: a merge may already have dropped the
	// deleted one and the replaced copy, leaving 239 documents.
	if files == 0 || docs < len(arts)-1 {
		t.Fatalf("%d segments read with pread, %d documents: the test read nothing through the files", files, docs)
	}
	for _, a := range append(arts, replaced) {
		d, err := g.records.stored.get(snap, a.ID)
		switch {
		case a.ID == arts[5].ID:
			if err == nil {
				t.Errorf("deleted %s still read", a.ID)
			}
			continue
		case err != nil:
			t.Fatalf("get %s: %v", a.ID, err)
		}
		want := a
		if a.ID == replaced.ID {
			want = replaced
		}
		if d.Title != want.Title || d.Body != want.Body {
			t.Errorf("get %s: title %q, body %d bytes; want %q, %d bytes", a.ID, d.Title, len(d.Body), want.Title, len(want.Body))
		}
	}
	if _, err := g.records.stored.get(snap, "absent"); err == nil {
		t.Error("an absent id is read")
	}
}

// TestStoredFilesUnlinkedSegment reads a persisted segment whose file was
// removed before its first read, as scorch removes a merged-away segment
// while an older snapshot still maps it: the fields come from the mapping.
func TestStoredFilesUnlinkedSegment(t *testing.T) {
	x, dir := openTest(t, Options{})
	for i := range 3 {
		put(t, x, corpus.Article{ID: fmt.Sprintf("u-%d", i), Title: fmt.Sprintf("Titre %d", i),
			Body: "Nvidia investit à Paris.", Source: "src", Published: day("2025-09-19")})
	}
	_, snap := reopenPersisted(t, x, dir)
	var stores storedFiles // fresh: no file opened yet
	read := 0
	for _, ss := range snap.Segments() {
		f := stores.file(ss.Segment())
		if f == nil {
			continue
		}
		if err := os.Remove(f.seg.Path()); err != nil {
			t.Fatal(err)
		}
		for i := uint64(0); i < ss.Segment().Count(); i++ {
			want, err := collectStored(func(v func(string, byte, []byte, []uint64) bool) error { return ss.VisitDocument(i, v) })
			if err != nil {
				t.Fatal(err)
			}
			got, err := collectStored(func(v func(string, byte, []byte, []uint64) bool) error { return stores.visit(ss, i, v) })
			if err != nil {
				t.Fatalf("segment %d doc %d after its file was removed: %v", ss.Id(), i, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("segment %d doc %d: got %+v, want %+v", ss.Id(), i, got, want)
			}
			read++
		}
	}
	if read == 0 {
		t.Fatal("no persisted segment to read")
	}
	if _, err := stores.get(snap, "u-1"); err != nil {
		t.Errorf("get after removal: %v", err)
	}
}
