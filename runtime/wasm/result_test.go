package wasm

import (
	"encoding/json"
	"testing"
)

func TestParseEnvelope(t *testing.T) {
	tests := []struct {
		name   string
		stdout string
		valid  bool
	}{
		{"output", `{"output":{"a":1}}` + "\n", true},
		{"error", `{"error":{"code":"x","message":"m"}}`, true},
		{"empty", ``, false},
		{"both", `{"output":{},"error":{"code":"x","message":"m"}}`, false},
		{"neither", `{}`, false},
		{"null output", `{"output":null}`, false},
		{"unknown key", `{"output":{},"extra":1}`, false},
		{"two documents", `{"output":{}}{"output":{}}`, false},
		{"text after", `{"output":{}} done`, false},
		{"not json", `done`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseEnvelope([]byte(tt.stdout))
			if tt.valid != (err == nil) {
				t.Errorf("parseEnvelope(%q) = %v, want valid %v", tt.stdout, err, tt.valid)
			}
		})
	}
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(`{"output":{"a":1}}`))
	f.Add([]byte(`{"error":{"code":"x","message":"m"}}`))
	f.Add([]byte(`{"output":null,"error":null}`))
	f.Fuzz(func(t *testing.T, stdout []byte) {
		env, err := parseEnvelope(stdout)
		if err != nil {
			return
		}
		hasOutput := len(env.Output) > 0 && string(env.Output) != "null"
		if hasOutput == (env.Error != nil) {
			t.Fatalf("parseEnvelope(%q) accepted output %v and error %v", stdout, hasOutput, env.Error)
		}
		if hasOutput && !json.Valid(env.Output) {
			t.Fatalf("parseEnvelope(%q) returned invalid output %q", stdout, env.Output)
		}
	})
}
