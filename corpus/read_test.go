package corpus

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Article
		wantErr string // substring of the error; "" for success
	}{
		{
			name: "all fields",
			in:   `{"id":"a1","title":" Titre ","body":"Corps.","url":"https://x.org/a","source":"AFP","published":"2025-09-19","language":"fr","extra":[1,2]}`,
			want: Article{ID: "a1", Title: "Titre", Body: "Corps.", URL: "https://x.org/a", Source: "AFP", Published: date(2025, 9, 19), Language: "fr"},
		},
		{
			name: "OrangeSum aliases text, date, lang",
			in:   `{"id":"orangesum-10","url":"u","date":"2020-07-02","category":"france","title":"T","text":"Corps","lang":"fr"}`,
			want: Article{ID: "orangesum-10", Title: "T", Body: "Corps", URL: "u", Published: date(2020, 7, 2), Language: "fr"},
		},
		{
			name: "body wins over text",
			in:   `{"body":"B","text":"T"}`,
			want: Article{Body: "B"},
		},
		{
			name: "RFC 3339 with zone (kept)",
			in:   `{"body":"b","published":"2025-09-19T10:30:00+02:00"}`,
			want: Article{Body: "b", Published: time.Date(2025, 9, 19, 8, 30, 0, 0, time.UTC)},
		},
		{
			name: "date-time without zone is UTC",
			in:   `{"body":"b","published":"2025-09-19T10:30:00"}`,
			want: Article{Body: "b", Published: time.Date(2025, 9, 19, 10, 30, 0, 0, time.UTC)},
		},
		{
			name: "integer id, nulls, language region",
			in:   `{"id":42,"title":null,"body":"b","language":"FR-ca","published":null}`,
			want: Article{ID: "42", Body: "b", Language: "fr"},
		},
		{
			name: "BOM and surrounding space",
			in:   "\ufeff  {\"body\":\"b\"}\n",
			want: Article{Body: "b"},
		},
		{name: "empty", in: "", wantErr: "empty document"},
		{name: "not JSON", in: "hello", wantErr: "invalid JSON at byte"},
		{name: "truncated", in: `{"body":"b"`, wantErr: "invalid JSON"},
		{name: "array", in: `[{"body":"b"}]`, wantErr: "expected a JSON object, got an array"},
		{name: "string", in: `"b"`, wantErr: "expected a JSON object, got a string"},
		{name: "null", in: `null`, wantErr: "expected a JSON object, got null"},
		{name: "trailing data", in: `{"body":"b"} {"body":"c"}`, wantErr: "invalid JSON"},
		{name: "title is a number", in: `{"title":3,"body":"b"}`, wantErr: `field "title" must be a string, not a number`},
		{name: "body is an object", in: `{"body":{"x":1}}`, wantErr: `field "body" must be a string, not an object`},
		{name: "text is an array", in: `{"text":["a"]}`, wantErr: `field "text" must be a string, not an array`},
		{name: "published is a number", in: `{"body":"b","published":20250919}`, wantErr: `field "published" must be a string`},
		{name: "published not a date", in: `{"body":"b","published":"19/09/2025"}`, wantErr: `field "published": "19/09/2025" is not a date`},
		{name: "date not a date", in: `{"body":"b","date":"2025-13-01"}`, wantErr: `field "date": "2025-13-01" is not a date`},
		{name: "bad language", in: `{"body":"b","language":"french"}`, wantErr: `field "language": "french" is not an ISO 639-1`},
		{name: "id is a float", in: `{"id":1.5,"body":"b"}`, wantErr: `field "id" must be a string or a non-negative integer`},
		{name: "id is a boolean", in: `{"id":true,"body":"b"}`, wantErr: `field "id" must be a string or an integer, not a boolean`},
		{name: "invalid UTF-8", in: "{\"body\":\"caf\xe9\"}", wantErr: "invalid UTF-8 at byte 12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeJSON([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("DecodeJSON(%q) = %+v, want error %q", tc.in, got, tc.wantErr)
				}
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("error %v does not wrap ErrMalformed", err)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %q does not say %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeJSON(%q): %v", tc.in, err)
			}
			gotPub, wantPub := got.Published, tc.want.Published
			got.Published, tc.want.Published = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tc.want) || !gotPub.Equal(wantPub) {
				t.Errorf("DecodeJSON(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

// lineResult is what ReadNDJSON reported for one line.
type lineResult struct {
	Line  int
	ID    string
	Title string
	Err   string
}

func collectNDJSON(t *testing.T, in string) []lineResult {
	t.Helper()
	var got []lineResult
	err := ReadNDJSON(strings.NewReader(in), func(line int, a Article, err error) error {
		r := lineResult{Line: line, ID: a.ID, Title: a.Title}
		if err != nil {
			r = lineResult{Line: line, Err: err.Error()}
		}
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadNDJSON: %v", err)
	}
	return got
}

func TestReadNDJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []lineResult
	}{
		{
			name: "good, bad, blank lines",
			in: "{\"id\":\"a\",\"title\":\"A\",\"body\":\"x\"}\n" +
				"\n" +
				"{\"id\":\"b\",\"title\":5}\n" +
				"   \t\n" +
				"not json\n" +
				"{\"id\":\"c\",\"title\":\"C\",\"body\":\"x\"}",
			want: []lineResult{
				{Line: 1, ID: "a", Title: "A"},
				{Line: 3, Err: `corpus: malformed article: field "title" must be a string, not a number`},
				{Line: 5, Err: "corpus: malformed article: invalid JSON at byte 2: invalid character 'o' in literal null (expecting 'u')"},
				{Line: 6, ID: "c", Title: "C"},
			},
		},
		{
			name: "CRLF, BOM, final newline",
			in:   "\ufeff{\"id\":\"a\",\"body\":\"x\"}\r\n{\"id\":\"b\",\"body\":\"y\"}\r\n",
			want: []lineResult{{Line: 1, ID: "a"}, {Line: 2, ID: "b"}},
		},
		{name: "empty stream", in: "", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := collectNDJSON(t, tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadNDJSONLongLine(t *testing.T) {
	long := `{"body":"` + strings.Repeat("x", MaxLineSize) + `"}`
	in := `{"id":"a","body":"x"}` + "\n" + long + "\n" + `{"id":"c","body":"x"}` + "\n"
	var lines []int
	var tooLong error
	err := ReadNDJSON(strings.NewReader(in), func(line int, a Article, err error) error {
		lines = append(lines, line)
		if err != nil {
			tooLong = err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lines, []int{1, 2, 3}) {
		t.Errorf("lines reported %v, want [1 2 3]", lines)
	}
	if !errors.Is(tooLong, ErrTooLarge) {
		t.Errorf("line 2 error = %v, want ErrTooLarge", tooLong)
	}
}

func TestReadNDJSONStops(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := ReadNDJSON(strings.NewReader("{\"body\":\"a\"}\n{\"body\":\"b\"}\n"), func(int, Article, error) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("err = %v after %d calls, want stop after 1", err, calls)
	}
	readErr := errors.New("disk on fire")
	err = ReadNDJSON(io.MultiReader(strings.NewReader("{\"bo"), errReader{readErr}), func(int, Article, error) error { return nil })
	if !errors.Is(err, readErr) {
		t.Errorf("read error not returned: %v", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// summary is the golden form of ReadFile's result.
func summary(arts []Article) []string {
	var s []string
	for _, a := range arts {
		line := a.ID + " | " + a.Title
		if !a.Published.IsZero() {
			line += " | " + a.Published.Format(time.DateOnly)
		}
		if a.Language != "" {
			line += " | " + a.Language
		}
		s = append(s, line)
	}
	return s
}

func TestReadFile(t *testing.T) {
	const ndjson = "{\"id\":\"x1\",\"title\":\"Un\",\"body\":\"b\",\"date\":\"2020-07-02\",\"lang\":\"fr\"}\n" +
		"{\"title\":\"Deux\",\"body\":\"b\"}\n" +
		"{\"id\":\"bad id/with slash\",\"body\":\"b\"}\n" +
		"{\"id\":\"x4\"}\n" +
		"{\"id\":\"x5\",\"body\":3}\n"
	page := "Menu\nLe groupe investit deux milliards en Europe\n\nPublié le 16 septembre 2025\n\nLe groupe a annoncé mardi un investissement de 2 milliards d'euros dans de nouvelles usines en France."
	fsys := fstest.MapFS{
		"one.json":         {Data: []byte(`{"id":"ignored","title":"Seul","body":"b","published":"2025-09-19"}`)},
		"many.json":        {Data: []byte(`[{"id":"m1","title":"A","body":"b"},{"title":"B","body":"b"},{"title":7}]`)},
		"lines.ndjson":     {Data: []byte(ndjson)},
		"lines.jsonl.gz":   {Data: gz(t, ndjson)},
		"page.txt":         {Data: []byte(page)},
		"page.md.gz":       {Data: gz(t, "# Un titre Markdown assez long\n\n"+strings.SplitN(page, "\n\n", 3)[2])},
		"Réunion été.txt":  {Data: []byte(page)},
		"hidden-gzip.json": {Data: gz(t, `{"title":"Zippé sans le dire","body":"b"}`)},
		"notgzip.json.gz":  {Data: []byte(`{"body":"b"}`)},
		"badgzip.txt.gz":   {Data: gz(t, page)[:30]},
		"empty.txt":        {Data: []byte(" \n\n")},
		"broken.json":      {Data: []byte(`{"title":`)},
		"typed.json":       {Data: []byte(`{"title":["x"],"body":"b"}`)},
		"notes.pdf":        {Data: []byte("%PDF")},
	}
	tests := []struct {
		file    string
		want    []string
		errIs   error
		errText string
	}{
		{file: "one.json", want: []string{"one | Seul | 2025-09-19"}},
		{file: "many.json", want: []string{"m1 | A", "many-2 | B"}, errIs: ErrMalformed, errText: "many.json: line 3: corpus: malformed article: field \"title\" must be a string"},
		{file: "lines.ndjson", want: []string{"x1 | Un | 2020-07-02 | fr", "lines-2 | Deux"}, errIs: ErrInvalidID, errText: "lines.ndjson: line 3"},
		{file: "lines.jsonl.gz", want: []string{"x1 | Un | 2020-07-02 | fr", "lines-2 | Deux"}, errIs: ErrNoText, errText: "lines.jsonl.gz: line 4"},
		{file: "page.txt", want: []string{"page | Le groupe investit deux milliards en Europe | 2025-09-16"}},
		{file: "page.md.gz", want: []string{"page | Un titre Markdown assez long"}},
		{file: "Réunion été.txt", want: []string{"Reunion_ete | Le groupe investit deux milliards en Europe | 2025-09-16"}},
		{file: "hidden-gzip.json", want: []string{"hidden-gzip | Zippé sans le dire"}},
		{file: "notgzip.json.gz", errIs: ErrMalformed, errText: "not gzip data"},
		{file: "badgzip.txt.gz", errIs: ErrMalformed, errText: "bad gzip data"},
		{file: "empty.txt", errIs: ErrNoText, errText: "empty.txt"},
		{file: "broken.json", errIs: ErrMalformed, errText: "broken.json: corpus: malformed article: invalid JSON"},
		{file: "typed.json", errIs: ErrMalformed, errText: `field "title" must be a string, not an array`},
		{file: "notes.pdf", errIs: ErrUnsupportedFormat, errText: "notes.pdf"},
		{file: "missing.json", errIs: fs.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			arts, err := ReadFile(fsys, tc.file)
			if got := summary(arts); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("articles\n got %q\nwant %q", got, tc.want)
			}
			if tc.errIs == nil {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.errIs) {
				t.Errorf("error %v does not wrap %v", err, tc.errIs)
			}
			if err != nil && !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("error %q does not say %q", err, tc.errText)
			}
		})
	}
}

func TestReadFileLimits(t *testing.T) {
	big := bytes.Repeat([]byte("a"), MaxFileSize+1)
	fsys := fstest.MapFS{
		"big.txt":    {Data: big},
		"bomb.md.gz": {Data: gz(t, string(big))},
		"ok.ndjson":  {Data: []byte(`{"id":"a","body":"b"}` + "\n" + `{"id":"b","body":"` + strings.Repeat("y", MaxLineSize) + `"}` + "\n")},
	}
	for _, name := range []string{"big.txt", "bomb.md.gz"} {
		if _, err := ReadFile(fsys, name); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: error %v, want ErrTooLarge", name, err)
		}
	}
	arts, err := ReadFile(fsys, "ok.ndjson")
	if len(arts) != 1 || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ok.ndjson: %d articles, error %v; want 1 and ErrTooLarge on line 2", len(arts), err)
	}
}

// TestReadFileGzipBomb reads gzipped NDJSON that inflates hundreds of
// times (8.8 KB became 200,000 articles): the file is refused before any
// article is read; read as a stream, it stops once it inflates too much.
// Real data (2 to 6 times) is read in full.
func TestReadFileGzipBomb(t *testing.T) {
	var b strings.Builder
	for i := range 200_000 {
		fmt.Fprintf(&b, "{\"id\":\"b%d\",\"title\":\"x\"}\n", i%10)
	}
	bomb := gz(t, b.String())
	t.Logf("bomb: %d bytes inflating to %d", len(bomb), b.Len())
	var normal strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&normal, "{\"id\":\"n%d\",\"title\":\"Article %d\",\"body\":\"Airbus livre %d avions à la compagnie %d.\"}\n", i, i, i*7, i*13)
	}
	fsys := fstest.MapFS{"bomb.ndjson.gz": {Data: bomb}, "bomb.jsonl": {Data: bomb}, "normal.jsonl.gz": {Data: gz(t, normal.String())}}
	for _, name := range []string{"bomb.ndjson.gz", "bomb.jsonl"} {
		n := 0
		err := ScanFile(fsys, name, func(a Article, err error) error { n++; return nil })
		if !errors.Is(err, ErrTooLarge) || n != 0 || !strings.Contains(err.Error(), "inflating more than 100 times") {
			t.Errorf("%s: %d articles, error %v; want none and ErrTooLarge", name, n, err)
		}
	}
	n := 0
	err := Read(bytes.NewReader(bomb), "stream.ndjson.gz", func(a Article, err error) error { n++; return nil })
	if !errors.Is(err, ErrTooLarge) || n == 0 || n > 200_000/4 {
		t.Errorf("stream: %d articles, error %v; want ErrTooLarge after a bounded part", n, err)
	}
	if arts, err := ReadFile(fsys, "normal.jsonl.gz"); err != nil || len(arts) != 2000 {
		t.Errorf("normal.jsonl.gz: %d articles, %v", len(arts), err)
	}
}

func TestReadFileManyBadLines(t *testing.T) {
	var b strings.Builder
	for range 50 {
		b.WriteString("{\"body\":1}\n")
	}
	_, err := ReadFile(fstest.MapFS{"bad.jsonl": {Data: []byte(b.String())}}, "bad.jsonl")
	if err == nil || !strings.Contains(err.Error(), "30 more bad lines") || strings.Count(err.Error(), "\n") != 20 {
		t.Errorf("error does not list 20 lines and a count: %v", err)
	}
}

func TestFormatOfAndSupported(t *testing.T) {
	tests := []struct {
		path      string
		format    Format
		gzipped   bool
		supported bool
	}{
		{"a.json", FormatJSON, false, true},
		{"a.JSON.GZ", FormatJSON, true, true},
		{"dir/a.ndjson", FormatNDJSON, false, true},
		{"a.jsonl.gz", FormatNDJSON, true, true},
		{"a.txt", FormatText, false, true},
		{"a.md", FormatMarkdown, false, true},
		{"a.markdown.gz", FormatMarkdown, true, true},
		{"Page.HTML", FormatHTML, false, true},
		{"page.htm.gz", FormatHTML, true, true},
		{"a.pdf", FormatUnknown, false, false},
		{"a.gz", FormatUnknown, true, false},
		{"README", FormatUnknown, false, false},
		{".a.txt", FormatText, false, false},
		{".git/a.json", FormatJSON, false, false},
		{"x/.hidden/a.json", FormatJSON, false, false},
		{"a.txt~", FormatUnknown, false, false},
		{"#a.txt#", FormatUnknown, false, false},
		{".#a.txt", FormatText, false, false},
		{"a.txt.swp", FormatUnknown, false, false},
		{"a.txt.tmp", FormatUnknown, false, false},
		{"./a.txt", FormatText, false, true},
	}
	for _, tc := range tests {
		f, gz := FormatOf(tc.path)
		if f != tc.format || gz != tc.gzipped {
			t.Errorf("FormatOf(%q) = %v, %v; want %v, %v", tc.path, f, gz, tc.format, tc.gzipped)
		}
		if got := Supported(tc.path); got != tc.supported {
			t.Errorf("Supported(%q) = %v, want %v", tc.path, got, tc.supported)
		}
	}
}

func TestIDFromPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"001_eda08fda6618b654.txt", "001_eda08fda6618b654"},
		{"seeds/001_x.txt.gz", "001_x"},
		{"a.b.json", "a.b"},
		{"article.2025.md", "article.2025"},
		{"Réunion été.txt", "Reunion_ete"},
		{"l’œuvre d'art.md", "l_oeuvre_d_art"},
		{"a..b.txt", "a.b"},
		{"日本.txt", "article"},
		{"dir\\win.txt", "win"},
		{"noext", "noext"},
		{strings.Repeat("x", 300) + ".txt", strings.Repeat("x", MaxIDLength)},
	}
	for _, tc := range tests {
		got := IDFromPath(tc.path)
		if got != tc.want {
			t.Errorf("IDFromPath(%q) = %q, want %q", tc.path, got, tc.want)
		}
		if err := ValidateID(got); err != nil {
			t.Errorf("IDFromPath(%q) = %q is not a valid id: %v", tc.path, got, err)
		}
	}
}

func TestReadSeeds(t *testing.T) {
	var ids []string
	err := Walk(Seeds(), func(p string, arts []Article, err error) error {
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for _, a := range arts {
			ids = append(ids, a.ID)
			if a.Title == "" || len(a.Body) < 1000 {
				t.Errorf("%s: title %q, body of %d bytes", p, a.Title, len(a.Body))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"000_4b4fd081b06eaf2e", "001_eda08fda6618b654", "002_b646f2462df05c32", "003_ebd6ba1916ee4531", "004_b77bd5bdddbda381"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
}

// TestFilesAndWalk checks the folder listing on a real folder, with hidden
// folders, temporary files and symbolic links.
func TestFilesAndWalk(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", `{"title":"A","body":"b"}`)
	write("sub/b.txt", "Un titre de test assez long\n\nUn paragraphe de texte qui suffit largement à faire un corps.")
	write("sub/deeper/c.jsonl", `{"id":"c1","body":"b"}`+"\n"+`{"id":"c2","body":3}`+"\n")
	write(".git/d.json", `{"body":"b"}`)
	write("sub/.e.json", `{"body":"b"}`)
	write("f.txt~", "x")
	write("g.pdf", "x")
	write("bad.json", "{")
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"in-link.json":  "a.json",
		"out-link.txt":  filepath.Join(outside, "secret.txt"),
		"out-rel.txt":   filepath.Join("..", filepath.Base(outside), "secret.txt"),
		"dir-link":      "sub",
		"sub/up.json":   filepath.Join("..", "a.json"),
		"loop-link.txt": "loop-link.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Logf("no symbolic links here: %v", err)
			break
		}
	}
	files, err := Files(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.json", "bad.json", "sub/b.txt", "sub/deeper/c.jsonl"} // links never followed
	if !reflect.DeepEqual(files, want) {
		t.Errorf("Files = %q\nwant %q", files, want)
	}

	var got []string
	err = Walk(os.DirFS(dir), func(p string, arts []Article, err error) error {
		got = append(got, fmt.Sprintf("%s: %d articles, error %v", p, len(arts), err != nil))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0] != "a.json: 1 articles, error false" || got[1] != "bad.json: 0 articles, error true" {
		t.Errorf("Walk reported %q", got)
	}
	stop := errors.New("stop")
	if err := Walk(os.DirFS(dir), func(string, []Article, error) error { return stop }); err != stop {
		t.Errorf("Walk did not return fn's error: %v", err)
	}
}

// TestReadOrangeSum reads 200 lines of the OrangeSum sample through the
// NDJSON reader, as `veille index orangesum-fr.jsonl.gz` would.
func TestReadOrangeSum(t *testing.T) {
	p := sharedData(t, "orangesum-fr.jsonl.gz")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	errStop := errors.New("enough")
	n := 0
	err = Read(f, filepath.Base(p), func(a Article, err error) error {
		if err != nil {
			t.Errorf("article %d: %v", n+1, err)
			return nil
		}
		n++
		if !strings.HasPrefix(a.ID, "orangesum-") || a.Title == "" || a.Body == "" || a.URL == "" ||
			a.Published.IsZero() || a.Language != "fr" || !utf8.ValidString(a.Body) {
			t.Errorf("article %d incomplete: %+v", n, a)
		}
		if n == 200 {
			return errStop
		}
		return nil
	})
	if err != errStop {
		t.Fatalf("Read stopped with %v after %d articles", err, n)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"body":"b"}`, `{"id":1,"published":"2025-09-19"}`, `{"title":null}`, `[]`, `"x"`,
		`{"published":"2025-02-30"}`, `{"language":"fr-FR"}`, "{\"body\":\"\xff\"}", `{"id":-1}`, `{"date":"2025-09-19T10:00:00+02:00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeJSON(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		for _, s := range []string{a.ID, a.Title, a.Body, a.URL, a.Source, a.Language} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 out: %q", s)
			}
		}
		if a.Language != "" && len(a.Language) != 2 {
			t.Fatalf("language %q", a.Language)
		}
		// The strings are those encoding/json decodes.
		var ref map[string]any
		if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\ufeff")), &ref); err != nil {
			t.Fatalf("DecodeJSON accepted what encoding/json refuses: %v", err)
		}
		for _, f := range []struct {
			got   string
			names []string
		}{{a.Title, []string{"title"}}, {a.Body, []string{"body", "text"}}, {a.URL, []string{"url"}}, {a.Source, []string{"source"}}} {
			want := ""
			for _, n := range f.names {
				if v, ok := ref[n].(string); ok {
					want = strings.TrimSpace(v)
					break
				}
			}
			if f.got != want {
				t.Fatalf("field %v: %q, encoding/json gives %q", f.names, f.got, want)
			}
		}
	})
}

func FuzzReadNDJSON(f *testing.F) {
	for _, s := range []string{"", "\n", "{\"body\":\"b\"}\n{\"body\":1}\n\n{", "\ufeff{}\r\n[]", "{\"id\":\"a\"}\n\x00\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		last := 0
		err := ReadNDJSON(strings.NewReader(in), func(line int, a Article, err error) error {
			if line <= last {
				t.Fatalf("line %d after line %d", line, last)
			}
			last = line
			if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("line %d: unexpected error kind %v", line, err)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ReadNDJSON: %v", err)
		}
		if lines := strings.Count(in, "\n") + 1; last > lines {
			t.Fatalf("reported line %d of %d", last, lines)
		}
	})
}
