package index

// The commit hook (Options.OnCommit): what the writer tells it of each
// batch, and the record that lets it resume after a crash.
//
// A batch that stores articles also stores, in the same Bleve batch, a
// commit record: the number of its call of the hook and the ids it hands
// over. The hook runs after the batch is durable and before its writes
// are acknowledged, and the writer applies nothing else meanwhile, so a
// crash can leave at most the last recorded batch unseen (or half seen)
// by the hook: [Index.LastCommit] returns it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"veille/corpus"
)

// CommitHook is told of the articles of each batch the writer makes
// durable: created or replaced articles, whatever their source (API,
// bulk, corpus folder, replicated log), never the copies a rebuild makes.
// It runs in the writer, so no other write is applied while it runs: the
// index its searches see is exactly the one the batch left. When it
// returns an error, the batch's puts are answered with that error
// (wrapped; the articles stay stored) and the articles are handed again
// to the next call. After a crash, [Index.LastCommit] returns the batch
// the hook may not have finished.
type CommitHook func(ctx context.Context, c Commit) error

// Commit is a batch of stored articles, as a [CommitHook] sees it.
type Commit struct {
	// Seq numbers the calls of the hook, from 1, increasing across
	// restarts (articles handed again come with the next call's number).
	Seq uint64
	// Articles are the batch's articles as stored, each id once (its
	// last version), plus those of earlier calls that failed.
	Articles []Committed
	x        *Index
}

// Committed is one article of a [Commit]: the article as stored and its
// indexed document, whose terms [Percolator.Candidates] reads.
type Committed struct {
	Article corpus.Article
	doc     *document.Document
}

// terms appends to out the distinct terms of the article's title and
// body, each added to set, which holds them afterwards (and any term
// it held before is left out).
func (c *Committed) terms(set map[string]struct{}, out []string) []string {
	if c.doc == nil {
		return out
	}
	return docTerms(c.doc, set, out)
}

// Search runs q on the index the commit left (see [Index.Search]).
func (c Commit) Search(ctx context.Context, q Query) (Results, error) {
	return c.x.Search(ctx, q)
}

// commitKey is the internal key holding the commit record (JSON).
const commitKey = "veille.commit"

// commitRecord is the stored form of the last batch handed to the hook.
type commitRecord struct {
	Seq uint64   `json:"seq"`
	IDs []string `json:"ids"`
}

func encodeCommitRecord(seq uint64, ids []string) []byte {
	b, _ := json.Marshal(commitRecord{Seq: seq, IDs: ids}) // strings only: cannot fail
	return b
}

// readCommitRecord reads g's commit record; the zero record when there is none.
func readCommitRecord(g *generation) (commitRecord, error) {
	var rec commitRecord
	v, err := g.idx.GetInternal([]byte(commitKey))
	if err != nil {
		return rec, fmt.Errorf("index: read the commit record: %w", err)
	}
	if len(v) == 0 {
		return rec, nil
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return rec, fmt.Errorf("index: decode the commit record: %w", err)
	}
	return rec, nil
}

// carryCommitRecord copies the commit record of from into to (a rebuild:
// the new generation goes on numbering the hook's batches).
func carryCommitRecord(from, to *generation) error {
	v, err := from.idx.GetInternal([]byte(commitKey))
	if err != nil || len(v) == 0 {
		return err
	}
	return writeErr(to.idx.SetInternal([]byte(commitKey), v))
}

// hookIDs returns the ids the commit hook is to be handed for a batch of
// ops whose puts' documents are docs: the articles put (each once), then
// those a failed call left, or nil without a hook or anything to hand.
func (x *Index) hookIDs(ops []*op, docs []*document.Document) []string {
	if x.opts.OnCommit == nil {
		return nil
	}
	seen := make(map[string]bool, len(ops)+len(x.unhooked))
	var ids []string
	for i, o := range ops {
		if docs[i] != nil && !seen[o.id] {
			seen[o.id] = true
			ids = append(ids, o.id)
		}
	}
	for _, id := range x.unhooked {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// runHook hands the committed batch to the hook, in the writer; on error
// the batch's puts are answered with it and ids stay to be handed again.
func (x *Index) runHook(ops []*op, res []opResult, docs []*document.Document, ids []string) {
	x.commitSeq++
	c := Commit{Seq: x.commitSeq, x: x}
	// The last put on each id is its stored version, unless a later
	// delete of the batch removed it (-1).
	last := make(map[string]int, len(ids))
	for i, o := range ops {
		switch {
		case res[i].err != nil:
		case o.kind == opPut && docs[i] != nil:
			last[o.id] = i
		case o.kind == opDelete:
			last[o.id] = -1
		}
	}
	var err error
	var snap *scorch.IndexSnapshot
	for _, id := range ids {
		if i, ok := last[id]; ok {
			if i >= 0 {
				c.Articles = append(c.Articles, Committed{Article: ops[i].doc.Article, doc: docs[i]})
			}
			continue
		}
		// Left by an earlier call: read it again.
		if snap == nil {
			r, rerr := x.gen.sc.Reader()
			if rerr != nil {
				err = fmt.Errorf("index: open reader: %w", rerr)
				break
			}
			snap = r.(*scorch.IndexSnapshot)
		}
		cm, ok, lerr := x.committedFrom(snap, id)
		if lerr != nil {
			err = lerr
			break
		}
		if ok {
			c.Articles = append(c.Articles, cm)
		}
	}
	if snap != nil {
		_ = snap.Close()
	}
	if err == nil && len(c.Articles) > 0 {
		err = x.opts.OnCommit(context.Background(), c)
	}
	if err == nil {
		x.unhooked = nil
		return
	}
	x.unhooked = ids
	for i, o := range ops {
		if o.kind == opPut && res[i].err == nil {
			res[i].err = fmt.Errorf("index: after commit: %w", err)
		}
	}
}

// committedFrom reads article id from snap as a [Committed]; false when
// the article is gone.
func (x *Index) committedFrom(snap *scorch.IndexSnapshot, id string) (Committed, bool, error) {
	d, err := x.gen.records.stored.get(snap, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Committed{}, false, nil
		}
		return Committed{}, false, err
	}
	doc, err := x.gen.builder.build(&d)
	if err != nil {
		return Committed{}, false, err
	}
	return Committed{Article: d.Article, doc: doc}, true, nil
}

// LastCommit returns the last batch handed to Options.OnCommit (its
// number and its articles that still exist), read from the data folder:
// after a crash, what the hook may not have finished. The zero Commit
// when there is none. Errors wrap ErrClosed or ErrUnavailable.
func (x *Index) LastCommit(ctx context.Context) (Commit, error) {
	if err := ctx.Err(); err != nil {
		return Commit{}, err
	}
	g, snap, release, err := x.snapshot()
	if err != nil {
		return Commit{}, err
	}
	defer release()
	rec, err := readCommitRecord(g)
	if err != nil {
		return Commit{}, err
	}
	c := Commit{Seq: rec.Seq, x: x}
	for _, id := range rec.IDs {
		d, err := g.records.stored.get(snap, id)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return Commit{}, err
		}
		doc, err := g.builder.build(&d)
		if err != nil {
			return Commit{}, err
		}
		c.Articles = append(c.Articles, Committed{Article: d.Article, doc: doc})
	}
	return c, nil
}

// docTerms appends to out the distinct terms of the title and body
// fields of a built document that set lacks, adding them to set.
func docTerms(doc *document.Document, set map[string]struct{}, out []string) []string {
	for _, f := range doc.Fields {
		c, ok := f.(*compactText)
		if !ok || !(strings.HasPrefix(c.Name(), "title_") || strings.HasPrefix(c.Name(), "body_")) {
			continue
		}
		for t := range c.AnalyzedTokenFrequencies() {
			if _, dup := set[t]; !dup {
				set[t] = struct{}{}
				out = append(out, t)
			}
		}
	}
	return out
}

// NewCommitted returns a as a [Committed] analyzed with the live
// generation's analyzers, as if it had just been stored (a is taken as
// stored: no enrichment). Tests and benchmarks of a percolator use it.
func (x *Index) NewCommitted(a corpus.Article) (Committed, error) {
	g, _, release, err := x.snapshot()
	if err != nil {
		return Committed{}, err
	}
	defer release()
	doc, err := g.builder.build(&storedDoc{Article: a})
	if err != nil {
		return Committed{}, err
	}
	return Committed{Article: a, doc: doc}, nil
}

// noteRemovals adds to x.removals the articles a batch deletes or
// replaces: document counts may go down by as many. A percolator reads it
// to know which counts it remembers may be too high.
func (x *Index) noteRemovals(ops []*op, res []opResult) {
	var n uint64
	for i, o := range ops {
		if res[i].err == nil && (o.kind == opDelete || o.kind == opPut && !res[i].created) {
			n++
		}
	}
	if n > 0 {
		x.removals.Add(n)
	}
}

// removalsUnknown is added to x.removals when any count may have gone
// down by any amount (a new generation, a failed commit).
const removalsUnknown = 1 << 40

// DiskError returns err wrapping ErrReadOnly when it comes from a full
// disk or a read-only or forbidden folder, as the index's own errors do:
// for the other files of the data folder (alerts...). Other errors, and
// nil, are returned as they are.
func DiskError(err error) error { return writeErr(err) }
