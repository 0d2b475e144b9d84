package api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"veille/corpus"
)

// errDecode marks article bodies that cannot be read; messages say why.
var errDecode = errors.New("api: unreadable article")

// articleInput is the JSON form of an article on input (contract,
// "Articles"): body may be given as text, published as date.
type articleInput struct {
	ID        *string `json:"id"`
	Title     *string `json:"title"`
	Body      *string `json:"body"`
	Text      *string `json:"text"`
	URL       *string `json:"url"`
	Source    *string `json:"source"`
	Published *string `json:"published"`
	Date      *string `json:"date"`
	Language  *string `json:"language"`
}

// decodeArticleJSON reads one JSON article. Extracted fields (companies,
// countries, amounts) and unknown fields are ignored: extraction runs at
// ingest. Errors wrap errDecode and name the offending field.
func decodeArticleJSON(data []byte) (corpus.Article, error) {
	var in articleInput
	if !utf8.Valid(data) {
		return corpus.Article{}, fmt.Errorf("%w: the body is not valid UTF-8", errDecode)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return corpus.Article{}, fmt.Errorf("%w: the body is empty; send a JSON object such as {\"title\": \"...\", \"body\": \"...\"}", errDecode)
	case trimmed[0] == '[':
		return corpus.Article{}, fmt.Errorf("%w: send one JSON object, or many as NDJSON (Content-Type: application/x-ndjson), not an array", errDecode)
	case trimmed[0] != '{':
		return corpus.Article{}, fmt.Errorf("%w: the body must be a JSON object", errDecode)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&in); err != nil {
		return corpus.Article{}, jsonError(err)
	}
	if dec.More() {
		return corpus.Article{}, fmt.Errorf("%w: unexpected data after the JSON object", errDecode)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}
	a := corpus.Article{
		ID: str(in.ID), Title: str(in.Title), Body: str(in.Body),
		URL: str(in.URL), Source: str(in.Source), Language: strings.ToLower(str(in.Language)),
	}
	if a.Body == "" {
		a.Body = str(in.Text)
	}
	pub := str(in.Published)
	if pub == "" {
		pub = str(in.Date)
	}
	if pub != "" {
		t, err := parsePublished(pub)
		if err != nil {
			return corpus.Article{}, err
		}
		a.Published = t
	}
	return a, nil
}

// jsonError rewrites encoding/json errors into messages for API users.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%w: invalid JSON at byte %d: %s", errDecode, syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fmt.Errorf("%w: the body must be a JSON object, not %s", errDecode, typ.Value)
		}
		return fmt.Errorf("%w: field %q must be a string, not %s", errDecode, field, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the JSON ends too early", errDecode)
	}
	return fmt.Errorf("%w: %v", errDecode, err)
}

// parsePublished reads a publication date: YYYY-MM-DD (midnight UTC) or an
// RFC 3339 time (a time without zone is taken as UTC).
func parsePublished(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: published must be a date (2025-09-19) or an RFC 3339 time (2025-09-19T14:30:00+02:00), not %q", errDecode, s)
}

// readNDJSON calls fn for every non-blank line of r with its 1-based line
// number and the decoded article, or the line's decoding error. It stops at
// the first error fn returns, or a read error of r (a line longer than
// maxLine is a read error).
func readNDJSON(r io.Reader, maxLine int, fn func(line int, a corpus.Article, err error) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	for sc.Scan() {
		line++
		data := bytes.TrimSpace(sc.Bytes())
		if len(data) == 0 {
			continue
		}
		a, err := decodeArticleJSON(data)
		if err := fn(line, a, err); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return errBadRequest(codeInvalidArticle, "line %d is longer than %d bytes", line+1, maxLine)
		}
		return err
	}
	return nil
}

// contentID derives an id from an article's content, for articles posted
// without one: the same title, body and URL always get the same id.
func contentID(a corpus.Article) string {
	h := sha256.New()
	for _, s := range []string{a.Title, a.Body, a.URL} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "a_" + hex.EncodeToString(h.Sum(nil)[:8])
}
