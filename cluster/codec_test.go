package cluster

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"veille/corpus"
)

// The partition of an id must never change: a stream created by one
// version is read by the next. These values pin FNV-1a modulo 16.
func TestPartitionOfIsStable(t *testing.T) {
	for id, want := range map[string]int{
		"orangesum-10":         8, // FNV-1a 32 bits, computed independently
		"001_eda08fda6618b654": 0,
		"mistral-2024":         10,
		"a":                    12,
	} {
		if got := partitionOf(id, 16); got != want {
			t.Errorf("partitionOf(%q, 16) = %d, want %d", id, got, want)
		}
	}
	// Spread: 16 partitions of 16,000 ids each get 1,000 ± 15 %.
	counts := make([]int, 16)
	for i := range 16000 {
		counts[partitionOf("article-"+strconv.Itoa(i), 16)]++
	}
	for p, n := range counts {
		if n < 850 || n > 1150 {
			t.Errorf("partition %d holds %d of 16,000 ids", p, n)
		}
	}
}

// Every valid id is exactly one subject token, and the token gives the id back.
func TestIDToken(t *testing.T) {
	for _, id := range []string{"a", "mistral-2024", "rapport.2025", "fin.", "a.b.c", "x_y-z", "trailing."} {
		if corpus.ValidateID(id) != nil {
			continue
		}
		tok := idToken(id)
		if tok == "" || strings.ContainsAny(tok, ".*> \t") {
			t.Errorf("idToken(%q) = %q is not one subject token", id, tok)
		}
		if back, ok := idOfToken(tok); !ok || back != id {
			t.Errorf("idOfToken(idToken(%q)) = %q, %v", id, back, ok)
		}
		subj := articleSubject(id, 16)
		if p, ok := partitionOfSubject(subj); !ok || p != partitionOf(id, 16) || strings.Count(subj, ".") != 3 {
			t.Errorf("subject %q of %q", subj, id)
		}
	}
	if idToken("plain") != "plain" {
		t.Error("an id without dots must be its own token (readable subjects)")
	}
}

func FuzzIDToken(f *testing.F) {
	f.Add("rapport.2025.v2")
	f.Add("a")
	f.Fuzz(func(t *testing.T, id string) {
		if corpus.ValidateID(id) != nil {
			return
		}
		tok := idToken(id)
		if strings.ContainsAny(tok, ".*> \t\r\n") || tok == "" {
			t.Fatalf("idToken(%q) = %q", id, tok)
		}
		if back, ok := idOfToken(tok); !ok || back != id {
			t.Fatalf("round trip of %q gave %q", id, back)
		}
	})
}

// Large payloads are compressed when that makes them smaller, and read back.
func TestPayloadRoundTrip(t *testing.T) {
	for _, data := range [][]byte{[]byte(`{"id":"a"}`), []byte(strings.Repeat(`{"body":"Le même texte répété."}`, 1000))} {
		m := putMsg("a", 16, data)
		if len(data) > compressAbove && m.Header.Get(hdrEnc) != encS2 {
			t.Errorf("a %d-byte repetitive payload was not compressed", len(data))
		}
		got, err := payload(m.Header, m.Data)
		if err != nil || string(got) != string(data) {
			t.Fatalf("payload round trip of %d bytes: %v", len(data), err)
		}
	}
	h := nats.Header{}
	h.Set(hdrEnc, "zstd")
	if _, err := payload(h, nil); err == nil {
		t.Error("an unknown encoding was accepted")
	}
	h.Set(hdrEnc, encS2)
	if _, err := payload(h, []byte("not s2")); err == nil {
		t.Error("corrupt S2 was accepted")
	}
}

func TestParsePartitions(t *testing.T) {
	for in, want := range map[string]string{"": "", "0-7": "0-7", "3,1,2": "1-3", "0-3, 8-11": "0-3_8-11", "5": "5", "0-1,1-2": "0-2"} {
		ps, err := ParsePartitions(in)
		if err != nil || formatPartitions(ps) != want {
			t.Errorf("ParsePartitions(%q) = %v (%q), %v; want %q", in, ps, formatPartitions(ps), err, want)
		}
	}
	for _, bad := range []string{"a", "3-1", "-2", "1-x"} {
		if _, err := ParsePartitions(bad); err == nil {
			t.Errorf("ParsePartitions(%q) accepted", bad)
		}
	}
}

func TestCover(t *testing.T) {
	sets := func(ss ...string) map[string][]int {
		m := map[string][]int{}
		for _, s := range ss {
			ps, _ := ParsePartitions(s)
			m[formatPartitions(ps)] = ps
		}
		return m
	}
	for _, tc := range []struct {
		sets []string
		want string // chosen, joined by " "; "" for an error
	}{
		{[]string{"0-15"}, "0-15"},
		{[]string{"0-7", "8-15"}, "0-7 8-15"},
		{[]string{"0-15", "0-7", "8-15"}, "0-15"},
		{[]string{"0-3", "4-7", "8-11", "12-15"}, "0-3 12-15 4-7 8-11"},
		{[]string{"0-7"}, ""},
		{[]string{"0-9", "8-15"}, ""},
	} {
		got, err := cover(16, sets(tc.sets...))
		if tc.want == "" {
			if err == nil {
				t.Errorf("cover(%v) = %v, want an error", tc.sets, got)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("cover(%v) = %v, %v; want %s", tc.sets, got, err, tc.want)
		}
	}
}
