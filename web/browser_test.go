package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"veille/analyzers"
	"veille/api"
	"veille/corpus"
	"veille/index"
	"veille/web"
)

// The browser test drives the page in a real headless Chromium against a
// real server (index, extractor, API) holding the seed articles.
//
// Chromium is VEILLE_CHROMIUM when set, else "chromium" on the PATH or
// /usr/bin/chromium. Without it the test skips, unless
// VEILLE_REQUIRE_CHROMIUM=1 (set by .ci/run), which makes it fail.
//
// Screenshots (desktop 1280 and phone 390 wide, of /?q=Nvidia) go to a
// temporary folder, or to the folder VEILLE_SCREENSHOTS names, relative to
// the repository root: VEILLE_SCREENSHOTS=docs writes
// docs/search-desktop.png and docs/search-phone.png.

const narvikID = "002_b646f2462df05c32"

// chromiumPath returns the browser to run, skipping or failing the test
// when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	candidates := []string{"chromium", "/usr/bin/chromium", "chromium-browser"}
	if p := os.Getenv("VEILLE_CHROMIUM"); p != "" {
		candidates = []string{p} // an explicit choice: no fallback
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium found (tried %s); install Debian's chromium or set VEILLE_CHROMIUM", strings.Join(candidates, ", "))
	if os.Getenv("VEILLE_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg + " (VEILLE_REQUIRE_CHROMIUM=1: the browser test is required)")
	}
	t.Skip(msg)
	return ""
}

// seededServer serves a real index holding the seed articles; configure
// functions adjust the server's options.
func seededServer(t *testing.T, configure ...func(*api.Options, *index.Index)) (*httptest.Server, *index.Index) {
	t.Helper()
	ctx := context.Background()
	ext, err := analyzers.NewExtractor(analyzers.ExtractorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Open(ctx, t.TempDir(), index.Options{Enricher: ext})
	if err != nil {
		t.Fatalf("index.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := idx.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	arts, err := corpus.SeedArticles()
	if err != nil || len(arts) == 0 {
		t.Fatalf("seed articles: %d, %v", len(arts), err)
	}
	var items []index.Item
	for _, a := range arts {
		items = append(items, index.Item{Article: a})
	}
	for i, r := range idx.PutMany(ctx, items) {
		if r.Err != nil {
			t.Fatalf("PutMany item %d (%s): %v", i, items[i].Article.ID, r.Err)
		}
	}
	opts := api.Options{UI: web.FS(), Countries: ext.Countries()}
	for _, f := range configure {
		f(&opts, idx)
	}
	srv := api.New(idx, opts)
	srv.SetReady(true)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, idx
}

// apiHits asks the API directly which ids a search returns.
func apiHits(t *testing.T, base string, params url.Values) (ids []string, total int) {
	t.Helper()
	resp, err := http.Get(base + "/api/search?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Total int `json:"total"`
		Hits  []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/search?%s = %d", params.Encode(), resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	for _, h := range body.Hits {
		ids = append(ids, h.ID)
	}
	return ids, body.Total
}

// pageState is what the test reads of the page.
type pageState struct {
	Search  string   `json:"search"`
	Busy    string   `json:"busy"`
	Status  string   `json:"status"`
	Hits    []string `json:"hits"`
	Marks   []string `json:"marks"`
	Error   string   `json:"error"`
	Empty   string   `json:"empty"`
	Checked []string `json:"checked"`
	Pills   []string `json:"pills"`
	Query   string   `json:"query"`
	Pager   bool     `json:"pager"`
	Focus   string   `json:"focus"`
}

const readStateJS = `(() => {
  const $ = (id) => document.getElementById(id);
  const all = (sel) => [...document.querySelectorAll(sel)];
  return {
    search: location.search,
    busy: $('results').getAttribute('aria-busy') || '',
    status: $('status').textContent,
    hits: all('#hits > li.hit').map((li) => li.dataset.id),
    marks: all('#hits mark').map((m) => m.textContent),
    error: $('error').hidden ? '' : $('error').textContent,
    empty: $('empty').hidden ? '' : $('empty').textContent,
    checked: all('#facets input:checked').map((i) => i.dataset.facet + '=' + i.dataset.value),
    pills: all('#active-filters button').map((b) => b.textContent),
    query: $('q').value,
    pager: !$('pager').hidden,
    focus: document.activeElement ? (document.activeElement.id || document.activeElement.tagName) : '',
  };
})()`

// browser is one tab of a headless Chromium, with the page's console
// errors and uncaught exceptions collected.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	tctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	b := &browser{t: t, ctx: tctx, base: base}
	if err := chromedp.Do(tctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	err := chromedp.Listen(tctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if ev.Entry != nil && ev.Entry.Level == log.EntryLevelError {
				p = fmt.Sprintf("log %s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			p = "exception: " + (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				p = "console.error"
			}
		}
		if p != "" {
			b.mu.Lock()
			b.problems = append(b.problems, p)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\npage: %+v", what, err, b.stateOrNil())
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

func (b *browser) eval(expr string) any {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (b *browser) state() pageState {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[pageState](readStateJS))
	if err != nil {
		b.t.Fatalf("reading the page: %v", err)
	}
	return s
}

func (b *browser) stateOrNil() any {
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[pageState](readStateJS))
	if err != nil {
		return err
	}
	return s
}

// waitFor waits until cond (a JavaScript expression over s, the page state)
// holds and no search is running, then returns the state.
func (b *browser) waitFor(what, cond string) pageState {
	b.t.Helper()
	expr := fmt.Sprintf(`(() => { const s = %s; return s.busy === 'false' && (%s); })()`, readStateJS, cond)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("waiting for %s: %v\npage: %+v", what, err, b.stateOrNil())
	}
	return b.state()
}

// checkNoProblems fails the test for every error the browser reported,
// except those containing one of expected.
func (b *browser) checkNoProblems(expected ...string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		if !slices.ContainsFunc(expected, func(e string) bool { return strings.Contains(p, e) }) {
			b.t.Errorf("browser reported: %s", p)
		}
	}
	b.problems = nil
}

func (b *browser) screenshot(dir, name string, width, height int64, scale float64, mobile bool) {
	b.t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(scale)}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	b.do("viewport "+name, chromedp.EmulateViewport(width, height, opts...))
	// Let layout settle after the resize (media queries, fonts).
	b.eval(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`)
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s (%d bytes)", p, len(png))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestSearchPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	shots := os.Getenv("VEILLE_SCREENSHOTS")
	switch {
	case shots == "":
		shots = t.TempDir()
	case !filepath.IsAbs(shots):
		shots = filepath.Join("..", shots) // relative to the repository root
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	chromiumPath(t) // skip or fail before indexing anything
	ts, idx := seededServer(t)
	b := newBrowser(t, ts.URL)

	// 1. A shared link renders its state on first load: the Norway article
	// with Narvik highlighted.
	b.open("/?q=Narvik")
	first := b.waitFor("the Narvik results", `s.hits.length > 0`)
	if !slices.Contains(first.Hits, narvikID) {
		t.Fatalf("q=Narvik: hits %v, want %s", first.Hits, narvikID)
	}
	marked := b.eval(`[...document.querySelectorAll('li.hit[data-id="` + narvikID + `"] mark')].map((m) => m.textContent)`)
	if ms, _ := marked.([]any); len(ms) == 0 || !slices.ContainsFunc(ms, func(m any) bool { return m == "Narvik" }) {
		t.Errorf("Norway article: marks %v, want <mark>Narvik</mark>", marked)
	}
	if first.Query != "Narvik" || first.Search != "?q=Narvik" || len(first.Pills) != 0 {
		t.Errorf("first state: %+v", first)
	}
	if !strings.Contains(first.Status, "résultat") || !strings.Contains(first.Status, "« Narvik »") {
		t.Errorf("status = %q", first.Status)
	}
	wantIDs, _ := apiHits(t, ts.URL, url.Values{"q": {"Narvik"}})
	if !slices.Equal(first.Hits, wantIDs) {
		t.Errorf("page hits %v, API hits %v", first.Hits, wantIDs)
	}

	// 2. Ticking a company facet filters the results and changes the URL.
	company, _ := b.eval(`(document.querySelector('#facets input[data-facet="company"]:not(:checked)') || {}).dataset?.value || ''`).(string)
	if company == "" {
		t.Fatalf("no company facet to tick on q=Narvik: %+v", b.state())
	}
	b.do("tick company "+company, chromedp.Click(chromedp.CSS(`#facets input[data-facet="company"][data-value=`+jsString(company)+`]`)))
	ticked := b.waitFor("the company filter",
		`new URLSearchParams(location.search).getAll('company').includes(`+jsString(company)+`) && s.checked.includes('company=' + `+jsString(company)+`)`)
	want := url.Values{"q": {"Narvik"}, "company": {company}}
	if got, _ := url.ParseQuery(strings.TrimPrefix(ticked.Search, "?")); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("URL after ticking %s: %q", company, ticked.Search)
	}
	wantIDs, _ = apiHits(t, ts.URL, want)
	if !slices.Equal(ticked.Hits, wantIDs) {
		t.Errorf("hits with company=%s: page %v, API %v", company, ticked.Hits, wantIDs)
	}
	if len(ticked.Pills) != 1 || !strings.Contains(ticked.Pills[0], company) {
		t.Errorf("active filters = %q, want one naming %s", ticked.Pills, company)
	}
	if f := b.eval(`document.activeElement.dataset.value || document.activeElement.id`); f != company {
		t.Errorf("after ticking %s, focus is on %v; it should stay on the checkbox", company, f)
	}
	pressed := b.eval(`[...document.querySelectorAll('#hits li.hit')].every((li) => [...li.querySelectorAll('button.chip-company[aria-pressed="true"]')].some((c) => c.textContent.endsWith(` + jsString(company) + `)))`)
	if pressed != true {
		t.Errorf("not every hit shows %s as an active filter chip", company)
	}

	// 3. Back restores the first state; forward and reload restore the second.
	b.eval(`history.back()`)
	back := b.waitFor("the state before the tick", `s.search === '?q=Narvik' && s.checked.length === 0`)
	if !slices.Equal(back.Hits, first.Hits) || back.Query != "Narvik" || len(back.Pills) != 0 || !slices.Equal(back.Marks, first.Marks) {
		t.Errorf("after back: %+v\nwant like %+v", back, first)
	}
	b.eval(`history.forward()`)
	b.waitFor("the state after the tick", `s.checked.includes('company=' + `+jsString(company)+`)`)
	b.do("reload", chromedp.Reload())
	reloaded := b.waitFor("the reloaded page", `s.hits.length > 0`)
	if !slices.Contains(reloaded.Checked, "company="+company) || reloaded.Query != "Narvik" || !slices.Equal(reloaded.Hits, ticked.Hits) {
		t.Errorf("after reload: %+v", reloaded)
	}

	// 4. Multi-select: on the whole corpus, two companies of one facet are
	// OR'ed, and the counts are the API's.
	b.open("/")
	all := b.waitFor("every article", `s.hits.length > 0`)
	companies := b.eval(`[...document.querySelectorAll('#facets input[data-facet="company"]')].map((i) => i.dataset.value)`).([]any)
	if len(companies) < 2 {
		t.Fatalf("company facet on the whole corpus: %v", companies)
	}
	a1, a2 := companies[len(companies)-1].(string), companies[len(companies)-2].(string)
	b.do("tick "+a1, chromedp.Click(chromedp.CSS(`#facets input[data-facet="company"][data-value=`+jsString(a1)+`]`)))
	one := b.waitFor("one company", `s.checked.length === 1`)
	ids1, total1 := apiHits(t, ts.URL, url.Values{"company": {a1}})
	if !slices.Equal(one.Hits, ids1) || slices.Equal(one.Hits, all.Hits) {
		t.Errorf("company=%s: page %v, API %v (total %d), unfiltered %v", a1, one.Hits, ids1, total1, all.Hits)
	}
	b.do("tick "+a2, chromedp.Click(chromedp.CSS(`#facets input[data-facet="company"][data-value=`+jsString(a2)+`]`)))
	two := b.waitFor("two companies", `s.checked.length === 2`)
	ids2, _ := apiHits(t, ts.URL, url.Values{"company": {a1, a2}})
	if !slices.Equal(two.Hits, ids2) || len(two.Hits) < len(one.Hits) {
		t.Errorf("company=%s OR %s: page %v, API %v", a1, a2, two.Hits, ids2)
	}
	if q, _ := url.ParseQuery(strings.TrimPrefix(two.Search, "?")); !slices.Equal(q["company"], []string{a1, a2}) {
		t.Errorf("URL = %q, want company=%s&company=%s", two.Search, a1, a2)
	}
	b.eval(`history.back()`)
	b.waitFor("one company again", `s.checked.length === 1`)
	b.eval(`history.back()`)
	again := b.waitFor("no filter again", `s.checked.length === 0 && s.search === ''`)
	if !slices.Equal(again.Hits, all.Hits) {
		t.Errorf("after two backs: %v, want %v", again.Hits, all.Hits)
	}

	// French formats: dates and amount chips.
	seed := b.eval(`(() => {
	  const li = document.querySelector('li.hit[data-id="001_eda08fda6618b654"]');
	  return li ? { date: li.querySelector('time').textContent, amounts: [...li.querySelectorAll('.chip-amount')].map((c) => c.textContent) } : null;
	})()`)
	if m, _ := seed.(map[string]any); m == nil || m["date"] != "19 sept. 2025" ||
		!slices.ContainsFunc(m["amounts"].([]any), func(a any) bool { return strings.Contains(a.(string), "683\u00a0M$ ≈ ") }) ||
		!slices.ContainsFunc(m["amounts"].([]any), func(a any) bool { return strings.Contains(a.(string), "17\u00a0Md$") }) {
		t.Errorf("seed 001: date and amounts shown as %v, want 19 sept. 2025, 683 M$ and 17 Md$", seed)
	}

	// Ranges: a month ticks as a date range; an amount typed in French
	// ("1,5 Md") becomes euros in the URL.
	b.do("tick month", chromedp.Click(chromedp.CSS(`#facets input[data-facet="month"][data-value="2025-09"]`)))
	month := b.waitFor("the month filter", `s.checked.includes('month=2025-09')`)
	if q, _ := url.ParseQuery(strings.TrimPrefix(month.Search, "?")); q.Get("from") != "2025-09-01" || q.Get("to") != "2025-09-30" {
		t.Errorf("month 2025-09 ticked: URL %q", month.Search)
	}
	if ids, _ := apiHits(t, ts.URL, url.Values{"from": {"2025-09-01"}, "to": {"2025-09-30"}}); !slices.Equal(month.Hits, ids) {
		t.Errorf("month 2025-09: page %v, API %v", month.Hits, ids)
	}
	b.do("type an amount", chromedp.Click(chromedp.ID("amount-min")), chromedp.KeyEvent("1,5 Md\r"))
	amount := b.waitFor("the amount filter", `new URLSearchParams(location.search).get('amount_min') === '1500000000'`)
	if ids, _ := apiHits(t, ts.URL, url.Values{"from": {"2025-09-01"}, "to": {"2025-09-30"}, "amount_min": {"1500000000"}}); !slices.Equal(amount.Hits, ids) {
		t.Errorf("amount_min 1,5 Md: page %v, API %v", amount.Hits, ids)
	}
	if !slices.ContainsFunc(amount.Pills, func(p string) bool { return strings.Contains(p, "Montant : au moins 1,5\u00a0Md€") }) {
		t.Errorf("amount pill: %q", amount.Pills)
	}
	b.eval(`history.go(-2)`)
	b.waitFor("no filter again", `s.checked.length === 0 && s.search === ''`)
	b.eval(`document.activeElement.blur()`)

	// 5. Keyboard: "/" focuses the box; typing searches after a pause, as
	// one history entry; a prefix matches.
	// One keyDown carrying the text, as a physical key press sends it (and as
	// Puppeteer does): chromedp.KeyEvent sends a separate "char" event,
	// which a page cannot cancel from keydown.
	b.do("press /", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "/", Code: "Slash", Text: "/", UnmodifiedText: "/", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191}
		if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: "/", Code: "Slash", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191}
		_, err := chromedp.Call(ctx, input.DispatchKeyEvent, up)
		return err
	}))
	if f := b.state().Focus; f != "q" {
		t.Errorf("after '/', focus is on %q, want the search box", f)
	}
	b.do("type nvid", chromedp.KeyEvent("nvid"))
	typed := b.waitFor("search as you type", `s.search === '?q=nvid' && s.hits.length > 0`)
	if !slices.ContainsFunc(typed.Marks, func(m string) bool { return strings.EqualFold(m, "nvidia") }) {
		t.Errorf("q=nvid: marks %v, want Nvidia highlighted", typed.Marks)
	}
	b.eval(`history.back()`)
	b.waitFor("the page before typing", `s.search === '' && s.query === ''`)
	// The same words as a link (a submitted search): whole words only.
	b.open("/?q=nvid")
	if st := b.waitFor("a submitted nvid", `s.status !== ''`); len(st.Hits) != 0 || len(st.Marks) != 0 {
		t.Errorf("a submitted q=nvid is completed: hits %v, marks %v", st.Hits, st.Marks)
	}

	// 6. Screenshots: desktop and phone.
	b.open("/?q=Nvidia")
	b.waitFor("the screenshot page", `s.hits.length > 0`)
	b.screenshot(shots, "search-desktop.png", 1280, 900, 1, false)
	b.screenshot(shots, "search-phone.png", 390, 844, 2, true)
	overflow := b.eval(`document.documentElement.scrollWidth - document.documentElement.clientWidth`)
	if n, _ := overflow.(float64); n > 0 {
		t.Errorf("the phone layout scrolls sideways by %v px", n)
	}
	b.do("desktop again", chromedp.EmulateViewport(1280, 900))

	// 7. Empty state with a hint, and dropping the filter from it.
	b.open("/?q=Narvik&company=Kyndryl")
	empty := b.waitFor("the empty state", `s.empty !== ''`)
	if !strings.Contains(empty.Empty, "Aucun résultat") || !strings.Contains(empty.Empty, "Retirer un filtre") {
		t.Errorf("empty state = %q", empty.Empty)
	}
	b.do("drop the filter", chromedp.Click(chromedp.CSS(`#empty button`)))
	b.waitFor("results without the filter", `s.search === '?q=Narvik' && s.hits.includes('`+narvikID+`')`)

	// 8. Error state when the API refuses the request.
	b.open("/?amount_min=abc")
	failed := b.waitFor("the error state", `s.error !== ''`)
	if !strings.Contains(failed.Error, "Le montant minimum n'est pas reconnu") || strings.Contains(failed.Error, "amount_min") ||
		strings.Contains(failed.Error, "Réessayer") || len(failed.Hits) != 0 {
		t.Errorf("error state = %+v, want the page's French message, without a retry that cannot help", failed)
	}
	if role := b.eval(`document.getElementById('error').getAttribute('role')`); role != "alert" {
		t.Errorf("error role = %v", role)
	}

	// 9. Untrusted text stays text, and pagination moves through pages.
	var hostile []corpus.Article
	for i := range 13 {
		a := corpus.Article{
			ID:        fmt.Sprintf("zorglub-%02d", i),
			Title:     fmt.Sprintf(`<img src=x onerror="window.pwned=1"> Zorglub %d & <b>co</b>`, i),
			Body:      `Le Zorglub <script>window.pwned=2</script> débarque &amp; <mark>faux</mark> <a href="javascript:alert(1)">lien</a>. Zorglub encore.`,
			URL:       "javascript:window.pwned=3",
			Published: time.Date(2024, time.Month(1+i%12), 1+i, 0, 0, 0, 0, time.UTC),
		}
		hostile = append(hostile, a)
	}
	items := make([]index.Item, len(hostile))
	for i, a := range hostile {
		items[i] = index.Item{Article: a}
	}
	for _, r := range idx.PutMany(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	b.open("/?q=zorglub")
	z := b.waitFor("the hostile articles", `s.hits.length === 10 && s.pager`)
	check := b.eval(`(() => {
	  const r = document.getElementById('main');
	  return {
	    pwned: window.pwned === undefined ? 0 : window.pwned,
	    img: r.querySelectorAll('#hits img, #hits script, #hits b, #hits a[href^="javascript"]').length,
	    links: [...r.querySelectorAll('#hits a')].filter((a) => !a.getAttribute('href').startsWith('/articles/zorglub-')).length,
	    title: document.querySelector('#hits .hit-title').textContent,
	    marks: [...r.querySelectorAll('#hits mark')].map((m) => m.textContent.toLowerCase()),
	    snippet: (document.querySelector('#hits .snippet') || {}).textContent || '',
	  };
	})()`).(map[string]any)
	if check["pwned"] != float64(0) || check["img"] != float64(0) || check["links"] != float64(0) {
		t.Errorf("hostile text became markup: %v", check)
	}
	if title, _ := check["title"].(string); !strings.Contains(title, `<img src=x`) || !strings.Contains(title, "& <b>co</b>") {
		t.Errorf("hostile title shown as %q, want the literal text", title)
	}
	if snip, _ := check["snippet"].(string); !strings.Contains(snip, "<script>") || !strings.Contains(snip, "<mark>faux</mark>") {
		t.Errorf("hostile snippet shown as %q, want the literal text", snip)
	}
	for _, m := range check["marks"].([]any) {
		if m != "zorglub" {
			t.Errorf("mark %q: only the query's words may be marked", m)
		}
	}
	b.do("next page", chromedp.Click(chromedp.CSS(`#pager a[rel="next"]`)))
	p2 := b.waitFor("page 2", `s.search === '?q=zorglub&page=2'`)
	if len(p2.Hits) != 3 || slices.ContainsFunc(p2.Hits, func(id string) bool { return slices.Contains(z.Hits, id) }) {
		t.Errorf("page 2 = %v, page 1 = %v", p2.Hits, z.Hits)
	}
	if p2.Focus != "results" {
		t.Errorf("after paging, focus on %q, want the results", p2.Focus)
	}
	b.eval(`history.back()`)
	b1 := b.waitFor("page 1 again", `s.search === '?q=zorglub'`)
	if !slices.Equal(b1.Hits, z.Hits) {
		t.Errorf("back to page 1: %v, want %v", b1.Hits, z.Hits)
	}

	// The only expected error is the refused request of step 8.
	b.checkNoProblems("status of 400 (Bad Request) (" + ts.URL + "/api/search?amount_min=abc&collapse=story)")
}

// TestChromiumRequired checks the rule CI relies on: with
// VEILLE_REQUIRE_CHROMIUM=1 and no browser, the browser test fails.
func TestChromiumRequired(t *testing.T) {
	if os.Getenv("VEILLE_CHROMIUM_PROBE") == "1" {
		chromiumPath(t)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^TestChromiumRequired$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "VEILLE_CHROMIUM_PROBE=1", "VEILLE_REQUIRE_CHROMIUM=1",
		"VEILLE_CHROMIUM=/nonexistent/chromium", "PATH="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(string(out), "VEILLE_REQUIRE_CHROMIUM=1") {
		t.Errorf("without Chromium and with VEILLE_REQUIRE_CHROMIUM=1: err %v, output:\n%s", err, out)
	}
	cmd = exec.Command(exe, "-test.run", "^TestChromiumRequired$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "VEILLE_CHROMIUM_PROBE=1", "VEILLE_REQUIRE_CHROMIUM=",
		"VEILLE_CHROMIUM=/nonexistent/chromium", "PATH="+t.TempDir())
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SKIP") {
		t.Errorf("without Chromium and without VEILLE_REQUIRE_CHROMIUM: err %v, output:\n%s", err, out)
	}
}
