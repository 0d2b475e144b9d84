package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"veille/corpus/fold"
)

// Limits of the readers. They keep a bad or hostile file from exhausting
// memory or flooding the index; gzipped files are limited by their
// decompressed size too.
const (
	// MaxFileSize is the largest .json, .txt or .md file, in bytes, on
	// disk and once gunzipped.
	MaxFileSize = 32 << 20
	// MaxNDJSONSize is the largest NDJSON file, in bytes, on disk and
	// once gunzipped ([ScanFile]); it is read line by line.
	MaxNDJSONSize = 2 << 30
	// MaxLineSize is the longest NDJSON line, in bytes.
	MaxLineSize = 10 << 20
	// MaxInflateRatio caps how many times larger than its compressed
	// form gzip data may inflate, beyond its first inflateSlack bytes:
	// real articles inflate 2 to 6 times, a gzip bomb (say 8.8 KB
	// inflating to 200,000 tiny articles) hundreds or thousands of times.
	MaxInflateRatio = 100
	// inflateSlack is what gzip data may always inflate to, whatever the
	// ratio: tiny files compress badly or very well.
	inflateSlack = 64 << 10
	// maxJoinedErrors is how many per-line errors ReadFile spells out.
	maxJoinedErrors = 20
)

// ErrUnsupportedFormat is returned (wrapped) by the file readers for a file
// whose name has none of the supported extensions (see [FormatOf]).
var ErrUnsupportedFormat = errors.New("corpus: unsupported file format")

// ErrTooLarge is returned (wrapped) for a file over [MaxFileSize] (an
// NDJSON file over [MaxNDJSONSize]), gzip data inflating more than
// [MaxInflateRatio] times, or an NDJSON line over [MaxLineSize].
var ErrTooLarge = errors.New("corpus: too large")

// Format is an article file format.
type Format uint8

// The supported formats.
const (
	FormatUnknown  Format = iota
	FormatJSON            // .json: one article (or an array of articles)
	FormatNDJSON          // .ndjson, .jsonl: one JSON article a line
	FormatText            // .txt: raw text copied from a web page, read by ParseRaw
	FormatMarkdown        // .md, .markdown: like FormatText, Markdown markup removed
	FormatHTML            // .html, .htm: a web page, read by ParseHTML
)

// String returns the format's usual extension, without the dot.
func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "json"
	case FormatNDJSON:
		return "ndjson"
	case FormatText:
		return "txt"
	case FormatMarkdown:
		return "md"
	case FormatHTML:
		return "html"
	}
	return "unknown"
}

// FormatOf returns the format a file name's extension says (case does not
// matter) and whether the name ends in ".gz". It does not look at hidden
// or temporary names; [Supported] does.
func FormatOf(name string) (f Format, gzipped bool) {
	ext := strings.ToLower(path.Ext(name))
	if ext == ".gz" {
		gzipped = true
		name = name[:len(name)-len(ext)]
		ext = strings.ToLower(path.Ext(name))
	}
	switch ext {
	case ".json":
		f = FormatJSON
	case ".ndjson", ".jsonl":
		f = FormatNDJSON
	case ".txt":
		f = FormatText
	case ".md", ".markdown":
		f = FormatMarkdown
	case ".html", ".htm":
		f = FormatHTML
	}
	return f, gzipped
}

// Supported reports whether the file at the slash-separated path p is one
// the readers take: a supported extension (see [FormatOf]), and neither a
// hidden file nor one inside a hidden folder (a name starting with '.'),
// nor an editor's temporary or backup file ("x.txt~", "#x.txt#", ".#x").
func Supported(p string) bool {
	f, _ := FormatOf(p)
	if f == FormatUnknown {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if ignoredName(part) {
			return false
		}
	}
	return true
}

// ignoredName reports hidden, temporary and backup file and folder names.
func ignoredName(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	lower := strings.ToLower(name)
	return name[0] == '.' || name[0] == '#' || name[0] == '~' || strings.HasSuffix(name, "~") ||
		strings.HasSuffix(lower, ".swp") || strings.HasSuffix(lower, ".swx") || strings.HasSuffix(lower, ".tmp") ||
		strings.HasSuffix(lower, ".part") || strings.HasSuffix(lower, ".crdownload") || strings.HasSuffix(lower, ".bak")
}

// IDFromPath returns the id of the article a file holds: its name without
// the folder and without its extensions ("seeds/001_x.txt.gz" gives
// "001_x"). Characters an id may not hold (see [ValidateID]) are replaced:
// accented letters by their plain form, anything else by '_'; the result
// is cut to [MaxIDLength] bytes. Files with the same name in different
// folders get the same id.
func IDFromPath(p string) string {
	name := path.Base(strings.ReplaceAll(p, "\\", "/"))
	if strings.HasSuffix(strings.ToLower(name), ".gz") {
		name = name[:len(name)-3]
	}
	if f, _ := FormatOf(name); f != FormatUnknown {
		name = name[:len(name)-len(path.Ext(name))]
	}
	if ValidateID(name) == nil {
		return name
	}
	var b strings.Builder
	under := false
	for _, r := range name {
		var s string
		switch {
		case r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			s = string(r)
		default:
			s = idLetter(r)
		}
		if s == "_" {
			if under {
				continue
			}
			under = true
		} else {
			under = false
		}
		b.WriteString(s)
	}
	id := b.String()
	for strings.Contains(id, "..") {
		id = strings.ReplaceAll(id, "..", ".")
	}
	id = strings.Trim(id, "._")
	if len(id) > MaxIDLength {
		id = strings.TrimRight(id[:MaxIDLength], "._")
	}
	if id == "" {
		id = "article"
	}
	return id
}

// LineError is the error for one article of a multi-article file or
// stream: an NDJSON line, or an element of a JSON array (Line is then its
// 1-based position).
type LineError struct {
	Path string // file path, "" for a stream
	Line int    // 1-based line (or array position)
	Err  error  // wraps ErrMalformed, ErrTooLarge, ErrInvalidID, ErrNoText...
}

func (e *LineError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("%s: line %d: %v", e.Path, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ReadNDJSON reads newline-delimited JSON articles from r and calls fn for
// every non-blank line with its 1-based line number and either the
// decoded article (see [DecodeJSON]; not validated, the id may be empty)
// or the error for that line: ErrMalformed, or ErrTooLarge for a line over
// [MaxLineSize], whose rest is skipped. Bad lines do not stop the reading;
// an error returned by fn does, and ReadNDJSON returns it unchanged. It
// also returns read errors of r. Lines may end in LF or CRLF; a byte order
// mark on the first line is skipped.
func ReadNDJSON(r io.Reader, fn func(line int, a Article, err error) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for line := 1; ; line++ {
		data, tooLong, readErr := readLine(br, &buf)
		if readErr != nil && readErr != io.EOF {
			return fmt.Errorf("corpus: line %d: %w", line, readErr)
		}
		if line == 1 {
			data = bytes.TrimPrefix(data, utf8BOM)
		}
		switch {
		case tooLong:
			err := fmt.Errorf("%w: line longer than %d bytes", ErrTooLarge, MaxLineSize)
			if e := fn(line, Article{}, err); e != nil {
				return e
			}
		case len(bytes.TrimSpace(data)) > 0:
			a, err := DecodeJSON(data)
			if e := fn(line, a, err); e != nil {
				return e
			}
		}
		if readErr == io.EOF {
			return nil
		}
	}
}

// readLine reads one line into *buf (reused) without its line end. A line
// over MaxLineSize is consumed but not kept: tooLong is then true. err is
// io.EOF when the line is the last one.
func readLine(br *bufio.Reader, buf *[]byte) (line []byte, tooLong bool, err error) {
	*buf = (*buf)[:0]
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(*buf)+len(chunk) > MaxLineSize+2 { // +2: the CRLF
				tooLong = true
				*buf = (*buf)[:0]
			} else {
				*buf = append(*buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		line = bytes.TrimRight(*buf, "\r\n")
		if len(line) > MaxLineSize {
			tooLong, line = true, nil
		}
		return line, tooLong, err
	}
}

// Read reads the articles of one file's content from r; name is the file's
// path, which gives the format (see [FormatOf]) and the ids. Gzip data is
// recognised by its magic bytes as well as by a ".gz" name.
//
// Ids: an article of a .txt, .md, .html or single-object .json file is named
// after the file ([IDFromPath]), whatever id the JSON holds. The articles
// of an NDJSON file (or of a .json array) keep their own "id"; those
// without one are named "<file id>-<line>".
//
// fn is called with each article, validated (see [Article.Validate]). For
// NDJSON and JSON arrays, fn is also called with the error of each bad
// article, a *LineError, and the reading goes on; an error returned by fn
// stops it and is returned. Errors that concern the whole file are
// returned: ErrUnsupportedFormat, ErrTooLarge, ErrMalformed (invalid JSON,
// corrupt gzip), ErrNoText, read errors.
func Read(r io.Reader, name string, fn func(a Article, err error) error) error {
	format, gz := FormatOf(name)
	if format == FormatUnknown {
		return fmt.Errorf("%w: %s (want .json, .ndjson, .jsonl, .txt, .md, .html or .htm, optionally .gz)", ErrUnsupportedFormat, name)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	isGzip := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	var src io.Reader = br
	switch {
	case isGzip:
		in := &countingReader{r: br}
		zr, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("%w: %s: bad gzip data: %v", ErrMalformed, name, err)
		}
		defer zr.Close()
		src = &inflateGuard{r: gzipErrors{zr}, in: in}
	case gz:
		return fmt.Errorf("%w: %s: not gzip data", ErrMalformed, name)
	}
	id := IDFromPath(name)
	switch format {
	case FormatNDJSON:
		return ReadNDJSON(src, func(line int, a Article, err error) error {
			if err == nil {
				if a.ID == "" {
					a.ID = id + "-" + strconv.Itoa(line)
				}
				err = a.Validate()
			}
			if err != nil {
				return fn(Article{}, &LineError{Path: name, Line: line, Err: err})
			}
			return fn(a, nil)
		})
	case FormatJSON:
		data, err := readAll(src, name)
		if err != nil {
			return err
		}
		if t := bytes.TrimLeft(bytes.TrimPrefix(data, utf8BOM), " \t\r\n"); len(t) > 0 && t[0] == '[' {
			return readJSONArray(t, name, id, fn)
		}
		a, err := DecodeJSON(data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		a.ID = id
		if err := a.Validate(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return fn(a, nil)
	case FormatHTML:
		data, err := readAll(src, name)
		if err != nil {
			return err
		}
		r, err := ParseHTML(data, "", "")
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		a := r.Article(id)
		if err := a.Validate(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return fn(a, nil)
	default:
		data, err := readAll(src, name)
		if err != nil {
			return err
		}
		a := ParseRaw(string(data)).Article(id)
		if err := a.Validate(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return fn(a, nil)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// inflateGuard fails with ErrTooLarge once the data inflated from in
// exceeds MaxInflateRatio times what was read of in (beyond inflateSlack)
// or MaxNDJSONSize.
type inflateGuard struct {
	r   io.Reader
	in  *countingReader
	out int64
}

func (g *inflateGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.out += int64(n)
	if g.out > inflateLimit(g.in.n) {
		return n, fmt.Errorf("%w: gzip data inflating more than %d times (%d bytes from %d)", ErrTooLarge, MaxInflateRatio, g.out, g.in.n)
	}
	return n, err
}

// inflateLimit is the most that compressed bytes of gzip data may
// inflate to.
func inflateLimit(compressed int64) int64 {
	return min(compressed*MaxInflateRatio+inflateSlack, MaxNDJSONSize)
}

// gzipErrors marks gzip decompression errors as ErrMalformed.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: bad gzip data: %v", ErrMalformed, err)
	}
	return n, err
}

// readAll reads at most MaxFileSize bytes of r.
func readAll(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("corpus: read %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, name, MaxFileSize)
	}
	return data, nil
}

// readJSONArray reads a .json file holding an array of articles.
func readJSONArray(data []byte, name, id string, fn func(Article, error) error) error {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return fmt.Errorf("%s: %w", name, describeJSONError(data, err))
	}
	for i, raw := range items {
		a, err := DecodeJSON(raw)
		if err == nil {
			if a.ID == "" {
				a.ID = id + "-" + strconv.Itoa(i+1)
			}
			err = a.Validate()
		}
		if err != nil {
			err = fn(Article{}, &LineError{Path: name, Line: i + 1, Err: err})
		} else {
			err = fn(a, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ScanFile reads the articles of the file at path name in fsys, like
// [Read], streaming: NDJSON files of any size are read line by line.
func ScanFile(fsys fs.FS, name string, fn func(a Article, err error) error) error {
	if f, _ := FormatOf(name); f == FormatUnknown {
		return fmt.Errorf("%w: %s", ErrUnsupportedFormat, name)
	}
	file, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer file.Close()
	if info, err := file.Stat(); err == nil {
		if info.IsDir() {
			return fmt.Errorf("corpus: %s is a folder", name)
		}
		limit := int64(MaxFileSize)
		if f, _ := FormatOf(name); f == FormatNDJSON {
			limit = MaxNDJSONSize
		}
		if info.Size() > limit {
			return fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, name, limit)
		}
		if f, gz := FormatOf(name); f == FormatNDJSON || gz {
			if err := checkInflated(file, name); err != nil {
				return err
			}
		}
	}
	return Read(file, name, fn)
}

// checkInflated inflates a gzipped NDJSON file without keeping anything,
// before any of its articles is read, and fails with ErrTooLarge when it
// inflates too much (see [MaxInflateRatio]) or ErrMalformed when it is not
// sound gzip data: no article of a gzip bomb gets indexed. It leaves the
// file at its start. Files that cannot seek are checked as they are read.
func checkInflated(file fs.File, name string) error {
	rs, ok := file.(io.ReadSeeker)
	if !ok {
		return nil
	}
	var magic [2]byte
	if n, _ := io.ReadFull(rs, magic[:]); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("corpus: %s: %w", name, err)
		}
		in := &countingReader{r: bufio.NewReaderSize(rs, 64<<10)}
		zr, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("%w: %s: bad gzip data: %v", ErrMalformed, name, err)
		}
		_, err = io.Copy(io.Discard, &inflateGuard{r: gzipErrors{zr}, in: in})
		_ = zr.Close()
		if err != nil {
			return fmt.Errorf("corpus: %s: %w", name, err)
		}
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("corpus: %s: %w", name, err)
	}
	return nil
}

// ReadFile reads every article of the file at path name in fsys (see
// [Read] for formats and ids). For NDJSON files and JSON arrays it returns
// the good articles together with an error that joins the *LineError of
// each bad one (the first 20, then a count); both may be non-nil. Other
// errors (ErrUnsupportedFormat, ErrTooLarge, ErrMalformed, ErrNoText,
// fs.ErrNotExist...) come with no articles.
func ReadFile(fsys fs.FS, name string) ([]Article, error) {
	var arts []Article
	var errs []error
	bad := 0
	err := ScanFile(fsys, name, func(a Article, err error) error {
		if err != nil {
			if bad++; bad <= maxJoinedErrors {
				errs = append(errs, err)
			}
			return nil
		}
		arts = append(arts, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if bad > maxJoinedErrors {
		errs = append(errs, fmt.Errorf("corpus: %s: %d more bad lines", name, bad-maxJoinedErrors))
	}
	return arts, errors.Join(errs...)
}

// Files returns the slash-separated paths of the supported files (see
// [Supported]) under the root of fsys, in lexical order, and an error
// joining the folders it could not list (the others are still listed).
// Hidden and temporary folders are not entered; symbolic links, to files
// or to folders, are never followed, nor are devices, pipes and sockets
// listed. This is the one rule of veille index and of the watched folder
// (package corpus/folder). Pass the FS of an [os.Root] to have the
// operating system refuse any path out of the folder too.
func Files(fsys fs.FS) ([]string, error) {
	var files []string
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			if d != nil && d.IsDir() && p != "." {
				return fs.SkipDir
			}
			return nil
		}
		if p == "." {
			return nil
		}
		if ignoredName(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !Supported(p) {
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // symbolic links, devices, pipes, sockets
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return files, fmt.Errorf("corpus: list files: %w", errors.Join(errs...))
	}
	return files, nil
}

// Walk reads every supported file under the root of fsys (see [Files]),
// in lexical order, and calls fn with its path and the result of
// [ReadFile]. An error returned by fn stops the walk and is returned; an
// error listing the folders is passed to fn with an empty path.
func Walk(fsys fs.FS, fn func(path string, arts []Article, err error) error) error {
	files, err := Files(fsys)
	if err != nil {
		if e := fn("", nil, err); e != nil {
			return e
		}
	}
	for _, p := range files {
		arts, err := ReadFile(fsys, p)
		if e := fn(p, arts, err); e != nil {
			return e
		}
	}
	return nil
}

// idLetter returns the ASCII spelling of a Latin-1 letter (or œ) in a file
// name, lower-cased without its accent ("É" gives "e"), or "_" for any
// other rune.
func idLetter(r rune) string {
	if r > 0xFF && r != 'œ' && r != 'Œ' {
		return "_"
	}
	s := fold.Lower(string(r))
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return "_"
		}
	}
	return s
}
