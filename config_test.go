package main

import (
	"errors"
	"io"
	"math"
	"runtime/debug"
	"slices"
	"testing"
)

func TestParseConfig(t *testing.T) {
	env := map[string]string{"VEILLE_ADDR": "127.0.0.1:9999", "VEILLE_ADMIN_KEY": "from-env"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		args []string
		want func(config) bool
	}{
		{"no arguments serves with env and defaults", nil, func(c config) bool {
			return c.Command == "serve" && c.Addr == "127.0.0.1:9999" && c.AdminKey == "from-env" && c.Data == "./veille-data" && c.Corpus == ""
		}},
		{"flags win over environment", []string{"serve", "--addr", ":7000", "--admin-key", "k", "--corpus", "dir"}, func(c config) bool {
			return c.Addr == ":7000" && c.AdminKey == "k" && c.Corpus == "dir"
		}},
		{"flags without command", []string{"--data", "/tmp/x"}, func(c config) bool {
			return c.Command == "serve" && c.Data == "/tmp/x"
		}},
		{"index paths", []string{"index", "--data", "d", "a.json", "folder"}, func(c config) bool {
			return c.Command == "index" && c.Data == "d" && slices.Equal(c.Paths, []string{"a.json", "folder"})
		}},
		{"search with flags after the query", []string{"search", "data", "centers", "--country", "NO", "--company", "Nvidia", "--company", "Aker"}, func(c config) bool {
			s := c.Search
			return c.Command == "search" && s.Query == "data centers" && slices.Equal(s.Countries, []string{"NO"}) && slices.Equal(s.Companies, []string{"Nvidia", "Aker"})
		}},
		{"double dash ends flags", []string{"search", "--", "-nvidia"}, func(c config) bool { return c.Search.Query == "-nvidia" }},
		{"hardening defaults", nil, func(c config) bool {
			return len(c.AllowedHosts) == 0 && c.MaxConnections == 512 && c.ShutdownTimeout > 0
		}},
		{"allowed hosts: comma-separated and repeatable", []string{"--allowed-hosts", "veille.lan, veille.example.org", "--allowed-hosts", "autre.lan", "--max-connections", "64"}, func(c config) bool {
			return slices.Equal(c.AllowedHosts, []string{"veille.lan", "veille.example.org", "autre.lan"}) && c.MaxConnections == 64
		}},
		{"cluster flags", []string{"serve", "--nats", "nats://a:4222,nats://b:4222", "--node", "n1", "--nats-monitor", "http://a:8222"}, func(c config) bool {
			return c.NATS == "nats://a:4222,nats://b:4222" && c.Node == "n1" && c.NATSMonitor == "http://a:8222"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseConfig(tc.args, getenv, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"index"},
		{"serve", "extra"},
		{"serve", "--no-such-flag"},
		{"serve", "--help"},
		{"search", "--per-page", "abc"},
		{"serve", "--max-connections", "0"},
		{"serve", "--shutdown-timeout", "0s"},
	} {
		_, err := parseConfig(args, func(string) string { return "" }, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

func TestParseConfigHardeningEnvironment(t *testing.T) {
	env := map[string]string{"VEILLE_ALLOWED_HOSTS": "a.lan,b.lan", "VEILLE_MAX_CONNECTIONS": "32"}
	c, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || !slices.Equal(c.AllowedHosts, []string{"a.lan", "b.lan"}) || c.MaxConnections != 32 {
		t.Errorf("config %+v, %v", c, err)
	}
	env["VEILLE_MAX_CONNECTIONS"] = "beaucoup"
	if _, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("VEILLE_MAX_CONNECTIONS=beaucoup: %v, want a usage error", err)
	}
}

// TestTuneGC checks the collector settings of each command, and that
// GOGC and GOMEMLIMIT in the environment win.
func TestTuneGC(t *testing.T) {
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })
	for _, tc := range []struct {
		command string
		env     map[string]string
		gc      int
		limit   int64
	}{
		{"serve", nil, 200, 200 << 20},
		{"serve", map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}, 100, math.MaxInt64},
		{"index", nil, 200, math.MaxInt64},
		{"search", nil, 100, math.MaxInt64},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		tuneGC(tc.command, func(k string) string { return tc.env[k] })
		if got := debug.SetGCPercent(100); got != tc.gc {
			t.Errorf("%s %v: GOGC %d, want %d", tc.command, tc.env, got, tc.gc)
		}
		if got := debug.SetMemoryLimit(-1); got != tc.limit {
			t.Errorf("%s %v: memory limit %d, want %d", tc.command, tc.env, got, tc.limit)
		}
	}
}
