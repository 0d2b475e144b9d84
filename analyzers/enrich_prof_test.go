package analyzers

import (
	"context"
	"testing"

	"veille/corpus"
	"veille/corpus/corpustest"
)

func BenchmarkEnrichOrangeSum(b *testing.B) {
	docs := corpustest.ReadJSONL(b, "orangesum-fr.jsonl.gz", 2000)
	e := newTestExtractor(b)
	ctx := context.Background()
	cpu := corpustest.StartCPU()
	for b.Loop() {
		for _, d := range docs {
			a := corpus.Article{ID: "x", Title: d.Title, Body: d.Text}
			_ = e.Enrich(ctx, &a)
		}
	}
	cpu.Report(b)
}
