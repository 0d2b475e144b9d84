package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"veille/analyzers/countries"
	"veille/corpus"
	"veille/corpus/corpustest"
)

// exactArticle is an article of the exactness test, as sent.
type exactArticle struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	Source    string `json:"source"`
	Published string `json:"published,omitempty"`
}

// exactCorpus returns the articles of the exactness test: OrangeSum
// when the shared data is there, otherwise the seeds cut into paragraphs.
func exactCorpus(t *testing.T) []exactArticle {
	t.Helper()
	var out []exactArticle
	if p := sharedDataPath("orangesum-fr.jsonl.gz"); p != "" {
		// French, with English and German articles among them: a query
		// is compiled for every language, typos counted in each.
		for _, f := range []struct {
			name string
			n    int
		}{{"orangesum-fr.jsonl.gz", 400}, {"news-en.jsonl.gz", 40}, {"news-de.jsonl.gz", 40}} {
			p := sharedDataPath(f.name)
			if p == "" {
				continue
			}
			for _, line := range firstLines(t, p, f.n) {
				var r struct{ ID, Date, Category, Title, Text string }
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatal(err)
				}
				if r.Title == "" { // a German dispatch: its first sentence
					r.Title, r.Text, _ = strings.Cut(r.Text, ". ")
				}
				out = append(out, exactArticle{ID: r.ID, Title: r.Title, Body: r.Text, Source: r.Category, Published: r.Date})
			}
		}
		// Shuffled alike every run, so that each language is in the base
		// and among the new articles.
		rand.New(rand.NewPCG(7, 7)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	seeds := corpus.Seeds()
	names, _ := fs.Glob(seeds, "*.txt")
	for _, name := range names {
		data, _ := fs.ReadFile(seeds, name)
		for i, par := range strings.Split(string(data), "\n\n") {
			if len(par) < 80 {
				continue
			}
			title, body, _ := strings.Cut(par, ". ")
			out = append(out, exactArticle{ID: fmt.Sprintf("%s-%d", strings.TrimSuffix(name, ".txt"), i), Title: title, Body: body,
				Source: "seeds", Published: fmt.Sprintf("2025-09-%02d", 1+i%28)})
		}
	}
	return out
}

// sharedDataPath is the path of a shared data file, "" when absent.
func sharedDataPath(name string) string {
	dir, err := corpustest.Dir()
	if err != nil {
		return ""
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// textWords returns the words of s (letters and digits), at least 3 runes long.
func textWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 3 {
			out = append(out, w)
		}
	}
	return out
}

// typo makes one random edit in w (deletion, transposition, substitution
// or insertion of a letter), sometimes on its first letter.
func typo(rng *rand.Rand, w string) string {
	rs := []rune(w)
	i := rng.IntN(len(rs) - 1)
	switch rng.IntN(5) {
	case 4:
		rs[0] = rune('a' + rng.IntN(26))
		return string(rs)
	case 0:
		return string(append(rs[:i:i], rs[i+1:]...))
	case 1:
		rs[i], rs[i+1] = rs[i+1], rs[i]
		return string(rs)
	case 2:
		rs[i+1] = rune('a' + rng.IntN(26))
		return string(rs)
	}
	return string(rs[:i+1]) + string(rune('a'+rng.IntN(26))) + string(rs[i+1:])
}

// exactAlert is one random saved search and what it exercises.
type exactAlert struct {
	id       string
	params   map[string]any
	features []string
	source   string // its source filter, when it has one
}

// randomAlert builds a saved search from target (as the extractor sees
// it), sometimes with words of other, so that it matches some articles
// and not others.
func randomAlert(rng *rand.Rand, target, other corpus.Article, newSources []string) exactAlert {
	a := exactAlert{params: map[string]any{}}
	feat := func(f string) { a.features = append(a.features, f) }
	tw, bw := textWords(target.Title), textWords(target.Body)
	pick := func(ws []string) string {
		if len(ws) == 0 {
			return "nvidia"
		}
		return ws[rng.IntN(len(ws))]
	}
	var parts []string
	if rng.Float64() > 0.12 {
		for n := 1 + rng.IntN(3); n > 0; n-- {
			w := pick(tw)
			if rng.IntN(3) == 0 {
				w = pick(bw)
			}
			if rng.IntN(8) == 0 {
				w = pick(textWords(other.Title + " " + other.Body))
			}
			switch r := rng.Float64(); {
			case len([]rune(w)) >= 5 && r < 0.3:
				w = typo(rng, w)
				feat("typo")
			case len([]rune(w)) >= 5 && r < 0.36:
				w = typo(rng, typo(rng, w)) // often a word no article has: its neighbours as typed
				feat("typo2")
			}
			parts = append(parts, w)
		}
		if rng.Float64() < 0.25 && len(bw) > 3 {
			i := rng.IntN(len(bw) - 2)
			parts = append(parts, `"`+strings.Join(bw[i:i+2+rng.IntN(2)], " ")+`"`)
			feat("phrase")
		}
		if rng.Float64() < 0.25 {
			src := textWords(other.Title)
			if rng.IntN(3) == 0 {
				src = bw
			}
			parts = append(parts, "-"+pick(src))
			feat("exclusion")
		}
		if rng.Float64() < 0.15 {
			a.params["mode"] = "any"
			parts = append(parts, pick(textWords(other.Title)))
			feat("any")
		}
		if rng.Float64() < 0.1 && len(parts) > 0 && !strings.HasPrefix(parts[len(parts)-1], `"`) && !strings.HasPrefix(parts[len(parts)-1], "-") {
			// The last word being typed: completions.
			last := []rune(parts[len(parts)-1])
			parts[len(parts)-1] = string(last[:min(len(last), 3+rng.IntN(3))])
			a.params["prefix"] = "last"
			feat("prefix")
		}
		a.params["q"] = strings.Join(parts, " ")
	}
	if rng.Float64() < 0.15 {
		switch k := rng.IntN(3); {
		case k == 0 && len(other.Companies) > 0:
			a.params["exclude_company"] = []string{other.Companies[0]}
		case k == 1 && len(other.Countries) > 0:
			a.params["exclude_country"] = []string{other.Countries[0]}
		default:
			a.params["exclude_source"] = []string{newSources[rng.IntN(len(newSources))]}
		}
		feat("exclude_filter")
	}
	if rng.Float64() < 0.3 && len(target.Companies) > 0 {
		cs := []string{target.Companies[rng.IntN(len(target.Companies))]}
		if len(other.Companies) > 0 && rng.IntN(2) == 0 {
			cs = append(cs, other.Companies[0])
		}
		a.params["company"] = cs
		feat("company")
	}
	if rng.Float64() < 0.3 && len(target.Countries) > 0 {
		c := target.Countries[rng.IntN(len(target.Countries))]
		if rng.IntN(2) == 0 {
			c = countries.Name(c) // by its French name
		}
		a.params["country"] = []string{c}
		feat("country")
	}
	if rng.Float64() < 0.08 {
		a.params["lang"] = []string{[]string{"fr", "en"}[rng.IntN(2)]}
		feat("lang")
	}
	if rng.Float64() < 0.08 {
		a.source = newSources[rng.IntN(len(newSources))]
		a.params["source"] = []string{a.source}
		feat("source")
	}
	if rng.Float64() < 0.5 && len(target.Amounts) > 0 {
		eur := target.Amounts[rng.IntN(len(target.Amounts))].EUR
		switch rng.IntN(3) {
		case 0:
			a.params["amount_min"] = eur * 0.5
		case 1:
			a.params["amount_max"] = eur * 2
		default:
			a.params["amount_min"], a.params["amount_max"] = eur, eur*1.01
		}
		feat("amount")
	}
	if rng.Float64() < 0.2 && !target.Published.IsZero() {
		d := target.Published
		if rng.IntN(2) == 0 {
			a.params["from"] = d.AddDate(0, 0, -rng.IntN(3)).Format(time.DateOnly)
		} else {
			a.params["to"] = d.AddDate(0, 0, rng.IntN(3)-1).Format(time.DateOnly)
		}
		feat("dates")
	}
	if len(a.features) == 0 {
		feat("words")
	}
	return a
}

// TestAlertsMatchTheSearch checks the contract's promise: an alert
// matches exactly the articles its search returns at that moment. Random
// saved searches (words, typos of one or two edits, phrases, excluded
// words, the last word as a prefix, mode any, every filter and
// exclusion filter) watch random new articles, written one by one, in bulk and as
// updates; after each write, /api/search with each alert's parameters
// (and the article's own source, unique to it) says whether the article
// matches, and at the end each alert's matches must be exactly those.
func TestAlertsMatchTheSearch(t *testing.T) {
	arts := exactCorpus(t)
	s, _, _, ext := alertServer(t, Options{})
	nBase := len(arts) * 2 / 3
	base, fresh := arts[:nBase], arts[nBase:]
	var lines []string
	for _, a := range base {
		b, _ := json.Marshal(a)
		lines = append(lines, string(b))
	}
	if rec := do(t, s, http.MethodPost, "/api/articles", strings.Join(lines, "\n"), loopback(), header("Content-Type", "application/x-ndjson")); rec.Code != http.StatusOK {
		t.Fatalf("bulk = %d %.300s", rec.Code, rec.Body)
	}
	enriched := func(a exactArticle) corpus.Article {
		c := corpus.Article{ID: a.ID, Title: a.Title, Body: a.Body}
		c.Published, _ = time.Parse(time.DateOnly, a.Published)
		ext.Enrich(context.Background(), &c)
		return c
	}
	var newSources []string
	for i := range fresh {
		fresh[i].Source = fmt.Sprintf("new-%d", i)
		newSources = append(newSources, fresh[i].Source)
	}
	rng := rand.New(rand.NewPCG(16, 2026))
	var list []exactAlert
	for range 150 {
		target := fresh[rng.IntN(len(fresh))]
		if rng.IntN(4) == 0 {
			target = base[rng.IntN(len(base))]
		}
		other := arts[rng.IntN(len(arts))]
		a := randomAlert(rng, enriched(target), enriched(other), newSources)
		body, _ := json.Marshal(map[string]any{"name": "alerte", "query": a.params})
		a.id = createAlert(t, s, string(body)).ID
		list = append(list, a)
	}

	expected := make([]map[string]bool, len(list))
	for i := range expected {
		expected[i] = map[string]bool{}
	}
	// check records, for each alert, whether the search returns article a now.
	check := func(a exactArticle) {
		t.Helper()
		for i, al := range list {
			v := url.Values{"per_page": {"100"}, "highlight": {"none"}}
			for k, p := range al.params {
				switch p := p.(type) {
				case []string:
					v[k] = p
				default:
					v.Set(k, fmt.Sprint(p))
				}
			}
			if al.source == "" {
				v.Set("source", a.Source) // only a, whose source is its own
			}
			res := search(t, s, v.Encode())
			if slices.ContainsFunc(res.Hits, func(h Hit) bool { return h.ID == a.ID }) {
				expected[i][a.ID] = true
			}
		}
	}
	write := func(a exactArticle) {
		b, _ := json.Marshal(a)
		putArticle(t, s, a.ID, string(b))
		check(a)
	}
	nSingle := min(40, len(fresh)-5)
	for _, a := range fresh[:nSingle] {
		write(a)
	}
	// A bulk of five (one batch), then updates that change the text.
	bulk := fresh[nSingle:min(nSingle+5, len(fresh))]
	lines = lines[:0]
	for _, a := range bulk {
		b, _ := json.Marshal(a)
		lines = append(lines, string(b))
	}
	if rec := do(t, s, http.MethodPost, "/api/articles", strings.Join(lines, "\n"), loopback(), header("Content-Type", "application/x-ndjson")); rec.Code != http.StatusOK {
		t.Fatalf("bulk = %d %.300s", rec.Code, rec.Body)
	}
	for _, a := range bulk {
		check(a)
	}
	for k := range 8 {
		a := fresh[rng.IntN(nSingle)]
		donor := base[rng.IntN(len(base))]
		a.Title, a.Body = donor.Title+" "+fmt.Sprint(k), donor.Body
		write(a)
	}

	positives, mismatches := 0, 0
	byFeature := map[string][2]int{} // alerts with the feature: with a match, in all
	for i, al := range list {
		var want []string
		for id := range expected[i] {
			want = append(want, id)
		}
		slices.Sort(want)
		if want == nil {
			want = []string{}
		}
		positives += len(want)
		got := alertMatchIDs(t, s, al.id)
		if !slices.Equal(got, want) {
			mismatches++
			t.Errorf("alert %v: matched %v, the search returned %v", al.params, got, want)
		}
		for _, f := range al.features {
			c := byFeature[f]
			c[1]++
			if len(want) > 0 {
				c[0]++
			}
			byFeature[f] = c
		}
	}
	t.Logf("%d alerts, %d articles written: %d matches, %d alerts differ; alerts with a match by feature: %v", len(list), nSingle+len(bulk)+8, positives, mismatches, byFeature)
	if positives < 40 {
		t.Errorf("only %d matches: the test exercises too little", positives)
	}
	for _, f := range []string{"typo", "typo2", "phrase", "exclusion", "exclude_filter", "prefix", "company", "country", "amount", "dates"} {
		if byFeature[f][0] == 0 || byFeature[f][0] == byFeature[f][1] {
			t.Errorf("alerts with %s: %d of %d have matches; the test needs some with and some without", f, byFeature[f][0], byFeature[f][1])
		}
	}
}
