package companies

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// The classifier is a linear model over hashed features (an averaged
// perceptron, see train.go): a candidate's score is the sum of the
// weights of its features, and it names a firm when the best score of its
// name in the text exceeds the model's threshold.

// featureBits is the size of the hashed feature space: 2^20 weights.
const featureBits = 20

// FeatureVersion names the feature templates of features.go; a model
// trained with other templates is refused. Bump it with every change of
// the features, then retrain (see the package documentation).
const FeatureVersion = "companies-features-14"

// Model is a trained classifier: a weight per hashed feature and a
// decision threshold. It is immutable once built.
type Model struct {
	weights   []float32 // 1 << featureBits, for writing; nil in a model read
	threshold float32
	version   string
	table     weightTable // the non-zero weights, compact, for scoring
}

// Score returns the weight sum of features.
func (m *Model) Score(features []uint32) float32 {
	var s float32
	for _, f := range features {
		s += m.table.get(f)
	}
	return s
}

// weightTable holds the non-zero weights in an open-addressing table a
// few hundred kilobytes long: scoring reads it from the processor's
// caches rather than from a 4 MiB array.
type weightTable struct {
	keys []uint32 // feature index + 1; 0 is an empty slot
	vals []float32
	mask uint32
}

func newWeightTable(w []float32) weightTable {
	n := 0
	for _, x := range w {
		if x != 0 {
			n++
		}
	}
	size := 1024
	for size < 3*n {
		size *= 2
	}
	t := weightTable{keys: make([]uint32, size), vals: make([]float32, size), mask: uint32(size - 1)}
	for f, x := range w {
		if x == 0 {
			continue
		}
		i := uint32(f) * 2654435761 & t.mask
		for t.keys[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.keys[i], t.vals[i] = uint32(f)+1, x
	}
	return t
}

func (t *weightTable) get(f uint32) float32 {
	k := f + 1
	for i := f * 2654435761 & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return t.vals[i]
		case 0:
			return 0
		}
	}
}

// Threshold is the score above which a name is a firm.
func (m *Model) Threshold() float32 { return m.threshold }

//go:embed data/model.bin
var embeddedModel []byte

var defaultModel = sync.OnceValues(func() (*Model, error) { return ReadModel(bytes.NewReader(embeddedModel)) })

// ErrModel is wrapped by [ReadModel] errors for data that is not a model
// of this version of the features.
var ErrModel = errors.New("companies: invalid model")

const modelMagic = "veille-companies-model\n"

// WriteModel writes m, a model from [Finder.Train], in the format
// [ReadModel] reads: a header (magic, feature version, threshold), then
// the non-zero weights as (index, weight) pairs, little-endian.
func (m *Model) WriteModel(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString(modelMagic)
	buf.WriteString(m.version + "\n")
	binary.Write(&buf, binary.LittleEndian, m.threshold)
	n := uint32(0)
	for _, x := range m.weights {
		if x != 0 {
			n++
		}
	}
	binary.Write(&buf, binary.LittleEndian, n)
	for i, x := range m.weights {
		if x != 0 {
			binary.Write(&buf, binary.LittleEndian, uint32(i))
			binary.Write(&buf, binary.LittleEndian, x)
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// ReadModel reads a model written by [Model.WriteModel]. Errors wrap
// [ErrModel], or are the reader's.
func ReadModel(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(data, []byte(modelMagic))
	if !ok {
		return nil, fmt.Errorf("%w: no header", ErrModel)
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("%w: no version", ErrModel)
	}
	m := &Model{version: string(rest[:nl])}
	dense := make([]float32, 1<<featureBits)
	if m.version != FeatureVersion {
		return nil, fmt.Errorf("%w: trained for features %q, these are %q (retrain: go run ./analyzers/companies/train)", ErrModel, m.version, FeatureVersion)
	}
	rd := bytes.NewReader(rest[nl+1:])
	var n uint32
	if err := binary.Read(rd, binary.LittleEndian, &m.threshold); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	if err := binary.Read(rd, binary.LittleEndian, &n); err != nil || int(n) > len(dense) {
		return nil, fmt.Errorf("%w: bad weight count", ErrModel)
	}
	for range n {
		var i uint32
		var x float32
		if err := binary.Read(rd, binary.LittleEndian, &i); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrModel, err)
		}
		if err := binary.Read(rd, binary.LittleEndian, &x); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrModel, err)
		}
		if int(i) >= len(dense) || math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("%w: bad weight %d", ErrModel, i)
		}
		dense[i] = x
	}
	m.table = newWeightTable(dense) // the dense array is left to the collector
	return m, nil
}
