package stories

import (
	"strings"
	"testing"
)

// BenchmarkSign signs a 3 KB French article.
func BenchmarkSign(b *testing.B) {
	text := benchText()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Sign(text)
	}
}

// benchText is a 3 KB French article.
func benchText() string {
	return strings.Repeat("Le constructeur automobile a annoncé mardi la fermeture de son usine de Flins, qui emploie deux mille salariés. ", 27)
}
