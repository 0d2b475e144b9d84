package api

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"veille/corpus"
)

func TestDecodeArticleJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    corpus.Article
		wantErr string
	}{
		{name: "full", in: `{"id":"a","title":" T ","body":"B","url":"u","source":"s","published":"2025-09-19","language":"FR"}`,
			want: corpus.Article{ID: "a", Title: "T", Body: "B", URL: "u", Source: "s", Language: "fr",
				Published: time.Date(2025, 9, 19, 0, 0, 0, 0, time.UTC)}},
		{name: "text and date aliases (OrangeSum lines)", in: `{"id":"1","url":"u","date":"2019-05-02","category":"x","title":"T","text":"B"}`,
			want: corpus.Article{ID: "1", Title: "T", Body: "B", URL: "u", Published: time.Date(2019, 5, 2, 0, 0, 0, 0, time.UTC)}},
		{name: "extracted fields ignored", in: `{"title":"T","companies":["X"],"amounts":[{"value":1}]}`, want: corpus.Article{Title: "T"}},
		{name: "number title", in: `{"title":1}`, wantErr: `field "title" must be a string`},
		{name: "syntax", in: `{"title":"a" "body":"b"}`, wantErr: "invalid JSON at byte"},
		{name: "array", in: `[{"title":"a"}]`, wantErr: "NDJSON"},
		{name: "empty", in: "  \n", wantErr: "empty"},
		{name: "bad date", in: `{"published":"hier"}`, wantErr: `"hier"`},
		{name: "invalid UTF-8", in: "{\"title\":\"\xff\"}", wantErr: "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeArticleJSON([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !(errors.Is(err, errDecode) || errors.Is(err, corpus.ErrMalformed)) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a decoding error containing %q", err, tc.wantErr)
				}
				if status, code, _, _ := classify(err); status != 400 || code != codeInvalidArticle {
					t.Errorf("classified as %d %s", status, code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Published.Equal(tc.want.Published) {
				t.Errorf("published = %v, want %v", got.Published, tc.want.Published)
			}
			got.Published, tc.want.Published = time.Time{}, time.Time{}
			if got.ID != tc.want.ID || got.Title != tc.want.Title || got.Body != tc.want.Body || got.URL != tc.want.URL ||
				got.Source != tc.want.Source || got.Language != tc.want.Language || len(got.Companies) != 0 || len(got.Amounts) != 0 {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestContentID(t *testing.T) {
	a := corpus.Article{Title: "T", Body: "B"}
	id := contentID(a)
	if err := corpus.ValidateID(id); err != nil || id != contentID(a) {
		t.Fatalf("contentID = %q (%v)", id, err)
	}
	for _, other := range []corpus.Article{{Title: "T", Body: "B2"}, {Title: "TB"}, {Title: "T", Body: "B", URL: "u"}} {
		if contentID(other) == id {
			t.Errorf("%+v shares the id of %+v", other, a)
		}
	}
}

// FuzzDecodeArticleJSON: never panics; errors are decoding errors (a 400);
// articles hold valid UTF-8 only.
func FuzzDecodeArticleJSON(f *testing.F) {
	for _, s := range []string{`{"title":"a"}`, `{"published":"2025-02-30"}`, `{"title":1}`, `[`, `{"text":"\ud800"}`,
		`{"id":"x","body":"caf\u00e9"}`, "{\"title\":\"\xc3\"}", `{"published":"2025-09-19T25:00:00Z"}`, `null`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeArticleJSON(data)
		if err != nil {
			if !errors.Is(err, errDecode) && !errors.Is(err, corpus.ErrMalformed) {
				t.Fatalf("error %v wraps neither errDecode nor corpus.ErrMalformed", err)
			}
			return
		}
		for _, s := range []string{a.ID, a.Title, a.Body, a.URL, a.Source, a.Language} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %+v", a)
			}
		}
	})
}
