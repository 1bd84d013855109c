package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// testToken is the admin token of every test server.
const testToken = "upd_test-admin-token-0123456789abcdef"

// testServer is an Updraft server running in the test process.
type testServer struct {
	URL     string // base URL, such as "http://127.0.0.1:41234"
	Token   string // admin API token
	DataDir string
}

// startServer starts the real server on 127.0.0.1 with a free port, an
// embedded database in a temporary directory, the shared compilation cache
// testModuleCache, the admin token testToken, and actions allowed to call
// 127.0.0.1. The server stops when the test
// ends.
func startServer(t *testing.T) *testServer {
	t.Helper()
	return startServerWith(t, nil)
}

// startServerWith is startServer with a hook that changes the config
// before the server starts.
func startServerWith(t *testing.T, modify func(*config)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	cfg := config{
		Addr:                 "127.0.0.1:0",
		DataDir:              t.TempDir(),
		ModuleCacheDir:       testModuleCache,
		BootstrapToken:       testToken,
		AllowLoopbackActions: true,
		ApprovedHosts:        []string{"127.0.0.1"},
		LogLevel:             slog.LevelDebug,
		LogFormat:            "text",
		LogOutput:            logs,
		ShutdownGrace:        5 * time.Second,
	}
	if modify != nil {
		modify(&cfg)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, io.Discard, func(addr string) { ready <- addr })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with an error: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})

	select {
	case addr := <-ready:
		return &testServer{URL: "http://" + addr, Token: cfg.BootstrapToken, DataDir: cfg.DataDir}
	case err := <-done:
		// The cleanup reads done too, so the error goes back for it.
		done <- err
		t.Fatalf("server did not start: %v\nserver log:\n%s", err, logs.String())
	}
	return nil
}

// syncBuffer is a bytes.Buffer that the server's goroutines can log into
// at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
