package runtime_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

func delayPlaybook(t *testing.T, s designer.DelaySettings) *designer.Playbook {
	t.Helper()
	return newPlaybook(t, []designer.Node{trigger(t), delayNode(t, "wait", s),
		transform(t, "after", map[string]any{"done": true})},
		edge("start", designer.PortSuccess, "wait"), edge("wait", designer.PortSuccess, "after"))
}

func countEvents(events []runtime.Event, typ string) int {
	n := 0
	for _, ev := range events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func TestEngine_Delay(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name     string
		settings designer.DelaySettings
		waits    int // step.waiting events
		status   runtime.RunStatus
		code     string // error code of the wait step
	}{
		{"duration", designer.DelaySettings{Duration: "200ms"}, 1, runtime.RunSucceeded, ""},
		{"duration expression", designer.DelaySettings{Duration: "${{ 100 + 100 }}ms"}, 1,
			runtime.RunSucceeded, ""},
		{"until in the past", designer.DelaySettings{Until: past}, 0, runtime.RunSucceeded, ""},
		{"until expression in the past", designer.DelaySettings{Until: "${{ '" + past + "' }}"}, 0,
			runtime.RunSucceeded, ""},
		{"invalid duration", designer.DelaySettings{Duration: "${{ 'soon' }}"}, 0,
			runtime.RunFailed, runtime.CodeInvalidSettings},
		{"invalid until", designer.DelaySettings{Until: "${{ 'tomorrow' }}"}, 0,
			runtime.RunFailed, runtime.CodeInvalidSettings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := leasedEngine(t, "a", testStore)
			run := startWebhookRun(t, e, delayPlaybook(t, tt.settings))
			r := waitRun(t, e, run.ID)

			if r.run.Status != tt.status {
				t.Errorf("run status = %q (error %q), want %q", r.run.Status, r.run.Error, tt.status)
			}
			if got := countEvents(r.events, runtime.EventStepWaiting); got != tt.waits {
				t.Errorf("step.waiting events = %d, want %d", got, tt.waits)
			}
			if tt.code != "" {
				wantStepError(t, r.steps["wait"], tt.code)
				return
			}
			var out struct {
				Until time.Time `json:"until"`
			}
			if err := json.Unmarshal(r.steps["wait"].Output, &out); err != nil {
				t.Fatalf("decode wait output %s: %v", r.steps["wait"].Output, err)
			}
			if ended := *r.steps["wait"].EndedAt; ended.Before(out.Until.Truncate(time.Millisecond)) {
				t.Errorf("wait step ended at %s, before its due time %s", ended, out.Until)
			}
		})
	}
}

func TestEngine_DelaySurvivesRestart(t *testing.T) {
	a := leasedEngine(t, "a", testStore)
	run := startWebhookRun(t, a, delayPlaybook(t, designer.DelaySettings{Duration: "1500ms"}))
	waiting := waitEvent(t, a, run.ID, runtime.EventStepWaiting, "wait")
	if err := a.Shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	paused := loadRun(t, run.ID)
	paused.wantStatuses(t, runtime.RunWaiting, map[string]runtime.StepStatus{
		"wait": runtime.StepRunning,
	})

	b := leasedEngine(t, "b", testStore)
	resume(t, b, run.ID)
	r := waitRun(t, b, run.ID)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"wait": succeeded, "after": succeeded,
	})
	var stored struct {
		Until string `json:"until"`
	}
	if err := json.Unmarshal(waiting.Data, &stored); err != nil {
		t.Fatalf("decode step.waiting data: %v", err)
	}
	wantJSON(t, "wait output", r.steps["wait"].Output, `{"until": "`+stored.Until+`"}`)
	wantGapFree(t, r.events)

	// The wait goes on in the attempt that started before the restart.
	started := 0
	for _, ev := range r.events {
		if ev.Type == runtime.EventStepStarted && ev.NodeID == "wait" {
			started++
		}
	}
	if started != 1 {
		t.Errorf("wait has %d step.started events, want 1", started)
	}
	before := paused.steps["wait"].StartedAt
	if got := r.steps["wait"].StartedAt; before == nil || got == nil || !got.Equal(*before) {
		t.Errorf("wait started_at = %v after the restart, want %v from before it", got, before)
	}
}
