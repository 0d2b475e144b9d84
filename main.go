// Command veille is a search service for news written mostly in French:
// keyword search over HTTP with facets (company, country, amount, language,
// month) extracted from raw article text.
//
// Usage:
//
//	veille [serve] [--addr A] [--data DIR] [--corpus DIR] [--admin-key KEY]
//	veille index [--data DIR] PATH...
//	veille search [--data DIR] [--company X] [--country X] ... QUERY
//
// Each flag of serve can also be set by an environment variable (VEILLE_ADDR,
// VEILLE_DATA, VEILLE_CORPUS, VEILLE_ADMIN_KEY, VEILLE_ALLOWED_HOSTS,
// VEILLE_MAX_CONNECTIONS...); flags win.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "veille:", err)
		}
		os.Exit(exitCode(err))
	}
}

// run parses args and environment into a config and runs the command it
// names. It returns when the command is done or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	tuneGC(cfg.Command, getenv)
	switch cfg.Command {
	case "serve":
		return serve(ctx, cfg, stderr)
	case "index":
		return indexPaths(ctx, cfg, stdout, stderr)
	case "search":
		return searchCommand(ctx, cfg, stdout)
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cfg.Command)
}
