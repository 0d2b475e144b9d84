// Package stories recognises near-duplicate articles (one agency
// dispatch syndicated by several outlets, lightly edited, shortened or
// retitled) so that they share a story id.
//
// An article's text is folded (case and accents, corpus/fold), cut into words and
// shingles of [ShingleWords] words; its [Signature] is the MinHash of the
// shingles ([NumHashes] hash functions) plus their count. Two signatures
// match when the estimated containment of the smaller shingle set in the
// larger reaches [Threshold] and, when both articles are dated, they were
// published at most [Window] apart (follow-ups written days later reuse
// background paragraphs, copies do not wait). Candidates are found by
// locality-sensitive hashing: the signature cut into [NumBands] bands of
// [BandRows] values, each band hashed to a [Band]; articles sharing a band
// are compared. The values are tuned on labelled OrangeSum pairs
// (testdata/README.md).
package stories

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"veille/corpus/fold"
)

// Parameters of the signatures and of the match.
const (
	// ShingleWords is the length of a shingle, in words.
	ShingleWords = 4
	// NumHashes is the number of MinHash functions.
	NumHashes = 64
	// BandRows is the number of MinHash values in one LSH band.
	BandRows = 2
	// NumBands is the number of LSH bands.
	NumBands = NumHashes / BandRows
	// MinShingles is the fewest shingles a text needs to be matched at all
	// (shorter texts are their own story).
	MinShingles = 12
	// Threshold is the estimated containment from which two texts are one
	// story.
	Threshold = 0.50
	// Window is how far apart two dated articles of one story may be.
	Window = 7 * 24 * time.Hour
)

// Signature is the MinHash signature of a text's shingles.
type Signature struct {
	// Mins holds the smallest value of each hash function over the
	// shingles.
	Mins [NumHashes]uint32
	// Shingles is the number of distinct shingles (0 for an empty text).
	Shingles uint32
}

// Sign returns the signature of text.
func Sign(text string) Signature {
	var s Signature
	shingles := shingleHashes(text)
	// One hash function at a time over every shingle: the running
	// minimum stays in a register.
	for k := range s.Mins {
		m, a, lo := mults[k], adds[k], ^uint32(0)
		for _, x := range shingles {
			lo = min(lo, uint32((m*x+a)>>32))
		}
		s.Mins[k] = lo
	}
	s.Shingles = uint32(len(shingles))
	return s
}

// wordBytes[c] is true for the ASCII bytes that are letters or digits.
var wordBytes = func() (w [utf8.RuneSelf]bool) {
	for c := range rune(utf8.RuneSelf) {
		w[c] = unicode.IsLetter(c) || unicode.IsDigit(c)
	}
	return w
}()

// shingleHashes returns the distinct hashes of the shingles of text's
// folded words (a text of fewer than ShingleWords words is one shingle).
// Words are the runs of letters and digits of fold.Lower(text), folded
// here a rune at a time (the fold of a text is that of its runes, one
// after the other) without a copy of the text.
func shingleHashes(text string) []uint64 {
	var ring [ShingleWords]uint64
	out := make([]uint64, 0, len(text)/6+1)
	words := 0
	add := func() {
		x := uint64(0)
		for i := range min(words, ShingleWords) {
			x = x*0x100000001b3 + ring[(words-1-i)%ShingleWords]
		}
		out = append(out, mix(x))
	}
	const offset, prime = 14695981039346656037, 1099511628211
	h, inWord := uint64(offset), false
	endWord := func() {
		if inWord {
			ring[words%ShingleWords] = h
			words++
			if words >= ShingleWords {
				add()
			}
			h, inWord = offset, false
		}
	}
	var folded [16]byte
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if wordBytes[c] {
				h = (h ^ uint64(c)) * prime
				inWord = true
			} else {
				endWord()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		f := fold.AppendLowerRune(folded[:0], r)
		for len(f) > 0 {
			r, size := utf8.DecodeRune(f)
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				h = (h ^ uint64(r)) * prime // the rune's value, not its bytes
				inWord = true
			} else {
				endWord()
			}
			f = f[size:]
		}
	}
	endWord()
	if words > 0 && words < ShingleWords {
		add()
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mults and adds are the NumHashes hash functions' multiply-shift
// parameters (odd multipliers), drawn from a fixed seed.
var mults, adds = func() (m, a [NumHashes]uint64) {
	x := uint64(0x5eed0f570e1e5)
	for i := range m {
		x += 0x9e3779b97f4a7c15
		m[i] = mix(x) | 1
		x += 0x9e3779b97f4a7c15
		a[i] = mix(x)
	}
	return m, a
}()

// mix is splitmix64's finaliser: a bijection that scatters bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Matchable reports whether s has enough shingles to be compared.
func (s Signature) Matchable() bool { return s.Shingles >= MinShingles }

// Jaccard estimates the Jaccard similarity of the two shingle sets.
func (s Signature) Jaccard(o Signature) float64 {
	same := 0
	for i := range s.Mins {
		if s.Mins[i] == o.Mins[i] {
			same++
		}
	}
	return float64(same) / NumHashes
}

// Containment estimates the share of the smaller shingle set found in
// the larger: |A∩B| / min(|A|, |B|), from the Jaccard estimate J and the
// set sizes (|A∩B| = J(|A|+|B|)/(1+J)). It is at most 1.
func (s Signature) Containment(o Signature) float64 {
	small := min(s.Shingles, o.Shingles)
	if small == 0 {
		return 0
	}
	j := s.Jaccard(o)
	inter := j * float64(s.Shingles+o.Shingles) / (1 + j)
	return min(1, inter/float64(small))
}

// Band is the hash of one LSH band of a signature, tagged with the band's
// number: two signatures with an equal Band agree on that band.
type Band uint64

// Bands returns the NumBands bands of s.
func (s Signature) Bands() [NumBands]Band {
	var out [NumBands]Band
	var buf [4 * BandRows]byte
	for b := range out {
		for r := range BandRows {
			binary.LittleEndian.PutUint32(buf[4*r:], s.Mins[b*BandRows+r])
		}
		h := fnv.New64a()
		h.Write(buf[:])
		out[b] = Band(h.Sum64()&^(0xff<<56) | uint64(b)<<56)
	}
	return out
}

// String writes a band as 16 hex digits (an index term).
func (b Band) String() string { return fmt.Sprintf("%016x", uint64(b)) }

// ErrBadSignature is returned by [Signature.UnmarshalBinary] for data that
// is no signature.
var ErrBadSignature = errors.New("stories: malformed signature")

// MarshalBinary encodes s in 4+4×NumHashes bytes.
func (s Signature) MarshalBinary() ([]byte, error) {
	out := make([]byte, 4+4*NumHashes)
	binary.LittleEndian.PutUint32(out, s.Shingles)
	for i, m := range s.Mins {
		binary.LittleEndian.PutUint32(out[4+4*i:], m)
	}
	return out, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (s *Signature) UnmarshalBinary(data []byte) error {
	if len(data) != 4+4*NumHashes {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadSignature, len(data), 4+4*NumHashes)
	}
	s.Shingles = binary.LittleEndian.Uint32(data)
	for i := range s.Mins {
		s.Mins[i] = binary.LittleEndian.Uint32(data[4+4*i:])
	}
	return nil
}

// Member is an article already given a story.
type Member struct {
	ID        string
	Story     string
	Published time.Time
	Signature Signature
}

// Matches reports whether a and b are one story (see the package doc)
// and the estimated containment.
func Matches(a, b Member) (float64, bool) {
	if !a.Signature.Matchable() || !b.Signature.Matchable() {
		return 0, false
	}
	if !a.Published.IsZero() && !b.Published.IsZero() {
		d := a.Published.Sub(b.Published)
		if d > Window || d < -Window {
			return 0, false
		}
	}
	c := a.Signature.Containment(b.Signature)
	return c, c >= Threshold
}

// StoryOf returns the story of article a among the candidates: the story
// of the best-matching one, else a.ID (an article with no copy is its own
// story). A candidate with a.ID itself is skipped.
func StoryOf(a Member, candidates []Member) string {
	best, story := 0.0, a.ID
	for _, c := range candidates {
		if c.ID == a.ID {
			continue
		}
		if score, ok := Matches(a, c); ok && (score > best || score == best && c.Story < story) {
			best, story = score, c.Story
		}
	}
	return story
}
