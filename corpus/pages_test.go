package corpus

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// This file builds realistic web pages around real news articles, to test
// that ParseRaw's heuristics generalise beyond the five seeds. Each
// template imitates a kind of French (or English) news or blog page with
// its menus, share buttons, bylines, captions, promos and footers.

// sharedData returns the path of a file of the shared data folder
// (../shared/data from the module root), skipping the test when absent.
func sharedData(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join("..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data %s not available: %v", name, err)
	}
	return p
}

// orangeArticle is one line of orangesum-fr.jsonl.gz.
type orangeArticle struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Date  string `json:"date"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// loadOrange reads the first n articles of the OrangeSum sample.
func loadOrange(tb testing.TB, n int) []orangeArticle {
	return readSharedJSONL[orangeArticle](tb, "orangesum-fr.jsonl.gz", n)
}

// readSharedJSONL decodes the first n lines (all when n < 0) of a gzipped
// JSON Lines file of the shared data folder, skipping the test when the
// file is absent.
func readSharedJSONL[T any](tb testing.TB, name string, n int) []T {
	tb.Helper()
	f, err := os.Open(sharedData(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 32<<20)
	var out []T
	for sc.Scan() && (n < 0 || len(out) < n) {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// gluedSentence finds OrangeSum's glued paragraphs: "en Europe.Renault".
var gluedSentence = regexp.MustCompile(`([\p{Ll}0-9)»"]\.)(\p{Lu}|«|")`)

// paragraphs splits an OrangeSum text into its paragraphs.
func paragraphs(text string) []string {
	text = gluedSentence.ReplaceAllString(text, "$1\n$2")
	var out []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var (
	frMonths  = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	frDays    = []string{"dim", "lun", "mar", "mer", "jeu", "ven", "sam"}
	frMonAbbr = []string{"Jan", "Fév", "Mar", "Avr", "Mai", "Juin", "Juil", "Août", "Sep", "Oct", "Nov", "Déc"}
	authors   = []string{"Claire Martin", "Jean-Pierre Durand", "Sophie Lefèvre", "Marc A.", "Nadia Benali"}
)

// page is a synthetic web page and what ParseRaw should find in it.
type page struct {
	name     string
	text     string
	title    string
	date     time.Time // zero when the page shows no date
	author   string
	paras    []string // the article's paragraphs, all expected in the body
	noise    []string // strings that must not be in the body
	template string
}

// pageTemplate renders an article as a page.
type pageTemplate struct {
	name string
	// render writes the page; it returns whether the page shows the date.
	render func(b *strings.Builder, a orangeArticle, paras []string, date time.Time, author string, others []string, rng *rand.Rand) bool
	noise  []string
}

func frLong(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), frMonths[t.Month()-1], t.Year())
}

func writeParas(b *strings.Builder, paras []string, sep string) {
	for i, p := range paras {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
}

var pageTemplates = []pageTemplate{
	{
		name: "national-daily",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "Aller au contenu principal\nMenu\nRechercher\nS’abonner\nSe connecter\n\nÉconomie\n\n%s\n\n", a.Title)
			fmt.Fprintf(b, "Par %s\nPublié le %s à 10h32, mis à jour à 11h05\nLecture 3 min.\n\nArticle réservé aux abonnés\nOffrir cet article\nPartager\nFacebook\nX\nCopier le lien\n\n", author, frLong(d))
			half := (len(paras) + 1) / 2
			writeParas(b, paras[:half], "\n\n")
			fmt.Fprintf(b, "\n\nLire aussi | %s\n\n", others[0])
			writeParas(b, paras[half:], "\n\n")
			b.WriteString("\n\nNewsletter « La Matinale »\nChaque matin, retrouvez notre sélection de 20 articles à ne pas manquer.\nS’inscrire\n\nLe Journal avec AFP\nContribuer\nRéutiliser ce contenu\n")
			return true
		},
		noise: []string{"Lire aussi", "Newsletter", "Chaque matin", "Réutiliser", "Offrir cet article", "Copier le lien", "Lecture 3 min"},
	},
	{
		name: "regional",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "Le Courrier de l'Ouest\nAccueil > Actualités > France\n\n%s\n\n", a.Title)
			fmt.Fprintf(b, "Le Courrier avec AFP\nPublié le %02d/%02d/%d à 14h02\nModifié le %02d/%02d/%d à 18h30\n\nAbonnez-vous\n\n", d.Day(), d.Month(), d.Year(), d.Day(), d.Month(), d.Year()+1)
			writeParas(b, paras, "\n\n")
			fmt.Fprintf(b, "\n\nCet article vous a plu ? Abonnez-vous pour nous soutenir.\n\nSur le même sujet\n\n%s\n\n%s\n", others[0], others[1])
			return true
		},
		noise: []string{"Accueil >", "Abonnez-vous", "Sur le même sujet", "Modifié le"},
	},
	{
		name: "wordpress-blog",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "l'actu qui compte vraiment\nAccueil\nActualités\nContact\n\n%s\n\n%s\npar %s\n\n", a.Title, frLong(d), author)
			writeParas(b, paras, "\n\n")
			fmt.Fprintf(b, "\n\nPartager :\nTwitter\nFacebook\n\nJ’aime ça :\nJ’aime chargement…\n\nArticles similaires\n%s\n%s\n\nLaisser un commentaire Annuler la réponse.\nVotre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *\nCommentaire\nNom *\nE-mail *\nSite web\n", others[0], others[1])
			return true
		},
		noise: []string{"Partager", "J’aime", "Articles similaires", "Laisser un commentaire", "Votre adresse", "Nom *"},
	},
	{
		name: "english-aggregator",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "Skip to content\n%s\nBy %s\n%s %d, %d\n5 min read\n\n", a.Title, author, d.Month(), d.Day(), d.Year())
			writeParas(b, paras, "\n\n")
			fmt.Fprintf(b, "\n\nShare this article\n\nRelated Articles\n%s\n%s\n", others[0], others[1])
			return true
		},
		noise: []string{"Skip to content", "Share this", "Related Articles", "min read"},
	},
	{
		name: "markdown",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "# %s\n\n*%s* — %s\n\n", a.Title, author, d.Format("2006-01-02"))
			for i, p := range paras {
				if i == 1 {
					fmt.Fprintf(b, "![Illustration](https://img.example.org/%d.jpg)\n\n", i)
				}
				b.WriteString(p + "\n\n")
			}
			fmt.Fprintf(b, "---\n\n**À lire aussi :** [%s](https://example.org/a)\n", others[0])
			return true
		},
		noise: []string{"https://img", "](", "**"},
	},
	{
		name: "caption-header",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "Logo Le Quotidien\n\n%s\n\ntop-article-image\n\n", a.Title)
			fmt.Fprintf(b, "Des manifestants rassemblés devant la préfecture de Lyon, le %s, lors d'une journée de mobilisation nationale.\n\nPhoto: JEFF PACHOUD/AFP via Getty Images\n\nauthor-image\nPartager un article\n\nDurée de lecture: 4 Min.\n\n", frLong(d))
			writeParas(b, paras, "\n")
			fmt.Fprintf(b, "\n%s a contribué à la rédaction de cet article.\n", author)
			return true
		},
		noise: []string{"manifestants rassemblés", "Photo:", "author-image", "Durée de lecture", "a contribué à la rédaction"},
	},
	{
		name: "euronews-like",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "Newsletter Newsletters Events Évènements Podcasts Vidéos Africanews\nLoader\nSuivez-nous\nPublicité\n\n%s\n\n", a.Title)
			b.WriteString("Une vue de la ville depuis le fleuve.\nUne vue de la ville depuis le fleuve. Tous droits réservés  John Doe/Copyright 2020 The AP. All rights reserved.\n")
			fmt.Fprintf(b, "Par  %s\nPublié le\n%02d/%02d/%d - 14:03\nPartager cet article Discussion\nPartager cet article Close Button\n\n", author, d.Day(), d.Month(), d.Year())
			writeParas(b, paras[:1], "")
			b.WriteString("\n\nPUBLICITÉ\n\n")
			writeParas(b, paras[1:], "\n\n")
			fmt.Fprintf(b, "\n\nAccéder aux raccourcis d'accessibilité\nPartager cet article Discussion\n\nÀ découvrir également\n\n%s\n\n%s\n", others[0], others[1])
			return true
		},
		noise: []string{"PUBLICITÉ", "Une vue de la ville", "All rights reserved", "Partager", "Accéder", "À découvrir également"},
	},
	{
		name: "plain",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "%s\n\n", a.Title)
			writeParas(b, paras, "\n\n")
			return false
		},
	},
	{
		name: "crypto-blog",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "la finance pour tous\nRejoindre\nA\nA\n\n%s\n\n%s %02d %s %d ▪ 3 min de lecture ▪ par %s\nS'informer Société\n\n", a.Title, frDays[d.Weekday()], d.Day(), frMonAbbr[d.Month()-1], d.Year(), author)
			writeParas(b, paras, "\n\n")
			fmt.Fprintf(b, "\n\nMaximisez votre expérience avec notre programme de fidélité ! Pour chaque article que vous lisez, gagnez des points. Inscrivez-vous dès maintenant.\n\n\n\nRejoindre le programme\nA\nA\n%s avatar\n%s\n\nDiplômé de Sciences Po, j'ai rejoint la rédaction en 2019 pour couvrir l'actualité et décrypter ses enjeux pour le grand public.\n\nDISCLAIMER\n\nLes propos et opinions exprimés dans cet article n'engagent que leur auteur.", author, author)
			return true
		},
		noise: []string{"Maximisez", "Rejoindre", " avatar", "Diplômé de Sciences Po", "DISCLAIMER", "S'informer"},
	},
	{
		name: "cookie-banner",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			b.WriteString("Nous utilisons des cookies pour améliorer votre expérience. En poursuivant votre navigation, vous acceptez l'utilisation de cookies à des fins de mesure d'audience.\nAccepter\nParamétrer les cookies\nAccueil / France / Société\n\n")
			fmt.Fprintf(b, "%s | L'Info Locale\n\nMis à jour le %s\n\n", a.Title, d.AddDate(0, 0, 1).Format("2006-01-02"))
			fmt.Fprintf(b, "Publié le %s\n\n", d.Format("2006-01-02"))
			writeParas(b, paras, "\r\n\r\n")
			b.WriteString("\r\n\r\nTags : France, Société\r\n© 2020 L'Info Locale\r\n")
			return true
		},
		noise: []string{"cookies", "Accueil /", "Tags", "©", "L'Info Locale"},
	},
	{
		name: "hard-wrapped",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "%s\n%s\n\n", a.Title, strings.Repeat("=", min(len(a.Title), 60)))
			for i, p := range paras {
				if i > 0 {
					b.WriteString("\n\n")
				}
				b.WriteString(wrap(p, 72))
			}
			b.WriteString("\n")
			return false
		},
	},
	{
		name: "nbsp-bom",
		render: func(b *strings.Builder, a orangeArticle, paras []string, d time.Time, author string, others []string, rng *rand.Rand) bool {
			fmt.Fprintf(b, "\ufeffAccueil\u00a0›\u00a0Monde\n\t%s\u00a0\n\n•\u00a0Par\u00a0%s\u202f• le %s\n\n", strings.ReplaceAll(a.Title, " ", "\u00a0"), author, frLong(d))
			writeParas(b, paras, "\n\n")
			fmt.Fprintf(b, "\n\nÀ lire aussi\n%s\n", others[0])
			return true
		},
		noise: []string{"Accueil", "lire aussi"},
	},
}

// wrap breaks s into lines of at most width bytes at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(w) > width {
				b.WriteByte('\n')
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// buildPages renders each article with a template, in turn.
func buildPages(tb testing.TB, arts []orangeArticle) []page {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var pages []page
	for i, a := range arts {
		paras := paragraphs(a.Text)
		if len(paras) < 2 || len(strings.Fields(a.Title)) < 2 {
			continue
		}
		d, err := time.Parse(time.DateOnly, a.Date)
		if err != nil {
			continue
		}
		tpl := pageTemplates[i%len(pageTemplates)]
		others := []string{arts[(i+1)%len(arts)].Title, arts[(i+2)%len(arts)].Title}
		author := authors[rng.IntN(len(authors))]
		var b strings.Builder
		shows := tpl.render(&b, a, paras, d, author, others, rng)
		p := page{name: a.ID + "-" + tpl.name, text: b.String(), title: strings.Join(strings.Fields(a.Title), " "),
			paras: paras, noise: append(append([]string{}, tpl.noise...), others...), template: tpl.name}
		if shows {
			p.date = d
		}
		pages = append(pages, p)
	}
	return pages
}
