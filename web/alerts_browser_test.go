package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"veille/alerts"
	"veille/analyzers"
	"veille/api"
	"veille/corpus"
	"veille/index"
	"veille/web"
)

// alertsServer serves a real index holding the seed articles, with the
// alerts service on its commit hook, as serve wires them.
func alertsServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	ext, err := analyzers.NewExtractor(analyzers.ExtractorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	al, err := alerts.Open(filepath.Join(t.TempDir(), "alerts"), alerts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = al.Close() }) // after the index's Close, registered later
	idx, err := index.Open(ctx, t.TempDir(), index.Options{Enricher: ext, OnCommit: al.Committed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if err := al.Start(ctx, idx); err != nil {
		t.Fatal(err)
	}
	arts, err := corpus.SeedArticles()
	if err != nil {
		t.Fatal(err)
	}
	var items []index.Item
	for _, a := range arts {
		items = append(items, index.Item{Article: a})
	}
	for _, r := range idx.PutMany(ctx, items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	srv := api.New(idx, api.Options{UI: web.FS(), Countries: ext.Countries(), Alerts: al})
	srv.SetReady(true)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// TestAlertsInBrowser saves the open search as an alert from the page,
// writes matching articles through the API and checks that the page shows
// them live: the badge « 3 nouveaux articles » on the search, the count on
// the alert; the badge shows the new articles; « Marquer comme lu » reads
// them; another search has no badge. The search shows every article
// (collapse=none), which its alert ignores.
func TestAlertsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromiumPath(t)
	ts := alertsServer(t)
	b := newBrowser(t, ts.URL)
	b.open("/?q=Nvidia&country=NO&collapse=none") // every article: the new ones are alike
	b.waitFor("the results", `s.hits.length > 0`)
	if !b.eval(`document.getElementById('alerts').hidden`).(bool) {
		t.Error("the alerts panel shows while there is no alert")
	}

	b.eval(`document.getElementById('create-alert').click()`)
	if name := b.eval(`document.getElementById('alert-name').value`); name != "Nvidia" {
		t.Errorf("the alert's name is prefilled with %q, want the query", name)
	}
	b.eval(`(() => { const n = document.getElementById('alert-name'); n.value = 'Nvidia en Norvège'; document.getElementById('alert-form').requestSubmit(); })()`)
	b.waitFor("the alert in the list, listening", `document.querySelectorAll('#alerts-list li').length === 1 && document.getElementById('alerts').dataset.live === 'true'`)
	msg, _ := b.eval(`document.getElementById('alert-message').textContent`).(string)
	if !strings.Contains(msg, "Nvidia en Norvège") {
		t.Errorf("message after creating: %q", msg)
	}
	// What the page saved is the search of its URL.
	list := listAlerts(t, ts.URL)
	if len(list) != 1 || list[0].Name != "Nvidia en Norvège" || fmt.Sprint(list[0].Query["q"]) != "Nvidia" || fmt.Sprint(list[0].Query["country"]) != "[NO]" {
		t.Fatalf("alerts saved: %+v", list)
	}
	if !b.eval(`document.getElementById('alert-badge').hidden`).(bool) {
		t.Error("the badge shows before any new article")
	}

	// Three new articles about Nvidia in Norway, one not about Norway.
	for i, title := range []string{"Nvidia ouvre un centre de calcul à Oslo, en Norvège", "Nvidia et Aker signent en Norvège", "Nvidia fournit les puces du projet norvégien de Narvik", "Nvidia s'installe au Portugal"} {
		country := "Norvège"
		if i == 3 {
			country = "Portugal"
		}
		body, _ := json.Marshal(map[string]string{"title": title, "body": fmt.Sprintf("Le groupe Nvidia annonce un investissement de %d millions d'euros en %s, près de la côte.", 100+i, country)})
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/articles/alerte-%d", ts.URL, i), strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT alerte-%d = %d", i, resp.StatusCode)
		}
	}
	b.waitFor("the badge", `document.getElementById('alert-badge').textContent === '3 nouveaux articles' && !document.getElementById('alert-badge').hidden`)
	item, _ := b.eval(`document.querySelector('#alerts-list li').innerText`).(string)
	if !strings.Contains(item, "3 nouveaux") || !strings.Contains(item, "Marquer comme lu") {
		t.Errorf("the alert in the list says %q, want 3 new and « Marquer comme lu »", item)
	}

	// The badge shows them: the search runs again.
	b.eval(`document.getElementById('alert-badge').click()`)
	s := b.waitFor("the new articles in the results", `s.hits.includes('alerte-0') && document.getElementById('alert-badge').hidden`)
	for _, id := range []string{"alerte-1", "alerte-2"} {
		if !slices.Contains(s.Hits, id) {
			t.Errorf("results after the badge: %v, want %s", s.Hits, id)
		}
	}

	b.eval(`document.querySelector('#alerts-list button[data-read]').click()`)
	b.waitFor("the alert read", `!document.querySelector('#alerts-list button[data-read]') && document.querySelector('#alerts-list li').innerText.includes('3 articles signalés')`)
	if list := listAlerts(t, ts.URL); list[0].Unread != 0 || list[0].Matches != 3 {
		t.Errorf("after « Marquer comme lu »: %d unread of %d matches, want 0 of 3", list[0].Unread, list[0].Matches)
	}

	// Another search: a new match counts on the alert, not in its badge.
	b.open("/?q=Narvik")
	b.waitFor("another search, listening", `s.hits.length > 0 && document.getElementById('alerts').dataset.live === 'true'`)
	body, _ := json.Marshal(map[string]string{"title": "Nvidia agrandit son site norvégien", "body": "Nvidia double la taille de son centre de données en Norvège."})
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/api/articles/alerte-9", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	b.waitFor("the new match on the alert", `document.querySelector('#alerts-list li').innerText.includes('1 nouveau')`)
	if !b.eval(`document.getElementById('alert-badge').hidden`).(bool) {
		t.Error("the badge shows on a search that is not the alert's")
	}
	b.checkNoProblems()
}

// alertWire is what the test reads of GET /api/alerts.
type alertWire struct {
	Name    string         `json:"name"`
	Query   map[string]any `json:"query"`
	Unread  int            `json:"unread"`
	Matches int            `json:"matches"`
}

func listAlerts(t *testing.T, base string) []alertWire {
	t.Helper()
	resp, err := http.Get(base + "/api/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Alerts []alertWire `json:"alerts"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/alerts = %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Alerts
}
