package lang

import (
	"flag"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"veille/corpus/corpustest"
	"veille/internal/testrace"
)

var langSweep = flag.Bool("langsweep", false, "TestDetectorSweep: print accuracy for a grid of detector options")

// testDetector is built once: models are cached by lingua anyway, and the
// preload takes ~40 ms.
var testDetector = sync.OnceValue(NewDetector)

func TestDetectorAccuracy(t *testing.T) {
	testrace.SkipHeavy(t)
	sentences := corpustest.Sentences(t)
	d := testDetector()
	ok := map[string]int{}
	n := map[string]int{}
	confusions := map[string]int{}
	total := 0
	for _, s := range sentences {
		got := d.Detect(s.Text)
		n[s.Lang]++
		if got == s.Lang {
			ok[s.Lang]++
			total++
		} else {
			confusions[s.Lang+"→"+got]++
		}
	}
	// Floors just below what was measured with the default options
	// (fr 99.0, en 98.2, de 99.7, es 95.7, it 99.7, pt 96.7, nl 98.3, all 98.19;
	// most sentences have fewer than 120 letters, where low accuracy mode is
	// weakest: es↔pt is the main confusion).
	floors := map[string]float64{"fr": 98.7, "en": 97.8, "de": 99.4, "es": 95.2, "it": 99.4, "pt": 96.2, "nl": 97.9}
	var line []string
	for _, lang := range Languages {
		acc := 100 * float64(ok[lang]) / float64(n[lang])
		line = append(line, fmt.Sprintf("%s %.1f%%", lang, acc))
		if acc < floors[lang] {
			t.Errorf("%s: accuracy %.1f%% < floor %.1f%%", lang, acc, floors[lang])
		}
	}
	overall := 100 * float64(total) / float64(len(sentences))
	t.Logf("sentences: %s; overall %.2f%% of %d", strings.Join(line, ", "), overall, len(sentences))
	t.Logf("confusions: %v", sortedCounts(confusions))
	if overall < 97.9 {
		t.Errorf("overall accuracy %.2f%% < floor 97.9%%", overall)
	}
}

// TestDetectorArticles checks article-length texts (title + body, as
// Extractor.Enrich passes them): all should be detected.
func TestDetectorArticles(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 3,000 articles")
	}
	d := testDetector()
	for _, set := range []struct {
		file, lang string
		n          int
	}{
		{"orangesum-fr.jsonl.gz", "fr", 1000},
		{"news-en.jsonl.gz", "en", 1000},
		{"news-de.jsonl.gz", "de", 1000},
	} {
		t.Run(set.lang, func(t *testing.T) {
			docs := corpustest.ReadJSONL(t, set.file, set.n)
			wrong := 0
			for _, doc := range docs {
				text := doc.Title + "\n\n" + doc.Text
				if got := d.Detect(text); got != set.lang {
					wrong++
					t.Logf("%s: %s, want %s: %.80q", doc.ID, got, set.lang, text)
				}
			}
			acc := 100 * float64(len(docs)-wrong) / float64(len(docs))
			t.Logf("%s: %.2f%% of %d articles", set.file, acc, len(docs))
			if acc < 99.8 {
				t.Errorf("%s: accuracy %.2f%% < 99.8%%", set.file, acc)
			}
		})
	}
}

func TestDetectorRules(t *testing.T) {
	d := testDetector()
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", Fallback},
		{"no letters", "12 345,67 € — 2025", Fallback},
		{"too short", "Nvidia", "fr"},
		{"short French", "prix en baisse", "fr"},
		{"French headline", "La Norvège accueille le premier centre de données d’OpenAI en Europe", "fr"},
		{"English headline", "Ad sales boost Time Warner profit as broadband subscribers grow", "en"},
		{"German", "Die Bundesregierung will die Förderung für Windkraftanlagen im kommenden Jahr deutlich erhöhen.", "de"},
		{"Spanish", "El Gobierno anunció el jueves un plan de inversiones en energías renovables para los próximos años.", "es"},
		{"Italian", "Il governo ha annunciato giovedì un piano di investimenti nelle energie rinnovabili per i prossimi anni.", "it"},
		{"Portuguese", "O governo anunciou na quinta-feira um plano de investimentos em energias renováveis para os próximos anos.", "pt"},
		{"Dutch", "De regering heeft donderdag een plan aangekondigd voor investeringen in hernieuwbare energie.", "nl"},
		{"Cyrillic", "Правительство объявило о новых инвестициях в ветроэнергетику.", Fallback},
		{"Chinese", "政府宣布了对风能的新投资计划，预计将在未来几年内完成。", Fallback},
		{"French after junk", "Partager sur Facebook | 12/03/2021 14:05 | https://example.com/x?id=3\n\n" +
			"Le gouvernement a présenté mercredi son plan de relance pour l'industrie automobile.", "fr"},
		{"decomposed accents", "Le ministre de l\u2019E\u0301conomie a de\u0301voile\u0301 jeudi un plan d\u2019investissement de grande ampleur.", "fr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.Detect(tc.text); got != tc.want {
				_, conf := d.detect(tc.text)
				t.Errorf("Detect(%q) = %q (confidence %.2f), want %q", tc.text, got, conf, tc.want)
			}
		})
	}
}

// TestDetectorConcurrent checks the concurrency contract (run with -race).
func TestDetectorConcurrent(t *testing.T) {
	d := testDetector()
	texts := []string{corpustest.ArticleFR, "Ad sales boost Time Warner profit as broadband subscribers grow",
		"Die Bundesregierung will die Förderung für Windkraftanlagen deutlich erhöhen.", "Nvidia", ""}
	want := make([]string, len(texts))
	for i, text := range texts {
		want[i] = d.Detect(text)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, text := range texts {
				if got := d.Detect(text); got != want[i] {
					t.Errorf("concurrent Detect(%.20q) = %q, sequential %q", text, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}

func TestDetectorDefaultLanguageOption(t *testing.T) {
	d, err := NewDetectorWith(Options{DefaultLanguage: Fallback})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		"Nvidia":         Fallback,
		"":               Fallback,
		"prix en baisse": "fr",
		"La Norvège accueille le premier centre de données d’OpenAI en Europe": "fr",
	} {
		if got := d.Detect(text); got != want {
			t.Errorf("Detect(%q) = %q, want %q", text, got, want)
		}
	}
	if _, err := NewDetectorWith(Options{DefaultLanguage: "pl"}); err == nil {
		t.Error(`NewDetectorWith(DefaultLanguage "pl"): no error`)
	}
	if got := d.Options().SampleLetters; got != DefaultSampleLetters {
		t.Errorf("Options().SampleLetters = %d, want default %d", got, DefaultSampleLetters)
	}
}

func TestNextSample(t *testing.T) {
	tests := []struct {
		text, sample, rest string
		max, letters       int
	}{
		{"", "", "", 10, 0},
		{"12, 34!", "", "", 10, 0},
		{"L'État, 3 fois.", "L État fois", "", 10, 9},
		{"L'État, 3 fois.", "L État", ", 3 fois.", 5, 5},
		{"abc def ghi", "abc def", " ghi", 5, 6},
		{"https://ex.com/a-b", "https ex com a b", "", 50, 12},
		{"e\u0301te\u0301 chaud", "été chaud", "", 50, 8},
	}
	for _, tc := range tests {
		sample, letters, rest := nextSample(tc.text, tc.max)
		if sample != tc.sample || letters != tc.letters || rest != tc.rest {
			t.Errorf("nextSample(%q, %d) = %q, %d, %q; want %q, %d, %q",
				tc.text, tc.max, sample, letters, rest, tc.sample, tc.letters, tc.rest)
		}
	}
}

// TestDetectorPrior checks that the prior for the default language pays:
// more OrangeSum headlines alone are detected as French than without it.
func TestDetectorPrior(t *testing.T) {
	docs := corpustest.ReadJSONL(t, "orangesum-fr.jsonl.gz", 3000)
	noPrior, err := NewDetectorWith(Options{Prior: 1})
	if err != nil {
		t.Fatal(err)
	}
	var with, without int
	for _, doc := range docs {
		if testDetector().Detect(doc.Title) == "fr" {
			with++
		}
		if noPrior.Detect(doc.Title) == "fr" {
			without++
		}
	}
	t.Logf("French headlines alone detected as fr: %d/%d with prior %.0f, %d without",
		with, len(docs), testDetector().Options().Prior, without)
	if with <= without {
		t.Errorf("prior does not help: %d with, %d without", with, without)
	}
}

// TestDetectorSweep prints accuracy and time for a grid of options; run it
// with: go test ./analyzers -run TestDetectorSweep -langsweep -v
func TestDetectorSweep(t *testing.T) {
	if !*langSweep {
		t.Skip("needs -langsweep")
	}
	sentences := corpustest.Sentences(t)
	frTitles := corpustest.ReadJSONL(t, "orangesum-fr.jsonl.gz", 3000)
	enTitles := corpustest.ReadJSONL(t, "news-en.jsonl.gz", 1389)
	deDocs := corpustest.ReadJSONL(t, "news-de.jsonl.gz", 1028)
	for _, opts := range []Options{
		{Prior: 1, MinLetters: 1, MinConfidence: 0.01},
		{Prior: 1, MinLetters: 12, MinConfidence: 0.5},
		{Prior: 1, MinLetters: 20, MinConfidence: 0.5},
		{Prior: 1, MinLetters: 12, MinConfidence: 0.25},
		{Prior: 2, MinLetters: 12, MinConfidence: 0.3},
		{Prior: 4, MinLetters: 12, MinConfidence: 0.3},
		{Prior: 4, MinLetters: 12, MinConfidence: 0.5},
		{Prior: 4, MinLetters: 12, MinConfidence: 0.7},
		{Prior: 8, MinLetters: 12, MinConfidence: 0.3},
		{Prior: 16, MinLetters: 12, MinConfidence: 0.3},
		{Prior: 4, MinLetters: 20, MinConfidence: 0.3},
	} {
		d, err := NewDetectorWith(opts)
		if err != nil {
			t.Fatal(err)
		}
		o := d.Options()
		acc := func(texts []string, want string) float64 {
			ok := 0
			for _, s := range texts {
				if d.Detect(s) == want {
					ok++
				}
			}
			return 100 * float64(ok) / float64(len(texts))
		}
		per := map[string][]string{}
		for _, s := range sentences {
			per[s.Lang] = append(per[s.Lang], s.Text)
		}
		var line []string
		sum := 0.0
		for _, lang := range Languages {
			a := acc(per[lang], lang)
			sum += a
			line = append(line, fmt.Sprintf("%s %.1f", lang, a))
		}
		titles := func(docs []corpustest.Doc) []string {
			var out []string
			for _, d := range docs {
				out = append(out, d.Title)
			}
			return out
		}
		// German news have no titles: use the first sentence-sized piece.
		var deHeads []string
		for _, d := range deDocs {
			deHeads = append(deHeads, prefixRunes(d.Text, 60))
		}
		t.Logf("prior %.0f minLetters %d minConf %.2f | sentences %s avg %.2f | titles fr %.1f en %.1f de60 %.1f",
			o.Prior, o.MinLetters, o.MinConfidence, strings.Join(line, " "), sum/7,
			acc(titles(frTitles), "fr"), acc(titles(enTitles), "en"), acc(deHeads, "de"))
	}

	// Sample length: accuracy and time on article beginnings.
	frDocs := frTitles[:1000]
	for _, letters := range []int{60, 100, 150, 200, 300, 500, 1000} {
		d, err := NewDetectorWith(Options{SampleLetters: letters, MaxSamples: 1})
		if err != nil {
			t.Fatal(err)
		}
		var line []string
		for _, set := range []struct {
			docs []corpustest.Doc
			lang string
		}{{frDocs, "fr"}, {enTitles, "en"}, {deDocs, "de"}} {
			ok := 0
			start := time.Now()
			for _, doc := range set.docs {
				// body only: the harder case of an article without title
				if d.Detect(doc.Text) == set.lang {
					ok++
				}
			}
			per := time.Since(start) / time.Duration(len(set.docs))
			line = append(line, fmt.Sprintf("%s %d/%d %v/doc", set.lang, ok, len(set.docs), per.Round(time.Microsecond)))
		}
		t.Logf("sample %4d letters, one pass, body only: %s", letters, strings.Join(line, ", "))
	}
}

func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func sortedCounts(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s:%d", k, v))
	}
	sort.Strings(out)
	return out
}

func BenchmarkDetect(b *testing.B) {
	d := NewDetector()
	for _, tc := range []struct{ name, text string }{
		{"article3KB", corpustest.ArticleFR},
		{"headline", "La Norvège accueille le premier centre de données d’OpenAI en Europe"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			cpu := corpustest.StartCPU()
			for b.Loop() {
				d.Detect(tc.text)
			}
			cpu.Report(b)
		})
	}
}

// BenchmarkDetectorMemory reports the Go heap lingua's models take, after
// GC, as heap-MiB (go test -bench DetectorMemory -benchtime 1x).
func BenchmarkDetectorMemory(b *testing.B) {
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	var d *Detector
	for b.Loop() {
		d = NewDetector()
	}
	d.Detect(corpustest.ArticleFR)
	after := heap()
	runtime.KeepAlive(d)
	// lingua keeps its models in package-level maps: when another test
	// already built a detector, the difference is ~0 and the total heap
	// is the figure to read.
	b.ReportMetric(float64(after-before)/(1<<20), "added-heap-MiB")
	b.ReportMetric(float64(after)/(1<<20), "heap-MiB")
}

// TestFunctionWordGuessAgreesWithLingua checks the cheap function-word
// path against lingua alone on real articles: when it answers, it must
// answer what lingua answers, and it must answer for most articles.
func TestFunctionWordGuessAgreesWithLingua(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 1,500 articles")
	}
	d := testDetector()
	for _, set := range []struct {
		file, lang string
	}{
		{"orangesum-fr.jsonl.gz", "fr"},
		{"news-en.jsonl.gz", "en"},
		{"news-de.jsonl.gz", "de"},
	} {
		docs := corpustest.ReadJSONL(t, set.file, 500)
		answered := 0
		for _, doc := range docs {
			text := doc.Title + "\n\n" + doc.Text
			code, ok := d.words.guess(text)
			if !ok {
				continue
			}
			answered++
			if want, _ := d.detect(text); code != want {
				t.Errorf("%s: function words say %s, lingua %s: %.80q", doc.ID, code, want, text)
			}
		}
		t.Logf("%s: the function-word path answered %d of %d", set.file, answered, len(docs))
		if answered < len(docs)*9/10 {
			t.Errorf("%s: the function-word path answered only %d of %d articles", set.file, answered, len(docs))
		}
	}
}

func TestFunctionWordGuess(t *testing.T) {
	g := newFunctionWordGuesser()
	tests := []struct {
		text string
		want string // "" = no answer
	}{
		{"Le groupe a annoncé des résultats pour les actionnaires, qui sont satisfaits. Les ventes ont progressé dans les pays du Nord et au Sud, avec une hausse de la marge pour cette année.", "fr"},
		{"The company said that its profits were up for the year, and that the board will meet with the investors who have been waiting for a decision from the regulator at the end of this month.", "en"},
		{"Die Regierung hat am Montag mitgeteilt, dass die neue Regelung nicht vor dem Sommer in Kraft treten wird, und auch die Opposition sieht sich bei der Reform nach wie vor im Nachteil.", "de"},
		{"Nvidia Nscale OpenAI", ""},
		{"", ""},
		{"les the der les the der les the der", ""},
	}
	for _, tc := range tests {
		got, ok := g.guess(tc.text)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("guess(%.40q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestDetectorShortFrench checks short French headlines full of proper
// names, which lingua's trigrams give to other languages.
func TestDetectorShortFrench(t *testing.T) {
	d := testDetector()
	for _, s := range []string{
		"Stellantis investit 2 Md€ en Italie.",
		"Démission : la promesse de Nicolas Hulot à Brigitte Bardot",
		"Floride : la villa d'Al Capone mise en vente",
		"Johnny Hallyday sera inhumé à Saint-Barth",
	} {
		if got := d.Detect(s); got != "fr" {
			t.Errorf("Detect(%q) = %s, want fr", s, got)
		}
	}
	for _, s := range []string{"Fresh hope after Argentine crisis", "Wembley firm won't make a profit", "Tevez - an Argentine in Brazil"} {
		if got := d.Detect(s); got == "fr" {
			t.Errorf("Detect(%q) = fr", s)
		}
	}
}

// TestDetectorTitles measures detection on headlines alone: 3,000
// OrangeSum titles (French) and the 1,389 English BBC titles.
func TestDetectorTitles(t *testing.T) {
	d := testDetector()
	acc := func(docs []corpustest.Doc, want string) float64 {
		ok := 0
		for _, doc := range docs {
			if d.Detect(doc.Title) == want {
				ok++
			}
		}
		return 100 * float64(ok) / float64(len(docs))
	}
	fr := acc(corpustest.ReadJSONL(t, "orangesum-fr.jsonl.gz", 3000), "fr")
	en := acc(corpustest.ReadJSONL(t, "news-en.jsonl.gz", 0), "en")
	t.Logf("titles alone: French %.1f%%, English %.1f%%", fr, en)
	// Measured 99.4 % and 82.4 % (97.3 % and 82.4 % without the French markers).
	if fr < 99 || en < 82 {
		t.Errorf("titles: French %.1f%% (floor 99), English %.1f%% (floor 82)", fr, en)
	}
}
