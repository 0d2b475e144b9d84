package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"veille/corpus"
)

// errDecode marks article bodies that cannot be read; messages say why.
var errDecode = errors.New("api: unreadable article")

// decodeArticleJSON reads one JSON article with corpus.DecodeJSON (same
// rules as files: "text" and "date" aliases, extracted and unknown fields
// ignored), after catching the mistakes API clients make most: an empty
// body, an array. Errors wrap errDecode or corpus.ErrMalformed and say
// which field is wrong and why.
func decodeArticleJSON(data []byte) (corpus.Article, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return corpus.Article{}, fmt.Errorf("%w: the body is empty; send a JSON object such as {\"title\": \"...\", \"body\": \"...\"}", errDecode)
	case trimmed[0] == '[':
		return corpus.Article{}, fmt.Errorf("%w: send one JSON object, or many as NDJSON (Content-Type: application/x-ndjson), not an array", errDecode)
	}
	return corpus.DecodeJSON(data)
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
