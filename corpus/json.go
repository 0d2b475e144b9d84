package corpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrMalformed is returned (wrapped) by [DecodeJSON], [ReadNDJSON] and the
// file readers when an article's content cannot be read: invalid JSON, a
// field of the wrong type, a date that is not one, invalid UTF-8, corrupt
// gzip data.
var ErrMalformed = errors.New("corpus: malformed article")

// errBadDate is the cause, inside an ErrMalformed error, of a date field
// that is not a date.
var errBadDate = errors.New("not a date (want YYYY-MM-DD or RFC 3339)")

// utf8BOM is the byte order mark some editors put at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// DecodeJSON decodes one article from a JSON object:
//
//	{"id"?, "title"?, "body" (or "text"), "url"?, "source"?,
//	 "published" (or "date")?, "language" (or "lang")?}
//
// Unknown fields are ignored, as are null values. "id" may be a string or
// an integer. "published" is YYYY-MM-DD or RFC 3339 (a date-time without a
// zone is read as UTC). "language" is an ISO 639-1 code; "FR" and "fr-FR"
// are read as "fr". When both "body" and "text" are present, "body" wins;
// likewise "published" over "date" and "language" over "lang". Strings
// are trimmed of surrounding white space.
//
// DecodeJSON does not validate the article (see [Article.Validate]): the id
// may be empty, so that the caller can name the article. Errors wrap
// [ErrMalformed] and say which field is wrong and why.
func DecodeJSON(data []byte) (Article, error) {
	var a Article
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return a, fmt.Errorf("%w: invalid UTF-8 at byte %d", ErrMalformed, invalidUTF8At(data))
	}
	m, err := objectFields(data)
	if err != nil {
		return a, describeJSONError(data, err)
	}
	if m == nil {
		return a, fmt.Errorf("%w: expected a JSON object, got null", ErrMalformed)
	}
	if a.ID, err = idField(m); err != nil {
		return a, err
	}
	fields := []struct {
		dst   *string
		names []string
	}{
		{&a.Title, []string{"title"}},
		{&a.Body, []string{"body", "text"}},
		{&a.URL, []string{"url"}},
		{&a.Source, []string{"source"}},
	}
	for _, f := range fields {
		if *f.dst, _, err = stringField(m, f.names...); err != nil {
			return a, err
		}
	}
	pub, name, err := stringField(m, "published", "date")
	if err != nil {
		return a, err
	}
	if pub != "" {
		t, err := parseDateValue(pub)
		if err != nil {
			return a, fmt.Errorf("%w: field %q: %q is %w", ErrMalformed, name, pub, err)
		}
		a.Published = t
	}
	lang, name, err := stringField(m, "language", "lang")
	if err != nil {
		return a, err
	}
	if a.Language, err = normalizeLanguage(lang); err != nil {
		return a, fmt.Errorf("%w: field %q: %w", ErrMalformed, name, err)
	}
	return a, nil
}

// stringField returns the trimmed string value of the first of names
// present (and not null) in m, and that name.
func stringField(m map[string]json.RawMessage, names ...string) (string, string, error) {
	for _, name := range names {
		raw, ok := m[name]
		if !ok || isNull(raw) {
			continue
		}
		if raw[0] != '"' {
			return "", name, fmt.Errorf("%w: field %q must be a string, not %s", ErrMalformed, name, jsonKind(raw))
		}
		if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
			inner := raw[1 : len(raw)-1]
			// Without escapes the string is its bytes: m comes from a
			// reading that checked the JSON (no raw control characters)
			// and the caller checked its UTF-8. This spares the body a
			// second pass.
			return strings.TrimSpace(string(inner)), name, nil
		}
		return strings.TrimSpace(unquote(raw)), name, nil
	}
	return "", names[0], nil
}

// idField returns the "id" field, a string or an integer.
func idField(m map[string]json.RawMessage) (string, error) {
	raw, ok := m["id"]
	if !ok || isNull(raw) {
		return "", nil
	}
	if c := raw[0]; c == '-' || c >= '0' && c <= '9' {
		s := string(raw)
		if strings.Trim(s, "0123456789") != "" {
			return "", fmt.Errorf("%w: field \"id\" must be a string or a non-negative integer, not %s", ErrMalformed, s)
		}
		return s, nil
	}
	s, _, err := stringField(m, "id")
	if err != nil {
		return "", fmt.Errorf("%w: field \"id\" must be a string or an integer, not %s", ErrMalformed, jsonKind(raw))
	}
	return s, nil
}

// normalizeLanguage reads an ISO 639-1 code: "fr", "FR", "fr-FR", "fr_CA".
func normalizeLanguage(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	code := strings.ToLower(s)
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	if len(code) != 2 || code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z' {
		return "", fmt.Errorf("%q is not an ISO 639-1 language code such as \"fr\"", s)
	}
	return code, nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// describeJSONError turns encoding/json's errors into ErrMalformed errors
// that say where and what.
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return fmt.Errorf("%w: empty document, expected a JSON object", ErrMalformed)
	case errors.As(err, &syn):
		return fmt.Errorf("%w: invalid JSON at byte %d: %v", ErrMalformed, syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("%w: expected a JSON object, got %s", ErrMalformed, jsonKind(bytes.TrimSpace(data)))
	}
	return fmt.Errorf("%w: invalid JSON: %v", ErrMalformed, err)
}

// invalidUTF8At returns the offset of the first invalid UTF-8 byte in b.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}
