package index

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"

	"veille/corpus"
)

var updateHighlight = flag.Bool("update-highlight", false, "rewrite testdata/highlight_*.golden")

// hlSpans returns the spans of every occurrence of each word in text.
func hlSpans(text string, words ...string) []span {
	var out []span
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(text[i:], w)
			if j < 0 {
				break
			}
			out = append(out, span{Start: i + j, End: i + j + len(w), Term: strings.ToLower(w)})
			i += j + len(w)
		}
	}
	return out
}

// markup renders f with its marks as <mark>…</mark> and nothing escaped,
// for readable expectations (api renders the HTML the API answers).
func markup(f Fragment) string {
	var b strings.Builder
	pos := 0
	for _, m := range f.Marks {
		b.WriteString(f.Text[pos:m.Start] + "<mark>" + f.Text[m.Start:m.End] + "</mark>")
		pos = m.End
	}
	b.WriteString(f.Text[pos:])
	return b.String()
}

func markups(fs []Fragment) []string {
	if fs == nil {
		return nil
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = markup(f)
	}
	return out
}

func TestHighlightMarks(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		spans []span
		want  string
	}{
		{"markup is text", `Le <script>alert("x")</script> & Nvidia`, []span{{Start: 33, End: 39}},
			`Le <script>alert("x")</script> & <mark>Nvidia</mark>`},
		{"entity in the text stays text", `AT&amp;T x`, []span{{Start: 0, End: 8}},
			`<mark>AT&amp;T</mark> x`},
		{"quote", `l'Oréal`, []span{{Start: 2, End: 8}}, `l'<mark>Oréal</mark>`},
		{"white space collapsed", "  un\n\n deux\ttrois  ", []span{{Start: 7, End: 11}}, `un <mark>deux</mark> trois`},
		{"overlapping and touching spans merge", "abcdef", []span{{Start: 0, End: 3}, {Start: 2, End: 4}, {Start: 4, End: 5}}, `<mark>abcde</mark>f`},
		{"spans out of range are clamped", "abc", []span{{Start: -5, End: 1}, {Start: 2, End: 99}}, `<mark>a</mark>b<mark>c</mark>`},
		{"inverted and empty spans are dropped", "abc", []span{{Start: 2, End: 1}, {Start: 1, End: 1}}, `abc`},
		{"mid-rune spans widen to whole runes", "été", []span{{Start: 1, End: 3}}, `<mark>ét</mark>é`},
		{"elided article left out", "de l’hydro et d'eau", []span{{Start: 3, End: 12}, {Start: 16, End: 21}}, `de l’<mark>hydro</mark> et d'<mark>eau</mark>`},
		{"other apostrophes kept", "O'Brien aujourd'hui", []span{{Start: 0, End: 7}, {Start: 8, End: 19}}, `<mark>O'Brien</mark> <mark>aujourd'hui</mark>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := markup(highlightAll(tc.text, tc.spans)); got != tc.want {
				t.Errorf("highlightAll = %q, want %q", got, tc.want)
			}
			got := markups(highlight(tc.text, tc.spans, 3, 160))
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("highlight = %q, want [%q]", got, tc.want)
			}
		})
	}
}

func TestHighlightFragments(t *testing.T) {
	article, err := os.ReadFile(filepath.Join("testdata", "highlight_article.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(article)
	t.Run("cut at spaces, about the size asked", func(t *testing.T) {
		for _, size := range []int{40, 80, 160, 300} {
			frags := highlight(text, hlSpans(text, "Nvidia", "centres", "électricité"), 3, size)
			if len(frags) == 0 || len(frags) > 3 {
				t.Fatalf("size %d: %d fragments", size, len(frags))
			}
			for _, f := range frags {
				plain := strings.Trim(f.Text, ellipsis)
				if n := utf8.RuneCountInString(plain); n > size+2*wordSlack {
					t.Errorf("size %d: fragment of %d runes: %q", size, n, f.Text)
				}
				words := strings.Fields(hlCollapse(text))
				fw := strings.Fields(plain)
				if !slices.Contains(words, fw[0]) || !slices.Contains(words, fw[len(fw)-1]) {
					t.Errorf("size %d: fragment cut mid-word: %q", size, f.Text)
				}
			}
		}
	})
	t.Run("distinct terms before repeated ones", func(t *testing.T) {
		// "Nvidia" is in the first line and the last; "refroidissement" once
		// in the middle: two fragments show both terms.
		frags := markups(highlight(text, hlSpans(text, "Nvidia", "refroidissement"), 2, 120))
		joined := strings.Join(frags, "\n")
		if !strings.Contains(joined, "<mark>Nvidia</mark>") || !strings.Contains(joined, "<mark>refroidissement</mark>") {
			t.Errorf("fragments %q miss a term", frags)
		}
		if len(frags) != 2 || !strings.Contains(frags[0], "Nvidia") {
			t.Errorf("fragments %q are not in document order", frags)
		}
	})
	t.Run("densest window first", func(t *testing.T) {
		frags := markups(highlight(text, hlSpans(text, "Nvidia", "Norvège", "Oslo"), 1, 200))
		if len(frags) != 1 || strings.Count(frags[0], "<mark>") < 3 {
			t.Errorf("got %q, want one fragment with Nvidia, Oslo and Norvège", frags)
		}
	})
	t.Run("ellipses where text was cut", func(t *testing.T) {
		frags := markups(highlight(text, hlSpans(text, "emplois"), 1, 60))
		if len(frags) != 1 || !strings.HasPrefix(frags[0], ellipsis) || !strings.HasSuffix(frags[0], ellipsis) {
			t.Errorf("got %q", frags)
		}
		frags = markups(highlight(text, hlSpans(text, "Nvidia investit"), 1, 60))
		if len(frags) != 1 || strings.HasPrefix(frags[0], ellipsis) {
			t.Errorf("a fragment at the start has no leading ellipsis: %q", frags)
		}
	})
	t.Run("no span gives the start of the text", func(t *testing.T) {
		frags := markups(highlight(text, nil, 3, 50))
		if len(frags) != 1 || frags[0] != markup(snippet(text, 50)) || strings.Contains(frags[0], "<mark>") {
			t.Errorf("got %q", frags)
		}
		if frags := highlight(" \n ", nil, 3, 50); frags != nil {
			t.Errorf("blank text: %q", markups(frags))
		}
	})
	t.Run("defaults", func(t *testing.T) {
		got := markups(highlight(text, hlSpans(text, "Nvidia", "centres"), 0, 0))
		want := markups(highlight(text, hlSpans(text, "Nvidia", "centres"), defaultFragments, defaultFragmentRunes))
		if !slices.Equal(got, want) {
			t.Errorf("zero arguments: %q, want defaults %q", got, want)
		}
	})
	t.Run("a long word without space", func(t *testing.T) {
		long := strings.Repeat("x", 500) + " Nvidia " + strings.Repeat("y", 500)
		frags := markups(highlight(long, hlSpans(long, "Nvidia"), 1, 40))
		if len(frags) != 1 || !strings.Contains(frags[0], "<mark>Nvidia</mark>") || utf8.RuneCountInString(frags[0]) > 40+2*wordSlack+20 {
			t.Errorf("got %q", frags)
		}
	})
}

func TestSnippet(t *testing.T) {
	tests := []struct {
		text string
		size int
		want string
	}{
		{"", 10, ""},
		{"  \n ", 10, ""},
		{"court", 10, "court"},
		{"  un deux trois quatre", 10, "un deux…"},
		{"un <b>deux</b> trois", 14, "un <b>deux</b>…"},
		{"un <b>deux</b> trois", 12, "un…"},
		{"été été été", 5, "été…"},
		{strings.Repeat("é", 30), 10, strings.Repeat("é", 30)}, // a word is not cut when a space is near
		{strings.Repeat("é", 300), 10, strings.Repeat("é", 10) + "…"},
		{"a b", 0, "a b"},
	}
	for _, tc := range tests {
		if got := markup(snippet(tc.text, tc.size)); got != tc.want {
			t.Errorf("snippet(%q, %d) = %q, want %q", tc.text, tc.size, got, tc.want)
		}
	}
}

func TestSpansOf(t *testing.T) {
	dm := &search.DocumentMatch{Locations: search.FieldTermLocationMap{
		"body_fr": {
			"nvidia": {{Start: 10, End: 16}, {Start: 40, End: 46}},
			"centr":  {{Start: 20, End: 27}, {Start: 1, End: 2, ArrayPositions: []uint64{1}}, nil},
		},
		"title_fr": {"nvidia": {{Start: 0, End: 6}}},
	}}
	got := spansOf(dm, "body_fr")
	slices.SortFunc(got, func(a, b span) int { return a.Start - b.Start })
	want := []span{{10, 16, "nvidia"}, {20, 27, "centr"}, {40, 46, "nvidia"}}
	if !slices.Equal(got, want) {
		t.Errorf("spansOf = %v, want %v", got, want)
	}
	if spansOf(nil, "x") != nil || spansOf(dm, "body_en") != nil {
		t.Error("spansOf of nothing is not empty")
	}
}

// TestHighlightGolden runs queries on an index of the test article and
// compares its highlights (the query's matches found by pageLocations)
// with testdata/highlight_<name>.golden (go test ./index -run
// HighlightGolden -update-highlight rewrites them).
func TestHighlightGolden(t *testing.T) {
	article, err := os.ReadFile(filepath.Join("testdata", "highlight_article.txt"))
	if err != nil {
		t.Fatal(err)
	}
	title, body, _ := strings.Cut(string(article), "\n")
	idx := qtIndex(t, []qtDoc{{"a", "fr", title, body}})
	builder, err := newDocBuilder(idx.Mapping())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, q string }{
		{"words", "nvidia norvège"},
		{"stems", "investissements électricité"},
		{"phrase", `"centres de données"`},
		{"typo", "refroidisement"},
		{"prefix", "hydro"},
		{"any", "microsoft amazon emplois"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := compileTextQuery(tc.q, ModeAny, idx.Mapping(), textQueryOptions{Prefix: tc.name == "prefix"})
			if err != nil {
				t.Fatal(err)
			}
			res, err := idx.SearchInContext(context.Background(), bleve.NewSearchRequest(q.Query))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) != 1 {
				t.Fatalf("%q: %d hits", tc.q, len(res.Hits))
			}
			tree, ok := matchTree(q.Query, q.Log)
			if !ok {
				t.Fatalf("%q: no match tree", tc.q)
			}
			hit := Hit{Article: corpus.Article{ID: "a", Language: "fr", Title: title, Body: body}}
			dm := &search.DocumentMatch{Locations: pageLocations(builder, []Hit{hit}, tree)[0]}
			var b strings.Builder
			b.WriteString("query: " + tc.q + "\ntitle: " + markup(highlightAll(title, spansOf(dm, "title_fr"))) + "\n")
			for _, f := range markups(highlight(body, spansOf(dm, "body_fr"), 3, 160)) {
				b.WriteString("body: " + f + "\n")
			}
			path := filepath.Join("testdata", "highlight_"+tc.name+".golden")
			if *updateHighlight {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("%s:\ngot:\n%s\nwant:\n%s", path, b.String(), want)
			}
		})
	}
}

// hlCollapse trims s and collapses its white space runs to one space, as
// the highlighter does.
func hlCollapse(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			space = true
		} else {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// hlCheckFragment checks one fragment: marks sorted, disjoint, not
// empty, within the text and on UTF-8 boundaries; valid UTF-8 when the
// text is.
func hlCheckFragment(t *testing.T, text string, f Fragment) {
	t.Helper()
	prev := -1
	for _, m := range f.Marks {
		if m.Start <= prev || m.End <= m.Start || m.End > len(f.Text) {
			t.Fatalf("bad marks %v in %q (text %q)", f.Marks, f.Text, text)
		}
		if !utf8.RuneStart(f.Text[m.Start]) || m.End < len(f.Text) && !utf8.RuneStart(f.Text[m.End]) {
			t.Fatalf("mark %v cuts a rune in %q", m, f.Text)
		}
		prev = m.End
	}
	if utf8.ValidString(text) && !utf8.ValidString(f.Text) {
		t.Fatalf("invalid UTF-8 in %q", f.Text)
	}
}

func FuzzHighlight(f *testing.F) {
	f.Add("Le géant Nvidia investit en Norvège.", []byte{9, 0, 15, 0}, uint8(3), uint8(20))
	f.Add("a <script>alert(1)</script> & b", []byte{2, 0, 30, 0, 0, 0, 1, 0}, uint8(1), uint8(5))
	f.Add("été\xffà\n\n  x", []byte{1, 0, 2, 0, 5, 0, 200, 0}, uint8(2), uint8(3))
	f.Add(strings.Repeat("mot ", 200), []byte{0, 0, 3, 0, 100, 0, 103, 0, 250, 2, 253, 2}, uint8(3), uint8(30))
	f.Fuzz(func(t *testing.T, text string, raw []byte, nFrag, size uint8) {
		var spans []span
		for i := 0; i+3 < len(raw); i += 4 {
			s := int(raw[i]) | int(raw[i+1])<<8
			e := int(raw[i+2]) | int(raw[i+3])<<8
			spans = append(spans, span{Start: s - 100, End: e - 100})
		}
		frags := highlight(text, spans, int(nFrag%5), int(size))
		maxF := int(nFrag % 5)
		if maxF == 0 {
			maxF = defaultFragments
		}
		if len(frags) > maxF {
			t.Fatalf("%d fragments, at most %d", len(frags), maxF)
		}
		whole := hlCollapse(text)
		pos, visible := 0, 0
		for _, fr := range frags {
			hlCheckFragment(t, text, fr)
			plain := hlCollapse(strings.TrimSuffix(strings.TrimPrefix(fr.Text, ellipsis), ellipsis))
			visible += len(plain)
			i := strings.Index(whole[pos:], plain)
			if i < 0 {
				t.Fatalf("fragment %q is not in the text after byte %d: %q", plain, pos, whole)
			}
			pos += i + len(plain)
		}
		if visible > len(text) {
			t.Fatalf("fragments show %d bytes of a %d-byte text", visible, len(text))
		}
		all := highlightAll(text, spans)
		hlCheckFragment(t, text, all)
		if got := hlCollapse(all.Text); got != whole {
			t.Fatalf("highlightAll shows %q, want %q", got, whole)
		}
		sn := snippet(text, int(size))
		hlCheckFragment(t, text, sn)
		if p := hlCollapse(strings.TrimSuffix(sn.Text, ellipsis)); !strings.HasPrefix(whole, p) {
			t.Fatalf("snippet %q is not the start of %q", p, whole)
		}
	})
}

// BenchmarkHighlight measures the body highlight of one hit: the test
// article (1.3 KB, 3 terms), and the same repeated 40 times (50 KB, 480
// spans).
//
//	go test ./index -run '^$' -bench Highlight
func BenchmarkHighlight(b *testing.B) {
	article, err := os.ReadFile(filepath.Join("testdata", "highlight_article.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 40} {
		text := strings.Repeat(string(article), n)
		spans := hlSpans(text, "Nvidia", "centres", "Norvège")
		b.Run(fmt.Sprintf("%dKB", len(text)/1000), func(b *testing.B) {
			for b.Loop() {
				highlight(text, spans, 3, 160)
			}
		})
	}
}
