package labels

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"veille/corpus/corpustest"
	"veille/internal/testrace"
)

// TestSelectRounds checks on the shared data that the four labelling
// rounds choose disjoint articles, that the later rounds are train only
// (the third of its documented sizes), and that every label of the
// third and fourth rounds names an article its round chose.
func TestSelectRounds(t *testing.T) {
	testrace.SkipHeavy(t)
	dir, err := corpustest.Dir()
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(labelsDir, "first-round-ids.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var firstIDs []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			firstIDs = append(firstIDs, l)
		}
	}
	r1, err := Select(dir, firstIDs)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := SelectRound2(dir, firstIDs)
	if err != nil {
		t.Fatal(err)
	}
	r3, err := SelectRound3(dir, firstIDs)
	if err != nil {
		t.Fatal(err)
	}
	r4, err := SelectRound4(dir, firstIDs)
	if err != nil {
		t.Fatal(err)
	}
	round := map[string]int{}
	for r, cs := range [][]Candidate{r1, r2, r3, r4} {
		for _, c := range cs {
			if prev, ok := round[c.ID]; ok {
				t.Errorf("%s chosen by rounds %d and %d", c.ID, prev+1, r+1)
			}
			round[c.ID] = r
		}
	}
	sets := map[string]int{}
	for _, c := range r3 {
		sets[c.Set]++
		if c.Split != Train || c.Round != 3 {
			t.Errorf("%s: split %s round %d, want train 3", c.ID, c.Split, c.Round)
		}
	}
	if sets[SetFrBusiness] != FrBusinessRound3 || sets[SetEnBusiness] != EnBusinessRound3 || len(sets) != 2 {
		t.Errorf("third round sets %v, want %d fr-business and %d en-business", sets, FrBusinessRound3, EnBusinessRound3)
	}
	for _, c := range r4 {
		if c.Split != Train || c.Round != 4 {
			t.Errorf("%s: split %s round %d, want train 4", c.ID, c.Split, c.Round)
		}
	}
	if len(r4) == 0 {
		t.Error("the fourth round chose no article")
	}
	for want, file := range map[int]string{3: "round3.jsonl", 4: "round4.jsonl"} {
		labelled, err := Read(filepath.Join(labelsDir, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range labelled {
			if r, ok := round[a.ID]; !ok || r != want-1 || a.Round != want {
				t.Errorf("%s: in %s (round %d) but not chosen by round %d", a.ID, file, a.Round, want)
			}
		}
	}
}
