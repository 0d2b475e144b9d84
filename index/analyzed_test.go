package index

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"

	"veille/analyzers"
)

// TestCompactTextMatchesBleve checks that a field analyzed ahead and
// expanded by compactText gives Bleve exactly what document.TextField's
// own analysis gives: length, terms, frequencies and term vectors.
func TestCompactTextMatchesBleve(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"", "   ", "L'économie de l’Europe.Renault : Renault lève 1,5 milliard d'euros, et Renault encore.",
		"U.S.A. et S.A. ; les entreprises, l'entreprise, LES ENTREPRISES", "日本語 👍 e\u0301tat",
	}
	for _, d := range readJSONL(t, "orangesum-fr.jsonl.gz", 50) {
		texts = append(texts, d.Title, d.Body)
	}
	var sets sync.Pool
	for _, lang := range analyzers.Languages {
		name := textField("body", lang)
		an := m.AnalyzerNamed(m.AnalyzerNameForPath(name))
		for i, text := range texts {
			ref := document.NewTextFieldCustom(name, nil, []byte(text), optText, an)
			ref.Analyze()
			value := []byte(text)
			c, _ := newCompactText(document.NewTextFieldCustom(name, nil, value, optText, an), an, value, &sets, nil, nil)
			c.Analyze()
			what := fmt.Sprintf("%s text %d", lang, i)
			if c.AnalyzedLength() != ref.AnalyzedLength() {
				t.Fatalf("%s: length %d, want %d", what, c.AnalyzedLength(), ref.AnalyzedLength())
			}
			if got, want := flatten(c.AnalyzedTokenFrequencies()), flatten(ref.AnalyzedTokenFrequencies()); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: token frequencies\n got %v\nwant %v", what, got, want)
			}
			if c.Name() != name || c.Options() != optText || string(c.Value()) != text {
				t.Fatalf("%s: field identity changed", what)
			}
		}
	}
}

type flatFreq struct {
	freq int
	locs []bindex.TokenLocation
}

// flatten turns token frequencies into comparable values.
func flatten(tf bindex.TokenFrequencies) map[string]flatFreq {
	out := map[string]flatFreq{}
	for k, f := range tf {
		if string(f.Term) != k {
			panic("term and key differ: " + k)
		}
		ff := flatFreq{freq: f.Frequency()}
		for _, l := range f.Locations {
			ff.locs = append(ff.locs, *l)
		}
		out[k] = ff
	}
	return out
}

// TestKeywordFieldMatchesBleve checks that a keyword field made by
// newKeywordField gives Bleve what document.TextField's own analysis with
// the keyword analyzer gives: length, terms and frequencies, and the same
// field identity.
func TestKeywordFieldMatchesBleve(t *testing.T) {
	db := newTestDocBuilder(t)
	for i, value := range []string{"", "fr", "Société Générale", "  deux  mots ", "2026-01-02", exactTerm(-42), "a\x00b"} {
		for _, pos := range [][]uint64{nil, {3}} {
			ref := document.NewTextFieldCustom(fieldCompanies, pos, []byte(value), optKeyword, db.keyword)
			ref.Analyze()
			f := newKeywordField(fieldCompanies, pos, value, optKeyword, db.keyword)
			f.Analyze()
			if f.AnalyzedLength() != ref.AnalyzedLength() {
				t.Fatalf("value %d: length %d, want %d", i, f.AnalyzedLength(), ref.AnalyzedLength())
			}
			if got, want := flatten(f.AnalyzedTokenFrequencies()), flatten(ref.AnalyzedTokenFrequencies()); !reflect.DeepEqual(got, want) {
				t.Fatalf("value %d: token frequencies\n got %v\nwant %v", i, got, want)
			}
			if f.Name() != ref.Name() || f.Options() != ref.Options() || string(f.Value()) != value ||
				!reflect.DeepEqual(f.ArrayPositions(), ref.ArrayPositions()) || f.NumPlainTextBytes() != ref.NumPlainTextBytes() {
				t.Fatalf("value %d: field identity differs", i)
			}
		}
	}
}

// newTestDocBuilder returns the document builder of a new generation.
func newTestDocBuilder(t testing.TB) *docBuilder {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	db, err := newDocBuilder(m)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
