package api

import (
	"context"
	"strconv"

	"github.com/labstack/echo/v4"

	"veille/cluster"
	"veille/corpus"
	"veille/index"
)

// headerSeq carries the stream sequence of a write answered by a node of a
// cluster.
const headerSeq = "X-Veille-Seq"

// replicated is implemented by services that are a node of a cluster
// (*cluster.Node): their writes go through a replicated log and report
// their position in it, and the node reports where it stands.
type replicated interface {
	PutSeq(ctx context.Context, a corpus.Article, o index.Origin) (created bool, stored corpus.Article, seq uint64, err error)
	DeleteSeq(ctx context.Context, id string) (seq uint64, err error)
	Status() cluster.Status
}

// clusterJSON is the "cluster" object of /api/stats and /readyz.
type clusterJSON struct {
	Node       string `json:"node"`
	AppliedSeq uint64 `json:"applied_seq"`
	Lag        uint64 `json:"lag"`
}

// clusterStatus returns the node's status when the service is a cluster node.
func (s *Server) clusterStatus() (*clusterJSON, cluster.Status, bool) {
	r, ok := s.svc.(replicated)
	if !ok {
		return nil, cluster.Status{}, false
	}
	st := r.Status()
	return &clusterJSON{Node: st.Node, AppliedSeq: st.AppliedSeq, Lag: st.Lag}, st, true
}

// setSeq sets the X-Veille-Seq header of a write's answer.
func setSeq(c echo.Context, seq uint64) {
	if seq > 0 {
		c.Response().Header().Set(headerSeq, strconv.FormatUint(seq, 10))
	}
}
