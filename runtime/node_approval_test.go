package runtime_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

func approvalNode(t *testing.T, s designer.ApprovalSettings) designer.Node {
	return node(t, "approve", designer.NodeApproval, s)
}

// approvalPlaybook asks whether to isolate the host and ends in "isolate"
// or "ignore", or in "expired" after a timeout.
func approvalPlaybook(t *testing.T, s designer.ApprovalSettings) *designer.Playbook {
	t.Helper()
	s.Question = "Isolate ${{ trigger.host }}?"
	s.Options = []string{"isolate", "ignore"}
	return newPlaybook(t, []designer.Node{trigger(t), approvalNode(t, s),
		transform(t, "isolate", map[string]any{"done": true}),
		transform(t, "ignore", map[string]any{"done": false}),
		transform(t, "expired", map[string]any{"answer": "${{ steps.approve.output.option }}"})},
		edge("start", designer.PortSuccess, "approve"),
		edge("approve", "option:isolate", "isolate"),
		edge("approve", "option:ignore", "ignore"),
		edge("approve", designer.PortTimeout, "expired"))
}

// waitApproval starts pb on e and returns the approval once its step
// waits.
func waitApproval(t *testing.T, e *runtime.Engine, pb *designer.Playbook) (*runtime.Run, runtime.Approval) {
	t.Helper()
	run := startWebhookRun(t, e, pb)
	waitEvent(t, e, run.ID, runtime.EventStepWaiting, "approve")

	list, err := e.ListApprovals(t.Context(), runtime.ApprovalFilter{RunID: run.ID})
	if err != nil {
		t.Fatalf("list approvals: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("approvals of the run = %d, want 1", len(list))
	}
	return run, list[0]
}

func TestEngine_ApprovalAnswered(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	pb := approvalPlaybook(t, designer.ApprovalSettings{Comment: designer.CommentRequired})
	run, a := waitApproval(t, e, pb)

	if a.Question != "Isolate ws-042?" {
		t.Errorf("question = %q, want %q", a.Question, "Isolate ws-042?")
	}
	if a.Status != runtime.ApprovalPending || a.AssigneeRole != "analyst" {
		t.Errorf("approval = status %q role %q, want pending and analyst", a.Status, a.AssigneeRole)
	}
	stored, err := testStore.GetRun(t.Context(), run.ID)
	if err != nil {
		t.Fatalf("get run: %v", err)
	}
	if stored.Status != runtime.RunWaiting {
		t.Errorf("run status while the approval waits = %q, want %q", stored.Status, runtime.RunWaiting)
	}

	if err := e.Answer(t.Context(), a.ID, "isolate", "confirmed with the user", "jdoe"); err != nil {
		t.Fatalf("answer: %v", err)
	}
	r := waitRun(t, e, run.ID)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"approve": succeeded, "isolate": succeeded, "ignore": runtime.StepSkipped,
		"expired": runtime.StepSkipped,
	})
	if got := r.steps["approve"].Port; got != "option:isolate" {
		t.Errorf("approve port = %q, want option:isolate", got)
	}
	var out map[string]any
	if err := json.Unmarshal(r.steps["approve"].Output, &out); err != nil {
		t.Fatalf("decode approve output: %v", err)
	}
	if out["option"] != "isolate" || out["comment"] != "confirmed with the user" ||
		out["answered_by"] != "jdoe" || out["timed_out"] != false {
		t.Errorf("approve output = %v", out)
	}
	final, err := e.GetApproval(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("get approval: %v", err)
	}
	if final.Status != runtime.ApprovalAnswered {
		t.Errorf("approval status after the answer = %q, want answered", final.Status)
	}
	wantGapFree(t, r.events)
}

func TestEngine_ApprovalRejectsAnswer(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	pb := approvalPlaybook(t, designer.ApprovalSettings{Comment: designer.CommentRequired})
	run, a := waitApproval(t, e, pb)

	tests := []struct {
		name    string
		id      string
		option  string
		comment string
		by      string
		want    error
	}{
		{"unknown option", a.ID, "approve", "ok", "jdoe", runtime.ErrInvalidAnswer},
		{"missing comment", a.ID, "isolate", " ", "jdoe", runtime.ErrInvalidAnswer},
		{"missing name", a.ID, "isolate", "ok", "", runtime.ErrInvalidAnswer},
		{"unknown approval", "no-such-approval", "isolate", "ok", "jdoe", runtime.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Answer(t.Context(), tt.id, tt.option, tt.comment, tt.by)
			if !errors.Is(err, tt.want) {
				t.Errorf("answer: error = %v, want %v", err, tt.want)
			}
		})
	}

	if err := e.Answer(t.Context(), a.ID, "ignore", "false positive", "jdoe"); err != nil {
		t.Fatalf("valid answer: %v", err)
	}
	err := e.Answer(t.Context(), a.ID, "isolate", "changed my mind", "asmith")
	if !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("second answer: error = %v, want ErrConflict", err)
	}
	r := waitRun(t, e, run.ID)
	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"ignore": succeeded, "isolate": runtime.StepSkipped,
	})
}

func TestEngine_ApprovalCommentNone(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	pb := approvalPlaybook(t, designer.ApprovalSettings{Comment: designer.CommentNone})
	run, a := waitApproval(t, e, pb)

	err := e.Answer(t.Context(), a.ID, "isolate", "a comment", "jdoe")
	if !errors.Is(err, runtime.ErrInvalidAnswer) {
		t.Errorf("answer with a comment: error = %v, want ErrInvalidAnswer", err)
	}
	if err := e.Answer(t.Context(), a.ID, "isolate", "", "jdoe"); err != nil {
		t.Fatalf("answer without a comment: %v", err)
	}
	r := waitRun(t, e, run.ID)
	wantJSON(t, "approve output comment", mustField(t, r.steps["approve"].Output, "comment"), `null`)
}

func mustField(t *testing.T, raw json.RawMessage, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return m[key]
}

func TestEngine_ApprovalTimeout(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	pb := approvalPlaybook(t, designer.ApprovalSettings{Timeout: "300ms", DefaultOption: "ignore"})
	run, a := waitApproval(t, e, pb)
	r := waitRun(t, e, run.ID)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"expired": succeeded, "isolate": runtime.StepSkipped, "ignore": runtime.StepSkipped,
	})
	if got := r.steps["approve"].Port; got != designer.PortTimeout {
		t.Errorf("approve port = %q, want %q", got, designer.PortTimeout)
	}
	wantJSON(t, "approve output", r.steps["approve"].Output, `{"option": "ignore", "comment": null,
		"answered_by": null, "answered_at": null, "timed_out": true}`)
	wantJSON(t, "expired output", r.steps["expired"].Output, `{"answer": "ignore"}`)

	err := e.Answer(t.Context(), a.ID, "isolate", "", "jdoe")
	if !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("answer after the timeout: error = %v, want ErrConflict", err)
	}
	final, err := e.GetApproval(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("get approval: %v", err)
	}
	if final.Status != runtime.ApprovalTimedOut {
		t.Errorf("approval status = %q, want timed_out", final.Status)
	}
}

func TestEngine_ApprovalSurvivesRestart(t *testing.T) {
	a := leasedEngine(t, "a", testStore)
	pb := approvalPlaybook(t, designer.ApprovalSettings{})
	run, approval := waitApproval(t, a, pb)
	if err := a.Shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	paused := loadRun(t, run.ID)
	paused.wantStatuses(t, runtime.RunWaiting, map[string]runtime.StepStatus{
		"approve": runtime.StepRunning,
	})

	b := leasedEngine(t, "b", testStore)
	resume(t, b, run.ID)
	pending, err := b.ListApprovals(t.Context(), runtime.ApprovalFilter{
		Status: runtime.ApprovalPending, RunID: run.ID})
	if err != nil {
		t.Fatalf("list approvals: %v", err)
	}
	if len(pending) != 1 || pending[0].ID != approval.ID {
		t.Fatalf("pending approvals after the restart = %+v, want %s", pending, approval.ID)
	}

	// Another engine stores the answer; the owner reads it when it polls.
	c := leasedEngine(t, "c", testStore)
	if err := c.Answer(t.Context(), approval.ID, "isolate", "", "jdoe"); err != nil {
		t.Fatalf("answer: %v", err)
	}
	r := waitRun(t, b, run.ID)
	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"isolate": succeeded})
	if got := r.steps["approve"].Attempt; got != 1 {
		t.Errorf("approve attempt = %d, want 1", got)
	}
	wantGapFree(t, r.events)
}
