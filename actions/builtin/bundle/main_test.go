package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions"
)

// serveEnv makes the test binary run main, so that a test can send it a
// request on stdin as the host would.
const serveEnv = "UPDRAFT_TEST_BUNDLE_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// serveNative runs main natively with request on stdin and returns the
// error code of the envelope it writes, or "" for an output.
func serveNative(t *testing.T, request string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0])
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	cmd.Stdin = strings.NewReader(request)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	_ = cmd.Run() // an error envelope comes with exit status 1

	var envelope struct {
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &envelope); err != nil {
		t.Fatalf("stdout %q is not an envelope: %v", stdout.String(), err)
	}
	if envelope.Error == nil {
		return ""
	}
	return envelope.Error.Code
}

// TestBundle_ServesEveryManifest sends each manifest's action an input of
// the wrong type. A registered action rejects it with invalid_input
// before its function runs, so no action sends a request anywhere.
func TestBundle_ServesEveryManifest(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "*", "manifest*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no manifest in a directory next to the bundle command")
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := actions.ParseManifest(raw)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		t.Run(m.Name, func(t *testing.T) {
			code := serveNative(t, `{"abi":"v1","action":"`+m.Ref()+`","input":5}`)
			if code != "invalid_input" {
				t.Errorf("code = %q, want invalid_input from a registered action", code)
			}
		})
	}
}

func TestBundle_UnknownAction(t *testing.T) {
	code := serveNative(t, `{"abi":"v1","action":"no.such_action@1.0.0","input":{}}`)
	if code != "unknown_action" {
		t.Errorf("code = %q, want unknown_action", code)
	}
}
