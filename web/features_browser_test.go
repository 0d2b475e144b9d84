package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"veille/corpus"
	"veille/index"
)

// featuresServer is seededServer plus articles over 40 months (a
// histogram by year), with two close amounts, from two sources.
func featuresServer(t *testing.T) (base string) {
	t.Helper()
	ts, idx := seededServer(t)
	var items []index.Item
	for i := range 40 {
		src := "archives"
		if i%4 == 0 {
			src = "dépêches"
		}
		items = append(items, index.Item{Article: corpus.Article{
			ID:        fmt.Sprintf("archive-%02d", i),
			Title:     fmt.Sprintf("Archive %d : le gouvernement et Airbus", i),
			Body:      fmt.Sprintf("Le gouvernement soutient Airbus en France, épisode %d. Siemens observe.", i),
			Source:    src,
			Published: time.Date(2019, time.Month(1+i), 10, 0, 0, 0, 0, time.UTC),
		}})
	}
	items = append(items, index.Item{Article: corpus.Article{
		ID: "montants-proches", Title: "Deux levées voisines",
		Body:      "La société Mistral AI lève 138,6 millions d'euros, puis la société Aleph Alpha 139,4 millions d'euros.",
		Source:    "dépêches",
		Published: time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC),
	}})
	for _, r := range idx.PutMany(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return ts.URL
}

// TestPageFeaturesInBrowser drives the page's analyst features in
// Chromium: corrections said, histogram and charts of the results,
// filtering from a chart, searching and excluding facet values, the
// article view, export, French error messages, precise amounts, and the
// phone layout.
func TestPageFeaturesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromiumPath(t)
	base := featuresServer(t)
	b := newBrowser(t, base)

	// Corrections: « Résultats pour … ».
	b.open("/?q=gouvernemnt")
	st := b.waitFor("a corrected search", `s.hits.length > 0`)
	if !strings.Contains(st.Status, "pour « gouvernement » (au lieu de « gouvernemnt »)") {
		t.Errorf("status %q does not say what was searched", st.Status)
	}

	// The month chart of 40+ months draws years, each labelled; every
	// month is in the sidebar; the charts count within the results.
	b.open("/")
	b.waitFor("every article", `s.hits.length > 0`)
	chart := b.eval(`(() => ({
	  title: document.getElementById('chart-month-title').textContent,
	  bars: document.querySelectorAll('#chart-month a.chart-link').length,
	  years: [...document.querySelectorAll('#chart-month text.year')].map((t) => t.textContent),
	  months: document.querySelectorAll('#facet-month input').length,
	}))()`).(map[string]any)
	if chart["title"] != "Sujets par an" || chart["bars"] != float64(5) {
		t.Errorf("month chart: %v, want 5 bars a year (2019-2022, 2025)", chart)
	}
	years := chart["years"].([]any)
	for _, y := range []string{"2019", "2020", "2021", "2022", "2025"} {
		if !slices.Contains(years, any(y)) {
			t.Errorf("year %s unlabelled: %v", y, years)
		}
	}
	// Under monthly bars, every year holding bars is labelled, the
	// first bar's included: a span across a new year, a single month.
	for _, tc := range []struct {
		path  string
		years []any
	}{
		{"/?from=2020-06-01&to=2021-03-31", []any{"2020", "2021"}},
		{"/?q=levées+voisines", []any{"2025"}},
	} {
		b.open(tc.path)
		b.waitFor(tc.path, `s.hits.length > 0`)
		got := b.eval(`[...document.querySelectorAll('#chart-month text.year')].map((t) => t.textContent)`).([]any)
		if title := b.eval(`document.getElementById('chart-month-title').textContent`); title != "Sujets par mois" || !slices.Equal(got, tc.years) {
			t.Errorf("%s: %v labelled %v, want %v", tc.path, title, got, tc.years)
		}
	}
	b.open("/")
	b.waitFor("every article", `s.hits.length > 0`)
	b.do("show every month", chromedp.Click(chromedp.CSS(`#facet-month button[data-more]`)))
	if n := b.eval(`document.querySelectorAll('#facet-month input').length`); n.(float64) < 41 {
		t.Errorf("month facet lists %v months, want all 41", n)
	}

	// Clicking a chart bar filters like ticking the value.
	b.do("click Airbus in the chart", chromedp.Click(chromedp.CSS(`#chart-company a.chart-link`)))
	filtered := b.waitFor("the company from the chart", `new URLSearchParams(location.search).getAll('company').length === 1`)
	company := mustQuery(t, filtered.Search).Get("company")
	_, total := apiHits(t, base, url.Values{"company": {company}})
	counts := b.eval(`[...document.querySelectorAll('#chart-company a.chart-link text.value')].map((t) => Number(t.textContent.replace(/\s/g, '')))`).([]any)
	for _, c := range counts {
		if int(c.(float64)) > total {
			t.Errorf("a chart bar counts %v within %d results", c, total)
		}
	}
	if !strings.Contains(b.eval(`document.getElementById('charts-title').textContent`).(string), "Dans les résultats") {
		t.Error("the charts do not say they count within the results")
	}
	b.eval(`history.back()`)
	// Every article again (not the filtered page still shown while the
	// search runs, whose facets would be redrawn under the next clicks).
	_, all := apiHits(t, base, url.Values{})
	b.waitFor("no filter", fmt.Sprintf(`s.search === '' && s.status.startsWith('%d résultats')`, all))

	// Searching a facet's values, and excluding one.
	b.do("more companies", chromedp.Click(chromedp.CSS(`#facet-company button[data-more]`)))
	// The list is drawn again once the API sent every value: type in
	// the box of the list drawn last.
	b.waitFor("every company", `document.querySelector('#facet-company input[data-filter]') !== null`)
	var typed error
	for range 5 {
		if _, typed = chromedp.Run(b.ctx, chromedp.SendKeys(`#facet-company input[data-filter]`, "sie")); typed == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if typed != nil {
		t.Fatalf("type in the company box: %v", typed)
	}
	b.waitFor("the filtered companies", `document.querySelectorAll('#facet-company input[type=checkbox]').length === 1 && document.querySelector('#facet-company input[type=checkbox]').dataset.value === 'Siemens'`)
	b.do("exclude Siemens", chromedp.Click(chromedp.CSS(`#facet-company button[data-exclude="Siemens"]`)))
	ex := b.waitFor("Siemens excluded", `new URLSearchParams(location.search).get('exclude_company') === 'Siemens'`)
	if !slices.ContainsFunc(ex.Pills, func(p string) bool { return strings.Contains(p, "Sauf l'entreprise : Siemens") }) {
		t.Errorf("pills %v", ex.Pills)
	}
	ids, _ := apiHits(t, base, url.Values{"exclude_company": {"Siemens"}})
	if !slices.Equal(ex.Hits, ids) || slices.ContainsFunc(ex.Hits, func(id string) bool { return strings.HasPrefix(id, "archive-") }) {
		t.Errorf("hits without Siemens: page %v, API %v", ex.Hits, ids)
	}
	if n := b.eval(`document.querySelectorAll('#facet-source input').length`); n.(float64) < 2 {
		t.Errorf("source facet: %v values", n)
	}

	// Export: the links carry the search.
	href := b.eval(`document.getElementById('export-csv').href`).(string)
	if !strings.Contains(href, "format=csv") || !strings.Contains(href, "exclude_company=Siemens") {
		t.Errorf("export link %s", href)
	}
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows)-1 != len(ids) {
		t.Errorf("export: %d rows (%v), want %d", len(rows)-1, err, len(ids))
	}

	// Amounts close to each other read apart.
	b.open("/?q=lev%C3%A9es+voisines")
	b.waitFor("the two amounts", `s.hits.includes('montants-proches')`)
	chips := b.eval(`[...document.querySelectorAll('li.hit[data-id="montants-proches"] .chip-amount')].map((c) => c.textContent)`).([]any)
	if len(chips) != 2 || !strings.Contains(chips[0].(string)+chips[1].(string), "139,4") || !strings.Contains(chips[0].(string)+chips[1].(string), "138,6") {
		t.Errorf("amount chips %v, want 139,4 M€ and 138,6 M€", chips)
	}

	// The article view: the title opens it inside veille, with the
	// query's matches; a seed without an address is readable.
	b.open("/?q=Narvik")
	b.waitFor("Narvik", `s.hits.includes('`+narvikID+`')`)
	b.eval(`document.querySelector('li.hit[data-id="` + narvikID + `"] .hit-title a').click()`)
	b.do("the article page", chromedp.WaitVisible(`#article-body`))
	view := b.eval(`(() => ({
	  path: location.pathname + location.search,
	  marks: [...document.querySelectorAll('#article-body mark')].map((m) => m.textContent),
	  paragraphs: document.querySelectorAll('#article-body p').length,
	  companies: [...document.querySelectorAll('#article-companies a')].map((a) => a.textContent),
	  back: document.getElementById('back-link').getAttribute('href'),
	}))()`).(map[string]any)
	if view["path"] != "/articles/"+narvikID+"?q=Narvik" || len(view["marks"].([]any)) == 0 || view["paragraphs"].(float64) < 2 ||
		len(view["companies"].([]any)) == 0 || view["back"] != "/?q=Narvik" {
		t.Errorf("article view: %v", view)
	}
	b.eval(`document.getElementById('back-link').click()`)
	b.do("the search page", chromedp.WaitVisible(`#status`))
	b.waitFor("the results again", `s.search === '?q=Narvik' && s.hits.length > 0`)

	// French messages per error code.
	b.open("/?country=Atlantide")
	bad := b.waitFor("an unknown country", `s.error !== ''`)
	if !strings.Contains(bad.Error, "Ce pays est inconnu") || strings.Contains(bad.Error, "unknown") {
		t.Errorf("error %q", bad.Error)
	}

	// Phone: ticking a facet brings the results into view; the pager's
	// steps stay on one line.
	b.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.open("/?q=archive")
	b.waitFor("archives", `s.hits.length > 0 && s.pager`)
	b.do("open the filters", chromedp.Click(chromedp.CSS(`#filters summary`)))
	b.eval(`document.querySelector('#facet-source input').scrollIntoView()`)
	b.do("tick a source", chromedp.Click(chromedp.CSS(`#facet-source input`)))
	inView := `(() => { const r = document.getElementById('status').getBoundingClientRect(); return r.top >= -2 && r.bottom <= innerHeight; })()`
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`new URLSearchParams(location.search).getAll('source').length === 1 && `+inView,
		chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Errorf("after ticking a facet on a phone, the results are out of view (status at %v): %v", b.eval(`document.getElementById('status').getBoundingClientRect().top`), err)
	}
	b.open("/?q=archive&page=2")
	b.waitFor("page 2", `s.pager`)
	lines := b.eval(`(() => {
	  // Each text node of the link: its lines' tops.
	  const a = document.querySelector('#pager a[rel="prev"]');
	  const tops = new Set();
	  const w = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
	  for (let n = w.nextNode(); n; n = w.nextNode()) {
	    const r = document.createRange();
	    r.selectNodeContents(n);
	    for (const x of r.getClientRects()) if (x.width > 0) tops.add(Math.round(x.top));
	  }
	  return tops.size === 1;
	})()`)
	if lines != true {
		t.Errorf("« ‹ Page précédente » breaks onto two lines on a phone: %v", b.eval(`(() => { const a = document.querySelector('#pager a[rel="prev"]'); const r = document.createRange(); r.selectNodeContents(a); return [getComputedStyle(a).display, a.outerHTML, ...[...r.getClientRects()].map((x) => x.top + '/' + x.width)]; })()`))
	}
	b.checkNoProblems("status of 400 (Bad Request)")
}

func mustQuery(t *testing.T, search string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(strings.TrimPrefix(search, "?"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestErrorMessagesInBrowser answers the page's searches with each error
// of the API and checks that the page says, in French, what went wrong
// (never the API's English message), and offers « Réessayer » only where
// trying again can help, and that it then does.
func TestErrorMessagesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromiumPath(t)
	ts, _ := seededServer(t)
	var mu sync.Mutex
	failing := map[string]int{} // q → index in cases, while its search fails
	cases := []struct {
		status      int
		code, param string
		want        string
		retry       bool
	}{
		{http.StatusTooManyRequests, "busy", "", "Le service est occupé", true},
		{http.StatusServiceUnavailable, "timeout", "", "La recherche a pris trop de temps", true},
		{http.StatusServiceUnavailable, "unavailable", "", "momentanément indisponible", true},
		{http.StatusServiceUnavailable, "not_ready", "", "momentanément indisponible", true},
		{http.StatusInternalServerError, "internal", "", "Le service a rencontré une erreur (500)", true},
		{http.StatusBadRequest, "invalid_query", "", "La recherche est trop longue", false},
		{http.StatusBadRequest, "invalid_query", "cursor", "Ce lien de page a expiré", false},
		{http.StatusBadRequest, "invalid_parameter", "sort", "Le tri n'est pas valide", false},
		{http.StatusBadRequest, "invalid_parameter", "from", "La date de début n'est pas une date valide", false},
		{http.StatusBadRequest, "invalid_parameter", "amount_max", "Le montant maximum n'est pas reconnu", false},
	}
	english := func(i int) string { return fmt.Sprintf("English message number %d", i) }
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i, ok := failing[r.URL.Query().Get("q")]
		mu.Unlock()
		if ok && r.URL.Path == "/api/search" {
			c := cases[i]
			w.Header().Set("Content-Type", "application/json")
			if c.status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			w.WriteHeader(c.status)
			fmt.Fprintf(w, `{"error":{"code":%q,"message":%q,"parameter":%q}}`, c.code, english(i), c.param)
			return
		}
		ts.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	b := newBrowser(t, proxy.URL)
	for i, c := range cases {
		q := fmt.Sprintf("panne%d", i)
		mu.Lock()
		failing[q] = i
		mu.Unlock()
		b.open("/?q=" + q)
		st := b.waitFor(c.code+" "+c.param, `s.error !== ''`)
		if !strings.Contains(st.Error, c.want) || strings.Contains(st.Error, english(i)) {
			t.Errorf("%s %s: the page says %q, want %q", c.code, c.param, st.Error, c.want)
		}
		retry := b.eval(`[...document.querySelectorAll('#error button')].some((b) => b.textContent === 'Réessayer')`)
		if retry != c.retry {
			t.Errorf("%s %s: « Réessayer » offered: %v, want %v", c.code, c.param, retry, c.retry)
		}
		if !c.retry {
			continue
		}
		mu.Lock()
		delete(failing, q) // the service is back
		mu.Unlock()
		b.eval(`[...document.querySelectorAll('#error button')].find((b) => b.textContent === 'Réessayer').click()`)
		b.waitFor("the search tried again", `s.error === '' && s.empty !== ''`)
	}
	b.checkNoProblems("the server responded with a status of")
}
