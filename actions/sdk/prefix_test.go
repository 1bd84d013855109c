package sdk

import (
	"bytes"
	"strings"
	"testing"
)

func TestServe_DispatchesOnPrefix(t *testing.T) {
	config := func(ctx *Context, _ struct{}) (string, error) { return string(ctx.Config()), nil }
	named := func(*Context, struct{}) (string, error) { return "named", nil }
	HandlePrefix("p.", func(*Context, struct{}) (string, error) { return "short", nil })
	HandlePrefix("p.api.", config)
	Handle("p.api.own", named)
	t.Cleanup(func() {
		delete(prefixHandlers, "p.")
		delete(prefixHandlers, "p.api.")
		delete(handlers, "p.api.own")
	})

	tests := []struct {
		name, stdin, want string
	}{
		{"longest prefix with config",
			`{"abi":"v1","action":"p.api.get_pet@1.0.0","config":{"method":"GET"},"input":{}}`,
			`{"output":"{\"method\":\"GET\"}"}`},
		{"shorter prefix", `{"abi":"v1","action":"p.other@1.0.0","input":{}}`, `{"output":"short"}`},
		{"exact name first", `{"abi":"v1","action":"p.api.own@1.0.0","input":{}}`, `{"output":"named"}`},
		{"no config", `{"abi":"v1","action":"p.api.list@1.0.0","input":{}}`, `{"output":""}`},
		{"no match", `{"abi":"v1","action":"q.api@1.0.0","input":{}}`, `"code":"unknown_action"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			serve(strings.NewReader(tt.stdin), &stdout, lookupHandler)
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("stdout = %s, want %s", stdout.String(), tt.want)
			}
		})
	}
}

func TestHandlePrefix_PanicsWithoutDot(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("HandlePrefix(\"openapi\") did not panic")
		}
	}()
	HandlePrefix("openapi", func(*Context, struct{}) (int, error) { return 0, nil })
}
