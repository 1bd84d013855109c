package wasm

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// invokeGranted is invoke with secret grants: declared name to stored name.
func invokeGranted(t *testing.T, h *Host, ref, input string,
	grants map[string]string) (json.RawMessage, []string, error) {
	t.Helper()
	var lines []string
	out, err := h.Invoke(t.Context(), runtime.ActionCall{
		Action:         ref,
		Input:          json.RawMessage(input),
		RunID:          "run-1",
		StepID:         "step-1",
		IdempotencyKey: "step-1/1",
		Log:            func(line string) { lines = append(lines, line) },
		Secrets:        grants,
	})
	return out, lines, err
}

func TestHost_SecretGrants(t *testing.T) {
	secrets := staticSecrets{"stored_token": "granted-value", "token": "same-name-value"}
	h := newTestHost(t, Config{Secrets: secrets})
	tests := []struct {
		name     string
		grants   map[string]string
		wantLine string // the echo mode logs the token it received
		wantCode string
	}{
		{"granted", map[string]string{"token": "stored_token"},
			"stderr line with token [redacted]", ""},
		{"not granted", nil, "stderr line with token ", ""},
		{"undeclared grant", map[string]string{"api_key": "stored_token"},
			"", CodeSecretUnavailable},
		{"missing stored secret", map[string]string{"token": "absent"},
			"", CodeSecretUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, lines, err := invokeGranted(t, h, "test.hostile@1.0.0", `{"mode":"echo"}`, tt.grants)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if !slices.Contains(lines, tt.wantLine) {
				t.Errorf("log lines %q lack %q", lines, tt.wantLine)
			}
			joined := strings.Join(lines, "\n")
			for _, v := range secrets {
				if strings.Contains(joined, v) {
					t.Errorf("log lines %q contain a secret value", lines)
				}
			}
		})
	}
}

func TestRedactResult(t *testing.T) {
	secrets := map[string]string{"token": `tok"en-1`, "key": "k3y-value"}
	tests := []struct {
		name, out, want string
	}{
		{"string value", `{"auth":"Bearer k3y-value"}`, `{"auth":"Bearer [redacted]"}`},
		{"escaped value", `{"echo":"tok\"en-1"}`, `{"echo":"[redacted]"}`},
		{"nested array", `{"a":[{"b":"x k3y-value y"}]}`, `{"a":[{"b":"x [redacted] y"}]}`},
		{"object key", `{"k3y-value":1}`, `{"[redacted]":1}`},
		{"number kept", `{"n":12345678901234567890}`, `{"n":12345678901234567890}`},
		{"no secret", `{"ok":true}`, `{"ok":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := redactResult(json.RawMessage(tt.out), nil, secrets)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("redactResult(%s) = %s, want %s", tt.out, out, tt.want)
			}
		})
	}

	t.Run("error message", func(t *testing.T) {
		in := &runtime.ActionError{Code: "vendor_error", Message: "rejected key k3y-value"}
		_, err := redactResult(nil, in, secrets)
		var aerr *runtime.ActionError
		if !errors.As(err, &aerr) {
			t.Fatalf("error = %v, want *runtime.ActionError", err)
		}
		if aerr.Message != "rejected key [redacted]" {
			t.Errorf("message = %q, want the value redacted", aerr.Message)
		}
	})
}

func TestHost_SecretGet(t *testing.T) {
	const value = "granted-value-0123456789"
	h := newTestHost(t, Config{Secrets: staticSecrets{"stored_token": value}})
	grants := map[string]string{"token": "stored_token"}
	notGranted := `warn: secret_get: secret "backup_token" is not granted to this action in this playbook`
	undeclared := `warn: secret_get: secret "api_key" is not declared in capabilities.secrets`
	tests := []struct {
		name     string
		input    string
		want     map[string]any // output values; secret values come back redacted
		wantLine string
	}{
		{"granted", `{"mode":"secret_get","name":"token","size":64}`,
			map[string]any{"errno": float64(len(value)), "value": "[redacted]"}, ""},
		{"granted through read_result", `{"mode":"secret_get","name":"token","size":4}`,
			map[string]any{"errno": float64(len(value)), "value": "[redacted]"}, ""},
		{"declared not granted", `{"mode":"secret_get","name":"backup_token","size":64}`,
			map[string]any{"errno": float64(ErrnoSecretUnavailable), "value": ""}, notGranted},
		{"not declared", `{"mode":"secret_get","name":"api_key","size":64}`,
			map[string]any{"errno": float64(ErrnoSecretUnavailable), "value": ""}, undeclared},
		{"buffer outside memory", `{"mode":"secret_get_fault","name":"token"}`,
			map[string]any{"errno": float64(ErrnoFault)}, ""},
		{"sdk granted", `{"mode":"sdk_secret","name":"token"}`,
			map[string]any{"found": true, "value": "[redacted]"}, ""},
		{"sdk not granted", `{"mode":"sdk_secret","name":"backup_token"}`,
			map[string]any{"found": false, "value": ""}, notGranted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, lines, err := invokeGranted(t, h, "test.hostile@1.0.0", tt.input, grants)
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("output[%q] = %v, want %v", k, got[k], v)
				}
			}
			if tt.wantLine != "" && !slices.Contains(lines, tt.wantLine) {
				t.Errorf("log lines %q lack %q", lines, tt.wantLine)
			}
			if strings.Contains(strings.Join(lines, "\n"), value) {
				t.Errorf("log lines %q contain the secret value", lines)
			}
		})
	}
}

func TestHost_SecretGetRejectedFailsStep(t *testing.T) {
	h := newTestHost(t, Config{Secrets: staticSecrets{"stored_token": "v"}})
	_, lines, err := invokeGranted(t, h, "test.hostile@1.0.0",
		`{"mode":"secret_then_exit","name":"backup_token"}`, map[string]string{"token": "stored_token"})
	wantCode(t, err, CodeExitStatus)
	want := `secret "backup_token" is not granted`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Errorf("log lines %q, want one line naming the secret", lines)
	}
}
