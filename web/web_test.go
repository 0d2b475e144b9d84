package web_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"veille/api"
	"veille/web"
)

// noService stands in for the search engine: serving the page's files
// never calls it.
type noService struct{ api.Service }

func servePage(t *testing.T) http.Handler {
	t.Helper()
	return api.New(noService{}, api.Options{UI: web.FS()}).Handler()
}

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := fs.ReadFile(web.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// assetRefs returns the local files index.html loads (src= and href=).
func assetRefs(t *testing.T, page string) []string {
	t.Helper()
	var refs []string
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		refs = append(refs, m[1])
	}
	return refs
}

func TestPageIsServedWithTypesAndCaching(t *testing.T) {
	h := servePage(t)
	page := get(t, h, "/?q=Narvik&company=Nvidia")
	if page.Code != http.StatusOK {
		t.Fatalf("GET / = %d", page.Code)
	}
	hd := page.Header()
	if ct := hd.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("page Content-Type = %q", ct)
	}
	if cc := hd.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("page Cache-Control = %q, want no-cache (revalidated on every load)", cc)
	}
	if hd.Get("ETag") == "" || !strings.Contains(hd.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("page headers: ETag %q, CSP %q", hd.Get("ETag"), hd.Get("Content-Security-Policy"))
	}
	if again := get(t, h, "/", "If-None-Match", hd.Get("ETag")); again.Code != http.StatusNotModified {
		t.Errorf("revalidating the page = %d, want 304", again.Code)
	}

	wantType := map[string]string{
		"app.js":      "text/javascript; charset=utf-8",
		"app.css":     "text/css; charset=utf-8",
		"favicon.svg": "image/svg+xml",
	}
	seen := map[string]bool{}
	for _, ref := range assetRefs(t, page.Body.String()) {
		if strings.HasPrefix(ref, "/api/") || ref == "/" || strings.HasPrefix(ref, "#") {
			continue // links, not assets
		}
		name, v, ok := strings.Cut(ref, "?v=")
		if !ok {
			t.Errorf("index.html loads %q without a version", ref)
			continue
		}
		seen[name] = true
		data, err := fs.ReadFile(web.FS(), name)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if v != web.Version(data) {
			t.Errorf("%s: version %s, want %s", ref, v, web.Version(data))
		}
		rec := get(t, h, "/"+ref)
		if rec.Code != http.StatusOK || rec.Body.String() != string(data) {
			t.Errorf("GET /%s = %d, %d bytes", ref, rec.Code, rec.Body.Len())
		}
		if ct := rec.Header().Get("Content-Type"); ct != wantType[name] {
			t.Errorf("%s: Content-Type %q, want %q", name, ct, wantType[name])
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s with its version: Cache-Control %q, want immutable", name, cc)
		}
		// With another version than the file's, the asset is revalidated:
		// a page from another build must not pin it. Without a version
		// (not how the page loads it), it is cached briefly.
		for other, want := range map[string]string{
			"/" + name + "?v=0123456789abcdef": "no-cache",
			"/" + name:                         "public, max-age=3600",
		} {
			rec := get(t, h, other)
			if cc := rec.Header().Get("Cache-Control"); rec.Code != http.StatusOK || cc != want {
				t.Errorf("GET %s = %d, Cache-Control %q, want 200 %q", other, rec.Code, cc, want)
			}
		}
		etag := rec.Header().Get("ETag")
		if again := get(t, h, "/"+ref, "If-None-Match", etag); etag == "" || again.Code != http.StatusNotModified {
			t.Errorf("revalidating %s with ETag %q = %d, want 304", name, etag, again.Code)
		}
	}
	for name := range wantType {
		if !seen[name] {
			t.Errorf("index.html does not load %s", name)
		}
	}
	for _, missing := range []string{"/nope.js", "/../go.mod", "/web.go"} {
		if rec := get(t, h, missing); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", missing, rec.Code)
		}
	}
}

// TestPageFitsTheCSP checks what the Content-Security-Policy
// (default-src 'self') requires: no inline script or style, nothing loaded
// from another origin.
func TestPageFitsTheCSP(t *testing.T) {
	page := readFile(t, "index.html")
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`),      // inline script
		regexp.MustCompile(`<script(?:\s[^>]*)?>(?:[^<]|<[^/])`), // script with content
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`), // inline event handlers
		regexp.MustCompile(`(?:src|href)="(?:https?:)?//`),
	} {
		if m := bad.FindString(page); m != "" {
			t.Errorf("index.html has %q, which the CSP forbids or which leaves the origin", m)
		}
	}
	for _, name := range []string{"app.js", "app.css"} {
		text := readFile(t, name)
		// The SVG namespace is a name, not an address the page fetches.
		text = strings.ReplaceAll(text, `"http://www.w3.org/2000/svg"`, "")
		if m := regexp.MustCompile(`https?://|@import|url\(`).FindString(text); m != "" {
			t.Errorf("%s refers to %q: the page must load nothing from outside", name, m)
		}
	}
}

// stripComments removes JavaScript comments (the file has no comment
// markers inside its strings or regular expressions other than "//" in
// the SVG namespace, which is left alone).
func stripComments(js string) string {
	js = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(js, "")
	return regexp.MustCompile(`(?m)(^|[^:"'\\])//.*$`).ReplaceAllString(js, "$1")
}

// functionBody returns the source of the top-level function name in js.
func functionBody(t *testing.T, js, name string) string {
	t.Helper()
	start := strings.Index(js, "\nfunction "+name+"(")
	if start < 0 {
		t.Fatalf("app.js has no function %s", name)
	}
	end := strings.Index(js[start+1:], "\n}\n")
	if end < 0 {
		t.Fatalf("function %s does not end", name)
	}
	return js[start : start+1+end+3]
}

// TestScriptNeverParsesHTML checks the page's safety rule on its source:
// no HTML sink at all (untrusted titles and snippets go in as text), and
// <mark> elements are made only by setHighlight, which splits the API's
// fragments on <mark>/</mark> and adds the rest as text nodes.
func TestScriptNeverParsesHTML(t *testing.T) {
	js := stripComments(readFile(t, "app.js"))
	for _, sink := range []string{
		"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser",
		"createContextualFragment", "srcdoc", "eval(", "new Function", "setHTMLUnsafe", "parseHTMLUnsafe",
		`"style"`, "javascript:",
	} {
		if strings.Contains(js, sink) {
			t.Errorf("app.js uses %s", sink)
		}
	}

	hl := functionBody(t, js, "setHighlight")
	for _, want := range []string{"split(/(<mark>|<\\/mark>)/)", `createElement("mark")`, "createTextNode(decodeEntities(part))", "el.replaceChildren()"} {
		if !strings.Contains(hl, want) {
			t.Errorf("setHighlight no longer has %s:\n%s", want, hl)
		}
	}
	if n := strings.Count(js, `createElement("mark")`) + strings.Count(js, `h("mark"`); n != 1 {
		t.Errorf("app.js makes <mark> elements in %d places; only setHighlight may", n)
	}
	// Highlight fragments reach the page only through setHighlight.
	for _, m := range regexp.MustCompile(`[^\n]*highlights[^\n]*`).FindAllString(js, -1) {
		if strings.Contains(m, "textContent") {
			t.Errorf("a highlight fragment is set as text, losing its marks: %s", strings.TrimSpace(m))
		}
	}
	for _, m := range regexp.MustCompile(`setHighlight\(([^,]+), ([^)]+)\)`).FindAllStringSubmatch(js, -1) {
		if arg := m[2]; arg != "titleFrag" && arg != "frag" && arg != "fragment" {
			t.Errorf("setHighlight is given %q; only highlight fragments from the API may be", arg)
		}
	}
	// Links only ever point to an http(s) address checked by safeURL, to
	// a state of the page or to an article's page.
	for _, m := range regexp.MustCompile(`href: ([A-Za-z(]+)`).FindAllStringSubmatch(js, -1) {
		if m[1] != "url" && !strings.HasPrefix(m[1], "stateURL(") && !strings.HasPrefix(m[1], "articleURL(") {
			t.Errorf("a link's href is %q; use safeURL, stateURL or articleURL", m[1])
		}
	}
	if art := functionBody(t, js, "articleURL"); !strings.Contains(art, "encodeURIComponent(id)") {
		t.Errorf("articleURL does not escape the id:\n%s", art)
	}
	if !strings.Contains(js, "const url = safeURL(hit.url)") {
		t.Errorf("article links no longer go through safeURL")
	}
	safe := functionBody(t, js, "safeURL")
	if !strings.Contains(safe, `url.protocol === "http:" || url.protocol === "https:"`) {
		t.Errorf("safeURL no longer allows http(s) only:\n%s", safe)
	}
}

func TestFSIndexNamesVersionedAssets(t *testing.T) {
	page := readFile(t, "index.html")
	for _, name := range []string{"app.js", "app.css", "favicon.svg"} {
		data, err := fs.ReadFile(web.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		want := name + "?v=" + web.Version(data)
		if !strings.Contains(page, `"`+want+`"`) {
			t.Errorf("index.html does not load %s", want)
		}
		if strings.Contains(page, `"`+name+`"`) {
			t.Errorf("index.html still loads %s without its version", name)
		}
	}
	if v := web.Version([]byte("x")); len(v) != 16 {
		t.Errorf("Version = %q, want 16 hex digits", v)
	}
	// The FS is a plain fs.FS: it lists and opens its files.
	if err := fstest.TestFS(web.FS(), "index.html", "app.js", "app.css", "favicon.svg"); err != nil {
		t.Error(err)
	}
}
