package main

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// sourceRecord is one line of a corpus file. It covers the shared data
// sets: OrangeSum (id, url, date, category, title, text, lang), Légifrance
// (id, code, title, text, lang), the English and German news (category,
// text), and files already in veille's own article format.
type sourceRecord struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	Date      string `json:"date"`
	Published string `json:"published"`
	Category  string `json:"category"`
	Code      string `json:"code"`
	Source    string `json:"source"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	Body      string `json:"body"`
	Lang      string `json:"lang"`
	Language  string `json:"language"`
}

// article is a corpus record as both systems receive it.
type article struct {
	ID        string
	Title     string
	Body      string
	URL       string
	Published string // YYYY-MM-DD or empty
	Category  string // veille's source, PostgreSQL's category facet
	Lang      string
}

// veilleArticle is the JSON the bulk API reads.
type veilleArticle struct {
	ID        string `json:"id"`
	Title     string `json:"title,omitempty"`
	Body      string `json:"body"`
	URL       string `json:"url,omitempty"`
	Source    string `json:"source,omitempty"`
	Published string `json:"published,omitempty"`
	Language  string `json:"language,omitempty"`
}

// maxIDLength is veille's id limit (corpus.MaxIDLength).
const maxIDLength = 200

// articleID turns a record id into one veille accepts (letters, digits,
// '-', '_', '.'; at most 200 bytes; no leading dot, no ".."): other
// characters become '_' and over-long ids keep a prefix plus a hash of the
// original, so distinct ids stay distinct. Both systems get the same id.
func articleID(raw string) string {
	var b strings.Builder
	for _, r := range raw {
		switch {
		case r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	id := strings.TrimLeft(strings.ReplaceAll(b.String(), "..", "__"), ".")
	if id != "" && id == raw && len(id) <= maxIDLength {
		return id
	}
	sum := sha256.Sum256([]byte(raw))
	if len(id) > maxIDLength-17 {
		id = id[:maxIDLength-17]
	}
	if id == "" {
		id = "doc"
	}
	return id + "_" + hex.EncodeToString(sum[:8])
}

// toArticle maps a record; ok is false for records without any text.
func (r sourceRecord) toArticle() (article, bool) {
	a := article{
		Title:    strings.TrimSpace(r.Title),
		Body:     firstNonEmpty(r.Text, r.Body),
		URL:      r.URL,
		Category: firstNonEmpty(r.Category, r.Code, r.Source),
		Lang:     firstNonEmpty(r.Lang, r.Language),
	}
	if strings.TrimSpace(a.Body) == "" && a.Title == "" {
		return a, false
	}
	if d := firstNonEmpty(r.Date, r.Published); len(d) >= 10 {
		if _, err := time.Parse(time.DateOnly, d[:10]); err == nil {
			a.Published = d[:10]
		}
	}
	a.ID = r.ID
	if a.ID == "" {
		sum := sha256.Sum256([]byte(a.Title + "\x00" + a.Body))
		a.ID = "doc-" + hex.EncodeToString(sum[:8])
	}
	a.ID = articleID(a.ID)
	return a, true
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// readCorpus streams the records of the JSONL files (gzipped when the name
// ends in .gz) in order, calling fn for each article until limit articles
// have been seen (limit <= 0: all). Records without text and repeated ids
// are skipped and counted.
func readCorpus(paths []string, limit int, fn func(article) error) (stats corpusStats, err error) {
	seen := make(map[string]struct{})
	for _, p := range paths {
		if limit > 0 && stats.Articles >= limit {
			break
		}
		err := readJSONL(p, func(line int, r sourceRecord) error {
			if limit > 0 && stats.Articles >= limit {
				return errStop
			}
			a, ok := r.toArticle()
			if !ok {
				stats.Empty++
				return nil
			}
			if _, dup := seen[a.ID]; dup {
				stats.Duplicates++
				return nil
			}
			seen[a.ID] = struct{}{}
			stats.Articles++
			stats.TextBytes += int64(len(a.Title) + len(a.Body))
			return fn(a)
		})
		if err != nil && !errors.Is(err, errStop) {
			return stats, err
		}
	}
	return stats, nil
}

// corpusStats counts what readCorpus read.
type corpusStats struct {
	Articles   int
	Empty      int   // records without title and body, skipped
	Duplicates int   // records whose id was already seen, skipped
	TextBytes  int64 // bytes of title and body
}

var errStop = errors.New("stop")

// readJSONL decodes one JSON record a line.
func readJSONL(path string, fn func(line int, r sourceRecord) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("corpus %s: %w", path, err)
		}
		defer gz.Close()
		in = gz
	}
	br := bufio.NewReaderSize(in, 1<<20)
	for line := 1; ; line++ {
		data, err := br.ReadBytes('\n')
		if len(strings.TrimSpace(string(data))) > 0 {
			var r sourceRecord
			if jerr := json.Unmarshal(data, &r); jerr != nil {
				return fmt.Errorf("corpus %s line %d: %w", filepath.Base(path), line, jerr)
			}
			if ferr := fn(line, r); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corpus %s: %w", path, err)
		}
	}
}

// prepared is a corpus rendered once, before any timing, in the form each
// system loads: NDJSON for veille's bulk API, COPY text for PostgreSQL.
// Loading then streams bytes from disk, so the client's own work hardly
// weighs on the (shared) cores during the timed phases.
type prepared struct {
	NDJSON string // veille bulk lines
	Copy   string // PostgreSQL COPY text format: id, title, body, category, published
	// Paths and Limit read the same articles again (the Sphinx peer's
	// input needs veille's extraction, known only after veille ran).
	Paths []string
	Limit int
	Stats corpusStats
	// Langs counts articles per declared language ("" = undeclared).
	Langs map[string]int
}

// prepare renders the first limit articles of paths into dir. detectLang
// leaves the language out of veille's lines, so that the service detects it.
func prepare(dir string, paths []string, limit int, detectLang bool) (*prepared, error) {
	p := &prepared{
		NDJSON: filepath.Join(dir, "corpus.ndjson"),
		Copy:   filepath.Join(dir, "corpus.copy"),
		Paths:  paths,
		Limit:  limit,
		Langs:  make(map[string]int),
	}
	nf, err := os.Create(p.NDJSON)
	if err != nil {
		return nil, err
	}
	defer nf.Close()
	cf, err := os.Create(p.Copy)
	if err != nil {
		return nil, err
	}
	defer cf.Close()
	nw := bufio.NewWriterSize(nf, 1<<20)
	cw := bufio.NewWriterSize(cf, 1<<20)
	enc := json.NewEncoder(nw)
	enc.SetEscapeHTML(false)
	p.Stats, err = readCorpus(paths, limit, func(a article) error {
		p.Langs[a.Lang]++
		va := veilleArticle{ID: a.ID, Title: a.Title, Body: a.Body, URL: a.URL, Source: a.Category, Published: a.Published, Language: a.Lang}
		if detectLang {
			va.Language = ""
		}
		if err := enc.Encode(va); err != nil {
			return err
		}
		writeCopyRow(cw, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := nw.Flush(); err != nil {
		return nil, err
	}
	if err := cw.Flush(); err != nil {
		return nil, err
	}
	if err := nf.Close(); err != nil {
		return nil, err
	}
	if err := cf.Close(); err != nil {
		return nil, err
	}
	if p.Stats.Articles == 0 {
		return nil, fmt.Errorf("corpus: no article in %s", strings.Join(paths, ", "))
	}
	return p, nil
}

// writeCopyRow writes one row of PostgreSQL's COPY text format.
func writeCopyRow(w *bufio.Writer, a article) {
	copyField(w, a.ID, false)
	w.WriteByte('\t')
	copyField(w, a.Title, false)
	w.WriteByte('\t')
	copyField(w, a.Body, false)
	w.WriteByte('\t')
	copyField(w, a.Category, true)
	w.WriteByte('\t')
	copyField(w, a.Published, true)
	w.WriteByte('\n')
}

// copyField escapes s for COPY text format; an empty nullable field is \N.
// NUL bytes, which PostgreSQL text cannot hold, are dropped.
func copyField(w *bufio.Writer, s string, nullable bool) {
	if s == "" && nullable {
		w.WriteString(`\N`)
		return
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			w.WriteString(`\\`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		case 0:
		default:
			w.WriteByte(c)
		}
	}
}

// readQueries reads one query a line, skipping blank lines and # comments.
func readQueries(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("queries: %w", err)
	}
	var qs []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		qs = append(qs, line)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("queries: %s holds no query", path)
	}
	return qs, nil
}
