package index

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

var ctKey = []byte("0123456789abcdef0123456789abcdef")

// ctEqual compares states, NaN amounts and scores being equal to NaN.
func ctEqual(a, b cursorState) bool {
	if math.IsNaN(a.Amount) && math.IsNaN(b.Amount) {
		a.Amount, b.Amount = 0, 0
	}
	if math.IsNaN(a.Score) && math.IsNaN(b.Score) {
		a.Score, b.Score = 0, 0
	}
	if len(a.After) == 0 && len(b.After) == 0 {
		a.After, b.After = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

func TestCursorRoundTrip(t *testing.T) {
	tests := []cursorState{
		{},
		{Sort: "relevance", Fingerprint: "Zm9vYmFy", Score: 1.92, Pub: 1758240000, Amount: 6.3e8, ID: "001_eda08fda6618b654"},
		{Sort: "-date", Fingerprint: "x", Score: math.NaN(), Pub: -62135596800, Amount: math.NaN(), ID: "été/ü 🙂"},
		{Sort: "amount", Amount: math.Inf(1), Pub: math.MaxInt64, Score: -0.5},
		{Sort: "relevance", After: []string{"\x00\x01\xff binary \x80", "", "_id:é"}},
	}
	for i, c := range tests {
		tok := encodeCursor(ctKey, c)
		if strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("%d: token %q is not URL-safe", i, tok)
		}
		got, err := decodeCursor(ctKey, tok)
		if err != nil {
			t.Fatalf("%d: decode: %v", i, err)
		}
		if !ctEqual(got, c) {
			t.Errorf("%d: round trip gave %+v, want %+v", i, got, c)
		}
		if again := encodeCursor(ctKey, c); again != tok {
			t.Errorf("%d: encoding is not deterministic", i)
		}
	}
}

func TestCursorRejects(t *testing.T) {
	c := cursorState{Sort: "-date", Fingerprint: "fp", Score: 1, Pub: 42, Amount: 3, ID: "a1", After: []string{"x"}}
	tok := encodeCursor(ctKey, c)
	raw := []byte(tok)
	tests := []struct {
		name, tok string
		key       []byte
	}{
		{"empty", "", ctKey},
		{"garbage", "not a cursor!", ctKey},
		{"padding", tok + "==", ctKey},
		{"standard base64", strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+/", ctKey},
		{"truncated", tok[:len(tok)-3], ctKey},
		{"too short", tok[:10], ctKey},
		{"extended", tok + "AAAA", ctKey},
		{"other key", tok, []byte("another key of 32 bytes, or so..")},
		{"empty key", tok, nil},
		{"oversized", strings.Repeat("A", maxCursorLen+4), ctKey},
	}
	// Every single-character change.
	for i := range raw {
		b := bytes.Clone(raw)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		tests = append(tests, struct {
			name, tok string
			key       []byte
		}{"tampered", string(b), ctKey})
	}
	for _, tc := range tests {
		got, err := decodeCursor(tc.key, tc.tok)
		if err == nil {
			t.Errorf("%s %q: accepted as %+v", tc.name, tc.tok, got)
			continue
		}
		if !errors.Is(err, ErrInvalidQuery) || !strings.Contains(err.Error(), "Cursor is not valid") {
			t.Errorf("%s: error %v does not wrap ErrInvalidQuery with \"invalid cursor\"", tc.name, err)
		}
	}
}

func TestCursorSignedMalformedBody(t *testing.T) {
	// A body signed with the right key but malformed (a bug, or a future
	// version) is refused, not misread.
	sign := func(body []byte) string {
		return b64(append(bytes.Clone(body), cursorMAC(ctKey, body)...))
	}
	valid := []byte{cursorVersion, 0, 0}      // version, empty sort, empty fingerprint
	valid = append(valid, make([]byte, 8)...) // score
	valid = append(valid, 0)                  // pub
	valid = append(valid, make([]byte, 8)...) // amount
	valid = append(valid, 0, 0)               // empty id, no After value
	if _, err := decodeCursor(ctKey, sign(valid)); err != nil {
		t.Fatalf("minimal body refused: %v", err)
	}
	for name, body := range map[string][]byte{
		"version":       append([]byte{cursorVersion + 1}, valid[1:]...),
		"trailing":      append(bytes.Clone(valid), 0),
		"short":         valid[:len(valid)-2],
		"long string":   {cursorVersion, 200},
		"too many vals": append(bytes.Clone(valid[:len(valid)-1]), maxCursorValues+1),
		"version only":  {cursorVersion},
	} {
		if _, err := decodeCursor(ctKey, sign(body)); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNewCursorKey(t *testing.T) {
	a, err := newCursorKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := newCursorKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != cursorKeySize || bytes.Equal(a, b) {
		t.Errorf("keys %x and %x", a, b)
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(ctKey, cursorState{Sort: "relevance", Fingerprint: "fp", ID: "x", After: []string{"a"}}))
	f.Add(encodeCursor(ctKey, cursorState{}))
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("_", 100))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(ctKey, s)
		if err != nil {
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("error %v does not wrap ErrInvalidQuery", err)
			}
			return
		}
		// Only tokens this key signed decode; they re-encode identically.
		if again := encodeCursor(ctKey, c); again != s {
			t.Fatalf("decoded %q to %+v, which encodes to %q", s, c, again)
		}
	})
}

func FuzzCursorRoundTrip(f *testing.F) {
	f.Add("relevance", "fp", 1.5, int64(7), 2.0, "id", "\x00after")
	f.Fuzz(func(t *testing.T, sort, fp string, score float64, pub int64, amount float64, id, after string) {
		c := cursorState{Sort: sort, Fingerprint: fp, Score: score, Pub: pub, Amount: amount, ID: id, After: []string{after}}
		tok := encodeCursor(ctKey, c)
		got, err := decodeCursor(ctKey, tok)
		if len(tok) > maxCursorLen {
			if err == nil {
				t.Fatalf("oversized token accepted")
			}
			return
		}
		if err != nil || !ctEqual(got, c) {
			t.Fatalf("round trip of %+v: %+v, %v", c, got, err)
		}
	})
}
