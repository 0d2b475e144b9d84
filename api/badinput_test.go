package api

// Hostile and broken input through the real router, the real index and the
// real extractor: every request gets an answer within a deadline, bad input
// gets a 4xx with the contract's error body (never a 5xx), nothing bad is
// stored, and the service keeps serving afterwards.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"veille/corpus"
)

// answerWithin is how long one request may take before the test calls it a hang.
const answerWithin = 20 * time.Second

// doWithin is do with a deadline: a request that does not return within
// answerWithin fails the test instead of hanging it.
func doWithin(t *testing.T, s *Server, method, target, body string, opts ...reqOpt) *httptest.ResponseRecorder {
	t.Helper()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- do(t, s, method, target, body, opts...) }()
	select {
	case rec := <-done:
		return rec
	case <-time.After(answerWithin):
		t.Fatalf("%s %.200s: no answer within %s", method, target, answerWithin)
		return nil
	}
}

// wantClientError checks that rec is a 4xx with the contract's error body:
// a JSON object {"error": {"code", "message"}} with both set.
func wantClientError(t *testing.T, rec *httptest.ResponseRecorder, what string) errorDetail {
	t.Helper()
	if rec.Code < 400 || rec.Code >= 500 {
		t.Errorf("%s: status %d, want a 4xx; body %.300s", what, rec.Code, rec.Body)
		return errorDetail{}
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want JSON", what, ct)
	}
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Errorf("%s: error body is not JSON (%v): %.300s", what, err, rec.Body)
	}
	if body.Error.Code == "" || body.Error.Message == "" {
		t.Errorf("%s: error body lacks code or message: %.300s", what, rec.Body)
	}
	return body.Error
}

// hostileCorpus loads the seeds plus articles whose words share a prefix,
// so that a wildcard or regular expression would match many of them.
func hostileCorpus(t *testing.T, s *Server) {
	t.Helper()
	putSeeds(t, s)
	var nd strings.Builder
	for i := range 60 {
		w := "zorglub" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		fmt.Fprintf(&nd, `{"id":"zorg-%02d","title":"Le mot %s","body":"Un article sur %s et rien d'autre."}`+"\n", i, w, w)
	}
	rec := do(t, s, http.MethodPost, "/api/articles", nd.String(), loopback(), header("Content-Type", "application/x-ndjson"))
	if rec.Code != http.StatusOK {
		t.Fatalf("loading the corpus: %d %s", rec.Code, rec.Body)
	}
}

// TestHostileQueries sends queries built to break a parser or blow up a
// search: they run (the query language is lenient and has no wildcard or
// regular-expression syntax) or get a 400 naming the problem; never a
// 5xx, never a hang.
func TestHostileQueries(t *testing.T) {
	s, _ := realServer(t, Options{})
	hostileCorpus(t, s)

	manyTerms := strings.TrimSpace(strings.Repeat("nvidia ", 1000))
	tests := []struct {
		name   string
		q      string
		status int    // 200 or the expected 4xx
		code   string // for a 4xx
	}{
		{"unbalanced quote", `"centre de données`, 200, ""},
		{"unbalanced french quotes", `« Nvidia investit`, 200, ""},
		{"closing quote only", `nvidia"`, 200, ""},
		{"unbalanced parenthesis", `(nvidia`, 200, ""},
		{"closing parentheses", `nvidia))`, 200, ""},
		{"only parentheses", `((()))`, 200, ""},
		{"lone minus", `-`, 200, ""},
		{"lone plus", `+`, 200, ""},
		{"operators only", `- + -- ++ "" « »`, 200, ""},
		{"boolean words", `AND OR NOT`, 200, ""},
		{"exclusion only", `-nvidia`, 200, ""},
		{"field syntax", `title:nvidia _id:* +body:x^10`, 200, ""},
		{"fuzzy and boost syntax", `nvidia~2^100`, 200, ""},
		{"star", `*`, 200, ""},
		{"star prefix", `zo*`, 200, ""},
		{"question marks", `z?rglub?? n?idia`, 200, ""},
		{"regular expression", `/zorg.*/`, 200, ""},
		{"regular expression classes", `[a-z]+ .* \d{3}`, 200, ""},
		{"backslashes", `\\\"\\`, 200, ""},
		{"NUL byte", "nvi\x00dia", 200, ""},
		{"only NUL", "\x00", 200, ""},
		{"control characters", "\x1b[31mnvidia\x07\x7f\r\n\t", 200, ""},
		{"zero-width and bidi", "nvi\u200bdia \u202e", 200, ""},
		{"emoji and symbols", "🚀 € $ ¥ ™", 200, ""},
		{"32 words", words(32), 200, ""},
		{"33 words", words(33), 400, codeInvalidQuery},
		{"a repeated word counts once", strings.TrimSpace(strings.Repeat("mot ", 200)), 200, ""},
		{"1000 terms", manyTerms, 400, codeInvalidQuery},
		{"10000 characters", strings.Repeat("a", 10000), 400, codeInvalidQuery},
		{"10000 characters with spaces", strings.Repeat("ab ", 3334), 400, codeInvalidQuery},
		{"invalid UTF-8", "nvidia \xff\xfe", 400, codeInvalidParameter},
		{"truncated UTF-8", "donn\xc3", 400, codeInvalidParameter},
		{"UTF-16 surrogate (CESU)", "\xed\xa0\x80", 400, codeInvalidParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := doWithin(t, s, http.MethodGet, "/api/search?q="+url.QueryEscape(tc.q), "")
			if tc.status != http.StatusOK {
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
				}
				if e := wantClientError(t, rec, tc.name); e.Code != tc.code {
					t.Errorf("code %q, want %q (%s)", e.Code, tc.code, e.Message)
				}
				return
			}
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200: %.300s", rec.Code, rec.Body)
			}
			var res searchJSON
			decode(t, rec, &res)
		})
	}

	// No wildcard or regular-expression semantics: "zo*" is the two-letter
	// word "zo", too short to be a prefix, so it finds none of the 60
	// zorglub articles, and "/zorg.*/" is the word "zorg" (a prefix of
	// all 60, but prefix completions are capped).
	if res := search(t, s, "q="+url.QueryEscape("zo*")); res.Total != 0 {
		t.Errorf("q=zo* expanded as a wildcard: %d hits", res.Total)
	}
	if res := search(t, s, "q="+url.QueryEscape("z?rglub*")); res.Total != 0 {
		t.Errorf("q=z?rglub* expanded as a wildcard: %d hits", res.Total)
	}
	if res := search(t, s, "q="+url.QueryEscape("zorg* nvidia")); res.Total != 0 {
		t.Errorf("q=\"zorg* nvidia\": a non-final word expanded as a wildcard: %d hits", res.Total)
	}
	// Queries without a word mean "everything", as an empty q does: no
	// expansion either.
	all := search(t, s, "per_page=1").Total
	for _, q := range []string{"*", "/.*/", "((()))", "\x00"} {
		if got := search(t, s, "per_page=1&q="+url.QueryEscape(q)).Total; got != all {
			t.Errorf("q=%q: %d hits, want %d (every article, like an empty q)", q, got, all)
		}
	}
	// NUL and control characters are spaces: "nvi\x00dia" searches "nvi dia".
	if res := search(t, s, "q="+url.QueryEscape("\x1bnvidia\x07")); res.Total == 0 {
		t.Errorf("q=ESC nvidia BEL: no hit; control characters should act as spaces")
	}

	// The service keeps serving.
	if rec := do(t, s, http.MethodGet, "/healthz", ""); rec.Code != http.StatusOK {
		t.Fatalf("healthz after hostile queries: %d", rec.Code)
	}
	if res := search(t, s, "q=nvidia"); res.Total == 0 {
		t.Errorf("q=nvidia finds nothing after hostile queries")
	}
}

// words returns n distinct words ("mota motb ...").
func words(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = "mot" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return strings.Join(ws, " ")
}

// TestHostileSearchParameters sends absurd paging, amounts, dates, sorts,
// countries and cursors to the real engine: 400 with invalid_parameter or
// invalid_query and a message naming the parameter.
func TestHostileSearchParameters(t *testing.T) {
	s, _ := realServer(t, Options{})
	hostileCorpus(t, s)

	first := search(t, s, "q=zorglub&per_page=2")
	if first.NextCursor == "" {
		t.Fatalf("q=zorglub&per_page=2 gave no cursor (total %d)", first.Total)
	}
	cur := first.NextCursor
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name   string
		query  string
		code   string
		inMsg  string // a fragment of the message
		status int    // 0 means 400
	}{
		{"negative page", "page=-1", codeInvalidParameter, "page", 0},
		{"page zero is the first page", "page=0", "", "", 200},
		{"huge page", "page=1000000000", codeInvalidParameter, "too deep", 0},
		{"page overflowing int64", "page=99999999999999999999", codeInvalidParameter, "page", 0},
		{"fractional page", "page=1.5", codeInvalidParameter, "page", 0},
		{"hex page", "page=0x10", codeInvalidParameter, "page", 0},
		{"negative per_page", "per_page=-5", codeInvalidParameter, "per_page", 0},
		{"per_page zero is the default", "per_page=0", "", "", 200},
		{"per_page 101", "per_page=101", codeInvalidParameter, "per_page", 0},
		{"per_page absurd", "per_page=1e9", codeInvalidParameter, "per_page", 0},
		{"non-numeric per_page", "per_page=ten", codeInvalidParameter, "per_page", 0},
		{"non-numeric amount", "amount_min=beaucoup", codeInvalidParameter, "amount_min", 0},
		{"amount with currency", "amount_min=10%E2%82%AC", "", "", 200},
		{"amount with a unit", "amount_min=1,5%20Md", "", "", 200},
		{"amount with a word", "amount_min=beaucoup%20Md", codeInvalidParameter, "amount_min", 0},
		{"negative amount", "amount_max=-1", codeInvalidParameter, "amount_max", 0},
		{"infinite amount", "amount_min=1e400", codeInvalidParameter, "amount_min", 0},
		{"Infinity amount", "amount_max=Infinity", codeInvalidParameter, "amount_max", 0},
		{"NaN amount", "amount_min=NaN", codeInvalidParameter, "amount_min", 0},
		{"inverted amounts", "amount_min=10&amount_max=1", codeInvalidParameter, "amount_min", 0},
		{"unknown sort", "sort=popularity", codeInvalidParameter, "sort", 0},
		{"sort injection", "sort=" + url.QueryEscape("-date,_score"), codeInvalidParameter, "sort", 0},
		{"unknown mode", "mode=phrase", codeInvalidParameter, "mode", 0},
		{"malformed date", "from=hier", codeInvalidParameter, "from", 0},
		{"impossible date", "from=2025-02-30", codeInvalidParameter, "from", 0},
		{"month 13", "to=2025-13-01", codeInvalidParameter, "to", 0},
		{"french date", "to=19/09/2025", codeInvalidParameter, "to", 0},
		{"timestamp", "from=1758240000", codeInvalidParameter, "from", 0},
		{"inverted dates", "from=2025-09-20&to=2025-09-19", codeInvalidParameter, "after", 0},
		{"unknown country", "country=Atlantide", codeInvalidParameter, "country", 0},
		{"country NUL", "country=%00", codeInvalidParameter, "country", 0},
		{"country code of digits", "country=42", codeInvalidParameter, "country", 0},
		{"bad language", "lang=fra", codeInvalidParameter, "lang", 0},
		{"unknown parameter", "q=x&limit=5", codeInvalidParameter, "limit", 0},
		{"repeated q", "q=a&q=b", codeInvalidParameter, "q", 0},
		{"too many filter values", strings.Repeat("company=x&", 51), codeInvalidParameter, "company", 0},
		{"invalid UTF-8 filter", "company=%FF", codeInvalidParameter, "UTF-8", 0},
		{"bad highlight", "highlight=true", codeInvalidParameter, "highlight", 0},
		{"garbage cursor", "q=zorglub&per_page=2&cursor=not-a-cursor", codeInvalidQuery, "cursor", 0},
		{"tampered cursor: first byte", "q=zorglub&per_page=2&cursor=" + url.QueryEscape(flip(cur, 0)), codeInvalidQuery, "cursor", 0},
		{"tampered cursor: middle byte", "q=zorglub&per_page=2&cursor=" + url.QueryEscape(flip(cur, len(cur)/2)), codeInvalidQuery, "cursor", 0},
		{"tampered cursor: last byte", "q=zorglub&per_page=2&cursor=" + url.QueryEscape(flip(cur, len(cur)-1)), codeInvalidQuery, "cursor", 0},
		{"truncated cursor", "q=zorglub&per_page=2&cursor=" + url.QueryEscape(cur[:len(cur)/2]), codeInvalidQuery, "cursor", 0},
		{"cursor with junk appended", "q=zorglub&per_page=2&cursor=" + url.QueryEscape(cur+"AAAA"), codeInvalidQuery, "cursor", 0},
		{"cursor of another query", "q=nvidia&per_page=2&cursor=" + url.QueryEscape(cur), codeInvalidQuery, "another query", 0},
		{"cursor with another sort", "q=zorglub&per_page=2&sort=date&cursor=" + url.QueryEscape(cur), codeInvalidQuery, "cursor", 0},
		{"cursor with another per_page", "q=zorglub&per_page=3&cursor=" + url.QueryEscape(cur), codeInvalidQuery, "cursor", 0},
		{"cursor and page", "q=zorglub&per_page=2&page=2&cursor=" + url.QueryEscape(cur), codeInvalidParameter, "cursor", 0},
		{"huge cursor", "cursor=" + strings.Repeat("A", 5000), codeInvalidQuery, "cursor", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := doWithin(t, s, http.MethodGet, "/api/search?"+tc.query, "")
			want := tc.status
			if want == 0 {
				want = http.StatusBadRequest
			}
			if rec.Code != want {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, want, rec.Body)
			}
			if want == http.StatusOK {
				return
			}
			e := wantClientError(t, rec, tc.name)
			if e.Code != tc.code {
				t.Errorf("code %q, want %q (%s)", e.Code, tc.code, e.Message)
			}
			if !strings.Contains(e.Message, tc.inMsg) {
				t.Errorf("message %q does not name %q", e.Message, tc.inMsg)
			}
		})
	}
	// The genuine cursor still works after all that.
	if next := search(t, s, "q=zorglub&per_page=2&cursor="+url.QueryEscape(cur)); len(next.Hits) != 2 {
		t.Errorf("the untouched cursor gives %d hits, want 2", len(next.Hits))
	}
}

// TestHostileWrites sends broken write requests to the real index: each
// gets a 4xx with the contract's error body, and none stores anything.
func TestHostileWrites(t *testing.T) {
	const limit = 64 << 10
	s, idx := realServer(t, Options{BodyLimit: limit})
	putSeeds(t, s)
	before := search(t, s, "per_page=1").Total

	jsonCT := header("Content-Type", "application/json")
	textCT := header("Content-Type", "text/plain; charset=utf-8")
	ndjsonCT := header("Content-Type", "application/x-ndjson")
	chunked := func(r *http.Request) { r.ContentLength = -1 }
	big := `{"title": "gros", "body": "` + strings.Repeat("données ", limit/8) + `"}`
	longID := strings.Repeat("a", corpus.MaxIDLength+1)

	tests := []struct {
		name           string
		method, target string
		body           string
		opts           []reqOpt
		status         int
		code           string
	}{
		// Bodies.
		{"invalid JSON", "PUT", "/api/articles/w1", `{"title": "x",}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"truncated JSON", "PUT", "/api/articles/w1", `{"title": "x", "body": "y`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"two objects", "PUT", "/api/articles/w1", `{"title": "x"} {"title": "y"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"JSON null", "PUT", "/api/articles/w1", `null`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"JSON string", "PUT", "/api/articles/w1", `"un article"`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"JSON array", "POST", "/api/articles", `[{"title": "x"}]`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"title is a number", "PUT", "/api/articles/w1", `{"title": 42, "body": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"body is an array", "PUT", "/api/articles/w1", `{"title": "x", "body": ["a"]}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"published is a number", "PUT", "/api/articles/w1", `{"title": "x", "published": 20250919}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"id is an object", "POST", "/api/articles", `{"id": {"a": 1}, "title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"empty body", "PUT", "/api/articles/w1", ``, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"blank body", "POST", "/api/articles", " \n\t ", []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"empty object", "PUT", "/api/articles/w1", `{}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"missing text", "POST", "/api/articles", `{"url": "https://exemple.fr", "source": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"blank text", "PUT", "/api/articles/w1", `{"title": "   ", "body": "\n"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"empty raw text", "PUT", "/api/articles/w1", ``, []reqOpt{textCT}, 400, codeInvalidArticle},
		{"invalid UTF-8 JSON", "PUT", "/api/articles/w1", "{\"title\": \"caf\xe9\"}", []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"invalid UTF-8 text", "PUT", "/api/articles/w1", "Titre\n\ncaf\xe9 cr\xe8me", []reqOpt{textCT}, 400, codeInvalidArticle},
		{"date that does not parse", "PUT", "/api/articles/w1", `{"title": "x", "published": "demain matin"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"impossible date", "PUT", "/api/articles/w1", `{"title": "x", "published": "2025-02-30"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"hour 25", "PUT", "/api/articles/w1", `{"title": "x", "published": "2025-09-19T25:00:00Z"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"bad language", "PUT", "/api/articles/w1", `{"title": "x", "language": "français"}`, []reqOpt{jsonCT}, 400, codeInvalidArticle},
		{"body id differs from path", "PUT", "/api/articles/w1", `{"id": "w2", "title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		// Sizes.
		{"body over the limit", "PUT", "/api/articles/w1", big, []reqOpt{jsonCT}, 413, codeTooLarge},
		{"chunked body over the limit", "PUT", "/api/articles/w1", big, []reqOpt{jsonCT, chunked}, 413, codeTooLarge},
		{"raw text over the limit", "PUT", "/api/articles/w1", strings.Repeat("Texte. ", limit/6), []reqOpt{textCT, chunked}, 413, codeTooLarge},
		{"NDJSON over the limit", "POST", "/api/articles", strings.Repeat(`{"title": "x"}`+"\n", limit/14+10), []reqOpt{ndjsonCT, chunked}, 413, codeTooLarge},
		// Media types.
		{"form", "PUT", "/api/articles/w1", `title=x`, []reqOpt{header("Content-Type", "application/x-www-form-urlencoded")}, 415, codeUnsupportedType},
		{"multipart", "POST", "/api/articles", "--b\r\n\r\nx\r\n--b--", []reqOpt{header("Content-Type", "multipart/form-data; boundary=b")}, 415, codeUnsupportedType},
		{"XML", "PUT", "/api/articles/w1", `<article/>`, []reqOpt{header("Content-Type", "application/xml")}, 415, codeUnsupportedType},
		{"no content type", "PUT", "/api/articles/w1", `{"title": "x"}`, nil, 415, codeUnsupportedType},
		{"raw text on POST", "POST", "/api/articles", `Titre`, []reqOpt{textCT}, 415, codeUnsupportedType},
		{"latin-1 charset", "PUT", "/api/articles/w1", `{"title": "x"}`, []reqOpt{header("Content-Type", "application/json; charset=iso-8859-1")}, 415, codeUnsupportedType},
		{"garbled content type", "PUT", "/api/articles/w1", `{"title": "x"}`, []reqOpt{header("Content-Type", ";;;===")}, 415, codeUnsupportedType},
		// Ids.
		{"id with an encoded slash", "PUT", "/api/articles/a%2Fb", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id traversal, encoded", "PUT", "/api/articles/..%2F..%2Fetc%2Fpasswd", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id dot dot, encoded", "PUT", "/api/articles/%2e%2e", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id dot dot", "PUT", "/api/articles/..", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id with dot dot inside", "PUT", "/api/articles/a..b", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"hidden id", "PUT", "/api/articles/.env", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id with a backslash", "PUT", "/api/articles/a%5Cb", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id with NUL", "PUT", "/api/articles/a%00b", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id with a space", "PUT", "/api/articles/a%20b", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id invalid UTF-8", "PUT", "/api/articles/a%FFb", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"id too long", "PUT", "/api/articles/" + longID, `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"body id traversal", "POST", "/api/articles", `{"id": "../../x", "title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"delete traversal", "DELETE", "/api/articles/..%2Fsecret", "", nil, 400, codeInvalidID},
		{"get traversal", "GET", "/api/articles/..%2F..%2Fgo.mod", "", nil, 400, codeInvalidID},
		{"unescaped traversal", "PUT", "/api/articles/../../x", `{"title": "x"}`, []reqOpt{jsonCT}, 400, codeInvalidID},
		{"delete absent", "DELETE", "/api/articles/absent", "", nil, 404, codeNotFound},
		{"get absent", "GET", "/api/articles/absent", "", nil, 404, codeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := doWithin(t, s, tc.method, tc.target, tc.body, append([]reqOpt{loopback()}, tc.opts...)...)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
			}
			if e := wantClientError(t, rec, tc.name); e.Code != tc.code {
				t.Errorf("code %q, want %q (%s)", e.Code, tc.code, e.Message)
			}
		})
	}

	if after := search(t, s, "per_page=1").Total; after != before {
		t.Errorf("failed writes changed the index: %d articles before, %d after", before, after)
	}
	if _, err := idx.Get(t.Context(), "w1"); err == nil {
		t.Errorf("article w1 was stored by a failed write")
	}
	if rec := do(t, s, http.MethodPut, "/api/articles/w1", `{"title": "Un article correct", "body": "Il arrive après les erreurs."}`, loopback(), jsonCT); rec.Code != http.StatusCreated {
		t.Errorf("a good write after the bad ones: %d %s", rec.Code, rec.Body)
	}
}

// TestBulkWithBrokenLines posts NDJSON where some lines are broken: the
// good lines are stored and searchable, the bad ones are reported by line
// number with a code and a message, and the answer is 200.
func TestBulkWithBrokenLines(t *testing.T) {
	s, idx := realServer(t, Options{})
	lines := []string{
		`{"id": "ok-1", "title": "Airbus livre des avions", "body": "Airbus a livré 60 avions en septembre."}`, // 1
		`{"id": "bad-json", "title": "x"`, // 2: truncated
		``,                                // 3: blank, skipped
		`{"id": "ok-2", "text": "Safran signe un contrat de 2 milliards d'euros."}`, // 4
		`{"id": "../etc/passwd", "title": "traversal"}`,                             // 5: invalid id
		`{"id": "bad-type", "title": ["x"]}`,                                        // 6: wrong type
		`{"id": "bad-date", "title": "x", "published": "31/02/2025"}`,               // 7: bad date
		"{\"id\": \"bad-utf8\", \"title\": \"caf\xe9\"}",                            // 8: invalid UTF-8
		`{"id": "no-text", "url": "https://exemple.fr"}`,                            // 9: no text
		`[1, 2, 3]`, // 10: not an object
		`{"id": "ok-3", "title": "Thales recrute"}`, // 11
		"\x00\x01\x02", // 12: binary junk
		`{"id": "ok-1", "title": "Airbus livre plus"}`, // 13: replaces line 1
	}
	rec := doWithin(t, s, http.MethodPost, "/api/articles", strings.Join(lines, "\n"), loopback(), header("Content-Type", "application/x-ndjson"))
	if rec.Code != http.StatusOK {
		t.Fatalf("bulk: %d %s", rec.Code, rec.Body)
	}
	var rep bulkJSON
	decode(t, rec, &rep)
	wantStatus := map[int]string{1: "created", 2: "error", 4: "created", 5: "error", 6: "error", 7: "error",
		8: "error", 9: "error", 10: "error", 11: "created", 12: "error", 13: "updated"}
	got := map[int]bulkItemJSON{}
	for _, it := range rep.Items {
		got[it.Line] = it
	}
	for line, want := range wantStatus {
		it, ok := got[line]
		if !ok {
			t.Errorf("line %d not reported", line)
			continue
		}
		if it.Status != want {
			t.Errorf("line %d: status %q, want %q (%+v)", line, it.Status, want, it.Error)
		}
		if want == "error" && (it.Error == nil || it.Error.Code == "" || it.Error.Message == "") {
			t.Errorf("line %d: error without code or message: %+v", line, it)
		}
	}
	if _, ok := got[3]; ok {
		t.Errorf("blank line 3 reported: %+v", got[3])
	}
	if rep.Lines != len(wantStatus) || rep.Created != 3 || rep.Updated != 1 || rep.Failed != 8 {
		t.Errorf("summary: %d lines, %d created, %d updated, %d failed", rep.Lines, rep.Created, rep.Updated, rep.Failed)
	}
	for _, id := range []string{"ok-1", "ok-2", "ok-3"} {
		if _, err := idx.Get(t.Context(), id); err != nil {
			t.Errorf("good line %s not stored: %v", id, err)
		}
	}
	for _, id := range []string{"bad-json", "bad-type", "bad-date", "bad-utf8", "no-text"} {
		if _, err := idx.Get(t.Context(), id); err == nil {
			t.Errorf("bad line %s was stored", id)
		}
	}
	if res := search(t, s, "q=safran"); res.Total != 1 || res.Hits[0].ID != "ok-2" {
		t.Errorf("q=safran: %+v", res.Hits)
	}
	if res := search(t, s, "q=airbus"); res.Total != 1 || !strings.Contains(res.Hits[0].Title, "plus") {
		t.Errorf("q=airbus: the last line for ok-1 should win: %+v", res.Hits)
	}
}

// TestAuthWithRealIndex checks every write route with an admin key: no
// key, a wrong key, the key in the wrong place or scheme get 401 with the
// contract's body, and nothing is written.
func TestAuthWithRealIndex(t *testing.T) {
	const key = "correct horse battery staple"
	s, idx := realServer(t, Options{AdminKey: key})
	body := `{"title": "Tentative", "body": "Un article qui ne doit pas entrer."}`
	jsonCT := header("Content-Type", "application/json")
	cookie := header("Cookie", "key="+url.QueryEscape(key))
	tests := []struct {
		name string
		opts []reqOpt
	}{
		{"no key", nil},
		{"no key from loopback", []reqOpt{loopback()}},
		{"wrong key", []reqOpt{header("Authorization", "Bearer wrong")}},
		{"empty bearer", []reqOpt{header("Authorization", "Bearer ")}},
		{"bearer only", []reqOpt{header("Authorization", "Bearer")}},
		{"key with a suffix", []reqOpt{header("Authorization", "Bearer "+key+"x")}},
		{"key without its last byte", []reqOpt{header("Authorization", "Bearer "+key[:len(key)-1])}},
		{"key in upper case", []reqOpt{header("Authorization", "Bearer "+strings.ToUpper(key))}},
		{"key without a scheme", []reqOpt{header("Authorization", key)}},
		{"token scheme", []reqOpt{header("Authorization", "Token "+key)}},
		{"basic scheme", []reqOpt{header("Authorization", "Basic "+key)}},
		{"key in X-Api-Key", []reqOpt{header("X-Api-Key", key)}},
		{"key in X-Admin-Key", []reqOpt{header("X-Admin-Key", key)}},
		{"key in a cookie", []reqOpt{cookie}},
		{"key in Proxy-Authorization", []reqOpt{header("Proxy-Authorization", "Bearer "+key)}},
	}
	routes := []struct{ method, target string }{
		{http.MethodPut, "/api/articles/intrus"},
		{http.MethodPost, "/api/articles"},
		{http.MethodPost, "/api/articles?key=" + url.QueryEscape(key)},
		{http.MethodDelete, "/api/articles/intrus"},
		{http.MethodPost, "/api/reindex"},
	}
	for _, tc := range tests {
		for _, r := range routes {
			t.Run(tc.name+"/"+r.method+" "+r.target, func(t *testing.T) {
				rec := doWithin(t, s, r.method, r.target, body, append([]reqOpt{jsonCT}, tc.opts...)...)
				if rec.Code != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401: %s", rec.Code, rec.Body)
				}
				if e := wantClientError(t, rec, tc.name); e.Code != codeUnauthorized {
					t.Errorf("code %q", e.Code)
				}
				if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
				}
			})
		}
	}
	if st, err := idx.Stats(t.Context()); err != nil || st.Articles != 0 {
		t.Errorf("unauthorized writes stored %d articles (err %v)", st.Articles, err)
	}
	rec := do(t, s, http.MethodPut, "/api/articles/admis", body, jsonCT, header("Authorization", "Bearer "+key))
	if rec.Code != http.StatusCreated {
		t.Errorf("the right key: %d %s", rec.Code, rec.Body)
	}
}

// TestSearchDeadlineOnRealIndex runs real searches under a deadline too
// short to finish: the answer is a prompt 503 "timeout" with the contract's
// body, not a hang, and the next search with time to spare succeeds.
func TestSearchDeadlineOnRealIndex(t *testing.T) {
	s, _ := realServer(t, Options{SearchTimeout: time.Nanosecond})
	hostileCorpus(t, s)
	for _, q := range []string{"", "zorglub", "centre de données", "nvidia investit"} {
		rec := doWithin(t, s, http.MethodGet, "/api/search?q="+url.QueryEscape(q), "")
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("q=%q with a 1 ns deadline: status %d, want 503: %s", q, rec.Code, rec.Body)
		}
		var body errorBody
		decode(t, rec, &body)
		if body.Error.Code != codeTimeout || body.Error.Message == "" {
			t.Errorf("q=%q: error %+v, want code %q", q, body.Error, codeTimeout)
		}
	}
}

// TestLargeBodiesAnswer sends bodies just under the limit, built to be
// costly (thousands of short, distinct, random lines; one huge line): the
// service answers each within answerWithin, without a 5xx. Parsing and
// extraction must stay linear in the body's size: a quadratic step turns
// one 10 MiB request into minutes of CPU.
func TestLargeBodiesAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("megabytes of text through the real extractor")
	}
	const size = 2 << 20
	s, _ := realServer(t, Options{BodyLimit: size + 1024})
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, size)
	const alphabet = " \n\naéèà.,:;0123456789ABCDEFGabcdefg-|#*€$%'\""
	for i := range random {
		random[i] = alphabet[rng.IntN(len(alphabet))]
	}
	var lines strings.Builder
	for i := 0; lines.Len() < size-100; i++ {
		fmt.Fprintf(&lines, "Ligne %d : Airbus et Safran, %d millions d'euros en France.\n", i, i%1000)
	}
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"random text", "text/plain; charset=utf-8", strings.ToValidUTF8(string(random), "")},
		{"many distinct lines", "text/plain", lines.String()},
		{"one huge line", "text/plain", strings.Repeat("Nvidia investit au Royaume-Uni ", size/31)},
		{"one huge line without spaces", "text/plain", strings.Repeat("Nvidia,investit,au,Royaume-Uni,", size/31)},
		// Bleve's French stemmer is quadratic in a run of one letter: the
		// analyzers drop words longer than analyzers.MaxWordRunes first.
		{"one huge word", "text/plain", "Un mot énorme\n\n" + strings.Repeat("a", size-32)},
		{"JSON with a huge word", "application/json", `{"title": "Énorme", "body": "Airbus ` + strings.Repeat("é", size/4) + ` Airbus"}`},
		{"JSON with a huge body", "application/json", `{"title": "Énorme", "body": "` + strings.Repeat("Mistral AI lève 600 millions d'euros. ", size/40) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			rec := doWithin(t, s, http.MethodPut, "/api/articles/large", tc.body, loopback(), header("Content-Type", tc.contentType))
			t.Logf("%d bytes: HTTP %d in %v", len(tc.body), rec.Code, time.Since(start).Round(time.Millisecond))
			if rec.Code >= 500 {
				t.Errorf("HTTP %d: %.300s", rec.Code, rec.Body)
			}
			// Words, and phrases (checked on the text, highlighted where
			// they occur: tens of thousands of times in the huge line).
			for _, q := range []string{"q=airbus+nvidia+mistral&mode=any", "q=%22investit+au+royaume%22+%22royaume+investit%22+%22mistral+ai%22&mode=any"} {
				start = time.Now()
				rec = doWithin(t, s, http.MethodGet, "/api/search?"+q, "")
				t.Logf("search %s: HTTP %d in %v", q, rec.Code, time.Since(start).Round(time.Millisecond))
				if rec.Code != http.StatusOK {
					t.Errorf("search %s after a large article: HTTP %d: %.300s", q, rec.Code, rec.Body)
				}
			}
		})
	}
}
