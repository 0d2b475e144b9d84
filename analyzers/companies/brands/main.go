// Command brands derives the [brands] section of veille's gazetteer
// (analyzers/companies/data/brands.txt) from the brand files of the
// name-suggestion-index (https://github.com/osmlab/name-suggestion-index,
// BSD 3-Clause licence): the shops, restaurants, hotels, banks, fuel
// stations, carmakers' dealers and offices that OpenStreetMap tags with a
// brand and its Wikidata item.
//
//	git -C name-suggestion-index archive HEAD data/brands | tar -x -C /tmp/nsi
//	go run ./analyzers/companies/brands -in /tmp/nsi/data/brands \
//	    -commit "$(git -C name-suggestion-index rev-parse --short HEAD)"
//
// Kept: brands with a Wikidata item, written in Latin script, present in
// Europe, North America, Australia or worldwide, from the categories that
// are businesses (not schools, hospitals, places of worship, parties,
// unions, post boxes...). One line per Wikidata item: the brand name,
// then its English and French forms as aliases. A one-word name that is
// written as an ordinary capitalised word ("Guess", "Sterling") is marked
// ambiguous (~): it then needs company context in the text.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

func main() {
	in := flag.String("in", "data/brands", "the name-suggestion-index `folder` data/brands")
	commit := flag.String("commit", "", "the name-suggestion-index `commit` the files come from, for the header")
	out := flag.String("o", "analyzers/companies/data/brands.txt", "output `file`")
	flag.Parse()
	if err := run(*in, *commit, *out); err != nil {
		fmt.Fprintln(os.Stderr, "brands:", err)
		os.Exit(1)
	}
}

// regions are the locationSet codes kept: worldwide, Europe, North
// America, Oceania and their countries.
var regions = map[string]bool{
	"001": true, "150": true, "155": true, "154": true, "039": true, "151": true, "021": true, "003": true, "053": true, "eu": true,
	"fr": true, "gb": true, "us": true, "ca": true, "be": true, "ch": true, "lu": true, "mc": true, "de": true, "at": true,
	"it": true, "es": true, "pt": true, "nl": true, "ie": true, "dk": true, "se": true, "no": true, "fi": true, "is": true,
	"pl": true, "cz": true, "sk": true, "hu": true, "ro": true, "gr": true, "au": true, "nz": true,
}

// skip are the categories that are not businesses.
var skip = map[string]bool{
	"club": true, "emergency": true, "landuse": true,
	"amenity/animal_shelter": true, "amenity/bicycle_parking": true, "amenity/bicycle_repair_station": true,
	"amenity/childcare": true, "amenity/college": true, "amenity/community_centre": true, "amenity/kindergarten": true,
	"amenity/library": true, "amenity/mosque": true, "amenity/place_of_worship": true, "amenity/post_box": true,
	"amenity/public_bookcase": true, "amenity/school": true, "amenity/prep_school": true, "amenity/social_centre": true,
	"amenity/social_facility": true, "amenity/telephone": true, "amenity/toilets": true, "amenity/trolley_bay": true,
	"amenity/university": true, "amenity/waste_basket": true, "amenity/recycling": true, "amenity/hospital": true,
	"amenity/food_sharing": true, "amenity/doctors": true, "amenity/music_school": true, "amenity/parking": true,
	"amenity/weighbridge": true, "amenity/bicycle_rental": true, "amenity/vending_machine": true,
	"office/association": true, "office/government": true, "office/political_party": true, "office/union": true,
	"healthcare/blood_donation": true, "tourism/information": true, "shop/charity": true,
}

type item struct {
	LocationSet struct {
		Include []any `json:"include"`
	} `json:"locationSet"`
	Tags map[string]string `json:"tags"`
}

type brand struct {
	names map[string]int // brand tag → how many items give it
	alias map[string]bool
}

func run(in, commit, out string) error {
	byQID := map[string]*brand{}
	err := filepath.WalkDir(in, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, _ := filepath.Rel(in, path)
		cat := strings.TrimSuffix(filepath.ToSlash(rel), ".json")
		if top, _, _ := strings.Cut(cat, "/"); skip[top] || skip[cat] {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var f struct{ Items []item }
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, it := range f.Items {
			qid, name := it.Tags["brand:wikidata"], strings.TrimSpace(it.Tags["brand"])
			if qid == "" || !usable(name) || !inRegions(it.LocationSet.Include) {
				continue
			}
			br := byQID[qid]
			if br == nil {
				br = &brand{names: map[string]int{}, alias: map[string]bool{}}
				byQID[qid] = br
			}
			br.names[name]++
			for _, k := range []string{"brand:en", "brand:fr"} {
				if a := strings.TrimSpace(it.Tags[k]); usable(a) {
					br.alias[a] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Items of one name under several Wikidata items (national
	// franchises) make one entry.
	type entry struct {
		canon string
		alias map[string]bool
	}
	byName := map[string]*entry{}
	for _, br := range byQID {
		canon := ""
		for n, k := range br.names {
			if canon == "" || k > br.names[canon] || k == br.names[canon] && n < canon {
				canon = n
			}
		}
		key := strings.ToLower(canon)
		e := byName[key]
		if e == nil {
			e = &entry{canon: canon, alias: map[string]bool{}}
			byName[key] = e
		} else if canon < e.canon {
			e.canon = canon
		}
		for n := range br.names {
			e.alias[n] = true
		}
		for a := range br.alias {
			e.alias[a] = true
		}
	}
	var lines []string
	for _, e := range byName {
		var as []string
		for a := range e.alias {
			if !strings.EqualFold(a, e.canon) && !slices.Contains(as, mark(a)) {
				as = append(as, mark(a))
			}
		}
		slices.Sort(as)
		lines = append(lines, strings.Join(append([]string{mark(e.canon)}, as...), " | "))
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	var sb strings.Builder
	fmt.Fprintf(&sb, `# veille gazetteer: brands of shops, restaurants, hotels, banks, fuel
# stations and services, in the format of companies.txt. Weaker evidence
# than the curated [companies] list: its entries never replace an alias of
# another section, and the classifier weighs them apart. Generated by
# ./analyzers/companies/brands (see its doc for the selection).
#
# Source: data/brands of the name-suggestion-index
# (https://github.com/osmlab/name-suggestion-index, commit %s),
# 3-Clause BSD License:
#   Copyright 2026, name-suggestion-index contributors. Redistribution and
#   use in source and binary forms, with or without modification, are
#   permitted provided that the conditions of the 3-Clause BSD License are
#   met (https://opensource.org/licenses/BSD-3-Clause); the data is
#   provided "as is", without any warranty.

[brands]
`, commit)
	for _, l := range lines {
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return os.WriteFile(out, []byte(sb.String()), 0o644)
}

// usable reports whether name may be a gazetteer entry: Latin script,
// starting with a capital or digit, two letters at least, no bar.
func usable(name string) bool {
	if name == "" || strings.ContainsAny(name, "|~=#[]") {
		return false
	}
	letters := 0
	for _, r := range name {
		if r >= 0x250 && r != '’' && r != '–' {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	r, _ := utf8.DecodeRuneInString(name)
	return letters >= 2 && (unicode.IsUpper(r) || unicode.IsDigit(r))
}

// mark returns name with the ambiguity marker when it is one
// capitalised word of lower-case letters: a word of the language as much
// as a brand.
func mark(name string) string {
	if strings.ContainsAny(name, " -&'’.+0123456789") {
		return name
	}
	for i, r := range name {
		if i > 0 && !unicode.IsLower(r) {
			return name // "HMV", "McDonald", "iStores"
		}
	}
	return "~" + name
}

// inRegions reports whether a locationSet include list names a kept
// region ("fr", "us-ca.geojson", "gb-eng").
func inRegions(include []any) bool {
	for _, x := range include {
		s, ok := x.(string)
		if !ok {
			continue
		}
		s = strings.ToLower(strings.TrimSuffix(s, ".geojson"))
		if cc, _, _ := strings.Cut(s, "-"); regions[s] || regions[cc] {
			return true
		}
	}
	return false
}
