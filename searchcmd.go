package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"veille/api"
	"veille/index"
)

// searchCommand runs a search on the data folder and prints hits with
// highlighted snippets and facet counts. It answers in-process through the
// API's own handler, so parameters are checked exactly as over HTTP; when a
// running server holds the data folder, it asks that server instead.
func searchCommand(ctx context.Context, cfg config, stdout io.Writer) error {
	params := cfg.Search.values()
	body, err := searchLocal(ctx, cfg, params)
	if errors.Is(err, index.ErrLocked) {
		body, err = searchRemote(ctx, cfg.Addr, params)
	}
	if err != nil {
		return err
	}
	if cfg.Search.JSON {
		_, err := stdout.Write(append(body, '\n'))
		return err
	}
	var res searchResponse
	if err := json.Unmarshal(body, &res); err != nil {
		return fmt.Errorf("read search response: %w", err)
	}
	color := false
	if f, ok := stdout.(*os.File); ok {
		color = term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
	}
	printResults(stdout, res, color)
	return nil
}

// values turns the search flags into /api/search parameters.
func (s searchFlags) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", s.Query)
	set("mode", s.Mode)
	set("amount_min", s.AmountMin)
	set("amount_max", s.AmountMax)
	set("from", s.From)
	set("to", s.To)
	set("sort", s.Sort)
	v.Set("page", strconv.Itoa(s.Page))
	v.Set("per_page", strconv.Itoa(s.PerPage))
	for k, list := range map[string][]string{"company": s.Companies, "country": s.Countries, "lang": s.Langs, "source": s.Source} {
		for _, x := range list {
			v.Add(k, x)
		}
	}
	return v
}

func searchLocal(ctx context.Context, cfg config, params url.Values) ([]byte, error) {
	if _, err := os.Stat(cfg.Data); err != nil {
		return nil, fmt.Errorf("data folder %s: %w (index articles first with \"veille index\", or start \"veille serve\")", cfg.Data, err)
	}
	idx, ext, err := openIndex(ctx, cfg, index.Options{LockTimeout: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	srv := api.New(idx, api.Options{Countries: ext.Countries()})
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/search?"+params.Encode(), nil)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return checkResponse(rec.Code, rec.Body.Bytes())
}

func searchRemote(ctx context.Context, addr string, params url.Values) ([]byte, error) {
	u := "http://" + addr + "/api/search?" + params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the data folder is in use and the server at %s does not answer: %w", addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	return checkResponse(resp.StatusCode, body)
}

// checkResponse turns an API error body into a Go error.
func checkResponse(status int, body []byte) ([]byte, error) {
	if status == http.StatusOK {
		return body, nil
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return nil, fmt.Errorf("%s", e.Error.Message)
	}
	return nil, fmt.Errorf("search failed with HTTP status %d", status)
}

// searchResponse is the part of the contract's search response the
// terminal shows.
type searchResponse struct {
	Total  uint64  `json:"total"`
	TookMS float64 `json:"took_ms"`
	Hits   []struct {
		ID           string                  `json:"id"`
		Title        string                  `json:"title"`
		Source       string                  `json:"source"`
		Published    string                  `json:"published"`
		Language     string                  `json:"language"`
		Companies    []string                `json:"companies"`
		Countries    []string                `json:"countries"`
		CountryNames map[string]string       `json:"country_names"`
		Amounts      []struct{ Text string } `json:"amounts"`
		Highlights   map[string][]string     `json:"highlights"`
	} `json:"hits"`
	Facets map[string][]struct {
		Value string `json:"value"`
		Label string `json:"label"`
		Count int    `json:"count"`
	} `json:"facets"`
}

const (
	ansiBold  = "\x1b[1m"
	ansiMark  = "\x1b[1;33m"
	ansiDim   = "\x1b[2m"
	ansiReset = "\x1b[0m"
)

func printResults(w io.Writer, res searchResponse, color bool) {
	style := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	fmt.Fprintf(w, "%d results (%.1f ms)\n\n", res.Total, res.TookMS)
	for i, h := range res.Hits {
		title := terminalFragment(html.EscapeString(h.Title), color)
		if f := h.Highlights["title"]; len(f) > 0 {
			title = terminalFragment(f[0], color)
		}
		fmt.Fprintf(w, "%d. %s\n", i+1, style(ansiBold, title))
		meta := []string{h.ID}
		for _, s := range []string{h.Published, h.Language, h.Source} {
			if s != "" {
				meta = append(meta, s)
			}
		}
		fmt.Fprintf(w, "   %s\n", style(ansiDim, strings.Join(meta, " · ")))
		for _, frag := range h.Highlights["body"] {
			fmt.Fprintf(w, "   %s\n", terminalFragment(frag, color))
		}
		var ents []string
		if len(h.Companies) > 0 {
			ents = append(ents, "companies: "+strings.Join(h.Companies, ", "))
		}
		if len(h.Countries) > 0 {
			names := make([]string, len(h.Countries))
			for i, c := range h.Countries {
				names[i] = c
				if n := h.CountryNames[c]; n != "" {
					names[i] = n
				}
			}
			ents = append(ents, "countries: "+strings.Join(names, ", "))
		}
		if len(h.Amounts) > 0 {
			texts := make([]string, len(h.Amounts))
			for i, a := range h.Amounts {
				texts[i] = a.Text
			}
			ents = append(ents, "amounts: "+strings.Join(texts, "; "))
		}
		for _, e := range ents {
			fmt.Fprintf(w, "   %s\n", style(ansiDim, e))
		}
		fmt.Fprintln(w)
	}
	for _, name := range []string{"company", "country", "lang", "amount", "month"} {
		vals := res.Facets[name]
		if len(vals) == 0 {
			continue
		}
		parts := make([]string, 0, len(vals))
		for _, v := range vals {
			label := v.Value
			if v.Label != "" {
				label = v.Label
			}
			parts = append(parts, fmt.Sprintf("%s (%d)", label, v.Count))
		}
		fmt.Fprintf(w, "%s %s\n", style(ansiBold, name+":"), strings.Join(parts, ", "))
	}
}

// terminalFragment turns an HTML highlight fragment into terminal text:
// marks become ANSI colour (or *stars* without colour), entities are decoded.
func terminalFragment(frag string, color bool) string {
	open, end := "*", "*"
	if color {
		open, end = ansiMark, ansiReset
	}
	frag = strings.ReplaceAll(frag, "<mark>", "\x00")
	frag = strings.ReplaceAll(frag, "</mark>", "\x01")
	frag = html.UnescapeString(frag)
	// Control characters from the article never reach the terminal.
	frag = strings.Map(func(r rune) rune {
		if r < 0x20 && r != 0 && r != 1 || r == 0x7f {
			return ' '
		}
		return r
	}, frag)
	frag = strings.ReplaceAll(frag, "\x00", open)
	return strings.ReplaceAll(frag, "\x01", end)
}
