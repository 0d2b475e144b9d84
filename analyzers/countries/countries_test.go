package countries

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"veille/corpus"
	"veille/corpus/corpustest"
)

var updateCountries = flag.Bool("update-countries", false, "rewrite testdata/countries_seeds.golden")

func TestCountriesFind(t *testing.T) {
	c := New()
	tests := []struct {
		name, text string
		want       []string
	}{
		// CLDR names, French and English.
		{"french name", "Le site de Narvik, en Norvège, ouvrira en 2026.", []string{"NO"}},
		{"multi-word french", "les Émirats arabes unis et les Pays-Bas", []string{"AE", "NL"}},
		{"cldr short names", "la Corée du Sud, la Tchéquie et Taïwan", []string{"CZ", "KR", "TW"}},
		{"english names", "Norway, the United Kingdom and South Korea", []string{"GB", "KR", "NO"}},
		{"english ampersand and St.", "Bosnia and Herzegovina, Saint Lucia", []string{"BA", "LC"}},
		{"burma qualifier dropped", "au Myanmar, ex-Birmanie", []string{"MM"}},

		// Accents, case, hyphens, apostrophes, NBSP.
		{"no accents no hyphen", "les etats unis", []string{"US"}},
		{"capitals", "LES ÉTATS-UNIS", []string{"US"}},
		{"nbsp", "les États\u00a0Unis", []string{"US"}},
		{"typographic apostrophe", "la Côte d’Ivoire", []string{"CI"}},
		{"straight apostrophe and hyphens", "la Côte-d'Ivoire", []string{"CI"}},
		{"lowercase unaccented", "cote d ivoire et norvege", []string{"CI", "NO"}},
		{"decomposed accents", "la Norve\u0300ge", []string{"NO"}},
		{"space instead of hyphen", "le Royaume Uni", []string{"GB"}},

		// Short forms and aliases.
		{"UK RU USA", "UK, RU et USA", []string{"GB", "US"}},
		{"dotted capitals", "the U.S. and the U.K.", []string{"GB", "US"}},
		{"british aliases", "Grande-Bretagne, Angleterre, Écosse, pays de Galles", []string{"GB"}},
		{"northern ireland is GB", "en Irlande du Nord", []string{"GB"}},
		{"ireland", "en Irlande", []string{"IE"}},
		{"emirates", "les EAU, les Emirats et Stargate UAE", []string{"AE"}},
		{"drc", "la RDC et la République démocratique du Congo", []string{"CD"}},
		{"congo brazzaville", "au Congo-Brazzaville", []string{"CG"}},
		{"aliases", "Birmanie, Hong Kong, Türkiye, Macédoine du Nord, Bélarus, Moldavie, Vatican",
			[]string{"BY", "HK", "MD", "MK", "MM", "TR", "VA"}},
		{"belarus old name", "la Biélorussie", []string{"BY"}},
		{"china", "la Chine populaire", []string{"CN"}},
		{"hexagone", "partout dans l'Hexagone", []string{"FR"}},
		{"hollande with article", "aller en Hollande", []string{"NL"}},

		// Abbreviations count only in capitals, and not in shouted text.
		{"us pronoun", "join us today", nil},
		{"eau water", "de l'eau et du rhum", nil},
		{"lowercase ru uk", "le ru et uk", nil},
		{"shouted headline", "L'EAU DE PLUIE RÉCUPÉRÉE", nil},
		{"abbreviation among acronyms", "le FMI, la RDC et l'ONU", []string{"CD"}},

		// Word boundaries and longest match.
		{"oman in romancier", "un romancier", nil},
		{"inde in indemnite", "une indemnité", nil},
		{"mali in malicieux", "un air malicieux", nil},
		{"chine in machine", "une machine", nil},
		{"niger vs nigeria", "le Nigeria", []string{"NG"}},
		{"niger", "au Niger", []string{"NE"}},
		{"guinea-bissau", "en Guinée-Bissau", []string{"GW"}},
		{"equatorial guinea", "la Guinée équatoriale", []string{"GQ"}},
		{"papua new guinea", "la Papouasie-Nouvelle-Guinée", []string{"PG"}},
		{"new guinea island", "en Nouvelle-Guinée", nil},
		{"guinea", "la Guinée", []string{"GN"}},
		{"south sudan", "le Soudan du Sud", []string{"SS"}},
		{"no match across a sentence", "en Guinée. Bissau", []string{"GN"}},

		// Names that are also words, first names, places.
		{"jersey garment", "un pull en jersey", nil},
		{"jersey island", "l'île de Jersey", []string{"JE"}},
		{"new jersey", "dans le New Jersey", nil},
		{"chili food", "un chili con carne", nil},
		{"chile", "le Chili", []string{"CL"}},
		{"man alone", "Man", nil},
		{"isle of man", "l'île de Man", []string{"IM"}},
		{"maurice first name", "le mathématicien Maurice Audin", nil},
		{"maurice rooster", "le coq Maurice", nil},
		{"mauritius", "l'île Maurice, à Maurice, Mauritius", []string{"MU"}},
		{"salvador first name", "le peintre Salvador Dali", nil},
		{"san salvador city", "à San Salvador", nil},
		{"el salvador", "au Salvador et El Salvador", []string{"SV"}},
		{"jordan person", "le basketteur Michael Jordan et Jordan Bardella", nil},
		{"jordan country", "la Jordanie", []string{"JO"}},
		{"chad person", "le ministre Chad Wolf", nil},
		{"chad country", "le Tchad", []string{"TD"}},
		{"turkey bird", "a turkey dinner", nil},
		{"turkey country", "Turkey and Greece", []string{"GR", "TR"}},
		{"grenade weapon", "une grenade, la grenade", nil},
		{"grenada", "la Grenade", []string{"GD"}},
		{"dominique first name", "Dominique Strauss-Kahn", nil},
		{"dominica", "la Dominique", []string{"DM"}},
		{"reunion meeting", "la réunion de lundi", nil},
		{"hollande president", "François Hollande a dit. Hollande répond.", nil},
		{"georgia state", "dans l'Etat de Géorgie", nil},
		{"georgia country", "la Géorgie", []string{"GE"}},
		{"continents", "l'Amérique, l'Amérique latine, l'Europe, l'Afrique", nil},
		{"ambiguous congo", "le Congo", nil},
		{"bare Korea is the South", "la Corée, Korea's Hyundai, la Corée du Nord", []string{"KP", "KR"}},
		{"republic of congo", "contracts in the Republic of Congo", []string{"CG"}},
		{"english demonyms", "Chilean, Sri Lankan, Croatian and Hungarian players, an Indonesian bank", []string{"CL", "HR", "HU", "ID", "LK"}},
		{"english compounds", "Anglo-Dutch Unilever, a Sino-Russian deal, the Indo-Pakistani border", []string{"CN", "GB", "IN", "NL", "PK", "RU"}},
		{"french compounds", "le groupe suédo-britannique, un accord hispano-marocain, la frontière indo-pakistanaise", []string{"ES", "GB", "IN", "MA", "PK", "SE"}},
		{"not compounds", "les langues indo-européennes, l'Indo-Pacifique, le monde anglo-saxon", nil},
		{"titles after a demonym", "German Chancellor Gerhard Schroeder and French President Jacques Chirac", []string{"DE", "FR"}},
		{"names after a demonym", "British Airways and the French Open", nil},
		{"persons after a demonym", "Slovakian Daniela Hantuchova beat Bulgarian Magdaleena Maleeva 4-6", []string{"BG", "SK"}},
		{"a capitalised country is not a language", "en Suisse et en Belgique, en anglais", []string{"BE", "CH"}},
		{"caiman islands", "les Bahamas et les îles Caïman.Par ailleurs", []string{"BS", "KY"}},
		{"bahamas", "aux Bahamas", []string{"BS"}},
		{"sweden vs suede", "une veste en suède, la Suède", []string{"SE"}},
		{"territories with a code", "Hong Kong, le Groenland, Porto Rico et l'Antarctique", []string{"AQ", "GL", "HK", "PR"}},
		{"american samoa", "les Samoa américaines", []string{"AS"}},
		{"monaco grand prix", "le Grand Prix de Monaco", nil},
		{"after de in a name", "les Villes de France et la Banque de France, l'équipe de France", []string{"FR"}},

		// French overseas regions are not countries; their "française" is FR.
		{"overseas regions", "en Guadeloupe, à la Réunion, à Mayotte", nil},
		{"french guiana", "en Guyane française", []string{"FR"}},

		// Proper names that contain a country name.
		{"air france", "Air France et Radio France", nil},
		{"france tv", "France Télévisions et France Inter", nil},
		{"hyphenated org", "selon Ouest-France et Météo-France", nil},
		{"org at sentence start", "Air France annonce des vols.", nil},
		{"stargate norway", "le projet Stargate Norway", nil},
		{"firm names", "selon Radio-Canada, Qatar Airways a", nil},
		{"abbreviation in a firm name", "la société Altermind UK", []string{"GB"}},
		{"regions and cities", "l'Île-de-France, Fort-de-France, les Hauts-de-France", nil},
		{"joined by a lowercase word", "la Banque de France", nil},
		{"person after country", "le président des Etats-Unis Donald Trump", []string{"US"}},
		{"sentence start before country", "Tensions Etats-Unis / Iran", []string{"IR", "US"}},
		{"match between countries", "le match France-Allemagne", []string{"DE", "FR"}},
		{"abbreviation before country", "le sommet UE-Russie", []string{"RU"}},
		{"glued paragraph", "vivent en FranceEn 2019, ils", []string{"FR"}},
		{"glued paragraph capitals", "EXPULSÉS DES ÉTATS-UNISLes Etats", []string{"US"}},
		{"camel-case brand", "TwitterFrance et EgyptAir", nil},

		// Demonyms.
		{"adjective", "le géant américain", []string{"US"}},
		{"feminine plural", "des entreprises américaines et allemandes", []string{"DE", "US"}},
		{"-ien inflection", "des firmes norvégiennes", []string{"NO"}},
		{"noun before a name", "le Norvégien Aker, le Britannique Lewis Hamilton", []string{"GB", "NO"}},
		{"nouns", "les Français et les Chinois", []string{"CN", "FR"}},
		{"irregular", "des îles grecques et des Turcs", []string{"GR", "TR"}},
		{"no continental demonyms", "européen, africain, asiatique", nil},
		{"combining forms", "le couple franco-allemand", []string{"DE", "FR"}},
		{"sino-american", "la guerre commerciale sino-américaine", []string{"CN", "US"}},
		{"american-british", "d'investissements américano-britanniques", []string{"GB", "US"}},
		{"franco alone", "le général Franco", nil},
		{"latin american", "les pays latino-américains", nil},
		{"koreas", "les nord-coréens et les sud-coréens", []string{"KP", "KR"}},
		{"south african", "le président sud-africain", []string{"ZA"}},
		{"english demonym", "the British government", []string{"GB"}},
		{"english demonym in a name", "British Airways and the American Enterprise Institute", nil},

		// Currencies and languages are not countries.
		{"currency", "le dollar américain, le franc suisse, la livre turque", nil},
		{"dollar sign", "10 millions $US, US$ 5", nil},
		{"language after en", "un message en anglais", nil},
		{"language after a verb", "il parle couramment le russe", nil},
		{"language noun", "la langue française", nil},
		{"language teacher", "un professeur d'anglais", nil},
		{"fixed phrases", "la crème anglaise et le football américain", nil},
		{"nationality noun", "un Anglais", []string{"GB"}},

		{"empty", "", nil},
		{"no country", "Nvidia investit 683 millions de dollars dans Nscale.", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Find(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Find(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestCountriesLookup(t *testing.T) {
	c := New()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"NO", "NO", true},
		{"no", "NO", true},
		{" gb ", "GB", true},
		{"Norvège", "NO", true},
		{"norvege", "NO", true},
		{"NORVÈGE", "NO", true},
		{"Norway", "NO", true},
		{"norway", "NO", true},
		{"royaume-uni", "GB", true},
		{"Royaume Uni", "GB", true},
		{"UK", "GB", true},
		{"uk", "GB", true},
		{"RU", "RU", true}, // an ISO code wins over the French abbreviation
		{"Russie", "RU", true},
		{"USA", "US", true},
		{"us", "US", true},
		{"États-Unis", "US", true},
		{"etats unis", "US", true},
		{"United States", "US", true},
		{"Côte d’Ivoire", "CI", true},
		{"cote d'ivoire", "CI", true},
		{"Hong Kong", "HK", true},
		{"Corée du Sud", "KR", true},
		{"chili", "CL", true},
		{"Jordan", "JO", true},
		{"Maurice", "MU", true},
		{"Guadeloupe", "GP", true},
		{"norvégien", "NO", true},
		{"NOR", "NO", true},
		{"FRA", "FR", true},
		{"XK", "XK", true},
		{"Europe", "", false},
		{"Amérique", "", false},
		{"Congo", "", false},
		{"Air France", "", false},
		{"EU", "", false},
		{"ZZ", "", false},
		{"QO", "", false},
		{"AC", "", false},
		{"", "", false},
		{"Norvège du Nord", "", false},
	}
	for _, tc := range tests {
		got, ok := c.Lookup(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCountryName(t *testing.T) {
	tests := []struct{ code, want string }{
		{"NO", "Norvège"},
		{"GB", "Royaume-Uni"},
		{"US", "États-Unis"},
		{"DE", "Allemagne"},
		{"AE", "Émirats arabes unis"},
		{"gb", "Royaume-Uni"},
		{"HK", "Hong Kong"},
		{"MK", "Macédoine du Nord"},
		{"XK", "Kosovo"},
		{"ZZ", "ZZ"},
		{"SU", "SU"},
		{"AN", "AN"},
		{"EU", "EU"},
		{"UK", "UK"},
		{"FRA", "FRA"},
		{"", ""},
		{"N\u00d8", "N\u00d8"},
	}
	for _, tc := range tests {
		if got := Name(tc.code); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

// TestCountriesCodes checks the ISO 3166-1 list drawn from CLDR: 249
// officially assigned codes plus XK, no group, private-use or reserved
// code, and every code named in French and resolvable by its name.
func TestCountriesCodes(t *testing.T) {
	c := New()
	if n := len(c.codes); n != 250 {
		t.Errorf("%d codes, want 250", n)
	}
	for _, bad := range []string{"EU", "UN", "EZ", "QO", "ZZ", "AA", "XA", "AC", "CP", "DG", "TA", "UK", "SU", "YU", "AN", "CS", "DD", "FX", "IC", "EA"} {
		if c.codes[bad] {
			t.Errorf("%s should not be a country code", bad)
		}
	}
	for code := range c.codes {
		name := Name(code)
		if name == code || name == "" {
			t.Errorf("Name(%s) = %q", code, name)
			continue
		}
		if got, ok := c.Lookup(name); !ok || got != code {
			t.Errorf("Lookup(Name(%s) = %q) = %q, %v", code, name, got, ok)
		}
	}
}

func TestCountriesAliasesErrors(t *testing.T) {
	tests := []struct{ name, data string }{
		{"fields", "GB Royaume-Uni\n"},
		{"unknown code", "XX | | Nulle Part\n"},
		{"unknown flag", "GB | loud | Royaume-Uni\n"},
		{"no alias", "GB | case | \n"},
		{"duplicate", "GB | | Albion\nFR | | Albion\n"},
		{"bad lookup-only code", "~ | | GP, XX\n"},
	}
	for _, tc := range tests {
		if _, err := newMatcher(tc.data); err == nil {
			t.Errorf("%s: newMatcher(%q) succeeded", tc.name, tc.data)
		}
	}
	if _, err := newMatcher("# comment only\n\nGB | case | Albion, ALB\n"); err != nil {
		t.Errorf("valid list: %v", err)
	}
}

func TestInflectDemonym(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"américain", []string{"américain", "américaine", "américains", "américaines"}},
		{"chinois", []string{"chinois", "chinoise", "chinoises"}},
		{"norvégien", []string{"norvégien", "norvégienne", "norvégiens", "norvégiennes"}},
		{"britannique", []string{"britannique", "britanniques"}},
	}
	for _, tc := range tests {
		if got := inflectDemonym(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("inflectDemonym(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCountriesSeeds compares the countries of the five seed articles with
// testdata/countries_seeds.golden (refresh with -update-countries). Why
// each code is expected:
//   - 000: Royaume-Uni, RU (title) and Grande-Bretagne → GB; États-Unis,
//     américain(e)s, américano-britanniques → US; Chine → CN; Norvège,
//     norvégien → NO; Émirats arabes unis → AE.
//   - 001: Royaume-Uni, britannique → GB; Chine → CN; "le géant américain"
//     → US.
//   - 002: Norvège, norvégien(s) → NO; "une entreprise britannique" → GB;
//     États-Unis, "géants américains" → US; "Stargate UAE, le pendant
//     émirati" → AE. "Stargate Norway" is a project name, "EU AI Act" and
//     "UE" are the Union, Narvik and Bruxelles are cities.
//   - 003: Royaume-Uni, britannique(s), Angleterre → GB; États-Unis,
//     américain(e)s → US; Canada → CA. Londres and Washington are cities.
//   - 004: États-Unis, "le président américain" → US; nothing else (the
//     Commission, the Union and Europe are not countries).
func TestCountriesSeeds(t *testing.T) {
	c := New()
	seeds := corpus.Seeds()
	names, err := fs.Glob(seeds, "*.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("seeds: %v, %d files", err, len(names))
	}
	var b strings.Builder
	for _, name := range names {
		data, err := fs.ReadFile(seeds, name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s\t%s\n", strings.TrimSuffix(name, ".txt"), strings.Join(c.Find(string(data)), " "))
	}
	golden := filepath.Join("testdata", "countries_seeds.golden")
	if *updateCountries {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-countries to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("seed countries differ from %s:\ngot:\n%swant:\n%s", golden, got, want)
	}
}

// TestCountriesConcurrent runs Find from several goroutines (meaningful
// under -race): the scratch pool must not leak state between calls.
func TestCountriesConcurrent(t *testing.T) {
	c := New()
	texts := map[string][]string{
		"le gouvernement britannique et la Chine":    {"CN", "GB"},
		"Air France dessert la Norvège":              {"NO"},
		"les États-Unis, le Canada et le Mexique":    {"CA", "MX", "US"},
		"aucun pays ici, seulement Paris et Londres": nil,
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				for text, want := range texts {
					if got := c.Find(text); !slices.Equal(got, want) {
						t.Errorf("Find(%q) = %v, want %v", text, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestCountriesOrangeSum runs Find over OrangeSum articles (skipped when
// the shared data is absent) and checks its output is well formed; with
// -v it logs how many articles name each of the most frequent codes.
func TestCountriesOrangeSum(t *testing.T) {
	c := New()
	n := 0
	perCode := map[string]int{}
	countriesEachArticle(t, 2000, func(text string) {
		n++
		got := c.Find(text)
		checkCountryCodes(t, text, got, c)
		for _, code := range got {
			perCode[code]++
		}
	})
	if n == 0 {
		t.Skip("no articles read")
	}
	if perCode["FR"] == 0 || perCode["US"] == 0 {
		t.Errorf("no FR or US in %d French news articles: %v", n, perCode)
	}
	t.Logf("%d articles; articles per code: FR %d, US %d, GB %d, DE %d, CN %d",
		n, perCode["FR"], perCode["US"], perCode["GB"], perCode["DE"], perCode["CN"])
}

// countriesEachArticle calls fn with the title and text of up to limit
// OrangeSum articles, skipping the test when the shared data is absent.
func countriesEachArticle(tb testing.TB, limit int, fn func(text string)) {
	tb.Helper()
	n := 0
	err := corpustest.EachDoc(corpustest.DataPath(tb, "orangesum-fr.jsonl.gz"), func(d corpustest.Doc) bool {
		fn(d.Title + "\n" + d.Text)
		n++
		return n < limit
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// checkCountryCodes checks that codes are sorted, distinct, known ISO codes.
func checkCountryCodes(tb testing.TB, text string, codes []string, c *Matcher) {
	tb.Helper()
	for i, code := range codes {
		if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' || !c.codes[code] {
			tb.Fatalf("Find(%.60q): bad code %q in %v", text, code, codes)
		}
		if i > 0 && codes[i-1] >= code {
			tb.Fatalf("Find(%.60q): %v not sorted and distinct", text, codes)
		}
	}
}

func FuzzCountriesFind(f *testing.F) {
	for _, s := range []string{
		"", "Le Royaume-Uni et les États-Unis", "U.S.A.", "A.", ".U.S", "l'EAU DE PLUIE",
		"Côte d’Ivoire", "FranceEn", "ÉTATS-UNISLes", "franco-", "-allemand", "$US$",
		"Norve\u0300ge", "\u00a0\u202f", "\xff\xfe", "ǅemal Bijedić", "ΑΘΗΝΑ Ελλάδα", "İstanbul Türkiye",
	} {
		f.Add(s)
	}
	c := New()
	f.Fuzz(func(t *testing.T, text string) {
		codes := c.Find(text)
		checkCountryCodes(t, text, codes, c)
		if len(codes) == 0 && codes != nil {
			t.Fatalf("Find(%q) returned an empty non-nil slice", text)
		}
		_, _ = c.Lookup(text)
	})
}

// BenchmarkCountriesFind measures Find on a 3 KB French news article.
func BenchmarkCountriesFind(b *testing.B) {
	c := New()
	data, err := fs.ReadFile(corpus.Seeds(), "000_4b4fd081b06eaf2e.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	if len(text) > 3072 {
		text = text[:strings.LastIndexByte(text[:3072], ' ')]
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		c.Find(text)
	}
}

func BenchmarkNewCountries(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New()
	}
}

// costlyCountries returns about n bytes of text built to be costly for
// the matcher: country names, demonyms, prefixes and capitalised words in
// every arrangement, mostly without sentence breaks.
func costlyCountries(n int) string {
	words := []string{"France", "franco-", "allemand", "Air", "Banque", "de", "la", "Corée", "du", "Sud", "Papouasie-Nouvelle-Guinée",
		"Australian", "Samantha", "Stosur", "en", "anglais", "U.S.A.", "Royaume-Uni", "des", "États-Unis", "Donald", "Trump", "x"}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(words[(i*7+i/23)%len(words)])
		if i%97 == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// TestMentionsScalesLinearly checks the growth of Mentions' cost.
func TestMentionsScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("scans megabytes")
	}
	c := New()
	ctx := context.Background()
	corpustest.CheckLinear(t, "Mentions", costlyCountries, func(text string) {
		if _, err := c.Mentions(ctx, text); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMentionsCancelled checks that a cancelled context stops a long scan.
func TestMentionsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Mentions(ctx, costlyCountries(1<<20)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// BenchmarkMentionsLarge measures Mentions on large, costly texts.
func BenchmarkMentionsLarge(b *testing.B) {
	c := New()
	ctx := context.Background()
	for _, n := range []int{256 << 10, 1 << 20, 4 << 20} {
		text := costlyCountries(n)
		b.Run(fmt.Sprintf("%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				_, _ = c.Mentions(ctx, text)
			}
		})
	}
}
