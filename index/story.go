package index

import (
	"context"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"

	"veille/corpus"
	"veille/stories"
)

// Stories: near-duplicate articles share a story id (package stories).
// Each put's signature is computed with its enrichment, on every core;
// the writer gives each put of a batch its story in order, from the
// articles already in the live generation that share a band with it
// (looked up on every core) and from the puts of the last batches (which
// may not be committed yet). A rebuild keeps the stories as stored.

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

// recentStories holds the signatures the writer assigned lately, in two
// generations of stories.Memory so that it stays bounded. It is owned by
// the writer goroutine.
type recentStories struct {
	cur, prev *stories.Memory
	limit     int
}

func (r *recentStories) add(m stories.Member) {
	if r.cur == nil || r.cur.Len() >= r.limit {
		r.prev, r.cur = r.cur, stories.NewMemory()
	}
	r.cur.Add(m)
}

func (r *recentStories) candidates(sig stories.Signature) []stories.Member {
	var out []stories.Member
	for _, m := range []*stories.Memory{r.cur, r.prev} {
		if m != nil {
			out = append(out, m.Candidates(sig)...)
		}
	}
	return out
}

// assignStories sets the story of every put of batch (see above). A put
// whose candidates cannot be read (closed or failing index) still gets a
// story from the recent puts, else its own.
func (x *Index) assignStories(batch []*op) {
	from := make([][]stories.Member, len(batch))
	if g, snap, release, err := x.snapshot(); err == nil {
		parallel(len(batch), func(i int) {
			if o := batch[i]; o.kind == opPut {
				from[i] = indexedCandidates(g, snap, o.doc)
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
		o.doc.Story = stories.StoryOf(m, append(from[i], x.recent.candidates(m.Signature)...))
		m.Story = o.doc.Story
		x.recent.add(m)
	}
}

// indexedCandidates returns the articles of g that share a band with d.
func indexedCandidates(g *generation, snap *scorch.IndexSnapshot, d *storedDoc) []stories.Member {
	m, ok := storyMember(d)
	if !ok || !m.Signature.Matchable() {
		return nil
	}
	bands := m.Signature.Bands()
	qs := make([]query.Query, len(bands))
	for i, b := range bands {
		tq := query.NewTermQuery(b.String())
		tq.SetField(fieldStoryBand)
		qs[i] = tq
	}
	req := bleve.NewSearchRequestOptions(query.NewDisjunctionQuery(qs), maxStoryCandidates+1, 0, false)
	req.Score = "none"
	res, err := g.idx.SearchInContext(context.Background(), req)
	if err != nil {
		return nil
	}
	var out []stories.Member
	for _, h := range res.Hits {
		if h.ID == d.ID {
			continue
		}
		sd, err := getStored(snap, h.ID)
		if err != nil {
			continue
		}
		if c, ok := storyMember(&sd); ok {
			out = append(out, c)
		}
	}
	return out
}
