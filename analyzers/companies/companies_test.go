package companies

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"veille/corpus"
	"veille/corpus/corpustest"
	"veille/corpus/fold"
	"veille/internal/testrace"

	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// updateCompanies rewrites testdata/companies_seeds.golden.
var updateCompanies = flag.Bool("update-companies", false, "rewrite testdata/companies_seeds.golden")

func newTestCompanies(t testing.TB) *Finder {
	t.Helper()
	c, err := New(nil, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestCompaniesFind(t *testing.T) {
	c := newTestCompanies(t)
	tests := []struct {
		name string
		text string
		want []string
	}{
		// Gazetteer aliases and canonical names.
		{"case variant", "Softbank a investi dans la société.", []string{"SoftBank"}},
		{"hyphen variant", "La banque BNP-Paribas a publié ses résultats.", []string{"BNP Paribas"}},
		{"legal name", "en collaboration avec Nscale Global Holdings Ltd, une entreprise basée à Londres", []string{"Nscale"}},
		{"group prefix merged", "Groupe PSA a vendu plus de voitures. PSA reste prudent.", []string{"PSA"}},
		{"dotted name", "Les centres E.Leclerc pèsent 21,9% du marché.", []string{"E.Leclerc"}},
		{"elided name", "le chiffre d’affaires de L’Oréal progresse", []string{"L'Oréal"}},
		{"longest alias first", "Air France-KLM et Air France ont annoncé un plan.", []string{"Air France-KLM", "Air France"}},
		{"symbol in name", "Canal+ et C&A ont signé avec AT&T.", []string{"Canal+", "C&A", "AT&T"}},
		{"apostrophe in name", "Les salariés de McDonald's manifestent.", []string{"McDonald's"}},
		{"accents ignored", "Le groupe Hermes et Lancome.", []string{"Hermès", "Lancôme"}},
		{"alliance names both", "l'ex-PDG de Renault-Nissan", []string{"Renault", "Nissan"}},
		{"all caps alias needs caps", "Seb a dit que le groupe SEB recrute.", []string{"Groupe SEB"}},
		{"order of first appearance, distinct", "Nvidia et OpenAI. Puis Nvidia encore, et Microsoft.", []string{"Nvidia", "OpenAI", "Microsoft"}},
		{"lowercase is not a name", "il a traversé le carrefour à pied", nil},

		// Ambiguous words.
		{"orange colour", "Le ciel était orange et le feu passait à l'orange.", nil},
		{"orange town", "Le festival se tient à Orange cet été.", nil},
		{"orange operator", "L'opérateur Orange a gagné des abonnés.", []string{"Orange"}},
		{"orange business sentence", "Les abonnés d'Orange et de Bouygues Telecom paieront plus cher.", []string{"Orange", "Bouygues Telecom"}},
		{"orange source noise", "Orange Actu publie une dépêche.", nil},
		{"free word", "Free jazz et musique libre au programme.", nil},
		{"free firm", "Xavier Niel, le fondateur de Free, investit 8 millions d'euros.", []string{"Free"}},
		{"total word", "Au total, 30 personnes. Total : 3 morts.", nil},
		{"total cue", "Le groupe Total a publié ses comptes.", []string{"TotalEnergies"}},
		{"total with sure alias", "TotalEnergies investit. Total a aussi racheté une usine.", []string{"TotalEnergies"}},
		{"casino venue", "Il a gagné au casino de Deauville. Casino, le soir, ferme tard.", nil},
		{"casino retailer", "Le distributeur Casino a cédé des magasins.", []string{"Casino"}},
		{"suez canal", "Un navire bloque le canal de Suez.", nil},

		// Persons sharing a firm's name.
		{"person first name", "Vincent Bolloré a déclaré qu'il restait.", nil},
		{"person civility", "M. Bolloré et Mme Bettencourt étaient là.", nil},
		{"group by name", "Le groupe Bolloré a cédé sa filiale.", []string{"Bolloré"}},
		{"person hyphenated first name", "Michel-Édouard Leclerc, président de l'enseigne.", nil},
		{"family", "la famille Peugeot reste actionnaire", nil},
		{"painter", "La Joconde de Léonard de Vinci.", nil},
		{"dassault person vs firm", "Serge Dassault a rencontré Dassault Aviation.", []string{"Dassault Aviation"}},

		// Discovery from cues.
		{"cue with adjective", "La start-up française Zyxo a levé des fonds.", []string{"Zyxo"}},
		{"cue with complement", "Le groupe de luxe Vaxnor ouvre une boutique.", []string{"Vaxnor"}},
		{"cue equipment maker", "L'équipementier automobile Brintel supprime des postes.", []string{"Brintel"}},
		{"cue laboratory", "le laboratoire allemand Kuravax va mener des essais", []string{"Kuravax"}},
		{"cue list", "Les groupes Alpha Media, Betacorp et Gammatel pourraient être intéressés.", []string{"Alpha Media", "Betacorp", "Gammatel"}},
		{"name with de", "La banque Crédit du Littoral ferme des agences.", []string{"Crédit du Littoral"}},
		{"name with ampersand", "Le fabricant Smith & Wesson a annoncé un rappel.", []string{"Smith & Wesson"}},
		{"apposition", "Zorblax, une entreprise basée à Lyon, recrute.", []string{"Zorblax"}},
		{"apposition est", "Kelvora est une start-up spécialisée dans les batteries.", []string{"Kelvora"}},
		{"possessive", "Le PDG de Vantrix a démissionné.", []string{"Vantrix"}},
		{"first appearance before cue", "Trobix recrute. La société Trobix compte 40 salariés.", []string{"Trobix"}},
		{"written form kept", "la société norvégienne Fjordkraft Energi", []string{"Fjordkraft Energi"}},
		{"one name in two cases", "La société Zorvicom a déposé son bilan. Les créanciers de ZorviCom attendent.", []string{"Zorvicom"}},

		// Legal suffixes.
		{"suffix stripped", "Foo Bar Holdings Ltd a signé un accord.", []string{"Foo Bar"}},
		{"suffix llc", "un fonds, Shogun Investments LLC, a réinvesti", []string{"Shogun Investments"}},
		{"suffix gmbh", "Le contrat avec Müller Logistik GmbH est signé.", []string{"Müller Logistik"}},
		{"suffix sa", "La société Orlait SA commercialise le produit.", []string{"Orlait"}},
		{"suffix beats a first name", "Jimmy Choo Plc a publié ses résultats.", []string{"Jimmy Choo"}},
		{"subsidiary keeps its country", "la société Timac Agro France communique", []string{"Timac Agro France"}},

		// Never persons, places, bodies, parties, unions, courts, events.
		{"cue person", "la société Jean Dupont", nil},
		{"role holder", "le président du groupe Pierre Martin a parlé", nil},
		{"cue place", "l'entreprise France a gagné", nil},
		{"government body", "La Commission européenne et le ministère de l'Economie, Bercy et Matignon.", nil},
		{"parties", "Le groupe Les Républicains et le groupe LREM, le RN et le PS.", nil},
		{"unions", "La CGT, la CFDT, FO et le Medef ont signé.", nil},
		{"courts", "Le Conseil d'Etat et la Cour de cassation ont tranché.", nil},
		{"events", "Les Jeux olympiques, la Coupe du monde et le Tour de France.", nil},
		{"terror group", "le groupe État islamique a revendiqué", nil},
		{"music band", "Son groupe de rock Les Vaguelettes joue ce soir.", nil},
		{"sources", "selon Le Monde, a indiqué l'AFP, rapporte Reuters", nil},
		{"x is not twitter", "Le réseau social X a banni le compte.", nil},
		{"stargate is a programme", "le programme de centres de données Stargate", nil},
		{"source line", "Narvik accueillera le centre.\nSource : Techcrunch", nil},
		{"photo credit", "Le nouveau siège.\nCrédit photo : AFP", nil},
		{"name extended before a known one", "Shares in Manchester United closed up 4.75% after the Glazer offer.", []string{"Manchester United"}},
		{"renamed parent, subsidiary apart", "EADS, la maison mère d'Airbus, a publié ses comptes.", []string{"Airbus SE", "Airbus"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := find(c, tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Find(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestCompaniesExtraGazetteer(t *testing.T) {
	extra := `# my firms
Zebulon Corp | Zebu | ~Zeb
[not-companies]
Nvidia Foundation
`
	c, err := New(strings.NewReader(extra), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := find(c, "Zebu a signé avec Nvidia. La Nvidia Foundation donne.")
	if want := []string{"Zebulon Corp", "Nvidia"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := find(c, "Zeb est parti."); got != nil {
		t.Errorf("ambiguous extra alias without context: got %q", got)
	}
}

func TestCompaniesMalformedGazetteer(t *testing.T) {
	for _, data := range []string{"[nope]\nFoo", "| alias only", "Foo | \xff"} {
		_, err := New(strings.NewReader(data), nil)
		if !errors.Is(err, ErrGazetteer) {
			t.Errorf("New(%q) error = %v, want ErrGazetteer", data, err)
		}
	}
}

// TestGazetteerConsistency checks the embedded data: several hundred
// firms, and no alias claimed by two different firms.
func TestGazetteerConsistency(t *testing.T) {
	c := newTestCompanies(t)
	if n := len(c.names); n < 400 {
		t.Errorf("gazetteer has %d firms, want at least 400", n)
	}
	owner := map[string]string{}
	section := "companies"
	for i, line := range strings.Split(embeddedGazetteer, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		if section != "companies" {
			continue
		}
		parts := splitBar(line)
		canon := strings.TrimLeft(parts[0], "!~=")
		for _, a := range parts {
			k := foldKey(strings.TrimLeft(a, "!~="))
			if prev, ok := owner[k]; ok && prev != canon {
				t.Errorf("line %d: alias %q of %q already names %q", i+1, a, canon, prev)
			}
			owner[k] = canon
		}
	}
}

// seedExpect lists what each seed article must and must not yield.
var seedExpect = map[string]struct{ must, mustNot []string }{
	"000": {must: []string{"OpenAI", "Nvidia", "Nscale"}, mustNot: []string{"Stargate"}},
	"001": {must: []string{"Nvidia", "Nscale", "Arkon Energy", "Vantage Data Centres", "Kyndryl"}, mustNot: []string{"Cointribune", "Alyra"}},
	"002": {must: []string{"OpenAI", "Nscale", "Aker", "Oracle", "SoftBank"}, mustNot: []string{"Techcrunch", "Stargate", "Akismet"}},
	"003": {must: []string{"Microsoft", "Nvidia", "Google", "OpenAI", "CoreWeave", "Nscale"}, mustNot: []string{"AFP", "Getty Images", "Epoch Times"}},
	// 004 lists Stargate among the partners of a joint venture
	// ("une coentreprise avec Stargate, OpenAI, Oracle et Softbank"): a
	// firm as the text names it (labelling conventions), either way.
	"004": {must: []string{"OpenAI", "Oracle", "SoftBank"}, mustNot: []string{"AP", "Commission"}},
}

// TestCompaniesSeeds runs Find on the raw seed pages (credits and
// navigation included) and compares with testdata/companies_seeds.golden;
// -update-companies rewrites it.
func TestCompaniesSeeds(t *testing.T) {
	c := newTestCompanies(t)
	seeds := corpus.Seeds()
	files, err := fs.Glob(seeds, "*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed files: %v", err)
	}
	slices.Sort(files)
	var b strings.Builder
	for _, f := range files {
		data, err := fs.ReadFile(seeds, f)
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSuffix(filepath.Base(f), ".txt")
		got := find(c, string(data))
		b.WriteString(id + ": " + strings.Join(got, ", ") + "\n")
		exp := seedExpect[id[:3]]
		for _, m := range exp.must {
			if !slices.Contains(got, m) {
				t.Errorf("seed %s: %q missing from %q", id, m, got)
			}
		}
		for _, m := range exp.mustNot {
			if slices.Contains(got, m) {
				t.Errorf("seed %s: %q must not be reported (%q)", id, m, got)
			}
		}
	}
	golden := filepath.Join("testdata", "companies_seeds.golden")
	if *updateCompanies {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-companies to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("seed companies differ from %s:\n got:\n%s\nwant:\n%s", golden, b.String(), want)
	}
}

func TestCompaniesConcurrent(t *testing.T) {
	c := newTestCompanies(t)
	text := "Le groupe Total et l'opérateur Orange ont signé avec la start-up Zyxo."
	want := find(c, text)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := find(c, text); !reflect.DeepEqual(got, want) {
					t.Errorf("concurrent Find = %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzCompaniesFind(f *testing.F) {
	c, err := New(nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "Nscale Global Holdings Ltd", "la société Foo SA", "E.Leclerc", "l'opérateur Orange",
		"Procter & Gamble", "&&&", "+", "AT&T", "Groupe", "la start-up", "X, une entreprise",
		"le PDG de", "\xff\xfe", "Société Générale.Renault", "la société \u00a0Zyxo", "É.É.É",
		"le groupe A, B, C, D, E, F, G et H", strings.Repeat("Alpha ", 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := find(c, text)
		seen := map[string]bool{}
		for _, n := range got {
			if n == "" || strings.TrimSpace(n) != n {
				t.Fatalf("Find(%q): bad name %q", text, n)
			}
			if !utf8.ValidString(n) {
				t.Fatalf("Find(%q): invalid UTF-8 name %q", text, n)
			}
			if seen[n] {
				t.Fatalf("Find(%q): duplicate %q", text, n)
			}
			seen[n] = true
		}
	})
}

// benchCompaniesArticle returns about 3 KB of a seed article.
func benchCompaniesArticle(b *testing.B) string {
	b.Helper()
	data, err := fs.ReadFile(corpus.Seeds(), "001_eda08fda6618b654.txt")
	if err != nil {
		b.Fatal(err)
	}
	s := string(data)
	cut := 3072
	for cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut++
	}
	return s[:min(cut, len(s))]
}

func BenchmarkCompaniesFind(b *testing.B) {
	c, err := New(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	text := benchCompaniesArticle(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		find(c, text)
	}
}

func BenchmarkNewCompanies(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// find is Find of a French text with no deadline.
func find(c *Finder, text string) []string {
	got, err := c.Find(context.Background(), text, "fr")
	if err != nil {
		panic(err)
	}
	return got
}

// costlyCompanies returns about n bytes of text built to be costly for
// Find: capitalised runs, cues, lists, legal suffixes, gazetteer names and
// first names, few sentence breaks.
func costlyCompanies(n int) string {
	words := []string{"la société", "Vetrix", "Kalto", "et", "Norbel,", "le groupe", "Orange", "Jean", "Dupont",
		"Foo Bar Holdings Ltd", "a racheté", "Airbus", "auprès de", "Partech,", "Eurazeo", "Data9", "M&B", "Saatchi",
		"selon", "Reuters", "le PDG de", "Total", "sur", "Twitter", "x"}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(words[(i*7+i/25)%len(words)])
		if i%113 == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// TestFindScalesLinearly checks the growth of Find's cost.
func TestFindScalesLinearly(t *testing.T) {
	testrace.SkipHeavy(t)
	if testing.Short() {
		t.Skip("reads megabytes")
	}
	c := newTestCompanies(t)
	ctx := context.Background()
	corpustest.CheckLinear(t, "Find", costlyCompanies, func(text string) {
		if _, err := c.Find(ctx, text, "fr"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFindCancelled checks that a cancelled context stops a long text.
func TestFindCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newTestCompanies(t).Find(ctx, costlyCompanies(1<<20), "fr"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// BenchmarkFindLarge measures Find on large, costly texts.
func BenchmarkFindLarge(b *testing.B) {
	c := newTestCompanies(b)
	ctx := context.Background()
	for _, n := range []int{256 << 10, 1 << 20, 4 << 20} {
		text := costlyCompanies(n)
		b.Run(fmt.Sprintf("%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				_, _ = c.Find(ctx, text, "fr")
			}
		})
	}
}

// TestModelRoundTrip checks that a model written and read back scores alike.
func TestModelRoundTrip(t *testing.T) {
	c := newTestCompanies(t)
	m := c.Train([]TrainingText{{Text: "La société Vetrix a racheté Kalto. Jean Dupont est content.", Lang: "fr", Gold: []string{"Vetrix", "Kalto"}}},
		TrainOptions{Epochs: 3, Runs: 1})
	var buf bytes.Buffer
	if err := m.WithThreshold(0.5).WriteModel(&buf); err != nil {
		t.Fatal(err)
	}
	written := buf.String()
	r, err := ReadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	f := []uint32{1, 2, 3, 500000, 1<<featureBits - 1}
	for i := range m.weights {
		if m.weights[i] != 0 {
			f = append(f, uint32(i))
		}
	}
	if a, b := m.Score(f), r.Score(f); math.Abs(float64(a-b)) > 1e-4 || r.Threshold() != 0.5 {
		t.Errorf("scores %v and %v, threshold %v", a, b, r.Threshold())
	}
	if _, err := ReadModel(strings.NewReader("nope")); !errors.Is(err, ErrModel) {
		t.Errorf("bad model: err = %v", err)
	}
	old := strings.Replace(written, FeatureVersion, "companies-features-0", 1)
	if old == written {
		t.Fatal("no version in the written model")
	}
	if _, err := ReadModel(strings.NewReader(old)); !errors.Is(err, ErrModel) {
		t.Errorf("other features: err = %v", err)
	}
}

func TestReadClusters(t *testing.T) {
	good := "# comment\n\nrachat\t3 1\n^kalto\t7 2\n"
	tab, err := readClusters(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if tab.low["rachat"] != 2 || tab.up["kalto"] != 3 || tab.low["kalto"] != 0 {
		t.Errorf("clusters read %v %v", tab.low, tab.up)
	}
	for _, bad := range []string{"rachat 3 1\n", "rachat\t3\n", "rachat\tx 1\n", "^\t1 1\n", "rachat\t1 5000\n"} {
		if _, err := readClusters(strings.NewReader(bad)); !errors.Is(err, ErrGazetteer) {
			t.Errorf("readClusters(%q) = %v, want ErrGazetteer", bad, err)
		}
	}
}

func FuzzReadClusters(f *testing.F) {
	f.Add("rachat\t3 1\n^kalto\t7 2\n")
	f.Add("#\n\t\n^\t0 0\n")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := readClusters(strings.NewReader(s)); err != nil && !errors.Is(err, ErrGazetteer) {
			t.Fatalf("readClusters: %v does not wrap ErrGazetteer", err)
		}
	})
}

// TestClustererGroupsWordsByContext learns clusters from a made-up corpus
// where firms and cities are written in contexts of their own: each
// kind must end in a fine cluster of its own, within one coarse cluster.
func TestClustererGroupsWordsByContext(t *testing.T) {
	cl := NewClusterer()
	firms := []string{"Kalto", "Vetrix", "Norbel", "Lumio"}
	cities := []string{"Lyon", "Nantes", "Lille", "Rennes"}
	for i := range 40 {
		f, g := firms[i%4], firms[(i+1)%4]
		c, d := cities[i%4], cities[(i+2)%4]
		cl.Add(fmt.Sprintf("Le groupe %s a racheté %s hier. Il habite à %s depuis longtemps, près de %s aussi.", f, g, c, d))
	}
	var b strings.Builder
	err := cl.Write(&b, ClusterOptions{Words: 100, MinCount: 5, Contexts: 50, Fine: 8, Coarse: 3, Rounds: 10, Seed: 1}, []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := readClusters(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, group := range [][]string{firms, cities} {
		want := tab.up[fold.Key(group[0])]
		if want == 0 {
			t.Fatalf("%s has no cluster:\n%s", group[0], b.String())
		}
		for _, w := range group[1:] {
			if got := tab.up[fold.Key(w)]; got != want {
				t.Errorf("%s in coarse cluster %d, %s in %d:\n%s", w, got, group[0], want, b.String())
			}
		}
	}
	fine := map[string]string{}
	for _, line := range strings.Split(b.String(), "\n") {
		if w, rest, ok := strings.Cut(line, "\t"); ok {
			fine[w], _, _ = strings.Cut(rest, " ")
		}
	}
	if fine["^kalto"] == fine["^lyon"] {
		t.Errorf("firms and cities share fine cluster %s:\n%s", fine["^kalto"], b.String())
	}
}
