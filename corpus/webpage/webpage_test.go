package webpage

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// body is enough article text for Readability to take it as the main text.
const body = `<p>Le constructeur automobile a annoncé mardi la fermeture de son usine de Flins, qui emploie deux mille salariés, après des mois de négociations avec les syndicats et les collectivités locales.</p>
<p>La direction assure que tous les salariés se verront proposer un poste sur un autre site du groupe, à moins de cinquante kilomètres, et que la production sera reprise par l'usine voisine de Poissy.</p>
<p>Les syndicats ont appelé à la grève pour jeudi et demandent l'ouverture de nouvelles négociations sur les conditions de départ et les indemnités versées aux salariés qui refuseraient leur mutation.</p>`

// page builds an HTML page with the given head and the article body.
func page(head string) string {
	return `<!DOCTYPE html><html lang="fr-FR"><head>` + head + `</head><body>
<nav><a href="/">Accueil</a> <a href="/eco">Économie</a></nav>
<article><h1>Le titre de l'article</h1>` + body + `</article>
<footer>© 2024 Le Journal</footer></body></html>`
}

func TestParseMetadata(t *testing.T) {
	paris := time.FixedZone("", 2*3600)
	tests := []struct {
		name    string
		html    string
		pageURL string
		want    Page
	}{
		{
			name: "OpenGraph and article tags",
			html: page(`<title>Fermeture à Flins - Le Journal</title>
<meta property="og:title" content="Renault ferme Flins">
<meta property="og:site_name" content="Le Journal">
<meta property="og:url" content="https://journal.example/eco/flins">
<meta property="article:published_time" content="2024-03-05T08:30:00+02:00">
<meta property="article:author" content="https://facebook.example/jdupont">
<meta name="author" content="Jeanne Dupont">
<meta property="og:description" content="L'usine ferme.">`),
			want: Page{Title: "Renault ferme Flins", SiteName: "Le Journal", CanonicalURL: "https://journal.example/eco/flins",
				Published: time.Date(2024, 3, 5, 8, 30, 0, 0, paris), Author: "Jeanne Dupont", Description: "L'usine ferme.", Language: "fr"},
		},
		{
			name: "JSON-LD NewsArticle in a graph, canonical link relative",
			html: page(`<title>x</title><link rel="canonical" href="/eco/flins?id=3">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"ignored"},
{"@type":["NewsArticle"],"headline":"Renault &amp; Flins","datePublished":"2024-03-05","dateModified":"2024-03-06T10:00:00Z",
"author":[{"@type":"Person","name":"Jeanne Dupont"},{"name":"Paul Martin"}],"publisher":{"@type":"Organization","name":"Le Journal"},"inLanguage":"fr"}]}</script>`),
			pageURL: "https://journal.example/amp/flins",
			want: Page{Title: "Renault & Flins", Published: time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), Modified: time.Date(2024, 3, 6, 10, 0, 0, 0, time.UTC),
				Author: "Jeanne Dupont, Paul Martin", SiteName: "Le Journal", CanonicalURL: "https://journal.example/eco/flins?id=3", Language: "fr"},
		},
		{
			name: "time element, no metadata, bad canonical",
			html: `<html><head><title>Flins : l'usine ferme</title><link rel="canonical" href="javascript:alert(1)"></head><body>
<article><time datetime="2024-03-05T09:00:00Z">5 mars</time>` + body + `</article></body></html>`,
			want: Page{Title: "Flins : l'usine ferme", Published: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)},
		},
		{
			name: "broken JSON-LD and absurd dates are ignored",
			html: page(`<meta property="og:title" content="  Renault
   ferme  Flins ">
<script type="application/ld+json">{"@type":"NewsArticle", "headline": </script>
<meta property="article:published_time" content="0001-01-01">
<meta name="date" content="12/03/2024">`),
			want: Page{Title: "Renault ferme Flins", Published: time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC), Language: "fr"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.html), "text/html", tt.pageURL)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(p.Text, "fermeture de son usine de Flins") || !strings.Contains(p.Text, "\n\nLa direction assure") {
				t.Errorf("text lacks the article's paragraphs:\n%s", p.Text)
			}
			for _, junk := range []string{"Accueil", "© 2024"} {
				if strings.Contains(p.Text, junk) {
					t.Errorf("text holds %q:\n%s", junk, p.Text)
				}
			}
			p.Text, p.Charset = "", ""
			if !p.Published.Equal(tt.want.Published) || !p.Modified.Equal(tt.want.Modified) {
				t.Errorf("dates %v, %v; want %v, %v", p.Published, p.Modified, tt.want.Published, tt.want.Modified)
			}
			p.Published, p.Modified, tt.want.Published, tt.want.Modified = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if p != tt.want {
				t.Errorf("got  %+v\nwant %+v", p, tt.want)
			}
		})
	}
}

func TestParseCharsets(t *testing.T) {
	const word = "Économie française : déjà l'été"
	latin1, err := charmap.Windows1252.NewEncoder().String(word)
	if err != nil {
		t.Fatal(err)
	}
	doc := func(head, title string) []byte {
		return []byte("<html><head>" + head + "<title>" + title + "</title></head><body>" + body + "</body></html>")
	}
	tests := []struct {
		name        string
		data        []byte
		contentType string
		charset     string
	}{
		{"UTF-8, undeclared", doc("", word), "", "utf-8"},
		{"Windows-1252, undeclared", doc("", latin1), "", "windows-1252"},
		{"ISO-8859-1 in a meta tag", doc(`<meta charset="iso-8859-1">`, latin1), "text/html", "windows-1252"},
		{"Windows-1252 in the header wins over a wrong meta", doc(`<meta charset="utf-8">`, latin1), "text/html; charset=windows-1252", "windows-1252"},
		{"a meta that lies about UTF-8 text", doc(`<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">`, word), "", "utf-8"},
		{"UTF-8 byte order mark", append([]byte("\xef\xbb\xbf"), doc("", word)...), "text/html; charset=iso-8859-1", "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.data, tt.contentType, "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Title != word || p.Charset != tt.charset {
				t.Errorf("title %q from %s, want %q from %s", p.Title, p.Charset, word, tt.charset)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		err  error
	}{
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR<html>"), ErrNotHTML},
		{"plain text", []byte("Just a sentence, no markup at all."), ErrNotHTML},
		{"empty", nil, ErrNotHTML},
		{"too large", bytes.Repeat([]byte("<p>x</p>"), MaxSize/8+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.data, "", ""); !errors.Is(err, tt.err) {
				t.Errorf("err %v, want %v", err, tt.err)
			}
		})
	}
}

// A page with more elements than Readability is given still yields its
// paragraphs, in time.
func TestParseManyElements(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><head><title>Grande page</title></head><body><nav>menu</nav>")
	for range MaxElements / 2 {
		b.WriteString("<div><span>x</span></div>")
	}
	b.WriteString(body + "</body></html>")
	p, err := Parse([]byte(b.String()), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Text, "Le constructeur automobile") || strings.Contains(p.Text, "menu") {
		t.Errorf("text %.200q", p.Text)
	}
}

// FuzzParse checks that any input gives valid UTF-8 fields or one of the
// documented errors, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(page(`<meta property="og:title" content="T"><script type="application/ld+json">{"@type":"NewsArticle","author":[{"name":1}]}</script>`)), "text/html", "https://a.example/x")
	f.Add([]byte(`<html><body><time datetime="2024-99-99">x</time><p>é</p>`), "text/html; charset=latin1", "")
	f.Add([]byte("<\x00>"), "", "::")
	f.Add([]byte(`<link rel=canonical href="//evil@host/"><meta charset="utf-16">`), "", "http://h/")
	f.Fuzz(func(t *testing.T, data []byte, contentType, pageURL string) {
		p, err := Parse(data, contentType, pageURL)
		if err != nil {
			if !errors.Is(err, ErrNotHTML) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		for _, s := range []string{p.Title, p.Text, p.Author, p.SiteName, p.CanonicalURL, p.Language, p.Description} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %+v", p)
			}
		}
		if p.CanonicalURL != "" && !strings.HasPrefix(p.CanonicalURL, "http://") && !strings.HasPrefix(p.CanonicalURL, "https://") {
			t.Fatalf("canonical URL %q", p.CanonicalURL)
		}
	})
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Premier paragraphe.</p><p>Second, <b>gras</b> &amp; fin.</p><script>x()</script>", "Premier paragraphe.\n\nSecond, gras & fin."},
		{"Texte brut\n   sur deux lignes ", "Texte brut\n\nsur deux lignes"},
		{"Une ligne<br>puis une autre", "Une ligne\n\npuis une autre"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
