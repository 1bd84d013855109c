package main

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// cActionDir is the C action's source, relative to this package.
const cActionDir = "../../actions/examples/c-hash"

// buildCAction copies the C action's sources into a temporary directory
// and builds hash.crc32.wasm there with its Makefile. It skips the test
// when clang, wasm-ld or make is missing.
func buildCAction(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"clang", "wasm-ld", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed; on Debian run "+
				"apt-get install -y make clang lld wasi-libc libclang-rt-14-dev-wasm32", tool)
		}
	}
	dir := t.TempDir()
	for _, name := range []string{"crc32.c", "Makefile", "manifest.json"} {
		data, err := os.ReadFile(filepath.Join(cActionDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), "make", "-s", "-C", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make: %v\n%s", err, out)
	}
	return dir
}

func TestCAction_PublishAndRun(t *testing.T) {
	dir := buildCAction(t)
	srv := startServer(t)

	req, err := readPublishFiles(dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	req.Server, req.Token = srv.URL, srv.Token
	res, err := publishModule(t.Context(), http.DefaultClient, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Action.Manifest.Ref() != "hash.crc32@1.0.0" {
		t.Fatalf("publish = created %v, %s; want a new hash.crc32@1.0.0",
			res.Created, res.Action.Manifest.Ref())
	}

	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", []byte(crcPlaybook), http.StatusCreated, &saved)
	tests := []struct {
		name string
		text string
	}{
		{"check value", "123456789"},
		{"empty", ""},
		{"escapes", "tab\there \"quoted\" \\ é \U0001F600 \u2028"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inputs, _ := json.Marshal(map[string]string{"text": tt.text})
			var started struct {
				RunID string `json:"run_id"`
			}
			srv.mustDo(t, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs", inputs,
				http.StatusAccepted, &started)
			checkRunFinished(t, srv.followRun(t, started.RunID, 0), runtime.RunSucceeded)

			var run runWithSteps
			srv.mustDo(t, http.MethodGet, "/api/v1/runs/"+started.RunID, nil, http.StatusOK, &run)
			want := fmt.Sprintf(`{"crc32":"%08x","length":%d}`, crc32.ChecksumIEEE([]byte(tt.text)), len(tt.text))
			if string(run.Output) != want {
				t.Errorf("run output = %s, want %s", run.Output, want)
			}
		})
	}
}

// crcPlaybook hashes its "text" input with hash.crc32 and returns the
// action's output.
const crcPlaybook = `{
  "name": "CRC of a text",
  "inputs": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
  "nodes": [
    {"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
    {"id": "crc", "type": "action", "position": {"x": 200, "y": 0},
     "settings": {"action": "hash.crc32@^1", "inputs": {"text": "${{ inputs.text }}"}}},
    {"id": "done", "type": "end", "position": {"x": 400, "y": 0},
     "settings": {"output": {"crc32": "${{ steps.crc.output.crc32 }}", "length": "${{ steps.crc.output.length }}"}}}
  ],
  "edges": [
    {"from": "start", "port": "success", "to": "crc"},
    {"from": "crc", "port": "success", "to": "done"}
  ]
}`
