package designer

import (
	"encoding/json"
	"errors"
	"testing"
)

func FuzzParsePlaybook(f *testing.F) {
	f.Add([]byte(minimalPlaybook))
	f.Add([]byte(`{"name": "a", "name": "b"}`))
	f.Add([]byte(`{"nodes": [{"id": "a", "retry": {"attempts": 1.5}}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlaybook(data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Fatalf("error %v is not a *ValidationError with one problem", err)
			}
			return
		}

		// A parsed playbook validates without panicking and survives a
		// round trip through JSON.
		_ = Validate(p, catalog)
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, err := ParsePlaybook(out); err != nil {
			t.Fatalf("ParsePlaybook(Marshal(p)) = %v for %s", err, out)
		}
	})
}

func FuzzCompileValue(f *testing.F) {
	f.Add("${{ trigger.body }}")
	f.Add(`Hello ${{ trigger["kibana.alert.severity"] ?? "none" }} and ${{ {"a": {"b": "}}"}} }}`)
	f.Add("${{ steps.extract?.output.domains[0] }}")

	env := &Env{
		Trigger: map[string]any{"body": "${{ run.id }}", "n": 1.0, "list": []any{"a"}},
		Steps:   map[string]StepState{"extract": {Output: map[string]any{"domains": []any{}}}},
		Run:     map[string]any{"id": "run-1"},
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := CompileValue(s)
		if err != nil {
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v is not an *ExprError", err)
			}
			return
		}
		// Evaluation may fail, but it returns instead of panicking.
		_, _ = v.Eval(env)
		_ = v.References()
	})
}
