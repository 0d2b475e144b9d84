package labels

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// labelsDir holds the module's labels (testdata/labels).
var labelsDir = filepath.Join("..", "..", "testdata", "labels")

// TestLabelsFile checks the stored labels without the shared data: every
// first-round article's split is the one its id hashes to, every
// second-round one is in the train split, ids are unique across the
// files, hashes are well formed, sets and languages are known.
func TestLabelsFile(t *testing.T) {
	var as []Article
	for _, f := range Files {
		fa, err := Read(filepath.Join(labelsDir, f))
		if err != nil {
			t.Fatal(err)
		}
		as = append(as, fa...)
	}
	if len(as) < 680 {
		t.Fatalf("%d labelled articles, want at least 680", len(as))
	}
	seen := map[string]bool{}
	for _, a := range as {
		if seen[a.ID] {
			t.Errorf("%s listed twice", a.ID)
		}
		seen[a.ID] = true
		switch want := SplitOf(a.ID); {
		case a.Round >= 2 && a.Round <= 4 && a.Split != Train:
			t.Errorf("%s: round %d in split %s, want train", a.ID, a.Round, a.Split)
		case a.Round != 0 && (a.Round < 2 || a.Round > 4):
			t.Errorf("%s: round %d", a.ID, a.Round)
		case a.Round == 0 && a.Split != want:
			t.Errorf("%s: split %s, its id hashes to %s", a.ID, a.Split, want)
		}
		if _, ok := Sources[a.Set]; !ok {
			t.Errorf("%s: unknown set %q", a.ID, a.Set)
		}
		if a.Lang != "fr" && a.Lang != "en" {
			t.Errorf("%s: language %q", a.ID, a.Lang)
		}
		if len(a.SHA256) != 64 || strings.Trim(a.SHA256, "0123456789abcdef") != "" {
			t.Errorf("%s: sha256 %q", a.ID, a.SHA256)
		}
		if a.Text != "" || a.Title != "" {
			t.Errorf("%s: the labels of shared articles carry no text", a.ID)
		}
	}
}

func TestSplitOf(t *testing.T) {
	n := map[string]int{}
	for i := range 10000 {
		n[SplitOf(strings.Repeat("x", i%7)+string(rune('a'+i%26))+itoa(i))]++
	}
	for split, want := range map[string]int{Test: 3000, Dev: 1500, Train: 5500} {
		if d := n[split] - want; d < -250 || d > 250 {
			t.Errorf("%s: %d of 10,000, want about %d", split, n[split], want)
		}
	}
	if SplitOf("orangesum-123") != SplitOf("orangesum-123") {
		t.Error("SplitOf is not deterministic")
	}
}

func itoa(i int) string {
	var b []byte
	for {
		b = append(b, byte('0'+i%10))
		if i /= 10; i == 0 {
			break
		}
	}
	slices.Reverse(b)
	return string(b)
}

func TestProblems(t *testing.T) {
	a := Article{
		Title: "Renault rachète Gamma", Text: "Renault paie 3 M€ pour Gamma, en France.",
		Companies: []string{"Renault", "Gamma", "Delta"},
		Mentions:  map[string][]string{"Renault": {"Renault"}, "Gamma": {"Gama"}, "Epsilon": {"Epsilon"}},
		Countries: []string{"FR", "fra"},
		Amounts:   []Amount{{Value: 3e6, Currency: "EUR", Text: "3 M€"}, {Value: 1, Currency: "eur", Text: "4 M€"}},
	}
	got := strings.Join(Problems(&a), "\n")
	for _, want := range []string{
		`mention "Gama" of "Gamma" is not in the text`,
		`company "Delta" has no mention`,
		`mentions of "Epsilon", which is not in companies`,
		`country "fra" is not an alpha-2 code`,
		`currency "eur"`,
		`"4 M€"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Problems misses %s; got:\n%s", want, got)
		}
	}
	a = Article{Title: "T", Text: "Renault.", Companies: []string{"Renault"}, Mentions: map[string][]string{"Renault": {"Renault"}}}
	if p := Problems(&a); len(p) != 0 {
		t.Errorf("Problems of clean labels: %v", p)
	}
}

func TestWriteRead(t *testing.T) {
	in := []Article{
		{ID: "a", Set: SetSynthetic, Split: Train, Lang: "fr", Title: "Titre <b>&</b>", Text: "Texte.",
			Companies: []string{"A&B"}, Mentions: map[string][]string{"A&B": {"A&B"}}, Countries: []string{}, Amounts: []Amount{{Value: 2.5, Currency: "USD", Text: "$2.5"}}},
		{ID: "b", Set: SetFrBusiness, Split: Test, Lang: "fr", SHA256: Hash("t", "x")},
	}
	path := filepath.Join(t.TempDir(), "l.jsonl")
	if err := Write(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Title != in[0].Title || out[0].Amounts[0] != in[0].Amounts[0] || out[1].SHA256 != in[1].SHA256 {
		t.Errorf("round trip: %+v", out)
	}
}

func TestScore(t *testing.T) {
	s, missed, extra := ScoreCompanies([]string{"L'Oréal", "Société Générale|SocGen", "Total"}, []string{"LOREAL", "SocGen", "Engie"})
	if s != (Score{TP: 2, FP: 1, FN: 1}) || !slices.Equal(missed, []string{"Total"}) || !slices.Equal(extra, []string{"Engie"}) {
		t.Errorf("ScoreCompanies: %+v missed %v extra %v", s, missed, extra)
	}
	if p, r := s.Precision(), s.Recall(); p < 0.66 || p > 0.67 || r < 0.66 || r > 0.67 {
		t.Errorf("precision %v recall %v", p, r)
	}
}
