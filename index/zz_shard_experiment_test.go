package index

import (
	"bufio"
	"context"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestZZShardExperiment(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	arts := readJSONL(t, "orangesum-fr.jsonl.gz", 0)
	open := func() *Index { x, _ := openTest(t, Options{}); return x }
	single := open()
	put(t, single, arts...)
	f, _ := os.Open("../../shared/bench/queries-fr.txt")
	var queries []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q := strings.TrimSpace(sc.Text()); q != "" {
			queries = append(queries, q)
		}
	}
	for _, k := range []int{2, 4} {
		shards := make([]*Index, k)
		parts := make([][]Item, k)
		for _, a := range arts {
			h := fnv.New32a()
			h.Write([]byte(a.ID))
			p := int(h.Sum32() % uint32(k))
			parts[p] = append(parts[p], Item{Article: a})
		}
		for i := range shards {
			shards[i] = open()
			for _, r := range shards[i].PutMany(context.Background(), parts[i]) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
		}
		for _, mode := range []string{"global", "globalFC"} {
			same, totals := 0, 0
			for _, q := range queries {
				want := mustSearch(t, single, Query{Text: q, PerPage: 10})
				var st *TermStats
				if mode != "local" {
					st = &TermStats{}
					for _, s := range shards {
						ls, err := s.TermStats(context.Background(), Query{Text: q})
						if err != nil {
							t.Fatal(err)
						}
						st.Add(ls)
					}
					if mode == "globalFC" {
						ss, _ := single.TermStats(context.Background(), Query{Text: q})
						for f, v := range ss.Fields {
							st.Fields[f] = v
						}
					}
				}
				var hits []Hit
				var total uint64
				for _, s := range shards {
					r := mustSearch(t, s, Query{Text: q, PerPage: 10, Stats: st})
					hits = append(hits, r.Hits...)
					total += r.Total
				}
				if total == want.Total {
					totals++
				}
				slices.SortFunc(hits, func(a, b Hit) int {
					if a.Score != b.Score {
						if a.Score > b.Score {
							return -1
						}
						return 1
					}
					if !a.Article.Published.Equal(b.Article.Published) {
						if a.Article.Published.After(b.Article.Published) {
							return -1
						}
						return 1
					}
					return strings.Compare(a.Article.ID, b.Article.ID)
				})
				hits = hits[:min(10, len(hits))]
				var got, exp []string
				for _, h := range hits {
					got = append(got, h.Article.ID)
				}
				for _, h := range want.Hits {
					exp = append(exp, h.Article.ID)
				}
				slices.Sort(got)
				slices.Sort(exp)
				if slices.Equal(got, exp) {
					same++
				} else if total == want.Total && k == 2 {
					t.Logf("%s %q: %v vs %v", mode, q, got, exp)
				}
			}
			t.Logf("k=%d %s: same top-10 set %d/%d, totals equal %d", k, mode, same, len(queries), totals)
		}
	}
}
