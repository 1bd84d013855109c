package runtime_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

func loopNode(t *testing.T, id string, settings designer.LoopSettings) designer.Node {
	return node(t, id, designer.NodeLoop, settings)
}

func joinNode(t *testing.T, id, mode string) designer.Node {
	return node(t, id, designer.NodeJoin, designer.JoinSettings{Mode: mode})
}

// inBody returns n as a node of the body of loop loopID.
func inBody(n designer.Node, loopID string) designer.Node {
	n.Parent = loopID
	return n
}

// stepsByID returns the stored steps of a run by step id, because only the
// id distinguishes the iterations of a loop body.
func stepsByID(t *testing.T, runID string) map[string]runtime.Step {
	t.Helper()
	steps, err := testStore.ListSteps(t.Context(), runID)
	if err != nil {
		t.Fatalf("list steps: %v", err)
	}
	byID := make(map[string]runtime.Step, len(steps))
	for _, s := range steps {
		byID[s.ID] = s
	}
	return byID
}

// countStarted returns the number of step.started events of nodeID.
func countStarted(events []runtime.Event, nodeID string) int {
	n := 0
	for _, ev := range events {
		if ev.Type == runtime.EventStepStarted && ev.NodeID == nodeID {
			n++
		}
	}
	return n
}

func TestEngine_BranchNotTakenSkipsDescendants(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		condition(t, "check", "trigger.score > 50"),
		transform(t, "contain", map[string]any{"n": 1}),
		transform(t, "notify", map[string]any{"n": 2}),
		transform(t, "close", map[string]any{"n": 3}),
	},
		edge("start", designer.PortSuccess, "check"),
		edge("check", designer.PortTrue, "contain"),
		edge("contain", designer.PortSuccess, "notify"),
		edge("check", designer.PortFalse, "close"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{"score": 10}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"check": succeeded, "contain": skipped, "notify": skipped, "close": succeeded,
	})
	if n := countStarted(r.events, "notify"); n != 0 {
		t.Errorf("notify started %d times, want 0", n)
	}
}

func TestEngine_JoinSemantics(t *testing.T) {
	tests := []struct {
		name     string
		mode     string
		score    int
		statuses map[string]runtime.StepStatus
		output   string // of the join
	}{
		{
			name:  "all after a condition skips the side not taken",
			mode:  designer.JoinAll,
			score: 90,
			statuses: map[string]runtime.StepStatus{
				"high": succeeded, "low": skipped, "both": succeeded, "after": succeeded,
			},
			output: `{"high": {"level": "high"}}`,
		},
		{
			name:  "all with the other side taken",
			mode:  designer.JoinAll,
			score: 10,
			statuses: map[string]runtime.StepStatus{
				"high": skipped, "low": succeeded, "both": succeeded, "after": succeeded,
			},
			output: `{"low": {"level": "low"}}`,
		},
		{
			name:  "any",
			mode:  designer.JoinAny,
			score: 90,
			statuses: map[string]runtime.StepStatus{
				"high": succeeded, "low": skipped, "both": succeeded, "after": succeeded,
			},
			output: `{"high": {"level": "high"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				condition(t, "check", "trigger.score > 50"),
				transform(t, "high", map[string]any{"level": "high"}),
				transform(t, "low", map[string]any{"level": "low"}),
				joinNode(t, "both", tt.mode),
				transform(t, "after", map[string]any{
					"low_status": "${{ steps.low.status }}", "low_output": "${{ steps.low.output }}"}),
			},
				edge("start", designer.PortSuccess, "check"),
				edge("check", designer.PortTrue, "high"),
				edge("check", designer.PortFalse, "low"),
				edge("high", designer.PortSuccess, "both"),
				edge("low", designer.PortSuccess, "both"),
				edge("both", designer.PortSuccess, "after"),
			)
			e := newEngine(t, runtime.Config{})

			r := startRun(t, e, pb, fmt.Sprintf(`{"score": %d}`, tt.score))

			r.wantStatuses(t, runtime.RunSucceeded, tt.statuses)
			wantJSON(t, "join output", r.steps["both"].Output, tt.output)
			if n := countStarted(r.events, "after"); n != 1 {
				t.Errorf("after started %d times, want 1", n)
			}
		})
	}
}

func TestEngine_SkippedStepOutputIsNull(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		condition(t, "check", "trigger.score > 50"),
		transform(t, "high", map[string]any{"level": "high"}),
		transform(t, "low", map[string]any{"level": "low"}),
		joinNode(t, "both", designer.JoinAll),
		transform(t, "after", map[string]any{
			"status": "${{ steps.high.status }}",
			"output": "${{ steps.high.output }}",
			"error":  "${{ steps.high.error }}",
		}),
	},
		edge("start", designer.PortSuccess, "check"),
		edge("check", designer.PortTrue, "high"),
		edge("check", designer.PortFalse, "low"),
		edge("high", designer.PortSuccess, "both"),
		edge("low", designer.PortSuccess, "both"),
		edge("both", designer.PortSuccess, "after"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{"score": 10}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"after": succeeded})
	wantJSON(t, "after output", r.steps["after"].Output,
		`{"status": "skipped", "output": null, "error": null}`)
}

func TestEngine_AnyJoinRunsSuccessorOnce(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		transform(t, "a", map[string]any{"from": "a"}),
		transform(t, "b", map[string]any{"from": "b"}),
		transform(t, "c", map[string]any{"from": "c"}),
		joinNode(t, "first", designer.JoinAny),
		transform(t, "after", map[string]any{"n": 1}),
	},
		edge("start", designer.PortSuccess, "a"),
		edge("start", designer.PortSuccess, "b"),
		edge("start", designer.PortSuccess, "c"),
		edge("a", designer.PortSuccess, "first"),
		edge("b", designer.PortSuccess, "first"),
		edge("c", designer.PortSuccess, "first"),
		edge("first", designer.PortSuccess, "after"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"a": succeeded, "b": succeeded, "c": succeeded, "first": succeeded, "after": succeeded,
	})
	for _, id := range []string{"first", "after"} {
		if n := countStarted(r.events, id); n != 1 {
			t.Errorf("%s started %d times, want 1", id, n)
		}
	}
	var out map[string]any
	if err := json.Unmarshal(r.steps["first"].Output, &out); err != nil {
		t.Fatalf("decode join output %s: %v", r.steps["first"].Output, err)
	}
	if len(out) != 1 {
		t.Errorf("join output %s has %d branches, want 1", r.steps["first"].Output, len(out))
	}
}

func TestEngine_Switch(t *testing.T) {
	tests := []struct {
		name  string
		score int
		port  string
		taken string
		out   string
	}{
		{name: "first true case wins", score: 95, port: "case:critical", taken: "page",
			out: `{"case": "critical"}`},
		{name: "later case", score: 75, port: "case:high", taken: "ticket",
			out: `{"case": "high"}`},
		{name: "default", score: 10, port: "default", taken: "log", out: `{"case": null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				node(t, "severity", designer.NodeSwitch, designer.SwitchSettings{Cases: []designer.SwitchCase{
					{Name: "critical", Expression: "trigger.score >= 90"},
					{Name: "high", Expression: "${{ trigger.score >= 70 }}"},
				}}),
				transform(t, "page", map[string]any{"n": 1}),
				transform(t, "ticket", map[string]any{"n": 2}),
				transform(t, "log", map[string]any{"n": 3}),
			},
				edge("start", designer.PortSuccess, "severity"),
				edge("severity", "case:critical", "page"),
				edge("severity", "case:high", "ticket"),
				edge("severity", designer.PortDefault, "log"),
			)
			e := newEngine(t, runtime.Config{})

			r := startRun(t, e, pb, fmt.Sprintf(`{"score": %d}`, tt.score))

			want := map[string]runtime.StepStatus{"page": skipped, "ticket": skipped, "log": skipped}
			want[tt.taken] = succeeded
			r.wantStatuses(t, runtime.RunSucceeded, want)
			if got := r.steps["severity"].Port; got != tt.port {
				t.Errorf("switch port = %q, want %q", got, tt.port)
			}
			wantJSON(t, "switch output", r.steps["severity"].Output, tt.out)
		})
	}
}

func TestEngine_OnErrorContinueTakesContinuePort(t *testing.T) {
	check := condition(t, "check", "trigger.missing.field > 1")
	check.OnError = designer.OnErrorContinue
	pick := node(t, "pick", designer.NodeSwitch, designer.SwitchSettings{Cases: []designer.SwitchCase{
		{Name: "bad", Expression: "trigger.missing.field > 1"},
	}})
	pick.OnError = designer.OnErrorContinue
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		check,
		transform(t, "yes", map[string]any{"n": 1}),
		transform(t, "no", map[string]any{"n": 2}),
		pick,
		transform(t, "fallback", map[string]any{"n": 3}),
	},
		edge("start", designer.PortSuccess, "check"),
		edge("check", designer.PortTrue, "yes"),
		edge("check", designer.PortFalse, "no"),
		edge("start", designer.PortSuccess, "pick"),
		edge("pick", designer.PortDefault, "fallback"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"check": failed, "yes": skipped, "no": succeeded, "pick": failed, "fallback": succeeded,
	})
	for id, port := range map[string]string{"check": "false", "pick": "default"} {
		if got := r.steps[id].Port; got != port {
			t.Errorf("step %q port = %q, want %q", id, got, port)
		}
	}
}

func TestEngine_LoopBodySeesItemAndIndex(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		loopNode(t, "each", designer.LoopSettings{Items: "${{ trigger.ips }}"}),
		inBody(transform(t, "tag", map[string]any{
			"ip": "${{ item }}", "index": "${{ index }}", "first": "${{ trigger.ips[0] }}"}), "each"),
		inBody(transform(t, "label", map[string]any{
			"label": "${{ index }}:${{ steps.tag.output.ip }}"}), "each"),
	},
		edge("start", designer.PortSuccess, "each"),
		edge("tag", designer.PortSuccess, "label"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{"ips": ["192.0.2.1", "192.0.2.2", "192.0.2.3"]}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"each": succeeded})
	wantJSON(t, "loop output", r.steps["each"].Output, `{"count": 3, "results": [
		{"label": "0:192.0.2.1"}, {"label": "1:192.0.2.2"}, {"label": "2:192.0.2.3"}]}`)
	steps := stepsByID(t, r.run.ID)
	tag := steps[r.run.ID+"/each[1]/tag"]
	if tag.Status != succeeded {
		t.Fatalf("step each[1]/tag status = %q, want %q", tag.Status, succeeded)
	}
	wantJSON(t, "each[1]/tag output", tag.Output,
		`{"ip": "192.0.2.2", "index": 1, "first": "192.0.2.1"}`)
}

func TestEngine_NestedLoops(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		loopNode(t, "outer", designer.LoopSettings{Items: "${{ trigger.groups }}"}),
		inBody(loopNode(t, "inner", designer.LoopSettings{
			Items:  "${{ item.ips }}",
			Result: map[string]any{"ip": "${{ item }}", "at": "${{ index }}"},
		}), "outer"),
		inBody(transform(t, "seen", map[string]any{"ip": "${{ item }}"}), "inner"),
		inBody(transform(t, "size", map[string]any{
			"name": "${{ item.name }}", "count": "${{ steps.inner.output.count }}"}), "outer"),
	},
		edge("start", designer.PortSuccess, "outer"),
		edge("inner", designer.PortSuccess, "size"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{"groups": [
		{"name": "dmz", "ips": ["192.0.2.1", "192.0.2.2"]},
		{"name": "lan", "ips": ["198.51.100.7"]}]}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"outer": succeeded})
	wantJSON(t, "outer output", r.steps["outer"].Output, `{"count": 2, "results": [
		{"name": "dmz", "count": 2}, {"name": "lan", "count": 1}]}`)
	steps := stepsByID(t, r.run.ID)
	inner := steps[r.run.ID+"/outer[0]"+"/inner"]
	wantJSON(t, "outer[0]/inner output", inner.Output, `{"count": 2, "results": [
		{"ip": "192.0.2.1", "at": 0}, {"ip": "192.0.2.2", "at": 1}]}`)
	seen := steps[r.run.ID+"/outer[1]/inner[0]/seen"]
	wantJSON(t, "outer[1]/inner[0]/seen output", seen.Output, `{"ip": "198.51.100.7"}`)
}

func TestEngine_LoopConcurrencyKeepsInputOrder(t *testing.T) {
	lookup := action(t, "lookup", "echo")
	setInputs(t, &lookup, map[string]any{"mode": "echo", "text": "${{ item }}"})
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		loopNode(t, "each", designer.LoopSettings{Items: "${{ trigger.ips }}", Concurrency: 3}),
		inBody(lookup, "each"),
	}, edge("start", designer.PortSuccess, "each"))
	e := newEngine(t, runtime.Config{Invoker: invoker(t)})
	var ips []string
	for i := range 9 {
		ips = append(ips, fmt.Sprintf("192.0.2.%d", i+1))
	}
	body, _ := json.Marshal(map[string]any{"ips": ips})

	r := startRun(t, e, pb, string(body))

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"each": succeeded})
	var out struct {
		Results []struct{ Text, Key string }
		Count   int
	}
	if err := json.Unmarshal(r.steps["each"].Output, &out); err != nil {
		t.Fatalf("decode loop output %s: %v", r.steps["each"].Output, err)
	}
	if out.Count != len(ips) || len(out.Results) != len(ips) {
		t.Fatalf("loop output has count %d and %d results, want %d", out.Count,
			len(out.Results), len(ips))
	}
	for i, res := range out.Results {
		if res.Text != ips[i] {
			t.Errorf("result %d text = %q, want %q", i, res.Text, ips[i])
		}
		wantKey := fmt.Sprintf("%s/each[%d]/lookup:1", r.run.ID, i)
		if res.Key != wantKey {
			t.Errorf("result %d idempotency key = %q, want %q", i, res.Key, wantKey)
		}
	}
	running, maxRunning := 0, 0
	for _, ev := range r.events {
		if ev.NodeID != "lookup" {
			continue
		}
		switch ev.Type {
		case runtime.EventStepStarted:
			running++
		case runtime.EventStepFinished:
			running--
		}
		maxRunning = max(maxRunning, running)
	}
	if maxRunning > 3 {
		t.Errorf("%d body steps ran at once, want at most the concurrency 3", maxRunning)
	}
}

func setInputs(t *testing.T, n *designer.Node, inputs map[string]any) {
	t.Helper()
	s, err := designer.DecodeSettings[designer.ActionSettings](n)
	if err != nil {
		t.Fatalf("node %q: %v", n.ID, err)
	}
	s.Inputs = inputs
	*n = node(t, n.ID, n.Type, s)
}

func TestEngine_LoopFailure(t *testing.T) {
	tests := []struct {
		name    string
		onError string
		run     runtime.RunStatus
		port    string
	}{
		{name: "fails the run", onError: "", run: runtime.RunFailed, port: ""},
		{name: "routes to error", onError: designer.OnErrorRoute, run: runtime.RunSucceeded,
			port: designer.PortError},
		{name: "continues", onError: designer.OnErrorContinue, run: runtime.RunSucceeded,
			port: designer.PortSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			each := loopNode(t, "each", designer.LoopSettings{Items: []any{1, 2, 3, 4}})
			each.OnError = tt.onError
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				each,
				inBody(condition(t, "check", "item > 0"), "each"),
				inBody(transform(t, "ratio", map[string]any{"r": "${{ item.value }}"}), "each"),
			},
				edge("start", designer.PortSuccess, "each"),
				edge("check", designer.PortTrue, "ratio"),
			)
			e := newEngine(t, runtime.Config{})

			r := startRun(t, e, pb, `{}`)

			loop := r.steps["each"]
			if r.run.Status != tt.run {
				t.Errorf("run status = %q (error %q), want %q", r.run.Status, r.run.Error, tt.run)
			}
			if loop.Status != failed {
				t.Fatalf("loop status = %q, want %q", loop.Status, failed)
			}
			if loop.Port != tt.port {
				t.Errorf("loop port = %q, want %q", loop.Port, tt.port)
			}
			wantMsg := `item 0: node "ratio": settings.values:`
			if loop.Error == nil || !strings.HasPrefix(loop.Error.Message, wantMsg) {
				t.Errorf("loop error = %+v, want a message starting %q", loop.Error, wantMsg)
			}
			steps := stepsByID(t, r.run.ID)
			if _, ok := steps[r.run.ID+"/each[1]/check"]; ok {
				t.Errorf("iteration 1 ran after iteration 0 failed, want it not started")
			}
		})
	}
}

// storePlaybook stores pb as a saved playbook version.
func storePlaybook(t *testing.T, pb *designer.Playbook) {
	t.Helper()
	if err := testStore.InsertPlaybookVersion(t.Context(), pb); err != nil {
		t.Fatalf("insert playbook %q version %d: %v", pb.ID, pb.Version, err)
	}
}

func subplaybookNode(t *testing.T, id string, s designer.SubplaybookSettings) designer.Node {
	return node(t, id, designer.NodeSubplaybook, s)
}

func TestEngine_SubplaybookOutputFlowsBack(t *testing.T) {
	child := newPlaybook(t, []designer.Node{
		node(t, "form", designer.NodeTrigger, designer.TriggerSettings{Kind: designer.TriggerManual}),
		node(t, "done", designer.NodeEnd, designer.EndSettings{Output: map[string]any{
			"isolated": "${{ inputs.host }}", "reason": "${{ inputs.reason }}"}}),
	}, edge("form", designer.PortSuccess, "done"))
	child.ID += "-child"
	storePlaybook(t, child)
	later := *child
	later.Version, later.CreatedAt = 2, time.Now().Add(time.Hour)
	later.Nodes = []designer.Node{child.Nodes[0], node(t, "done", designer.NodeEnd,
		designer.EndSettings{Outcome: designer.OutcomeFailed})}
	storePlaybook(t, &later)

	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		subplaybookNode(t, "contain", designer.SubplaybookSettings{Playbook: child.ID,
			Inputs: map[string]any{"host": "${{ trigger.host }}", "reason": "phishing"}}),
		transform(t, "after", map[string]any{"host": "${{ steps.contain.output.isolated }}"}),
	},
		edge("start", designer.PortSuccess, "contain"),
		edge("contain", designer.PortSuccess, "after"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{"host": "ws-0042"}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"contain": succeeded, "after": succeeded,
	})
	wantJSON(t, "after output", r.steps["after"].Output, `{"host": "ws-0042"}`)
	var input struct {
		Version int    `json:"version"`
		RunID   string `json:"run_id"`
	}
	if err := json.Unmarshal(r.steps["contain"].Input, &input); err != nil {
		t.Fatalf("decode step input %s: %v", r.steps["contain"].Input, err)
	}
	if input.Version != 1 {
		t.Errorf("child version = %d, want 1, the latest when the parent started", input.Version)
	}
	childRun, err := testStore.GetRun(t.Context(), input.RunID)
	if err != nil {
		t.Fatalf("get child run: %v", err)
	}
	if childRun.Status != runtime.RunSucceeded || childRun.PlaybookID != child.ID {
		t.Errorf("child run = playbook %q status %q, want %q %q", childRun.PlaybookID,
			childRun.Status, child.ID, runtime.RunSucceeded)
	}
}

func TestEngine_SubplaybookFailures(t *testing.T) {
	tests := []struct {
		name     string
		settings designer.SubplaybookSettings
		self     bool // the child runs itself
		cfg      runtime.Config
		code     string
		message  string
	}{
		{
			name:    "depth limit",
			self:    true,
			cfg:     runtime.Config{MaxDepth: 2},
			code:    runtime.CodeChildRunFailed,
			message: "subplaybook depth 3, over the limit of 2",
		},
		{
			name:     "child fails",
			settings: designer.SubplaybookSettings{Version: 2},
			code:     runtime.CodeChildRunFailed,
			message:  "ended failed",
		},
		{
			name:     "unknown version",
			settings: designer.SubplaybookSettings{Version: 9},
			code:     runtime.CodeInvalidSettings,
			message:  "has no version 9",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := node(t, "form", designer.NodeTrigger,
				designer.TriggerSettings{Kind: designer.TriggerManual})
			child := newPlaybook(t, []designer.Node{form,
				node(t, "done", designer.NodeEnd, designer.EndSettings{Outcome: designer.OutcomeFailed}),
			}, edge("form", designer.PortSuccess, "done"))
			child.ID += "-child"
			child.Version = 2
			if tt.self {
				// The child runs itself with no error edge, so each depth
				// fails in turn.
				child.Version = 1
				child.Nodes[1] = subplaybookNode(t, "done",
					designer.SubplaybookSettings{Playbook: child.ID})
			}
			storePlaybook(t, child)

			settings := tt.settings
			settings.Playbook = child.ID
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				subplaybookNode(t, "again", settings),
				transform(t, "handled", map[string]any{"error": "${{ steps.again.error.code }}"}),
			},
				edge("start", designer.PortSuccess, "again"),
				edge("again", designer.PortError, "handled"),
			)
			e := newEngine(t, tt.cfg)

			r := startRun(t, e, pb, `{}`)

			r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
				"again": failed, "handled": succeeded,
			})
			step := r.steps["again"]
			if step.Error == nil || step.Error.Code != tt.code {
				t.Fatalf("step error = %+v, want code %q", step.Error, tt.code)
			}
			if !strings.Contains(step.Error.Message, tt.message) {
				t.Errorf("step error message = %q, want it to contain %q", step.Error.Message,
					tt.message)
			}
		})
	}
}

func TestEngine_RerunReusesUpstreamOutputs(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		transform(t, "first", map[string]any{"run": "${{ run.id }}"}),
		transform(t, "second", map[string]any{
			"run": "${{ run.id }}", "first": "${{ steps.first.output.run }}"}),
		transform(t, "third", map[string]any{"run": "${{ run.id }}"}),
	},
		edge("start", designer.PortSuccess, "first"),
		edge("first", designer.PortSuccess, "second"),
		edge("second", designer.PortSuccess, "third"),
	)
	storePlaybook(t, pb)
	e := newEngine(t, runtime.Config{})
	orig := startRun(t, e, pb, `{"ip": "192.0.2.10"}`)
	orig.wantStatuses(t, runtime.RunSucceeded, nil)

	run, err := e.Rerun(t.Context(), orig.run.ID, "second")
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	r := waitRun(t, e, run.ID)

	if run.RerunOf != orig.run.ID {
		t.Errorf("rerun RerunOf = %q, want %q", run.RerunOf, orig.run.ID)
	}
	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"start": succeeded, "first": succeeded, "second": succeeded, "third": succeeded,
	})
	for _, id := range []string{"start", "first"} {
		if n := countStarted(r.events, id); n != 0 {
			t.Errorf("reused step %q started %d times in the rerun, want 0", id, n)
		}
		if !hasReusedEvent(r.events, id, orig.run.ID+"/"+id) {
			t.Errorf("no step.finished event of %q with reused_from %q", id, orig.run.ID+"/"+id)
		}
	}
	wantJSON(t, "first output", r.steps["first"].Output, fmt.Sprintf(`{"run": %q}`, orig.run.ID))
	wantJSON(t, "second output", r.steps["second"].Output,
		fmt.Sprintf(`{"run": %q, "first": %q}`, run.ID, orig.run.ID))
	wantJSON(t, "start output", r.steps["start"].Output, `{"ip": "192.0.2.10"}`)
}

func hasReusedEvent(events []runtime.Event, nodeID, from string) bool {
	for _, ev := range events {
		if ev.Type != runtime.EventStepFinished || ev.NodeID != nodeID {
			continue
		}
		var data struct {
			ReusedFrom string `json:"reused_from"`
		}
		if json.Unmarshal(ev.Data, &data) == nil && data.ReusedFrom == from {
			return true
		}
	}
	return false
}

func TestEngine_RerunRejects(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		loopNode(t, "each", designer.LoopSettings{Items: []any{1}}),
		inBody(transform(t, "body", map[string]any{"n": "${{ item }}"}), "each"),
	}, edge("start", designer.PortSuccess, "each"))
	storePlaybook(t, pb)
	e := newEngine(t, runtime.Config{})
	orig := startRun(t, e, pb, `{}`)

	tests := []struct {
		name  string
		runID string
		node  string
		want  error
	}{
		{name: "unknown run", runID: "0000000000000000000000000v", node: "each",
			want: runtime.ErrNotFound},
		{name: "unknown node", runID: orig.run.ID, node: "ghost", want: runtime.ErrNotFound},
		{name: "node in a loop body", runID: orig.run.ID, node: "body", want: runtime.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := e.Rerun(t.Context(), tt.runID, tt.node)
			if !errors.Is(err, tt.want) {
				t.Errorf("rerun error = %v, want %v", err, tt.want)
			}
			if run != nil {
				t.Errorf("rerun returned run %q, want none", run.ID)
			}
		})
	}
}
