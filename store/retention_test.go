package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/updraftsoar/updraft/runtime"
)

// storeHistory stores an ended run that ended at end, with payloads, two
// steps, an approval with its answer, and events over two pages.
func storeHistory(t *testing.T, s *Store, runID string, end time.Time) {
	t.Helper()
	run := newRun(runID, "triage", runtime.RunSucceeded, end.Add(-time.Minute))
	run.Trigger = alertJSON(t)
	run.Inputs = []byte(`{"severity":"high"}`)
	run.StartedAt, run.EndedAt = &run.CreatedAt, &end
	if err := s.InsertRun(t.Context(), run); err != nil {
		t.Fatalf("InsertRun %s: %v", runID, err)
	}

	steps := []runtime.Step{
		{ID: runID + "/lookup", RunID: runID, NodeID: "lookup", Status: runtime.StepSucceeded, Attempt: 1},
		{ID: runID + "/ask", RunID: runID, NodeID: "ask", Status: runtime.StepSucceeded, Attempt: 1},
	}
	if err := s.InsertSteps(t.Context(), steps); err != nil {
		t.Fatalf("InsertSteps %s: %v", runID, err)
	}
	approvalID := runID + "-ask"
	a := &runtime.Approval{ID: approvalID, RunID: runID, StepID: runID + "/ask", NodeID: "ask",
		PlaybookID: "triage", Question: "Block?", Options: []string{"yes", "no"},
		Status: runtime.ApprovalAnswered, CreatedAt: end}
	if err := s.SaveApproval(t.Context(), a); err != nil {
		t.Fatalf("SaveApproval %s: %v", runID, err)
	}
	ans := &runtime.ApprovalAnswer{ApprovalID: approvalID, Option: "yes", By: "analyst", At: end}
	if err := s.InsertAnswer(t.Context(), ans); err != nil {
		t.Fatalf("InsertAnswer %s: %v", runID, err)
	}

	ev := func(seq int64, typ, node, data string) runtime.Event {
		e := runtime.Event{RunID: runID, Seq: seq, Time: ms(end), Type: typ, NodeID: node}
		if node != "" {
			e.StepID = runID + "/" + node
		}
		if data != "" {
			e.Data = []byte(data)
		}
		return e
	}
	pages := [][]runtime.Event{
		{ev(1, runtime.EventRunStarted, "", ""), ev(2, runtime.EventStepFinished, "lookup", "")},
		{ev(3, runtime.EventStepWaiting, "ask", fmt.Sprintf(`{"approval_id":%q}`, approvalID)),
			ev(4, runtime.EventStepFinished, "ask", ""), ev(5, runtime.EventRunFinished, "", "")},
	}
	for _, p := range pages {
		if err := s.AppendEvents(t.Context(), p); err != nil {
			t.Fatalf("AppendEvents %s: %v", runID, err)
		}
	}
}

// storedDocs returns how many documents each collection holds for runID.
func storedDocs(t *testing.T, s *Store, runID string) map[string]int64 {
	t.Helper()
	byRun := bson.D{{Key: "run_id", Value: runID}}
	counts := map[string]int64{}
	for name, q := range map[string]struct {
		coll   string
		filter bson.D
	}{
		"runs":             {"runs", bson.D{{Key: "_id", Value: runID}}},
		"run_payloads":     {"run_payloads", byRun},
		"steps":            {"steps", byRun},
		"event_pages":      {"event_pages", byRun},
		"approvals":        {"approvals", byRun},
		"approval_answers": {"approval_answers", bson.D{{Key: "_id", Value: runID + "-ask"}}},
	} {
		n, err := s.db.Collection(q.coll).CountDocuments(t.Context(), q.filter)
		if err != nil {
			t.Fatalf("count %s of %s: %v", q.coll, runID, err)
		}
		counts[name] = n
	}
	return counts
}

func TestDeleteRunsEndedBefore_RemovesHistory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		now := time.Now().UTC()
		cutoff := now.Add(-24 * time.Hour)
		storeHistory(t, s, "old1", now.Add(-72*time.Hour))
		storeHistory(t, s, "old2", now.Add(-48*time.Hour))
		storeHistory(t, s, "recent", now.Add(-time.Hour))
		active := newRun("waiting", "triage", runtime.RunWaiting, now.Add(-96*time.Hour))
		if err := s.InsertRun(t.Context(), active); err != nil {
			t.Fatalf("InsertRun: %v", err)
		}
		want := storedDocs(t, s, "recent")
		for name, n := range want {
			if n == 0 {
				t.Fatalf("history of run recent holds no %s before the delete", name)
			}
		}

		first, err := s.DeleteRunsEndedBefore(t.Context(), cutoff, 1)
		if err != nil {
			t.Fatalf("DeleteRunsEndedBefore limit 1: %v", err)
		}
		if len(first) != 1 {
			t.Fatalf("limit 1 deleted runs %v, want one", first)
		}
		rest, err := s.DeleteRunsEndedBefore(t.Context(), cutoff, 0)
		if err != nil {
			t.Fatalf("DeleteRunsEndedBefore: %v", err)
		}
		deleted := append(first, rest...)
		slices.Sort(deleted)
		if !slices.Equal(deleted, []string{"old1", "old2"}) {
			t.Errorf("deleted runs %v, want [old1 old2]", deleted)
		}

		for _, id := range []string{"old1", "old2"} {
			for name, n := range storedDocs(t, s, id) {
				if n != 0 {
					t.Errorf("run %s: %d documents left in %s", id, n, name)
				}
			}
			if _, err := s.GetRun(t.Context(), id); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("GetRun %s after delete: error = %v, want ErrNotFound", id, err)
			}
		}
		for name, n := range storedDocs(t, s, "recent") {
			if n != want[name] {
				t.Errorf("run recent: %d documents in %s, want %d", n, name, want[name])
			}
		}
		if _, err := s.GetRun(t.Context(), "waiting"); err != nil {
			t.Errorf("GetRun of the unfinished run: %v", err)
		}
		steps, err := s.ListSteps(t.Context(), "recent")
		if err != nil || len(steps) != 2 {
			t.Errorf("ListSteps of run recent = %d steps, %v; want 2", len(steps), err)
		}

		again, err := s.DeleteRunsEndedBefore(t.Context(), cutoff, 0)
		if err != nil || len(again) != 0 {
			t.Errorf("second DeleteRunsEndedBefore = %v, %v; want nothing deleted", again, err)
		}
	})
}
