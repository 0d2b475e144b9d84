package analyzers

import (
	"context"
	"testing"

	"veille/analyzers/lang"
	"veille/analyzers/money"
	"veille/corpus"
	"veille/corpus/corpustest"
)

func newTestExtractor(tb testing.TB) *Extractor {
	tb.Helper()
	e, err := NewExtractor(ExtractorOptions{})
	if err != nil {
		tb.Fatalf("NewExtractor: %v", err)
	}
	return e
}

func TestEnrichLanguage(t *testing.T) {
	e := newTestExtractor(t)
	tests := []struct {
		name, title, body, given, want string
	}{
		{"detects French", "OpenAI choisit la Norvège", corpustest.ArticleFR, "", "fr"},
		{"detects English", "Ad sales boost Time Warner profit",
			"Quarterly profits at US media giant TimeWarner jumped 76% for the three months to December, " +
				"as the firm benefited from sales of high-speed internet connections and higher advert sales.", "", "en"},
		{"detects German", "",
			"Die Bundesregierung will die Förderung für Windkraftanlagen im kommenden Jahr deutlich erhöhen, " +
				"teilte das Wirtschaftsministerium am Donnerstag in Berlin mit.", "", "de"},
		{"keeps given language", "Ad sales boost Time Warner profit",
			"Quarterly profits at US media giant TimeWarner jumped 76% for the three months to December.", "fr", "fr"},
		{"keeps given fallback", "OpenAI choisit la Norvège", corpustest.ArticleFR, Fallback, Fallback},
		{"short text gets the default", "Nvidia", "", "", lang.DefaultLanguage},
		{"no letters", "", "2025 — 30 %", "", Fallback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &corpus.Article{ID: "x", Title: tc.title, Body: tc.body, Language: tc.given}
			if err := e.Enrich(context.Background(), a); err != nil {
				t.Fatal(err)
			}
			if a.Language != tc.want {
				t.Errorf("Language = %q, want %q", a.Language, tc.want)
			}
			if a.Title != tc.title || a.Body != tc.body {
				t.Error("Enrich changed the title or body")
			}
		})
	}
}

// TestEnrichReplacesExtracted checks that Enrich recomputes the extracted
// fields instead of appending to stale ones.
func TestEnrichReplacesExtracted(t *testing.T) {
	e := newTestExtractor(t)
	a := &corpus.Article{ID: "x", Title: "Titre", Body: "Un texte sans entité ni montant, pour le test.",
		Companies: []string{"Stale"}, Countries: []string{"ZZ"}, Amounts: []corpus.Amount{{Value: 1, Currency: "EUR", EUR: 1, Text: "1 €"}}}
	if err := e.Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if len(a.Companies) != 0 || len(a.Countries) != 0 || len(a.Amounts) != 0 {
		t.Errorf("stale extraction kept: companies %q countries %q amounts %v", a.Companies, a.Countries, a.Amounts)
	}
}

// BenchmarkEnrich measures the whole extraction of a 3 KB French article
// (the floor: under 1 ms on one core; run with -cpu 1). cpu-ns/op
// is the process's CPU time per article, which other processes on the
// machine do not inflate as they do ns/op.
func BenchmarkEnrich(b *testing.B) {
	ctx := context.Background()
	e := newTestExtractor(b)
	b.Run("article3KB", func(b *testing.B) {
		b.SetBytes(int64(len(corpustest.ArticleFR)))
		cpu := corpustest.StartCPU()
		for b.Loop() {
			a := corpus.Article{ID: "x", Body: corpustest.ArticleFR}
			_ = e.Enrich(ctx, &a)
		}
		cpu.Report(b)
	})
	b.Run("article3KB-language-given", func(b *testing.B) {
		b.SetBytes(int64(len(corpustest.ArticleFR)))
		cpu := corpustest.StartCPU()
		for b.Loop() {
			a := corpus.Article{ID: "x", Body: corpustest.ArticleFR, Language: "fr"}
			_ = e.Enrich(ctx, &a)
		}
		cpu.Report(b)
	})
	// The parts, to see where the time goes.
	b.Run("detect", func(b *testing.B) {
		for b.Loop() {
			e.detector.Detect(corpustest.ArticleFR)
		}
	})
	b.Run("amounts", func(b *testing.B) {
		for b.Loop() {
			money.Extract(ctx, corpustest.ArticleFR, money.Context{}, e.rates)
		}
	})
	b.Run("countries", func(b *testing.B) {
		for b.Loop() {
			e.countries.Find(corpustest.ArticleFR)
		}
	})
	b.Run("companies", func(b *testing.B) {
		for b.Loop() {
			_, _ = e.companies.Find(ctx, corpustest.ArticleFR, "fr")
		}
	})
}

// BenchmarkEnrichOrangeSum measures extraction on 2,000 real OrangeSum
// articles (shared data; skipped without it): the mix the ingest floor
// sees. cpu-ns/op is for the 2,000.
func BenchmarkEnrichOrangeSum(b *testing.B) {
	docs := corpustest.ReadJSONL(b, "orangesum-fr.jsonl.gz", 2000)
	e := newTestExtractor(b)
	ctx := context.Background()
	cpu := corpustest.StartCPU()
	for b.Loop() {
		for _, d := range docs {
			a := corpus.Article{ID: "x", Title: d.Title, Body: d.Text}
			if err := e.Enrich(ctx, &a); err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu.Report(b)
}
