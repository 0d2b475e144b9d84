package fold

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldReference is the straightforward definition of [Bytes]: decompose the
// whole text, drop the combining marks, map what does not decompose.
func foldReference(s string) string {
	var out []rune
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ':
			out = append(out, 'o', 'e')
		case r == 'Œ':
			out = append(out, 'O', 'E')
		case r == 'æ':
			out = append(out, 'a', 'e')
		case r == 'Æ':
			out = append(out, 'A', 'E')
		case r == 'ß':
			out = append(out, 's', 's')
		case strings.ContainsRune("’‘ʼ", r):
			out = append(out, '\'')
		default:
			if i := strings.IndexRune("łŁøØđĐ", r); i >= 0 {
				r = []rune("lLoOdD")[utf8.RuneCountInString("łŁøØđĐ"[:i])]
			}
			out = append(out, r)
		}
	}
	return string(out)
}

// foldPunctReference is the definition of [LowerPunct].
func foldPunctReference(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case IsApostropheLike(r):
			b.WriteByte('\'')
		case IsQuote(r):
			b.WriteByte('"')
		case IsDash(r):
			b.WriteByte('-')
		case r == '…':
			b.WriteString("...")
		default:
			b.WriteString(foldReference(strings.ToLower(string(r))))
		}
	}
	return b.String()
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain ASCII 123", "plain ASCII 123"},
		{"hydroélectricité", "hydroelectricite"},
		{"NORVÈGE", "NORVEGE"},
		{"Œuvre cœur Æsir", "OEuvre coeur AEsir"},
		{"Straße", "Strasse"},
		{"Łódź Ørsted Đoković", "Lodz Orsted Dokovic"},
		{"aujourd’hui l‘État lʼÉtat", "aujourd'hui l'Etat l'Etat"},
		{"e\u0301te\u0301", "ete"},
		{"Ça coûte 10\u00a0€", "Ca coute 10\u00a0€"},
		{"naïve São Paulo ñandú", "naive Sao Paulo nandu"},
		{"Ἀθῆναι", "Αθηναι"},
	}
	for _, tc := range tests {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := string(Bytes([]byte(tc.in))); got != tc.want {
			t.Errorf("Bytes(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if ref := foldReference(tc.in); ref != tc.want {
			t.Errorf("foldReference(%q) = %q, want %q", tc.in, ref, tc.want)
		}
	}
	ascii := []byte("ascii")
	if got := Bytes(ascii); &got[0] != &ascii[0] {
		t.Error("Fold copied an ASCII term")
	}
}

func TestLower(t *testing.T) {
	tests := []struct{ in, want, punct string }{
		{"ÉTATS-UNIS", "etats-unis", "etats-unis"},
		{"L’Oréal", "l'oreal", "l'oreal"},
		{"«Straße» — ẞ", "«strasse» — ss", "\"strasse\" - ss"},
		{"d´euros…", "d´euros…", "d'euros..."},
		{"plain", "plain", "plain"},
	}
	for _, tc := range tests {
		if got := Lower(tc.in); got != tc.want {
			t.Errorf("Lower(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := LowerPunct(tc.in); got != tc.punct {
			t.Errorf("LowerPunct(%q) = %q, want %q", tc.in, got, tc.punct)
		}
	}
}

// FuzzFold checks every fold against its reference definition.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"hydroélectricité", "e\u0301", "Œœ’ß", "Łódź", "한국어", "\xffé", "ǅ", "ﬁ", "ẞ", "İstanbul", "«—…´»"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		if got, want := String(s), foldReference(s); got != want {
			t.Errorf("String(%q) = %q, reference %q", s, got, want)
		}
		if got, want := string(Bytes([]byte(s))), foldReference(s); got != want {
			t.Errorf("Bytes(%q) = %q, reference %q", s, got, want)
		}
		if got, want := Lower(s), foldReference(strings.ToLower(s)); got != want {
			t.Errorf("Lower(%q) = %q, reference %q", s, got, want)
		}
		if got, want := LowerPunct(s), foldPunctReference(s); got != want {
			t.Errorf("LowerPunct(%q) = %q, reference %q", s, got, want)
		}
	})
}

// TestRuneSets pins the named sets and their byte-level helpers.
func TestRuneSets(t *testing.T) {
	for r := rune(0); r < 0x3000; r++ {
		s := "x" + string(r) + "y"
		if w := SpaceAt(s, 1); (w > 0) != IsHSpace(r) || w > 0 && w != utf8.RuneLen(r) {
			t.Errorf("SpaceAt(%U) = %d, IsHSpace %v", r, w, IsHSpace(r))
		}
		if w := SpaceBefore(s, 1+utf8.RuneLen(r)); (w > 0) != IsHSpace(r) {
			t.Errorf("SpaceBefore(%U) = %d, IsHSpace %v", r, w, IsHSpace(r))
		}
		if w := ApostropheAt(s, 1); (w > 0) != IsApostropheLike(r) {
			t.Errorf("ApostropheAt(%U) = %d, IsApostropheLike %v", r, w, IsApostropheLike(r))
		}
		if IsApostrophe(r) && String(string(r)) != "'" {
			t.Errorf("IsApostrophe(%U) but Fold gives %q", r, String(string(r)))
		}
		if IsElisionApostrophe(r) && !IsApostrophe(r) {
			t.Errorf("IsElisionApostrophe(%U) is not an apostrophe", r)
		}
		if IsHSpace(r) && !unicode.IsSpace(r) {
			t.Errorf("IsHSpace(%U) is not a space", r)
		}
	}
	if got := SkipSpaces("a \u00a0\u202f b", 1); got != 8 {
		t.Errorf("SkipSpaces = %d, want 8", got)
	}
}

func BenchmarkLower(b *testing.B) {
	words := strings.Fields("Le groupe français a annoncé jeudi l’acquisition de l’Américain Brevix pour 2,5 milliards d’euros, selon un communiqué publié à Paris. Œuvre ÉTATS-UNIS")
	for b.Loop() {
		for _, w := range words {
			Lower(w)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"L'Oréal":          "loreal",
		"LOREAL":           "loreal",
		"Saint-Gobain":     "saintgobain",
		"AT&T":             "att",
		"3M Company":       "3mcompany",
		"Ørsted":           "orsted",
		"":                 "",
		"  —  ":            "",
		"Société Générale": "societegenerale",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}
