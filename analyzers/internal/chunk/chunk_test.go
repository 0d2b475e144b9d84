package chunk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEach(t *testing.T) {
	for _, text := range []string{
		"", "short", strings.Repeat("Une phrase. ", 20000), strings.Repeat("ligne\n", 30000),
		strings.Repeat("mot ", 40000), strings.Repeat("é", 100000), strings.Repeat("x", 3*Size+5),
	} {
		var b strings.Builder
		n := 0
		err := Each(context.Background(), text, func(p string) {
			if len(p) > Size || p == "" || !utf8.ValidString(p) && utf8.ValidString(text) {
				t.Fatalf("piece of %d bytes (valid %v)", len(p), utf8.ValidString(p))
			}
			b.WriteString(p)
			n++
		})
		if err != nil || b.String() != text {
			t.Fatalf("pieces do not add up to the text (%d pieces, err %v)", n, err)
		}
		if len(text) <= Size && n > 1 {
			t.Errorf("a short text was cut in %d", n)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	if err := Each(ctx, strings.Repeat("ligne\n", 30000), func(string) { n++ }); !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled: %d pieces, err %v", n, err)
	}
}
