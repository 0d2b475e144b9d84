package index

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"

	"veille/corpus"
)

// articles yields n good articles, with a bad value at the positions of bad.
func articles(n int, bad map[int]error) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for i := range n {
			if err := bad[i]; err != nil {
				if !yield(Item{}, err) {
					return
				}
				continue
			}
			a := corpus.Article{ID: fmt.Sprintf("p%d", i), Title: fmt.Sprintf("Article %d", i), Body: "Un texte."}
			if i == 3 {
				a.Language = "not-a-code" // refused by the index
			}
			if !yield(Item{Article: a}, nil) {
				return
			}
		}
	}
}

func TestPutAll(t *testing.T) {
	x, _ := openTest(t, Options{MaxBatch: 2}) // chunks of 8: several PutMany calls
	readErr := errors.New("line 6: malformed")
	var got []string
	stats, err := x.PutAll(context.Background(), articles(20, map[int]error{6: readErr}), func(pos int, r PutResult) {
		status := "ok"
		switch {
		case errors.Is(r.Err, readErr):
			status = "read error"
		case errors.Is(r.Err, ErrInvalidArticle):
			status = "invalid"
		case r.Err != nil:
			status = r.Err.Error()
		case r.Article.ID != fmt.Sprintf("p%d", pos):
			status = "out of order: " + r.Article.ID
		}
		got = append(got, status)
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Created != 18 || stats.Failed != 2 || stats.Updated != 0 || len(got) != 20 || got[3] != "invalid" || got[6] != "read error" {
		t.Fatalf("stats %+v, reports %v", stats, got)
	}
	for i, s := range got {
		if i != 3 && i != 6 && s != "ok" {
			t.Errorf("position %d: %s", i, s)
		}
	}
	if res := mustSearch(t, x, Query{PerPage: 1}); res.Total != 18 {
		t.Errorf("%d articles searchable, want 18", res.Total)
	}
	// Again: every article is an update.
	stats, err = x.PutAll(context.Background(), articles(5, nil), nil)
	if err != nil || stats.Updated != 4 || stats.Failed != 1 {
		t.Errorf("second pass: %+v, %v", stats, err)
	}
}

func TestPutAllStops(t *testing.T) {
	x, _ := openTest(t, Options{MaxBatch: 2})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reported := 0
	read := 0
	seq := func(yield func(Item, error) bool) {
		for it, err := range articles(100, nil) {
			read++
			if !yield(it, err) {
				return
			}
		}
	}
	_, err := x.PutAll(ctx, seq, func(pos int, r PutResult) {
		reported++
		if r.Err == nil {
			t.Errorf("position %d stored after the context ended", pos)
		}
	})
	if !errors.Is(err, context.Canceled) || read > 1 || reported != read {
		t.Errorf("err %v, %d read, %d reported", err, read, reported)
	}
	x.Close()
	if _, err := x.PutAll(context.Background(), articles(3, nil), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("on a closed index: %v", err)
	}
}
