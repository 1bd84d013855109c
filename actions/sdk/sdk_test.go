package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type echoIn struct {
	Text string `json:"text"`
}

type echoOut struct {
	Text   string `json:"text"`
	RunID  string `json:"run_id"`
	Secret string `json:"secret"`
}

func echo(ctx *Context, in echoIn) (echoOut, error) {
	switch in.Text {
	case "fail":
		return echoOut{}, Errorf("lookup_failed", "no record for %q", "x")
	case "plain":
		return echoOut{}, errors.New("something broke")
	case "panic":
		panic("boom")
	}
	secret, _ := ctx.Secret("token")
	return echoOut{Text: in.Text, RunID: ctx.RunID, Secret: secret}, nil
}

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		stdin    string
		wantExit int
		want     string
	}{
		{
			name:  "output",
			stdin: `{"abi":"v1","action":"t.echo@1.0.0","input":{"text":"hi"},"secrets":{"token":"s"},"context":{"run_id":"r1"}}`,
			want:  `{"output":{"text":"hi","run_id":"r1","secret":"s"}}`,
		},
		{
			name:     "structured error",
			stdin:    `{"abi":"v1","input":{"text":"fail"}}`,
			wantExit: 1,
			want:     `{"error":{"code":"lookup_failed","message":"no record for \"x\""}}`,
		},
		{
			name:     "plain error",
			stdin:    `{"abi":"v1","input":{"text":"plain"}}`,
			wantExit: 1,
			want:     `{"error":{"code":"action_failed","message":"something broke"}}`,
		},
		{
			name:     "panic",
			stdin:    `{"abi":"v1","input":{"text":"panic"}}`,
			wantExit: 1,
			want:     `{"error":{"code":"panic","message":"boom"}}`,
		},
		{
			name:     "wrong abi",
			stdin:    `{"abi":"v9","input":{}}`,
			wantExit: 1,
			want:     `{"error":{"code":"invalid_request","message":"abi \"v9\" is not supported, want \"v1\""}}`,
		},
		{
			name:     "input type mismatch",
			stdin:    `{"abi":"v1","input":{"text":5}}`,
			wantExit: 1,
			want:     `"code":"invalid_input"`,
		},
		{
			name:     "not json",
			stdin:    `hello`,
			wantExit: 1,
			want:     `"code":"invalid_request"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			code := run(strings.NewReader(tt.stdin), &stdout, echo)
			if code != tt.wantExit {
				t.Errorf("exit = %d, want %d", code, tt.wantExit)
			}
			if !json.Valid(stdout.Bytes()) {
				t.Errorf("stdout %q is not JSON", stdout.String())
			}
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("stdout = %s, want %s", stdout.String(), tt.want)
			}
		})
	}
}

func TestServe_DispatchesOnActionName(t *testing.T) {
	Handle("t.echo", echo)
	Handle("t.length", func(_ *Context, in echoIn) (int, error) { return len(in.Text), nil })
	t.Cleanup(func() {
		delete(handlers, "t.echo")
		delete(handlers, "t.length")
	})

	tests := []struct {
		name     string
		stdin    string
		wantExit int
		want     string
	}{
		{
			name:  "first action",
			stdin: `{"abi":"v1","action":"t.echo@1.0.0","input":{"text":"hi"}}`,
			want:  `{"output":{"text":"hi","run_id":"","secret":""}}`,
		},
		{
			name:  "second action",
			stdin: `{"abi":"v1","action":"t.length@2.1.0","input":{"text":"hello"}}`,
			want:  `{"output":5}`,
		},
		{
			name:  "name without version",
			stdin: `{"abi":"v1","action":"t.length","input":{"text":"abc"}}`,
			want:  `{"output":3}`,
		},
		{
			name:     "unknown action",
			stdin:    `{"abi":"v1","action":"t.missing@1.0.0","input":{}}`,
			wantExit: 1,
			want: `{"error":{"code":"unknown_action",` +
				`"message":"action \"t.missing\" is not served by this module"}}`,
		},
		{
			name:     "no action name",
			stdin:    `{"abi":"v1","input":{}}`,
			wantExit: 1,
			want:     `"code":"unknown_action"`,
		},
		{
			name:     "error of the action",
			stdin:    `{"abi":"v1","action":"t.echo@1.0.0","input":{"text":"fail"}}`,
			wantExit: 1,
			want:     `"code":"lookup_failed"`,
		},
		{
			name:     "input of the wrong type",
			stdin:    `{"abi":"v1","action":"t.length@1.0.0","input":5}`,
			wantExit: 1,
			want:     `"code":"invalid_input"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			code := serve(strings.NewReader(tt.stdin), &stdout, lookupHandler)
			if code != tt.wantExit {
				t.Errorf("exit = %d, want %d", code, tt.wantExit)
			}
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("stdout = %s, want %s", stdout.String(), tt.want)
			}
		})
	}
}

func TestHandle_PanicsOnDuplicate(t *testing.T) {
	Handle("t.once", echo)
	t.Cleanup(func() { delete(handlers, "t.once") })

	defer func() {
		r := recover()
		if r != `sdk: action "t.once" is already registered` {
			t.Errorf("recover() = %v, want the duplicate registration message", r)
		}
	}()
	Handle("t.once", echo)
}

func TestNewTestContext_CopiesSecrets(t *testing.T) {
	secrets := map[string]string{"api_key": "k1"}
	ctx := NewTestContext(secrets)
	secrets["api_key"] = "changed"

	got, ok := ctx.Secret("api_key")
	if !ok || got != "k1" {
		t.Errorf("Secret(api_key) = %q, %v, want \"k1\", true", got, ok)
	}
	if _, ok := ctx.Secret("other"); ok {
		t.Error("Secret(other) found a secret that was not given")
	}
}

func TestError_As(t *testing.T) {
	err := Errorf("not_found", "user %d", 7)
	var e *Error
	if !errors.As(err, &e) || e.Code != "not_found" || e.Message != "user 7" {
		t.Errorf("Errorf = %#v", err)
	}
}
