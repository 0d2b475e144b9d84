package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"veille/api"
	"veille/corpus"
	"veille/index"
)

func TestHelpListsCommands(t *testing.T) {
	var out bytes.Buffer
	if _, err := parseConfig([]string{"--help"}, func(string) string { return "" }, &out); err == nil {
		t.Fatal("--help is no usage error")
	}
	for _, want := range []string{"veille index", "veille search", "  index ", "  search ", "  serve ", "-addr", "-corpus"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("veille --help lacks %q:\n%s", want, out.String())
		}
	}
}

// searchData makes a data folder holding two articles and returns it.
func searchData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	x, err := index.Open(context.Background(), dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, a := range []corpus.Article{
		{ID: "big", Title: "Nvidia lève 2 milliards", Body: "Nvidia lève 2 milliards d'euros.\x1b[2J", Language: "fr",
			Amounts: []corpus.Amount{{Value: 2e9, Currency: "EUR", EUR: 2e9, Text: "2 milliards d'euros"}}},
		{ID: "small", Title: "Nvidia lève 1 million", Body: "Nvidia lève 1 million d'euros.", Language: "fr",
			Amounts: []corpus.Amount{{Value: 1e6, Currency: "EUR", EUR: 1e6, Text: "1 million d'euros"}}},
	} {
		if _, _, err := x.Put(context.Background(), a, index.Origin{}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runSearch(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"search"}, args...), func(string) string { return "" }, &out, &bytes.Buffer{})
	return out.String(), err
}

func TestSearchCommand(t *testing.T) {
	dir := searchData(t)
	// The amount as the page takes it: one parser for both.
	out, err := runSearch(t, "--data", dir, "--amount-min", "1,5 Md", "nvidia")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1 results") || !strings.Contains(out, "*Nvidia* lève 2 milliards") || strings.Contains(out, "1 million") {
		t.Errorf("output:\n%s", out)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("control characters of the article reach the terminal: %q", out)
	}
	// Corrections are said.
	if out, err = runSearch(t, "--data", dir, "nvidai"); err != nil || !strings.Contains(out, "nvidai → nvidia") {
		t.Errorf("typo: %v\n%s", err, out)
	}
	// Bad input: the API's message.
	if _, err = runSearch(t, "--data", dir, "--amount-min", "beaucoup", "nvidia"); err == nil || !strings.Contains(err.Error(), "amount_min") {
		t.Errorf("bad amount: %v", err)
	}
}

// TestSearchCommandCollapsesStories checks --collapse story: the three
// reprints of one dispatch are one hit that says how many others it
// stands for, and the total counts stories.
func TestSearchCommandCollapsesStories(t *testing.T) {
	dir := t.TempDir()
	x, err := index.Open(context.Background(), dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dispatch := []string{
		"Le constructeur de batteries Verkor a inauguré lundi sa gigafactory de Dunkerque, qui emploiera mille deux cents salariés d'ici trois ans, après deux années de travaux menés avec la région.",
		"La direction assure que les premières cellules sortiront des lignes dès l'automne et que les constructeurs automobiles recevront leurs premières livraisons au début de l'année prochaine.",
		"Les syndicats saluent une bonne nouvelle pour l'emploi industriel du Nord mais demandent des garanties sur la formation des salariés recrutés localement et sur les conditions de travail.",
		"Le ministre de l'Industrie doit visiter le site à la fin du mois, tandis que la région promet un plan de formation pour les futurs techniciens de la filière des batteries.",
	}
	for _, a := range []corpus.Article{
		{ID: "afp", Title: "Verkor ouvre sa gigafactory", Body: strings.Join(dispatch, "\n"), Source: "AFP", Language: "fr"},
		{ID: "voix", Title: "La gigafactory Verkor ouvre", Body: "Le Nord tient sa gigafactory.\n" + strings.Join(dispatch[:3], "\n"), Source: "La Voix du Nord", Language: "fr"},
		{ID: "echos", Title: "Verkor démarre", Body: strings.Join(dispatch[1:], "\n"), Source: "Les Echos", Language: "fr"},
	} {
		if _, _, err := x.Put(context.Background(), a, index.Origin{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := runSearch(t, "--data", dir, "--collapse", "story", "batteries")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "1 stories, 3 articles") || strings.Contains(out, "\n2. ") || !strings.Contains(out, "+ 2 other articles of the story") {
		t.Errorf("collapsed output:\n%s", out)
	}
	if out, err = runSearch(t, "--data", dir, "batteries"); err != nil || !strings.HasPrefix(out, "3 results") {
		t.Errorf("without --collapse: %v\n%s", err, out)
	}
	if _, err = runSearch(t, "--data", dir, "--collapse", "words", "batteries"); err == nil || !strings.Contains(err.Error(), "collapse") {
		t.Errorf("bad --collapse: %v", err)
	}
}

func TestSearchCommandAsksOnlyTheServerHoldingTheFolder(t *testing.T) {
	dir := searchData(t)
	// Another process holds the folder: here, another Open.
	holder, err := index.Open(context.Background(), dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	serve := func(x *index.Index) string {
		ts := httptest.NewServer(api.New(x, api.Options{}).Handler())
		t.Cleanup(ts.Close)
		u, _ := url.Parse(ts.URL)
		return u.Host
	}
	// No server: said, and not guessed.
	if _, err := runSearch(t, "--data", dir, "--addr", "127.0.0.1:1", "nvidia"); err == nil || !strings.Contains(err.Error(), "no veille server answers at 127.0.0.1:1") {
		t.Errorf("no server: %v", err)
	}
	// A server of another data folder is not asked.
	other, err := index.Open(context.Background(), t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := runSearch(t, "--data", dir, "--addr", serve(other), "nvidia"); err == nil || !strings.Contains(err.Error(), "serves another data folder") {
		t.Errorf("another server: %v", err)
	}
	// The server holding it answers.
	out, err := runSearch(t, "--data", dir, "--addr", serve(holder), "nvidia")
	if err != nil || !strings.Contains(out, "2 results") {
		t.Errorf("the holding server: %v\n%s", err, out)
	}
}

func TestTerminalText(t *testing.T) {
	f := api.Fragment{Text: "Le \x07géant Nvidia\x1b[31m investit", Marks: [][2]int{{11, 17}}}
	if got := terminalText(f, false); got != "Le  géant *Nvidia* [31m investit" {
		t.Errorf("plain: %q", got)
	}
	if got := terminalText(f, true); got != "Le  géant "+ansiMark+"Nvidia"+ansiReset+" [31m investit" {
		t.Errorf("colour: %q", got)
	}
	if got := terminalText(api.Fragment{Text: "abc", Marks: [][2]int{{2, 99}, {-1, 1}}}, false); got != "ab*c*" {
		t.Errorf("marks out of range: %q", got)
	}
}

func TestProgressBarCountsArticles(t *testing.T) {
	var out bytes.Buffer
	bar := newProgressBar(16<<30, &out, true)
	_ = bar.Add64(8 << 30) // half the bytes read at once: once "16 GB/s"
	bar.Describe(progressText(1200, 2*time.Second))
	_ = bar.Add64(8 << 30)
	if s := out.String(); !strings.Contains(s, "1200 articles, 600 articles/s") || strings.Contains(s, "B/s") || strings.Contains(s, "GB") {
		t.Errorf("progress bar: %q", s)
	}
}
