package labels

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"veille/corpus/corpustest"
)

// Selection sizes: how many articles of each set [Select] picks.
const (
	FrBusinessNew = 260 // new business articles, beside the first round's
	FrGeneral     = 130
	EnBusiness    = 180
	EnGeneral     = 40
)

// Sizes of the second round ([SelectRound2]): the next articles of the
// same sets in the same order, train split only.
const (
	FrBusinessRound2 = 200
	FrGeneralRound2  = 80
	EnBusinessRound2 = 120
)

// Sizes of the third round ([SelectRound3]), train split only, and the
// longest French business article it takes.
const (
	FrBusinessRound3 = 150
	EnBusinessRound3 = 80
	LongBusinessMax  = 6000
)

// Largest sizes of the fourth round ([SelectRound4]), train split only:
// the rest of the third round's pools, as far as they go.
const (
	FrBusinessRound4 = 80
	EnBusinessRound4 = 110
)

// BusinessCues are the words (lower case, ' as apostrophe) of which a
// French article needs four to count as business news.
var BusinessCues = []string{"chiffre d'affaires", "actionnaire", "en bourse", "bénéfice", "pdg", "salariés", "filiale",
	"rachat", "rachète", "racheté", "milliards d'euros", "millions d'euros", "millions de dollars",
	"milliards de dollars", "levée de fonds", "lève ", "start-up", "acquisition", "fusion", "investit",
	"usine", "directeur général", "résultat net", "cotée", "introduction en bourse", "investisseurs",
	"fonds", "entreprise", "société", "groupe", "banque", "contrat", "commande", "partenariat"}

// Candidate is one article chosen for labelling.
type Candidate struct {
	ID, Set, Split, Lang string
	Title, Text          string
	// FirstRound reports an article labelled in the first round (the 70
	// business articles of the previous label file), re-checked in this one.
	FirstRound bool
	// Round is the labelling round that chose it: 0 for the first
	// (see [Select]), 2, 3 and 4 for [SelectRound2], [SelectRound3] and
	// [SelectRound4].
	Round int
}

// key is the order of the selection: SHA-256 of "veille-labels-v2:" + s.
func key(s string) string {
	h := sha256.Sum256([]byte("veille-labels-v2:" + s))
	return hex.EncodeToString(h[:])
}

// SplitOf returns the split of an article: 30 % test, 15 % dev, 55 %
// train, by a hash of its id, so that it never depends on the labels.
func SplitOf(id string) string {
	x, _ := strconv.ParseUint(key("split:" + id)[:8], 16, 64)
	switch x %= 100; {
	case x < 30:
		return Test
	case x < 45:
		return Dev
	}
	return Train
}

// businessCues counts the cues of [BusinessCues] in s.
func businessCues(s string) int {
	s = strings.ReplaceAll(strings.ToLower(s), "’", "'")
	n := 0
	for _, c := range BusinessCues {
		if strings.Contains(s, c) {
			n++
		}
	}
	return n
}

// Select returns the articles to label, deterministically, from the shared
// data folder dataDir: without looking at any extractor's output, and
// first is the list of first-round ids (kept, in that order, at the head
// of fr-business).
//
//   - fr-business: the first round's articles, then the OrangeSum articles
//     of 700 to 4,000 characters with at least four [BusinessCues], first
//     [FrBusinessNew] by key;
//   - fr-general: OrangeSum articles of 400 to 4,000 characters that are
//     not business ones, first [FrGeneral] by key;
//   - en-business and en-general: English news of at most 4,500
//     characters of the category business, and of the others, first
//     [EnBusiness] and [EnGeneral] by key;
//
// where the key of an article is the SHA-256 of "veille-labels-v2:" + id,
// and its split is [SplitOf] its id.
func Select(dataDir string, first []string) ([]Candidate, error) {
	p, err := readPools(dataDir, first)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	out = append(out, p.firstRound...)
	out = append(out, head(p.biz, 0, FrBusinessNew)...)
	out = append(out, head(p.gen, 0, FrGeneral)...)
	out = append(out, head(p.enBiz, 0, EnBusiness)...)
	out = append(out, head(p.enGen, 0, EnGeneral)...)
	for i := range out {
		out[i].Split = SplitOf(out[i].ID)
	}
	return out, nil
}

// SelectRound2 returns the articles of the second labelling round: in
// each of the sets fr-business, fr-general and en-business, the
// [FrBusinessRound2], [FrGeneralRound2] and [EnBusinessRound2] articles
// that come after those of [Select] in the same order, all in the train
// split (whatever their id hashes to: the dev and test splits stay those
// of the first round).
func SelectRound2(dataDir string, first []string) ([]Candidate, error) {
	p, err := readPools(dataDir, first)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	out = append(out, head(p.biz, FrBusinessNew, FrBusinessRound2)...)
	out = append(out, head(p.gen, FrGeneral, FrGeneralRound2)...)
	out = append(out, head(p.enBiz, EnBusiness, EnBusinessRound2)...)
	return inTrain(out, 2), nil
}

// SelectRound3 returns the articles of the third labelling round, all
// in the train split:
//
//   - fr-business: the articles of the fr-business pool after those of
//     the first two rounds, then the OrangeSum articles of 4,001 to
//     [LongBusinessMax] characters with at least four [BusinessCues]
//     (longer than any earlier round's), each part in key order, first
//     [FrBusinessRound3] in all;
//   - en-business: the [EnBusinessRound3] English business articles after
//     those of the first two rounds, in the same order.
//
// No article of an earlier round can be chosen: the first two rounds
// took the heads of the same pools, and the long articles are in none.
func SelectRound3(dataDir string, first []string) ([]Candidate, error) {
	return selectLater(dataDir, first, 3, 0, FrBusinessRound3, EnBusiness+EnBusinessRound2, EnBusinessRound3)
}

// SelectRound4 returns the articles of the fourth labelling round, all
// in the train split: the next [FrBusinessRound4] French and
// [EnBusinessRound4] English business articles after those of
// [SelectRound3], in the same order (fewer where the pools run out).
func SelectRound4(dataDir string, first []string) ([]Candidate, error) {
	return selectLater(dataDir, first, 4, FrBusinessRound3, FrBusinessRound4, EnBusiness+EnBusinessRound2+EnBusinessRound3, EnBusinessRound4)
}

// selectLater returns the candidates of a round after the second, in
// the train split: fr French business articles of [pools.laterBusiness]
// after the first frSkip, then en English business articles after the
// first enSkip.
func selectLater(dataDir string, first []string, round, frSkip, fr, enSkip, en int) ([]Candidate, error) {
	p, err := readPools(dataDir, first)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	out = append(out, head(p.laterBusiness(), frSkip, fr)...)
	out = append(out, head(p.enBiz, enSkip, en)...)
	return inTrain(out, round), nil
}

// laterBusiness is the French business order of the rounds after the
// second: the fr-business pool after the first two rounds' articles, then
// the longer business articles.
func (p *pools) laterBusiness() []Candidate {
	return slices.Concat(head(p.biz, FrBusinessNew+FrBusinessRound2, len(p.biz)), p.bizLong)
}

// inTrain puts every candidate of a later round in the train split.
func inTrain(cs []Candidate, round int) []Candidate {
	for i := range cs {
		cs[i].Split, cs[i].Round = Train, round
	}
	return cs
}

// pools are the articles of each set, ordered by key; bizLong are the
// business articles longer than the fr-business pool's (see [SelectRound3]).
type pools struct {
	firstRound, biz, bizLong, gen, enBiz, enGen []Candidate
}

// head returns the n candidates of cs after the first skip.
func head(cs []Candidate, skip, n int) []Candidate {
	skip = min(skip, len(cs))
	return cs[skip:min(skip+n, len(cs))]
}

// readPools reads the shared data into the sets' pools, each ordered by key.
func readPools(dataDir string, first []string) (*pools, error) {
	isFirst := make(map[string]int, len(first))
	for i, id := range first {
		isFirst[id] = i
	}
	firstRound := make([]Candidate, len(first))
	var biz, bizLong, gen []Candidate
	err := corpustest.EachDoc(filepath.Join(dataDir, Sources[SetFrBusiness]), func(d corpustest.Doc) bool {
		c := Candidate{ID: d.ID, Lang: "fr", Title: d.Title, Text: d.Text}
		if i, ok := isFirst[d.ID]; ok {
			c.Set, c.FirstRound = SetFrBusiness, true
			c.Title = strings.TrimSpace(c.Title)
			firstRound[i] = c
			return true
		}
		n := utf8.RuneCountInString(d.Text)
		switch {
		case n >= 700 && n <= 4000 && businessCues(d.Title+" "+d.Text) >= 4:
			c.Set = SetFrBusiness
			biz = append(biz, c)
		case n >= 400 && n <= 4000:
			c.Set = SetFrGeneral
			gen = append(gen, c)
		case n > 4000 && n <= LongBusinessMax && businessCues(d.Title+" "+d.Text) >= 4:
			c.Set = SetFrBusiness
			bizLong = append(bizLong, c)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var enBiz, enGen []Candidate
	err = corpustest.EachDoc(filepath.Join(dataDir, Sources[SetEnBusiness]), func(d corpustest.Doc) bool {
		if utf8.RuneCountInString(d.Text) > 4500 {
			return true
		}
		c := Candidate{ID: d.ID, Lang: "en", Title: d.Title, Text: d.Text}
		if d.Category == "business" {
			c.Set = SetEnBusiness
			enBiz = append(enBiz, c)
		} else {
			c.Set = SetEnGeneral
			enGen = append(enGen, c)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	byKey := func(cs []Candidate) []Candidate {
		slices.SortStableFunc(cs, func(a, b Candidate) int { return strings.Compare(key(a.ID), key(b.ID)) })
		return cs
	}
	return &pools{firstRound: firstRound, biz: byKey(biz), bizLong: byKey(bizLong), gen: byKey(gen), enBiz: byKey(enBiz), enGen: byKey(enGen)}, nil
}
