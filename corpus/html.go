package corpus

import (
	"errors"
	"fmt"
	"net/url"

	"veille/corpus/webpage"
)

// ParseHTML reads an article from an HTML page: its main text and
// metadata as [webpage.Parse] finds them, then the boilerplate lines
// Readability keeps around the text (photo captions and credits, "read
// also" lists, category labels, bylines) dropped by the line rules of
// [ParseRaw]. contentType is the page's Content-Type ("" when unknown),
// pageURL its address ("" when unknown).
//
// The result's URL is the page's canonical URL, else pageURL when it is an
// http or https URL; Source is the site's name; Published is the page's
// publication time (zone kept), else a date ParseRaw reads near the
// headline; Language is the language the page declares.
//
// Errors wrap [ErrTooLarge] for a page over [webpage.MaxSize] and
// [ErrMalformed] for content that is not HTML. A page with neither a
// headline nor text gives a Raw that [Article.Validate] refuses
// ([ErrNoText]).
func ParseHTML(data []byte, contentType, pageURL string) (Raw, error) {
	p, err := webpage.Parse(data, contentType, pageURL)
	switch {
	case errors.Is(err, webpage.ErrTooLarge):
		return Raw{}, fmt.Errorf("%w: %w", ErrTooLarge, err)
	case err != nil:
		return Raw{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	r := ParseRaw(p.Title + "\n\n" + p.Text)
	if p.Title != "" {
		r.Title = p.Title
	}
	if r.Body == "" {
		r.Body = p.Text
	}
	if r.Body == "" {
		r.Body = p.Description
	}
	if !p.Published.IsZero() {
		r.Published = p.Published
	}
	if p.Author != "" {
		r.Author = p.Author
	}
	r.Source = p.SiteName
	r.URL = p.CanonicalURL
	if u, err := url.Parse(pageURL); r.URL == "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		r.URL = u.String()
	}
	r.Language = p.Language
	return r, nil
}
