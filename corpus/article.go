// Package corpus holds veille's domain types for news articles and reads
// them from the formats the product accepts: JSON, NDJSON/JSONL, raw text
// copied from a web page (.txt/.md), HTML pages (.html/.htm, main text and
// metadata found by package corpus/webpage), each optionally gzipped.
package corpus

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Article is one news article with the entities extracted from its text.
//
// Published is the zero time when the article carries no date. Companies,
// Countries and Amounts are filled at ingest by the extraction step; callers
// that build an Article by hand may leave them nil.
type Article struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	URL       string    `json:"url,omitempty"`
	Source    string    `json:"source,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Language  string    `json:"language,omitempty"`
	Companies []string  `json:"companies"`
	Countries []string  `json:"countries"`
	Amounts   []Amount  `json:"amounts"`
	// Story is the id shared by near-duplicates (see package stories),
	// set at ingest; an article with no copy has its own id.
	Story string `json:"story,omitempty"`
	// TextFrom marks a body that is not the article's page: TextFeedContent
	// or TextFeedSummary for a feed item whose page could not be had; ""
	// when the body is the article's own text.
	TextFrom string `json:"text_from,omitempty"`
}

// Values of [Article.TextFrom].
const (
	TextFeedContent = "feed_content" // the feed item's full content
	TextFeedSummary = "feed_summary" // the feed item's summary or description
)

// Amount is one sum of money found in an article's text.
type Amount struct {
	// Value is the amount in units of Currency (2.5e9 for "2,5 milliards de dollars").
	Value float64 `json:"value"`
	// Currency is the ISO 4217 code ("EUR", "USD", "GBP"...).
	Currency string `json:"currency"`
	// EUR is Value converted to euros at the reference rate of RateDate.
	EUR float64 `json:"eur"`
	// Text is the amount as written in the article.
	Text string `json:"text"`
	// RateDate is the month ("2020-03") of the reference rate EUR used:
	// the article's publication month, the latest month of the rate table
	// for an undated article, or the month of the nearest rate known.
	RateDate string `json:"rate_date,omitempty"`
}

// MaxIDLength is the longest id an article may have, in bytes.
const MaxIDLength = 200

// ErrInvalidID is returned by [ValidateID] for ids that cannot name an article.
var ErrInvalidID = errors.New("corpus: invalid article id")

// ErrNoText is returned by [Article.Validate] when an article has neither a title nor a body.
var ErrNoText = errors.New("corpus: article has no text")

// ErrInvalidText is returned by [Article.Validate] when a field is not valid UTF-8.
var ErrInvalidText = errors.New("corpus: text is not valid UTF-8")

// ValidateID reports whether id can name an article: 1 to MaxIDLength bytes
// of letters, digits, '-', '_' and inner '.', with no path separators, no
// leading dot and no "..". It returns an error wrapping [ErrInvalidID].
func ValidateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", ErrInvalidID)
	case len(id) > MaxIDLength:
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidID, MaxIDLength)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidID)
	case strings.HasPrefix(id, "."), strings.Contains(id, ".."):
		return fmt.Errorf("%w: %q must not start with a dot or contain \"..\"", ErrInvalidID, id)
	}
	for _, r := range id {
		ok := r == '-' || r == '_' || r == '.' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("%w: %q may only hold letters, digits, '-', '_' and '.'", ErrInvalidID, id)
		}
	}
	return nil
}

// Validate checks what every stored article must satisfy: a valid id, some
// text, and valid UTF-8 everywhere. Errors wrap [ErrInvalidID], [ErrNoText]
// or [ErrInvalidText].
func (a *Article) Validate() error {
	if err := ValidateID(a.ID); err != nil {
		return err
	}
	for name, s := range map[string]string{"title": a.Title, "body": a.Body, "url": a.URL, "source": a.Source, "language": a.Language} {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: field %s", ErrInvalidText, name)
		}
	}
	if strings.TrimSpace(a.Title) == "" && strings.TrimSpace(a.Body) == "" {
		return ErrNoText
	}
	return nil
}

// FormatPublished renders a publication time as the API and the webhooks
// write it: "2025-09-19" when it is a bare date (midnight at UTC offset
// 0), RFC 3339 otherwise, "" when unknown.
func FormatPublished(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if _, offset := t.Zone(); offset == 0 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}
