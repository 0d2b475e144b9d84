package api

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// htmlPage is a news page with menus around its article.
func htmlPage(charset, title string) string {
	return `<!DOCTYPE html><html lang="fr"><head><meta charset="` + charset + `"><title>` + title + ` - Le Journal</title>
<meta property="og:title" content="` + title + `"><meta property="og:site_name" content="Le Journal">
<link rel="canonical" href="https://journal.example/eco/flins"><meta property="article:published_time" content="2024-03-05T08:30:00+01:00">
</head><body><nav><a href="/">Accueil</a> <a href="/eco">Économie</a></nav><article><h1>` + title + `</h1>` +
		strings.Repeat("<p>Le constructeur a annoncé la fermeture de son usine de Flins, qui emploie deux mille salariés, après des mois de négociations.</p>", 5) +
		`</article><footer>© Le Journal</footer></body></html>`
}

func TestWriteHTML(t *testing.T) {
	latin1, _ := charmap.Windows1252.NewEncoder().String(htmlPage("iso-8859-1", "Économie : Flins fermera"))
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
	}{
		{"PUT UTF-8", "PUT", "/api/articles/flins", "text/html; charset=utf-8", htmlPage("utf-8", "Économie : Flins fermera"), http.StatusCreated},
		{"PUT Latin-1 declared in the page", "PUT", "/api/articles/flins", "text/html", latin1, http.StatusCreated},
		{"POST without an id", "POST", "/api/articles", "text/html", htmlPage("utf-8", "Économie : Flins fermera"), http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := testServer(t, newFake(), Options{})
			rec := do(t, s, tt.method, tt.path, tt.body, header("Content-Type", tt.contentType), loopback())
			if rec.Code != tt.status {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var a struct {
				ID, Title, Body, URL, Source, Published, Language string
			}
			decode(t, rec, &a)
			if a.Title != "Économie : Flins fermera" || a.URL != "https://journal.example/eco/flins" || a.Source != "Le Journal" ||
				!strings.HasPrefix(a.Published, "2024-03-05") || a.Language != "fr" {
				t.Errorf("article %+v", a)
			}
			if !strings.Contains(a.Body, "fermeture de son usine de Flins") || strings.Contains(a.Body, "Accueil") || strings.Contains(a.Body, "©") {
				t.Errorf("body %q", a.Body)
			}
		})
	}
	s, _ := testServer(t, newFake(), Options{})
	wantError(t, do(t, s, "PUT", "/api/articles/x", "\x89PNG\r\n\x1a\n\x00\x00", header("Content-Type", "text/html"), loopback()), http.StatusBadRequest, codeInvalidArticle, "HTML")
	wantError(t, do(t, s, "PUT", "/api/articles/x", "<html><head></head><body><script>x()</script></body></html>", header("Content-Type", "text/html"), loopback()), http.StatusBadRequest, codeInvalidArticle)
	// A title alone is not an article (as with a JSON PUT without body).
	wantError(t, do(t, s, "PUT", "/api/articles/x", "<html><head><title>Flins fermera</title></head><body></body></html>", header("Content-Type", "text/html"), loopback()), http.StatusBadRequest, codeInvalidArticle, "only a title")
}
