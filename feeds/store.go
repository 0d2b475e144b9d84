package feeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"veille/internal/atomicfile"
)

// record is everything kept about one source, in one file of the store.
type record struct {
	Source    Source               `json:"source"`
	Status    Status               `json:"status"`
	Validator Validator            `json:"validator"`
	Items     map[string]itemState `json:"items,omitempty"`
}

// store keeps one JSON file a source in a folder, each replaced atomically.
type store struct{ dir string }

// openStore creates the folder if needed.
func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("feeds: create %s: %w", dir, err)
	}
	return &store{dir: dir}, nil
}

// load reads every source file. A file that cannot be read or decoded is
// an error naming it: sources are not dropped silently.
func (s *store) load() (map[string]*record, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("feeds: list %s: %w", s.dir, err)
	}
	recs := map[string]*record{}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			errs = append(errs, fmt.Errorf("feeds: read %s: %w", name, err))
			continue
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil || r.Source.ID == "" || r.Source.ID+".json" != name {
			errs = append(errs, fmt.Errorf("feeds: %s is not a source file (%v); move it away to start", filepath.Join(s.dir, name), err))
			continue
		}
		if r.Items == nil {
			r.Items = map[string]itemState{}
		}
		recs[r.Source.ID] = &r
	}
	return recs, errors.Join(errs...)
}

// save writes r's file.
func (s *store) save(r *record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("feeds: encode source %s: %w", r.Source.ID, err)
	}
	if err := atomicfile.Write(s.dir, r.Source.ID+".json", data); err != nil {
		return fmt.Errorf("feeds: save source %s: %w", r.Source.ID, err)
	}
	return nil
}

// remove deletes the file of source id.
func (s *store) remove(id string) error {
	if err := atomicfile.Remove(s.dir, id+".json"); err != nil {
		return fmt.Errorf("feeds: remove source %s: %w", id, err)
	}
	return nil
}
