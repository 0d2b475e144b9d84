package cluster

// Articles too large for one message (after compression) are put in a
// JetStream object store, replicated like the stream, under a name made of
// the article's subject token and a hash of its content; the stream's
// message then names the object. Objects that no message names any more
// are removed by a sweep.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Sweep of unreferenced objects.
const (
	sweepEvery   = 10 * time.Minute
	sweepMinAge  = 10 * time.Minute // younger objects may belong to a write in flight
	maxObjectLen = 64 << 20
)

// objectStores opens the object store on first use.
type objectStores struct {
	n  *Node
	mu sync.Mutex
	os jetstream.ObjectStore
}

// store returns the object store, creating it when create is set; nil
// when it does not exist and create is not set.
func (o *objectStores) store(ctx context.Context, create bool) (jetstream.ObjectStore, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.os != nil {
		return o.os, nil
	}
	name := o.n.cfg.ObjectBucket
	s, err := o.n.js.ObjectStore(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		if !create {
			return nil, nil
		}
		s, err = o.n.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      name,
			Description: "veille: articles too large for one stream message",
			Storage:     jetstream.FileStorage,
			Replicas:    o.n.cfg.Replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			s, err = o.n.js.ObjectStore(ctx, name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: object store %s: %v", ErrUnavailable, name, err)
	}
	o.os = s
	return s, nil
}

// put stores data as object name.
func (o *objectStores) put(ctx context.Context, name string, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, o.n.cfg.PublishTimeout)
	defer cancel()
	s, err := o.store(ctx, true)
	if err != nil {
		return err
	}
	if _, err := s.Put(ctx, jetstream.ObjectMeta{Name: name}, bytes.NewReader(data)); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("%w: store object %s: %v", ErrUnavailable, name, err)
	}
	return nil
}

// get reads object name. Errors wrap jetstream.ErrObjectNotFound when it
// is gone.
func (o *objectStores) get(ctx context.Context, name string) ([]byte, error) {
	s, err := o.store(ctx, false)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, jetstream.ErrObjectNotFound
	}
	r, err := s.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, maxObjectLen))
}

// sweep removes the objects older than sweepMinAge that the last message
// of their article's subject does not name.
func (o *objectStores) sweep(ctx context.Context) error {
	s, err := o.store(ctx, false)
	if err != nil || s == nil {
		return err
	}
	infos, err := s.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, info := range infos {
		if time.Since(info.ModTime) < sweepMinAge {
			continue
		}
		token, _, ok := strings.Cut(info.Name, "@")
		if !ok {
			continue
		}
		id, ok := idOfToken(token)
		if !ok {
			continue
		}
		m, err := o.n.stream.GetLastMsgForSubject(ctx, articleSubject(id, o.n.parts))
		if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return err
		}
		if err != nil || m.Header.Get(hdrObj) != info.Name {
			if err := s.Delete(ctx, info.Name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
				return err
			}
		}
	}
	return nil
}
