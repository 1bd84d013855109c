package actions

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestSchema_Validate(t *testing.T) {
	s, err := CompileSchema(json.RawMessage(`{
		"type": "object",
		"required": ["ip"],
		"properties": {
			"ip": {"type": "string", "format": "ipv4"},
			"tags": {"type": "array", "items": {"type": "string"}},
			"a/b": {"type": "integer"}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		doc  string
		want []Problem
	}{
		{"valid", `{"ip": "203.0.113.9"}`, nil},
		{"missing", `{}`, []Problem{{Path: "", Message: "missing property 'ip'"}}},
		{"format", `{"ip": "999.1.1.1"}`, []Problem{{Path: "/ip", Message: "'999.1.1.1' is not valid ipv4: decimal must be between 0 and 255"}}},
		{"nested", `{"ip": "203.0.113.9", "tags": ["a", 2]}`, []Problem{{Path: "/tags/1", Message: "got number, want string"}}},
		{"escaped pointer", `{"ip": "203.0.113.9", "a/b": "x"}`, []Problem{{Path: "/a~1b", Message: "got string, want integer"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate(json.RawMessage(tt.doc))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var merr *MismatchError
			if !errors.As(err, &merr) {
				t.Fatalf("Validate = %v, want *MismatchError", err)
			}
			if !errors.Is(err, ErrSchemaMismatch) {
				t.Errorf("Validate = %v, want ErrSchemaMismatch", err)
			}
			if len(merr.Problems) != len(tt.want) || merr.Problems[0] != tt.want[0] {
				t.Errorf("problems = %q, want %q", merr.Problems, tt.want)
			}
		})
	}
}

func TestSchema_ValidateRejectsInvalidJSON(t *testing.T) {
	s, err := CompileSchema(json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(json.RawMessage(`{`)); !errors.Is(err, ErrSchemaMismatch) {
		t.Errorf("Validate = %v, want ErrSchemaMismatch", err)
	}
}

func TestCompileSchema_RejectsExternalReference(t *testing.T) {
	_, err := CompileSchema(json.RawMessage(`{"$ref": "https://schemas.example/x.json"}`))
	if err == nil {
		t.Fatal("CompileSchema succeeded, want error for external reference")
	}
}
