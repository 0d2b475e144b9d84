package index

import (
	"unicode/utf8"

	"encoding/json"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"veille/corpus"
	"veille/stories"
)

// Stories: near-duplicate articles share a story id (package stories).
// Each put's signature is computed with its enrichment, on every core,
// and kept in the stored article; the writer gives each put of a batch
// its story in order (assignStories). The LSH bands of every stored
// article are held in memory (stories.Table, about 270 bytes an article),
// read from the stored signatures at Open. A rebuild keeps the stories as
// stored.

// maxStoryCandidates bounds the articles compared with one put.
const maxStoryCandidates = 50

// shortBody is the body length (in runes) under which the title is part
// of the signed text.
const shortBody = 400

// signArticle returns the signature of a's text: its body, with its title
// when the body is short.
func signArticle(a *corpus.Article) stories.Signature {
	text := a.Body
	if utf8.RuneCountInString(text) < shortBody {
		text = a.Title + "\n" + text
	}
	return stories.Sign(text)
}

// storyMember returns d as a member of its story.
func storyMember(d *storedDoc) (stories.Member, bool) {
	var sig stories.Signature
	if d.Sig == nil || sig.UnmarshalBinary(d.Sig) != nil {
		return stories.Member{}, false
	}
	story := d.Story
	if story == "" {
		story = d.ID
	}
	return stories.Member{ID: d.ID, Story: story, Published: d.Published, Signature: sig}, true
}

// recentStories holds the members the writer assigned lately (the puts
// of the last batches, which may not be committed yet), in two
// generations so that it stays bounded: their signatures, by id. Their
// bands are the end of the stories table, from position since on. It is
// owned by the writer goroutine.
type recentStories struct {
	cur, prev map[string]stories.Member
	curFrom   int // table position of cur's first member
	since     int // of prev's first member (cur's while prev is nil)
	limit     int
}

// add records m, which the table gets at position pos.
func (r *recentStories) add(m stories.Member, pos int) {
	if r.cur == nil || len(r.cur) >= r.limit {
		r.prev, r.cur = r.cur, make(map[string]stories.Member, r.limit)
		r.since, r.curFrom = r.curFrom, pos
		if r.prev == nil {
			r.since = pos
		}
	}
	r.cur[m.ID] = m
}

// candidates returns the recent members that share a band with sig in
// table t, each as it was last added.
func (r *recentStories) candidates(t *stories.Table, sig stories.Signature) []stories.Member {
	if r.cur == nil {
		return nil
	}
	var out []stories.Member
	for _, id := range t.CandidatesSince(sig, r.since) {
		if m, ok := r.cur[id]; ok {
			out = append(out, m)
		} else if m, ok := r.prev[id]; ok {
			out = append(out, m)
		}
	}
	return out
}

// loadStories adds every stored article's signature to x.stories, in
// the background after Open; the writer waits for it before giving
// stories (see assignStories).
func (x *Index) loadStories() {
	defer x.bgWG.Done()
	defer close(x.storiesIn)
	_, snap, release, err := x.snapshot()
	if err != nil {
		return
	}
	defer release()
	for _, ss := range snap.Segments() {
		del := ss.Deleted()
		for i := uint64(0); i < ss.Segment().Count(); i++ {
			if del != nil && del.Contains(uint32(i)) {
				continue
			}
			if x.bgCtx.Err() != nil {
				return
			}
			var src []byte
			_ = ss.VisitDocument(i, func(name string, _ byte, val []byte, _ []uint64) bool {
				if name == fieldSrc {
					src = append([]byte(nil), val...)
					return false
				}
				return true
			})
			var d struct {
				ID  string `json:"id"`
				Sig []byte `json:"sig"`
			}
			var sig stories.Signature
			if json.Unmarshal(src, &d) == nil && sig.UnmarshalBinary(d.Sig) == nil {
				x.stories.Add(d.ID, sig)
			}
		}
	}
}

// assignStories sets the story of every put of batch, in order: the
// story of the best match among the stored articles sharing a band with
// it (x.stories, checked against what is stored now, on every core) and
// the puts of the last batches (which may not be committed yet), else its
// own id. It first waits for loadStories.
func (x *Index) assignStories(batch []*op) {
	select {
	case <-x.storiesIn:
	case <-x.bgCtx.Done():
	}
	from := make([][]stories.Member, len(batch))
	if g, snap, release, err := x.snapshot(); err == nil {
		parallel(len(batch), func(i int) {
			if o := batch[i]; o.kind == opPut {
				from[i] = x.storedCandidates(g, snap, o.doc)
			}
		})
		release()
	}
	if x.recent.limit == 0 {
		x.recent.limit = 4 * x.opts.MaxBatch
	}
	for i, o := range batch {
		if o.kind != opPut {
			continue
		}
		m, ok := storyMember(o.doc)
		if !ok {
			o.doc.Story = o.doc.ID
			continue
		}
		o.doc.Story = stories.StoryOf(m, append(from[i], x.recent.candidates(x.stories, m.Signature)...))
		m.Story = o.doc.Story
		if m.Signature.Matchable() { // the others have no bands
			x.recent.add(m, x.stories.Len())
			x.stories.Add(m.ID, m.Signature)
		}
	}
}

// storedCandidates returns the stored articles that share a band with d,
// as they are stored in snap.
func (x *Index) storedCandidates(g *generation, snap *scorch.IndexSnapshot, d *storedDoc) []stories.Member {
	m, ok := storyMember(d)
	if !ok || !m.Signature.Matchable() {
		return nil
	}
	var out []stories.Member
	for _, id := range x.stories.Candidates(m.Signature, maxStoryCandidates) {
		if id == d.ID {
			continue
		}
		sd, err := g.records.stored.get(snap, id)
		if err != nil {
			continue // removed since
		}
		if c, ok := storyMember(&sd); ok {
			out = append(out, c)
		}
	}
	return out
}
