package companies

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Word clusters: classes of words that unlabelled news writes in the same
// contexts, learnt without labels from a large corpus (semi-supervised
// NER's distributional classes) by [Clusterer] and embedded as
// data/clusters.txt (see ./mine). A word is one of its folded form
// written in lower case or capitalised ("orange" and "Orange" are two
// words). Each word's contexts are the words one and two places before
// and after it; their positive pointwise mutual information, normalised,
// is clustered by spherical k-means into fine clusters, whose centroids
// are clustered again into coarse ones. The classifier reads the clusters
// of a name's words and of the words around it: an unseen name written
// where the news writes firms ("a racheté X", "chez X", "X a levé") or
// that looks like names of firms gets the evidence a cue list would only
// give for the words chosen by hand.

// clusterTable holds the coarse cluster + 1 (0: none) of lower-case
// (low) and capitalised (up) words, by folded form: the classifier reads
// only the coarse ones, the fine ones are the step that groups words
// first (see [Clusterer.Write]).
type clusterTable struct {
	low, up map[string]uint16
}

//go:embed data/clusters.txt
var embeddedClusters string

var defaultClusters = sync.OnceValues(func() (clusterTable, error) { return readClusters(strings.NewReader(embeddedClusters)) })

// readClusters parses "word<TAB>fine coarse" lines, a capitalised word
// written with a leading '^', '#' comments.
func readClusters(r io.Reader) (clusterTable, error) {
	t := clusterTable{low: make(map[string]uint16, 16384), up: make(map[string]uint16, 16384)}
	err := eachTableLine(r, func(line int, w, rest string) error {
		fs, cs, ok := strings.Cut(rest, " ")
		fine, err1 := strconv.ParseUint(fs, 10, 16)
		coarse, err2 := strconv.ParseUint(cs, 10, 16)
		if !ok || err1 != nil || err2 != nil || w == "" || w == "^" || fine >= maxClusters || coarse >= maxClusters {
			return fmt.Errorf("%w: clusters line %d: want a word and two cluster numbers", ErrGazetteer, line)
		}
		if up, ok := strings.CutPrefix(w, "^"); ok {
			t.up[up] = uint16(coarse) + 1
		} else {
			t.low[w] = uint16(coarse) + 1
		}
		return nil
	})
	return t, err
}

// maxClusters bounds the cluster numbers; clusterNames are their feature values.
const maxClusters = 1024

var clusterNames = func() []string {
	out := make([]string, maxClusters+1)
	out[0] = "u"
	for i := 1; i <= maxClusters; i++ {
		out[i] = strconv.Itoa(i - 1)
	}
	return out
}()

// of returns the coarse cluster of token t as written, 0 for none.
func (t clusterTable) of(tok *token) uint16 {
	if tok.upper {
		return t.up[tok.fold]
	}
	return t.low[tok.fold]
}

// features adds the coarse clusters of the words just before and just
// after the name toks[i:end] in its sentence: two look-ups a candidate.
func (t clusterTable) features(f *features, toks []token, i, end int) {
	p1, n1 := "<s>", "</s>"
	if i > 0 && !toks[i].sent {
		p1 = clusterNames[t.of(&toks[i-1])]
	}
	if end < len(toks) && !toks[end].sent {
		n1 = clusterNames[t.of(&toks[end])]
	}
	f.add("cl-p1", p1)
	f.add("cl-n1", n1)
}

// Clusterer learns word clusters from many texts (see ./mine): [Clusterer.Add]
// each text, then [Clusterer.Write]. It is not safe for concurrent use.
type Clusterer struct {
	ids   map[string]int32 // word ('^' for capitalised) → id
	words []string
	count []int64
	seq   []int32 // every text's words, -1 between sentences
	toks  []token
	folds []byte
	buf   []byte
}

// NewClusterer returns an empty Clusterer.
func NewClusterer() *Clusterer { return &Clusterer{ids: map[string]int32{}} }

// numberWord stands for every number.
const numberWord = "<num>"

// Add reads one text.
func (cl *Clusterer) Add(text string) {
	cl.toks, cl.folds = tokenizeWith(cl.toks[:0], cl.folds, text)
	cl.seq = append(cl.seq, -1)
	for k := range cl.toks {
		t := &cl.toks[k]
		if t.sent && k > 0 {
			cl.seq = append(cl.seq, -1)
		}
		w := t.fold
		switch {
		case t.digit:
			w = numberWord
		case t.upper:
			cl.buf = append(append(cl.buf[:0], '^'), t.fold...)
			w = string(cl.buf)
		}
		id, ok := cl.ids[w]
		if !ok {
			id = int32(len(cl.words))
			cl.ids[w] = id
			cl.words = append(cl.words, w)
			cl.count = append(cl.count, 0)
		}
		cl.count[id]++
		cl.seq = append(cl.seq, id)
	}
}

// ClusterOptions configure [Clusterer.Write].
type ClusterOptions struct {
	Words    int    // most frequent words clustered
	MinCount int    // fewest occurrences of a clustered word
	Contexts int    // most frequent words used as contexts
	Fine     int    // fine clusters
	Coarse   int    // coarse clusters
	Rounds   int    // k-means iterations
	Seed     uint64 // of the k-means++ seeding
}

// Write clusters the words read and writes the table readClusters reads,
// after the header lines (as comments).
func (cl *Clusterer) Write(w io.Writer, o ClusterOptions, header []string) error {
	if o.Fine > maxClusters || o.Coarse > maxClusters || o.Fine <= 0 || o.Coarse <= 0 {
		return fmt.Errorf("companies: clusters: fine and coarse must be in 1..%d", maxClusters)
	}
	byFreq := make([]int32, len(cl.words))
	for i := range byFreq {
		byFreq[i] = int32(i)
	}
	slices.SortStableFunc(byFreq, func(a, b int32) int {
		if cl.count[a] != cl.count[b] {
			if cl.count[a] > cl.count[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(cl.words[a], cl.words[b])
	})
	ctx := make([]int32, len(cl.words)) // context index + 1 of each word, 0 none
	for r, id := range byFreq[:min(o.Contexts, len(byFreq))] {
		ctx[id] = int32(r + 1)
	}
	nc := int32(o.Contexts + 2) // contexts, a boundary, any other word
	row := make([]int32, len(cl.words))
	var vocab []int32
	for _, id := range byFreq {
		if len(vocab) >= o.Words || cl.count[id] < int64(o.MinCount) {
			break
		}
		if cl.words[id] == numberWord {
			continue
		}
		row[id] = int32(len(vocab) + 1)
		vocab = append(vocab, id)
	}
	// Co-occurrence counts: four positions (-2, -1, +1, +2) of nc contexts.
	dims := 4 * int(nc)
	counts := make([]map[int32]float64, len(vocab))
	for i := range counts {
		counts[i] = map[int32]float64{}
	}
	at := func(p int) int32 { // context of position p
		if p < 0 || p >= len(cl.seq) || cl.seq[p] < 0 {
			return int32(o.Contexts)
		}
		if c := ctx[cl.seq[p]]; c > 0 {
			return c - 1
		}
		return int32(o.Contexts + 1)
	}
	for p, id := range cl.seq {
		if id < 0 || row[id] == 0 {
			continue
		}
		m := counts[row[id]-1]
		l1 := at(p - 1)
		r1 := at(p + 1)
		m[l1]++
		m[nc+r1]++
		if l1 != int32(o.Contexts) {
			m[2*nc+at(p-2)]++
		}
		if r1 != int32(o.Contexts) {
			m[3*nc+at(p+2)]++
		}
	}
	// Positive PMI, rows normalised.
	colSum := make([]float64, dims)
	var total float64
	for _, m := range counts {
		for c, n := range m {
			colSum[c] += n
			total += n
		}
	}
	vecs := make([]sparseVec, len(vocab))
	for i, m := range counts {
		var rowSum float64
		for _, n := range m {
			rowSum += n
		}
		var v sparseVec
		for c, n := range m {
			pmi := math.Log(n * total / (rowSum * colSum[c]))
			if pmi > 0 {
				v.idx = append(v.idx, c)
				v.val = append(v.val, float32(pmi))
			}
		}
		v.sort()
		v.normalise()
		vecs[i] = v
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x636c7573))
	fine, cents := sphericalKMeans(vecs, dims, o.Fine, o.Rounds, rng)
	centVecs := make([]sparseVec, len(cents))
	for k, c := range cents {
		var v sparseVec
		for d, x := range c {
			if x != 0 {
				v.idx = append(v.idx, int32(d))
				v.val = append(v.val, x)
			}
		}
		v.normalise()
		centVecs[k] = v
	}
	coarse, _ := sphericalKMeans(centVecs, dims, o.Coarse, o.Rounds, rng)

	bw := bufio.NewWriter(w)
	for _, h := range header {
		fmt.Fprintf(bw, "# %s\n", h)
	}
	lines := make([]string, len(vocab))
	for i, id := range vocab {
		lines[i] = fmt.Sprintf("%s\t%d %d", cl.words[id], fine[i], coarse[fine[i]])
	}
	slices.Sort(lines)
	for _, l := range lines {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// sparseVec is a sparse vector, indices increasing.
type sparseVec struct {
	idx []int32
	val []float32
}

func (v *sparseVec) sort() {
	order := make([]int, len(v.idx))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return int(v.idx[a] - v.idx[b]) })
	idx, val := make([]int32, len(order)), make([]float32, len(order))
	for j, i := range order {
		idx[j], val[j] = v.idx[i], v.val[i]
	}
	v.idx, v.val = idx, val
}

func (v *sparseVec) normalise() {
	var s float64
	for _, x := range v.val {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v.val {
		v.val[i] *= inv
	}
}

func (v *sparseVec) dot(c []float32) float32 {
	var s float32
	for i, d := range v.idx {
		s += v.val[i] * c[d]
	}
	return s
}

// sphericalKMeans clusters unit vectors into k clusters by cosine
// similarity, seeded by k-means++ from rng, in rounds iterations; it
// returns each vector's cluster and the centroids.
func sphericalKMeans(vecs []sparseVec, dims, k, rounds int, rng *rand.Rand) ([]int, [][]float32) {
	k = min(k, len(vecs))
	cents := make([][]float32, k)
	dense := func(v sparseVec) []float32 {
		c := make([]float32, dims)
		for i, d := range v.idx {
			c[d] = v.val[i]
		}
		return c
	}
	// k-means++: each next seed drawn in proportion to its distance to the nearest seed.
	dist := make([]float64, len(vecs))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	next := rng.IntN(len(vecs))
	for j := range k {
		cents[j] = dense(vecs[next])
		var sum float64
		for i := range vecs {
			d := 1 - float64(vecs[i].dot(cents[j]))
			if d < dist[i] {
				dist[i] = d
			}
			sum += max(dist[i], 0)
		}
		r := rng.Float64() * sum
		for i := range vecs {
			r -= max(dist[i], 0)
			if r <= 0 {
				next = i
				break
			}
		}
	}
	assign := make([]int, len(vecs))
	for round := 0; round <= rounds; round++ {
		changed := 0
		for i := range vecs {
			best, bs := 0, float32(-2)
			for j, c := range cents {
				if s := vecs[i].dot(c); s > bs {
					best, bs = j, s
				}
			}
			if assign[i] != best || round == 0 {
				changed++
			}
			assign[i] = best
		}
		if round == rounds || changed == 0 {
			break
		}
		for j := range cents {
			clear(cents[j])
		}
		for i, v := range vecs {
			c := cents[assign[i]]
			for n, d := range v.idx {
				c[d] += v.val[n]
			}
		}
		for j, c := range cents {
			var s float64
			for _, x := range c {
				s += float64(x) * float64(x)
			}
			if s == 0 {
				cents[j] = dense(vecs[rng.IntN(len(vecs))]) // an empty cluster starts again
				continue
			}
			inv := float32(1 / math.Sqrt(s))
			for d := range c {
				c[d] *= inv
			}
		}
	}
	return assign, cents
}
