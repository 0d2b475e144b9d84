package analyzers

// Detector detects the language of article text (STUB: to be implemented).
type Detector struct{}

// NewDetector builds a detector for the languages of [Languages].
func NewDetector() *Detector { return &Detector{} }

// Detect returns the ISO 639-1 code of text's language, one of
// [Languages], or [Fallback] when the text is too short or ambiguous.
func (d *Detector) Detect(text string) string { return "fr" }
