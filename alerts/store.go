package alerts

// What the alerts folder holds:
//
//	alerts.json      the saved searches, replaced atomically on each change
//	matches.log      one JSON record a line, appended and fsync'ed: the
//	                 matches of each batch, then {"checked": N}, the
//	                 batch's number (index.Commit.Seq)
//	deliveries.log   one JSON record a line: each webhook delivery before
//	                 its first attempt (fsync'ed: its id and matches are
//	                 fixed), its failed attempts, its success (fsync'ed)
//
// A crash can tear the last line of a log; it is cut off when the log is
// opened again. Records are never rewritten.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"veille/index"
	"veille/internal/atomicfile"
)

const (
	alertsFile     = "alerts.json"
	matchesFile    = "matches.log"
	deliveriesFile = "deliveries.log"
)

// logFile is an append-only file of JSON lines.
type logFile struct {
	f   *os.File
	mu  sync.Mutex
	buf bytes.Buffer // the records of an append, kept for the next (a batch's matches are a few KiB)
}

// scanLog calls each with every complete line of dir/name (none when it
// does not exist) and returns the length they make up: a torn last line
// is not part of it.
func scanLog(dir, name string, each func(line []byte) error) (int64, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("alerts: open %s: %w", name, err)
	}
	defer f.Close()
	good, err := readLines(f, each)
	if err != nil {
		return 0, fmt.Errorf("alerts: read %s: %w", name, err)
	}
	return good, nil
}

// openLog opens dir/name for appending after its first good bytes (what
// scanLog read): a torn end is cut off.
func openLog(dir, name string, good int64) (*logFile, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("alerts: open %s: %w", name, index.DiskError(err))
	}
	if err := f.Truncate(good); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("alerts: cut the torn end of %s: %w", name, index.DiskError(err))
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("alerts: %s: %w", name, err)
	}
	return &logFile{f: f}, nil
}

// readLines calls each with every complete line of r and returns the
// length of the part they make up.
func readLines(r io.Reader, each func([]byte) error) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var good int64
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return good, nil // a line without its newline is torn
		}
		if err != nil {
			return good, err
		}
		body := bytes.TrimSpace(line)
		if len(body) > 0 && json.Valid(body) {
			if err := each(body); err != nil {
				return good, err
			}
		} else if len(body) > 0 {
			// Garbage left by a torn write that later appends followed:
			// skipped, as nothing was acknowledged on it.
		}
		good += int64(len(line))
	}
}

// append writes records, one a line, and fsyncs them when sync is set.
func (l *logFile) append(sync bool, records ...any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	buf := &l.buf
	buf.Reset()
	defer func() {
		if buf.Cap() > 1<<20 {
			*buf = bytes.Buffer{} // not kept past 1 MiB (a large batch's)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("alerts: encode a record: %w", err)
		}
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("alerts: write %s: %w", filepath.Base(l.f.Name()), index.DiskError(err))
	}
	if sync {
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("alerts: sync %s: %w", filepath.Base(l.f.Name()), index.DiskError(err))
		}
	}
	return nil
}

func (l *logFile) close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}

// saveAlerts replaces alerts.json with list.
func saveAlerts(dir string, list []*Alert) error {
	data, err := json.MarshalIndent(struct {
		Alerts []*Alert `json:"alerts"`
	}{list}, "", "  ")
	if err != nil {
		return fmt.Errorf("alerts: encode %s: %w", alertsFile, err)
	}
	if err := atomicfile.Write(dir, alertsFile, append(data, '\n')); err != nil {
		return fmt.Errorf("alerts: write %s: %w", alertsFile, index.DiskError(err))
	}
	return nil
}

// loadAlerts reads alerts.json; none when it does not exist.
func loadAlerts(dir string) ([]*Alert, error) {
	data, err := os.ReadFile(filepath.Join(dir, alertsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alerts: read %s: %w", alertsFile, err)
	}
	var file struct {
		Alerts []*Alert `json:"alerts"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("alerts: %s is damaged (%v): restore it from a backup or remove it to start without alerts", filepath.Join(dir, alertsFile), err)
	}
	return file.Alerts, nil
}

// matchRecord is one line of matches.log: a match, or the end of a batch.
type matchRecord struct {
	*Match
	Checked uint64 `json:"checked,omitempty"`
}

// deliveryRecord is one line of deliveries.log.
type deliveryRecord struct {
	Op      string `json:"op"` // "send", "fail" or "done"
	ID      string `json:"id"`
	Alert   string `json:"alert"`
	From    uint64 `json:"from,omitempty"` // send: the matches after From...
	To      uint64 `json:"to,omitempty"`   // ...up to To, by sequence
	Count   int    `json:"count,omitempty"`
	Attempt int    `json:"attempt,omitempty"`
	Status  int    `json:"status,omitempty"`
	Error   string `json:"error,omitempty"`
	At      string `json:"at"`
}
