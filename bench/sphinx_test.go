package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// placeholder is one of sphinx.conf.in's @NAME@ placeholders.
var placeholder = regexp.MustCompile(`@(DIR|PORT|PEERS|CHARSET)@`)

// sharedSphinx is the reference folder of the Sphinx peer.
var sharedSphinx = filepath.Join("..", "..", "shared", "bench", "sphinx")

// TestSphinxInputMatchesPrep writes the Sphinx peer's input for a small
// corpus and what veille extracted from it, and compares it with what the
// reference script sphinx-prep.py writes from the same: the TSV file
// column by column, dicts.json and sphinx.conf (charset table included).
func TestSphinxInputMatchesPrep(t *testing.T) {
	script := filepath.Join(sharedSphinx, "sphinx-prep.py")
	if _, err := os.Stat(script); err != nil {
		t.Skip("no ../shared/bench/sphinx/sphinx-prep.py")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is absent: cannot run the reference script")
	}
	dir := t.TempDir()
	corpusPath := writeTinyCorpus(t, dir, 12)
	// Title and body with tabs and line breaks.
	extra := `{"id":"tabs","date":"2021-03-04","category":"monde","title":"un\ttitre","text":"ligne 1\nligne 2\r\tfin","lang":"fr"}` + "\n"
	data, _ := os.ReadFile(corpusPath)
	// The reference script reads gzipped corpora only.
	corpusPath += ".gz"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(append(data, extra...))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(corpusPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ents := map[string]entities{
		"tiny-0":  {Companies: []string{"Renault", "EDF", "Renault"}, Countries: []string{"FR"}, Amounts: []float64{5e5, 2.5e9, 3e9, 1e11}, Lang: "fr"},
		"tiny-1":  {Companies: []string{"EDF"}, Countries: []string{"DE", "FR"}, Amounts: []float64{1e6}, Lang: "fr"},
		"tiny-2":  {Amounts: []float64{99999999.5, 1e8}, Lang: "en"},
		"tiny-3":  {Lang: ""},
		"tabs":    {Companies: []string{"Total Énergies"}, Lang: "fr"},
		"missing": {Companies: []string{"Nobody"}},
	}
	entsPath := filepath.Join(dir, "ents.json")
	asExported := map[string]entities{} // sphinx-export.py writes [] for none
	for id, e := range ents {
		e.Companies, e.Countries, e.Amounts = append([]string{}, e.Companies...), append([]string{}, e.Countries...), append([]float64{}, e.Amounts...)
		asExported[id] = e
	}
	b, err := json.Marshal(asExported)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entsPath, b, 0o644); err != nil {
		t.Fatal(err)
	}

	refDir, goDir := filepath.Join(dir, "ref"), filepath.Join(dir, "go")
	cmd := exec.Command("python3", script, corpusPath, entsPath, refDir, "9312")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sphinx-prep.py: %v: %s", err, out)
	}
	p, err := prepare(t.TempDir(), []string{corpusPath}, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	in, err := writeSphinxInput(goDir, sharedSphinx, 9312, p, ents)
	if err != nil {
		t.Fatal(err)
	}
	if in.Docs != 13 || in.Companies != 3 || in.Countries != 2 || in.WithAmounts != 3 {
		t.Errorf("counts: %+v", in)
	}

	read := func(d, name string) string {
		b, err := os.ReadFile(filepath.Join(d, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	refRows, goRows := strings.Split(read(refDir, "corpus.tsv"), "\n"), strings.Split(read(goDir, "corpus.tsv"), "\n")
	if len(refRows) != len(goRows) {
		t.Fatalf("%d TSV lines, the reference %d", len(goRows), len(refRows))
	}
	for i := range refRows {
		rc, gc := strings.Split(refRows[i], "\t"), strings.Split(goRows[i], "\t")
		if len(rc) != len(gc) {
			t.Fatalf("line %d: %d columns, the reference %d:\n%q\n%q", i+1, len(gc), len(rc), goRows[i], refRows[i])
		}
		for j := range rc {
			if j == 12 { // the largest amount, a float either way
				rf, _ := strconv.ParseFloat(rc[j], 64)
				gf, err := strconv.ParseFloat(gc[j], 64)
				if err != nil || rf != gf {
					t.Errorf("line %d amount: %q, the reference %q", i+1, gc[j], rc[j])
				}
				continue
			}
			if rc[j] != gc[j] {
				t.Errorf("line %d column %d: %q, the reference %q", i+1, j+1, gc[j], rc[j])
			}
		}
	}

	var refDicts, goDicts any
	if err := json.Unmarshal([]byte(read(refDir, "dicts.json")), &refDicts); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(read(goDir, "dicts.json")), &goDicts); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(refDicts, goDicts) {
		t.Errorf("dicts.json:\n%v\nthe reference:\n%v", goDicts, refDicts)
	}

	absRef, _ := filepath.Abs(refDir)
	absGo, _ := filepath.Abs(goDir)
	refConf := strings.ReplaceAll(read(refDir, "sphinx.conf"), refDir, absRef) // the script keeps DIR as given
	goConf := strings.ReplaceAll(read(goDir, "sphinx.conf"), absGo, absRef)
	if refConf != goConf {
		t.Errorf("sphinx.conf differs from the reference's:\n%s\n---\n%s", goConf, refConf)
	}
	if !strings.Contains(goConf, "U+E9->e") || !strings.Contains(goConf, "U+141->l") || placeholder.MatchString(goConf) {
		t.Errorf("charset table or placeholders: %s", goConf)
	}
}

func TestSphinxBand(t *testing.T) {
	for _, tt := range []struct {
		eur  float64
		want int
	}{{-5, 1}, {0, 1}, {999999, 1}, {1e6, 2}, {99999999, 2}, {1e8, 3}, {1e9, 4}, {1e10, 5}, {1e11, 6}, {5e14, 6}} {
		if got := sphinxBand(tt.eur); got != tt.want {
			t.Errorf("sphinxBand(%v) = %d, want %d", tt.eur, got, tt.want)
		}
	}
	if got := bandList([]float64{2e9, 5, 3e9, 1e6}); got != "1,2,4" {
		t.Errorf("bandList = %q, want 1,2,4", got)
	}
}

func TestSnippetCall(t *testing.T) {
	stmt, args := snippetCall("CALL SNIPPETS(({col:title}, {col:body}), 'articles', ?, 480 AS limit)", []string{"t1", "b1", "t2", "b2"}, "prix")
	if stmt != "CALL SNIPPETS((?, ?, ?, ?), 'articles', ?, 480 AS limit)" {
		t.Errorf("statement %q", stmt)
	}
	if !reflect.DeepEqual(args, []any{"t1", "b1", "t2", "b2", "prix"}) {
		t.Errorf("arguments %v", args)
	}
}

func TestLoadSphinxScripts(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedSphinx, "sphinx-search.sql")); err == nil {
		st, err := loadSphinxScripts(sharedSphinx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(st.Page, "SELECT") || !strings.Contains(st.Page, "SHOW META") || !strings.HasPrefix(st.Snippets, "CALL SNIPPETS") {
			t.Errorf("statements: %+v", st)
		}
	}
	for name, sqlText := range map[string]string{
		"one statement": "SELECT 1 FROM articles WHERE MATCH(?)",
		"no documents":  "SELECT * FROM articles WHERE MATCH(?);; CALL SNIPPETS(('x'), 'articles', ?)",
		"two queries":   "SELECT * FROM articles WHERE MATCH(?) AND ?;; CALL SNIPPETS(({col:title}, {col:body}), 'articles', ?)",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "sphinx.conf.in"), []byte("index articles {}"), 0o644)
		os.WriteFile(filepath.Join(dir, "sphinx-search.sql"), []byte(sqlText), 0o644)
		if _, err := loadSphinxScripts(dir); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := loadSphinxScripts(t.TempDir()); err == nil {
		t.Error("an empty folder was accepted")
	}
}
