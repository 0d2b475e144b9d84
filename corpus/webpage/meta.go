package webpage

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/itlightning/dateparse"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// meta holds the candidates for each field of a Page, best first.
type meta struct {
	title, author, site, canonical, lang, description []string
	published, modified                               []string
	pageTitle                                         string // the <title> element: the last resort
	timeElement                                       string // the first <time datetime>
}

// maxJSONLD is the most bytes of JSON-LD read from one page.
const maxJSONLD = 1 << 20

// add appends the non-empty, collapsed v to the candidates in *list. A
// value still holding character references once parsed (a page that
// escaped it twice, "&amp;quot;") is unescaped.
func (m *meta) add(list *[]string, v string) {
	if strings.Contains(v, "&") {
		v = html.UnescapeString(v)
	}
	if v = collapse(v); v != "" {
		*list = append(*list, v)
	}
}

// readMeta collects the metadata of doc, before Readability edits it.
func readMeta(doc *html.Node) *meta {
	m := &meta{}
	// Sources in order of trust: each later loop appends after the earlier.
	var metas []*html.Node
	var ldScripts []string
	var walk func(*html.Node)
	ldBytes := 0
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				m.add(&m.lang, attr(n, "lang"))
			case atom.Title:
				if m.pageTitle == "" {
					m.pageTitle = collapse(text(n))
				}
			case atom.Meta:
				metas = append(metas, n)
			case atom.Link:
				if hasToken(attr(n, "rel"), "canonical") {
					m.add(&m.canonical, attr(n, "href"))
				}
			case atom.Time:
				if m.timeElement == "" {
					m.timeElement = attr(n, "datetime")
				}
			case atom.Script:
				if strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") && ldBytes < maxJSONLD {
					s := text(n)
					ldBytes += len(s)
					ldScripts = append(ldScripts, s)
				}
				return
			case atom.Style, atom.Svg:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, s := range ldScripts {
		m.jsonLD(s)
	}
	for _, n := range metas {
		key := strings.ToLower(strings.TrimSpace(attr(n, "property")))
		if key == "" {
			key = strings.ToLower(strings.TrimSpace(attr(n, "name")))
		}
		if key == "" {
			key = strings.ToLower(strings.TrimSpace(attr(n, "itemprop")))
		}
		if key == "" && strings.EqualFold(attr(n, "http-equiv"), "content-language") {
			key = "content-language"
		}
		v := attr(n, "content")
		switch key {
		case "og:title":
			var og []string
			m.add(&og, v)
			m.title = append(og, m.title...) // og:title first
		case "twitter:title":
			m.add(&m.title, v)
		case "og:description", "description", "twitter:description":
			m.add(&m.description, v)
		case "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
			"publication_date", "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date":
			m.add(&m.published, v)
		case "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified":
			m.add(&m.modified, v)
		case "author", "article:author", "dc.creator", "parsely-author", "sailthru.author":
			if !strings.Contains(v, "://") { // article:author is often a profile URL
				m.add(&m.author, v)
			}
		case "og:site_name", "application-name", "publisher":
			m.add(&m.site, v)
		case "og:url":
			m.add(&m.canonical, v)
		case "og:locale", "content-language", "language", "dc.language":
			m.add(&m.lang, v)
		}
	}
	return m
}

// jsonLD reads the article objects of one JSON-LD script: an object, an
// array of them, or an "@graph".
func (m *meta) jsonLD(s string) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return
	}
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 4 {
			return
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				visit(e, depth+1)
			}
		case map[string]any:
			if g, ok := x["@graph"]; ok {
				visit(g, depth+1)
			}
			if isArticleType(x["@type"]) {
				m.ldArticle(x)
			}
		}
	}
	visit(v, 0)
}

// isArticleType reports whether a JSON-LD @type (a string or an array) is
// schema.org's Article or one of its news subtypes.
func isArticleType(t any) bool {
	switch x := t.(type) {
	case string:
		return strings.HasSuffix(x, "Article") || x == "BlogPosting" || x == "Report" || x == "LiveBlogPosting"
	case []any:
		for _, e := range x {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

// ldArticle reads the fields of a JSON-LD article object.
func (m *meta) ldArticle(x map[string]any) {
	m.add(&m.title, str(x["headline"]))
	m.add(&m.published, str(x["datePublished"]))
	m.add(&m.modified, str(x["dateModified"]))
	m.add(&m.description, str(x["description"]))
	m.add(&m.lang, str(x["inLanguage"]))
	m.add(&m.canonical, str(x["url"]))
	if me, ok := x["mainEntityOfPage"].(map[string]any); ok {
		m.add(&m.canonical, str(me["@id"]))
	}
	m.add(&m.author, strings.Join(names(x["author"]), ", "))
	m.add(&m.site, strings.Join(names(x["publisher"]), ", "))
}

// names returns the names in a JSON-LD person or organization value: a
// string, an object with "name", or an array of them.
func names(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		if s := str(x["name"]); s != "" {
			return []string{s}
		}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, names(e)...)
		}
		return out
	}
	return nil
}

// str returns v when it is a string, else "".
func str(v any) string {
	s, _ := v.(string)
	return s
}

// fill sets p's metadata fields from the best candidates.
func (m *meta) fill(p *Page, base *url.URL) {
	p.Title = first(append(m.title, m.pageTitle))
	p.Author = first(m.author)
	p.SiteName = first(m.site)
	p.Description = first(m.description)
	for _, v := range append(m.published, m.timeElement) {
		if t, ok := parseTime(v); ok {
			p.Published = t
			break
		}
	}
	for _, v := range m.modified {
		if t, ok := parseTime(v); ok {
			p.Modified = t
			break
		}
	}
	for _, v := range m.canonical {
		if u := absoluteURL(base, v); u != "" {
			p.CanonicalURL = u
			break
		}
	}
	for _, v := range m.lang {
		if l := LanguageCode(v); l != "" {
			p.Language = l
			break
		}
	}
}

// first returns the first non-empty string of list.
func first(list []string) string {
	for _, s := range list {
		if s != "" {
			return s
		}
	}
	return ""
}

// parseTime reads a date or date-time as pages write them (RFC 3339 and
// the other forms github.com/itlightning/dateparse knows, day before month
// when the order is ambiguous, as in French: "12/03/2024" is 12 March). A
// time without a zone is taken as UTC. Years before 1900 or after 2200 are
// refused.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = dateparse.ParseIn(s, time.UTC, dateparse.PreferMonthFirst(false)); err != nil {
			return time.Time{}, false
		}
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}

// absoluteURL resolves ref against base and returns it when it is an
// absolute http or https URL without user information.
func absoluteURL(base *url.URL, ref string) string {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// LanguageCode returns the ISO 639-1 code of a language tag ("fr-FR",
// "fr_FR", "FR"), or "" when it does not start with two letters.
func LanguageCode(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if len(tag) < 2 || tag[0] < 'a' || tag[0] > 'z' || tag[1] < 'a' || tag[1] > 'z' {
		return ""
	}
	if len(tag) > 2 && tag[2] != '-' && tag[2] != '_' {
		return ""
	}
	return tag[:2]
}

// attr returns the value of n's attribute key, "" if absent.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// hasToken reports whether the space-separated list holds tok (any case).
func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// text returns the concatenated text of n's descendants.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
