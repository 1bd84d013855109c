package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

func TestEngine_LoopLimits(t *testing.T) {
	tests := []struct {
		name    string
		cfg     runtime.Config
		items   []any
		code    string
		message string
	}{
		{
			name:  "too many items",
			cfg:   runtime.Config{MaxLoopItems: 3},
			items: []any{1, 2, 3, 4},
			code:  runtime.CodeTooManyItems,
			message: "settings.items: 4 items, over the limit of 3; loop over fewer items or " +
				"raise the limit (updraft serve --max-loop-items)",
		},
		{
			name:  "steps per run",
			cfg:   runtime.Config{MaxSteps: 4},
			items: []any{1, 2, 3, 4},
			code:  runtime.CodeTooManySteps,
			message: `item 2: node "body": run exceeds the limit of 4 steps; split the work or ` +
				`raise the limit (updraft serve --max-steps)`,
		},
		{
			name:    "items not a list",
			items:   nil,
			code:    runtime.CodeExpression,
			message: "settings.items: result is a string, not a list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items any = "${{ trigger.ip }}"
			if tt.items != nil {
				items = tt.items
			}
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				loopNode(t, "each", designer.LoopSettings{Items: items}),
				inBody(transform(t, "body", map[string]any{"n": "${{ item }}"}), "each"),
			}, edge("start", designer.PortSuccess, "each"))
			e := newEngine(t, tt.cfg)

			r := startRun(t, e, pb, `{"ip": "192.0.2.1"}`)

			r.wantStatuses(t, runtime.RunFailed, map[string]runtime.StepStatus{"each": failed})
			step := r.steps["each"]
			if step.Error == nil || step.Error.Code != tt.code || step.Error.Message != tt.message {
				t.Errorf("loop error = %+v, want code %q message %q", step.Error, tt.code, tt.message)
			}
			if !strings.Contains(r.run.Error, tt.message) {
				t.Errorf("run error = %q, want it to contain %q", r.run.Error, tt.message)
			}
		})
	}
}

func TestEngine_LoopEmptyAndLastStepResult(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		loopNode(t, "none", designer.LoopSettings{Items: "${{ trigger.empty }}"}),
		inBody(transform(t, "never", map[string]any{"n": 1}), "none"),
		loopNode(t, "each", designer.LoopSettings{Items: []any{"a", "b"}}),
		inBody(condition(t, "is-a", "item == \"a\""), "each"),
		inBody(transform(t, "upper", map[string]any{"v": "${{ upper(item) }}"}), "each"),
	},
		edge("start", designer.PortSuccess, "none"),
		edge("start", designer.PortSuccess, "each"),
		edge("is-a", designer.PortTrue, "upper"),
	)
	e := newEngine(t, runtime.Config{})

	r := startRun(t, e, pb, `{"empty": []}`)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"none": succeeded, "each": succeeded,
	})
	wantJSON(t, "empty loop output", r.steps["none"].Output, `{"count": 0, "results": []}`)
	// Item "b" skips upper, so its last finished step is the condition.
	wantJSON(t, "loop output", r.steps["each"].Output,
		`{"count": 2, "results": [{"v": "A"}, false]}`)
}

// TestEngine_LoopTenThousandItems runs 10,000 items through a transform
// body and logs the time it took. It checks the results, not the time.
func TestEngine_LoopTenThousandItems(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 10,000 loop iterations")
	}
	const n = 10_000
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		loopNode(t, "each", designer.LoopSettings{Items: "${{ trigger.items }}", Concurrency: 8}),
		inBody(transform(t, "double", map[string]any{"v": "${{ item * 2 }}"}), "each"),
	}, edge("start", designer.PortSuccess, "each"))
	// A store of its own keeps the 10,000 steps from slowing the
	// store lookups of the other tests.
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	e := newEngine(t, runtime.Config{Store: st})
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	body, _ := json.Marshal(map[string]any{"items": items})

	began := time.Now()
	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start",
		Trigger: body})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	select {
	case <-e.Wait(run.ID):
	case <-time.After(waitLimit):
		t.Fatalf("run %s did not end within %s", run.ID, waitLimit)
	}
	t.Logf("%d iterations took %s", n, time.Since(began))

	if run, err = st.GetRun(t.Context(), run.ID); err != nil {
		t.Fatalf("get run: %v", err)
	}
	if run.Status != runtime.RunSucceeded {
		t.Fatalf("run status = %q (error %q), want %q", run.Status, run.Error, runtime.RunSucceeded)
	}
	steps, err := st.ListSteps(t.Context(), run.ID)
	if err != nil {
		t.Fatalf("list steps: %v", err)
	}
	if len(steps) != n+2 {
		t.Errorf("run has %d steps, want %d", len(steps), n+2)
	}
	byID := make(map[string]runtime.Step, len(steps))
	for _, step := range steps {
		byID[step.ID] = step
	}
	last := byID[fmt.Sprintf("%s/each[%d]/double", run.ID, n-1)]
	wantJSON(t, "last body step output", last.Output, fmt.Sprintf(`{"v": %d}`, 2*(n-1)))

	var out struct {
		Results []struct{ V int }
		Count   int
	}
	if err := json.Unmarshal(byID[run.ID+"/each"].Output, &out); err != nil {
		t.Fatalf("decode loop output: %v", err)
	}
	if out.Count != n || len(out.Results) != n {
		t.Fatalf("loop output has count %d and %d results, want %d", out.Count, len(out.Results), n)
	}
	for i, res := range out.Results {
		if res.V != 2*i {
			t.Fatalf("result %d = %d, want %d", i, res.V, 2*i)
		}
	}
}
