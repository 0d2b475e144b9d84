package index

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"veille/analyzers"
)

// qtMapping is the field layout the engine uses for text: title_<l> and
// body_<l> per language, stored with term vectors, analyzed by the
// language's analyzer.
func qtMapping(tb testing.TB) *mapping.IndexMappingImpl {
	tb.Helper()
	im := bleve.NewIndexMapping()
	im.ScoringModel = "bm25"
	im.DefaultAnalyzer = "keyword"
	if err := analyzers.AddAnalyzers(im); err != nil {
		tb.Fatal(err)
	}
	dm := bleve.NewDocumentStaticMapping()
	for _, l := range analyzers.Languages {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzers.AnalyzerName(l)
		f.Store, f.IncludeTermVectors = true, true
		f.IncludeInAll, f.DocValues = false, false
		dm.AddFieldMappingsAt("title_"+l, f)
		dm.AddFieldMappingsAt("body_"+l, f)
	}
	im.DefaultMapping = dm
	return im
}

// qtDoc is a test article: id, language, title, body.
type qtDoc struct{ id, lang, title, body string }

// qtDocs are small French and English articles exercising the query
// language: accents, elision, plurals, typos, phrases, stop words.
var qtDocs = []qtDoc{
	{"d1", "fr", "Nvidia investit en Norvège",
		"Le géant américain des puces annonce un investissement de deux milliards d'euros dans des centres de données près d'Oslo. L'infrastructure sera alimentée par l'hydroélectricité."},
	{"d2", "fr", "La Bourse de Paris recule",
		"Les valeurs technologiques ont pesé, Nvidia en tête, après des annonces décevantes aux États-Unis."},
	{"d3", "fr", "Nvidio, la jeune pousse lyonnaise",
		"La société Nvidio développe des logiciels de montage vidéo."},
	{"d4", "en", "Microsoft opens a data centre in Norway",
		"The company said the new data center would run on hydro power. Investments reach two billion dollars."},
	{"d5", "fr", "Électricité : les prix s'envolent",
		"Le marché de l'électricité en Europe reste tendu ; les centres de calcul consomment davantage."},
	{"d6", "fr", "Centre de données : un chantier géant",
		"Un nouveau site ouvre à Marseille pour les entreprises."},
	{"d7", "fr", "Des données sur le centre de Paris",
		"La mairie publie des statistiques de fréquentation."},
}

// qtIndex returns an in-memory index of docs with the engine's layout.
// It is a scorch index, as in production: bleve.NewMemOnly builds an
// upside_down one, whose fuzzy matching counts a transposition as two
// edits where scorch counts one.
func qtIndex(tb testing.TB, docs []qtDoc) bleve.Index {
	tb.Helper()
	idx, err := bleve.NewUsing("", qtMapping(tb), scorch.Name, scorch.Name, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = idx.Close() })
	b := idx.NewBatch()
	for _, d := range docs {
		err := b.Index(d.id, map[string]interface{}{"title_" + d.lang: d.title, "body_" + d.lang: d.body})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		tb.Fatal(err)
	}
	return idx
}

// qtSearch runs text in mode against idx and returns the ids of all hits,
// best first.
func qtSearch(tb testing.TB, idx bleve.Index, text string, mode Mode) []string {
	return qtSearchOpt(tb, idx, text, mode, textQueryOptions{})
}

// qtSearchOpt is qtSearch with options.
func qtSearchOpt(tb testing.TB, idx bleve.Index, text string, mode Mode, opt textQueryOptions) []string {
	tb.Helper()
	c, err := compileTextQuery(text, mode, idx.Mapping(), opt)
	if err != nil {
		tb.Fatalf("compileTextQuery(%q): %v", text, err)
	}
	q := c.Query
	if q == nil {
		q = query.NewMatchAllQuery()
	}
	req := bleve.NewSearchRequestOptions(q, 100, 0, false)
	req.SortBy([]string{"-_score", "_id"})
	res, err := idx.Search(req)
	if err != nil {
		tb.Fatalf("search %q: %v", text, err)
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func TestParseQuery(t *testing.T) {
	w := func(s string) clause { return clause{Text: s} }
	tests := []struct {
		name    string
		in      string
		clauses []clause
		prefix  int
	}{
		{"empty", "", nil, -1},
		{"spaces", " \t\n ", nil, -1},
		{"words", "nvidia  norvège", []clause{w("nvidia"), w("norvège")}, 1},
		{"phrase", `"centre de données" nvidia`, []clause{{Text: "centre de données", Phrase: true}, w("nvidia")}, 1},
		{"phrase last", `nvidia "centre de données"`, []clause{w("nvidia"), {Text: "centre de données", Phrase: true}}, -1},
		{"unclosed quote", `nvidia "centre de`, []clause{w("nvidia"), {Text: "centre de", Phrase: true}}, -1},
		{"french quotes", "« centre de données »", []clause{{Text: "centre de données", Phrase: true}}, -1},
		{"curly quotes", "“centre”", []clause{{Text: "centre", Phrase: true}}, -1},
		{"exclusion", "nvidia -intel", []clause{w("nvidia"), {Text: "intel", Exclude: true}}, -1},
		{"excluded phrase", `-"centre de" x1`, []clause{{Text: "centre de", Phrase: true, Exclude: true}, w("x1")}, 1},
		{"hyphen inside word", "états-unis", []clause{w("états-unis")}, 0},
		{"lone operators", `- -- + "" " " nvidia -`, []clause{w("nvidia")}, 0},
		{"plus ignored", "+nvidia", []clause{w("nvidia")}, 0},
		{"double minus", "--intel", []clause{{Text: "intel", Exclude: true}}, -1},
		{"punctuation only", "( ) * ? && ||", nil, -1},
		{"boolean words are words", "a OR b", []clause{w("a"), w("OR"), w("b")}, 2},
		{"control characters", "nvidia\x00norvège\x1b", []clause{w("nvidia"), w("norvège")}, 1},
		{"quote glued to word", `abc"def ghi"jkl`, []clause{w("abc"), {Text: "def ghi", Phrase: true}, w("jkl")}, 2},
		{"duplicates", "Nvidia nvidia NVIDIA", []clause{w("Nvidia")}, 0},
		{"duplicate moves prefix", "nvidia norv nvidia", []clause{w("nvidia"), w("norv")}, 0},
		{"wildcards are text", "nvid*", []clause{w("nvid*")}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseQuery(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Clauses, tc.clauses) || p.Prefix != tc.prefix {
				t.Errorf("parseQuery(%q) = %+v prefix %d, want %+v prefix %d", tc.in, p.Clauses, p.Prefix, tc.clauses, tc.prefix)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		name, in string
		mode     Mode
		field    string
		msg      string
	}{
		{"invalid utf-8", "nvidia \xff", "", "Text", "not valid UTF-8"},
		{"too long", strings.Repeat("a", MaxQueryBytes+1), "", "Text", "too long"},
		{"too many words", qtWords(MaxQueryWords + 1), "", "Text", "too many words"},
		{"too many words in a phrase", `"` + qtWords(MaxQueryWords+1) + `"`, "", "Text", "too many words"},
		{"too many terms in a word", strings.Repeat("a.", 40), "", "Text", "too many words"},
		{"unknown mode", "nvidia", "some", "Mode", "must be"},
	}
	m := qtMapping(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildTextQuery(tc.in, tc.mode, m)
			var qe *QueryError
			if !errors.Is(err, ErrInvalidQuery) || !errors.As(err, &qe) || qe.Field != tc.field || !strings.Contains(qe.Reason, tc.msg) {
				t.Errorf("buildTextQuery(%.40q, %q) = %v, want a QueryError on %s with %q", tc.in, tc.mode, err, tc.field, tc.msg)
			}
		})
	}
	// Limits are inclusive.
	if _, err := buildTextQuery(strings.Repeat("mot", MaxQueryBytes/3), "", m); err != nil {
		t.Errorf("a query of %d bytes: %v", MaxQueryBytes, err)
	}
	if _, err := buildTextQuery(qtWords(MaxQueryWords), "", m); err != nil {
		t.Errorf("a query of %d words: %v", MaxQueryWords, err)
	}
}

func TestBuildTextQueryMatchAll(t *testing.T) {
	m := qtMapping(t)
	for _, in := range []string{"", "  ", `""`, "-", "+ -- ?", "()"} {
		c, err := compileTextQuery(in, "", m, textQueryOptions{})
		if err != nil || c.Query != nil || c.Scored {
			t.Errorf("compileTextQuery(%q) = %v, %v, scored %v; want nil query", in, c.Query, err, c.Scored)
		}
	}
	c, err := compileTextQuery("-nvidia", "", m, textQueryOptions{})
	if err != nil || c.Query == nil || c.Scored {
		t.Errorf("exclusions only: %v, %v, scored %v; want a query, not scored", c.Query, err, c.Scored)
	}
	c, err = compileTextQuery("nvidia", "any", m, textQueryOptions{})
	if err != nil || c.Query == nil || !c.Scored {
		t.Errorf("one word: %v, %v, scored %v; want a scored query", c.Query, err, c.Scored)
	}
}

func TestTextQuerySearch(t *testing.T) {
	idx := qtIndex(t, qtDocs)
	all := []string{"d1", "d2", "d3", "d4", "d5", "d6", "d7"}
	tests := []struct {
		name, q string
		mode    Mode
		want    []string // the hits, in any order
		first   []string // the first hits, in this order
		prefix  bool     // the last word is being typed
	}{
		{"exact word", "nvidia", "", []string{"d1", "d2", "d3"}, []string{"d1", "d2", "d3"}, false},
		{"case and accents", "NORVEGE", "", []string{"d1"}, nil, false},
		{"elision", "L'ELECTRICITE", "", []string{"d5"}, nil, false},
		{"plural matches singular", "centres", "", []string{"d1", "d4", "d5", "d6", "d7"}, nil, false},
		{"all words must match", "nvidia norvège", "", []string{"d1"}, nil, false},
		{"mode any ranks by matches", "nvidia bourse microsoft", "any", []string{"d1", "d2", "d3", "d4"}, []string{"d2"}, false},
		{"mode all needs every word", "nvidia microsoft", "all", []string{}, nil, false},
		{"typo one edit", "nvidea", "", []string{"d1", "d2"}, nil, false},
		{"repeated letter", "nvidiaa", "", []string{"d1", "d2", "d3"}, []string{"d1", "d2"}, false},
		{"typo transposition", "nvidai", "", []string{"d1", "d2"}, nil, false},
		{"typo two edits in a long word", "investisement", "", []string{"d1", "d4"}, []string{"d1"}, false},
		{"typo in a short word is not tolerated", "prxi", "", []string{}, nil, false},
		{"exact ranks above fuzzy", "nvidio", "", []string{"d1", "d2", "d3"}, []string{"d3"}, false},
		{"whole words by default", "nvid", "", []string{}, nil, false},
		{"prefix", "nvid", "", []string{"d1", "d2", "d3"}, nil, true},
		{"prefix with accents", "norv", "", []string{"d1"}, nil, true},
		{"prefix of a stem", "infrastruc", "", []string{"d1"}, nil, true},
		{"prefix of a longer stem", "investis", "", []string{"d1", "d4"}, []string{"d1"}, true},
		{"prefix only on the last word", "norv nvidia", "", []string{}, nil, true},
		{"no prefix under 3 letters", "nv", "", []string{}, nil, true},
		{"prefix on the word as typed, not its stem", "centr", "", []string{"d1", "d4", "d5", "d6", "d7"}, nil, true},
		{"phrase with stop word and plural", `"centre de données"`, "", []string{"d1", "d6"}, nil, false},
		{"phrase needs adjacency", `"données centre"`, "", []string{}, nil, false},
		{"phrase is exact (no typo)", `"nvidea"`, "", []string{}, nil, false},
		{"unclosed phrase", `"centres de donn`, "", []string{}, nil, false},
		{"exclusion", "nvidia -bourse", "", []string{"d1", "d3"}, nil, false},
		{"exclusion is exact", "-nvidia", "", []string{"d3", "d4", "d5", "d6", "d7"}, nil, false},
		{"excluded phrase", `centre -"centre de données"`, "", []string{"d4", "d5", "d7"}, nil, false},
		{"stop word dropped per language (fr)", "les prix", "", []string{"d5"}, nil, false},
		{"stop word dropped per language (en)", "the data", "", []string{"d4"}, nil, false},
		{"stop words only", "les de", "", []string{}, nil, false},
		{"match all", "", "", all, nil, false},
		{"title outranks body", "paris", "", []string{"d2", "d7"}, nil, false},
		{"multi-term word", "états-unis", "", []string{"d2"}, nil, false},
		{"operators are text", "nvidia AND (norvège)", "any", []string{"d1", "d2", "d3"}, []string{"d1"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := qtSearchOpt(t, idx, tc.q, tc.mode, textQueryOptions{Prefix: tc.prefix})
			if !sameSet(got, tc.want) {
				t.Fatalf("search %q: got %v, want %v in any order", tc.q, got, tc.want)
			}
			if len(tc.first) > 0 && !slices.Equal(got[:len(tc.first)], tc.first) {
				t.Errorf("search %q: got %v, want it to start with %v", tc.q, got, tc.first)
			}
		})
	}
}

func TestTitleBoost(t *testing.T) {
	// Same words, one in the title, one in the body of an otherwise
	// similar article: the title match comes first.
	idx := qtIndex(t, []qtDoc{
		{"body", "fr", "Un rapport sur le marché", "Le groupe Airbus livre moins d'avions que prévu cette année."},
		{"title", "fr", "Airbus livre moins d'avions", "Un rapport sur le marché que prévu cette année, le groupe."},
	})
	if got := qtSearch(t, idx, "airbus", ""); !slices.Equal(got, []string{"title", "body"}) {
		t.Errorf("got %v, want title first", got)
	}
}

func TestTypoTolerance(t *testing.T) {
	docs := []qtDoc{
		{"m1", "fr", "Emmanuel Macron en visite", "Le président Macron a rencontré des élus."},
		{"m2", "fr", "Réforme : Macron tient bon", "Macron défend sa réforme des retraites."},
		{"m3", "fr", "Sondage", "La cote de popularité de Macron progresse."},
		{"m4", "fr", "Diplomatie", "Macron reçoit son homologue allemand."},
		{"c1", "fr", "Mâcon inaugure son marché", "La ville de Mâcon accueille un marché couvert."},
		{"n1", "fr", "Nvidia en bourse", "Nvidia publie ses résultats."},
		{"n2", "fr", "Puces", "Les puces de Nvidia équipent les centres de calcul."},
		{"n3", "fr", "Intelligence artificielle", "Nvidia domine le marché."},
		{"n4", "fr", "Une start-up", "La société Nvidio lève des fonds."},
		{"t1", "fr", "Séisme", "Un tremblement de terre a secoué la région."},
		{"t2", "fr", "Rhône", "Le tremblement a été ressenti à Lyon."},
	}
	idx := qtIndex(t, docs)
	tests := []struct {
		name, q string
		want    []string // the hits, in any order
		first   []string // the first hits, in this order
	}{
		{"a well-known word is not expanded", "nvidia", []string{"n1", "n2", "n3"}, nil},
		{"a rare word is: exact first", "nvidio", []string{"n1", "n2", "n3", "n4"}, []string{"n4"}},
		{"frequent corrections first", "macorn", []string{"m1", "m2", "m3", "m4", "c1"}, nil},
		{"typo hiding the stemmed suffix", "trembelment", []string{"t1", "t2"}, nil},
		{"typo and a correct word", "trembelment lyon", []string{"t2"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := qtSearch(t, idx, tc.q, "")
			if !sameSet(got, tc.want) {
				t.Fatalf("search %q: got %v, want %v in any order", tc.q, got, tc.want)
			}
			if len(tc.first) > 0 && !slices.Equal(got[:len(tc.first)], tc.first) {
				t.Errorf("search %q: got %v, want it to start with %v", tc.q, got, tc.first)
			}
			if tc.q == "macorn" && slices.Index(got, "c1") < 2 {
				t.Errorf("search %q: got %v, want the rare correction (Mâcon) after the frequent one's title matches", tc.q, got)
			}
		})
	}
}

func TestTextQueryLanguages(t *testing.T) {
	idx := qtIndex(t, qtDocs)
	c, err := compileTextQuery("nvidia data", "any", idx.Mapping(), textQueryOptions{Languages: []string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := idx.Search(bleve.NewSearchRequest(c.Query))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Hits[0].ID != "d4" {
		t.Errorf("English only: %v", res.Hits)
	}
	c, err = compileTextQuery("nvidea norv", "any", idx.Mapping(), textQueryOptions{NoFuzzy: true})
	if err != nil {
		t.Fatal(err)
	}
	if res, err = idx.Search(bleve.NewSearchRequest(c.Query)); err != nil || res.Total != 0 {
		t.Errorf("no fuzzy, no prefix: %v, %v", res, err)
	}
}

func TestFuzziness(t *testing.T) {
	tests := []struct {
		surface, term string
		edits, prefix int
	}{
		{"prix", "prix", 0, 0},
		{"paris", "pari", 1, 2},
		{"nvidia", "nvidia", 1, 1},
		{"Norvège", "norveg", 1, 1},
		{"investissement", "investi", 2, 1},
		{"investissements", "invest", 1, 1}, // a short stem gets one edit only
		{"télécommunications", "telecommunication", 2, 1},
		{"A320neo", "a320neo", 0, 0},
		{"2025", "2025", 0, 0},
		{"énergie", "energ", 1, 2},
		{"ééééé", "eee", 0, 0},
		{"Ölmarkt", "olmarkt", 1, 1},
		{"éolienne", "éolien", 1, 2}, // bytes: é is two
	}
	for _, tc := range tests {
		if e, p := fuzziness(tc.surface, tc.term); e != tc.edits || p != tc.prefix {
			t.Errorf("fuzziness(%q, %q) = %d, %d, want %d, %d", tc.surface, tc.term, e, p, tc.edits, tc.prefix)
		}
	}
}

func TestPrefixCandidates(t *testing.T) {
	tests := []struct {
		lang, typed string
		want        []string
	}{
		{"fr", "nvid", []string{"nvid"}},
		{"fr", "investis", []string{"investis"}},
		{"fr", "comm", []string{"comm", "com"}},
		{"fr", "donner", []string{"donner", "doner"}},
		{"fr", "l'infra", []string{"infra"}},
		{"fr", "L’Infra", []string{"infra"}},
		{"fr", "No", nil},
		{"fr", "c++", nil},
		{"en", "Norw", []string{"norw"}},
		{"en", "committ", []string{"committ"}},
		{"xx", "Norvè", []string{"norve"}},
	}
	for _, tc := range tests {
		if got := prefixCandidates(tc.lang, plainWord(tc.typed)); !slices.Equal(got, tc.want) {
			t.Errorf("prefixCandidates(%q, plainWord(%q)) = %q, want %q", tc.lang, tc.typed, got, tc.want)
		}
	}
}

// qtWords returns n distinct words separated by spaces.
func qtWords(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = "mot" + strings.Repeat("a", i)
	}
	return strings.Join(w, " ")
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "nvidia", `"centre de données" -intel`, `"unclosed`, "- -- + \"\"", "\x00\xff",
		"«»“”„", "états-unis l'électricité", "a OR (b AND NOT c)*?", strings.Repeat("mot ", 40),
		"-\"", "+-\"x\"", "a.b.c.d.e.f.g.h.i.j.k.l",
	} {
		f.Add(s, "all")
	}
	f.Add("nvidia", "any")
	f.Add("nvidia", "bogus")
	idx := qtIndex(f, qtDocs)
	m := idx.Mapping()
	f.Fuzz(func(t *testing.T, text, mode string) {
		p, err := parseQuery(text)
		if err != nil {
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("parseQuery: %v does not wrap ErrInvalidQuery", err)
			}
		} else {
			if p.Words > MaxQueryWords || len(p.Clauses) > MaxQueryWords {
				t.Fatalf("%d words, %d clauses", p.Words, len(p.Clauses))
			}
			size := 0
			for _, c := range p.Clauses {
				if c.Text == "" || !utf8.ValidString(c.Text) || strings.ContainsFunc(c.Text, isQuote) {
					t.Fatalf("bad clause %+v", c)
				}
				size += len(c.Text)
			}
			if size > len(text) {
				t.Fatalf("clauses (%d bytes) longer than the text (%d)", size, len(text))
			}
			if p.Prefix >= len(p.Clauses) || (p.Prefix >= 0 && (p.Clauses[p.Prefix].Phrase || p.Clauses[p.Prefix].Exclude)) {
				t.Fatalf("bad prefix clause %d of %+v", p.Prefix, p.Clauses)
			}
		}
		c, err := compileTextQuery(text, Mode(mode), m, textQueryOptions{Prefix: len(text)%2 == 0})
		if err != nil {
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("compileTextQuery: %v does not wrap ErrInvalidQuery", err)
			}
			return
		}
		if c.Query != nil {
			if v, ok := c.Query.(query.ValidatableQuery); ok {
				if err := v.Validate(); err != nil {
					t.Fatalf("invalid bleve query for %q: %v", text, err)
				}
			}
			req := bleve.NewSearchRequest(c.Query)
			req.IncludeLocations = true
			if _, err := idx.Search(req); err != nil {
				t.Fatalf("search %q: %v", text, err)
			}
		}
	})
}

// qtDataPath returns the path of a file of the shared data folder
// (../shared/data next to the module root), skipping tb when it is absent.
func qtDataPath(tb testing.TB, dir, name string) string {
	tb.Helper()
	p := filepath.Join("..", "..", "shared", dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s not available: %v", p, err)
	}
	return p
}

// qtOrangeSum returns up to n OrangeSum articles as French test docs.
func qtOrangeSum(tb testing.TB, n int) []qtDoc {
	tb.Helper()
	f, err := os.Open(qtDataPath(tb, "data", "orangesum-fr.jsonl.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var docs []qtDoc
	for sc.Scan() && len(docs) < n {
		var d struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, qtDoc{d.ID, "fr", d.Title, d.Text})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return docs
}

// qtBenchIndex opens the OrangeSum benchmark index: a scorch index on disk
// in $VEILLE_BENCH_DIR (built there on first use, then reused), or in a
// temporary folder.
func qtBenchIndex(b *testing.B) bleve.Index {
	b.Helper()
	dir := os.Getenv("VEILLE_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "orangesum-query.bleve")
	if idx, err := bleve.Open(path); err == nil {
		b.Cleanup(func() { _ = idx.Close() })
		return idx
	}
	docs := qtOrangeSum(b, 1<<20)
	idx, err := bleve.New(path, qtMapping(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = idx.Close() })
	for start := 0; start < len(docs); start += 1000 {
		batch := idx.NewBatch()
		for _, d := range docs[start:min(start+1000, len(docs))] {
			if err := batch.Index(d.id, map[string]interface{}{"title_fr": d.title, "body_fr": d.body}); err != nil {
				b.Fatal(err)
			}
		}
		if err := idx.Batch(batch); err != nil {
			b.Fatal(err)
		}
	}
	return idx
}

// qtBenchQueries returns the 300 French benchmark queries.
func qtBenchQueries(b *testing.B) []string {
	data, err := os.ReadFile(qtDataPath(b, "bench", "queries-fr.txt"))
	if err != nil {
		b.Fatal(err)
	}
	var qs []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			qs = append(qs, l)
		}
	}
	return qs
}

// qtTypo returns q with a typo in its longest word: the middle letter
// replaced by the next one in the alphabet.
func qtTypo(q string) string {
	words := strings.Fields(q)
	long := 0
	for i, w := range words {
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(words[long]) {
			long = i
		}
	}
	r := []rune(words[long])
	if len(r) >= 5 {
		r[len(r)/2]++
	}
	words[long] = string(r)
	return strings.Join(words, " ")
}

// qtTyping returns q with its last word cut to n runes, as typed so far.
func qtTyping(q string, n int) string {
	r := []rune(q)
	i := len(r)
	for i > 0 && r[i-1] != ' ' {
		i--
	}
	return string(r[:min(len(r), i+n)])
}

// BenchmarkTextQuery measures building a query and running it for a
// results page (10 hits by relevance, with term locations for
// highlighting) on the 33,918 OrangeSum articles, round-robin over the 300
// benchmark queries (the same with a typo in their longest word for
// "-typo", with the last word cut to 4 letters for "-typing", those of
// several words in quotes for "-phrase"); it reports the median and 90th
// percentile latency.
//
//	VEILLE_BENCH_DIR=/tmp/vb go test ./index -run '^$' -bench TextQuery -benchtime 3000x
func BenchmarkTextQuery(b *testing.B) {
	queries := qtBenchQueries(b)
	idx := qtBenchIndex(b)
	m := idx.Mapping()
	b.Run("build", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := buildTextQuery(queries[i%len(queries)], "", m); err != nil {
				b.Fatal(err)
			}
		}
	})
	typos := make([]string, len(queries))
	typing := make([]string, len(queries))
	var phrases []string
	for i, q := range queries {
		typos[i] = qtTypo(q)
		typing[i] = qtTyping(q, 4)
		if strings.Contains(q, " ") {
			phrases = append(phrases, `"`+q+`"`)
		}
	}
	variants := []struct {
		name string
		mode Mode
		opt  textQueryOptions
	}{
		{"all", ModeAll, textQueryOptions{}},
		{"all-typo", ModeAll, textQueryOptions{}},
		{"all-typing", ModeAll, textQueryOptions{Prefix: true}},
		{"all-phrase", ModeAll, textQueryOptions{}},
		{"all-fr", ModeAll, textQueryOptions{Languages: []string{"fr"}}},
		{"all-nofuzzy", ModeAll, textQueryOptions{NoFuzzy: true}},
		{"all-prefix", ModeAll, textQueryOptions{Prefix: true}},
		{"any", ModeAny, textQueryOptions{}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			var lat []time.Duration
			var hits uint64
			qs := queries
			switch {
			case strings.HasSuffix(v.name, "-typo"):
				qs = typos
			case strings.HasSuffix(v.name, "-typing"):
				qs = typing
			case strings.HasSuffix(v.name, "-phrase"):
				qs = phrases
			}
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				c, err := compileTextQuery(qs[i%len(qs)], v.mode, m, v.opt)
				if err != nil {
					b.Fatal(err)
				}
				req := bleve.NewSearchRequestOptions(c.Query, 10, 0, false)
				req.SortBy([]string{"-_score", "_id"})
				req.IncludeLocations = true
				res, err := idx.Search(req)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				hits += res.Total
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "median-µs")
			b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds()), "p90-µs")
			b.ReportMetric(float64(hits)/float64(len(lat)), "hits/op")
		})
	}
}
