package index

// What a search reports of the words it searched in the place of the
// query's: Results.Corrections.

import (
	"context"
	"strings"

	"veille/corpus/fold"
)

// corrections returns, for each word of cq that a correction or a
// completion stands for (see expansion.correction), the word searched in
// its place, as the corpus writes it; across languages, the correction
// found in the most documents wins.
func corrections(ctx context.Context, g *generation, r *memoReader, cq compiledQuery) (map[string]string, error) {
	out := map[string]string{}
	type choice struct {
		q  *termQuery
		nt nearTerm
	}
	best := map[string]choice{}
	searched := cq.Log.expansions()
	exact := map[string]bool{} // words found as they are in some language, with nothing preferred
	for q, ex := range searched {
		if ex.correction < 0 && ex.df > 0 {
			exact[q.Word] = true
		}
	}
	for q, ex := range searched {
		if ex.correction < 0 || exact[q.Word] {
			continue
		}
		nt := ex.near[ex.correction]
		if b, ok := best[q.Word]; ok && (b.nt.df > nt.df || b.nt.df == nt.df && b.nt.term <= nt.term) {
			continue
		}
		best[q.Word] = choice{q, nt}
	}
	for word, c := range best {
		w, err := surfaceOf(ctx, g, r, c.q.Lang, c.nt.term, c.nt.surface)
		if err != nil {
			return nil, err
		}
		if looseKey(w) != looseKey(word) {
			out[word] = w
		}
	}
	return out, nil
}

// surfaceOf returns how the text of an article holding term (in lang's
// title or body) writes it, lower-cased: the word that folds to want
// when there is one, else the first; want, else term, when no text is
// found.
func surfaceOf(ctx context.Context, g *generation, r *memoReader, lang, term, want string) (string, error) {
	fallback := want
	if fallback == "" {
		fallback = term
	}
	if term == "" {
		return fallback, nil
	}
	for _, part := range []string{"body", "title"} {
		field := part + "_" + lang
		an := g.builder.text[field]
		if an == nil {
			continue
		}
		// The snapshot's own reader: a document of this index, not a count.
		tfr, err := r.IndexSnapshot.TermFieldReader(ctx, []byte(term), field, false, false, false)
		if err != nil {
			return "", err
		}
		tfd, err := tfr.Next(nil)
		if cerr := tfr.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", err
		}
		if tfd == nil {
			continue
		}
		text, err := r.storedText(tfd.ID, part, maxSurfaceBytes)
		if err != nil {
			return "", err
		}
		var first [256]bool
		first[term[0]] = true
		found, exact := "", false
		visitTokensStartingWith(an, text, &first, false, func(t []byte, _, start, end int) {
			if exact || string(t) != term {
				return
			}
			s := string(text[start:end])
			s = strings.ToLower(s[skipElision(s, 0, len(s)):])
			if want != "" && fold.Lower(s) == want {
				found, exact = s, true
			} else if found == "" {
				found = s
			}
		})
		if found != "" {
			return found, nil
		}
	}
	return fallback, nil
}
