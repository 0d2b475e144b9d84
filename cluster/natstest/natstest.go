// Package natstest runs NATS servers with JetStream inside a test
// process, on loopback ports picked at start so that a stopped server can
// be started again on the same ones with the same store.
package natstest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configure [Start]. The zero value gives servers that fsync
// every write (sync_interval: always) and take 8 MiB messages.
type Options struct {
	// NoSync leaves the servers' default sync interval (2 minutes)
	// instead of sync_interval: always.
	NoSync bool
	// MaxPayload caps a message, in bytes; 0 means 8 MiB.
	MaxPayload int32
	// Monitor opens each server's HTTP monitoring port (/varz...).
	Monitor bool
}

// Cluster is a set of NATS servers started by [Start]. Its methods must be
// called from the test's goroutine.
type Cluster struct {
	t       testing.TB
	opts    []server.Options // as configured: NewServer fills in a copy
	servers []*server.Server
}

// Start starts n servers (a JetStream cluster when n > 1) and waits until
// JetStream answers; they are shut down when the test ends.
func Start(t testing.TB, n int, o Options) *Cluster {
	t.Helper()
	if o.MaxPayload == 0 {
		o.MaxPayload = 8 << 20
	}
	ports := freePorts(t, 3*n)
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[3*i+1]))
	}
	c := &Cluster{t: t, servers: make([]*server.Server, n)}
	dir := t.TempDir()
	for i := range n {
		so := server.Options{
			ServerName: fmt.Sprintf("nats-%d", i),
			Host:       "127.0.0.1",
			Port:       ports[3*i],
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("nats-%d", i)),
			SyncAlways: !o.NoSync,
			MaxPayload: o.MaxPayload,
			NoLog:      true,
			NoSigs:     true,
			// Bounded, so that tests never depend on the machine's RAM and disk.
			JetStreamMaxMemory: 256 << 20,
			JetStreamMaxStore:  4 << 30,
		}
		if o.Monitor {
			so.HTTPHost, so.HTTPPort = "127.0.0.1", ports[3*i+2]
		}
		if n > 1 {
			so.Cluster = server.ClusterOpts{Name: "veille-test", Host: "127.0.0.1", Port: ports[3*i+1]}
			so.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		c.opts = append(c.opts, so)
	}
	for i := range n {
		c.start(i)
	}
	t.Cleanup(c.StopAll)
	c.WaitJetStream()
	return c
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("natstest: free port: %v", err)
		}
		lns = append(lns, ln)
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports
}

func (c *Cluster) start(i int) {
	c.t.Helper()
	so := c.opts[i] // a copy: NewServer fills in defaults
	s, err := server.NewServer(&so)
	if err != nil {
		c.t.Fatalf("natstest: server %d: %v", i, err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		c.t.Fatalf("natstest: server %d did not start", i)
	}
	c.servers[i] = s
}

// URLs returns the client URLs of every server, running or not.
func (c *Cluster) URLs() []string {
	out := make([]string, len(c.opts))
	for i, o := range c.opts {
		out[i] = fmt.Sprintf("nats://127.0.0.1:%d", o.Port)
	}
	return out
}

// MonitorURLs returns the HTTP monitoring URLs (Options.Monitor).
func (c *Cluster) MonitorURLs() []string {
	var out []string
	for _, o := range c.opts {
		if o.HTTPPort != 0 {
			out = append(out, fmt.Sprintf("http://127.0.0.1:%d", o.HTTPPort))
		}
	}
	return out
}

// Len is the number of servers.
func (c *Cluster) Len() int { return len(c.opts) }

// Server returns server i, nil while it is stopped.
func (c *Cluster) Server(i int) *server.Server { return c.servers[i] }

// Name returns the server name of server i.
func (c *Cluster) Name(i int) string { return c.opts[i].ServerName }

// Index returns the number of the server named name, or -1.
func (c *Cluster) Index(name string) int {
	for i, o := range c.opts {
		if o.ServerName == name {
			return i
		}
	}
	return -1
}

// Stop shuts server i down (its clients see the connection drop).
func (c *Cluster) Stop(i int) {
	if s := c.servers[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.servers[i] = nil
	}
}

// Restart starts server i again, on its ports and store.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	if c.servers[i] == nil {
		c.start(i)
	}
}

// StopAll shuts every server down.
func (c *Cluster) StopAll() {
	for i := range c.servers {
		c.Stop(i)
	}
}

// RestartAll starts every stopped server and waits until JetStream answers.
func (c *Cluster) RestartAll() {
	c.t.Helper()
	for i := range c.servers {
		c.Restart(i)
	}
	c.WaitJetStream()
}

// Connect returns a client connection to the servers, closed when the
// test ends.
func (c *Cluster) Connect() *nats.Conn {
	c.t.Helper()
	nc, err := nats.Connect(strings.Join(c.URLs(), ","), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		c.t.Fatalf("natstest: connect: %v", err)
	}
	c.t.Cleanup(nc.Close)
	return nc
}

// WaitJetStream waits until the JetStream API answers (in a cluster: a
// meta leader is elected).
func (c *Cluster) WaitJetStream() {
	c.t.Helper()
	waitJetStream(c.t, c.URLs())
}

func waitJetStream(t testing.TB, urls []string) {
	t.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatalf("natstest: connect: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("natstest: JetStream not ready after 30 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StreamLeader returns the number of the server leading stream, or -1.
func (c *Cluster) StreamLeader(stream string) int {
	for i, s := range c.servers {
		if s != nil && s.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) {
			return i
		}
	}
	return -1
}

// childEnv names the environment variable that makes a test binary run
// one NATS server (its options as JSON) instead of its tests; see
// [RunChild] and [StartProcesses].
const childEnv = "VEILLE_NATSTEST_SERVER"

// childOptions is what a child server process is given.
type childOptions struct {
	Name, StoreDir, Routes string
	Port, ClusterPort      int
	NoSync                 bool
	MaxPayload             int32
}

// RunChild runs a NATS server until the process is killed, when the test
// binary was started by [StartProcesses] to be one; otherwise it returns
// at once. Call it first thing in TestMain.
func RunChild() {
	raw := os.Getenv(childEnv)
	if raw == "" {
		return
	}
	var c childOptions
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		fmt.Fprintln(os.Stderr, "natstest child:", err)
		os.Exit(2)
	}
	so := &server.Options{
		ServerName: c.Name, Host: "127.0.0.1", Port: c.Port, JetStream: true, StoreDir: c.StoreDir,
		SyncAlways: !c.NoSync, MaxPayload: c.MaxPayload, NoLog: true, NoSigs: true,
		JetStreamMaxMemory: 256 << 20, JetStreamMaxStore: 4 << 30,
		Cluster: server.ClusterOpts{Name: "veille-test", Host: "127.0.0.1", Port: c.ClusterPort},
		Routes:  server.RoutesFromStr(c.Routes),
	}
	s, err := server.NewServer(so)
	if err != nil {
		fmt.Fprintln(os.Stderr, "natstest child:", err)
		os.Exit(2)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		fmt.Fprintln(os.Stderr, "natstest child: not ready")
		os.Exit(2)
	}
	select {} // until SIGKILL
}

// Processes is a cluster of NATS servers, each in a child process (the
// test binary itself, see [RunChild]), that a test can SIGKILL.
type Processes struct {
	t     testing.TB
	opts  []childOptions
	procs []*exec.Cmd
}

// StartProcesses starts n servers as child processes, killed when the test
// ends, and waits until JetStream answers.
func StartProcesses(t testing.TB, n int, o Options) *Processes {
	t.Helper()
	if o.MaxPayload == 0 {
		o.MaxPayload = 8 << 20
	}
	ports := freePorts(t, 2*n)
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[2*i+1]))
	}
	p := &Processes{t: t, procs: make([]*exec.Cmd, n)}
	dir := t.TempDir()
	for i := range n {
		p.opts = append(p.opts, childOptions{
			Name: fmt.Sprintf("nats-%d", i), StoreDir: filepath.Join(dir, fmt.Sprintf("nats-%d", i)),
			Routes: strings.Join(routes, ","), Port: ports[2*i], ClusterPort: ports[2*i+1],
			NoSync: o.NoSync, MaxPayload: o.MaxPayload,
		})
	}
	for i := range n {
		p.Restart(i)
	}
	t.Cleanup(func() {
		for i := range p.procs {
			p.Kill(i)
		}
	})
	p.WaitJetStream()
	return p
}

// URLs returns the client URLs of every server.
func (p *Processes) URLs() []string {
	out := make([]string, len(p.opts))
	for i, o := range p.opts {
		out[i] = fmt.Sprintf("nats://127.0.0.1:%d", o.Port)
	}
	return out
}

// Name returns the server name of server i.
func (p *Processes) Name(i int) string { return p.opts[i].Name }

// Index returns the number of the server named name, or -1.
func (p *Processes) Index(name string) int {
	for i, o := range p.opts {
		if o.Name == name {
			return i
		}
	}
	return -1
}

// Kill sends SIGKILL to server i's process and waits for it to exit.
func (p *Processes) Kill(i int) {
	c := p.procs[i]
	if c == nil {
		return
	}
	_ = c.Process.Kill()
	_ = c.Wait()
	p.procs[i] = nil
}

// Restart starts server i's process again (on its ports and store) and
// waits until it accepts connections.
func (p *Processes) Restart(i int) {
	p.t.Helper()
	if p.procs[i] != nil {
		return
	}
	b, _ := json.Marshal(p.opts[i])
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), childEnv+"="+string(b))
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	if err := c.Start(); err != nil {
		p.t.Fatalf("natstest: start server %d: %v", i, err)
	}
	p.procs[i] = c
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.opts[i].Port), time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("natstest: server %d does not listen: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitJetStream waits until the JetStream API answers.
func (p *Processes) WaitJetStream() {
	p.t.Helper()
	waitJetStream(p.t, p.URLs())
}

// StreamLeader asks the servers which one leads stream; -1 when none does.
func (p *Processes) StreamLeader(stream string) int {
	nc, err := nats.Connect(strings.Join(p.URLs(), ","), nats.Timeout(2*time.Second))
	if err != nil {
		return -1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return -1
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil {
		return -1
	}
	return p.Index(info.Cluster.Leader)
}
