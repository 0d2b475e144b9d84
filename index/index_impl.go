package index

import (
	"context"
	"errors"

	"veille/corpus"
)

var errTODO = errors.New("index: not implemented yet")

// Index is an open veille index. It is safe for concurrent use.
type Index struct{}

// Open opens or creates the index in dir.
// It returns an error wrapping ErrLocked when another process holds dir.
func Open(ctx context.Context, dir string, opts Options) (*Index, error) { return nil, errTODO }

// Put validates, enriches and indexes a, replacing any article with its id.
// It returns once the article is durable on disk and searchable.
// Errors wrap ErrInvalidArticle, ErrClosed or ErrReadOnly.
func (x *Index) Put(ctx context.Context, a corpus.Article, o Origin) (bool, corpus.Article, error) {
	return false, a, errTODO
}

// Get returns the stored article with id; errors wrap ErrNotFound.
func (x *Index) Get(ctx context.Context, id string) (corpus.Article, error) {
	return corpus.Article{}, errTODO
}

// Delete removes the article with id durably; errors wrap ErrNotFound.
func (x *Index) Delete(ctx context.Context, id string) error { return errTODO }

// Search runs q; errors wrap ErrInvalidQuery or the context's error.
func (x *Index) Search(ctx context.Context, q Query) (Results, error) { return Results{}, errTODO }

// Rebuild builds a new generation from every stored article and swaps it
// in; search keeps answering from the old one meanwhile. Errors wrap ErrRebuilding.
func (x *Index) Rebuild(ctx context.Context) error { return errTODO }

// Stats describes the index.
func (x *Index) Stats(ctx context.Context) (Stats, error) { return Stats{}, errTODO }

// Origins returns the origin of every article that came from a corpus file, by id.
func (x *Index) Origins(ctx context.Context) (map[string]Origin, error) { return nil, errTODO }

// Close flushes pending writes and closes the index.
func (x *Index) Close() error { return nil }
