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
	reqArticle = "article"   // an article and its marks
	getSubject = "veille.g." // + partition: read one article (queue group per partition)

	maxFacetSize = 1000 // index's bound: every value of a facet, for exact sums
	shardPage    = 100  // index's bound on a page
	minSeqWait   = 2 * time.Second
)

// shardRequest is what a node sends a shard group.
type shardRequest struct {
	Query  index.Query `json:"query"`
	MinSeq uint64      `json:"min_seq,omitempty"` // the group answers once it applied this sequence (or after minSeqWait)
	ID     string      `json:"id,omitempty"`      // reqGet, reqArticle
}

// shardReply is a shard group's answer; Err, when set, is the error.
type shardReply struct {
	Stats   *index.TermStats `json:"stats,omitempty"`
	Results *index.Results   `json:"results,omitempty"`
	Article *corpus.Article  `json:"article,omitempty"`
	Marks   *index.Marks     `json:"marks,omitempty"`
	Err     *replyError      `json:"error,omitempty"`
}

// replyError carries an error across nodes, with the sentinel it wraps.
type replyError struct {
	Kind    string `json:"kind"` // "query", "invalid", "not_found", "busy", "closed" or ""
	Message string `json:"message"`
	Field   string `json:"field,omitempty"` // "query": the index.QueryError
	Reason  string `json:"reason,omitempty"`
}

func toReplyError(err error) *replyError {
	var qe *index.QueryError
	kind := ""
	switch {
	case errors.As(err, &qe):
		return &replyError{Kind: "query", Message: err.Error(), Field: qe.Field, Reason: qe.Reason}
	case errors.Is(err, index.ErrInvalidQuery):
		kind = "invalid"
	case errors.Is(err, index.ErrNotFound):
		kind = "not_found"
	case errors.Is(err, index.ErrBusy):
		kind = "busy"
	case errors.Is(err, index.ErrClosed):
		kind = "closed"
	}
	return &replyError{Kind: kind, Message: err.Error()}
}

func (e *replyError) error() error {
	switch e.Kind {
	case "query":
		return &index.QueryError{Field: e.Field, Reason: e.Reason}
	case "invalid":
		return fmt.Errorf("%w: %s", index.ErrInvalidQuery, strings.TrimPrefix(e.Message, index.ErrInvalidQuery.Error()+": "))
	case "not_found":
		return fmt.Errorf("%w (%s)", index.ErrNotFound, e.Message)
	case "busy":
		return fmt.Errorf("%w (a shard: %s)", index.ErrBusy, e.Message)
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
	case reqArticle:
		a, m, err := n.idx.Article(ctx, req.ID, req.Query)
		return shardReply{Article: &a, Marks: &m}, err
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
// are *index.QueryError or wrap index.ErrInvalidQuery, index.ErrBusy,
// ErrNoOwner (a shard cannot answer), index.ErrClosed or ctx's error.
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
	// A search among a facet's values: the groups list every value, the
	// match applies to their sums.
	sq := q
	sq.FacetQuery = index.FacetQuery{}
	size := q.PerPage
	if size == 0 {
		size = index.DefaultPerPage
	}
	from := 0
	if q.Cursor == "" && q.Page > 1 {
		from = (q.Page - 1) * size
	}
	want := from + size

	// The corpus's counts, then each group's top hits and every facet
	// value; a search that read a count the statistics lacked is run
	// again with it.
	var stats *index.TermStats
	if strings.TrimSpace(q.Text) != "" {
		if stats, err = n.termStats(ctx, keys, sq, nil, minSeq); err != nil {
			return index.Results{}, err
		}
	}
	for round := 1; ; round++ {
		reps, err := n.eachGroup(ctx, keys, func(key string) (shardReply, error) {
			return n.searchGroup(ctx, key, sq, stats, want, minSeq(key))
		})
		if err != nil {
			return index.Results{}, err
		}
		var missing []index.TermStats
		for _, r := range reps {
			if m := r.Results.Missing; m != nil {
				missing = append(missing, *m)
			} else {
				missing = append(missing, index.TermStats{})
			}
		}
		add := index.SumStats(missing)
		if stats == nil || add.Empty() || round == maxSearchRounds {
			res := mergeResults(rk, q, reps, from, size)
			res.Took = time.Since(start)
			return res, nil
		}
		stats.Add(add) // stats is this search's own copy (index.CorpusStats)
		if stats, err = n.termStats(ctx, keys, sq, stats, minSeq); err != nil {
			return index.Results{}, err
		}
	}
}

// maxSearchRounds bounds the searches of a sharded query: one that read
// counts the statistics lacked runs again with them.
const maxSearchRounds = 3

// termStats returns the corpus's counts that a search of q reads, stats
// completed (nil: from nothing) by the groups' pre-searches (see
// index.CorpusStats).
func (n *Node) termStats(ctx context.Context, keys []string, q index.Query, stats *index.TermStats, minSeq func(string) uint64) (*index.TermStats, error) {
	return index.CorpusStats(ctx, q, stats, func(ctx context.Context, q index.Query) ([]index.TermStats, error) {
		reps, err := n.eachGroup(ctx, keys, func(key string) (shardReply, error) {
			return n.ask(ctx, querySubject+key, reqStats, shardRequest{Query: q, MinSeq: minSeq(key)})
		})
		if err != nil {
			return nil, err
		}
		parts := make([]index.TermStats, len(reps))
		for i, r := range reps {
			parts[i] = *r.Stats
		}
		return parts, nil
	})
}

// searchGroup returns the first want hits of the group of key, and its
// totals and facets; pages of at most shardPage hits are chained with
// the group's cursors. A first page that read counts stats lacked is
// returned alone (the search runs again).
func (n *Node) searchGroup(ctx context.Context, key string, q index.Query, stats *index.TermStats, want int, minSeq uint64) (shardReply, error) {
	sq := q
	sq.Stats = stats
	sq.FacetSize = index.MaxFacetSize
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
			if rep.Results.Missing != nil {
				return out, nil
			}
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
		res.Articles += r.Results.Articles
		res.Stories = res.Stories || r.Results.Stories // a story's copies on two shards stay two hits
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
		facetSize = index.DefaultFacetSize
	}
	res.Facets = mergeFacets(reps, func(r *index.Results) *index.Facets { return &r.Facets }, q, facetSize, true)
	res.ResultFacets = mergeFacets(reps, func(r *index.Results) *index.Facets { return &r.ResultFacets }, q, facetSize, false)
	res.Corrections = mergeCorrections(reps)
	return res
}

// mergeFacets sums the facets get returns of each reply, as one index
// lists them (selected: the query's filter values are listed, as in the
// multi-select facets).
func mergeFacets(reps []shardReply, get func(*index.Results) *index.Facets, q index.Query, size int, selected bool) index.Facets {
	list := func(field func(*index.Facets) []index.FacetValue) [][]index.FacetValue {
		out := make([][]index.FacetValue, len(reps))
		for i, r := range reps {
			out[i] = field(get(r.Results))
		}
		return out
	}
	sel := func(vs ...[]string) []string {
		if !selected {
			return nil
		}
		return slices.Concat(vs...)
	}
	match := func(facet string) func(string) bool {
		if q.FacetQuery.Facet == facet {
			return q.FacetQuery.Match
		}
		return nil
	}
	identity := func(s string) string { return s }
	var f index.Facets
	f.Company = mergeTermFacet(list(func(f *index.Facets) []index.FacetValue { return f.Company }), size, sel(q.Companies, q.ExcludeCompanies), identity, match("company"))
	f.Country = mergeTermFacet(list(func(f *index.Facets) []index.FacetValue { return f.Country }), size, sel(q.Countries, q.ExcludeCountries), upperASCII, match("country"))
	f.Language = mergeTermFacet(list(func(f *index.Facets) []index.FacetValue { return f.Language }), size, sel(q.Languages), strings.ToLower, match("lang"))
	f.Source = mergeTermFacet(list(func(f *index.Facets) []index.FacetValue { return f.Source }), size, sel(q.Sources, q.ExcludeSources), identity, match("source"))
	f.Amount = mergeOrdered(list(func(f *index.Facets) []index.FacetValue { return f.Amount }), func(a, b index.FacetValue) int {
		return cmpFloat(a.Min, b.Min)
	})
	f.Month = mergeOrdered(list(func(f *index.Facets) []index.FacetValue { return f.Month }), func(a, b index.FacetValue) int {
		return strings.Compare(b.Value, a.Value)
	})
	return f
}

// mergeCorrections merges the groups' corrections: every group corrects
// a word to the same term (they expand with the corpus's counts), but
// one that holds no article with it writes it as the term or the word
// typed; the spelling most groups give wins, ties to the smallest.
func mergeCorrections(reps []shardReply) map[string]string {
	votes := map[string]map[string]int{}
	for _, r := range reps {
		for w, c := range r.Results.Corrections {
			if votes[w] == nil {
				votes[w] = map[string]int{}
			}
			votes[w][c]++
		}
	}
	out := make(map[string]string, len(votes))
	for w, vs := range votes {
		best, bestN := "", 0
		for c, n := range vs {
			if n > bestN || n == bestN && c < best {
				best, bestN = c, n
			}
		}
		out[w] = best
	}
	return out
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
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
				continue
			}
			at[v.Value] = len(out)
			out = append(out, v)
		}
	}
	return out
}

// mergeTermFacet is a term facet of the whole corpus: counts summed, the
// size values with the most articles first (ties by value) among those
// match accepts (all when nil), then each selected value (normalized by
// norm) beyond them, with a zero count when no article has it, as one
// index lists them.
func mergeTermFacet(lists [][]index.FacetValue, size int, selected []string, norm func(string) string, match func(string) bool) []index.FacetValue {
	all := sumFacet(lists)
	slices.SortFunc(all, func(a, b index.FacetValue) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	out := []index.FacetValue{}
	for _, v := range all {
		if len(out) == size {
			break
		}
		if v.Count > 0 && (match == nil || match(v.Value)) {
			out = append(out, v)
		}
	}
	for _, s := range selected {
		s = norm(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		key := fold.Lower(s)
		if slices.ContainsFunc(out, func(o index.FacetValue) bool { return fold.Lower(o.Value) == key }) {
			continue
		}
		found := false
		for _, v := range all {
			if v.Count > 0 && fold.Lower(v.Value) == key {
				out = append(out, v)
				found = true
			}
		}
		if !found {
			out = append(out, index.FacetValue{Value: s})
		}
	}
	return out
}

// mergeOrdered sums a facet whose values have a fixed order (amount
// bands, months).
func mergeOrdered(lists [][]index.FacetValue, cmp func(a, b index.FacetValue) int) []index.FacetValue {
	out := sumFacet(lists)
	slices.SortFunc(out, cmp)
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
