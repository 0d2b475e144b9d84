// Package cluster runs veille as one node of a cluster whose write-ahead
// log is a NATS JetStream stream: every node builds its own index from the
// stream, so that any node answers any search from local data, and writes
// survive the loss of a machine. veille does no replication or consensus
// of its own: JetStream (replicated with Raft over three servers) orders
// and keeps the writes.
//
// A write is enriched on the node that receives it, published to the
// stream (one subject per article, veille.art.<partition>.<id>, whose last
// message is the article or its tombstone), and answered once the stream
// has acknowledged it and this node has applied that stream sequence
// (read-your-writes on that node). Each node applies the stream in order
// and stores the applied sequence in the same Bleve batch as the writes
// (index.Index.ApplyAsync), so that it resumes exactly where it stopped; a
// new node replays the stream from the start. Reads never touch NATS.
//
// Shared state (the number of partitions, the key that signs cursors, the
// nodes' positions) lives in a JetStream key/value bucket.
package cluster

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"veille/index"
)

// Sentinel errors. Methods document which ones they return, always wrapped.
var (
	// ErrUnavailable: the stream cannot take writes (no quorum of NATS
	// servers, or none reachable). The write may still have reached the
	// stream when the publish timed out; retrying it is safe.
	ErrUnavailable = errors.New("cluster: the stream cannot take writes")
	// ErrApplyPending: the write is in the stream (durable) but this node
	// has not applied it within Config.ApplyTimeout; it will be visible
	// once the node catches up.
	ErrApplyPending = errors.New("cluster: written to the stream, not yet applied on this node")
	// ErrNoOwner: a sharded search cannot be answered because some
	// partitions have no ready node holding them.
	ErrNoOwner = errors.New("cluster: some partitions have no ready node")
)

// Defaults of Config.
const (
	DefaultStream         = "VEILLE_ARTICLES"
	DefaultBucket         = "veille_cluster"
	DefaultObjectBucket   = "veille_bodies"
	DefaultReplicas       = 3
	DefaultPartitions     = 16
	DefaultPublishTimeout = 10 * time.Second
	DefaultApplyTimeout   = 10 * time.Second
	DefaultMaxLag         = 1000
	DefaultReplicaAlert   = 30 * time.Second
)

// Config configures [Connect]. URLs and Node are required; the zero value
// of every other field means its default.
type Config struct {
	// URLs are the NATS servers to connect to (any of them will do).
	URLs []string
	// Node is this node's name in the cluster.
	Node string
	// Stream, Bucket and ObjectBucket name the article stream, the
	// key/value bucket of cluster state and the object store of bodies
	// too large for one message.
	Stream, Bucket, ObjectBucket string
	// Replicas is the number of copies of the stream and buckets created
	// at start (3: one NATS server may be lost). An existing stream with
	// fewer is used with a warning in the log.
	Replicas int
	// Partitions is the number of partitions of article ids, used when
	// the cluster is created; an existing cluster keeps its own.
	Partitions int
	// Owned are the partitions this node holds (ParsePartitions); nil
	// means what the bucket assigns it (key assign.<node>), else every
	// partition.
	Owned []int
	// MonitorURLs are the HTTP monitoring endpoints of the NATS servers
	// (http://host:8222). When set, Connect refuses servers that do not
	// fsync every write (sync_interval: always); when empty it cannot tell
	// and warns in the log.
	MonitorURLs []string
	// PublishTimeout bounds the retries of one publish (a leader election
	// pauses writes for a few seconds) before a write fails with
	// ErrUnavailable.
	PublishTimeout time.Duration
	// ApplyTimeout bounds the wait for this node to apply an
	// acknowledged write before it answers ErrApplyPending.
	ApplyTimeout time.Duration
	// MaxLag is the number of stream messages this node may be behind and
	// still report itself ready.
	MaxLag uint64
	// ReplicaAlert is how long a stream replica may stay behind its leader
	// before the node logs an error and raises veille_cluster_replica_alert.
	ReplicaAlert time.Duration
	// Logger receives the node's log; nil discards it.
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if len(c.URLs) == 0 {
		return errors.New("cluster: no NATS URL given")
	}
	if c.Node == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return errors.New("cluster: no node name given and no host name to use")
		}
		c.Node = h
	}
	if strings.ContainsAny(c.Node, ". *>\t\r\n") {
		return fmt.Errorf("cluster: node name %q may not hold dots, spaces, '*' or '>'", c.Node)
	}
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.ObjectBucket == "" {
		c.ObjectBucket = DefaultObjectBucket
	}
	if c.Replicas <= 0 {
		c.Replicas = DefaultReplicas
	}
	if c.Partitions <= 0 {
		c.Partitions = DefaultPartitions
	}
	if c.PublishTimeout <= 0 {
		c.PublishTimeout = DefaultPublishTimeout
	}
	if c.ApplyTimeout <= 0 {
		c.ApplyTimeout = DefaultApplyTimeout
	}
	if c.MaxLag == 0 {
		c.MaxLag = DefaultMaxLag
	}
	if c.ReplicaAlert <= 0 {
		c.ReplicaAlert = DefaultReplicaAlert
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// ParseURLs splits a comma-separated list of NATS URLs.
func ParseURLs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// Node is this process's membership of the cluster. Create it with
// [Connect], open the index with [Node.CursorKey], then [Node.Start] it;
// it then implements the API's service around the index.
type Node struct {
	cfg Config
	log *slog.Logger

	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	kv     jetstream.KeyValue
	bodies objectStores

	parts     int    // number of partitions, fixed
	cursorKey []byte // shared by every node
	maxInline int    // bytes of payload a message may carry

	owned         []int  // the partitions this node holds, sorted
	ownsAll       bool   // a full replica
	ownedSet      []bool // by partition
	previousOwned string // the set this node had at its last run (its record), "" if none
	members       members
	subs          []*nats.Subscription
	beat          chan struct{}   // asks for a heartbeat now (the node became ready)
	written       []atomic.Uint64 // by partition: the last stream sequence this node wrote (read-your-writes when sharded)

	idx     *index.Index
	ap      *applier
	metrics *metrics
	alert   replicaAlert

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Connect connects to NATS, creates or checks the article stream and the
// cluster's bucket, and reads the cluster's state. It refuses a stream
// that could lose articles (a size or age limit, more than one message per
// subject, asynchronous persistence) and, when Config.MonitorURLs are set,
// servers that do not fsync every write.
func Connect(ctx context.Context, cfg Config) (*Node, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Logger.With("node", cfg.Node)}
	n.metrics = newMetrics(n)
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","),
		nats.Name("veille "+cfg.Node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.Timeout(2*time.Second),
		// No buffering while disconnected: a write the stream cannot take
		// fails now, rather than landing after it was answered 503.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: Close
				n.log.Warn("cluster: disconnected from NATS; searches go on, writes answer 503 until it is back", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			n.log.Info("cluster: reconnected to NATS", "server", c.ConnectedUrlRedacted())
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to %s: %w", strings.Join(cfg.URLs, ","), err)
	}
	n.nc = nc
	ok := false
	defer func() {
		if !ok {
			nc.Close()
		}
	}()
	n.js, err = jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(1024),
		jetstream.WithPublishAsyncTimeout(cfg.PublishTimeout),
		jetstream.WithDefaultTimeout(cfg.PublishTimeout))
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if err := n.checkSync(ctx); err != nil {
		return nil, err
	}
	if err := retry(ctx, n.ensureStream, time.Minute); err != nil {
		return nil, err
	}
	if err := retry(ctx, n.loadState, time.Minute); err != nil {
		return nil, err
	}
	if err := retry(ctx, n.resolveOwnership, time.Minute); err != nil {
		return nil, err
	}
	n.bodies = objectStores{n: n}
	ok = true
	return n, nil
}

// CursorKey is the key that signs search cursors, the same on every node
// (index.Options.CursorKey).
func (n *Node) CursorKey() []byte { return n.cursorKey }

// Name is the node's name.
func (n *Node) Name() string { return n.cfg.Node }

// Partitions is the number of partitions of the cluster.
func (n *Node) Partitions() int { return n.parts }

// Start makes idx this node's index and starts applying the stream to it,
// from the sequence after idx.AppliedSeq(). idx must have been opened with
// CursorKey and must not be written to other than through the node.
func (n *Node) Start(idx *index.Index) error {
	if n.idx != nil {
		return errors.New("cluster: node already started")
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer ccancel()
	if err := n.checkIndex(cctx, idx); err != nil {
		return err
	}
	n.idx = idx
	n.beat = make(chan struct{}, 1)
	n.ap = newApplier(n)
	subs, err := n.serveApplies()
	if err != nil {
		return err
	}
	n.subs = subs
	if err := n.serveQueries(); err != nil {
		for _, s := range n.subs {
			_ = s.Unsubscribe()
		}
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.wg.Add(4)
	go func() { defer n.wg.Done(); n.ap.run(ctx) }()
	go func() { defer n.wg.Done(); n.watchReplicas(ctx) }()
	go func() { defer n.wg.Done(); n.heartbeat(ctx) }()
	go func() { defer n.wg.Done(); n.watchMembers(ctx) }()
	n.log.Info("cluster: node started", "stream", n.cfg.Stream, "partitions", n.parts, "owned", formatPartitions(n.owned), "applied_seq", idx.AppliedSeq())
	return nil
}

// WaitCaughtUp waits until the node has applied the stream as it was when
// the node started, or ctx ends.
func (n *Node) WaitCaughtUp(ctx context.Context) error {
	return n.ap.waitCaughtUp(ctx)
}

// Close stops applying the stream and closes the connection to NATS. It
// does not close the index.
func (n *Node) Close() error {
	for _, s := range n.subs {
		_ = s.Unsubscribe()
	}
	if n.cancel != nil {
		n.cancel()
	}
	n.wg.Wait()
	if n.nc != nil {
		// Drain lets async acks in flight arrive; Close if that hangs.
		if err := n.nc.Drain(); err != nil {
			n.nc.Close()
		}
		deadline := time.Now().Add(2 * time.Second)
		for !n.nc.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		n.nc.Close()
	}
	return nil
}

// retry runs f with a bounded context until it succeeds, fails for a
// reason other than a timeout, or ctx ends: a JetStream API request can go
// unanswered while the servers elect a leader, and a new attempt is then
// answered by the new one.
func retry(ctx context.Context, f func(context.Context) error, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		actx, cancel := context.WithTimeout(ctx, consumerTimeout)
		err := f(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !isTimeout(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(resumeBackoff):
		}
	}
}

// isTimeout reports whether err is a request that went unanswered.
func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}

// streamConfig is the article stream created at start.
func (n *Node) streamConfig() jetstream.StreamConfig {
	maxMsg := n.nc.MaxPayload()
	return jetstream.StreamConfig{
		Name:              n.cfg.Stream,
		Description:       "veille: the write-ahead log of articles (one subject per article)",
		Subjects:          []string{subjectPrefix + ">"},
		Retention:         jetstream.LimitsPolicy,
		MaxMsgsPerSubject: 1,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgSize:        int32(min(maxMsg, 1<<31-1)),
		Discard:           jetstream.DiscardOld,
		Storage:           jetstream.FileStorage,
		Replicas:          n.cfg.Replicas,
		Duplicates:        2 * time.Minute,
		AllowDirect:       true,
	}
}

// ensureStream creates the article stream, or checks that the existing
// one keeps every article.
func (n *Node) ensureStream(ctx context.Context) error {
	want := n.streamConfig()
	s, err := n.js.Stream(ctx, n.cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = n.js.CreateStream(ctx, want)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // another node won
			s, err = n.js.Stream(ctx, n.cfg.Stream)
		}
		if err == nil {
			n.log.Info("cluster: stream created", "stream", want.Name, "replicas", want.Replicas, "max_msg_size", want.MaxMsgSize)
		}
	}
	if err != nil {
		return fmt.Errorf("cluster: stream %s: %w", n.cfg.Stream, err)
	}
	n.stream = s
	cfg := s.CachedInfo().Config
	var problems []string
	if !containsSubject(cfg.Subjects, subjectPrefix+">") {
		problems = append(problems, fmt.Sprintf("its subjects %v do not include %s>", cfg.Subjects, subjectPrefix))
	}
	if cfg.Retention != jetstream.LimitsPolicy {
		problems = append(problems, fmt.Sprintf("its retention is %s, not limits (a new node could not replay it)", cfg.Retention))
	}
	if cfg.MaxMsgsPerSubject != 1 {
		problems = append(problems, fmt.Sprintf("it keeps %d messages per subject, not 1", cfg.MaxMsgsPerSubject))
	}
	if cfg.MaxAge > 0 || cfg.MaxMsgs > 0 || cfg.MaxBytes > 0 {
		problems = append(problems, "it has an age, message or size limit (articles would be dropped)")
	}
	if cfg.PersistMode == jetstream.AsyncPersistMode {
		problems = append(problems, "its persist mode is async (acknowledged writes could be lost)")
	}
	if len(problems) > 0 {
		return fmt.Errorf("cluster: stream %s cannot be veille's log: %s; fix or delete it", n.cfg.Stream, strings.Join(problems, "; "))
	}
	if cfg.Storage != jetstream.FileStorage {
		n.log.Error("cluster: the stream is held in memory: a restart of the NATS servers loses every article", "stream", cfg.Name)
	}
	if cfg.Replicas < n.cfg.Replicas {
		n.log.Error("cluster: the stream has fewer replicas than configured: losing a NATS server may lose acknowledged articles",
			"stream", cfg.Name, "replicas", cfg.Replicas, "want", n.cfg.Replicas)
	}
	n.maxInline = int(min(int64(n.nc.MaxPayload()), int64(cfg.MaxMsgSize))) - 64<<10
	if cfg.MaxMsgSize <= 0 {
		n.maxInline = int(n.nc.MaxPayload()) - 64<<10
	}
	if n.maxInline < 64<<10 {
		return fmt.Errorf("cluster: the servers take messages of %d bytes at most; veille needs at least 128 KiB (raise max_payload)", n.nc.MaxPayload())
	}
	return nil
}

func containsSubject(subjects []string, s string) bool {
	for _, v := range subjects {
		if v == s {
			return true
		}
	}
	return false
}

// State keys of the bucket.
const (
	keyPartitions = "partitions" // decimal number of partitions
	keyCursorKey  = "cursor-key" // 32 random bytes
	keyNodePrefix = "node."      // node.<name>: the node's status, JSON
)

// loadState opens (or creates) the bucket and reads the partition count
// and the cursor key, creating them if this node is the first.
func (n *Node) loadState(ctx context.Context) error {
	kv, err := n.js.KeyValue(ctx, n.cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = n.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      n.cfg.Bucket,
			Description: "veille: cluster state",
			History:     5,
			Storage:     jetstream.FileStorage,
			Replicas:    n.cfg.Replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = n.js.KeyValue(ctx, n.cfg.Bucket)
		}
	}
	if err != nil {
		return fmt.Errorf("cluster: bucket %s: %w", n.cfg.Bucket, err)
	}
	n.kv = kv
	v, err := createOrGet(ctx, kv, keyPartitions, []byte(strconv.Itoa(n.cfg.Partitions)))
	if err != nil {
		return err
	}
	if n.parts, err = strconv.Atoi(string(v)); err != nil || n.parts <= 0 {
		return fmt.Errorf("cluster: bucket %s holds %q as the number of partitions", n.cfg.Bucket, v)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("cluster: cursor key: %w", err)
	}
	if n.cursorKey, err = createOrGet(ctx, kv, keyCursorKey, key); err != nil {
		return err
	}
	if len(n.cursorKey) != 32 {
		return fmt.Errorf("cluster: bucket %s holds a cursor key of %d bytes, not 32", n.cfg.Bucket, len(n.cursorKey))
	}
	return nil
}

// createOrGet stores value at key unless the key exists (the first writer
// wins), and returns what the key holds.
func createOrGet(ctx context.Context, kv jetstream.KeyValue, key string, value []byte) ([]byte, error) {
	if _, err := kv.Create(ctx, key, value); err == nil {
		return value, nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("cluster: create %s: %w", key, err)
	}
	e, err := kv.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("cluster: read %s: %w", key, err)
	}
	return e.Value(), nil
}
