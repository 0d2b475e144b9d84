package corpus

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"veille/corpus/corpustest"
)

// checkObjectFields fails when scanFlatObject reads data otherwise than
// json.Unmarshal into a map of raw values does. Invalid UTF-8, which
// DecodeJSON refuses before, is not compared (encoding/json replaces it
// in names).
func checkObjectFields(t *testing.T, data []byte) (flat bool) {
	t.Helper()
	if !utf8.Valid(data) {
		return false
	}
	got, ok := scanFlatObject(data)
	var want map[string]json.RawMessage
	err := json.Unmarshal(data, &want)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("%q: read as a flat object, encoding/json refuses it: %v", data, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d members, encoding/json gives %d", data, len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(got[k], v) {
			t.Fatalf("%q: member %q is %q, encoding/json gives %q", data, k, got[k], v)
		}
		var s string
		if v[0] == '"' && json.Unmarshal(v, &s) == nil && unquote(v) != s {
			t.Fatalf("%q: member %q unquoted is %q, encoding/json gives %q", data, k, unquote(v), s)
		}
	}
	return true
}

func TestScanFlatObject(t *testing.T) {
	for _, tc := range []struct {
		in   string
		flat bool
	}{
		{`{}`, true},
		{" \t\r\n{ } \n", true},
		{`{"id":1,"title":"T","body":"a \"b\" \\ \/ \b\f\n\r\t \u00e9\uD83D\uDE00"}`, true},
		{`{"a":-0.5e+10,"b":true,"c":false,"d":null,"e":0,"f":12.25E-3}`, true},
		{`{"a":"\uD83D","b":"\uD83Dx","c":"\uDE00\uD83D","d":"\uD83D\u0041","e":"\uD83D\uD83D\uDE00"}`, true}, // lone surrogates
		{`{"a":1,"a":2}`, true},     // the last value wins
		{`{"é":"x"}`, true},         // a name without escapes
		{`{"a":"x"} x`, false},      // trailing data
		{`{"a":"x",}`, false},       // trailing comma
		{`{"a" "x"}`, false},        // no colon
		{`{"a":01}`, false},         // leading zero
		{`{"a":1.}`, false},         // no digit after the dot
		{`{"a":-}`, false},          // a sign alone
		{`{"a":1e}`, false},         // no exponent digit
		{`{"a":tru}`, false},        // a cut literal
		{`{"a":"\x"}`, false},       // a bad escape
		{`{"a":"\u12G4"}`, false},   // a bad hex digit
		{"{\"a\":\"\x01\"}", false}, // a control character
		{`{"a":"x`, false},          // unterminated
		{`{"a\u0062":1}`, false},    // an escaped name: encoding/json's part
		{`{"a":{"b":1}}`, false},    // nested: encoding/json's part
		{`{"a":[1]}`, false},
		{`[]`, false},
		{`null`, false},
		{``, false},
	} {
		if flat := checkObjectFields(t, []byte(tc.in)); flat != tc.flat {
			t.Errorf("%q: read as flat %v, want %v", tc.in, flat, tc.flat)
		}
	}
}

func FuzzScanFlatObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"body":"b"}`, `{"id":1,"published":"2025-09-19"}`, `{"title":null}`, `[]`, `"x"`,
		`{"a":-1.5e3,"b":true}`, `{"a":"\u00e9\n"}`, `{"a":{"b":1}}`, `{"a":1,}`, ` {"a" : "b" } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkObjectFields(t, data) })
}

// BenchmarkDecodeJSON decodes 2,000 OrangeSum lines as the bulk API's
// body is read (shared data; skipped without it).
func BenchmarkDecodeJSON(b *testing.B) {
	docs := corpustest.ReadJSONL(b, "orangesum-fr.jsonl.gz", 2000)
	lines := make([][]byte, len(docs))
	size := 0
	for i, d := range docs {
		line, err := json.Marshal(d)
		if err != nil {
			b.Fatal(err)
		}
		lines[i] = line
		size += len(line)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, line := range lines {
			if _, err := DecodeJSON(line); err != nil {
				b.Fatal(err)
			}
		}
	}
}
