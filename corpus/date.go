package corpus

import (
	"time"
)

// Dates written in page text are read by a small hand-written scanner on
// folded text (see fold: lower case, no accents) rather than regular
// expressions: ParseRaw looks for dates on most lines, and this keeps it
// fast.

// monthOf maps a folded month name or abbreviation, French or English, to
// its month; 0 if w is none.
func monthOf(w string) time.Month {
	switch w {
	case "janvier", "janv", "jan", "january":
		return time.January
	case "fevrier", "fevr", "fev", "february", "feb":
		return time.February
	case "mars", "mar", "march":
		return time.March
	case "avril", "avr", "april", "apr":
		return time.April
	case "mai", "may":
		return time.May
	case "juin", "june", "jun":
		return time.June
	case "juillet", "juil", "july", "jul":
		return time.July
	case "aout", "august", "aug":
		return time.August
	case "septembre", "september", "sept", "sep":
		return time.September
	case "octobre", "october", "oct":
		return time.October
	case "novembre", "november", "nov":
		return time.November
	case "decembre", "december", "dec":
		return time.December
	}
	return 0
}

// makeDate returns the UTC midnight of y-m-d, and false when the three
// numbers do not name a real day between 1900 and 2100.
func makeDate(y, m, d int) (time.Time, bool) {
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 31 September and the like
		return time.Time{}, false
	}
	return t, true
}

// findDate returns the first date written in the folded line f, its byte
// offset in f, and whether one was found. It reads ISO dates
// (2025-09-19, also as the start of a date-time), numeric day-first dates
// (19/09/2025, 19.09.2025, 19-09-2025; read month-first only when the
// second number is above 12, as in 09/19/2025), and dates with a French
// or English month name, abbreviated or not, before or after the day
// ("ven 19 sep 2025", "1er mars 2024", "September 19, 2025"). A date
// needs a four-digit year between 1900 and 2100.
func findDate(f string) (time.Time, int, bool) {
	if !containsDigitRun(f, 4) {
		return time.Time{}, 0, false
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if i > 0 && isWordByte(f[i-1]) {
			continue // not at the start of a word or number
		}
		if isDigit(c) {
			if t, ok := dateAtNumber(f, i); ok {
				return t, i, true
			}
		} else if c >= 'a' && c <= 'z' {
			if t, ok := dateAtMonth(f, i); ok {
				return t, i, true
			}
		}
	}
	return time.Time{}, 0, false
}

// dateAtNumber reads a date starting with the number at f[i:].
func dateAtNumber(f string, i int) (time.Time, bool) {
	a, j := number(f, i)
	switch n := j - i; {
	case n == 4: // 2025-09-19
		if j+6 <= len(f) && f[j] == '-' && f[j+3] == '-' {
			m, k := number(f, j+1)
			d, l := number(f, j+4)
			if k == j+3 && l == j+6 && (l == len(f) || !isDigit(f[l])) {
				return makeDate(a, m, d)
			}
		}
	case n == 1 || n == 2:
		// 19/09/2025, 19.09.2025, 19-09-2025
		if j < len(f) && (f[j] == '/' || f[j] == '.' || f[j] == '-') {
			sep := f[j]
			b, k := number(f, j+1)
			if k-j-1 >= 1 && k-j-1 <= 2 && k < len(f) && f[k] == sep {
				y, l := number(f, k+1)
				if l-k-1 == 4 && (l == len(f) || !isWordByte(f[l])) {
					d, m := a, b
					if b > 12 && a <= 12 {
						d, m = b, a
					}
					return makeDate(y, m, d)
				}
			}
			return time.Time{}, false
		}
		// 19 sep 2025, 1er mars 2024, 19th September 2025
		k := skipOrdinal(f, j)
		k = skipSpaces(f, k)
		if k == j || k >= len(f) {
			return time.Time{}, false
		}
		w, l := word(f, k)
		mo := monthOf(w)
		if mo == 0 {
			return time.Time{}, false
		}
		l = skipByte(f, l, '.')
		if y, ok := yearAfter(f, l); ok {
			return makeDate(y, int(mo), a)
		}
	}
	return time.Time{}, false
}

// dateAtMonth reads a month-first date at f[i:]: "september 19, 2025".
func dateAtMonth(f string, i int) (time.Time, bool) {
	w, j := word(f, i)
	mo := monthOf(w)
	if mo == 0 {
		return time.Time{}, false
	}
	j = skipByte(f, j, '.')
	k := skipSpaces(f, j)
	if k == j {
		return time.Time{}, false
	}
	d, l := number(f, k)
	if l-k < 1 || l-k > 2 {
		return time.Time{}, false
	}
	l = skipOrdinal(f, l)
	if y, ok := yearAfter(f, l); ok {
		return makeDate(y, int(mo), d)
	}
	return time.Time{}, false
}

// yearAfter reads the year that ends a date with a month name at f[l:]:
// an optional comma, at least one space, then four digits that end the
// word.
func yearAfter(f string, l int) (int, bool) {
	l = skipByte(f, l, ',')
	m := skipSpaces(f, l)
	if m == l {
		return 0, false
	}
	y, e := number(f, m)
	return y, e-m == 4 && (e == len(f) || !isWordByte(f[e]))
}

// number reads the decimal digits at f[i:] and returns their value (capped
// at 5 digits) and the index after them.
func number(f string, i int) (int, int) {
	n, j := 0, i
	for j < len(f) && isDigit(f[j]) {
		if j-i < 5 {
			n = n*10 + int(f[j]-'0')
		}
		j++
	}
	return n, j
}

// word reads the ASCII letters at f[i:].
func word(f string, i int) (string, int) {
	j := i
	for j < len(f) && f[j] >= 'a' && f[j] <= 'z' {
		j++
	}
	if j < len(f) && f[j] >= 0x80 { // a word with other letters: not a month
		return "", j
	}
	return f[i:j], j
}

// skipOrdinal skips "er", "st", "nd", "rd", "th" right after a day number.
func skipOrdinal(f string, i int) int {
	if i+2 <= len(f) {
		switch f[i : i+2] {
		case "er", "st", "nd", "rd", "th":
			if i+2 == len(f) || !isWordByte(f[i+2]) {
				return i + 2
			}
		}
	}
	return i
}

func skipSpaces(f string, i int) int {
	for i < len(f) && f[i] == ' ' {
		i++
	}
	return i
}

func skipByte(f string, i int, c byte) int {
	if i < len(f) && f[i] == c {
		return i + 1
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isWordByte reports bytes that belong to a word or a number (any
// non-ASCII byte counts as a letter).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c >= 0x80
}

// containsDigitRun reports whether s holds n ASCII digits in a row: every
// date findDate reads has a four-digit year, so lines without one are
// skipped cheaply.
func containsDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
