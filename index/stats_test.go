package index

import (
	"bufio"
	"context"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"veille/corpus"
)

// shardedSearch runs q on shards as package cluster does: the corpus's
// counts from the shards' pre-searches, each shard's top hits scored with
// them (again with what a search reports missing), merged in the query's
// order. It returns the merged page and the number of searches per shard.
func shardedSearch(t *testing.T, shards []*Index, rk Ranking, q Query) ([]Hit, uint64, int) {
	t.Helper()
	ctx := context.Background()
	ask := func(ctx context.Context, q Query) ([]TermStats, error) {
		out := make([]TermStats, len(shards))
		for i, s := range shards {
			st, err := s.TermStats(ctx, q)
			if err != nil {
				return nil, err
			}
			out[i] = st
		}
		return out, nil
	}
	stats, err := CorpusStats(ctx, q, nil, ask)
	if err != nil {
		t.Fatalf("CorpusStats(%q): %v", q.Text, err)
	}
	for round := 1; ; round++ {
		sq := q
		sq.Stats = stats
		var hits []Hit
		var total uint64
		var missing []TermStats
		for _, s := range shards {
			res := mustSearch(t, s, sq)
			hits = append(hits, res.Hits...)
			total += res.Total
			m := TermStats{}
			if res.Missing != nil {
				m = *res.Missing
			}
			missing = append(missing, m)
		}
		add := SumStats(missing)
		if add.Empty() || round == 3 {
			slices.SortStableFunc(hits, rk.Compare)
			return hits[:min(len(hits), 10)], total, round
		}
		stats.Add(add)
		if stats, err = CorpusStats(ctx, q, stats, ask); err != nil {
			t.Fatal(err)
		}
	}
}

// TestShardsScoreAsOneIndex splits OrangeSum articles over three indexes
// of unequal sizes and checks that, with the corpus's counts
// (TermStats, Query.Stats, Results.Missing), every query's top ten is
// the one index's: the same articles in the same order (ties included),
// each with the same score, and the same total. The queries are typos
// (corrected through the corpus's counts), completions, phrases,
// exclusions, mode any, and the benchmark queries when present.
func TestShardsScoreAsOneIndex(t *testing.T) {
	n := 2000
	if testing.Short() || raceOn {
		n = 800
	}
	arts := readJSONL(t, "orangesum-fr.jsonl.gz", n)
	one, _ := openTest(t, Options{})
	put(t, one, arts...)
	shards := make([]*Index, 3)
	parts := make([][]corpus.Article, 3)
	for _, a := range arts {
		h := fnv.New32a()
		h.Write([]byte(a.ID))
		s := min(int(h.Sum32()%5)/2, 2) // shares 2/5, 2/5, 1/5
		parts[s] = append(parts[s], a)
	}
	for i := range shards {
		shards[i], _ = openTest(t, Options{})
		put(t, shards[i], parts[i]...)
	}
	queries := []Query{
		{Text: "gouvernemnt"},
		{Text: "macorn"},
		{Text: "présidnet de la républqiue"},
		{Text: "trembelment de terre"},
		{Text: "gouv", Prefix: true},
		{Text: "élections législ", Prefix: true},
		{Text: `"réforme des retraites"`},
		{Text: "banque -crise"},
		{Text: "euro dollar bourse", Mode: ModeAny},
		{Text: "chômage", Sort: SortRelevance, PerPage: 10},
	}
	if f, err := os.Open(filepath.Join("..", "..", "shared", "bench", "queries-fr.txt")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); s != "" {
				queries = append(queries, Query{Text: s})
			}
		}
		f.Close()
	}
	again, compared := 0, 0
	for _, q := range queries {
		want := mustSearch(t, one, q)
		rk, err := one.Ranking(q)
		if err != nil {
			t.Fatal(err)
		}
		got, total, rounds := shardedSearch(t, shards, rk, q)
		if rounds > 1 {
			again++
		}
		if total != want.Total {
			t.Errorf("%q: total %d on shards, %d on one index", q.Text, total, want.Total)
		}
		if !slices.Equal(hitIDs(Results{Hits: got}), hitIDs(want)) {
			t.Errorf("%q: top ten on shards %v\none index %v", q.Text, hitIDs(Results{Hits: got}), hitIDs(want))
			continue
		}
		for i, h := range got {
			w := want.Hits[i].Score
			if math.Abs(h.Score-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Errorf("%q: %s scores %v on its shard, %v on one index", q.Text, h.Article.ID, h.Score, w)
			}
			compared++
		}
	}
	t.Logf("%d queries, %d hits' scores compared; %d searches ran again with counts they lacked", len(queries), compared, again)
}
