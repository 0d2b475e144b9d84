package index

// Reliability of the engine: concurrent readers and writers on the same
// articles (run with -race), bounded query expansion, hostile query text.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"veille/corpus"
)

// versionedArticle is version v of article id: the title, the body and the
// extracted company all carry the version, so that a reader can tell a
// torn article (title of one version, body or entities of another).
func versionedArticle(id string, v int) corpus.Article {
	tag := fmt.Sprintf("ver%05d", v)
	company := "Airbus"
	if v%2 == 1 {
		company = "Siemens"
	}
	return corpus.Article{
		ID:    id,
		Title: fmt.Sprintf("Dépêche %s sur %s", tag, company),
		Body:  fmt.Sprintf("Corps de la dépêche %s : %s annonce un plan. Fin de la version %s.", tag, company, tag),
	}
}

var versionRE = regexp.MustCompile(`ver(\d{5})`)

// versionOf checks that every part of a is of one version and returns it.
func versionOf(a corpus.Article, highlights map[string][]string) (int, error) {
	tv := versionRE.FindAllStringSubmatch(a.Title, -1)
	if len(tv) != 1 {
		return 0, fmt.Errorf("title %q carries %d version tags", a.Title, len(tv))
	}
	tag := tv[0][1]
	for _, m := range versionRE.FindAllStringSubmatch(a.Body, -1) {
		if m[1] != tag {
			return 0, fmt.Errorf("torn article %s: title of ver%s, body %q", a.ID, tag, a.Body)
		}
	}
	var v int
	fmt.Sscanf(tag, "%d", &v)
	want := versionedArticle(a.ID, v)
	if a.Body != want.Body && a.Body != "" { // hits carry no body
		return 0, fmt.Errorf("torn article %s: body %q, want %q", a.ID, a.Body, want.Body)
	}
	company := "Airbus"
	if v%2 == 1 {
		company = "Siemens"
	}
	if !slices.Equal(a.Companies, []string{company}) {
		return 0, fmt.Errorf("torn article %s: ver%s with companies %v, want [%s]", a.ID, tag, a.Companies, company)
	}
	for field, frags := range highlights {
		for _, f := range frags {
			plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(f)
			for _, m := range versionRE.FindAllStringSubmatch(plain, -1) {
				if m[1] != tag {
					return 0, fmt.Errorf("torn hit %s: title ver%s, %s highlight %q", a.ID, tag, field, f)
				}
			}
		}
	}
	return v, nil
}

// TestConcurrentReadersAndWriters has writers replace the same articles
// with alternating versions while readers search and get them. Readers
// must never see a torn article, a missing article (a replacement is
// atomic), or an article older than its last acknowledged version; in
// the end every article is at its last acknowledged version, before and
// after a reopen. Run it with -race.
func TestConcurrentReadersAndWriters(t *testing.T) {
	const (
		writers   = 4
		perWriter = 6
		readers   = 4
	)
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	ctx := context.Background()
	x, dir := openTest(t, Options{})
	n := writers * perWriter
	ids := make([]string, n)
	var acked = make([]atomic.Int64, n) // last acknowledged version of ids[i]
	var initial []corpus.Article
	for i := range ids {
		ids[i] = fmt.Sprintf("doc-%02d", i)
		initial = append(initial, versionedArticle(ids[i], 0))
	}
	put(t, x, initial...)

	var wg sync.WaitGroup
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		failed.Store(true)
		t.Errorf(format, args...)
	}
	stop := make(chan struct{})

	// Writers: writer w owns ids[w*perWriter:(w+1)*perWriter]; even
	// writers use Put, odd ones PutMany, so that both paths race.
	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			own := ids[w*perWriter : (w+1)*perWriter]
			for v := 1; v <= rounds && !failed.Load(); v++ {
				if w%2 == 0 {
					for j, id := range own {
						if _, _, err := x.Put(ctx, versionedArticle(id, v), Origin{}); err != nil {
							fail("Put %s v%d: %v", id, v, err)
							return
						}
						acked[w*perWriter+j].Store(int64(v))
					}
					continue
				}
				items := make([]Item, len(own))
				for j, id := range own {
					items[j] = Item{Article: versionedArticle(id, v)}
				}
				for j, r := range x.PutMany(ctx, items) {
					if r.Err != nil {
						fail("PutMany %s v%d: %v", own[j], v, r.Err)
						return
					}
					acked[w*perWriter+j].Store(int64(v))
				}
			}
		}()
	}

	// Readers.
	var searches, gets atomic.Int64
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			queries := []Query{
				{Text: "dépêche", PerPage: 100, Highlight: true},
				{PerPage: 100},
				{Text: "airbus", PerPage: 100, Highlight: true},
				{Text: "siemens plan", PerPage: 100, Highlight: true},
				{Companies: []string{"Airbus"}, PerPage: 100},
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if failed.Load() {
					return
				}
				q := queries[(i+r)%len(queries)]
				res, err := x.Search(ctx, q)
				if err != nil {
					fail("Search %+v: %v", q, err)
					return
				}
				searches.Add(1)
				if q.Text == "dépêche" || q.Text == "" && q.Companies == nil {
					if res.Total != uint64(n) {
						fail("q=%q: total %d, want %d: a replaced article went missing", q.Text, res.Total, n)
					}
				}
				for _, h := range res.Hits {
					v, err := versionOf(h.Article, hlStrings(h.Highlights))
					if err != nil {
						fail("q=%q: %v", q.Text, err)
						return
					}
					wantAirbus := v%2 == 0
					if (q.Text == "airbus" || q.Companies != nil) && !wantAirbus {
						fail("q=%+v found %s at ver%05d, which is about Siemens", q, h.Article.ID, v)
					}
					if q.Text == "siemens plan" && wantAirbus {
						fail("q=siemens found %s at ver%05d, which is about Airbus", h.Article.ID, v)
					}
				}
				// A Get after an acknowledgement sees that version or a later one.
				k := (i*7 + r) % n
				min := acked[k].Load()
				a, err := x.Get(ctx, ids[k])
				if err != nil {
					fail("Get %s: %v", ids[k], err)
					return
				}
				gets.Add(1)
				v, err := versionOf(a, nil)
				if err != nil {
					fail("Get: %v", err)
					return
				}
				if int64(v) < min {
					fail("Get %s: ver%05d, but ver%05d was acknowledged before the Get", ids[k], v, min)
				}
			}
		}()
	}
	writersWG.Wait()
	close(stop)
	wg.Wait()
	t.Logf("%d writes, %d searches and %d gets ran concurrently", n*rounds, searches.Load(), gets.Load())
	if failed.Load() {
		return
	}

	check := func(x *Index, when string) {
		t.Helper()
		for i, id := range ids {
			a, err := x.Get(ctx, id)
			if err != nil {
				t.Fatalf("%s: Get %s: %v", when, id, err)
			}
			v, err := versionOf(a, nil)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if int64(v) != acked[i].Load() {
				t.Errorf("%s: %s at ver%05d, last acknowledged ver%05d", when, id, v, acked[i].Load())
			}
			res := mustSearch(t, x, Query{Text: fmt.Sprintf("ver%05d", v), PerPage: 100})
			if !slices.Contains(hitIDs(res), id) {
				t.Errorf("%s: q=ver%05d does not find %s", when, v, id)
			}
		}
		if res := mustSearch(t, x, Query{}); res.Total != uint64(n) {
			t.Errorf("%s: %d articles, want %d", when, res.Total, n)
		}
	}
	check(x, "after the writers")
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := Open(ctx, dir, Options{Enricher: fakeEnricher{}})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	check(y, "after reopening")
}

// TestExpansionIsBounded indexes thousands of words sharing a prefix and
// checks that no query expands to all of them: prefix completions and
// typo corrections are capped, '*', '?' and regular expressions are not
// operators, and the search stays an answer, not an error.
func TestExpansionIsBounded(t *testing.T) {
	const n = 2000
	x, _ := openTest(t, Options{})
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	fr, err := languageAnalyzer(m, "fr")
	if err != nil {
		t.Fatal(err)
	}
	// Words the French analyzer keeps as they are, so that each indexed
	// term is in exactly one article.
	consonants := "bcdfgjklmnpqrtvwz"
	arts := make([]corpus.Article, 0, n)
	for i := 0; len(arts) < n; i++ {
		k := len(consonants)
		w := "zorglub" + string(consonants[i%k]) + string(consonants[i/k%k]) + string(consonants[i/k/k%k])
		if ts := fr.Analyze([]byte(w)); len(ts) != 1 || string(ts[0].Term) != w {
			continue
		}
		arts = append(arts, corpus.Article{ID: fmt.Sprintf("z-%04d", i), Title: "Le mot " + w, Body: "Un texte sur " + w + "."})
	}
	put(t, x, arts...)

	// Each word is in one article, so hits count expanded terms.
	capped := uint64(maxFuzzyTerms + maxPrefixTerms)
	for _, q := range []string{"zorglub", "zor", "zorglubbc", "zorglubbcd", "zorglub*", "zorglub.*", "/zorglub.*/", "zorg?ub*"} {
		res, err := x.Search(context.Background(), Query{Text: q, PerPage: 100})
		if err != nil {
			t.Errorf("q=%q: %v", q, err)
			continue
		}
		if res.Total > capped {
			t.Errorf("q=%q: %d hits; expansions should be capped at %d terms", q, res.Total, capped)
		}
		t.Logf("q=%q: %d of %d articles", q, res.Total, n)
	}
	// Wildcard and regular-expression characters are not operators:
	// "zo*" is the word "zo", too short to expand.
	for _, q := range []string{"zo*", "z*", "zo?", "zo.*", "[z]orglub", "z.*b"} {
		res, err := x.Search(context.Background(), Query{Text: q})
		if err != nil {
			t.Errorf("q=%q: %v", q, err)
			continue
		}
		if res.Total != 0 {
			t.Errorf("q=%q: %d hits, want none (no wildcard or regexp syntax)", q, res.Total)
		}
	}
}

// TestHostileQueryText runs query text meant to break the parser or make
// the search explode against a real index: each either runs or fails with
// ErrInvalidQuery, never another error or a panic.
func TestHostileQueryText(t *testing.T) {
	x := openSample(t)
	long := strings.Repeat("é", MaxQueryBytes/2+1)
	tests := []struct {
		q       string
		invalid bool
	}{
		{`"unbalanced`, false}, {`unbalanced"`, false}, {`(((`, false}, {`)))`, false},
		{`-`, false}, {`+`, false}, {`- - - + +`, false}, {`""`, false}, {`-""`, false},
		{`*`, false}, {`?`, false}, {`/.*/`, false}, {`.*`, false}, {`a*b*c*`, false},
		{"\x00", false}, {"nvi\x00dia", false}, {"\x1b[2J\x07", false}, {"\u202e\u200b\ufeff", false},
		{`title:x AND body:y OR NOT z`, false}, {`nvidia~10^1000`, false},
		{strings.Repeat(`"a" `, 32), false},
		{strings.Repeat("\"", 999), false},
		{strings.Repeat("-", 1000), false},
		{strings.Repeat("a", MaxQueryBytes), false},
		{long, true},
		{strings.Repeat("a ", MaxQueryBytes/2), false}, // one word, repeated: counted once
		{strings.Repeat("a ", 1000), true},             // 2000 bytes
		{wordList(1000), true},
		{wordList(MaxQueryWords + 1), true},
		{"\xff", true}, {"abc\xc3", true},
	}
	for _, tc := range tests {
		res, err := x.Search(context.Background(), Query{Text: tc.q, Highlight: true})
		switch {
		case tc.invalid && !errors.Is(err, ErrInvalidQuery):
			t.Errorf("q=%.40q: err %v, want ErrInvalidQuery", tc.q, err)
		case !tc.invalid && err != nil:
			t.Errorf("q=%.40q: %v", tc.q, err)
		case err == nil && res.Hits == nil:
			t.Errorf("q=%.40q: nil hits", tc.q)
		}
	}
}

// wordList returns n distinct words.
func wordList(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = fmt.Sprintf("mot%c%c%c", 'a'+i%26, 'a'+i/26%26, 'a'+i/676%26)
	}
	return strings.Join(ws, " ")
}

// TestSearchDeadline checks that an expired deadline stops a search with
// the context's error, and that the index keeps answering afterwards.
func TestSearchDeadline(t *testing.T) {
	x := openSample(t)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	for _, q := range []Query{{}, {Text: "nvidia"}, {Text: "centre de données", Highlight: true}} {
		if _, err := x.Search(ctx, q); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Search(%+v) past its deadline: %v, want DeadlineExceeded", q, err)
		}
	}
	if res := mustSearch(t, x, Query{Text: "nvidia"}); res.Total == 0 {
		t.Errorf("no hit after the expired searches")
	}
}

// TestPutManyCancelledTellsTheTruth cancels PutMany while it runs: the
// items it had not handed to the writer fail with the context's error,
// and every result says whether its item is stored (a drained bulk
// reports from them).
func TestPutManyCancelledTellsTheTruth(t *testing.T) {
	x, _ := openTest(t, Options{MaxBatch: 100})
	items := make([]Item, 3000)
	for i := range items {
		items[i].Article = corpus.Article{ID: fmt.Sprintf("c%04d", i), Title: "Airbus", Body: fmt.Sprintf("Airbus livre %d avions.", i)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	res := x.PutMany(ctx, items)
	stored, refused := 0, 0
	for i, r := range res {
		_, err := x.Get(context.Background(), items[i].Article.ID)
		switch {
		case r.Err == nil:
			stored++
			if err != nil {
				t.Fatalf("%s reported stored, but Get: %v", items[i].Article.ID, err)
			}
		case errors.Is(r.Err, context.Canceled):
			refused++
			if err == nil {
				t.Fatalf("%s reported not stored (%v), but it is", items[i].Article.ID, r.Err)
			}
		default:
			t.Fatalf("%s: %v", items[i].Article.ID, r.Err)
		}
	}
	t.Logf("%d stored, %d not", stored, refused)
	for i, r := range x.PutMany(ctx, items[:10]) {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("with a cancelled context, item %d: %v", i, r.Err)
		}
	}
}
