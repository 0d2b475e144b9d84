package feeds

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseFormats(t *testing.T) {
	published := time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name, data, typ string
		want            Item
	}{
		{"RSS 2.0", `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Fil</title><language>fr</language>
<item><title> Renault
 ferme Flins </title><link>https://x.example/a?utm_source=rss</link><guid isPermaLink="false">id-1</guid><dc:creator>Jeanne Dupont</dc:creator>
<description>Résumé &amp; plus</description><content:encoded><![CDATA[<p>Texte</p>]]></content:encoded><pubDate>Thu, 02 May 2024 08:00:00 GMT</pubDate></item></channel></rss>`,
			"rss", Item{GUID: "id-1", Link: "https://x.example/a?utm_source=rss", Title: "Renault ferme Flins", Content: "<p>Texte</p>", Summary: "Résumé & plus", Published: published, Author: "Jeanne Dupont"}},
		{"Atom 1.0", `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Fil</title>
<entry><title>Renault ferme Flins</title><link rel="alternate" href="https://x.example/a"/><id>urn:uuid:1</id><author><name>Jeanne Dupont</name></author>
<published>2024-05-02T08:00:00Z</published><updated>2024-05-03T09:00:00Z</updated><summary>Résumé</summary><content type="html">&lt;p&gt;Texte&lt;/p&gt;</content></entry></feed>`,
			"atom", Item{GUID: "urn:uuid:1", Link: "https://x.example/a", Title: "Renault ferme Flins", Content: "<p>Texte</p>", Summary: "Résumé", Published: published, Updated: time.Date(2024, 5, 3, 9, 0, 0, 0, time.UTC), Author: "Jeanne Dupont"}},
		{"JSON Feed 1.1", `{"version":"https://jsonfeed.org/version/1.1","title":"Fil","language":"fr","items":[{"id":"1","url":"https://x.example/a","title":"Renault ferme Flins",
"content_html":"<p>Texte</p>","summary":"Résumé","date_published":"2024-05-02T08:00:00Z","authors":[{"name":"Jeanne Dupont"}]}]}`,
			"json", Item{GUID: "1", Link: "https://x.example/a", Title: "Renault ferme Flins", Content: "<p>Texte</p>", Summary: "Résumé", Published: published, Author: "Jeanne Dupont"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if f.Type != tt.typ || f.Title != "Fil" || len(f.Items) != 1 {
				t.Fatalf("feed %+v", f)
			}
			got := f.Items[0]
			if !got.Published.Equal(tt.want.Published) || !got.Updated.Equal(tt.want.Updated) {
				t.Errorf("dates %v %v, want %v %v", got.Published, got.Updated, tt.want.Published, tt.want.Updated)
			}
			got.Published, got.Updated, tt.want.Published, tt.want.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("item\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, data := range []string{"", "   ", "<html><body>page</body></html>", "{\"hello\": 1}", "<rss><channel><item>", "\x00\x01\x02"} {
		if _, err := Parse([]byte(data)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q): %v, want ErrMalformed", data, err)
		}
	}
}

// FuzzParse checks that any input gives a feed or ErrMalformed, never a
// panic, with at most MaxItems items and valid UTF-8 titles.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<rss version="2.0"><channel><title>t</title><item><title>a</title><link>http://x/</link></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":1}]}`))
	f.Add([]byte(`<!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel><title>&b;</title></channel></rss>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if len(feed.Items) > MaxItems {
			t.Fatalf("%d items", len(feed.Items))
		}
		for _, it := range feed.Items {
			if !utf8.ValidString(it.Title) && utf8.ValidString(string(data)) {
				t.Fatalf("invalid UTF-8 title %q from valid input", it.Title)
			}
		}
	})
}
