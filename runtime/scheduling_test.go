package runtime_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

const (
	succeeded = runtime.StepSucceeded
	failed    = runtime.StepFailed
	skipped   = runtime.StepSkipped
)

// elasticAlert is a trimmed Kibana webhook body with dotted alert keys.
const elasticAlert = `{
  "rule": {"name": "Malware Detection Alert"},
  "alerts": [{
    "kibana.alert.severity": "high",
    "kibana.alert.risk_score": 73,
    "host": {"name": "LAPTOP-7", "ip": ["10.0.8.31"]},
    "file": {"hash": {"sha256": "a9fceefd733166c2085bc428ff9c136932b8f3e2fbea2e69c60ddeb1f50c1cd5"}}
  }]
}`

func TestEngine_TransformChain(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		transform(t, "pick", map[string]any{
			"host":  "${{ trigger.alerts[0].host.name }}",
			"score": `${{ trigger.alerts[0]["kibana.alert.risk_score"] }}`,
		}),
		transform(t, "summary", map[string]any{
			"text":   "${{ steps.pick.output.host }} scored ${{ steps.pick.output.score }}",
			"double": "${{ steps.pick.output.score * 2 }}",
			"tags":   []any{"edr", "${{ run.playbook_id }}"},
		}),
	},
		edge("start", designer.PortSuccess, "pick"),
		edge("pick", designer.PortSuccess, "summary"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, elasticAlert)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"start": succeeded, "pick": succeeded, "summary": succeeded,
	})
	wantJSON(t, "trigger step output", r.steps["start"].Output, elasticAlert)
	wantJSON(t, "pick output", r.steps["pick"].Output, `{"host": "LAPTOP-7", "score": 73}`)
	wantJSON(t, "summary output", r.steps["summary"].Output,
		`{"text": "LAPTOP-7 scored 73", "double": 146, "tags": ["edr", "`+pb.ID+`"]}`)
	if r.steps["pick"].Port != designer.PortSuccess {
		t.Errorf("pick port = %q, want %q", r.steps["pick"].Port, designer.PortSuccess)
	}
	if got, want := r.steps["summary"].ID, r.run.ID+"/summary"; got != want {
		t.Errorf("step id = %q, want %q", got, want)
	}
}

func TestEngine_ConditionBranches(t *testing.T) {
	tests := []struct {
		name     string
		severity string
		want     map[string]runtime.StepStatus
	}{
		{
			name:     "true",
			severity: "high",
			want: map[string]runtime.StepStatus{
				"check": succeeded, "escalate": succeeded, "page": succeeded,
				"close": skipped, "archive": skipped,
			},
		},
		{
			name:     "false",
			severity: "low",
			want: map[string]runtime.StepStatus{
				"check": succeeded, "escalate": skipped, "page": skipped,
				"close": succeeded, "archive": succeeded,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				condition(t, "check", `${{ trigger.severity == "high" }}`),
				transform(t, "escalate", map[string]any{"level": 1}),
				transform(t, "page", map[string]any{"level": "${{ steps.escalate.output.level }}"}),
				transform(t, "close", map[string]any{"reason": "low severity"}),
				transform(t, "archive", map[string]any{"skipped": "${{ steps.escalate.status }}"}),
			},
				edge("start", designer.PortSuccess, "check"),
				edge("check", designer.PortTrue, "escalate"),
				edge("escalate", designer.PortSuccess, "page"),
				edge("check", designer.PortFalse, "close"),
				edge("close", designer.PortSuccess, "archive"),
			)
			e := newEngine(t, runtime.Config{})

			r := startRun(t, e, pb, `{"severity": "`+tt.severity+`"}`)

			r.wantStatuses(t, runtime.RunSucceeded, tt.want)
			for id, status := range tt.want {
				if status == skipped && len(r.steps[id].Output) != 0 {
					t.Errorf("skipped step %q output = %s, want none", id, r.steps[id].Output)
				}
			}
			if tt.severity == "low" {
				wantJSON(t, "archive output", r.steps["archive"].Output, `{"skipped": "skipped"}`)
			}
		})
	}
}

func TestEngine_DiamondRejoin(t *testing.T) {
	tests := []struct {
		name   string
		nodes  func(t *testing.T) []designer.Node
		edges  []designer.Edge
		want   map[string]runtime.StepStatus
		output string // output of node "join"
	}{
		{
			name: "after condition",
			nodes: func(t *testing.T) []designer.Node {
				return []designer.Node{
					trigger(t),
					condition(t, "check", "trigger.block"),
					transform(t, "block", map[string]any{"action": "block"}),
					transform(t, "watch", map[string]any{"action": "watch"}),
					transform(t, "join", map[string]any{
						"block": "${{ steps.block.status }}",
						"watch": "${{ steps.watch.status }}",
					}),
				}
			},
			edges: []designer.Edge{
				edge("start", designer.PortSuccess, "check"),
				edge("check", designer.PortTrue, "block"),
				edge("check", designer.PortFalse, "watch"),
				edge("block", designer.PortSuccess, "join"),
				edge("watch", designer.PortSuccess, "join"),
			},
			want: map[string]runtime.StepStatus{
				"block": succeeded, "watch": skipped, "join": succeeded,
			},
			output: `{"block": "succeeded", "watch": "skipped"}`,
		},
		{
			name: "parallel branches",
			nodes: func(t *testing.T) []designer.Node {
				return []designer.Node{
					trigger(t),
					transform(t, "left", map[string]any{"n": 1}),
					transform(t, "right", map[string]any{"n": 2}),
					transform(t, "join", map[string]any{
						"sum": "${{ steps.left.output.n + steps.right.output.n }}",
					}),
				}
			},
			edges: []designer.Edge{
				edge("start", designer.PortSuccess, "left"),
				edge("start", designer.PortSuccess, "right"),
				edge("left", designer.PortSuccess, "join"),
				edge("right", designer.PortSuccess, "join"),
			},
			want: map[string]runtime.StepStatus{
				"left": succeeded, "right": succeeded, "join": succeeded,
			},
			output: `{"sum": 3}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newPlaybook(t, tt.nodes(t), tt.edges...)
			e := newEngine(t, runtime.Config{})

			r := startRun(t, e, pb, `{"block": true}`)

			r.wantStatuses(t, runtime.RunSucceeded, tt.want)
			wantJSON(t, "join output", r.steps["join"].Output, tt.output)
			started := 0
			for _, ev := range r.events {
				if ev.Type == runtime.EventStepStarted && ev.NodeID == "join" {
					started++
				}
			}
			if started != 1 {
				t.Errorf("join started %d times, want 1", started)
			}
		})
	}
}

func TestEngine_StepFailures(t *testing.T) {
	tests := []struct {
		name      string
		node      func(t *testing.T) designer.Node
		cfg       runtime.Config
		code      string
		message   string // a part of the step error message
		runStatus runtime.RunStatus
	}{
		{
			name: "expression error",
			node: func(t *testing.T) designer.Node {
				return transform(t, "work", map[string]any{"x": "${{ trigger.count / nope }}"})
			},
			code:      runtime.CodeExpression,
			message:   `settings.values: x: expression "trigger.count / nope" at column 17: unknown name nope`,
			runStatus: runtime.RunFailed,
		},
		{
			name: "missing path",
			node: func(t *testing.T) designer.Node {
				return transform(t, "work", map[string]any{"x": "${{ trigger.cnt }}"})
			},
			code:      runtime.CodeExpression,
			message:   `trigger.cnt: no key "cnt"`,
			runStatus: runtime.RunFailed,
		},
		{
			name: "condition not boolean",
			node: func(t *testing.T) designer.Node {
				return condition(t, "work", "trigger.count")
			},
			code:      runtime.CodeExpression,
			message:   `settings.expression: expression "trigger.count" at column 1: result is number 3`,
			runStatus: runtime.RunFailed,
		},
		{
			name: "output too large",
			node: func(t *testing.T) designer.Node {
				return transform(t, "work", map[string]any{"x": strings.Repeat("a", 100)})
			},
			cfg:       runtime.Config{MaxOutputBytes: 64},
			code:      runtime.CodeOutputTooLarge,
			message:   "over the limit of 64",
			runStatus: runtime.RunFailed,
		},
		{
			name: "unsupported node type",
			node: func(t *testing.T) designer.Node {
				return node(t, "work", "teleport", nil)
			},
			code:      runtime.CodeUnsupportedNode,
			message:   `"teleport"`,
			runStatus: runtime.RunFailed,
		},
		{
			name: "continue on error",
			node: func(t *testing.T) designer.Node {
				n := transform(t, "work", map[string]any{"x": "${{ trigger.count / nope }}"})
				n.OnError = "continue"
				return n
			},
			code:      runtime.CodeExpression,
			message:   "trigger.count / nope",
			runStatus: runtime.RunSucceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				tt.node(t),
				transform(t, "after", map[string]any{"error": "${{ steps.work.error?.code }}"}),
			},
				edge("start", designer.PortSuccess, "work"),
				edge("work", designer.PortSuccess, "after"),
				edge("work", designer.PortTrue, "after"),
			)
			e := newEngine(t, tt.cfg)

			r := startRun(t, e, pb, `{"count": 3}`)

			work := r.steps["work"]
			r.wantStatuses(t, tt.runStatus, map[string]runtime.StepStatus{"work": failed})
			if work.Error == nil {
				t.Fatalf("step error = nil, want code %q", tt.code)
			}
			if work.Error.Code != tt.code {
				t.Errorf("step error code = %q, want %q", work.Error.Code, tt.code)
			}
			if !strings.Contains(work.Error.Message, tt.message) {
				t.Errorf("step error message = %q, want it to contain %q", work.Error.Message, tt.message)
			}
			if len(work.Output) != 0 {
				t.Errorf("failed step output = %s, want none", work.Output)
			}
			if tt.runStatus == runtime.RunFailed {
				if !strings.Contains(r.run.Error, `node "work"`) {
					t.Errorf("run error = %q, want it to name node \"work\"", r.run.Error)
				}
				if _, ok := r.steps["after"]; ok {
					t.Errorf("node after the failed step has a step, want none")
				}
				return
			}
			wantJSON(t, "after output", r.steps["after"].Output, `{"error": "`+tt.code+`"}`)
		})
	}
}

func TestEngine_EndNode(t *testing.T) {
	tests := []struct {
		name    string
		outcome string
		want    runtime.RunStatus
	}{
		{name: "succeeded", outcome: "", want: runtime.RunSucceeded},
		{name: "failed", outcome: "failed", want: runtime.RunFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				node(t, "done", designer.NodeEnd, designer.EndSettings{
					Outcome: tt.outcome,
					Output:  map[string]any{"verdict": "${{ trigger.verdict }}"},
				}),
				transform(t, "later", map[string]any{"x": 1}),
			},
				edge("start", designer.PortSuccess, "done"),
			)
			e := newEngine(t, runtime.Config{})

			r := startRun(t, e, pb, `{"verdict": "malicious"}`)

			r.wantStatuses(t, tt.want, map[string]runtime.StepStatus{"done": succeeded})
			wantJSON(t, "run output", r.run.Output, `{"verdict": "malicious"}`)
			if tt.want == runtime.RunFailed && !strings.Contains(r.run.Error, `end node "done"`) {
				t.Errorf("run error = %q, want it to name end node \"done\"", r.run.Error)
			}
		})
	}
}

func TestEngine_RunLimits(t *testing.T) {
	tests := []struct {
		name    string
		cfg     runtime.Config
		status  runtime.RunStatus
		message string
	}{
		{
			name:    "max steps",
			cfg:     runtime.Config{MaxSteps: 2},
			status:  runtime.RunFailed,
			message: "limit of 2 steps",
		},
		{
			name:    "run timeout",
			cfg:     runtime.Config{RunTimeout: time.Nanosecond},
			status:  runtime.RunTimedOut,
			message: "run timed out",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				transform(t, "one", map[string]any{"n": 1}),
				transform(t, "two", map[string]any{"n": 2}),
			},
				edge("start", designer.PortSuccess, "one"),
				edge("one", designer.PortSuccess, "two"),
			)
			e := newEngine(t, tt.cfg)

			r := startRun(t, e, pb, `{}`)

			if r.run.Status != tt.status {
				t.Errorf("run status = %q, want %q", r.run.Status, tt.status)
			}
			if !strings.Contains(r.run.Error, tt.message) {
				t.Errorf("run error = %q, want it to contain %q", r.run.Error, tt.message)
			}
			if _, ok := r.steps["two"]; ok {
				t.Errorf("step two exists, want the run to stop before it")
			}
		})
	}
}

func TestEngine_StartRejectsRequest(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		transform(t, "work", map[string]any{"n": 1}),
	}, edge("start", designer.PortSuccess, "work"))
	tests := []struct {
		name string
		req  runtime.StartRequest
		want string
	}{
		{
			name: "no playbook",
			req:  runtime.StartRequest{TriggerNode: "start"},
			want: "start run: playbook is missing",
		},
		{
			name: "unknown trigger",
			req:  runtime.StartRequest{Playbook: pb, TriggerNode: "hook"},
			want: `playbook "` + pb.ID + `": trigger node "hook" not found`,
		},
		{
			name: "not a trigger",
			req:  runtime.StartRequest{Playbook: pb, TriggerNode: "work"},
			want: `playbook "` + pb.ID + `": node "work": type "transform" is not a trigger`,
		},
		{
			name: "invalid trigger body",
			req: runtime.StartRequest{Playbook: pb, TriggerNode: "start",
				Trigger: json.RawMessage(`{"ip":`)},
			want: `playbook "` + pb.ID + `": trigger body is not valid JSON`,
		},
	}
	e := newEngine(t, runtime.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := e.Start(t.Context(), tt.req)
			if err == nil || err.Error() != tt.want {
				t.Errorf("start error = %v, want %q", err, tt.want)
			}
			if run != nil {
				t.Errorf("start returned run %q, want none", run.ID)
			}
		})
	}
}

func TestEngine_RunIDs(t *testing.T) {
	e := newEngine(t, runtime.Config{})
	pb := newPlaybook(t, []designer.Node{trigger(t)})

	var ids []string
	for range 3 {
		r := startRun(t, e, pb, `{}`)
		ids = append(ids, r.run.ID)
		time.Sleep(2 * time.Millisecond) // ids sort by millisecond
	}

	for i, id := range ids {
		if len(id) != 26 {
			t.Errorf("run id %q has %d characters, want 26", id, len(id))
		}
		if strings.Trim(id, "0123456789abcdefghijklmnopqrstuv") != "" {
			t.Errorf("run id %q has characters outside 0-9 and a-v", id)
		}
		if i > 0 && id <= ids[i-1] {
			t.Errorf("run id %q sorts before the earlier %q", id, ids[i-1])
		}
	}
}

func TestEngine_MaxParallelBoundsSteps(t *testing.T) {
	nodes := []designer.Node{trigger(t)}
	var edges []designer.Edge
	for _, id := range []string{"a", "b", "c", "d"} {
		nodes = append(nodes, transform(t, id, map[string]any{"id": id}))
		edges = append(edges, edge("start", designer.PortSuccess, id))
	}
	pb := newPlaybook(t, nodes, edges...)
	e := newEngine(t, runtime.Config{MaxParallel: 1})

	r := startRun(t, e, pb, `{}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"a": succeeded, "b": succeeded, "c": succeeded, "d": succeeded,
	})
	running := 0
	for _, ev := range r.events {
		switch ev.Type {
		case runtime.EventStepStarted:
			running++
		case runtime.EventStepFinished:
			running--
		}
		if running > 1 {
			t.Fatalf("event %d (%s of %q): %d steps running, want at most 1",
				ev.Seq, ev.Type, ev.NodeID, running)
		}
	}
}

func TestEngine_OtherTriggerSkipped(t *testing.T) {
	manual := node(t, "form", designer.NodeTrigger,
		designer.TriggerSettings{Kind: designer.TriggerManual})
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		manual,
		transform(t, "triage", map[string]any{"ip": "${{ steps.start.output.ip }}"}),
	},
		edge("start", designer.PortSuccess, "triage"),
		edge("form", designer.PortSuccess, "triage"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{"ip": "192.0.2.10"}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"start": succeeded, "form": skipped, "triage": succeeded,
	})
	wantJSON(t, "triage output", r.steps["triage"].Output, `{"ip": "192.0.2.10"}`)
}
