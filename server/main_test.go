package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// testStore is one embedded database shared by the package's tests.
var testStore *store.Store

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "updraft-server-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	testStore, err = store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer testStore.Close(ctx)
	return m.Run()
}

// newTestServer serves a Server over the shared store on 127.0.0.1. The
// engine has no action invoker, so these tests start no action step.
func newTestServer(t *testing.T, modify func(*Config)) *httptest.Server {
	t.Helper()
	cfg := Config{
		Store:   testStore,
		Engine:  runtime.New(runtime.Config{Store: testStore}),
		Actions: actions.NewRegistry(),
	}
	if modify != nil {
		modify(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// noRedirectClient returns redirects instead of following them.
var noRedirectClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}
