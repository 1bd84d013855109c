package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// alertJSON returns the Elastic sample alert, whose keys contain dots and
// "@", with a dollar key and odd spacing added so that any re-encoding
// shows up as a byte difference.
func alertJSON(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/elastic-alert.json")
	if err != nil {
		t.Fatalf("read sample alert: %v", err)
	}
	alert := bytes.TrimSuffix(bytes.TrimSpace(data), []byte("}"))
	extra := `, "extra": {"$where": "x",  "a.b": {"$ref": 1}, "n": 1.50}` + "\n}"
	return append(alert, extra...)
}

func newRun(id, playbookID string, status runtime.RunStatus, created time.Time) *runtime.Run {
	return &runtime.Run{
		ID:              id,
		PlaybookID:      playbookID,
		PlaybookVersion: 1,
		Status:          status,
		CreatedAt:       ms(created),
	}
}

func TestRun_RoundTripKeepsPayloadBytes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		started := ms(time.Now())
		run := newRun("r1", "triage", runtime.RunRunning, started.Add(-time.Second))
		run.TriggerNode = "webhook"
		run.Trigger = alertJSON(t)
		run.TriggerRaw = []byte{0x1f, 0x8b, 0xff, 0x00, '$', '.'} // not UTF-8
		run.Inputs = []byte(`{"kibana.alert.severity":"high","$set":[1,2]}`)
		run.StartedAt = &started

		if err := s.InsertRun(t.Context(), run); err != nil {
			t.Fatalf("InsertRun: %v", err)
		}
		got, err := s.GetRun(t.Context(), "r1")
		if err != nil {
			t.Fatalf("GetRun: %v", err)
		}
		if !bytes.Equal(got.Trigger, run.Trigger) {
			t.Errorf("Trigger:\n got %s\nwant %s", got.Trigger, run.Trigger)
		}
		if !bytes.Equal(got.TriggerRaw, run.TriggerRaw) {
			t.Errorf("TriggerRaw = %x, want %x", got.TriggerRaw, run.TriggerRaw)
		}
		if !reflect.DeepEqual(got, run) {
			t.Errorf("GetRun:\n got %+v\nwant %+v", got, run)
		}
	})
}

func TestRun_InsertTwiceIsConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		run := newRun("r1", "triage", runtime.RunQueued, time.Now())
		if err := s.InsertRun(t.Context(), run); err != nil {
			t.Fatalf("InsertRun: %v", err)
		}
		err := s.InsertRun(t.Context(), run)
		if !errors.Is(err, runtime.ErrConflict) {
			t.Fatalf("second InsertRun: got %v, want ErrConflict", err)
		}
		if want := `insert run "r1": conflict: duplicate key`; err.Error() != want {
			t.Errorf("second InsertRun error = %q, want %q", err, want)
		}
	})
}

func TestRun_MissingIsNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		_, err := s.GetRun(t.Context(), "nope")
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetRun: got %v, want ErrNotFound", err)
		}
		if want := `run "nope": not found`; err != nil && err.Error() != want {
			t.Errorf("GetRun error = %q, want %q", err, want)
		}

		err = s.UpdateRun(t.Context(), newRun("nope", "triage", runtime.RunFailed, time.Now()))
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("UpdateRun: got %v, want ErrNotFound", err)
		}
		if _, err := s.GetRun(t.Context(), "nope"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetRun after a failed UpdateRun: got %v, want ErrNotFound", err)
		}
	})
}

func TestRun_UpdateReplacesWholeRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		run := newRun("r1", "triage", runtime.RunRunning, time.Now())
		run.Error = "left over"
		if err := s.InsertRun(t.Context(), run); err != nil {
			t.Fatalf("InsertRun: %v", err)
		}

		ended := ms(time.Now())
		run.Status = runtime.RunSucceeded
		run.Error = ""
		run.Output = []byte(`{"verdict":"benign"}`)
		run.EndedAt = &ended
		if err := s.UpdateRun(t.Context(), run); err != nil {
			t.Fatalf("UpdateRun: %v", err)
		}

		got, err := s.GetRun(t.Context(), "r1")
		if err != nil {
			t.Fatalf("GetRun: %v", err)
		}
		if !reflect.DeepEqual(got, run) {
			t.Errorf("GetRun after update:\n got %+v\nwant %+v", got, run)
		}
	})
}

func TestListRuns_NewestFirstWithFilter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		base := time.Now().Add(-time.Hour)
		for i, pb := range []string{"triage", "phish", "triage", "triage"} {
			id := fmt.Sprintf("r%d", i)
			run := newRun(id, pb, runtime.RunSucceeded, base.Add(time.Duration(i)*time.Minute))
			if err := s.InsertRun(t.Context(), run); err != nil {
				t.Fatalf("InsertRun %s: %v", id, err)
			}
		}

		tests := []struct {
			name   string
			filter RunFilter
			want   []string
		}{
			{"all", RunFilter{}, []string{"r3", "r2", "r1", "r0"}},
			{"playbook", RunFilter{PlaybookID: "triage"}, []string{"r3", "r2", "r0"}},
			{"limit", RunFilter{PlaybookID: "triage", Limit: 2}, []string{"r3", "r2"}},
			{"no match", RunFilter{PlaybookID: "other"}, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				runs, err := s.ListRuns(t.Context(), tt.filter)
				if err != nil {
					t.Fatalf("ListRuns: %v", err)
				}
				if got := runIDs(runs); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ListRuns(%+v) = %v, want %v", tt.filter, got, tt.want)
				}
			})
		}
	})
}

func TestListUnfinishedRuns_SkipsEndedRuns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		base := time.Now().Add(-time.Hour)
		statuses := []runtime.RunStatus{
			runtime.RunQueued, runtime.RunSucceeded, runtime.RunRunning, runtime.RunFailed,
			runtime.RunWaiting, runtime.RunCanceled, runtime.RunTimedOut,
		}
		for i, status := range statuses {
			id := fmt.Sprintf("r%d", i)
			run := newRun(id, "triage", status, base.Add(time.Duration(i)*time.Minute))
			if err := s.InsertRun(t.Context(), run); err != nil {
				t.Fatalf("InsertRun %s: %v", id, err)
			}
		}

		runs, err := s.ListUnfinishedRuns(t.Context())
		if err != nil {
			t.Fatalf("ListUnfinishedRuns: %v", err)
		}
		if got, want := runIDs(runs), []string{"r0", "r2", "r4"}; !reflect.DeepEqual(got, want) {
			t.Errorf("ListUnfinishedRuns = %v, want %v", got, want)
		}
	})
}

func runIDs(runs []runtime.Run) []string {
	ids := []string{}
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestSaveStep_InsertsThenReplaces(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		started := ms(time.Now())
		step := &runtime.Step{
			ID: "r1/lookup", RunID: "r1", NodeID: "lookup", Status: runtime.StepRunning,
			Attempt: 1, Input: []byte(`{"ip":"203.0.113.77","a.b":{"$gt":1}}`), StartedAt: &started,
		}
		if err := s.SaveStep(t.Context(), step); err != nil {
			t.Fatalf("SaveStep insert: %v", err)
		}
		recordSteps(t, s, *step)

		ended := started.Add(time.Second)
		step.Status = runtime.StepFailed
		step.Port = "error"
		step.Error = &runtime.StepError{Code: "timeout", Message: "action timed out after 30s"}
		step.EndedAt = &ended
		if err := s.SaveStep(t.Context(), step); err != nil {
			t.Fatalf("SaveStep replace: %v", err)
		}

		steps, err := s.ListSteps(t.Context(), "r1")
		if err != nil {
			t.Fatalf("ListSteps: %v", err)
		}
		if len(steps) != 1 {
			t.Fatalf("ListSteps returned %d steps, want 1", len(steps))
		}
		if !reflect.DeepEqual(&steps[0], step) {
			t.Errorf("ListSteps[0]:\n got %+v\nwant %+v", steps[0], *step)
		}
	})
}

func TestListSteps_OrderByStartTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		base := ms(time.Now())
		later, earlier := base.Add(time.Second), base
		steps := []runtime.Step{
			{ID: "r1/b", RunID: "r1", NodeID: "b", Status: runtime.StepRunning, StartedAt: &later},
			{ID: "r1/a", RunID: "r1", NodeID: "a", Status: runtime.StepSucceeded, StartedAt: &earlier},
			{ID: "r1/c", RunID: "r1", NodeID: "c", Status: runtime.StepPending},
			{ID: "r2/a", RunID: "r2", NodeID: "a", Status: runtime.StepPending},
		}
		for i := range steps {
			if err := s.SaveStep(t.Context(), &steps[i]); err != nil {
				t.Fatalf("SaveStep %s: %v", steps[i].ID, err)
			}
		}
		recordSteps(t, s, steps...)

		got, err := s.ListSteps(t.Context(), "r1")
		if err != nil {
			t.Fatalf("ListSteps: %v", err)
		}
		var ids []string
		for _, st := range got {
			ids = append(ids, st.ID)
		}
		if want := []string{"r1/c", "r1/a", "r1/b"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("ListSteps ids = %v, want %v", ids, want)
		}

		none, err := s.ListSteps(t.Context(), "r9")
		if err != nil || none == nil || len(none) != 0 {
			t.Errorf("ListSteps of a run without steps = %v, %v; want empty, nil", none, err)
		}
	})
}

// recordSteps appends a step.finished event for each step to its run, as
// the runtime does for every step it stores.
func recordSteps(t *testing.T, s *Store, steps ...runtime.Step) {
	t.Helper()
	for _, st := range steps {
		stored, err := s.ListEvents(t.Context(), st.RunID, 0, 0)
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		ev := runtime.Event{RunID: st.RunID, Seq: int64(len(stored) + 1), Time: ms(time.Now()),
			Type: runtime.EventStepFinished, NodeID: st.NodeID, StepID: st.ID}
		if err := s.AppendEvents(t.Context(), []runtime.Event{ev}); err != nil {
			t.Fatalf("AppendEvents for step %q: %v", st.ID, err)
		}
	}
}

func newEvents(runID string, from, to int64) []runtime.Event {
	var events []runtime.Event
	for seq := from; seq <= to; seq++ {
		events = append(events, runtime.Event{
			RunID: runID, Seq: seq, Time: ms(time.Now()), Type: runtime.EventStepLog,
			NodeID: "lookup", StepID: runID + "/lookup",
			Data: []byte(fmt.Sprintf(`{"line":"seq %d","kibana.alert":{"$in":[1]}}`, seq)),
		})
	}
	return events
}

func TestListEvents_AfterSeqInOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		// Two batches, the second stored first, and a second run whose
		// events must not show up.
		all := newEvents("r1", 1, 12)
		if err := s.AppendEvents(t.Context(), all[9:]); err != nil {
			t.Fatalf("AppendEvents 10-12: %v", err)
		}
		if err := s.AppendEvents(t.Context(), all[:9]); err != nil {
			t.Fatalf("AppendEvents 1-9: %v", err)
		}
		if err := s.AppendEvents(t.Context(), newEvents("r2", 1, 3)); err != nil {
			t.Fatalf("AppendEvents r2: %v", err)
		}

		tests := []struct {
			name  string
			after int64
			limit int
			want  []runtime.Event
		}{
			{"all", 0, 0, all},
			{"after 2", 2, 0, all[2:]},
			{"after 9 crosses batches", 9, 0, all[9:]},
			{"limit", 2, 3, all[2:5]},
			{"limit crosses batches", 8, 2, all[8:10]},
			{"after 10 inside the last batch", 10, 0, all[10:]},
			{"after last", 12, 0, []runtime.Event{}},
			{"after beyond last", 40, 0, []runtime.Event{}},
		}
		for _, tt := range tests {
			// A cold read walks the pages from seq 1; a warm one uses the
			// page bounds read before.
			for _, cold := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/cold=%t", tt.name, cold), func(t *testing.T) {
					if cold {
						s.spans = newSpanCache()
					}
					got, err := s.ListEvents(t.Context(), "r1", tt.after, tt.limit)
					if err != nil {
						t.Fatalf("ListEvents: %v", err)
					}
					if !reflect.DeepEqual(got, tt.want) {
						t.Errorf("ListEvents(after %d, limit %d):\n got %+v\nwant %+v",
							tt.after, tt.limit, got, tt.want)
					}
				})
			}
		}
	})
}

func TestAppendEvents_PageAtStoredSeqIsConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		if err := s.AppendEvents(t.Context(), newEvents("r1", 1, 3)); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}

		err := s.AppendEvents(t.Context(), newEvents("r1", 1, 4))
		if !errors.Is(err, runtime.ErrConflict) {
			t.Fatalf("AppendEvents from seq 1 again: got %v, want ErrConflict", err)
		}
		if want := `run "r1": append events from seq 1: conflict: duplicate key`; err.Error() != want {
			t.Errorf("AppendEvents error = %q, want %q", err, want)
		}

		// A page is stored whole or not at all, so seq 4 is not stored.
		got, err := s.ListEvents(t.Context(), "r1", 0, 0)
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if len(got) != 3 {
			t.Errorf("ListEvents returned %d events, want 3", len(got))
		}
	})
}

func TestAppendEvents_EmptyBatchIsNoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		if err := s.AppendEvents(t.Context(), nil); err != nil {
			t.Errorf("AppendEvents(nil) = %v, want nil", err)
		}
	})
}

// TestGetRun_FindsRunThatEndsMeanwhile reads runs while they end, which
// moves them from active_runs to runs: every read finds the run.
func TestGetRun_FindsRunThatEndsMeanwhile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		const n, readers = 100, 4
		runs := make([]*runtime.Run, n)
		for i := range runs {
			runs[i] = newRun(fmt.Sprintf("r%03d", i), "triage", runtime.RunRunning, time.Now())
			if err := s.InsertRun(t.Context(), runs[i]); err != nil {
				t.Fatalf("InsertRun: %v", err)
			}
		}

		var ended atomic.Int64 // runs[:ended] have ended
		var wg sync.WaitGroup
		for range readers {
			wg.Go(func() {
				for int(ended.Load()) < n {
					// The run that ends next.
					id := runs[min(int(ended.Load()), n-1)].ID
					if _, err := s.GetRun(t.Context(), id); err != nil {
						t.Errorf("GetRun %s while it ends: %v", id, err)
						return
					}
				}
			})
		}
		for _, r := range runs {
			end := ms(time.Now())
			r.Status, r.EndedAt = runtime.RunSucceeded, &end
			if err := s.UpdateRun(t.Context(), r); err != nil {
				t.Errorf("UpdateRun %s: %v", r.ID, err)
			}
			ended.Add(1)
		}
		wg.Wait()
	})
}
