package cluster

// Searching a sharded cluster: the node that receives a search asks one
// node of each shard group (core NATS request/reply; a queue group per
// partition set picks the node and fails over), in two rounds: the
// statistics of the query's terms in each group (summed, they are the
// whole corpus's), then the search itself scored with those statistics.
// The answers are merged as one index holding every article would answer:
// hits in the query's order, totals and facet counts summed (each group
// returns every facet value), the next cursor after the last hit of the
// merged page.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"veille/corpus"
	"veille/corpus/fold"
	"veille/index"
)

// Request kinds of the query subjects, in the hdrReq header.
const (
	hdrReq     = "Veille-Req"
	reqStats   = "stats"
	reqSearch  = "search"
	reqGet     = "get"
	getSubject = "veille.g." // + partition: read one article (queue group per partition)

	maxFacetSize = 1000 // index's bound: every value of a facet, for exact sums
	shardPage    = 100  // index's bound on a page
	minSeqWait   = 2 * time.Second
)

// shardRequest is what a node sends a shard group.
type shardRequest struct {
	Query  index.Query `json:"query"`
	MinSeq uint64      `json:"min_seq,omitempty"` // the group answers once it applied this sequence (or after minSeqWait)
	ID     string      `json:"id,omitempty"`      // reqGet
}

// shardReply is a shard group's answer; Err, when set, is the error.
type shardReply struct {
	Stats   *index.TermStats `json:"stats,omitempty"`
	Results *index.Results   `json:"results,omitempty"`
	Article *corpus.Article  `json:"article,omitempty"`
	Err     *replyError      `json:"error,omitempty"`
}

// replyError carries an error across nodes, with the sentinel it wraps.
type replyError struct {
	Kind    string `json:"kind"` // "invalid", "not_found", "closed" or ""
	Message string `json:"message"`
}

func toReplyError(err error) *replyError {
	kind := ""
	switch {
	case errors.Is(err, index.ErrInvalidQuery):
		kind = "invalid"
	case errors.Is(err, index.ErrNotFound):
		kind = "not_found"
	case errors.Is(err, index.ErrClosed):
		kind = "closed"
	}
	return &replyError{Kind: kind, Message: err.Error()}
}

func (e *replyError) error() error {
	switch e.Kind {
	case "invalid":
		return fmt.Errorf("%w: %s", index.ErrInvalidQuery, strings.TrimPrefix(e.Message, index.ErrInvalidQuery.Error()+": "))
	case "not_found":
		return fmt.Errorf("%w (%s)", index.ErrNotFound, e.Message)
	}
	return fmt.Errorf("%w: a shard failed: %s", ErrNoOwner, e.Message)
}

// serveQueries subscribes this node to the searches of its partition set
// and to the reads of each partition it owns.
func (n *Node) serveQueries() error {
	key := formatPartitions(n.owned)
	s, err := n.nc.QueueSubscribe(querySubject+key, key, func(m *nats.Msg) { go n.answer(m) })
	if err != nil {
		return fmt.Errorf("cluster: subscribe %s: %w", querySubject+key, err)
	}
	n.subs = append(n.subs, s)
	for _, p := range n.owned {
		subj := getSubject + strconv.Itoa(p)
		s, err := n.nc.QueueSubscribe(subj, subj, func(m *nats.Msg) { go n.answer(m) })
		if err != nil {
			return fmt.Errorf("cluster: subscribe %s: %w", subj, err)
		}
		n.subs = append(n.subs, s)
	}
	return nil
}

// answer runs a request of another node and replies.
func (n *Node) answer(m *nats.Msg) {
	var req shardRequest
	rep := shardReply{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := json.Unmarshal(m.Data, &req); err != nil {
		rep.Err = &replyError{Message: "bad request: " + err.Error()}
	} else if res, err := n.local(ctx, m.Header.Get(hdrReq), req); err != nil {
		rep.Err = toReplyError(err)
	} else {
		rep = res
	}
	b, err := json.Marshal(rep)
	if err != nil {
		b, _ = json.Marshal(shardReply{Err: &replyError{Message: "encode the reply: " + err.Error()}})
	}
	_ = m.Respond(b)
}

// local runs a shard request on this node's index.
func (n *Node) local(ctx context.Context, kind string, req shardRequest) (shardReply, error) {
	if req.MinSeq > 0 {
		wctx, cancel := context.WithTimeout(ctx, minSeqWait)
		_, _, _ = n.ap.wait(wctx, req.MinSeq) // read-your-writes of the node that asks, if in time
		cancel()
	}
	switch kind {
	case reqStats:
		st, err := n.idx.TermStats(ctx, req.Query)
		return shardReply{Stats: &st}, err
	case reqSearch:
		res, err := n.idx.Search(ctx, req.Query)
		return shardReply{Results: &res}, err
	case reqGet:
		a, err := n.idx.Get(ctx, req.ID)
		return shardReply{Article: &a}, err
	}
	return shardReply{}, fmt.Errorf("unknown request %q", kind)
}

// ask sends a request to the shard group of set key (this node answers
// its own group itself) or, for reqGet, to the owners of a partition.
func (n *Node) ask(ctx context.Context, subject, kind string, req shardRequest) (shardReply, error) {
	if subject == querySubject+formatPartitions(n.owned) && n.Status().Ready {
		return n.local(ctx, kind, req)
	}
	b, err := json.Marshal(req)
	if err != nil {
		return shardReply{}, fmt.Errorf("cluster: encode a request: %w", err)
	}
	msg := nats.NewMsg(subject)
	msg.Header.Set(hdrReq, kind)
	msg.Data = b
	rctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	m, err := n.nc.RequestMsgWithContext(rctx, msg)
	if err != nil {
		if ctx.Err() != nil {
			return shardReply{}, ctx.Err()
		}
		return shardReply{}, fmt.Errorf("%w: %s: %v", ErrNoOwner, subject, err)
	}
	var rep shardReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return shardReply{}, fmt.Errorf("%w: %s answered: %v", ErrNoOwner, subject, err)
	}
	if rep.Err != nil {
		return rep, rep.Err.error()
	}
	return rep, nil
}

// Search runs q: on this node's index when it holds every partition,
// otherwise across the shard groups (see the top of this file). Errors
// wrap index.ErrInvalidQuery, ErrNoOwner (a shard cannot answer),
// index.ErrClosed or ctx's error.
func (n *Node) Search(ctx context.Context, q index.Query) (index.Results, error) {
	if n.ownsAll {
		return n.idx.Search(ctx, q)
	}
	start := time.Now()
	rk, err := n.idx.Ranking(q)
	if err != nil {
		return index.Results{}, err
	}
	keys, err := cover(n.parts, n.groups())
	if err != nil {
		return index.Results{}, err
	}
	minSeq := func(key string) uint64 {
		ps, _ := ParsePartitions(strings.ReplaceAll(key, "_", ","))
		var s uint64
		for _, p := range ps {
			s = max(s, n.written[p].Load())
		}
		return s
	}

	// Round 1: the statistics of the query's terms, summed.
	var stats *index.TermStats
	if strings.TrimSpace(q.Text) != "" {
		sq := q
		sq.Cursor, sq.Page = "", 0
		reps, err := n.eachGroup(ctx, keys, func(key string) (shardReply, error) {
			return n.ask(ctx, querySubject+key, reqStats, shardRequest{Query: sq, MinSeq: minSeq(key)})
		})
		if err != nil {
			return index.Results{}, err
		}
		stats = &index.TermStats{}
		for _, r := range reps {
			stats.Add(*r.Stats)
		}
	}

	// Round 2: each group's top hits, every facet value.
	size := q.PerPage
	if size == 0 {
		size = 10
	}
	from := 0
	if q.Cursor == "" && q.Page > 1 {
		from = (q.Page - 1) * size
	}
	want := from + size
	reps, err := n.eachGroup(ctx, keys, func(key string) (shardReply, error) {
		return n.searchGroup(ctx, key, q, stats, want, minSeq(key))
	})
	if err != nil {
		return index.Results{}, err
	}
	res := mergeResults(rk, q, reps, from, size)
	res.Took = time.Since(start)
	return res, nil
}

// searchGroup returns the first want hits of the group of key, and its
// totals and facets; pages of at most shardPage hits are chained with
// the group's cursors.
func (n *Node) searchGroup(ctx context.Context, key string, q index.Query, stats *index.TermStats, want int, minSeq uint64) (shardReply, error) {
	sq := q
	sq.Stats = stats
	sq.FacetSize = maxFacetSize
	sq.Page = 1
	sq.PerPage = min(want, shardPage)
	if q.Cursor != "" {
		sq.PerPage = want // the cursor's page size: the client's
	}
	var out shardReply
	for {
		rep, err := n.ask(ctx, querySubject+key, reqSearch, shardRequest{Query: sq, MinSeq: minSeq})
		if err != nil {
			return rep, err
		}
		if out.Results == nil {
			out = rep
		} else {
			out.Results.Hits = append(out.Results.Hits, rep.Results.Hits...)
		}
		if len(out.Results.Hits) >= want || rep.Results.NextCursor == "" {
			return out, nil
		}
		sq.Cursor, sq.PerPage, minSeq = rep.Results.NextCursor, shardPage, 0
	}
}

// eachGroup calls f for every key at once and returns the replies in
// order, or the first error.
func (n *Node) eachGroup(ctx context.Context, keys []string, f func(key string) (shardReply, error)) ([]shardReply, error) {
	out := make([]shardReply, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = f(key)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeResults merges the groups' answers into the page [from, from+size).
func mergeResults(rk index.Ranking, q index.Query, reps []shardReply, from, size int) index.Results {
	var res index.Results
	var hits []index.Hit
	more := false
	for _, r := range reps {
		res.Total += r.Results.Total
		hits = append(hits, r.Results.Hits...)
		more = more || r.Results.NextCursor != ""
	}
	slices.SortStableFunc(hits, rk.Compare)
	if from < len(hits) {
		hits = hits[from:]
	} else {
		hits = nil
	}
	if len(hits) > size {
		hits, more = hits[:size], true
	}
	res.Hits = hits
	if res.Hits == nil {
		res.Hits = []index.Hit{}
	}
	if more && len(hits) > 0 {
		res.NextCursor = rk.CursorAfter(hits[len(hits)-1])
	}
	facetSize := q.FacetSize
	if facetSize == 0 {
		facetSize = 20
	}
	list := func(get func(*index.Facets) []index.FacetValue) [][]index.FacetValue {
		out := make([][]index.FacetValue, len(reps))
		for i, r := range reps {
			out[i] = get(&r.Results.Facets)
		}
		return out
	}
	f := &res.Facets
	f.Company = mergeTermFacet(list(func(f *index.Facets) []index.FacetValue { return f.Company }), facetSize, q.Companies)
	f.Country = mergeTermFacet(list(func(f *index.Facets) []index.FacetValue { return f.Country }), facetSize, q.Countries)
	f.Language = mergeTermFacet(list(func(f *index.Facets) []index.FacetValue { return f.Language }), facetSize, q.Languages)
	f.Amount = mergeOrdered(list(func(f *index.Facets) []index.FacetValue { return f.Amount }), func(a, b index.FacetValue) int {
		return cmpFloat(a.Min, b.Min)
	}, 0)
	f.Month = mergeOrdered(list(func(f *index.Facets) []index.FacetValue { return f.Month }), func(a, b index.FacetValue) int {
		return strings.Compare(b.Value, a.Value)
	}, facetSize)
	return res
}

// sumFacet adds up the counts of each value over lists, keeping the first
// list's other fields of a value.
func sumFacet(lists [][]index.FacetValue) []index.FacetValue {
	at := map[string]int{}
	var out []index.FacetValue
	for _, l := range lists {
		for _, v := range l {
			if i, ok := at[v.Value]; ok {
				out[i].Count += v.Count
				if out[i].Label == "" {
					out[i].Label = v.Label
				}
				continue
			}
			at[v.Value] = len(out)
			out = append(out, v)
		}
	}
	return out
}

// mergeTermFacet is a term facet of the whole corpus: counts summed, the
// size values with the most articles first (ties by value), then the
// selected values beyond them, as one index lists them.
func mergeTermFacet(lists [][]index.FacetValue, size int, selected []string) []index.FacetValue {
	all := sumFacet(lists)
	slices.SortFunc(all, func(a, b index.FacetValue) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	// Values with no article at all are only there because they are
	// selected: they come after the others, as the index puts them.
	counted := all[:0:0]
	var zero []index.FacetValue
	for _, v := range all {
		if v.Count > 0 {
			counted = append(counted, v)
		} else {
			zero = append(zero, v)
		}
	}
	out := counted[:min(size, len(counted))]
	out = slices.Clip(out)
	for _, v := range append(counted[min(size, len(counted)):], zero...) {
		if isSelected(v.Value, selected) && !slices.ContainsFunc(out, func(o index.FacetValue) bool { return o.Value == v.Value }) {
			out = append(out, v)
		}
	}
	if out == nil {
		out = []index.FacetValue{}
	}
	return out
}

// isSelected reports whether a facet value is one of the query's filter
// values, compared as the index does (case and accents aside).
func isSelected(value string, selected []string) bool {
	k := fold.Lower(value)
	for _, s := range selected {
		if fold.Lower(strings.TrimSpace(s)) == k {
			return true
		}
	}
	return false
}

// mergeOrdered sums a facet whose values have a fixed order (amount
// bands, months), cut to size values when size > 0.
func mergeOrdered(lists [][]index.FacetValue, cmp func(a, b index.FacetValue) int, size int) []index.FacetValue {
	out := sumFacet(lists)
	slices.SortFunc(out, cmp)
	if size > 0 && len(out) > size {
		out = out[:size]
	}
	return out
}

func cmpFloat(a, b *float64) int {
	x, y := math.Inf(-1), math.Inf(-1)
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
