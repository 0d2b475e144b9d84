package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	for _, content := range []string{"first", "second"} {
		if err := Write(dir, "f.json", []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "f.json"))
		if err != nil || string(got) != content {
			t.Fatalf("content %q, %v; want %q", got, err, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries, want only f.json", len(entries))
	}
	if err := Remove(dir, "f.json"); err != nil {
		t.Fatal(err)
	}
	if err := Remove(dir, "f.json"); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
	if err := Write(filepath.Join(dir, "missing"), "f.json", nil); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
