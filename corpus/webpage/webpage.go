// Package webpage finds the article in an HTML page: its main text, found
// by Mozilla's Readability algorithm (codeberg.org/readeck/go-readability),
// and its metadata (headline, publication date, author, site name,
// canonical URL, language) read from OpenGraph and other <meta> tags,
// JSON-LD (NewsArticle and its kin), <time> elements and <link
// rel=canonical>. The page's bytes are decoded from the charset its
// Content-Type, byte order mark or <meta> declares (UTF-8 when the bytes
// are valid UTF-8 and nothing is declared, Windows-1252 otherwise).
//
// The package knows nothing of articles: [corpus.ParseHTML] turns a
// [Page] into one, dropping the boilerplate lines (captions, credits,
// "read also") that Readability keeps.
package webpage

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// Limits of [Parse]. They keep a hostile page from exhausting memory or
// time: parsing is linear in the page, Readability's scoring is not.
const (
	// MaxSize is the largest page Parse reads, in bytes.
	MaxSize = 16 << 20
	// MaxElements is the most elements a page may have for Readability to
	// look for its main text; past it, the text is the page's paragraphs.
	MaxElements = 60_000
)

// ErrTooLarge is returned (wrapped) by [Parse] for a page over [MaxSize].
var ErrTooLarge = errors.New("webpage: page too large")

// ErrNotHTML is returned (wrapped) by [Parse] for content that is not an
// HTML page: binary data, or text with no element at all.
var ErrNotHTML = errors.New("webpage: not an HTML page")

// Page is what [Parse] finds in a page. Fields the page does not carry are
// empty (zero times).
type Page struct {
	// Title is the headline: og:title, else JSON-LD headline,
	// twitter:title, Readability's pick, the <title> element.
	Title string
	// Text is the main text, paragraphs separated by blank lines.
	Text string
	// Description is the page's summary (og:description, description).
	Description string
	// Published is the publication time: JSON-LD datePublished, else
	// article:published_time and the other date <meta> tags, the first
	// <time datetime> element. Its zone is the page's.
	Published time.Time
	// Modified is the last modification time, when the page gives one.
	Modified time.Time
	// Author is the byline: JSON-LD author names, else the author <meta>
	// tags, Readability's byline.
	Author string
	// SiteName is the publication's name: og:site_name, else JSON-LD
	// publisher, application-name.
	SiteName string
	// CanonicalURL is the page's own address: <link rel=canonical>, else
	// og:url, JSON-LD url; absolute (resolved against the page URL),
	// http or https only. Empty when the page names none.
	CanonicalURL string
	// Language is the ISO 639-1 code the page declares (<html lang>,
	// og:locale, inLanguage), lower case.
	Language string
	// Charset is the name of the encoding the page was decoded from.
	Charset string
}

// Parse reads an HTML page. contentType is the Content-Type it came with
// ("" when unknown; its charset parameter wins over the page's own
// declaration); pageURL is where it came from ("" when unknown), used to
// resolve relative links. Parse fails only for pages over [MaxSize]
// ([ErrTooLarge]) and for content that is not HTML ([ErrNotHTML]); a
// page without main text gives an empty Text, not an error.
func Parse(data []byte, contentType, pageURL string) (Page, error) {
	if len(data) > MaxSize {
		return Page{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), MaxSize)
	}
	text, enc := decode(data, contentType)
	if !looksLikeHTML(text) {
		return Page{}, fmt.Errorf("%w: no HTML element in the first %d bytes", ErrNotHTML, sniffLen)
	}
	doc, err := html.Parse(bytes.NewReader(text))
	if err != nil { // html.Parse fails only on reader errors
		return Page{}, fmt.Errorf("%w: %v", ErrNotHTML, err)
	}
	base, _ := url.Parse(pageURL)
	if base != nil && base.Scheme != "http" && base.Scheme != "https" {
		base = nil
	}
	m := readMeta(doc)
	p := Page{Charset: enc}
	if n := countElements(doc, MaxElements+1); n <= MaxElements {
		parser := readability.NewParser()
		parser.DisableJSONLD = true // read by readMeta, with NewsArticle's fields
		if art, err := parser.ParseAndMutate(doc, base); err == nil && art.Node != nil {
			p.Text = render.InnerText(art.Node)
			m.add(&m.title, art.Title())
			m.add(&m.author, art.Byline())
			m.add(&m.site, art.SiteName())
		}
	} else {
		p.Text = paragraphs(doc)
	}
	p.Text = tidyText(p.Text)
	m.fill(&p, base)
	return p, nil
}

// Text returns the plain text of an HTML fragment (a feed item's content
// or summary), paragraphs separated by blank lines; text without markup
// comes back with its white space tidied.
func Text(fragment string) string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return tidyText(fragment)
	}
	var b strings.Builder
	for _, n := range nodes {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			continue
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			continue
		}
		b.WriteString(render.InnerText(n))
		b.WriteString("\n")
	}
	return tidyText(b.String())
}

// sniffLen is how far into the content [looksLikeHTML] looks for a tag.
const sniffLen = 4096

// looksLikeHTML reports whether text has a '<' followed by a letter, '!' or
// '?' in its first sniffLen bytes and no NUL byte there (binary data).
func looksLikeHTML(text []byte) bool {
	head := text[:min(len(text), sniffLen)]
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	for i := bytes.IndexByte(head, '<'); i >= 0 && i+1 < len(head); {
		c := head[i+1]
		if c == '!' || c == '?' || c == '/' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)) {
			return true
		}
		j := bytes.IndexByte(head[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// decode returns data as UTF-8 and the name of the encoding it was in: the
// one a byte order mark or contentType declares, else a <meta> declaration
// unless the whole page is valid UTF-8, else UTF-8 or Windows-1252.
func decode(data []byte, contentType string) ([]byte, string) {
	enc, name, certain := charset.DetermineEncoding(data, contentType)
	if !certain && utf8.Valid(data) {
		return data, "utf-8"
	}
	if name == "utf-8" {
		return bytes.ToValidUTF8(data, []byte("\uFFFD")), name
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return bytes.ToValidUTF8(data, []byte("\uFFFD")), "utf-8"
	}
	return out, name
}

// countElements counts the element nodes of doc, stopping at limit.
func countElements(doc *html.Node, limit int) int {
	n := 0
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		for c := x.FirstChild; c != nil && n < limit; c = c.NextSibling {
			if c.Type == html.ElementNode {
				n++
			}
			walk(c)
		}
	}
	walk(doc)
	return n
}

// paragraphs returns the text of doc's <p> elements, one a paragraph: the
// main text of a page too large for Readability.
func paragraphs(doc *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		if x.Type == html.ElementNode {
			switch x.Data {
			case "script", "style", "noscript", "template", "nav", "header", "footer", "aside":
				return
			case "p":
				b.WriteString(render.InnerText(x))
				b.WriteString("\n\n")
				return
			}
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// tidyText trims every line, drops the lines with no visible character and
// leaves one blank line between paragraphs.
func tidyText(s string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimFunc(line, isSpace)
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(line)
	}
	return b.String()
}

// isSpace is unicode.IsSpace plus the zero-width characters pages use as
// spacers.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff'
}

// collapse trims s and replaces every run of white space in it by one
// space.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}
