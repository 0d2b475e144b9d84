package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// ErrMalformed is returned (wrapped) by [Parse] for data that is no RSS,
// Atom or JSON feed.
var ErrMalformed = errors.New("feeds: not an RSS, Atom or JSON feed")

// MaxItems is the most items [Parse] keeps from one feed (the first ones,
// which feeds put newest first).
const MaxItems = 500

// Feed is a parsed RSS 2.0 (and 0.9x/1.0), Atom 1.0 or JSON Feed document.
type Feed struct {
	// Type is "rss", "atom" or "json".
	Type     string
	Title    string
	Link     string
	Language string
	Items    []Item
}

// Item is one entry of a feed. Fields the feed leaves out are empty.
type Item struct {
	GUID  string
	Link  string
	Title string
	// Content is the item's full content (content:encoded, Atom content,
	// JSON content_html or content_text), often HTML.
	Content string
	// Summary is its description or summary, often HTML.
	Summary   string
	Published time.Time
	Updated   time.Time
	Author    string
}

// Parse reads a feed with github.com/mmcdole/gofeed, which detects the
// format. Errors wrap ErrMalformed.
func Parse(data []byte) (f Feed, err error) {
	defer func() { // a parser bug on hostile input is the input's error, not a crash
		if r := recover(); r != nil {
			f, err = Feed{}, fmt.Errorf("%w: %v", ErrMalformed, r)
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return Feed{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	gf, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		return Feed{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if gf.FeedType == "json" && gf.FeedVersion == "" {
		return Feed{}, fmt.Errorf("%w: JSON without a JSON Feed \"version\"", ErrMalformed)
	}
	f = Feed{Type: gf.FeedType, Title: oneLine(gf.Title), Link: strings.TrimSpace(gf.Link), Language: gf.Language}
	for i, it := range gf.Items {
		if i == MaxItems {
			break
		}
		if it == nil {
			continue
		}
		item := Item{
			GUID:    strings.TrimSpace(it.GUID),
			Link:    strings.TrimSpace(it.Link),
			Title:   oneLine(it.Title),
			Content: it.Content,
			Summary: it.Description,
		}
		if item.Link == "" && len(it.Links) > 0 {
			item.Link = strings.TrimSpace(it.Links[0])
		}
		if it.PublishedParsed != nil {
			item.Published = *it.PublishedParsed
		}
		if it.UpdatedParsed != nil {
			item.Updated = *it.UpdatedParsed
		}
		var names []string
		for _, p := range it.Authors {
			if p != nil && strings.TrimSpace(p.Name) != "" {
				names = append(names, strings.TrimSpace(p.Name))
			}
		}
		item.Author = strings.Join(names, ", ")
		f.Items = append(f.Items, item)
	}
	return f, nil
}

// oneLine collapses the white space of s.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
