package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// runAction runs `updraft action ARGS...` and returns the exit status,
// stdout and stderr.
func runAction(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := runCLI(append([]string{"action"}, args...), &stdout, &stderr)
	return status, stdout.String(), stderr.String()
}

// mustRunAction is runAction that fails the test unless the command
// succeeds.
func mustRunAction(t *testing.T, args ...string) string {
	t.Helper()
	status, stdout, stderr := runAction(t, args...)
	if status != 0 {
		t.Fatalf("updraft action %s: exit status %d\nstdout: %s\nstderr: %s",
			strings.Join(args, " "), status, stdout, stderr)
	}
	return stdout
}

func TestActionCLI_InitBuildPublishRun(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not in PATH")
	}
	work := t.TempDir()
	keyPrefix := filepath.Join(work, "dev")
	keygenOut := mustRunAction(t, "keygen", "--out", keyPrefix)
	checkKeyFiles(t, keyPrefix, keygenOut)

	keys, err := actions.LoadTrustedKeys(keyPrefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	srv := startServerWith(t, func(cfg *config) {
		cfg.TrustedKeys = keys
		cfg.RequireSignatures = true
	})

	dir := filepath.Join(work, "words")
	mustRunAction(t, "init", "text.words", "--dir", dir, "--sdk", filepath.Join("..", ".."))
	goTest := exec.CommandContext(t.Context(), "go", "test", "-mod=mod", "./...")
	goTest.Dir = dir
	if out, err := goTest.CombinedOutput(); err != nil {
		t.Fatalf("go test in the scaffold: %v\n%s", err, out)
	}
	mustRunAction(t, "build", dir)
	if _, err := os.Stat(filepath.Join(dir, "text.words.wasm")); err != nil {
		t.Fatalf("build wrote no module: %v", err)
	}

	publish := []string{"publish", dir, "--server", srv.URL, "--token", srv.Token, "--key", keyPrefix + ".key"}
	out := mustRunAction(t, publish...)
	if !strings.Contains(out, "published text.words@0.1.0") || !strings.Contains(out, "signed by") {
		t.Errorf("publish output = %q, want a signed text.words@0.1.0", out)
	}
	out = mustRunAction(t, publish...)
	if !strings.Contains(out, "already published with this module") {
		t.Errorf("second publish output = %q, want already published", out)
	}

	runWordsPlaybook(t, srv)
}

// checkKeyFiles checks that keygen wrote a private key readable only by
// its owner and printed the public key.
func checkKeyFiles(t *testing.T, prefix, stdout string) {
	t.Helper()
	info, err := os.Stat(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("private key mode = %o, want 600", mode)
	}
	pub, err := os.ReadFile(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, strings.TrimSpace(string(pub))) {
		t.Errorf("keygen output %q does not show the public key", stdout)
	}
	status, _, stderr := runAction(t, "keygen", "--out", prefix)
	if status != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("keygen over existing files: status %d, stderr %q; want 1 and an error", status, stderr)
	}
}

// runWordsPlaybook runs the published text.words action in a playbook
// that pins it by range.
func runWordsPlaybook(t *testing.T, srv *testServer) {
	t.Helper()
	playbook := strings.NewReplacer("hash.crc32@^1", "text.words@^0.1",
		`"crc32": "${{ steps.crc.output.crc32 }}", "length": "${{ steps.crc.output.length }}"`,
		`"words": "${{ steps.crc.output.words }}"`).Replace(crcPlaybook)
	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", []byte(playbook), http.StatusCreated, &saved)
	var started struct {
		RunID string `json:"run_id"`
	}
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs",
		[]byte(`{"text": "three short words"}`), http.StatusAccepted, &started)
	checkRunFinished(t, srv.followRun(t, started.RunID, 0), runtime.RunSucceeded)

	var run runWithSteps
	srv.mustDo(t, http.MethodGet, "/api/v1/runs/"+started.RunID, nil, http.StatusOK, &run)
	if string(run.Output) != `{"words":3}` {
		t.Errorf("run output = %s, want {\"words\":3}", run.Output)
	}
}

func TestActionCLI_PublishErrors(t *testing.T) {
	srv := startServer(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "manifest.json"), testManifest("test.cli", "1.0.0"))
	writeFile(t, filepath.Join(dir, "test.cli.wasm"), minimalModule("first"))
	other := filepath.Join(t.TempDir(), "other.wasm")
	writeFile(t, other, minimalModule("other"))
	badDir := t.TempDir()
	writeFile(t, filepath.Join(badDir, "manifest.json"), testManifest("test.cli", "1"))
	noModuleDir := t.TempDir()
	writeFile(t, filepath.Join(noModuleDir, "manifest.json"), testManifest("test.cli", "2.0.0"))
	t.Setenv("UPDRAFT_TOKEN", "")

	mustRunAction(t, "publish", dir, "--server", srv.URL, "--token", srv.Token)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unreachable", []string{"publish", dir, "--server", closedServerURL(t), "--token", "x"},
			"is unreachable"},
		{"bad token", []string{"publish", dir, "--server", srv.URL, "--token", "upd_wrong"},
			"rejected the token (401"},
		{"no token", []string{"publish", dir, "--server", srv.URL}, "missing API token"},
		{"other module", []string{"publish", dir, "--server", srv.URL, "--token", srv.Token,
			"--module", other}, "version conflict (409)"},
		{"invalid manifest", []string{"publish", badDir, "--server", srv.URL, "--token", srv.Token},
			`version: "1" is not a semantic version`},
		{"missing directory", []string{"publish", badDir + "/missing", "--server", srv.URL}, "manifest.json"},
		{"no module", []string{"publish", noModuleDir, "--server", srv.URL}, "run `updraft action build`"},
		{"bad key", []string{"publish", dir, "--server", srv.URL, "--token", srv.Token,
			"--key", filepath.Join(dir, "manifest.json")}, "invalid ed25519 private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, stderr := runAction(t, tt.args...)
			if status != 1 {
				t.Errorf("exit status = %d, want 1", status)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestActionCLI_Usage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantErr    string
	}{
		{"no command", nil, 2, "updraft action init NAME"},
		{"unknown command", []string{"launch"}, 2, `unknown command "launch"`},
		{"init without name", []string{"init"}, 2, "missing NAME"},
		{"init bad name", []string{"init", "Words", "--dir", t.TempDir()}, 1, "dotted lowercase name"},
		{"build without manifest", []string{"build", t.TempDir()}, 1, "manifest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, stderr := runAction(t, tt.args...)
			if status != tt.wantStatus {
				t.Errorf("exit status = %d, want %d", status, tt.wantStatus)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
		})
	}
}

// closedServerURL returns the URL of a 127.0.0.1 port that nothing
// listens on.
func closedServerURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
