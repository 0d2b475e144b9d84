// Package labels reads veille's hand-labelled extraction data
// (testdata/labels at the module root, see its README): for each article
// of the shared data it names, every firm, country and sum of money the
// article names, and the split (train, dev, test) the article belongs to.
//
// The labels carry no article text: [Load] takes the title and text from
// the shared data (../shared/data) by id and checks them against the
// SHA-256 the labels recorded. The package also holds the deterministic
// selection of the articles to label ([Select]) and the scoring the
// evaluation and the company trainer share ([Score]).
package labels

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"veille/corpus/corpustest"
)

// Sets and their sources in the shared data.
const (
	SetFrBusiness = "fr-business"
	SetFrGeneral  = "fr-general"
	SetEnBusiness = "en-business"
	SetEnGeneral  = "en-general"
	// SetSynthetic marks made-up training articles written for veille
	// (train split only; they carry their own text).
	SetSynthetic = "synthetic"
)

// Splits.
const (
	Train = "train"
	Dev   = "dev"
	Test  = "test"
)

// Amount is one labelled sum of money.
type Amount struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
	Text     string  `json:"text"`
}

// Article is one labelled article.
type Article struct {
	ID    string `json:"id"`
	Set   string `json:"set"`
	Split string `json:"split"`
	Lang  string `json:"lang"`
	// Round is the labelling round: 0 for the first (split by the id's
	// hash, [SplitOf]), 2 to 4 for the later ones (train split only,
	// [SelectRound2], [SelectRound3], [SelectRound4]).
	Round int `json:"round,omitempty"`
	// SHA256 is the hex SHA-256 of the trimmed title and text (see [Hash]).
	SHA256 string `json:"sha256"`
	// Companies are canonical names, each firm once; "A|B" gives two
	// equally good spellings.
	Companies []string `json:"companies"`
	// Mentions gives, for each entry of Companies, the surface forms
	// under which the article names the firm, as written.
	Mentions  map[string][]string `json:"mentions"`
	Countries []string            `json:"countries"`
	Amounts   []Amount            `json:"amounts"`
	Notes     string              `json:"notes,omitempty"`

	// Title and Text are filled by [Load] from the shared data, or are
	// in the labels line for synthetic articles.
	Title string `json:"title,omitempty"`
	Text  string `json:"text,omitempty"`
	// Date is the article's publication date (YYYY-MM-DD) when the shared
	// data gives one.
	Date string `json:"-"`
}

// Content is the text extraction reads: title and text.
func (a *Article) Content() string { return a.Title + "\n" + a.Text }

// Hash returns the hex SHA-256 of title + "\n" + text, both without
// leading and trailing white space.
func Hash(title, text string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(title) + "\n" + strings.TrimSpace(text)))
	return hex.EncodeToString(h[:])
}

// Files are the labels files of the module, in testdata/labels: the
// first round (train, dev and test splits) and the later ones (train
// only).
var Files = []string{"labels.jsonl", "round2.jsonl", "round3.jsonl", "round4.jsonl"}

// Sources maps a set to the shared data file its articles come from.
var Sources = map[string]string{
	SetFrBusiness: "orangesum-fr.jsonl.gz",
	SetFrGeneral:  "orangesum-fr.jsonl.gz",
	SetEnBusiness: "news-en.jsonl.gz",
	SetEnGeneral:  "news-en.jsonl.gz",
}

// ErrMismatch is wrapped by [Load] when an article's text in the shared
// data is not the one that was labelled.
var ErrMismatch = errors.New("labels: article text differs from the labelled one")

// Read reads a labels file (one JSON article a line) without texts.
func Read(path string) ([]Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Article
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var a Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("labels: %s line %d: %w", path, line, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("labels: %s: %w", path, err)
	}
	return out, nil
}

// Write writes articles to path, one JSON object a line, as [Read]
// reads them back.
func Write(path string, as []Article) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range as {
		if err := enc.Encode(&as[i]); err != nil {
			return err
		}
	}
	return w.Flush()
}

// Load reads the labels files at paths and fills each article's title,
// text and date from the shared data folder dataDir. Articles of
// synthetic sets keep the text of their line. It fails, wrapping
// [ErrMismatch], when a text's hash differs from the labelled one, and
// when an article is missing from the shared data.
func Load(dataDir string, paths ...string) ([]Article, error) {
	var all []Article
	for _, p := range paths {
		as, err := Read(p)
		if err != nil {
			return nil, err
		}
		all = append(all, as...)
	}
	need := map[string]map[string]int{} // file → id → index
	for i, a := range all {
		if a.Set == SetSynthetic {
			continue
		}
		src, ok := Sources[a.Set]
		if !ok {
			return nil, fmt.Errorf("labels: %s: unknown set %q", a.ID, a.Set)
		}
		if need[src] == nil {
			need[src] = map[string]int{}
		}
		need[src][a.ID] = i
	}
	for src, ids := range need {
		found := 0
		err := corpustest.EachDoc(filepath.Join(dataDir, src), func(d corpustest.Doc) bool {
			if i, ok := ids[d.ID]; ok {
				all[i].Title, all[i].Text, all[i].Date = d.Title, d.Text, d.Date
				found++
			}
			return found < len(ids)
		})
		if err != nil {
			return nil, fmt.Errorf("labels: %w", err)
		}
		if found < len(ids) {
			return nil, fmt.Errorf("labels: %d labelled articles missing from %s", len(ids)-found, src)
		}
	}
	for _, a := range all {
		if a.Set != SetSynthetic && Hash(a.Title, a.Text) != a.SHA256 {
			return nil, fmt.Errorf("%w: %s", ErrMismatch, a.ID)
		}
	}
	return all, nil
}

// Problems lists what is wrong with a's labels: mentions and amount texts
// that do not occur verbatim in its title and text, companies without
// mentions, malformed country codes, non-positive or non-finite amounts.
func Problems(a *Article) []string {
	var out []string
	content := a.Content()
	seen := map[string]bool{}
	for _, c := range a.Companies {
		if seen[c] {
			out = append(out, fmt.Sprintf("company %q listed twice", c))
		}
		seen[c] = true
		ms := a.Mentions[c]
		if len(ms) == 0 {
			out = append(out, fmt.Sprintf("company %q has no mention", c))
		}
		for _, m := range ms {
			if !strings.Contains(content, m) {
				out = append(out, fmt.Sprintf("mention %q of %q is not in the text", m, c))
			}
		}
	}
	for name := range a.Mentions {
		if !seen[name] {
			out = append(out, fmt.Sprintf("mentions of %q, which is not in companies", name))
		}
	}
	for _, c := range a.Countries {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			out = append(out, fmt.Sprintf("country %q is not an alpha-2 code", c))
		}
	}
	for _, m := range a.Amounts {
		if len(m.Currency) != 3 || strings.ToUpper(m.Currency) != m.Currency {
			out = append(out, fmt.Sprintf("amount %v: currency %q", m.Value, m.Currency))
		}
		if m.Text != "" && !strings.Contains(content, m.Text) {
			out = append(out, fmt.Sprintf("amount text %q is not in the text", m.Text))
		}
	}
	return out
}
