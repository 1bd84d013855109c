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
	for _, p := range newNodeTypePlaybooks() {
		data, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}

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
		_ = Validate(p, playbookCatalog)
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
	f.Add(`${{ regexExtract(trigger.body, "h(x+)p") ?? get(item, "a.b[0]", index) }}`)
	f.Add(`${{ trigger.body matches "^\\d+$" && cidrContains("10.0.0.0/8", "10.1.1.1") }}`)
	f.Add(`${{ formatTime(addDuration(parseTime("2026-12-03T10:00:00Z"), "1d"), "date") }}`)

	env := &Env{
		Trigger: map[string]any{"body": "${{ run.id }}", "n": 1.0, "list": []any{"a"}},
		Steps:   map[string]StepState{"extract": {Output: map[string]any{"domains": []any{}}}},
		Run:     map[string]any{"id": "run-1"},
		Item:    map[string]any{"a": map[string]any{"b": []any{1.0}}},
		InLoop:  true,
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

// newNodeTypePlaybooks returns playbooks that use the switch, loop, join,
// approval, delay and subplaybook node types.
func newNodeTypePlaybooks() []*Playbook {
	withJoin := nodePlaybook(NodeJoin, `{"mode": "any"}`)
	addBranches(withJoin)
	return []*Playbook{
		loopPlaybook(),
		withJoin,
		nodePlaybook(NodeSwitch, `{"cases": [{"name": "high", "expression": "trigger.severity >= 7"}]}`),
		nodePlaybook(NodeApproval, `{"question": "Isolate ${{ trigger.host }}?", "timeout": "24h",
			"default_option": "reject", "comment": "required"}`),
		nodePlaybook(NodeDelay, `{"until": "2026-12-03T18:00:00Z"}`),
		nodePlaybook(NodeSubplaybook, `{"playbook": "isolate-host", "inputs": {"host": "${{ trigger.host }}"}}`),
	}
}
