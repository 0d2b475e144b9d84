package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"veille/analyzers/countries"
	"veille/api"
	"veille/index"
)

// searchCommand runs a search on the data folder and prints hits with
// highlighted snippets and facet counts. It opens the data folder and
// answers through the API's own search (the same parameters, checks and
// response as over HTTP); when another process holds the folder, it asks
// the server at --addr, and only when that server proves it holds the
// same folder (its /api/stats data_id is the folder's).
func searchCommand(ctx context.Context, cfg config, stdout io.Writer) error {
	params := cfg.Search.values()
	if !cfg.Search.JSON {
		params.Set("highlight", "ranges") // rendered as terminal colours
	}
	res, err := searchLocal(ctx, cfg, params)
	if errors.Is(err, index.ErrLocked) {
		res, err = searchRemote(ctx, cfg, params)
	}
	if err != nil {
		return err
	}
	if cfg.Search.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
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
	set("collapse", s.Collapse)
	v.Set("page", strconv.Itoa(s.Page))
	v.Set("per_page", strconv.Itoa(s.PerPage))
	for k, list := range map[string][]string{
		"company": s.Companies, "country": s.Countries, "lang": s.Langs, "source": s.Source,
		"exclude_company": s.ExcludeCompanies, "exclude_country": s.ExcludeCountries, "exclude_source": s.ExcludeSources,
	} {
		for _, x := range list {
			v.Add(k, x)
		}
	}
	return v
}

// searchLocal opens the data folder and searches it in-process. Errors
// wrap index.ErrLocked when another process holds the folder.
func searchLocal(ctx context.Context, cfg config, params url.Values) (api.SearchResponse, error) {
	if _, err := os.Stat(cfg.Data); err != nil {
		return api.SearchResponse{}, fmt.Errorf("data folder %s: %w (index articles first with \"veille index\", or start \"veille serve\")", cfg.Data, err)
	}
	idx, err := index.Open(ctx, cfg.Data, index.Options{LockTimeout: 500 * time.Millisecond})
	if err != nil {
		return api.SearchResponse{}, fmt.Errorf("open data folder %s: %w", cfg.Data, err)
	}
	defer idx.Close()
	srv := api.New(idx, api.Options{Countries: countries.New()})
	res, err := srv.Search(ctx, params)
	if err != nil {
		return api.SearchResponse{}, api.ErrorOf(err)
	}
	return res, nil
}

// searchRemote asks the server at cfg.Addr, once it has shown it holds
// cfg.Data.
func searchRemote(ctx context.Context, cfg config, params url.Values) (api.SearchResponse, error) {
	busy := fmt.Sprintf("the data folder %s is in use by another process", cfg.Data)
	want, err := index.DataID(cfg.Data)
	if err != nil {
		return api.SearchResponse{}, fmt.Errorf("%s, and its identity cannot be read to find the server holding it: %w", busy, err)
	}
	c := &api.Client{BaseURL: "http://" + cfg.Addr}
	st, err := c.Stats(ctx)
	if err != nil {
		return api.SearchResponse{}, fmt.Errorf("%s, and no veille server answers at %s (%v): give the address of the server holding it with --addr, or stop the process holding it", busy, cfg.Addr, err)
	}
	if st.DataID != want {
		return api.SearchResponse{}, fmt.Errorf("%s, and the server at %s serves another data folder: give the address of the server holding %s with --addr, or stop the process holding it", busy, cfg.Addr, cfg.Data)
	}
	return c.Search(ctx, params)
}

const (
	ansiBold  = "\x1b[1m"
	ansiMark  = "\x1b[1;33m"
	ansiDim   = "\x1b[2m"
	ansiReset = "\x1b[0m"
)

func printResults(w io.Writer, res api.SearchResponse, color bool) {
	style := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	if res.Counts == "stories" {
		fmt.Fprintf(w, "%d stories, %d articles (%.1f ms)\n", res.Total, res.Articles, res.TookMS)
	} else {
		fmt.Fprintf(w, "%d results (%.1f ms)\n", res.Total, res.TookMS)
	}
	if len(res.Corrections) > 0 {
		var parts []string
		for from, to := range res.Corrections {
			parts = append(parts, from+" → "+to)
		}
		slices.Sort(parts)
		fmt.Fprintf(w, "%s\n", style(ansiDim, "searched for: "+strings.Join(parts, ", ")))
	}
	fmt.Fprintln(w)
	for i, h := range res.Hits {
		title := terminalText(api.Fragment{Text: h.Title}, color)
		if h.Fragments != nil && len(h.Fragments.Title) > 0 {
			title = terminalText(h.Fragments.Title[0], color)
		}
		fmt.Fprintf(w, "%d. %s\n", i+1, style(ansiBold, title))
		meta := []string{h.ID}
		for _, s := range []string{h.Published, h.Language, h.Source} {
			if s != "" {
				meta = append(meta, terminalText(api.Fragment{Text: s}, false))
			}
		}
		if h.Others != nil && *h.Others > 0 {
			meta = append(meta, fmt.Sprintf("+ %d other articles of the story", *h.Others))
		}
		fmt.Fprintf(w, "   %s\n", style(ansiDim, strings.Join(meta, " · ")))
		if h.Fragments != nil {
			for _, frag := range h.Fragments.Body {
				fmt.Fprintf(w, "   %s\n", terminalText(frag, color))
			}
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
			fmt.Fprintf(w, "   %s\n", style(ansiDim, terminalText(api.Fragment{Text: e}, false)))
		}
		fmt.Fprintln(w)
	}
	facet := func(name string, labels, counts []string) {
		if len(labels) == 0 {
			return
		}
		parts := make([]string, len(labels))
		for i := range labels {
			parts[i] = fmt.Sprintf("%s (%s)", terminalText(api.Fragment{Text: labels[i]}, false), counts[i])
		}
		fmt.Fprintf(w, "%s %s\n", style(ansiBold, name+":"), strings.Join(parts, ", "))
	}
	terms := func(name string, vs []api.FacetValue) {
		var l, c []string
		for _, v := range vs {
			l, c = append(l, v.Value), append(c, strconv.Itoa(v.Count))
		}
		facet(name, l, c)
	}
	terms("company", res.Facets.Company)
	var l, c []string
	for _, v := range res.Facets.Country {
		l, c = append(l, v.Label), append(c, strconv.Itoa(v.Count))
	}
	facet("country", l, c)
	terms("lang", res.Facets.Lang)
	terms("source", res.Facets.Source)
	l, c = nil, nil
	for _, v := range res.Facets.Amount {
		l, c = append(l, v.Value), append(c, strconv.Itoa(v.Count))
	}
	facet("amount", l, c)
	terms("month", res.Facets.Month)
}

// terminalText returns f's text for a terminal: its marks in ANSI colour
// (or *stars* without colour); control characters from the article never
// reach the terminal.
func terminalText(f api.Fragment, color bool) string {
	open, end := "*", "*"
	if color {
		open, end = ansiMark, ansiReset
	}
	var b strings.Builder
	pos := 0
	clean := func(s string) {
		b.WriteString(strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				return ' '
			}
			return r
		}, s))
	}
	for _, m := range f.Marks {
		start, stop := max(m[0], pos), min(m[1], len(f.Text))
		if start >= stop {
			continue
		}
		clean(f.Text[pos:start])
		b.WriteString(open)
		clean(f.Text[start:stop])
		b.WriteString(end)
		pos = stop
	}
	clean(f.Text[pos:])
	return b.String()
}
