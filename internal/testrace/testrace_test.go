package testrace

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// heavyLine is the line of .ci/run that names the heavy step's tests.
var heavyLine = regexp.MustCompile(`(?m)^heavy='([^']+)'$`)

// TestHeavyStepRunsEverySkippedTest checks that every test that skips
// under the race detector (it calls SkipHeavy, or corpustest.CheckLinear
// which does) matches the pattern of .ci/run's heavy step, so that CI
// still runs it, and that the README shows the same command.
func TestHeavyStepRunsEverySkippedTest(t *testing.T) {
	root := filepath.Join("..", "..")
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	m := heavyLine.FindSubmatch(ci)
	if m == nil {
		t.Fatal(".ci/run has no heavy='...' line")
	}
	pattern := string(m[1])
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf(".ci/run's heavy pattern: %v", err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "go test -count=1 -run '"+pattern+"' ./...") {
		t.Errorf("the README's test section does not show the heavy step: go test -count=1 -run '%s' ./...", pattern)
	}
	fset := token.NewFileSet()
	var heavy int
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "Test") {
				continue
			}
			if !skipsUnderRace(fn.Body) {
				continue
			}
			heavy++
			if !re.MatchString(fn.Name.Name) {
				t.Errorf("%s: %s skips under the race detector but .ci/run's heavy step does not run it (pattern %s)", path, fn.Name.Name, pattern)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if heavy == 0 {
		t.Fatal("found no test calling SkipHeavy or CheckLinear")
	}
	t.Logf("%d tests skip under the race detector; the heavy step runs them", heavy)
}

// skipsUnderRace reports whether body calls SkipHeavy or CheckLinear.
func skipsUnderRace(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "SkipHeavy" || sel.Sel.Name == "CheckLinear") {
				found = true
			}
		}
		return !found
	})
	return found
}
