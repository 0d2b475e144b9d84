//go:build !unix

package index

import (
	"errors"
	"os"
)

// errWouldBlock never happens without flock: Bleve's own lock (bolt) and
// its timeout guard the folder instead.
var errWouldBlock = errors.New("index: lock would block")

func flock(*os.File) error   { return nil }
func funlock(*os.File) error { return nil }
