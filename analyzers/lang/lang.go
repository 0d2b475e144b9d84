package lang

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go"
	"golang.org/x/text/unicode/norm"
)

// Fallback is the language code of text in a language veille has no
// analyzer for, or whose language could not be detected reliably.
const Fallback = "xx"

// Languages lists the ISO 639-1 codes the detector tells apart, in the
// order that breaks ties.
var Languages = [...]string{"fr", "en", "de", "es", "it", "pt", "nl"}

// Defaults of [Options], chosen with TestDetectorSweep (go test
// ./analyzers -run TestDetectorSweep -langsweep -v) on lingua's 7,000 test
// sentences and on headlines alone, the hardest real case.
const (
	// DefaultLanguage is what a short or ambiguous text is taken to be:
	// veille's news are mostly French, so a short ambiguous headline is
	// most likely French.
	DefaultLanguage = "fr"
	// DefaultPrior is how much more likely the default language is assumed
	// to be than any other before the text is read. With 4, 97.3% of
	// OrangeSum headlines alone are detected as French (96.6% without), for
	// 82.6% of English BBC headlines (84.4%) and 98.20% of the sentences
	// (98.24%); 16 gives 98.3% / 76.1% / 97.9%.
	DefaultPrior = 4.0
	// DefaultMinLetters is the fewest letters a text needs to be detected
	// (20 cost 0.6 points on the sentences).
	DefaultMinLetters = 12
	// DefaultMinConfidence is the lowest confidence, after the prior, a
	// detected language needs to be accepted (0.5 and 0.7 lost non-French
	// short texts to the default and gained no French).
	DefaultMinConfidence = 0.3
	// DefaultSampleLetters is how many letters one detection pass reads.
	DefaultSampleLetters = 150
	// DefaultMaxSamples is how many passes an ambiguous text gets.
	DefaultMaxSamples = 3
)

// Options configure [NewDetectorWith]. The zero value of each
// field selects the default of the same name.
type Options struct {
	// DefaultLanguage is returned when the text has fewer than MinLetters
	// letters or no language reaches MinConfidence. It must be one of
	// [Languages]; [Fallback] makes every doubtful text "xx".
	DefaultLanguage string
	// Prior multiplies DefaultLanguage's confidence before the languages
	// are compared, then the confidences are normalised again: a prior
	// belief that most text is in DefaultLanguage. 1 disables it; it only
	// changes results for short text, long text gets confidences of ~0 or ~1.
	Prior float64
	// MinLetters: texts with fewer letters get DefaultLanguage.
	MinLetters int
	// MinConfidence: below it, DefaultLanguage.
	MinConfidence float64
	// SampleLetters is how many letters, from the start of the text, one
	// detection pass reads. A pass costs ~40 µs plus ~1.3 µs a letter up
	// to ~300 letters; beyond, lingua's confidences underflow float64 and
	// it switches to big decimals (1,000 letters: ~2 ms). 150 letters of
	// body alone detected all of 1,000 OrangeSum, 1,389 English and 1,028
	// German articles; 100 letters missed 4 of them.
	SampleLetters int
	// MaxSamples is how many consecutive samples are read while the
	// result stays below MinConfidence.
	MaxSamples int
}

func (o Options) withDefaults() Options {
	if o.DefaultLanguage == "" {
		o.DefaultLanguage = DefaultLanguage
	}
	if o.Prior <= 0 {
		o.Prior = DefaultPrior
	}
	if o.MinLetters <= 0 {
		o.MinLetters = DefaultMinLetters
	}
	if o.MinConfidence <= 0 {
		o.MinConfidence = DefaultMinConfidence
	}
	if o.SampleLetters <= 0 {
		o.SampleLetters = DefaultSampleLetters
	}
	if o.MaxSamples <= 0 {
		o.MaxSamples = DefaultMaxSamples
	}
	return o
}

// linguaLanguages maps the codes of [Languages] to lingua's.
var linguaLanguages = map[string]lingua.Language{
	"fr": lingua.French,
	"en": lingua.English,
	"de": lingua.German,
	"es": lingua.Spanish,
	"it": lingua.Italian,
	"pt": lingua.Portuguese,
	"nl": lingua.Dutch,
}

// Detector detects the language of article text with lingua-go, restricted
// to the languages of [Languages], in low accuracy mode: trigram models
// only, 6.6 MiB of heap. High accuracy mode would take 124 MiB (over the
// 100 MB budget) for one point more on sentences (99.3% vs 98.3%) and
// nothing on articles: lingua uses only trigrams for texts of 120 letters
// or more in either mode. The models are loaded once,
// by the constructor; they live in lingua's package-level cache and are
// shared by every Detector. A Detector is safe for concurrent use.
type Detector struct {
	lingua lingua.LanguageDetector
	words  functionWordGuesser
	french frenchMarkers
	opts   Options
	codes  map[lingua.Language]string // lingua language → code of Languages
}

// NewDetector builds a detector with the default options.
func NewDetector() *Detector {
	d, err := NewDetectorWith(Options{})
	if err != nil {
		panic(err) // unreachable: the defaults are valid
	}
	return d
}

// NewDetectorWith builds a detector with opts. It fails when
// opts.DefaultLanguage is not one of [Languages].
func NewDetectorWith(opts Options) (*Detector, error) {
	opts = opts.withDefaults()
	if _, ok := linguaLanguages[opts.DefaultLanguage]; !ok && opts.DefaultLanguage != Fallback {
		return nil, fmt.Errorf("lang: default language %q is not one of %v", opts.DefaultLanguage, Languages)
	}
	langs := make([]lingua.Language, 0, len(linguaLanguages))
	codes := make(map[lingua.Language]string, len(linguaLanguages))
	for _, code := range Languages {
		if l, ok := linguaLanguages[code]; ok {
			langs = append(langs, l)
			codes[l] = code
		}
	}
	det := lingua.NewLanguageDetectorBuilder().
		FromLanguages(langs...).
		WithLowAccuracyMode().
		WithPreloadedLanguageModels().
		Build()
	return &Detector{lingua: det, words: newFunctionWordGuesser(), french: newFrenchMarkers(), opts: opts, codes: codes}, nil
}

// Options returns the detector's options, defaults filled in.
func (d *Detector) Options() Options { return d.opts }

// Detect returns the ISO 639-1 code of text's language, one of [Languages]:
//   - the options' DefaultLanguage ("fr" by default) when text has fewer
//     than MinLetters letters or no language reaches MinConfidence;
//   - [Fallback] when text holds letters of no supported language's script
//     (Cyrillic, Chinese...) or no letters at all.
//
// Only the first SampleLetters letters are read, a further sample at a time
// up to MaxSamples while the result is ambiguous, so the cost is bounded
// whatever the length of text (title + body is the intended input).
//
// Article-length text whose first lines are dominated by one language's
// function words ("les", "the", "und"...) is decided by counting them,
// about 50 times cheaper than lingua; anything less clear goes to lingua.
// A short text (under 120 letters) lingua gives to another language is
// French when it holds French markers (French-only words and country
// names, elided articles, "Md€") and none of that language's function
// words: "Stellantis investit 2 Md€ en Italie." is French.
func (d *Detector) Detect(text string) string {
	if code, ok := d.words.guess(text); ok {
		return code
	}
	code, _ := d.detect(text)
	if code != "fr" && code != Fallback && d.opts.DefaultLanguage == "fr" && letterCount(text, shortLetters) < shortLetters &&
		d.french.count(text, code) >= 2 && d.words.count(text, code) == 0 {
		return "fr"
	}
	return code
}

// letterCount counts the letters of text, up to limit.
func letterCount(text string, limit int) int {
	n := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			n++
			if n >= limit {
				break
			}
		}
	}
	return n
}

// detect is [Detector.Detect] that also returns the winning confidence
// (0 when the default or the fallback was returned without detection).
func (d *Detector) detect(text string) (string, float64) {
	var (
		scores  = make(map[string]float64, len(d.codes))
		letters int
		rest    = text
	)
	for range d.opts.MaxSamples {
		var sample string
		var n int
		sample, n, rest = nextSample(rest, d.opts.SampleLetters)
		if n == 0 {
			break
		}
		letters += n
		if letters < d.opts.MinLetters {
			// too short to tell; do not spend time on it
			return d.opts.DefaultLanguage, 0
		}
		post := d.posterior(sample)
		if post == nil && len(scores) == 0 {
			return Fallback, 0
		}
		for code, p := range post {
			scores[code] += p * float64(n)
		}
		best, conf := top(scores, letters)
		if conf >= d.opts.MinConfidence {
			return best, conf
		}
	}
	if letters == 0 {
		return Fallback, 0
	}
	if letters < d.opts.MinLetters {
		return d.opts.DefaultLanguage, 0
	}
	if _, conf := top(scores, letters); conf == 0 {
		return Fallback, 0
	}
	return d.opts.DefaultLanguage, 0
}

// posterior returns lingua's confidences for sample, the default language's
// multiplied by the prior and renormalised; nil when every confidence is 0
// (no supported language uses the sample's script).
func (d *Detector) posterior(sample string) map[string]float64 {
	cvs := d.lingua.ComputeLanguageConfidenceValues(sample)
	post := make(map[string]float64, len(cvs))
	var sum float64
	for _, cv := range cvs {
		code, ok := d.codes[cv.Language()]
		if !ok || cv.Value() <= 0 {
			continue
		}
		v := cv.Value()
		if code == d.opts.DefaultLanguage {
			v *= d.opts.Prior
		}
		post[code] = v
		sum += v
	}
	if sum == 0 {
		return nil
	}
	for code := range post {
		post[code] /= sum
	}
	return post
}

// top returns the language with the highest score and its share of total
// (scores are confidences weighted by letters). Ties go to the first code
// in [Languages] order, so results are deterministic.
func top(scores map[string]float64, total int) (string, float64) {
	best, bestScore := "", 0.0
	for _, code := range Languages {
		if s := scores[code]; s > bestScore {
			best, bestScore = code, s
		}
	}
	if total == 0 {
		return best, 0
	}
	return best, bestScore / float64(total)
}

// nextSample returns the words of text holding its first max letters (the
// last word whole), joined by spaces and NFC-normalised, their letter count,
// and the text after them. Words are runs of letters and combining marks,
// as lingua splits them, so digits, punctuation, URLs' slashes and markup
// cost nothing.
func nextSample(text string, max int) (sample string, letters int, rest string) {
	var b strings.Builder
	i := 0
	for i < len(text) && letters < max {
		// skip to the next word
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			if unicode.IsLetter(r) {
				letters++
			}
			i += size
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(text[start:i])
	}
	sample = b.String()
	if !norm.NFC.IsNormalString(sample) {
		sample = norm.NFC.String(sample)
	}
	return sample, letters, text[i:]
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
}
