package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"veille/corpus"
	"veille/index"
)

func seedArticle() corpus.Article {
	return corpus.Article{
		ID:        "001_eda08fda6618b654",
		Title:     "Nvidia investit au Royaume-Uni",
		Body:      "Nvidia va investir 683 millions de dollars dans Nscale.",
		URL:       "https://example.com/nvidia",
		Source:    "example.com",
		Published: time.Date(2025, 9, 19, 0, 0, 0, 0, time.UTC),
		Language:  "fr",
		Companies: []string{"Nvidia", "Nscale"},
		Countries: []string{"GB"},
		Amounts:   []corpus.Amount{{Value: 683e6, Currency: "USD", EUR: 630e6, Text: "683 millions de dollars"}},
	}
}

// corpus30 is a filler article with a long body, for paging and gzip tests.
func corpus30(i int) corpus.Article {
	return corpus.Article{
		ID:    fmt.Sprintf("art-%02d", i),
		Title: fmt.Sprintf("Article numéro %d sur les centres de données", i),
		Body:  strings.Repeat("Les centres de données consomment de l'électricité. ", 20),
	}
}

func TestGetArticle(t *testing.T) {
	s, _ := testServer(t, newFake(seedArticle(), corpus.Article{ID: "bare", Title: "Sans rien"}), Options{})

	rec := do(t, s, http.MethodGet, "/api/articles/001_eda08fda6618b654", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var a articleJSON
	decode(t, rec, &a)
	if a.ID != "001_eda08fda6618b654" || a.Published != "2025-09-19" || a.CountryNames["GB"] == "" ||
		len(a.Amounts) != 1 || a.Amounts[0].EUR != 630e6 || a.Body == "" {
		t.Errorf("article = %+v", a)
	}

	// Extracted fields are [] and {} rather than null, optional ones absent.
	rec = do(t, s, http.MethodGet, "/api/articles/bare", "")
	for _, want := range []string{`"companies":[]`, `"countries":[]`, `"amounts":[]`, `"country_names":{}`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("bare article %s lacks %s", rec.Body, want)
		}
	}
	if strings.Contains(rec.Body.String(), "null") || strings.Contains(rec.Body.String(), `"published"`) {
		t.Errorf("bare article has null or an empty date: %s", rec.Body)
	}

	wantError(t, do(t, s, http.MethodGet, "/api/articles/missing", ""), http.StatusNotFound, codeNotFound, "not found")
	wantError(t, do(t, s, http.MethodGet, "/api/articles/..evil", ""), http.StatusBadRequest, codeInvalidID)
	wantError(t, do(t, s, http.MethodGet, "/api/articles/a%20b", ""), http.StatusBadRequest, codeInvalidID)
	wantError(t, do(t, s, http.MethodGet, "/api/articles/"+strings.Repeat("x", 201), ""), http.StatusBadRequest, codeInvalidID)
}

func TestFormatPublished(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Time{}, ""},
		{time.Date(2025, 9, 19, 0, 0, 0, 0, time.UTC), "2025-09-19"},
		{time.Date(2025, 9, 19, 14, 30, 0, 0, time.UTC), "2025-09-19T14:30:00Z"},
		{time.Date(2025, 9, 19, 0, 0, 0, 0, paris), "2025-09-19T00:00:00+02:00"},
		{time.Date(2025, 9, 19, 14, 30, 0, 0, paris), "2025-09-19T14:30:00+02:00"},
	}
	for _, tc := range tests {
		if got := formatPublished(tc.in); got != tc.want {
			t.Errorf("formatPublished(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPutArticle(t *testing.T) {
	const raw = "Accueil > Tech\nPartager\n\nNvidia investit massivement au Royaume-Uni\n\n16 septembre 2025\n\n" +
		"Le géant américain Nvidia a annoncé mardi un investissement de 683 millions de dollars dans la start-up britannique Nscale, " +
		"qui construit des centres de données au Royaume-Uni pour les modèles d'intelligence artificielle.\n\n" +
		"Cette annonce intervient lors de la visite d'État du président américain, accompagné de nombreux patrons de la tech.\n"
	tests := []struct {
		name        string
		id          string
		contentType string
		body        string
		status      int
		code        string   // error code when status >= 400
		fragments   []string // in the error message
		check       func(t *testing.T, a articleJSON)
	}{
		{name: "json created", id: "n1", contentType: "application/json",
			body:   `{"title": "Nvidia au Royaume-Uni", "body": "Nvidia va investir 683 millions de dollars.", "published": "2025-09-16", "url": "https://e.x/1"}`,
			status: http.StatusCreated,
			check: func(t *testing.T, a articleJSON) {
				if a.ID != "n1" || a.Published != "2025-09-16" || a.URL != "https://e.x/1" || len(a.Companies) != 1 || a.Countries[0] != "GB" || len(a.Amounts) != 1 {
					t.Errorf("stored = %+v", a)
				}
			}},
		{name: "json replaced", id: "existing", contentType: "application/json; charset=utf-8",
			body: `{"id": "existing", "text": "Texte remplacé", "published": "2025-09-16T08:30:00+02:00"}`, status: http.StatusOK,
			check: func(t *testing.T, a articleJSON) {
				if a.Body != "Texte remplacé" || a.Published != "2025-09-16T08:30:00+02:00" {
					t.Errorf("stored = %+v", a)
				}
			}},
		{name: "raw text", id: "raw1", contentType: "text/plain; charset=UTF-8", body: raw, status: http.StatusCreated,
			check: func(t *testing.T, a articleJSON) {
				if !strings.Contains(a.Title, "Nvidia") || !strings.Contains(a.Body, "683 millions") || strings.Contains(a.Body, "Partager") {
					t.Errorf("raw parsed into title %q body %q", a.Title, a.Body)
				}
			}},
		{name: "markdown", id: "md1", contentType: "text/markdown", body: "# Titre de l'article\n\nUn paragraphe assez long pour être le corps de l'article, avec une phrase complète.\n", status: http.StatusCreated},
		{name: "title without a body", id: "n13", contentType: "application/json", body: `{"title": "Un titre seul"}`,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"no body"}},
		{name: "title and a blank body", id: "n14", contentType: "application/json", body: `{"title": "Un titre", "body": " \n "}`,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"no body"}},
		{name: "raw text of a title only", id: "n15", contentType: "text/plain", body: "Un titre seul",
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"body"}},
		{name: "id mismatch", id: "n2", contentType: "application/json", body: `{"id": "other", "title": "x"}`,
			status: http.StatusBadRequest, code: codeInvalidID, fragments: []string{`"other"`, `"n2"`}},
		{name: "invalid json", id: "n3", contentType: "application/json", body: `{"title": "x",}`,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"invalid JSON"}},
		{name: "truncated json", id: "n3", contentType: "application/json", body: `{"title": "x"`,
			status: http.StatusBadRequest, code: codeInvalidArticle},
		{name: "wrong field type", id: "n4", contentType: "application/json", body: `{"title": 42, "body": "x"}`,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{`"title"`, "string", "number"}},
		{name: "bad date", id: "n5", contentType: "application/json", body: `{"title": "x", "published": "19/09/2025"}`,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"published", "19/09/2025"}},
		{name: "array", id: "n6", contentType: "application/json", body: `[{"title": "x"}]`,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"NDJSON"}},
		{name: "no text", id: "n7", contentType: "application/json", body: `{"url": "https://e.x"}`,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"title"}},
		{name: "empty body", id: "n8", contentType: "application/json", body: ``,
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"empty"}},
		{name: "invalid utf-8 json", id: "n9", contentType: "application/json", body: "{\"title\": \"caf\xe9\"}",
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"UTF-8"}},
		{name: "invalid utf-8 text", id: "n9", contentType: "text/plain", body: "Titre caf\xe9\n\ncorps",
			status: http.StatusBadRequest, code: codeInvalidArticle, fragments: []string{"UTF-8"}},
		{name: "invalid id", id: "bad..id", contentType: "application/json", body: `{"title": "x"}`,
			status: http.StatusBadRequest, code: codeInvalidID},
		{name: "form content type", id: "n10", contentType: "application/x-www-form-urlencoded", body: `{"title": "x"}`,
			status: http.StatusUnsupportedMediaType, code: codeUnsupportedType, fragments: []string{"application/json", "text/plain"}},
		{name: "no content type", id: "n11", body: `{"title": "x"}`,
			status: http.StatusUnsupportedMediaType, code: codeUnsupportedType},
		{name: "ndjson on put", id: "n12", contentType: "application/x-ndjson", body: `{"title": "x"}`,
			status: http.StatusUnsupportedMediaType, code: codeUnsupportedType},
		{name: "latin-1", id: "n13", contentType: "text/plain; charset=iso-8859-1", body: "Titre",
			status: http.StatusUnsupportedMediaType, code: codeUnsupportedType, fragments: []string{"UTF-8"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(corpus.Article{ID: "existing", Title: "Ancien"})
			s, _ := testServer(t, f, Options{})
			opts := []reqOpt{loopback()}
			if tc.contentType != "" {
				opts = append(opts, header("Content-Type", tc.contentType))
			}
			rec := do(t, s, http.MethodPut, "/api/articles/"+tc.id, tc.body, opts...)
			if tc.status >= 400 {
				wantError(t, rec, tc.status, tc.code, tc.fragments...)
				if len(f.articles) != 1 {
					t.Errorf("a failed write stored something: %v", f.articles)
				}
				return
			}
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == http.StatusCreated && rec.Header().Get("Location") != "/api/articles/"+tc.id {
				t.Errorf("Location = %q", rec.Header().Get("Location"))
			}
			var a articleJSON
			decode(t, rec, &a)
			if a.ID != tc.id {
				t.Errorf("id = %q, want %q", a.ID, tc.id)
			}
			if tc.check != nil {
				tc.check(t, a)
			}
			if _, ok := f.articles[tc.id]; !ok {
				t.Errorf("article %q not stored", tc.id)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{BodyLimit: 1024})
	big := `{"title": "x", "body": "` + strings.Repeat("a", 2000) + `"}`
	wantError(t, do(t, s, http.MethodPut, "/api/articles/big", big, loopback(), jsonBody()),
		http.StatusRequestEntityTooLarge, codeTooLarge)
	// Without a Content-Length (chunked), the limit applies while reading.
	chunked := func(r *http.Request) { r.ContentLength = -1 }
	wantError(t, do(t, s, http.MethodPut, "/api/articles/big", big, loopback(), jsonBody(), chunked),
		http.StatusRequestEntityTooLarge, codeTooLarge)
	wantError(t, do(t, s, http.MethodPost, "/api/articles", strings.Repeat(`{"title": "x"}`+"\n", 100),
		loopback(), header("Content-Type", "application/x-ndjson"), chunked),
		http.StatusRequestEntityTooLarge, codeTooLarge)
	if rec := do(t, s, http.MethodPut, "/api/articles/small", `{"title": "x", "body": "y"}`, loopback(), jsonBody()); rec.Code != http.StatusCreated {
		t.Errorf("small body = %d", rec.Code)
	}
}

func TestPostOneArticle(t *testing.T) {
	f := newFake()
	s, _ := testServer(t, f, Options{})
	body := `{"title": "Sans identifiant", "body": "Un article posté sans id."}`
	rec := do(t, s, http.MethodPost, "/api/articles", body, loopback(), jsonBody())
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var a articleJSON
	decode(t, rec, &a)
	if corpus.ValidateID(a.ID) != nil || rec.Header().Get("Location") != "/api/articles/"+a.ID {
		t.Fatalf("generated id %q, Location %q", a.ID, rec.Header().Get("Location"))
	}
	// The same content gets the same id: posting again replaces.
	rec = do(t, s, http.MethodPost, "/api/articles", body, loopback(), jsonBody())
	var again articleJSON
	decode(t, rec, &again)
	if rec.Code != http.StatusOK || again.ID != a.ID || len(f.articles) != 1 {
		t.Errorf("second post: %d id %q, %d articles", rec.Code, again.ID, len(f.articles))
	}
	rec = do(t, s, http.MethodPost, "/api/articles", `{"id": "chosen", "title": "Avec id"}`, loopback(), jsonBody())
	if rec.Code != http.StatusCreated || f.articles["chosen"].Title != "Avec id" {
		t.Errorf("post with id: %d %s", rec.Code, rec.Body)
	}
	wantError(t, do(t, s, http.MethodPost, "/api/articles", body, loopback(), header("Content-Type", "text/plain")),
		http.StatusUnsupportedMediaType, codeUnsupportedType, "application/x-ndjson")
}

func TestBulk(t *testing.T) {
	f := newFake(corpus.Article{ID: "old", Title: "Ancien"})
	s, _ := testServer(t, f, Options{})
	lines := []string{
		`{"id": "a1", "title": "Premier", "body": "Nvidia au Royaume-Uni"}`,
		`{"id": "old", "title": "Remplacé"}`,
		`{"title": "sans id"`, // broken JSON
		``,                    // blank: skipped, still counted as a line
		`{"id": "../x", "title": "id invalide"}`,
		`{"id": "a2", "title": 7}`,
		`{"id": "dup", "title": "version 1"}`,
		`{"title": "Sans identifiant", "body": "corps"}`,
		`{"id": "dup", "title": "version 2"}`,
		`{"id": "empty"}`,
	}
	rec := do(t, s, http.MethodPost, "/api/articles", strings.Join(lines, "\r\n")+"\n", loopback(),
		header("Content-Type", "application/x-ndjson"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var rep bulkJSON
	decode(t, rec, &rep)
	type want struct {
		line   int
		status string
		code   string
	}
	wants := []want{
		{1, "created", ""}, {2, "updated", ""}, {3, "error", codeInvalidArticle},
		{5, "error", codeInvalidID}, {6, "error", codeInvalidArticle}, {7, "created", ""},
		{8, "created", ""}, {9, "updated", ""}, {10, "error", codeInvalidArticle},
	}
	if len(rep.Items) != len(wants) {
		t.Fatalf("items = %+v", rep.Items)
	}
	for i, w := range wants {
		it := rep.Items[i]
		if it.Line != w.line || it.Status != w.status || (w.code == "") != (it.Error == nil) ||
			(it.Error != nil && (it.Error.Code != w.code || it.Error.Message == "")) {
			t.Errorf("item %d = %+v (error %+v), want %+v", i, it, it.Error, w)
		}
	}
	if rep.Lines != 9 || rep.Created != 3 || rep.Updated != 2 || rep.Failed != 4 {
		t.Errorf("summary = %+v", rep)
	}
	if f.articles["dup"].Title != "version 2" || f.articles["old"].Title != "Remplacé" || len(f.articles["a1"].Countries) != 1 {
		t.Errorf("stored: %+v", f.articles)
	}
	if rep.Items[6].ID == "" || f.articles[rep.Items[6].ID].Title != "Sans identifiant" {
		t.Errorf("generated id %q not stored", rep.Items[6].ID)
	}
	if !strings.Contains(rep.Items[4].Error.Message, "title") {
		t.Errorf("line 6 error message %q does not name the field", rep.Items[4].Error.Message)
	}

	for _, ct := range []string{"application/jsonl", "application/ndjson; charset=utf-8"} {
		rec := do(t, s, http.MethodPost, "/api/articles", `{"id": "j1", "title": "x"}`, loopback(), header("Content-Type", ct))
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", ct, rec.Code, rec.Body)
		}
	}
	wantError(t, do(t, s, http.MethodPost, "/api/articles", "\n\n", loopback(), header("Content-Type", "application/x-ndjson")),
		http.StatusBadRequest, codeInvalidArticle, "no article")
}

// TestBulkInPieces: a bulk body longer than one piece is read whole,
// lines across the pieces' bounds included, and a blank body of several
// pieces (a byte order mark, a no-break space across a bound) is refused.
func TestBulkInPieces(t *testing.T) {
	f := newFake()
	s, _ := testServer(t, f, Options{})
	var b strings.Builder
	n := 0
	for b.Len() < 2*bodyPiece+bodyPiece/2 {
		n++
		fmt.Fprintf(&b, `{"id": "p%d", "title": "Article %d", "body": "%s"}`+"\n", n, n, strings.Repeat("texte ", 40))
	}
	rec := do(t, s, http.MethodPost, "/api/articles", b.String(), loopback(), header("Content-Type", "application/x-ndjson"))
	var rep bulkJSON
	decode(t, rec, &rep)
	if rec.Code != http.StatusOK || rep.Lines != n || rep.Created != n || len(f.articles) != n {
		t.Fatalf("status %d, %+v lines, %d stored, want %d", rec.Code, rep.Lines, len(f.articles), n)
	}
	for _, i := range []int{1, n / 2, n} {
		if a := f.articles[fmt.Sprintf("p%d", i)]; a.Title != fmt.Sprintf("Article %d", i) {
			t.Errorf("article p%d stored as %+v", i, a)
		}
	}
	blank := "\uFEFF" + strings.Repeat(" ", bodyPiece-4) + "\u00a0\n\t" + strings.Repeat("\n", bodyPiece)
	wantError(t, do(t, s, http.MethodPost, "/api/articles", blank, loopback(), header("Content-Type", "application/x-ndjson")),
		http.StatusBadRequest, codeInvalidArticle, "no article")
	for _, tc := range []struct {
		body  pieces
		blank bool
	}{
		{nil, true},
		{pieces{[]byte("\xef\xbb"), []byte("\xbf \n")}, true},
		{pieces{[]byte(" \xc2"), []byte("\xa0")}, true},
		{pieces{[]byte(" \xc2"), []byte("\xa1")}, false},
		{pieces{[]byte("\n"), []byte(" {")}, false},
		{pieces{[]byte("\xef\xbb\xbf\xef\xbb\xbf")}, false}, // a second mark is text
	} {
		if got := tc.body.blank(); got != tc.blank {
			t.Errorf("%q.blank() = %v, want %v", tc.body, got, tc.blank)
		}
	}
}

func TestBulkServerErrorsPerLine(t *testing.T) {
	f := newFake()
	f.putErr = fmt.Errorf("put: %w", index.ErrReadOnly)
	s, logs := testServer(t, f, Options{})
	rec := do(t, s, http.MethodPost, "/api/articles", `{"id": "a", "title": "x"}`+"\n"+`{"id": "b", "title": "y"}`,
		loopback(), header("Content-Type", "application/x-ndjson"))
	var rep bulkJSON
	decode(t, rec, &rep)
	if rec.Code != http.StatusOK || rep.Failed != 2 || rep.Items[0].Error.Code != codeUnavailable {
		t.Errorf("%d %+v", rec.Code, rep)
	}
	if !strings.Contains(logs.String(), "bulk lines failed") {
		t.Errorf("server-side line failures are not logged:\n%s", logs)
	}
}

func TestDeleteArticle(t *testing.T) {
	f := newFake(seedArticle())
	s, _ := testServer(t, f, Options{})
	rec := do(t, s, http.MethodDelete, "/api/articles/001_eda08fda6618b654", "", loopback())
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete = %d %s", rec.Code, rec.Body)
	}
	wantError(t, do(t, s, http.MethodGet, "/api/articles/001_eda08fda6618b654", ""), http.StatusNotFound, codeNotFound)
	wantError(t, do(t, s, http.MethodDelete, "/api/articles/001_eda08fda6618b654", "", loopback()), http.StatusNotFound, codeNotFound)
	wantError(t, do(t, s, http.MethodDelete, "/api/articles/.hidden", "", loopback()), http.StatusBadRequest, codeInvalidID)
}

func TestWriteAuthorization(t *testing.T) {
	const key = "s3cret-key"
	put := func(s *Server, opts ...reqOpt) *httptest.ResponseRecorder {
		return do(t, s, http.MethodPut, "/api/articles/auth1", `{"title": "x", "body": "y"}`, append([]reqOpt{jsonBody()}, opts...)...)
	}
	withKey, _ := testServer(t, newFake(), Options{AdminKey: key})
	noKey, _ := testServer(t, newFake(), Options{})

	tests := []struct {
		name      string
		s         *Server
		opts      []reqOpt
		status    int
		code      string
		fragments []string
	}{
		{"key: missing", withKey, nil, http.StatusUnauthorized, codeUnauthorized, []string{"Authorization: Bearer"}},
		{"key: missing, even from loopback", withKey, []reqOpt{loopback()}, http.StatusUnauthorized, codeUnauthorized, nil},
		{"key: wrong", withKey, []reqOpt{header("Authorization", "Bearer nope")}, http.StatusUnauthorized, codeUnauthorized, []string{"wrong"}},
		{"key: prefix of the right one", withKey, []reqOpt{header("Authorization", "Bearer s3cret")}, http.StatusUnauthorized, codeUnauthorized, nil},
		{"key: other header", withKey, []reqOpt{header("X-Api-Key", key)}, http.StatusUnauthorized, codeUnauthorized, []string{"Authorization", "X-Api-Key"}},
		{"key: basic scheme", withKey, []reqOpt{header("Authorization", "Basic "+key)}, http.StatusUnauthorized, codeUnauthorized, []string{"Bearer"}},
		{"key: right", withKey, []reqOpt{header("Authorization", "Bearer "+key)}, http.StatusCreated, "", nil},
		{"key: right, lower-case scheme", withKey, []reqOpt{header("Authorization", "bearer "+key)}, http.StatusOK, "", nil},
		{"no key: remote", noKey, nil, http.StatusForbidden, codeForbidden, []string{"admin-key"}},
		{"no key: remote with spoofed X-Forwarded-For", noKey, []reqOpt{header("X-Forwarded-For", "127.0.0.1"), header("X-Real-Ip", "127.0.0.1")}, http.StatusForbidden, codeForbidden, nil},
		{"no key: IPv4 loopback", noKey, []reqOpt{loopback()}, http.StatusCreated, "", nil},
		{"no key: IPv6 loopback", noKey, []reqOpt{remote("[::1]:5000")}, http.StatusOK, "", nil},
		{"no key: other loopback", noKey, []reqOpt{remote("127.8.9.10:5000")}, http.StatusOK, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := put(tc.s, tc.opts...)
			if tc.code != "" {
				wantError(t, rec, tc.status, tc.code, tc.fragments...)
				if tc.status == http.StatusUnauthorized && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
				}
				return
			}
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
		})
	}

	// Every write route is guarded; reads are not.
	for _, r := range []struct{ method, target string }{
		{http.MethodPost, "/api/articles"}, {http.MethodDelete, "/api/articles/x"}, {http.MethodPost, "/api/reindex"},
	} {
		wantError(t, do(t, withKey, r.method, r.target, "", jsonBody()), http.StatusUnauthorized, codeUnauthorized)
		wantError(t, do(t, noKey, r.method, r.target, "", jsonBody()), http.StatusForbidden, codeForbidden)
	}
	for _, target := range []string{"/api/search?q=x", "/api/stats", "/api/articles/auth1", "/healthz", "/api/openapi.json"} {
		if rec := do(t, withKey, http.MethodGet, target, ""); rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d without a key", target, rec.Code)
		}
	}
}

func TestReindex(t *testing.T) {
	f := newFake(seedArticle())
	f.rebuildGate = make(chan struct{})
	s, _ := testServer(t, f, Options{})

	rec := do(t, s, http.MethodPost, "/api/reindex", "", loopback())
	if rec.Code != http.StatusAccepted {
		t.Fatalf("reindex = %d %s", rec.Code, rec.Body)
	}
	var st statsJSON
	decode(t, do(t, s, http.MethodGet, "/api/stats", ""), &st)
	if !st.Reindexing {
		t.Errorf("stats while rebuilding: %+v", st)
	}
	wantError(t, do(t, s, http.MethodPost, "/api/reindex", "", loopback()), http.StatusConflict, codeConflict)
	wantError(t, do(t, s, http.MethodPost, "/api/reindex?wait=true", "", loopback()), http.StatusConflict, codeConflict)

	close(f.rebuildGate)
	deadline := time.Now().Add(5 * time.Second)
	for st.Reindexing && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		decode(t, do(t, s, http.MethodGet, "/api/stats", ""), &st)
	}
	if st.Reindexing {
		t.Fatalf("still reindexing after the rebuild returned")
	}

	rec = do(t, s, http.MethodPost, "/api/reindex?wait=true", "", loopback())
	var done reindexJSON
	decode(t, rec, &done)
	if rec.Code != http.StatusOK || done.Status != "done" || done.Stats == nil || done.Stats.Articles != 1 {
		t.Errorf("reindex?wait=true = %d %s", rec.Code, rec.Body)
	}
	wantError(t, do(t, s, http.MethodPost, "/api/reindex?wait=maybe", "", loopback()), http.StatusBadRequest, codeInvalidParameter, "wait")
	wantError(t, do(t, s, http.MethodPost, "/api/reindex?force=1", "", loopback()), http.StatusBadRequest, codeInvalidParameter, "force")

	// A rebuild started elsewhere (by main, say) also conflicts.
	f.mu.Lock()
	f.rebuilding = true
	f.mu.Unlock()
	wantError(t, do(t, s, http.MethodPost, "/api/reindex", "", loopback()), http.StatusConflict, codeConflict)
	wantError(t, do(t, s, http.MethodPost, "/api/reindex?wait=1", "", loopback()), http.StatusConflict, codeConflict)
	f.mu.Lock()
	f.rebuilding = false
	f.mu.Unlock()
	f.rebuildErr = fmt.Errorf("rebuild: %w", index.ErrClosed)
	wantError(t, do(t, s, http.MethodPost, "/api/reindex?wait=1", "", loopback()), http.StatusServiceUnavailable, codeUnavailable)
}

func TestBackgroundRebuildFailureIsLogged(t *testing.T) {
	f := newFake()
	f.rebuildErr = errors.New("disk full during rebuild")
	s, logs := testServer(t, f, Options{})
	if rec := do(t, s, http.MethodPost, "/api/reindex", "", loopback()); rec.Code != http.StatusAccepted {
		t.Fatalf("reindex = %d", rec.Code)
	}
	f.bg.Wait()
	if !strings.Contains(logs.String(), "background rebuild failed") || !strings.Contains(logs.String(), "disk full") {
		t.Errorf("failed rebuild not logged:\n%s", logs)
	}
}

func TestStats(t *testing.T) {
	f := newFake(seedArticle(), corpus.Article{ID: "en1", Title: "Hello", Language: "en"})
	s, _ := testServer(t, f, Options{})
	rec := do(t, s, http.MethodGet, "/api/stats", "")
	var st map[string]any
	decode(t, rec, &st)
	if st["articles"] != 2.0 || st["index_size_bytes"] != 4096.0 || st["reindexing"] != false || st["last_ingest"] != nil {
		t.Errorf("stats = %v", st)
	}
	if langs, _ := st["languages"].(map[string]any); langs["fr"] != 1.0 || langs["en"] != 1.0 {
		t.Errorf("languages = %v", st["languages"])
	}
	do(t, s, http.MethodPut, "/api/articles/new", `{"title": "x", "body": "y"}`, loopback(), jsonBody())
	decode(t, do(t, s, http.MethodGet, "/api/stats", ""), &st)
	if st["last_ingest"] != "2025-09-19T10:00:00Z" {
		t.Errorf("last_ingest = %v", st["last_ingest"])
	}
}

// TestErrorTable drives each domain error through a handler and checks the
// status and code the contract promises.
func TestErrorTable(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		logged bool
	}{
		{"not found", fmt.Errorf("get: %w", index.ErrNotFound), http.StatusNotFound, codeNotFound, false},
		{"invalid query", fmt.Errorf("%w: unclosed quote", index.ErrInvalidQuery), http.StatusBadRequest, codeInvalidQuery, false},
		{"invalid article", fmt.Errorf("%w: bad", index.ErrInvalidArticle), http.StatusBadRequest, codeInvalidArticle, false},
		{"invalid id", fmt.Errorf("%w: x", corpus.ErrInvalidID), http.StatusBadRequest, codeInvalidID, false},
		{"no text", fmt.Errorf("%w: %w", index.ErrInvalidArticle, corpus.ErrNoText), http.StatusBadRequest, codeInvalidArticle, false},
		{"rebuilding", index.ErrRebuilding, http.StatusConflict, codeConflict, false},
		{"closed", fmt.Errorf("get: %w", index.ErrClosed), http.StatusServiceUnavailable, codeUnavailable, true},
		{"read-only", fmt.Errorf("get: %w", index.ErrReadOnly), http.StatusServiceUnavailable, codeUnavailable, true},
		{"locked", index.ErrLocked, http.StatusServiceUnavailable, codeUnavailable, true},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, codeTimeout, true},
		{"wrapped echo error keeps its status", fmt.Errorf("wrap: %w", echo.NewHTTPError(http.StatusTeapot, "short and stout")), http.StatusTeapot, "i'm_a_teapot", false},
		{"unknown", errors.New("boom"), http.StatusInternalServerError, codeInternal, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.getErr = tc.err
			s, logs := testServer(t, f, Options{})
			rec := do(t, s, http.MethodGet, "/api/articles/x", "")
			wantError(t, rec, tc.status, tc.code)
			if got := strings.Contains(logs.String(), "request failed"); got != tc.logged {
				t.Errorf("logged = %v, want %v:\n%s", got, tc.logged, logs)
			}
		})
	}
}

func TestClientGoneIsNotAnError(t *testing.T) {
	f := newFake()
	f.searchWait = true
	s, logs := testServer(t, f, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := do(t, s, http.MethodGet, "/api/search?q=x", "", func(r *http.Request) { *r = *r.WithContext(ctx) })
	if rec.Body.Len() != 0 {
		t.Errorf("answered a gone client: %s", rec.Body)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client cancellation logged as an error:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "status=499") {
		t.Errorf("request log lacks status 499:\n%s", logs)
	}
}

func TestSearchTimeout(t *testing.T) {
	f := newFake()
	f.searchWait = true
	s, _ := testServer(t, f, Options{SearchTimeout: 20 * time.Millisecond})
	wantError(t, do(t, s, http.MethodGet, "/api/search?q=x", ""), http.StatusServiceUnavailable, codeTimeout)
}
