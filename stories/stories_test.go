package stories

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dispatch is an agency dispatch of about 200 words.
const dispatch = `Le constructeur automobile Renault a annoncé mardi la fermeture de son usine de Flins, dans les Yvelines, qui emploie deux mille six cents salariés, au terme de plusieurs mois de négociations avec les syndicats et les collectivités locales.
La direction assure que tous les salariés se verront proposer un poste sur un autre site du groupe, à moins de cinquante kilomètres, et que la production de la Zoe sera reprise par l'usine de Douai dès le printemps prochain.
Les syndicats ont appelé à la grève pour jeudi et demandent l'ouverture de nouvelles négociations sur les conditions de départ et le montant des indemnités versées aux salariés qui refuseraient leur mutation.
Le ministre de l'Économie a dit vouloir recevoir les représentants du personnel avant la fin de la semaine, tandis que la région promet un plan d'accompagnement pour les sous-traitants de la filière, qui craignent pour des centaines d'emplois.
Le groupe, qui a perdu plus de huit milliards d'euros l'an dernier, prévoit de réduire ses capacités de production mondiales de près de vingt pour cent d'ici trois ans.`

func TestSimilarity(t *testing.T) {
	paragraphs := strings.Split(dispatch, "\n")
	tests := []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{"same text", dispatch, dispatch, 1, 1},
		{"case, accents and punctuation", dispatch, strings.ToUpper(strings.NewReplacer("é", "e", ",", "", ".", " !").Replace(dispatch)), 0.95, 1},
		{"shortened to its first three paragraphs", dispatch, strings.Join(paragraphs[:3], "\n"), 0.8, 1},
		{"a lead paragraph added", dispatch, "Coup dur pour l'industrie française. " + "Le gouvernement dit avoir été prévenu la veille au soir par la direction du groupe, qui a refusé de commenter.\n" + dispatch, 0.8, 1},
		{"another article", dispatch, "La Bourse de Paris a fini en hausse de deux pour cent vendredi, portée par les valeurs bancaires et les espoirs d'une baisse des taux directeurs de la Banque centrale européenne dès le mois de juin, selon les analystes interrogés par l'agence, qui restent prudents sur la suite de l'année.", 0, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Sign(tt.a), Sign(tt.b)
			c := a.Containment(b)
			if c < tt.min || c > tt.max {
				t.Errorf("containment %.3f, want [%.2f, %.2f]", c, tt.min, tt.max)
			}
			if c2 := b.Containment(a); c2 != c {
				t.Errorf("not symmetric: %.3f vs %.3f", c, c2)
			}
		})
	}
}

func TestMatchable(t *testing.T) {
	for _, text := range []string{"", "   ", "Trois petits mots", "Une phrase de dix mots pour voir ce qui arrive ici."} {
		if s := Sign(text); s.Matchable() {
			t.Errorf("%q (%d shingles) is matchable", text, s.Shingles)
		}
	}
	if _, ok := Matches(Member{ID: "a", Signature: Sign("")}, Member{ID: "b", Signature: Sign("")}); ok {
		t.Error("two empty texts match")
	}
	if !Sign(dispatch).Matchable() {
		t.Error("a dispatch is not matchable")
	}
}

func TestMatchesWindow(t *testing.T) {
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	sig := Sign(dispatch)
	a := Member{ID: "a", Story: "a", Published: day, Signature: sig}
	for _, tt := range []struct {
		published time.Time
		want      bool
	}{
		{day, true}, {day.Add(Window), true}, {day.Add(-Window - time.Hour), false}, {time.Time{}, true},
	} {
		if _, ok := Matches(a, Member{ID: "b", Published: tt.published, Signature: sig}); ok != tt.want {
			t.Errorf("published %v: match %v, want %v", tt.published, ok, tt.want)
		}
	}
}

func TestMemoryAssign(t *testing.T) {
	m := NewMemory()
	paragraphs := strings.Split(dispatch, "\n")
	if s := m.Assign(Member{ID: "afp", Signature: Sign(dispatch)}); s != "afp" {
		t.Errorf("the first copy's story is %q, want its own id", s)
	}
	if s := m.Assign(Member{ID: "reprint", Signature: Sign(strings.Join(paragraphs[:4], "\n"))}); s != "afp" {
		t.Errorf("a reprint's story is %q, want afp", s)
	}
	if s := m.Assign(Member{ID: "other", Signature: Sign("Un tout autre sujet, sans rapport aucun avec l'usine ni avec les salariés du constructeur, dont on parle ici pour remplir la ligne et avoir assez de mots.")}); s != "other" {
		t.Errorf("an unrelated article's story is %q", s)
	}
	// Replacing an article keeps one member per id.
	m.Assign(Member{ID: "reprint", Signature: Sign(strings.Join(paragraphs[:3], "\n"))})
	if m.Len() != 3 || len(m.Candidates(Sign(dispatch))) != 2 {
		t.Errorf("%d members, %d candidates for the dispatch", m.Len(), len(m.Candidates(Sign(dispatch))))
	}
}

func TestSignatureBinary(t *testing.T) {
	s := Sign(dispatch)
	data, _ := s.MarshalBinary()
	var back Signature
	if err := back.UnmarshalBinary(data); err != nil || back != s {
		t.Fatalf("round trip: %v", err)
	}
	if err := back.UnmarshalBinary(data[:10]); err == nil {
		t.Error("a short signature was accepted")
	}
	if s.Bands() != back.Bands() || len(s.Bands()[0].String()) != 16 {
		t.Error("bands differ after a round trip")
	}
}

// Table finds what Memory finds, across merges of its maps.
func TestTableMatchesMemory(t *testing.T) {
	words := strings.Fields(dispatch)
	text := func(i int) string { // overlapping windows of the dispatch, and noise
		start := (i * 7) % (len(words) - 60)
		return strings.Join(words[start:start+60], " ") + fmt.Sprintf(" note %d %d %d", i, i*i, i%13)
	}
	tab, mem, recent := NewTable(), NewMemory(), NewMemory()
	n := 2*tailLimit + 500
	since := tailLimit + 100 // recent holds the articles from there on
	for i := range n {
		id := fmt.Sprintf("a%d", i)
		sig := Sign(text(i))
		tab.Add(id, sig)
		mem.Add(Member{ID: id, Signature: sig})
		if i >= since {
			recent.Add(Member{ID: id, Signature: sig})
		}
	}
	if tab.Len() != n {
		t.Fatalf("Len %d, want %d", tab.Len(), n)
	}
	ids := func(ms []Member) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		slices.Sort(out)
		return out
	}
	for _, i := range []int{0, 3, tailLimit - 1, tailLimit + 7, since, 2*tailLimit + 3, n - 1} {
		sig := Sign(text(i))
		want := ids(mem.Candidates(sig))
		got := tab.Candidates(sig, 1<<30)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("text %d: table finds %d candidates, memory %d", i, len(got), len(want))
		}
		if len(got) > 3 && len(tab.Candidates(sig, 3)) != 3 {
			t.Errorf("limit not applied")
		}
		want = ids(recent.Candidates(sig))
		got = tab.CandidatesSince(sig, since)
		if !slices.IsSortedFunc(got, func(a, b string) int { return cmp.Compare(idNum(a), idNum(b)) }) {
			t.Errorf("text %d: candidates since %d not in the order added: %q", i, since, got)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || len(want) == 0 && i >= since {
			t.Errorf("text %d: table finds %d candidates since %d, memory %d", i, len(got), since, len(want))
		}
	}
}

// idNum reads the number of an id "a123".
func idNum(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "a"))
	return n
}

// TestMergeSorted merges sorted runs in place, duplicates and empty runs
// included.
func TestMergeSorted(t *testing.T) {
	for _, tc := range []struct{ s, add []uint64 }{
		{nil, nil},
		{nil, []uint64{1, 2}},
		{[]uint64{1, 2}, nil},
		{[]uint64{1, 5, 9}, []uint64{0, 5, 6, 10}},
		{[]uint64{4, 5}, []uint64{1, 2}},
		{append(make([]uint64, 0, 10), 3, 7), []uint64{1, 8}},
	} {
		want := slices.Sorted(slices.Values(append(slices.Clone(tc.s), tc.add...)))
		if got := mergeSorted(slices.Clone(tc.s), tc.add); !slices.Equal(got, want) {
			t.Errorf("mergeSorted(%v, %v) = %v, want %v", tc.s, tc.add, got, want)
		}
	}
}
