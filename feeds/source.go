// Package feeds follows news feeds: RSS 2.0, Atom 1.0 and JSON Feed
// sources, each polled on its own schedule with conditional GETs, the
// pages of new and updated items fetched and turned into articles through
// corpus.ParseHTML, and the feed's own content used (and marked) when a
// page cannot be had. Sources and their state live in a folder of the data
// folder, one file each, replaced atomically.
package feeds

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Errors about sources, always wrapped.
var (
	// ErrInvalidSource: a source's URL, name or interval is not valid.
	ErrInvalidSource = errors.New("feeds: invalid source")
	// ErrNotFound: no source has the given id.
	ErrNotFound = errors.New("feeds: source not found")
	// ErrExists: a source already follows that URL.
	ErrExists = errors.New("feeds: source already followed")
	// ErrFromFile: the source comes from the sources file; it is removed
	// by removing it from the file.
	ErrFromFile = errors.New("feeds: source defined in the sources file")
)

// Interval limits.
const (
	DefaultInterval = 15 * time.Minute
	MinInterval     = time.Minute
	MaxInterval     = 24 * time.Hour
	// MaxNameLength is the longest source name, in bytes.
	MaxNameLength = 200
	// MaxURLLength is the longest feed URL, in bytes.
	MaxURLLength = 2048
)

// Source is a feed veille follows.
type Source struct {
	// ID is derived from the URL (see [SourceID]).
	ID  string `json:"id"`
	URL string `json:"url"`
	// Name is the source's name as given, else the feed's title; it is
	// the source of its articles.
	Name string `json:"name,omitempty"`
	// Interval is the time between two polls.
	Interval Interval `json:"interval"`
	// FromFile is true for a source listed in the --sources file.
	FromFile bool `json:"from_file,omitempty"`
}

// Interval is a duration written as Go writes them, without zero units
// ("15m", "1h30m").
type Interval time.Duration

// String returns i as "15m", "1h30m", "45s".
func (i Interval) String() string {
	s := time.Duration(i).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// MarshalJSON writes i as a string.
func (i Interval) MarshalJSON() ([]byte, error) { return json.Marshal(i.String()) }

// UnmarshalJSON reads a duration string ("15m") or a number of seconds.
func (i *Interval) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err := json.Unmarshal(b, &secs); err != nil {
			return fmt.Errorf("%w: interval must be a duration such as \"15m\"", ErrInvalidSource)
		}
		*i = Interval(secs * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%w: interval %q is not a duration such as \"15m\" or \"1h\"", ErrInvalidSource, s)
	}
	*i = Interval(d)
	return nil
}

// NewSource checks and completes a source: the URL must be an absolute
// http or https URL; the interval defaults to [DefaultInterval] and must
// lie between [MinInterval] and [MaxInterval]. Errors wrap
// ErrInvalidSource.
func NewSource(rawURL, name string, interval time.Duration) (Source, error) {
	rawURL = strings.TrimSpace(rawURL)
	if len(rawURL) > MaxURLLength {
		return Source{}, fmt.Errorf("%w: url longer than %d bytes", ErrInvalidSource, MaxURLLength)
	}
	if _, ok := CanonicalURL(rawURL); !ok {
		return Source{}, fmt.Errorf("%w: url %q is not an absolute http or https URL", ErrInvalidSource, rawURL)
	}
	name = oneLine(name)
	if len(name) > MaxNameLength {
		return Source{}, fmt.Errorf("%w: name longer than %d bytes", ErrInvalidSource, MaxNameLength)
	}
	if interval == 0 {
		interval = DefaultInterval
	}
	if interval < MinInterval || interval > MaxInterval {
		return Source{}, fmt.Errorf("%w: interval %v must be between %v and %v", ErrInvalidSource, Interval(interval), Interval(MinInterval), Interval(MaxInterval))
	}
	return Source{ID: SourceID(rawURL), URL: rawURL, Name: name, Interval: Interval(interval)}, nil
}

// ReadSourcesFile reads a sources file: one feed a line, "URL" or "URL
// name...", blank lines and lines starting with '#' ignored. Every source
// gets the default interval and FromFile. Errors name the line and wrap
// ErrInvalidSource.
func ReadSourcesFile(r io.Reader) ([]Source, error) {
	var out []Source
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		u, name := text, ""
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			u, name = text[:i], text[i+1:]
		}
		s, err := NewSource(u, name, 0)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		s.FromFile = true
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("feeds: read sources file: %w", err)
	}
	return out, nil
}

// Status is what polling a source has done.
type Status struct {
	LastFetch   time.Time `json:"last_fetch,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastError is the error of the last poll, "" when it succeeded.
	LastError string    `json:"last_error,omitempty"`
	NextPoll  time.Time `json:"next_poll,omitzero"`
	// ItemsSeen, ItemsNew and ItemsUpdated count the items of the last
	// successful poll: in the feed, first seen, changed since seen.
	ItemsSeen    int `json:"items_seen"`
	ItemsNew     int `json:"items_new"`
	ItemsUpdated int `json:"items_updated"`
	// Failures counts the polls that failed in a row (back-off).
	Failures int `json:"failures,omitempty"`
	// Totals since the source was added.
	Polls        int64 `json:"polls"`
	NotModified  int64 `json:"not_modified"`
	Errors       int64 `json:"errors"`
	TotalNew     int64 `json:"total_new"`
	TotalUpdated int64 `json:"total_updated"`
	// FeedTitle is the feed's own title.
	FeedTitle string `json:"feed_title,omitempty"`
}

// Counts is what one poll did.
type Counts struct {
	// NotModified is true when the server answered 304.
	NotModified bool `json:"not_modified"`
	Seen        int  `json:"items_seen"`
	New         int  `json:"items_new"`
	Updated     int  `json:"items_updated"`
	// FromFeed counts the articles made of the feed's own content because
	// their page could not be had.
	FromFeed int `json:"from_feed"`
	// Failed counts the items that could not be stored.
	Failed int `json:"failed"`
}

// View is a source with its status, as listed.
type View struct {
	Source
	Status Status
}

// itemState is what a source remembers of an item.
type itemState struct {
	// Article is the id of the article made of it.
	Article string `json:"article"`
	// Print is a hash of what the feed says of the item: a change means
	// the item was updated.
	Print string `json:"print"`
	// Seen is when the item was last in the feed.
	Seen time.Time `json:"seen"`
}
