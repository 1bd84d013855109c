package designer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// loadJSON decodes a file under testdata.
func loadJSON(t *testing.T, name string) any {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return v
}

// phishingEnv is a run started by a phishing report, after an ioc step.
func phishingEnv(t *testing.T) *Env {
	t.Helper()
	return &Env{
		Trigger: loadJSON(t, "phishing-report.json"),
		Inputs:  map[string]any{"threshold": 3.0},
		Steps: map[string]StepState{
			"extract": {
				Output: map[string]any{
					"domains": []any{"paypa1-secure.example"},
					"ips":     []any{"203.0.113.9"},
					"count":   2.0,
				},
				Status: "succeeded",
			},
		},
		Run: map[string]any{"id": "run-1", "playbook_id": "phishing"},
	}
}

func evalValue(t *testing.T, raw any, env *Env) (any, error) {
	t.Helper()
	v, err := CompileValue(raw)
	if err != nil {
		t.Fatalf("CompileValue(%#v): %v", raw, err)
	}
	return v.Eval(env)
}

func TestValue_EvalKeepsTypes(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"literal string", "plain text", "plain text"},
		{"literal number", 3.0, 3.0},
		{"whole string", "${{ trigger.reporter }}", "jdoe@corp.example"},
		{"whole list", "${{ steps.extract.output.domains }}", []any{"paypa1-secure.example"}},
		{"whole number", "${{ steps.extract.output.count }}", 2.0},
		{"whole boolean", "${{ steps.extract.output.count > inputs.threshold }}", false},
		{"whole with spaces", "${{   run.id   }}", "run-1"},
		{"map literal in expression", `${{ {"a": {"b": 1}} }}`, map[string]any{"a": map[string]any{"b": 1}}},
		{"step status", "${{ steps.extract.status }}", "succeeded"},
		{"index", "${{ steps.extract.output.ips[0] }}", "203.0.113.9"},
		{"negative index", "${{ steps.extract.output.ips[-1] }}", "203.0.113.9"},
		{"builtin lower", "${{ lower(\"ABC\") }}", "abc"},
		{"contains operator", `${{ trigger.body contains "verify" }}`, true},
		{"matches operator", `${{ trigger.from matches "@paypa1" }}`, true},
		{
			"nested map and list",
			map[string]any{"to": []any{"${{ trigger.reporter }}", "soc@corp.example"}, "n": 1.0},
			map[string]any{"to": []any{"jdoe@corp.example", "soc@corp.example"}, "n": 1.0},
		},
	}
	env := phishingEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalValue(t, tt.in, env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

func TestValue_EvalInterpolates(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"string", "Reported by ${{ trigger.reporter }}.", "Reported by jdoe@corp.example."},
		{"two expressions", "${{ run.id }}/${{ run.playbook_id }}", "run-1/phishing"},
		{"number as JSON", "count=${{ steps.extract.output.count }}", "count=2"},
		{"list as JSON", "ips: ${{ steps.extract.output.ips }}", `ips: ["203.0.113.9"]`},
		{"null as JSON", "x=${{ trigger?.missing }}", "x=null"},
		{"unicode kept", "subject: ${{ trigger.subject }}", "subject: 【重要】アカウントの確認が必要です"},
		{"no HTML escaping", `${{ "<b>" }} & ${{ ["<a>"] }}`, `<b> & ["<a>"]`},
	}
	env := phishingEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalValue(t, tt.in, env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tt.want {
				t.Errorf("Eval = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValue_EvalDataIsNotReevaluated(t *testing.T) {
	env := &Env{Trigger: map[string]any{"subject": "${{ run.id }} }}"}}
	env.Run = map[string]any{"id": "run-1"}

	for _, in := range []string{"${{ trigger.subject }}", "Subject: ${{ trigger.subject }}"} {
		got, err := evalValue(t, in, env)
		if err != nil {
			t.Fatalf("Eval(%q): %v", in, err)
		}
		if !strings.Contains(got.(string), "${{ run.id }} }}") {
			t.Errorf("Eval(%q) = %q, want the subject unchanged", in, got)
		}
	}
}

func TestValue_EvalMissingPath(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{
			"missing key lists keys",
			"${{ trigger.sender }}",
			`trigger.sender: no key "sender"; keys are body, from, raw_eml_base64, reported_at, reporter, source, subject`,
		},
		{
			"missing step",
			"${{ steps.lookup.output }}",
			`steps.lookup: no key "lookup"; keys are extract`,
		},
		{
			"missing key in step output",
			"${{ steps.extract.output.urls }}",
			`steps.extract.output.urls: no key "urls"; keys are count, domains, ips`,
		},
		{
			"index out of range",
			"${{ steps.extract.output.ips[3] }}",
			"steps.extract.output.ips[3]: index 3 out of range; the list has 1 items",
		},
		{
			"member of a string",
			"${{ trigger.subject.text }}",
			"trigger.subject.text: trigger.subject is a string, not an object or a list",
		},
		{
			"missing key inside interpolation",
			"Hello ${{ trigger.name }}",
			`trigger.name: no key "name"`,
		},
		{
			"member of null",
			"${{ inputs.none.a }}",
			"inputs.none.a: inputs.none is null",
		},
		{
			"optional chain is nil",
			"${{ inputs?.missing.a.b }}",
			"",
		},
		{
			"optional guards only after it",
			"${{ inputs.missing?.a }}",
			`inputs.missing: no key "missing"; keys are none, threshold`,
		},
	}
	env := phishingEnv(t)
	env.Inputs = map[string]any{"threshold": 3.0, "none": nil}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalValue(t, tt.in, env)
			if tt.wantErr == "" {
				if err != nil || got != nil {
					t.Fatalf("Eval = %#v, %v; want nil, nil", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Eval = %#v, want error %q", got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Errorf("error %q is not a *PathError", err)
			}
		})
	}
}

func TestValue_EvalErrorShowsExpression(t *testing.T) {
	_, err := evalValue(t, "${{ trigger.sender }}", phishingEnv(t))
	var ee *ExprError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v is not an *ExprError", err)
	}
	if ee.Source != "trigger.sender" {
		t.Errorf("Source = %q, want %q", ee.Source, "trigger.sender")
	}
	want := `expression "trigger.sender" at column 9: trigger.sender: no key "sender"`
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want prefix %q", err, want)
	}
}

func TestValue_EvalErrorNamesNestedKey(t *testing.T) {
	in := map[string]any{"body": map[string]any{"to": []any{"ok", "${{ trigger.nope }}"}}}
	_, err := evalValue(t, in, phishingEnv(t))
	if err == nil {
		t.Fatal("Eval succeeded, want an error")
	}
	if !strings.HasPrefix(err.Error(), "body.to[1]: ") {
		t.Errorf("error = %q, want prefix %q", err, "body.to[1]: ")
	}
}

func TestValue_EvalBracketsAndOptional(t *testing.T) {
	elastic := loadJSON(t, "elastic-alert.json")
	env := &Env{Trigger: elastic, Steps: map[string]StepState{}}
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"dotted key", `${{ trigger.alerts[0]["kibana.alert.severity"] }}`, "high"},
		{"dotted key number", `${{ trigger.alerts[0]["kibana.alert.risk_score"] > 70 }}`, true},
		{"at sign key", `${{ trigger.alerts[0]["@timestamp"] }}`, "2026-12-03T10:02:45.118Z"},
		{"optional missing key", `${{ trigger?.missing }}`, nil},
		{"optional chain stops", `${{ trigger?.missing.deeper.still }}`, nil},
		{"optional present", `${{ trigger.rule?.name }}`, "Malware Detection Alert"},
		{"optional index", `${{ trigger.alerts?.[5] }}`, nil},
		{"coalesce missing", `${{ trigger.missing.deeper ?? "none" }}`, "none"},
		{"coalesce present", `${{ trigger.rule.name ?? "none" }}`, "Malware Detection Alert"},
		{"coalesce optional", `${{ trigger?.missing ?? "none" }}`, "none"},
		{"default missing", `${{ default(trigger.alerts[0].user.email, "unknown") }}`, "unknown"},
		{"default present", `${{ default(trigger.alerts[0].user.name, "unknown") }}`, "jdoe"},
		{"coalesce to other path", `${{ trigger.sender ?? trigger.rule.name }}`, "Malware Detection Alert"},
		{"last item", `${{ trigger.alerts[-1].host.name }}`, "LAPTOP-7"},
		{"in operator", `${{ "kibana.alert.severity" in trigger.alerts[0] }}`, true},
		{"predicate", `${{ filter(trigger.alerts, .destination.port == 443)[0].host.name }}`, "LAPTOP-7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalValue(t, tt.in, env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestValue_EvalPredicateMissingKey(t *testing.T) {
	env := &Env{Trigger: loadJSON(t, "elastic-alert.json")}
	_, err := evalValue(t, `${{ filter(trigger.alerts, .severity == "high") }}`, env)
	if err == nil {
		t.Fatal("Eval succeeded, want a missing key error")
	}
	if !strings.Contains(err.Error(), `#.severity: no key "severity"`) {
		t.Errorf("error = %q, want the missing key named", err)
	}
}

func TestValue_EvalRawTrigger(t *testing.T) {
	env := &Env{Trigger: json.RawMessage(`{"kibana.alert.severity": "low"}`)}
	got, err := evalValue(t, `${{ trigger["kibana.alert.severity"] }}`, env)
	if err != nil {
		t.Fatal(err)
	}
	if got != "low" {
		t.Errorf("Eval = %#v, want %q", got, "low")
	}
}

func TestCompileValue_Errors(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		wantErr string
	}{
		{"syntax", "${{ trigger. }}", `expression "trigger." at column`},
		{"unknown name", "${{ alert.id }}", "unknown name alert"},
		{"unclosed", "Hello ${{ trigger.a", `"${{" has no matching "}}"`},
		{"empty", "${{ }}", "empty expression"},
		{"nested path", map[string]any{"a": []any{"${{ 1 + }}"}}, "a[0]: expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileValue(tt.in)
			if err == nil {
				t.Fatalf("CompileValue(%#v) succeeded, want error", tt.in)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestValue_References(t *testing.T) {
	in := map[string]any{
		"a": "${{ steps.lookup.output.ip }} and ${{ steps[\"extract\"].status }}",
		"b": []any{"${{ steps.lookup.status }}", "${{ trigger.x ?? steps.enrich?.output }}"},
		"c": "no expression",
	}
	v, err := CompileValue(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"enrich", "extract", "lookup"}
	if got := v.References(); !reflect.DeepEqual(got, want) {
		t.Errorf("References = %v, want %v", got, want)
	}
}

func TestCondition_Eval(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want bool
	}{
		{"bare", "steps.extract.output.count >= 2", true},
		{"wrapped", "${{ steps.extract.output.count >= 2 }}", true},
		{"false", `trigger.source == "siem"`, false},
		{"helpers", `lower(trim("  YES ")) == "yes" && trigger.body contains "verify"`, true},
		{"coalesce", `(trigger?.verdict ?? "none") == "none"`, true},
	}
	env := phishingEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := CompileCondition(tt.src)
			if err != nil {
				t.Fatalf("CompileCondition: %v", err)
			}
			got, err := c.Eval(env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCondition_Errors(t *testing.T) {
	env := phishingEnv(t)

	if _, err := CompileCondition("1 + 2"); err == nil || !strings.Contains(err.Error(), "result is a number, expected true or false") {
		t.Errorf("CompileCondition(1 + 2) error = %v, want a boolean type error", err)
	}
	if _, err := CompileCondition("${{ }}"); err == nil || !strings.Contains(err.Error(), "empty condition") {
		t.Errorf("CompileCondition(empty) error = %v, want empty condition", err)
	}

	c, err := CompileCondition("trigger.subject")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Eval(env)
	want := `result is string "【重要】アカウントの確認が必要です", expected true or false`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Eval error = %v, want it to contain %q", err, want)
	}
}

func TestCondition_ErrorColumn(t *testing.T) {
	tests := []struct {
		src    string
		column int
	}{
		{"trigger.a ==", 12},
		{"${{ trigger.a == }}", 16},
		{"  trigger.a ==", 14},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := CompileCondition(tt.src)
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v is not an *ExprError", err)
			}
			if ee.Offset+1 != tt.column {
				t.Errorf("column = %d, want %d", ee.Offset+1, tt.column)
			}
		})
	}
}

func TestValue_EvalTimeInUTC(t *testing.T) {
	got, err := evalValue(t, "${{ now().Location().String() }}", &Env{})
	if err != nil {
		t.Fatal(err)
	}
	if got != "UTC" {
		t.Errorf("now() zone = %v, want UTC", got)
	}
}

func TestValue_EvalConcurrent(t *testing.T) {
	v, err := CompileValue(map[string]any{"who": "${{ trigger.reporter }}", "n": "${{ len(steps.extract.output.ips) }}"})
	if err != nil {
		t.Fatal(err)
	}
	env := phishingEnv(t)
	want := map[string]any{"who": "jdoe@corp.example", "n": 1}

	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				got, err := v.Eval(env)
				if err == nil && !reflect.DeepEqual(got, want) {
					err = fmt.Errorf("Eval = %#v, want %#v", got, want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
