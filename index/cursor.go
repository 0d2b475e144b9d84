package index

// Deep-paging cursors: the position after the last hit of a page, handed
// to the client as an opaque, signed token (next_cursor) and taken back to
// continue the same search (search after).

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Cursor format bounds.
const (
	cursorVersion   = 1
	cursorMACSize   = 16   // bytes of HMAC-SHA256 kept: 128 bits
	maxCursorLen    = 4096 // characters of a token
	maxCursorValues = 16   // Bleve sort values
	cursorKeySize   = 32
)

// cursorDomain separates cursor signatures from any other use of the key.
const cursorDomain = "veille/cursor\x00"

// cursorState is what a cursor carries: the sort order and the query it
// belongs to, and the sort values of the last hit returned.
type cursorState struct {
	// Sort is the sort order of the search ("relevance", "-date"...).
	Sort string
	// Fingerprint identifies the query (text, mode, filters, sort, page
	// size) the cursor continues; the caller compares it with the current
	// query's and refuses a cursor of another query.
	Fingerprint string
	// The last hit: its score, publication time, largest amount (NaN when
	// it has none) and id.
	Score  float64
	Pub    int64
	Amount float64
	ID     string
	// After holds Bleve sort values of the last hit (DocumentMatch.Sort,
	// for SearchRequest.SetSearchAfter) when the caller pages that way.
	// Number and date values are binary prefix-coded strings; they round
	// trip unchanged.
	After []string
}

// newCursorKey returns a random key for [encodeCursor], to be generated
// once per index and stored with it.
func newCursorKey() ([]byte, error) {
	k := make([]byte, cursorKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("index: cursor key: %w", err)
	}
	return k, nil
}

// encodeCursor returns c as a URL-safe token (base64url without padding)
// signed with key (HMAC-SHA256), which should be at least 16 random bytes
// secret to the index. Tokens of equal states are equal.
func encodeCursor(key []byte, c cursorState) string {
	b := []byte{cursorVersion}
	b = appendString(b, c.Sort)
	b = appendString(b, c.Fingerprint)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Score))
	b = binary.AppendVarint(b, c.Pub)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Amount))
	b = appendString(b, c.ID)
	b = binary.AppendUvarint(b, uint64(len(c.After)))
	for _, v := range c.After {
		b = appendString(b, v)
	}
	b = append(b, cursorMAC(key, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the state of a token made by [encodeCursor] with
// the same key. A token that is too long, not base64url, not signed with
// key (tampered, truncated, from another index or version) or malformed
// gives an error wrapping ErrInvalidQuery.
func decodeCursor(key []byte, s string) (cursorState, error) {
	if len(s) > maxCursorLen {
		return cursorState{}, invalidCursor()
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) < 1+cursorMACSize {
		return cursorState{}, invalidCursor()
	}
	body, mac := raw[:len(raw)-cursorMACSize], raw[len(raw)-cursorMACSize:]
	if !hmac.Equal(mac, cursorMAC(key, body)) || body[0] != cursorVersion {
		return cursorState{}, invalidCursor()
	}
	r := cursorReader{b: body[1:], ok: true}
	var c cursorState
	c.Sort = r.string()
	c.Fingerprint = r.string()
	c.Score = math.Float64frombits(r.uint64())
	c.Pub = r.varint()
	c.Amount = math.Float64frombits(r.uint64())
	c.ID = r.string()
	n := r.uvarint()
	if n > maxCursorValues {
		return cursorState{}, invalidCursor()
	}
	for i := uint64(0); i < n && r.ok; i++ {
		c.After = append(c.After, r.string())
	}
	if !r.ok || len(r.b) != 0 {
		return cursorState{}, invalidCursor()
	}
	return c, nil
}

func invalidCursor() error {
	return queryErr("Cursor", "is not valid: pass the next_cursor of a previous response unchanged, with the same query, or start again without it")
}

func cursorMAC(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(cursorDomain))
	m.Write(body)
	return m.Sum(nil)[:cursorMACSize]
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// cursorReader reads a cursor body; after any error ok is false and every
// read returns a zero value.
type cursorReader struct {
	b  []byte
	ok bool
}

func (r *cursorReader) fail() { r.ok, r.b = false, nil }

func (r *cursorReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cursorReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cursorReader) uint64() uint64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *cursorReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// dataIDDomain separates the data folder's identity from cursor signatures.
const dataIDDomain = "veille/data-id\x00"

// dataIDOf returns the identity of a data folder whose key is key: 16 hex
// digits of an HMAC of the key, which says nothing of it.
func dataIDOf(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(dataIDDomain))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// DataID returns the identity of the data folder dir (Stats.DataID of
// an index open on it) without opening it: a client that finds dir in
// use can ask a server whether it is the one holding dir. Errors wrap
// fs.ErrNotExist when dir has no key yet.
func DataID(dir string) (string, error) {
	key, err := os.ReadFile(filepath.Join(dir, secretFile))
	if err != nil {
		return "", fmt.Errorf("index: read the key of %s: %w", dir, err)
	}
	if len(key) != secretSize {
		return "", fmt.Errorf("index: the key of %s has %d bytes, not %d", dir, len(key), secretSize)
	}
	return dataIDOf(key), nil
}
