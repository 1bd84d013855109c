// Package vendortest holds the test helpers of the bundled vendor actions:
// manifest checks and error code checks.
package vendortest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// Manifest reads and validates manifest.json in the test's package
// directory, and checks that it names the action name.
func Manifest(t *testing.T, name string) *actions.Manifest {
	t.Helper()
	raw, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := actions.ParseManifest(raw)
	if err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if m.Name != name {
		t.Fatalf("manifest.json: name = %q, want %q", m.Name, name)
	}
	return m
}

// CheckExamples validates each top-level example of the manifest's input
// and output schemas against its schema, and fails when either has none.
func CheckExamples(t *testing.T, m *actions.Manifest) {
	t.Helper()
	check := func(kind string, raw json.RawMessage) {
		t.Helper()
		var doc struct {
			Examples []json.RawMessage `json:"examples"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s schema: %v", kind, err)
		}
		if len(doc.Examples) == 0 {
			t.Errorf("%s schema has no examples", kind)
		}
		for i, ex := range doc.Examples {
			validate(t, fmt.Sprintf("%s example %d", kind, i), raw, ex)
		}
	}
	check("input", m.InputSchema)
	check("output", m.OutputSchema)
}

// ValidateInput checks in, encoded as JSON, against the input schema.
func ValidateInput(t *testing.T, m *actions.Manifest, in any) {
	t.Helper()
	validate(t, "input", m.InputSchema, encode(t, in))
}

// ValidateOutput checks out, encoded as JSON, against the output schema.
func ValidateOutput(t *testing.T, m *actions.Manifest, out any) {
	t.Helper()
	validate(t, "output", m.OutputSchema, encode(t, out))
}

// ErrorCode returns the code of err when it is an *sdk.Error, and "" when
// err is nil. Any other error fails the test.
func ErrorCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *sdk.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *sdk.Error", err, err)
	}
	return e.Code
}

func validate(t *testing.T, what string, schema, doc json.RawMessage) {
	t.Helper()
	s, err := actions.CompileSchema(schema)
	if err != nil {
		t.Fatalf("%s schema: %v", what, err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s %s does not match its schema: %v", what, doc, err)
	}
}

func encode(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
