package api

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// amountRE is an amount once its spaces and its currency are removed: a
// number (digits, grouping dots or commas, an exponent) and a unit.
var amountRE = regexp.MustCompile(`^([0-9][0-9.,]*(?:e[+-]?[0-9]+)?)(k|mille|m|millions?|md|mds|mrd|mrds|milliards?|g|b|bn)?$`)

// euroSuffixRE is the euro sign or word that may end an amount.
var euroSuffixRE = regexp.MustCompile(`(?:d['’]|de)?(?:€|eur|euros?)$`)

// errAmount is the error of an amount ParseEuros cannot read.
var errAmount = errors.New("must be an amount of euros such as 500000, 1e9, 100 M or 1,5 Md")

// ParseEuros reads an amount of euros as people write one, in French or
// in English: a number ("1000000", "1e9", "2500000.50", "2,5" with a
// decimal comma, "30 000" or "500.000" with grouped thousands), then
// optionally a unit (k or mille; M, million, millions; Md, Mds, Mrd,
// milliard, milliards, G, B, bn) and the euro sign or word (€, EUR,
// euros, "d'euros"). It is the one parser of amounts: the API's
// amount_min and amount_max, the command line's --amount-min and the
// page's amount box (which sends what was typed) all go through it.
func ParseEuros(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\u00a0', '\u202f', '_':
			return -1
		}
		return r
	}, t)
	t = euroSuffixRE.ReplaceAllString(t, "")
	m := amountRE.FindStringSubmatch(t)
	if m == nil {
		return 0, errAmount
	}
	num := m[1]
	switch {
	case strings.Contains(num, ","):
		// French: "1.234,5" or "2,5".
		num = strings.ReplaceAll(num, ".", "")
		if strings.Count(num, ",") > 1 {
			if !groupedThousands(num, ',') {
				return 0, errAmount
			}
			num = strings.ReplaceAll(num, ",", "") // "1,234,567": English grouping
		} else {
			num = strings.Replace(num, ",", ".", 1)
		}
	case groupedThousands(num, '.'):
		num = strings.ReplaceAll(num, ".", "") // "500.000"
	}
	if strings.Count(num, ".") > 1 {
		return 0, errAmount
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, errAmount
	}
	switch u := m[2]; {
	case u == "k" || u == "mille":
		v *= 1e3
	case u == "m" || strings.HasPrefix(u, "million"):
		v *= 1e6
	case u != "":
		v *= 1e9
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errAmount
	}
	return v, nil
}

// groupedThousands reports whether s is digits grouped by three with sep
// ("500.000", "1.234.567").
func groupedThousands(s string, sep byte) bool {
	parts := strings.Split(s, string(sep))
	if len(parts) < 2 || len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}
