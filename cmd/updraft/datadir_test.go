package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/actions/builtin"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

func TestServe_SecondProcessOnDataDirRefused(t *testing.T) {
	srv := startServer(t)

	cfg := config{Addr: "127.0.0.1:0", DataDir: srv.DataDir, LogFormat: "text", LogOutput: io.Discard}
	err := serve(t.Context(), cfg, io.Discard, func(string) {
		t.Error("second server started on a data directory in use")
	})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("serve error = %v, want store.ErrLocked", err)
	}

	var stdout, stderr bytes.Buffer
	status := runCLI([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", srv.DataDir}, &stdout, &stderr)
	if status != 1 {
		t.Errorf("exit status = %d, want 1", status)
	}
	if !strings.Contains(stderr.String(), "in use") || !strings.Contains(stderr.String(), srv.DataDir) {
		t.Errorf("stderr = %q, want it to say the data directory %s is in use", stderr.String(), srv.DataDir)
	}
}

func TestServe_BootstrapTokenPrintedOnce(t *testing.T) {
	dir := t.TempDir()
	start := func() string {
		var stdout syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		cfg := config{Addr: "127.0.0.1:0", DataDir: dir, LogFormat: "text", LogOutput: io.Discard}
		err := serve(ctx, cfg, &stdout, func(string) { cancel() })
		cancel()
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		return stdout.String()
	}

	first := start()
	if !strings.Contains(first, "token") || !strings.Contains(first, "upd_") {
		t.Fatalf("first start printed %q, want the generated admin token", first)
	}
	if second := start(); second != "" {
		t.Errorf("second start printed %q, want nothing", second)
	}
}

func TestCLI_Commands(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantStatus int
		wantOut    string
		wantErr    string
	}{
		{"version", []string{"version"}, 0, "updraft ", ""},
		{"help", []string{"help"}, 0, "updraft serve", ""},
		{"no command", nil, 2, "", "Usage"},
		{"unknown command", []string{"launch"}, 2, "", `unknown command "launch"`},
		{"bad log format", []string{"serve", "--log-format", "xml"}, 2, "", "--log-format"},
		{"bad public url", []string{"serve", "--public-url", "soar.example.com"}, 2, "", "--public-url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := runCLI(tc.args, &stdout, &stderr)
			if status != tc.wantStatus {
				t.Errorf("exit status = %d, want %d", status, tc.wantStatus)
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tc.wantOut)
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantErr)
			}
		})
	}
}

func TestServe_BundledModuleReplacesStored(t *testing.T) {
	bundles, err := builtin.Load()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(bundles, func(b builtin.Bundle) bool { return b.Manifest.Name == "hash.compute" })
	if i < 0 {
		t.Fatal("no bundled hash.compute action")
	}
	bundle := bundles[i]

	// An older binary stored hash.compute with other module bytes, which
	// do not compile.
	dir := t.TempDir()
	st, err := store.Open(t.Context(), store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	other := append(slices.Clone(bundle.Module), 0)
	sum := sha256.Sum256(other)
	stored := bundle.Action()
	stored.SHA256 = hex.EncodeToString(sum[:])
	if _, err := st.PutAction(t.Context(), stored, other); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(t.Context()); err != nil {
		t.Fatal(err)
	}

	srv := startServerWith(t, func(c *config) { c.DataDir = dir })
	var list []actions.Action
	srv.mustDo(t, http.MethodGet, "/api/v1/actions", nil, http.StatusOK, &list)
	ref := bundle.Manifest.Ref()
	j := slices.IndexFunc(list, func(a actions.Action) bool { return a.Manifest.Ref() == ref })
	if j < 0 {
		t.Fatalf("actions %v do not include %s", list, ref)
	}
	if list[j].SHA256 != bundle.SHA256 {
		t.Errorf("%s has module %s, want the bundled %s", ref, list[j].SHA256, bundle.SHA256)
	}

	run := srv.runHashCompute(t, ref, "abc")
	if run.Status != runtime.RunSucceeded {
		t.Fatalf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	const abcSHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if !bytes.Contains(run.Output, []byte(abcSHA256)) {
		t.Errorf("run output %s lacks the SHA-256 of abc", run.Output)
	}
}
