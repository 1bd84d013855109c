package wasm

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

func TestHost_IOCExtractPhishingReport(t *testing.T) {
	h := newTestHost(t, Config{})
	raw, err := os.ReadFile("../../actions/builtin/iocextract/testdata/phishing-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	input, _ := json.Marshal(map[string]string{"text": report.Body})

	out, _, err := invoke(t, h, "ioc.extract@1.0.0", string(input))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var got struct {
		Indicators []struct{ Type, Value string } `json:"indicators"`
		Counts     map[string]int                 `json:"counts"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ Type, Value string }{
		{"domain", "paypa1-secure.example"},
		{"ipv4", "203.0.113.9"},
		{"email", "support-desk@mailbox-relay.example"},
		{"url", "https://paypa1-secure.example/verify?id=3f9a7c"},
	} {
		if !slices.Contains(got.Indicators, want) {
			t.Errorf("indicators %v lack %v", got.Indicators, want)
		}
	}
	if got.Counts["url"] != 1 {
		t.Errorf("counts[url] = %d, want 1", got.Counts["url"])
	}
}

func TestHost_ListMatch(t *testing.T) {
	h := newTestHost(t, Config{})
	out, _, err := invoke(t, h, "list.match@1.0.0", `{
		"indicators": [{"type":"domain","value":"PAYPA1-SECURE.example"}, "198.51.100.1"],
		"list": ["# bad", "paypa1-secure.example", "203.0.113.77"]}`)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var got struct {
		Matched bool `json:"matched"`
		Count   int  `json:"count"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Matched || got.Count != 1 {
		t.Errorf("output = %s, want one match", out)
	}
}

func TestHost_HostileModules(t *testing.T) {
	h := newTestHost(t, Config{})
	tests := []struct {
		mode    string
		code    string
		message string // a part of the error message
	}{
		{"loop", CodeTimeout, "deadline"},
		{"alloc", CodeMemoryLimit, "out of memory"},
		{"garbage", CodeInvalidOutput, "not a result envelope"},
		{"exit", CodeExitStatus, "status 3: giving up"},
		{"big", CodeOutputTooLarge, "1048576 bytes"},
		{"bad_output", CodeInvalidOutput, "missing property"},
		{"http", CodeHostCallDenied, `"undeclared.example" is not in`},
		{"http_then_exit", CodeHostCallDenied, `"undeclared.example" is not in`},
		{"nonsense", "unknown_mode", `mode "nonsense" is unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			input := `{"mode":"` + tt.mode + `","url":"https://undeclared.example/x"}`
			out, _, err := invoke(t, h, "test.hostile@1.0.0", input)
			if err == nil {
				t.Fatalf("Invoke returned %s, want error code %q", out, tt.code)
			}
			wantCode(t, err, tt.code)
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}

			// The same host still serves the next call.
			if _, _, err := invoke(t, h, "test.hostile@1.0.0", `{"mode":"echo"}`); err != nil {
				t.Fatalf("echo after %s: %v", tt.mode, err)
			}
		})
	}
}

func TestHost_RequestAndSandbox(t *testing.T) {
	h := newTestHost(t, Config{Secrets: staticSecrets{"stored_token": "s3cret-value"}})
	out, lines, err := invokeGranted(t, h, "test.hostile@1.0.0", `{"mode":"echo"}`,
		map[string]string{"token": "stored_token"})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"mode": "echo", "run_id": "run-1", "step_id": "step-1", "idempotency_key": "step-1/1",
		"action": "test.hostile@1.0.0", "args": 1.0, "env": 0.0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("output[%q] = %v, want %v", k, got[k], v)
		}
	}

	wantLines := []string{"stderr line with token [redacted]", "info: log import line"}
	for _, l := range wantLines {
		if !slices.Contains(lines, l) {
			t.Errorf("log lines %q lack %q", lines, l)
		}
	}
	if strings.Contains(strings.Join(lines, "\n"), "s3cret-value") {
		t.Errorf("log lines %q contain the secret", lines)
	}
}

func TestHost_SchemaRejectsInput(t *testing.T) {
	h := newTestHost(t, Config{})
	tests := []struct {
		name, ref, input, wantPath string
	}{
		{"missing property", "ioc.extract@1.0.0", `{}`, `at ""`},
		{"wrong type", "ioc.extract@1.0.0", `{"text": 5}`, `at "/text"`},
		{"extra property", "ioc.extract@1.0.0", `{"text": "a", "x": 1}`, `at ""`},
		{"not json", "list.match@1.0.0", `{`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := invoke(t, h, tt.ref, tt.input)
			wantCode(t, err, CodeInvalidInput)
			if !strings.Contains(err.Error(), tt.wantPath) {
				t.Errorf("error %q does not name %s", err, tt.wantPath)
			}
		})
	}
}

func TestHost_SchemaRejectsOutput(t *testing.T) {
	h := newTestHost(t, Config{})
	_, _, err := invoke(t, h, "test.hostile@1.0.0", `{"mode":"bad_output"}`)
	wantCode(t, err, CodeInvalidOutput)
	if !strings.Contains(err.Error(), `missing property 'mode'`) {
		t.Errorf("error %q does not name the missing property", err)
	}
}

func TestHost_UnknownAction(t *testing.T) {
	h := newTestHost(t, Config{})
	_, _, err := invoke(t, h, "no.such@1.0.0", `{}`)
	if !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("error = %v, want runtime.ErrNotFound", err)
	}
}

func TestHost_CanceledContext(t *testing.T) {
	h := newTestHost(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := h.Invoke(ctx, runtime.ActionCall{
			Action: "test.hostile@1.0.0", Input: json.RawMessage(`{"mode":"loop"}`),
			Log: func(string) {},
		})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestHost_TrapAndInvalidModule(t *testing.T) {
	tests := []struct {
		name   string
		module []byte
		code   string
	}{
		// (module (func (export "_start") unreachable))
		{"trap", []byte{
			0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
			0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
			0x03, 0x02, 0x01, 0x00,
			0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00,
			0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
		}, CodeTrap},
		{"not wasm", []byte("not a module"), CodeInvalidModule},
		// (module (import "updraft" "nope" (func)) (func (export "_start")))
		{"unknown import", []byte{
			0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
			0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
			0x02, 0x10, 0x01, 0x07, 'u', 'p', 'd', 'r', 'a', 'f', 't', 0x04, 'n', 'o', 'p', 'e', 0x00, 0x00,
			0x03, 0x02, 0x01, 0x00,
			0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x01,
			0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
		}, CodeInvalidModule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ref := hostWithModule(t, tt.module)
			_, _, err := invoke(t, h, ref, `{}`)
			wantCode(t, err, tt.code)
		})
	}
}

// hostWithModule returns a Host whose registry holds only the given module
// as "test.raw@1.0.0", with open schemas.
func hostWithModule(t *testing.T, module []byte) (*Host, string) {
	t.Helper()
	sha := sha256Hex(module)
	reg := actions.NewRegistry()
	m := actions.Manifest{
		ABI: actions.ABIv1, Name: "test.raw", Version: "1.0.0", Title: "Raw module",
		InputSchema: json.RawMessage(`{}`), OutputSchema: json.RawMessage(`{}`),
	}
	if err := reg.Add(actions.Action{Manifest: m, SHA256: sha}); err != nil {
		t.Fatal(err)
	}
	h, err := NewHost(t.Context(), Config{Registry: reg, Modules: StaticModules{sha: module}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h, m.Ref()
}

type staticSecrets map[string]string

func (s staticSecrets) Secret(_ context.Context, name string) (string, error) {
	v, ok := s[name]
	if !ok {
		return "", errors.New("not granted")
	}
	return v, nil
}

func TestHost_ConcurrentCalls(t *testing.T) {
	h := newTestHost(t, Config{})
	const calls = 8
	errs := make(chan error, calls)
	for i := range calls {
		go func() {
			input := `{"indicators":["a` + string(rune('0'+i)) + `.example"],"list":["a3.example"]}`
			_, err := h.Invoke(t.Context(), runtime.ActionCall{
				Action: "list.match@1.0.0", Input: json.RawMessage(input),
			})
			errs <- err
		}()
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Errorf("Invoke: %v", err)
		}
	}
}
