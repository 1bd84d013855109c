package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// deadRun stores the state a process leaves behind when it dies while
// node "enrich" runs or waits for a retry: the run running, the trigger
// step succeeded, the enrich step in status enrich, and four events.
func deadRun(t *testing.T, pb *designer.Playbook, enrich runtime.StepStatus) *runtime.Run {
	t.Helper()
	ctx := t.Context()
	if err := testStore.InsertPlaybookVersion(ctx, pb); err != nil {
		t.Fatalf("insert playbook: %v", err)
	}

	now := time.Now().UTC()
	run := &runtime.Run{
		ID:              "dead-" + pb.ID,
		PlaybookID:      pb.ID,
		PlaybookVersion: pb.Version,
		Status:          runtime.RunRunning,
		TriggerNode:     "start",
		Trigger:         json.RawMessage(`{"ip": "203.0.113.9"}`),
		CreatedAt:       now,
		StartedAt:       &now,
	}
	if err := testStore.InsertRun(ctx, run); err != nil {
		t.Fatalf("insert run: %v", err)
	}

	steps := []runtime.Step{
		{ID: run.ID + "/start", RunID: run.ID, NodeID: "start", Status: runtime.StepSucceeded,
			Attempt: 1, Port: designer.PortSuccess, Output: run.Trigger, StartedAt: &now, EndedAt: &now},
		{ID: run.ID + "/enrich", RunID: run.ID, NodeID: "enrich", Status: enrich,
			Attempt: 1, StartedAt: &now},
	}
	for i := range steps {
		if err := testStore.SaveStep(ctx, &steps[i]); err != nil {
			t.Fatalf("save step %q: %v", steps[i].ID, err)
		}
	}

	events := []runtime.Event{
		{RunID: run.ID, Seq: 1, Time: now, Type: runtime.EventRunStarted},
		{RunID: run.ID, Seq: 2, Time: now, Type: runtime.EventStepStarted, NodeID: "start",
			StepID: steps[0].ID},
		{RunID: run.ID, Seq: 3, Time: now, Type: runtime.EventStepFinished, NodeID: "start",
			StepID: steps[0].ID},
	}
	if enrich == runtime.StepRunning {
		events = append(events, runtime.Event{RunID: run.ID, Seq: 4, Time: now,
			Type: runtime.EventStepStarted, NodeID: "enrich", StepID: steps[1].ID})
	}
	if err := testStore.AppendEvents(ctx, events); err != nil {
		t.Fatalf("append events: %v", err)
	}
	return run
}

func TestEngine_ResumeInterruptedRun(t *testing.T) {
	tests := []struct {
		name    string
		enrich  func(n *designer.Node)
		stored  runtime.StepStatus // status of the enrich step left behind
		run     runtime.RunStatus
		steps   map[string]runtime.StepStatus
		code    string // error code of the enrich step
		attempt int    // attempt of the enrich step
	}{
		{
			name:    "fails interrupted step",
			enrich:  func(*designer.Node) {},
			run:     runtime.RunFailed,
			steps:   map[string]runtime.StepStatus{"start": succeeded, "enrich": failed},
			code:    runtime.CodeInterrupted,
			attempt: 1,
		},
		{
			name:    "continues after interrupted step",
			enrich:  func(n *designer.Node) { n.OnError = "continue" },
			run:     runtime.RunSucceeded,
			steps:   map[string]runtime.StepStatus{"enrich": failed, "report": succeeded},
			code:    runtime.CodeInterrupted,
			attempt: 1,
		},
		{
			name:    "retries interrupted step",
			enrich:  func(n *designer.Node) { n.Retry = &designer.RetryPolicy{Attempts: 2} },
			run:     runtime.RunSucceeded,
			steps:   map[string]runtime.StepStatus{"enrich": succeeded, "report": succeeded},
			attempt: 2,
		},
		{
			name:    "runs pending attempt",
			enrich:  func(n *designer.Node) { n.Retry = &designer.RetryPolicy{Attempts: 2} },
			stored:  runtime.StepPending,
			run:     runtime.RunSucceeded,
			steps:   map[string]runtime.StepStatus{"enrich": succeeded, "report": succeeded},
			attempt: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enrich := transform(t, "enrich", map[string]any{"ip": "${{ trigger.ip }}"})
			tt.enrich(&enrich)
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				enrich,
				transform(t, "report", map[string]any{"status": "${{ steps.enrich.status }}"}),
			},
				edge("start", designer.PortSuccess, "enrich"),
				edge("enrich", designer.PortSuccess, "report"),
			)
			stored := tt.stored
			if stored == "" {
				stored = runtime.StepRunning
			}
			dead := deadRun(t, pb, stored)
			e := newEngine(t, runtime.Config{})

			resume(t, e, dead.ID)
			r := waitRun(t, e, dead.ID)

			r.wantStatuses(t, tt.run, tt.steps)
			got := r.steps["enrich"]
			if got.Attempt != tt.attempt {
				t.Errorf("enrich attempt = %d, want %d", got.Attempt, tt.attempt)
			}
			if tt.code != "" && (got.Error == nil || got.Error.Code != tt.code) {
				t.Errorf("enrich error = %+v, want code %q", got.Error, tt.code)
			}
			wantJSON(t, "start output", r.steps["start"].Output, `{"ip": "203.0.113.9"}`)
			wantGapFree(t, r.events)
			if last := r.events[len(r.events)-1]; last.Type != runtime.EventRunFinished {
				t.Errorf("last event = %s, want %s", last.Type, runtime.EventRunFinished)
			}
		})
	}
}

func TestEngine_ResumeQueuedRun(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		transform(t, "enrich", map[string]any{"ip": "${{ trigger.ip }}"}),
	},
		edge("start", designer.PortSuccess, "enrich"),
	)
	ctx := t.Context()
	if err := testStore.InsertPlaybookVersion(ctx, pb); err != nil {
		t.Fatalf("insert playbook: %v", err)
	}
	run := &runtime.Run{
		ID:              "queued-" + pb.ID,
		PlaybookID:      pb.ID,
		PlaybookVersion: pb.Version,
		Status:          runtime.RunQueued,
		TriggerNode:     "start",
		Trigger:         json.RawMessage(`{"ip": "198.51.100.7"}`),
		CreatedAt:       time.Now().UTC(),
	}
	if err := testStore.InsertRun(ctx, run); err != nil {
		t.Fatalf("insert run: %v", err)
	}
	e := newEngine(t, runtime.Config{})

	resume(t, e, run.ID)
	r := waitRun(t, e, run.ID)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"start": succeeded, "enrich": succeeded,
	})
	wantJSON(t, "enrich output", r.steps["enrich"].Output, `{"ip": "198.51.100.7"}`)
	wantEventOrder(t, r.events, 2)
	wantGapFree(t, r.events)
}

// resume calls Resume and fails the test when the run runID could not be
// resumed. Errors about other tests' runs are only logged, so a test that
// left a run behind does not fail this one too.
func resume(t *testing.T, e *runtime.Engine, runID string) {
	t.Helper()
	err := e.Resume(t.Context())
	if err == nil {
		return
	}
	if strings.Contains(err.Error(), runID) {
		t.Fatalf("resume: %v", err)
	}
	t.Logf("resume: other runs: %v", err)
}

func wantGapFree(t *testing.T, events []runtime.Event) {
	t.Helper()
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d (%s of %q) has seq %d, want %d", i, ev.Type, ev.NodeID, ev.Seq, i+1)
		}
	}
}

func TestEngine_Cancel(t *testing.T) {
	ctx := t.Context()
	e := newEngine(t, runtime.Config{})

	t.Run("unknown run", func(t *testing.T) {
		err := e.Cancel(ctx, "no-such-run")
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("cancel error = %v, want ErrNotFound", err)
		}
	})

	t.Run("ended run", func(t *testing.T) {
		pb := newPlaybook(t, []designer.Node{trigger(t)})
		r := startRun(t, e, pb, `{}`)
		err := e.Cancel(ctx, r.run.ID)
		if !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("cancel error = %v, want ErrConflict", err)
		}
	})

	t.Run("orphaned run", func(t *testing.T) {
		run := &runtime.Run{ID: testID(t), PlaybookID: "orphaned", PlaybookVersion: 1,
			Status: runtime.RunRunning, TriggerNode: "start", CreatedAt: time.Now().UTC()}
		if err := testStore.InsertRun(ctx, run); err != nil {
			t.Fatalf("insert run: %v", err)
		}
		if err := e.Cancel(ctx, run.ID); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		got, err := testStore.GetRun(ctx, run.ID)
		if err != nil {
			t.Fatalf("get run: %v", err)
		}
		if got.Status != runtime.RunCanceled || got.EndedAt == nil {
			t.Errorf("run status = %q, ended at %v, want canceled with an end time",
				got.Status, got.EndedAt)
		}
		events := loadRun(t, run.ID).events
		if len(events) != 1 || events[0].Type != runtime.EventRunFinished || events[0].Seq != 1 {
			t.Errorf("events = %+v, want one run.finished with seq 1", events)
		}
	})
}

func TestEngine_StartAfterShutdown(t *testing.T) {
	e := runtime.New(runtime.Config{Store: testStore})
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	pb := newPlaybook(t, []designer.Node{trigger(t)})
	_, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start"})

	if !errors.Is(err, runtime.ErrShuttingDown) {
		t.Errorf("start error = %v, want ErrShuttingDown", err)
	}
}

// TestEngine_ResumeRunStoppedWhileEnding resumes a run whose owner died
// after it inserted the ended run into the runs collection and before it
// removed the running copy from the active set and stored run.finished.
func TestEngine_ResumeRunStoppedWhileEnding(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		transform(t, "enrich", map[string]any{"ip": "${{ trigger.ip }}"}),
	},
		edge("start", designer.PortSuccess, "enrich"),
	)
	dead := deadRun(t, pb, runtime.StepRunning)
	ctx := t.Context()
	ended := *dead
	end := time.Now().UTC()
	ended.Status, ended.EndedAt, ended.Error = runtime.RunFailed, &end, "enrich failed"
	if err := testStore.UpdateRun(ctx, &ended); err != nil {
		t.Fatalf("store the end: %v", err)
	}
	running := *dead
	running.Trigger = nil // the payloads are stored already
	if err := testStore.InsertRun(ctx, &running); err != nil {
		t.Fatalf("put the running copy back: %v", err)
	}

	e := newEngine(t, runtime.Config{})
	resume(t, e, dead.ID)
	r := waitRun(t, e, dead.ID)
	if r.run.Status != runtime.RunFailed || r.run.Error != "enrich failed" {
		t.Errorf("run = %s %q, want %s %q", r.run.Status, r.run.Error, runtime.RunFailed, "enrich failed")
	}
	if got := r.steps["enrich"].Status; got != runtime.StepRunning {
		t.Errorf("enrich status = %s, want %s: the ended run ran again", got, runtime.StepRunning)
	}
	wantGapFree(t, r.events)
	if len(r.events) != 5 || r.events[4].Type != runtime.EventRunFinished {
		t.Errorf("events = %d ending with %s, want the 4 stored and run.finished",
			len(r.events), r.events[len(r.events)-1].Type)
	}
	active, err := testStore.ListActiveRuns(ctx)
	if err != nil {
		t.Fatalf("list active runs: %v", err)
	}
	for _, id := range active {
		if id == dead.ID {
			t.Errorf("run %s is still in the active set", dead.ID)
		}
	}
}
