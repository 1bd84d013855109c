package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServe_SecretKeyFile(t *testing.T) {
	looseKey := filepath.Join(t.TempDir(), "loose.key")
	if err := os.WriteFile(looseKey, []byte(strings.Repeat("ab", 32)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(looseKey, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), BootstrapToken: testToken,
		SecretKeyFile: looseKey, LogOutput: io.Discard, LogLevel: slog.LevelError,
		ShutdownGrace: time.Second,
	}
	err := serve(context.Background(), cfg, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "run chmod 600") {
		t.Fatalf("serve with a 0644 key file: %v, want an error saying to chmod 600", err)
	}

	srv := startServer(t)
	info, err := os.Stat(filepath.Join(srv.DataDir, "secret.key"))
	if err != nil {
		t.Fatalf("generated key file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("generated key file mode %04o, want 0600", perm)
	}
}
