// Command webhookload measures webhook-to-done throughput of Updraft. It
// starts "updraft serve" on 127.0.0.1 with a fresh embedded database,
// stores a five-step playbook of bundled actions, posts a fixed number of
// webhooks with bounded concurrency, waits for every run to end, prints
// the figures, and stops the server. It sends traffic only to the server
// it started.
//
//	go build -o /tmp/updraft ./cmd/updraft
//	go run ./bench/webhookload -updraft /tmp/updraft -n 2000 -c 32
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"time"
)

// adminToken is the bootstrap admin token of the server under test.
const adminToken = "upd_webhookload-admin-token-0123456789"

//go:embed playbook.json
var playbookJSON []byte

func main() {
	binary := flag.String("updraft", "", "`path` of the updraft binary (required)")
	runs := flag.Int("n", 1000, "number of webhooks to post")
	workers := flag.Int("c", 32, "maximum number of requests in flight")
	limit := flag.Duration("timeout", 10*time.Minute, "maximum duration of the whole test")
	keep := flag.Bool("keep", false, "keep the data directory after the test")
	flag.Parse()
	if *binary == "" || *runs < 1 || *workers < 1 {
		flag.Usage()
		os.Exit(2)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	if err := run(ctx, *binary, *runs, *workers, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "webhookload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, binary string, runs, workers int, keep bool) error {
	dir, err := os.MkdirTemp("", "updraft-webhookload-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}

	srv, err := startServer(ctx, binary, dir)
	if err != nil {
		return err
	}
	defer srv.stop()

	hook, err := srv.createPlaybook(ctx)
	if err != nil {
		return err
	}
	if err := srv.warmUp(ctx, hook, warmUpRuns); err != nil {
		return err
	}
	posted, err := postWebhooks(ctx, hook, runs, workers)
	if err != nil {
		return err
	}
	return srv.waitAndReport(ctx, posted)
}
