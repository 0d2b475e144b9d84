package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/url"
	"slices"
	"strings"
)

// trackingParams are query parameters that say where a reader came from,
// not what the page is; prefixes end in '_' or '*'.
var trackingParams = []string{
	"utm_*", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid",
	"yclid", "twclid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "xtor", "at_*", "ns_*", "oly_*",
	"pk_*", "piwik_*", "mtm_*", "matomo_*", "vero_*", "cmpid", "ocid", "ito", "sr_share", "ref_src", "ref_url",
}

// isTracking reports whether the query parameter name is a tracking one.
func isTracking(name string) bool {
	name = strings.ToLower(name)
	for _, t := range trackingParams {
		if p, ok := strings.CutSuffix(t, "*"); ok {
			if strings.HasPrefix(name, p) {
				return true
			}
		} else if name == t {
			return true
		}
	}
	return false
}

// CanonicalURL returns the form of an http or https URL that identifies
// what it points to: scheme and host lower case, default port and
// fragment dropped, tracking parameters (utm_*, fbclid, gclid, xtor...)
// removed, the other parameters sorted, an empty path made "/". ok is
// false for anything else than an absolute http or https URL.
func CanonicalURL(raw string) (canonical string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "HTTP" && u.Scheme != "HTTPS") || u.Host == "" || u.User != nil {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host, port := u.Hostname(), u.Port()
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if isTracking(k) {
				delete(q, k)
			}
		}
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			for _, v := range q[k] {
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(url.QueryEscape(k))
				if v != "" {
					b.WriteByte('=')
					b.WriteString(url.QueryEscape(v))
				}
			}
		}
		u.RawQuery = b.String()
	}
	u.ForceQuery = false
	return u.String(), true
}

// ItemKey is what identifies a feed item from one poll to the next: the
// canonical form of its link, else its GUID, else its title.
func ItemKey(it Item) string {
	if c, ok := CanonicalURL(it.Link); ok {
		return c
	}
	if it.GUID != "" {
		return "guid:" + it.GUID
	}
	return "title:" + it.Title
}

// ArticleID is the id of the article whose identity (a canonical URL or
// an item key) is key: "web-" and 20 hex digits of its SHA-256.
func ArticleID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "web-" + hex.EncodeToString(sum[:10])
}

// SourceID is the id of the source following the feed at feedURL: "src-"
// and 12 hex digits of the SHA-256 of its canonical URL.
func SourceID(feedURL string) string {
	c, ok := CanonicalURL(feedURL)
	if !ok {
		c = feedURL
	}
	sum := sha256.Sum256([]byte(c))
	return "src-" + hex.EncodeToString(sum[:6])
}

// pageIdentity is the identity of the article behind an item whose page
// names canonical as its own address: canonical honoured, unless it is a
// site's home page while the item's link is not (sites that put their
// home page there on every article would merge them all).
func pageIdentity(itemKey, canonical string) string {
	c, ok := CanonicalURL(canonical)
	if !ok {
		return itemKey
	}
	if cu, err := url.Parse(c); err == nil && cu.Path == "/" && cu.RawQuery == "" {
		if iu, err := url.Parse(itemKey); err != nil || iu.Path != "/" {
			return itemKey
		}
	}
	return c
}
