package corpus

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"veille/corpus/fold"
)

// Raw is what [ParseRaw] finds in the text of a web page copied by hand.
//
// Fields the text does not carry are empty; Published is the zero time
// when no publication date was found.
type Raw struct {
	// Title is the article's headline, as written.
	Title string
	// Body is the article's paragraphs, separated by blank lines, without
	// the page's navigation, share buttons, captions, bylines and footer.
	Body string
	// Published is the publication date read near the headline or on a
	// "Publié le" line: UTC midnight of that day (or the front matter's
	// date-time, zone kept).
	Published time.Time
	// URL is the address the text names as its own (front matter, a bare
	// link line, a "Source : https://..." line).
	URL string
	// Source is what a "Source : X" line or the front matter names.
	Source string
	// Author is the name a byline ("Par X", "By X") gives.
	Author string
	// Language is the ISO 639-1 code the page declares (HTML pages only,
	// see [ParseHTML]); "" leaves it to language detection.
	Language string
}

// Article returns r as an Article with the given id. Language and the
// extracted entities are left for the ingest step.
func (r Raw) Article(id string) Article {
	return Article{ID: id, Title: r.Title, Body: r.Body, URL: r.URL, Source: r.Source, Published: r.Published, Language: r.Language}
}

// ParseRaw finds the headline, the article body and the publication date
// in text copied from a web page (.txt, or Markdown .md).
//
// It works line by line. Every line is first classified: navigation and
// share buttons, advertising, cookie, newsletter and subscription lines,
// comment forms, photo credits and copyright, bylines, reading times and
// dates, "read also" markers, footer markers (comment form, "À découvrir
// également", disclaimer, author box) and plain text. The headline is the
// best-scoring text line among the first lines of the page: a line of
// headline length (about 20 to 200 characters) that starts with a capital,
// does not end with a period, is not glued tags or a run of capitalised menu
// words, and is soon followed by long paragraphs; lines coming after the
// body has begun score much lower. The body starts at the first real
// paragraph after the headline (captions, category labels and bylines in
// between are dropped) and stops at the first footer marker; boilerplate
// lines inside it are dropped.
//
// The date is taken, in that order of preference, from a "Publié le" /
// "Published" line, a byline or date line near the headline, any date
// written between the top of the page and the start of the body (such as a
// photo caption's "le 16 septembre 2025"), then a "Publié le" line after
// the body. Dates inside the body are never used: they are what the article
// talks about, not when it was written.
//
// ParseRaw tolerates CRLF, a byte order mark, NBSP and narrow NBSP, tabs,
// typographic apostrophes and bullets, and invalid UTF-8 (replaced by
// U+FFFD): every field of the result is valid UTF-8. It never fails; text
// without a recognisable headline gives an empty Title.
func ParseRaw(text string) Raw {
	var r Raw
	lines := normalizeLines(text)
	lines = r.frontMatter(lines)
	ls := buildLines(lines)
	for i := range ls {
		ls[i].kind = classify(&ls[i])
	}
	markCaptions(ls)

	t := pickTitle(ls)
	if t >= 0 && r.Title == "" {
		r.Title = cleanTitle(ls[t].text)
	}
	for i := range ls {
		switch ls[i].kind {
		case kMeta:
			if r.Author == "" {
				r.Author = bylineAuthor(ls[i].text, ls[i].fold)
			}
		case kSource:
			v := sourceValue(ls[i].text)
			if isURL(v) {
				if r.URL == "" {
					r.URL = v
				}
			} else if r.Source == "" {
				r.Source = v
			}
		case kURL:
			if r.URL == "" {
				r.URL = urlValue(ls[i].text)
			}
		}
	}
	start := bodyStart(ls, t)
	r.Body = r.body(ls, start, t)
	if r.Published.IsZero() {
		r.Published = pickDate(ls, start)
	}
	return r
}

// lineKind is what a line of a page is, as far as ParseRaw can tell.
type lineKind uint8

const (
	kText        lineKind = iota // text: title, paragraph, subheading
	kBoiler                      // navigation, share, ads, cookies, newsletter...: never body
	kCredit                      // photo credit or copyright: never body; marks a caption before it
	kMeta                        // byline, date, reading time: never body; read for date and author
	kFooter                      // what follows an article: comment form, related list, disclaimer
	kRelated                     // an inline "Lire aussi" marker
	kSource                      // "Source : X"
	kURL                         // a bare link
	kPlaceholder                 // image placeholder ("top-article-image"): marks a caption after it
)

// rline is one non-empty line of a page.
type rline struct {
	text    string // normalized text, Markdown markup removed
	fold    string // fold.LowerPunct(text); "" when n > foldLimit
	n       int    // runes in text
	words   int    // words in text
	heading int    // Markdown heading level, 0 if none
	bullet  bool   // the line was a list item
	kind    lineKind
	caption bool // a photo caption
}

// frontMatter reads a leading "---" YAML-like block of key: value lines
// (title, date, url, source, author) and returns the lines after it.
func (r *Raw) frontMatter(lines []string) []string {
	first := 0
	for first < len(lines) && lines[first] == "" {
		first++
	}
	if first >= len(lines) || lines[first] != "---" {
		return lines
	}
	end := -1
	for i := first + 1; i < len(lines) && i < first+60; i++ {
		if lines[i] == "---" || lines[i] == "..." {
			end = i
			break
		}
	}
	if end < 0 {
		return lines
	}
	for _, l := range lines[first+1 : end] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if v == "" {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "title", "titre":
			r.Title = v
		case "date", "published", "publié", "publie", "pubdate", "publication_date", "published_at":
			if t, err := parseDateValue(v); err == nil {
				r.Published = t
			}
		case "url", "link", "lien", "canonical", "canonical_url", "source_url":
			if isURL(v) {
				r.URL = v
			}
		case "source", "site", "site_name", "publisher":
			r.Source = v
		case "author", "auteur", "by":
			r.Author = v
		}
	}
	return lines[end+1:]
}

// buildLines turns normalized lines into rlines: it drops empty lines,
// removes Markdown markup and joins hard-wrapped paragraphs.
func buildLines(lines []string) []rline {
	ls := make([]rline, 0, len(lines))
	width := wrapWidth(lines)
	prevEmpty := true
	lastLen := 0 // runes of the last physical line joined into ls[len(ls)-1]
	for _, s := range lines {
		if s == "" {
			prevEmpty = true
			continue
		}
		text, heading, bullet := stripMarkdown(s)
		if bullet && width > 0 && !prevEmpty && len(ls) > 0 && !endsSentence(ls[len(ls)-1].text) &&
			joins(&ls[len(ls)-1], lastLen, s, width) {
			text, bullet = s, false // "- " that a hard wrap put at the start of a line
		}
		if text == "" {
			prevEmpty = true
			continue
		}
		// Setext heading underline ("Title\n=====") marks the line before.
		if isRule(text) {
			if !prevEmpty && len(ls) > 0 && ls[len(ls)-1].heading == 0 {
				if text[0] == '=' {
					ls[len(ls)-1].heading = 1
				} else if text[0] == '-' {
					ls[len(ls)-1].heading = 2
				}
			}
			prevEmpty = true
			continue
		}
		n := runeCount(text)
		if !prevEmpty && len(ls) > 0 && heading == 0 && !bullet && joins(&ls[len(ls)-1], lastLen, text, width) {
			p := &ls[len(ls)-1]
			p.text += " " + text
			p.n += 1 + n
			lastLen = n
			continue
		}
		ls = append(ls, rline{text: text, n: n, heading: heading, bullet: bullet})
		lastLen = n
		prevEmpty = false
	}
	for i := range ls {
		if ls[i].n <= foldLimit {
			ls[i].fold = fold.LowerPunct(ls[i].text)
		}
		ls[i].words = wordCount(ls[i].text)
	}
	return ls
}

// foldLimit is the longest line (in runes) classify looks into: longer
// ones are article paragraphs (or, without spaces, links).
const foldLimit = 320

// key returns what tells line l apart from the others: its folded text,
// or its text when too long to be folded.
func (l *rline) key() string {
	if l.fold == "" {
		return l.text
	}
	return l.fold
}

// joins reports whether line next continues paragraph p, whose last
// physical line had lastLen runes: in hard-wrapped text (width > 0) when
// that line was filled to near the width; in any text when a long line
// without final punctuation is followed by one starting in lower case.
func joins(p *rline, lastLen int, next string, width int) bool {
	if p.heading > 0 {
		return false
	}
	if width > 0 && lastLen*10 >= width*6 && lastLen <= width {
		return true
	}
	if lastLen >= 40 && !endsSentence(p.text) && !strings.HasSuffix(p.text, ":") {
		r, ok := firstLetter(next)
		return ok && unicode.IsLower(r) && startsWithLetter(next)
	}
	return false
}

// wrapWidth returns the width text was hard-wrapped at (as e-mails and
// some text exports are), or 0 when it was not: most lines followed by
// another line of the same block are 50 to 100 runes long and most of
// these do not end a sentence.
func wrapWidth(lines []string) int {
	cand, wrapped, open, width := 0, 0, 0, 0
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] == "" || lines[i+1] == "" {
			continue
		}
		cand++
		if n := runeCount(lines[i]); n >= 50 && n <= 100 {
			wrapped++
			width = max(width, n)
			if !endsSentence(lines[i]) {
				open++
			}
		}
	}
	if wrapped < 4 || wrapped*2 < cand || open*2 < wrapped {
		return 0
	}
	return width
}

func startsWithLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// isRule reports whether s is a Markdown rule or setext underline
// ("---", "***", "===", "___").
func isRule(s string) bool {
	if len(s) < 3 {
		return false
	}
	c := s[0]
	if c != '-' && c != '*' && c != '=' && c != '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != c && s[i] != ' ' {
			return false
		}
	}
	return true
}

// stripMarkdown removes the Markdown markup of one line: heading marks,
// quote marks, list bullets (also the "•" and "▪" of web pages), images,
// link targets and bold markers. It returns the text, the heading level
// and whether the line was a list item.
func stripMarkdown(s string) (text string, heading int, bullet bool) {
	for heading < len(s) && heading < 7 && s[heading] == '#' {
		heading++
	}
	if heading > 0 && heading <= 6 && (len(s) == heading || s[heading] == ' ') {
		s = strings.TrimSpace(strings.TrimRight(s[heading:], "# "))
	} else {
		heading = 0
	}
	for strings.HasPrefix(s, ">") {
		s = strings.TrimSpace(s[1:])
	}
	if s == "" {
		return "", 0, false
	}
	if c := s[0]; c == '-' || c == '*' || c == '+' || c == 0xE2 || c == 0xC2 {
		for _, b := range bullets {
			if strings.HasPrefix(s, b) {
				s = strings.TrimSpace(s[len(b):])
				bullet = true
				break
			}
		}
		if s == "•" || s == "▪" || s == "·" {
			return "", 0, false
		}
	}
	if strings.IndexByte(s, '[') >= 0 || strings.IndexByte(s, '*') >= 0 || strings.IndexByte(s, '_') >= 0 {
		if strings.Contains(s, "](") {
			s = stripLinks(s)
		}
		s = stripEmphasis(s, "**")
		s = stripEmphasis(s, "__")
		s = strings.TrimSpace(s)
	}
	return s, heading, bullet
}

// bullets are the list markers stripMarkdown removes: Markdown's and the
// ones web pages use.
var bullets = []string{"• ", "▪ ", "◦ ", "‣ ", "· ", "- ", "* ", "+ ", "– ", "— ", "■ ", "□ ", "► ", "▶ ", "→ ", "✓ ", "✔ "}

// stripEmphasis removes the Markdown markers m around "**bold text**",
// leaving alone the ones that do not enclose text ("p****", "a ** b").
func stripEmphasis(s, m string) string {
	if !strings.Contains(s, m) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, m)
		if i < 0 {
			break
		}
		inner := s[i+len(m):]
		j := strings.Index(inner, m)
		if j <= 0 || inner[0] == ' ' || inner[j-1] == ' ' || strings.HasPrefix(inner, m[:1]) {
			b.WriteString(s[:i+len(m)])
			s = inner
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(inner[:j])
		s = inner[j+len(m):]
	}
	b.WriteString(s)
	return b.String()
}

// stripLinks replaces Markdown links [text](target) by their text and
// removes images ![alt](target).
func stripLinks(s string) string {
	var b strings.Builder
	for {
		open := strings.Index(s, "[")
		if open < 0 {
			break
		}
		mid := strings.Index(s[open:], "](")
		if mid < 0 {
			break
		}
		mid += open
		end := strings.IndexByte(s[mid:], ')')
		if end < 0 {
			break
		}
		end += mid
		image := open > 0 && s[open-1] == '!'
		if image {
			b.WriteString(s[:open-1])
		} else {
			b.WriteString(s[:open])
			b.WriteString(s[open+1 : mid])
		}
		s = s[end+1:]
	}
	b.WriteString(s)
	return strings.Join(strings.Fields(b.String()), " ")
}

// classify tells what kind of line l is. It reads l.fold, l.n and l.words.
func classify(l *rline) lineKind {
	f, n := l.fold, l.n
	if n > foldLimit {
		if isURL(l.text) {
			return kURL
		}
		return kText
	}
	if n <= 2 || !hasLetter(f) {
		return kBoiler // "A", "0", "|", "12", "•"
	}
	if isURL(l.text) || n <= 300 && hasPrefixAny(f, urlLabels) && isURL(afterColon(l.text)) {
		return kURL
	}
	if n <= 100 && hasPrefixAny(f, sourceLabels) {
		if v := sourceValue(l.text); v != "" && runeCount(v) <= 80 {
			return kSource
		}
	}
	if n <= 200 && l.heading == 0 && isMeta(f, l.words) {
		return kMeta
	}
	if n <= 60 && l.words <= 7 && (footerPrefixesSet.match(f) || strings.Contains(f, "avatar")) {
		return kFooter
	}
	if n <= 250 && relatedPrefixesSet.match(f) {
		return kRelated
	}
	if n <= 40 && isBoilerWord(strings.TrimRight(f, " .:!…")) {
		return kBoiler
	}
	if isPlaceholder(l.text, f, n) {
		return kPlaceholder
	}
	trig := triggers(f)
	if isCredit(f, n, trig) {
		return kCredit
	}
	if n <= 120 && boilerPrefixesSet.match(f) {
		return kBoiler
	}
	if trig&trigBoiler != 0 && containsAny(f, boilerAnywhere) || trig&trigCookie != 0 && n <= 300 && containsAny(f, cookieLines) {
		return kBoiler
	}
	if trig&trigPaywall != 0 && n <= 160 && containsAny(f, paywallLines) {
		return kBoiler // "La suite de cet article est réservée aux abonnés"
	}
	if trig&trigCTA != 0 && n <= 400 && containsAny(f, callsToAction) && containsAny(f, readerWords) && !strings.Contains(f, "\"") {
		// "Inscrivez-vous à notre newsletter", "Maximisez votre expérience...";
		// not a quotation that happens to say so.
		return kBoiler
	}
	if n <= 40 && isCounter(f) {
		return kBoiler // "0 commentaire", "12 partages"
	}
	return kText
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// Folded line prefixes and words, by kind. Prefix lists only apply to
// short lines, so article sentences that mention "Facebook" or "cookies"
// are never dropped.
var (
	urlLabels    = []string{"url", "lien", "link", "permalien", "permalink", "source"}
	sourceLabels = []string{"source :", "source:", "sources :", "sources:", "source -"}
	// publication labels introduce the date a page was published.
	publishedLabels = []string{"publie", "published", "posted", "mis en ligne", "date de publication", "parution"}
	// otherDateLabels introduce dates that are not the publication's.
	otherDateLabels = []string{"mis a jour", "mise a jour", "modifie", "actualise", "updated", "last updated", "derniere mise a jour"}
	agencyCredits   = []string{"avec afp", "avec reuters", "avec ap", "avec agences", "avec l'afp", "(afp)", "(reuters)", "source afp", "afp/relaxnews", "avec relaxnews", "(ap)", "avec belga", "(belga)"}
	readingTime     = []string{"min de lecture", "minutes de lecture", "mn de lecture", "temps de lecture", "duree de lecture", "lecture :", "lecture:", "min read", "minute read", "minutes read", "reading time"}
	bylinePrefixes  = []string{"par ", "by ", "auteur :", "auteur:", "author:", "author :", "ecrit par ", "redige par ", "propos recueillis par ", "texte :", "texte par "}
	footerPrefixes  = []string{
		"laisser un commentaire", "laissez un commentaire", "ajouter un commentaire", "ecrire un commentaire",
		"poster un commentaire", "publier un commentaire", "commentaires", "reagissez", "vos reactions", "vos commentaires",
		"a decouvrir egalement", "a decouvrir aussi", "a decouvrir", "sur le meme sujet", "sur le meme theme",
		"dans la meme rubrique", "articles similaires", "articles recommandes", "articles lies", "articles associes",
		"nos articles", "vous aimerez aussi", "vous aimerez egalement", "vous aimerez peut-etre",
		"vous pourriez aussi aimer", "vous pourriez aimer", "ces articles pourraient vous interesser", "les plus lus",
		"les plus partages", "derniers articles", "dernieres actualites", "a lire sur le meme sujet",
		"related articles", "related stories", "related posts", "you may also like", "you might also like",
		"read next", "more from", "more stories", "recommended for you", "disclaimer", "avertissement",
		"clause de non-responsabilite", "mentions legales", "a propos de l'auteur", "a propos de cet auteur",
		"about the author", "signaler un abus", "signaler un contenu", "leave a reply", "leave a comment",
		"related topics", "more on this story", "top stories", "most read", "most popular",
	}
	relatedPrefixes = []string{
		"lire aussi", "a lire aussi", "lire egalement", "a lire egalement", "voir aussi", "a voir aussi",
		"a voir egalement", "read also", "see also", "also read", "related:", "(re)lire", "a (re)lire",
		"relire aussi", "lire notre", "pour aller plus loin", "decouvrir aussi", "lire la suite :",
	}
	boilerPrefixes = []string{
		"logo ", "logo:", "photo of ", "photo de l'auteur", "image de l'auteur", "partager ", "partagez ", "share this",
		"share on", "aller au contenu", "passer au contenu", "aller a la navigation", "skip to", "acceder aux ",
		"acceder au contenu", "suivez-nous", "suivez nous", "follow us", "abonnez-vous", "s'abonner", "je m'abonne",
		"subscribe", "newsletter", "inscrivez-vous", "recevez notre", "recevez nos", "rejoindre", "rejoignez-nous",
		"telecharger l'app", "telechargez l'app", "ecouter cet article", "ecouter l'article", "listen to this",
		"publicite", "advertisement", "contenu sponsorise", "article sponsorise", "article reserve aux abonnes",
		"reserve aux abonnes", "cet article est reserve", "vous avez deja un compte", "se connecter",
		"connectez-vous", "mon compte", "voir les commentaires", "afficher les commentaires", "envoyer par",
		"imprimer ", "copier le lien", "lien copie", "retour en haut", "haut de page", "lire la suite",
		"read more", "voir plus", "charger plus", "tout accepter", "parametrer les cookies", "gerer les cookies",
		"continuer sans accepter", "menu ", "tags:", "tags :", "tag :", "tag:", "mots-cles", "mots cles",
		"etiquettes", "categories :", "categorie :", "rubrique :", "themes :", "fil d'ariane", "vous etes ici",
		"accueil >", "accueil /", "accueil »", "home >", "home /", "cet article vous a plu", "vous avez aime cet article",
		"soutenez ", "faire un don", "donate", "offre speciale", "essai gratuit", "profitez de", "en continu",
		"j'aime", "like this", "offrir cet article", "reutiliser ce contenu", "ajouter a mes favoris",
		"recevoir les alertes", "activer les notifications", "s'inscrire a la newsletter",
	}
	boilerAnywhere = []string{
		"votre adresse e-mail ne sera pas publiee", "votre adresse email ne sera pas publiee",
		"votre adresse de messagerie ne sera pas publiee", "champs obligatoires sont indiques",
		"ce site utilise akismet", "a contribue a la redaction", "a contribue a cet article",
		"ont contribue a cet article", "contributed to this report", "contributed reporting",
		"activer javascript", "activez javascript", "enable javascript", "veuillez activer",
		"your email address will not be published",
	}
	paywallLines = []string{"reservee aux abonnes", "reserve aux abonnes", "deja abonne", "connectez-vous",
		"debloquez", "lire la suite", "pour continuer a lire", "for subscribers", "subscribe to continue", "subscribe to read"}
	cookieLines = []string{"nous utilisons des cookies", "ce site utilise des cookies", "utilise des cookies",
		"accepter les cookies", "acceptez les cookies", "we use cookies", "this site uses cookies",
		"politique de cookies", "gestion des cookies", "consentement aux cookies", "utilisation de cookies",
		"utilisation des cookies", "depot de cookies"}
	callsToAction = []string{"inscrivez-vous", "abonnez-vous", "rejoignez-nous", "rejoignez notre", "telechargez notre",
		"telechargez l'application", "cliquez ici", "je m'abonne", "profitez de notre offre", "read to earn",
		"suivez-nous"}
	readerWords = []string{"votre", "vos ", "notre", "nos ", "your ", "our "}
	promoWords  = []string{"votre", "vos ", "notre", "nos ", "vous", "your ", "our ", "you "}
)

// Trigger words: the substring lists below are searched only in lines
// holding one of their words, found in one pass over the line.
const (
	trigBoiler = 1 << iota
	trigCookie
	trigCTA
	trigCredit
	trigAgency
	trigPaywall
)

// triggers returns the trigger bits of the words of the folded line f.
func triggers(f string) int {
	t := 0
	for i := 0; i < len(f); {
		for i < len(f) && !(f[i] >= 'a' && f[i] <= 'z') {
			i++
		}
		j := i
		for j < len(f) && f[j] >= 'a' && f[j] <= 'z' {
			j++
		}
		switch f[i:j] {
		case "publiee", "obligatoires", "akismet", "contribue", "contributed", "javascript", "published":
			t |= trigBoiler
		case "cookie", "cookies":
			t |= trigCookie
		case "inscrivez", "abonnez", "rejoignez", "telechargez", "cliquez", "abonne", "earn", "suivez", "profitez":
			t |= trigCTA
		case "droits", "rights", "copyright":
			t |= trigCredit
		case "abonnes", "connectez", "debloquez", "suite", "subscribers", "subscribe":
			t |= trigPaywall
		case "getty", "afp", "reuters", "shutterstock", "unsplash", "istock", "stock", "ap", "sipa", "lucas",
			"maxppp", "abaca", "pixabay", "pexels", "wikimedia", "dr":
			t |= trigAgency
		}
		i = j
	}
	return t
}

// Indexed forms of the longer prefix lists. Built once, never changed.
var (
	boilerPrefixesSet  = newPrefixSet(boilerPrefixes)
	footerPrefixesSet  = newPrefixSet(footerPrefixes)
	relatedPrefixesSet = newPrefixSet(relatedPrefixes)
	creditPrefixesSet  = newPrefixSet(creditPrefixes)
)

// isBoilerWord reports whether the whole (folded, short) line is a menu
// entry, a button or a share target.
func isBoilerWord(f string) bool {
	switch f {
	case "menu", "accueil", "home", "loader", "loading", "chargement", "chargement...", "fermer", "close",
		"rechercher", "recherche", "search", "connexion", "login", "log in", "se connecter", "s'inscrire",
		"inscription", "publicite", "pub", "advertisement", "annonce", "sponsorise", "sponsored", "newsletter",
		"newsletters", "partager", "partage", "share", "tweet", "tweeter", "imprimer", "print", "email", "e-mail",
		"mail", "facebook", "twitter", "x", "linkedin", "whatsapp", "telegram", "reddit", "pinterest",
		"flipboard", "messenger", "instagram", "youtube", "tiktok", "threads", "bluesky", "rss", "copier le lien",
		"copier", "suivez-nous", "suivez nous", "rejoindre", "commenter", "reagir", "s'abonner", "abonnez-vous",
		"abonnement", "je m'abonne", "lire la suite", "lire plus", "read more", "voir plus", "en savoir plus",
		"retour", "haut de page", "discussion", "ecouter", "audio", "podcast", "podcasts", "videos", "offert",
		"premium", "abonnes", "live", "direct", "en direct", "sommaire", "contact", "contactez-nous", "cookies",
		"ok", "j'accepte", "accepter", "refuser", "continuer", "suivant", "precedent", "next", "previous",
		"actualites", "actualite", "a la une", "fil info", "breaking news", "exclusif", "lecture zen", "mis a jour",
		"publie", "publie le", "par", "by", "auteur", "author", "partager cet article", "favoris",
		"ajouter aux favoris", "sauvegarder", "enregistrer", "save", "abonne", "sans engagement", "signaler", "plus", "moins", "events", "evenements",
		"a lire", "a voir", "voir aussi", "lire aussi", "publicite:", "contribuer", "offrir", "reutiliser",
		"nom *", "e-mail *", "email *", "site web", "commentaire", "annuler la reponse", "envoyer":
		return true
	}
	return false
}

// isPlaceholder reports image placeholders: "top-article-image",
// "author-image" (lower-case words joined by dashes), a lone "Image" or
// "Photo".
func isPlaceholder(text, f string, n int) bool {
	switch f {
	case "image", "photo", "illustration", "video", "infographie", "galerie", "diaporama", "vignette":
		return true
	}
	if n > 40 || strings.ContainsRune(text, ' ') || !strings.ContainsAny(text, "-_") {
		return false
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isCredit reports photo credits and copyright lines.
func isCredit(f string, n, trig int) bool {
	if n <= 150 && creditPrefixesSet.match(f) {
		return true
	}
	if trig&trigCredit != 0 && containsAny(f, []string{"droits reserves", "all rights reserved", "copyright"}) {
		return true
	}
	return n <= 120 && trig&trigAgency != 0 && !endsSentence(f) && containsAny(f, creditAgencies)
}

var (
	creditPrefixes = []string{"photo:", "photo :", "photos:", "photos :", "photo -", "photo credit", "credit photo",
		"credits photo", "credit image", "credits image", "credit :", "credits :", "credit:", "credits:",
		"illustration :", "illustration:", "image :", "image:", "©", "(c) ", "copyright", "photographie :",
		"visuel :", "capture d'ecran", "screenshot"}
	creditAgencies = []string{"getty images", "/afp", "/ afp", "afp photo", "/reuters", "/ reuters", "shutterstock",
		"unsplash", "istock", "adobe stock", "/ap ", "/ ap ", "sipa press", "/sipa", "via reuters", "hans lucas",
		"maxppp", "abaca", "pixabay", "pexels", "wikimedia commons", "dr)", "(dr"}
)

// isMeta reports bylines, dates, publication labels and reading times.
func isMeta(f string, words int) bool {
	if (strings.Contains(f, "lecture") || strings.Contains(f, "read")) && containsAny(f, readingTime) {
		return true
	}
	if words <= 6 && containsAny(f, agencyCredits) {
		return true // "Le Courrier avec AFP", "(AFP)"
	}
	if words <= 5 && isRelativeTime(f) {
		return true // "2 hours ago", "il y a 3 heures"
	}
	if hasPrefixAny(f, publishedLabels) || hasPrefixAny(f, otherDateLabels) {
		return words <= 12
	}
	if hasPrefixAny(f, bylinePrefixes) && words <= 8 && !strings.ContainsAny(f, "!?;") {
		// "Par Luc Jose A.", not "Par ailleurs, le groupe a annoncé..."
		return !strings.Contains(f, ",") || containsDigitRun(f, 4)
	}
	if _, _, ok := findDate(f); ok {
		// a line that is little more than a date: "ven 19 Sep 2025",
		// "19/09/2025 à 10h32", "Le 1er mars 2024"
		return words <= 7
	}
	return false
}

// isRelativeTime reports "2 hours ago", "il y a 3 heures", "3 min ago".
func isRelativeTime(f string) bool {
	rest, ok := strings.CutPrefix(f, "il y a ")
	if !ok {
		if rest, ok = strings.CutSuffix(f, " ago"); !ok {
			return false
		}
	}
	num, unit, ok := strings.Cut(rest, " ")
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" && num != "an" && num != "a" && num != "une" && num != "un" {
		return false
	}
	switch strings.TrimSuffix(unit, "s") {
	case "h", "heure", "hour", "hr", "min", "minute", "mn", "jour", "day", "seconde", "second", "sec", "semaine", "week", "moi", "month":
		return true
	}
	return false
}

// isCounter reports "0 commentaire", "12 partages", "3 réactions".
func isCounter(f string) bool {
	num, rest, ok := strings.Cut(f, " ")
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
		return false
	}
	switch rest {
	case "commentaire", "commentaires", "reaction", "reactions", "comment", "comments", "partage", "partages",
		"share", "shares", "vue", "vues", "views", "like", "likes", "j'aime", "min", "minutes":
		return true
	}
	return false
}

// isURL reports whether s is a single web address.
func isURL(s string) bool {
	return !strings.ContainsAny(s, " \t") && (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www."))
}

func afterColon(s string) string {
	_, v, ok := strings.Cut(s, ":")
	if !ok {
		return ""
	}
	v = strings.TrimSpace(v)
	// "URL: https://..." cut at the first colon gives "https" first.
	if strings.HasPrefix(v, "//") {
		return ""
	}
	return v
}

// urlValue returns the address in a bare link line or a "URL: ..." line.
func urlValue(s string) string {
	if isURL(s) {
		return s
	}
	if i := strings.Index(s, "http"); i >= 0 && isURL(strings.TrimSpace(s[i:])) {
		return strings.TrimSpace(s[i:])
	}
	return ""
}

// sourceValue returns X in "Source : X".
func sourceValue(s string) string {
	_, v, ok := strings.Cut(s, ":")
	if !ok {
		_, v, ok = strings.Cut(s, " - ")
		if !ok {
			return ""
		}
	}
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "//") { // "Source: https://..." cut at "https:"
		v = strings.TrimSpace(s[strings.Index(s, ":")+1:])
	}
	return strings.TrimRight(v, " .")
}

// bylineAuthor returns the name in a byline: "Par Cynthia Kroet",
// "ven 19 Sep 2025 ▪ 4 min de lecture ▪ par Luc Jose A.".
func bylineAuthor(text, f string) string {
	i := -1
	for _, p := range []string{"par ", "by "} {
		if strings.HasPrefix(f, p) {
			i = 0
		} else if j := strings.Index(f, " "+p); j >= 0 {
			i = j + 1
		}
		if i >= 0 {
			i += len(p)
			break
		}
	}
	if i < 0 {
		return ""
	}
	// fold keeps byte offsets only for ASCII text; map by runes instead.
	rs := []rune(text)
	fi := runeCount(f[:i])
	if fi > len(rs) || runeCount(f) != len(rs) {
		return ""
	}
	name := string(rs[fi:])
	if j := strings.IndexAny(name, "▪|•·,–—(\u2022"); j >= 0 {
		name = name[:j]
	}
	if j := strings.Index(strings.ToLower(name), " le "); j >= 0 {
		name = name[:j]
	}
	name = strings.TrimSpace(name)
	if wordCount(name) == 0 || wordCount(name) > 5 {
		return ""
	}
	return name
}

// markCaptions flags text lines that are photo captions: followed by a
// photo credit, or preceded by an image placeholder.
func markCaptions(ls []rline) {
	for i := range ls {
		if ls[i].kind != kText || ls[i].n > 320 || sentences(ls[i].text) > 2 {
			continue // a long paragraph before a credit is text, not a caption
		}
		if i+1 < len(ls) && ls[i+1].kind == kCredit || i > 0 && ls[i-1].kind == kPlaceholder {
			ls[i].caption = true
		}
		// Some pages put the credit first: "Getty Images" then the caption,
		// short and without final punctuation.
		if i > 0 && ls[i-1].kind == kCredit && ls[i].n <= 150 && !endsSentence(ls[i].text) {
			ls[i].caption = true
		}
	}
}

// isParagraph reports a line of article prose: long, or a full sentence.
func isParagraph(l *rline) bool {
	if l.kind != kText || l.caption || l.heading > 0 {
		return false
	}
	return l.n >= 80 && l.words >= 10 || l.n >= 20 && l.words >= 4 && endsSentence(l.text)
}

// isLongText reports a long line of text, captions included: what comes
// after a headline on a page.
func isLongText(l *rline) bool {
	return l.kind == kText && l.n >= 80 && l.words >= 8
}

const (
	titleWindow   = 40 // lines of the page's top searched for the headline
	headerWindow  = 25 // lines after the headline searched for the body's start
	minTitleScore = 4.0
)

// pickTitle returns the index of the headline line, or -1.
func pickTitle(ls []rline) int {
	best, bestScore := -1, minTitleScore
	paras := 0
	for i := 0; i < len(ls) && i < titleWindow && paras < 3; i++ {
		l := &ls[i]
		if l.kind == kText && !l.caption {
			if s := titleScore(ls, i) - 4*float64(paras) - 0.05*float64(i); s > bestScore {
				best, bestScore = i, s
			}
		}
		if isLongText(l) && l.n >= 150 {
			paras++
		}
	}
	return best
}

// titleScore scores line i as a headline; higher is better.
func titleScore(ls []rline, i int) float64 {
	l := &ls[i]
	if l.n < 8 || l.n > 250 || l.words < 2 || strings.HasSuffix(l.text, ":") {
		return -100
	}
	s := 0.0
	switch {
	case l.n > 200:
		s -= 2
	case l.n > 160:
		s += 1.5
	case l.n >= 40:
		s += 3
	case l.n >= 30:
		s += 2
	case l.n >= 20:
		s++
	}
	switch {
	case l.words >= 6:
		s += 2.5
	case l.words >= 4:
		s += 1.5
	case l.words == 3:
		s += 0.5
	default:
		s--
	}
	if r, ok := firstLetter(l.text); ok && (unicode.IsUpper(r) || unicode.IsDigit(r)) {
		s += 1.5
	} else {
		s -= 3
	}
	if endsWithPeriod(l.text) {
		s -= 5 // a sentence, not a headline
		if l.n > 100 {
			s -= 2
		}
	}
	if sentences(l.text) > 1 {
		s -= 2
	}
	if l.heading == 1 {
		s += 4
	} else if l.heading > 1 {
		s += 1
	}
	if l.bullet {
		s -= 2
	}
	if glued(l.text) >= 2 {
		s -= 3 // "BlockchainIntelligence ArtificielleTechnologie": tags glued together
	}
	if l.words >= 3 && allCapitalised(l.text) {
		s -= 2.5 // "Newsletter Events Podcasts Vidéos": a menu
	}
	// A headline is often followed by its byline or date: only
	// boilerplate, captions and credits may come in between.
	for j := i + 1; j < len(ls) && j <= i+8; j++ {
		if ls[j].kind == kMeta {
			s += 1.5
			break
		}
		if ls[j].kind == kText && !ls[j].caption {
			break
		}
	}
	// A headline is followed by the article: count the text lines until
	// the first long one (boilerplate in between is normal).
	for d, j := 0, i+1; j < len(ls) && d < 10; j++ {
		if ls[j].kind != kText || ls[j].caption && !isLongText(&ls[j]) {
			continue
		}
		d++
		if isLongText(&ls[j]) {
			switch {
			case d == 1:
				s += 3.5
			case d <= 4:
				s += 3
			default:
				s += 2
			}
			break
		}
	}
	return s
}

// endsWithPeriod reports a final period that ends a sentence (not "...",
// not an initial like "A." after a short word).
func endsWithPeriod(s string) bool {
	if !strings.HasSuffix(s, ".") || strings.HasSuffix(s, "..") {
		return false
	}
	return true
}

// sentences counts sentence ends followed by a capitalised word.
func sentences(s string) int {
	n := 1
	for i := 0; i+2 < len(s); i++ {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i+1] == ' ' {
			if r, _ := utf8.DecodeRuneInString(s[i+2:]); unicode.IsUpper(r) {
				// "M. Macron", "J.-P." are not sentence ends: the word
				// before the period must be longer than two letters.
				j := strings.LastIndexByte(s[:i], ' ')
				if i-j-1 > 2 {
					n++
				}
			}
		}
	}
	return n
}

// glued counts words with a lower-case letter directly followed by an
// upper-case one and then lower case ("BlockchainIntelligence"): tags or
// menu entries copied without their separators. Brand names such as
// "OpenAI" or "SoftBank" count once per word, so a line needs two.
func glued(s string) int {
	n := 0
	var p2, p1 rune
	for _, r := range s {
		if unicode.IsLower(p2) && unicode.IsUpper(p1) && unicode.IsLower(r) {
			n++
		}
		p2, p1 = p1, r
	}
	return n
}

// allCapitalised reports whether every word of s starts with a capital
// letter (menus and English title case), ignoring words without letters.
func allCapitalised(s string) bool {
	start := true // at the start of a word, before its first letter or digit
	for _, r := range s {
		switch {
		case r == ' ':
			start = true
		case start && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
				return false
			}
			start = false
		}
	}
	return true
}

// cleanTitle removes a " | Site name" suffix from a headline.
func cleanTitle(s string) string {
	if i := strings.LastIndex(s, " | "); i > 0 && wordCount(s[i+3:]) <= 4 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// bodyStart returns the index of the first body line: the first paragraph
// after the headline t (or after the top of the page when t < 0) when it
// comes within headerWindow lines; else the line after the headline.
func bodyStart(ls []rline, t int) int {
	for j := t + 1; j < len(ls) && j <= t+headerWindow; j++ {
		if isParagraph(&ls[j]) {
			return j
		}
	}
	return t + 1
}

// body assembles the article body from ls[start:].
func (r *Raw) body(ls []rline, start, t int) string {
	kept := make([]int, 0, len(ls))
	// The keys of the lines kept, to skip a line already kept (pages
	// repeat captions, teasers); a set, since a page may have many lines.
	keptKeys := make(map[string]bool, len(ls))
	titleFold := ""
	if t >= 0 {
		titleFold = ls[t].key()
	}
	if r.Title != "" && runeCount(r.Title) <= foldLimit {
		titleFold = fold.LowerPunct(r.Title)
	}
	authorFold := fold.LowerPunct(r.Author)
	paras := 0
	skipLink, promo := false, false
lines:
	for j := start; j < len(ls); j++ {
		l := &ls[j]
		if promo && l.kind == kText && l.n <= 200 && containsAny(l.fold, promoWords) {
			continue // the pitch under a "Newsletter" heading
		}
		promo = l.kind == kBoiler && strings.HasPrefix(l.fold, "newsletter")
		switch l.kind {
		case kFooter:
			if paras > 0 {
				break lines
			}
			continue
		case kRelated:
			// "Lire aussi : Title" is one line; "Lire aussi" alone
			// announces the linked title on the next line.
			rest := strings.TrimLeft(strings.TrimSpace(l.text[min(len(l.text), markerLen(l.fold)):]), " :-–—»>|")
			skipLink = wordCount(rest) < 3
			continue
		case kText:
		default:
			continue
		}
		if skipLink {
			skipLink = false
			if l.n <= 200 && !endsWithPeriod(l.text) {
				continue
			}
		}
		if l.caption || l.key() == titleFold || keptKeys[l.key()] {
			continue
		}
		if authorFold != "" && paras >= 2 && l.n <= 60 && strings.HasPrefix(l.fold, authorFold) {
			break // the author box that ends many pages
		}
		kept = append(kept, j)
		keptKeys[l.key()] = true
		if isParagraph(l) {
			paras++
		}
	}
	// Drop what trails the last paragraph: orphan subheadings, link titles.
	for len(kept) > 0 {
		l := &ls[kept[len(kept)-1]]
		if l.n >= 80 || endsSentence(l.text) || l.bullet && l.words >= 6 {
			break
		}
		kept = kept[:len(kept)-1]
	}
	size := 0
	for _, j := range kept {
		size += len(ls[j].text) + 2
	}
	var b strings.Builder
	b.Grow(size)
	for k, j := range kept {
		if k > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(ls[j].text)
	}
	return b.String()
}

// markerLen returns the byte length of the related-link marker f starts
// with (in the folded text; the same in the original for ASCII markers,
// close enough otherwise since only the rest's word count matters).
func markerLen(f string) int {
	for _, p := range relatedPrefixes {
		if strings.HasPrefix(f, p) {
			return len(p)
		}
	}
	return 0
}

// pickDate returns the publication date, or the zero time.
func pickDate(ls []rline, start int) time.Time {
	header := ls[:min(start, len(ls))]
	// 1. "Publié le ..." near the top, the date possibly on the next line.
	for i := range header {
		if t, ok := labelledDate(ls, i); ok {
			return t
		}
	}
	// 2. a byline or date line near the top.
	for i := range header {
		if header[i].kind == kMeta && !hasPrefixAny(header[i].fold, otherDateLabels) {
			if t, _, ok := findDate(header[i].fold); ok {
				return t
			}
		}
	}
	// 3. any date between the top and the body (a caption, a dateline).
	for i := range header {
		if hasPrefixAny(header[i].fold, otherDateLabels) {
			continue
		}
		if t, _, ok := findDate(header[i].fold); ok {
			return t
		}
	}
	// 4. "Publié le ..." after the body, then "Mis à jour le ...".
	for i := start; i < len(ls); i++ {
		if t, ok := labelledDate(ls, i); ok {
			return t
		}
	}
	for i := range ls {
		if ls[i].kind == kMeta && hasPrefixAny(ls[i].fold, otherDateLabels) {
			if t, _, ok := findDate(ls[i].fold); ok {
				return t
			}
		}
	}
	return time.Time{}
}

// labelledDate reads the date of a "Publié le" line i, or of the line
// after it when the label stands alone.
func labelledDate(ls []rline, i int) (time.Time, bool) {
	f := ls[i].fold
	if ls[i].n > 200 {
		return time.Time{}, false
	}
	at := -1
	for _, p := range publishedLabels {
		if j := strings.Index(f, p); j >= 0 && (j == 0 || ls[i].kind == kMeta) {
			at = j
			break
		}
	}
	if at < 0 {
		return time.Time{}, false
	}
	if t, _, ok := findDate(f[at:]); ok {
		return t, true
	}
	if i+1 < len(ls) && ls[i+1].n <= 60 {
		if t, _, ok := findDate(ls[i+1].fold); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseDateValue parses the dates the JSON formats and front matter
// carry: YYYY-MM-DD, RFC 3339, and date-times without a zone (read as UTC).
func parseDateValue(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errBadDate
}
