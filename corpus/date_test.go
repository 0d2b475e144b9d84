package corpus

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"veille/corpus/corpustest"
	"veille/corpus/fold"
)

// FuzzFindDate checks that findDate never panics, that the date it
// finds is one it may read (a year from 1900 to 2100) and that its
// offset is inside the line.
func FuzzFindDate(f *testing.F) {
	for _, s := range []string{"ven 19 sep 2025", "2025-09-19T10:00", "19/09/2025", "09/19/2025", "1er mars 2024",
		"september 19, 2025", "19th September 2025", "31/02/2020", "2025-13-45", "1 1 1 1 2025", "sep sep sep",
		"\xff 19 sep 2025", "19.09.", "mars 2024"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := fold.LowerPunct(s)
		d, at, ok := findDate(line)
		if !ok {
			return
		}
		if at < 0 || at >= len(line) {
			t.Fatalf("findDate(%q): offset %d outside the line", line, at)
		}
		if y := d.Year(); y < 1900 || y > 2100 || d.Location() != time.UTC {
			t.Fatalf("findDate(%q) = %v", line, d)
		}
	})
}

// costlyDates returns about n bytes of a single line built to be costly
// for findDate: numbers, month names and separators in every order, and
// long runs of digits and letters, but no year (numbers are never glued
// together), so that the whole line is read.
func costlyDates(n int) string {
	rng := rand.New(rand.NewPCG(uint64(n), 5))
	parts := []string{"19 ", "sep", "/", ".", "-", "1er ", "mars", "september", ",", " ", "  ", "31 ",
		"99999999 ", "aaaaaaaaaaaa", "th", "19/09/", "19.09. ", "2 25 "}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(parts[rng.IntN(len(parts))])
		if rng.IntN(3) == 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// TestFindDateScalesLinearly checks the growth of findDate's cost on one
// long line that holds no date it reads.
func TestFindDateScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("reads megabytes")
	}
	corpustest.CheckLinear(t, "findDate", costlyDates, func(line string) {
		if _, _, ok := findDate(line); ok {
			t.Fatal("a date in a line built to hold none")
		}
	})
}
