package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/updraftsoar/updraft/runtime"
)

// TestAppendEvents_ConcurrentWritersReadTheirWrites has many runs append
// events at once, so the group commit batches them, and checks that each
// caller finds every event of its own run stored when AppendEvents
// returns.
func TestAppendEvents_ConcurrentWritersReadTheirWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		const writers, appends = 40, 5
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				errs <- appendAndRead(t, s, fmt.Sprintf("run-%02d", w), appends)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

// appendAndRead appends events 1 to n of runID two at a time and checks,
// after each append, that every event appended so far is stored.
func appendAndRead(t *testing.T, s *Store, runID string, n int64) error {
	t.Helper()
	for seq := int64(1); seq <= n; seq += 2 {
		if err := s.AppendEvents(t.Context(), newEvents(runID, seq, seq+1)); err != nil {
			return fmt.Errorf("run %q: AppendEvents from seq %d: %w", runID, seq, err)
		}
		got, err := s.ListEvents(t.Context(), runID, 0, 0)
		if err != nil {
			return fmt.Errorf("run %q: ListEvents: %w", runID, err)
		}
		if int64(len(got)) != seq+1 {
			return fmt.Errorf("run %q: %d events stored after appending up to seq %d, want %d",
				runID, len(got), seq+1, seq+1)
		}
	}
	return nil
}

// TestGroupWriter_ConflictFailsOnlyItsRequest writes one batch where one
// request repeats a stored event. That request gets ErrConflict with its
// events after the duplicate left out, and the requests around it are
// stored.
func TestGroupWriter_ConflictFailsOnlyItsRequest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		if err := s.AppendEvents(t.Context(), newEvents("dup", 1, 2)); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}

		batch := []*groupRequest{
			eventRequest("before", 1, 3),
			eventRequest("dup", 1, 4),
			eventRequest("after", 1, 3),
		}
		s.eventWriter.write(batch)

		for i, want := range []error{nil, runtime.ErrConflict, nil} {
			err := <-batch[i].result
			if want == nil && err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			if want != nil && !mongo.IsDuplicateKeyError(err) {
				t.Errorf("request %d: got %v, want a duplicate key", i, err)
			}
		}
		wantEventCount(t, s, "before", 3)
		wantEventCount(t, s, "dup", 2)
		wantEventCount(t, s, "after", 3)
	})
}

// TestGroupWriter_FailureReachesEveryRequest writes a batch on a store
// whose connection is closed, so the whole InsertMany fails, and checks
// that every request of the batch gets the error.
func TestGroupWriter_FailureReachesEveryRequest(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	other, err := Open(t.Context(), Config{URI: backends[0].uri, Database: s.db.Name(),
		Logger: discardLogger()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := other.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}

	batch := []*groupRequest{eventRequest("a", 1, 2), eventRequest("b", 1, 2)}
	w := &groupWriter{coll: other.events, single: other.insertEventsAlone}
	w.write(batch)
	for i, req := range batch {
		if err := <-req.result; err == nil {
			t.Errorf("request %d: got no error from a closed connection", i)
		}
	}
}

// eventRequest returns a request of the page of runID's events from seq
// from to seq to.
func eventRequest(runID string, from, to int64) *groupRequest {
	page, err := toEventPage(newEvents(runID, from, to))
	if err != nil {
		panic(err)
	}
	return &groupRequest{docs: []any{page}, result: make(chan error, 1)}
}

func wantEventCount(t *testing.T, s *Store, runID string, want int) {
	t.Helper()
	got, err := s.ListEvents(t.Context(), runID, 0, 0)
	if err != nil {
		t.Fatalf("run %q: ListEvents: %v", runID, err)
	}
	if len(got) != want {
		t.Errorf("run %q: %d events stored, want %d", runID, len(got), want)
	}
}

// TestInsertSteps_ConcurrentConflicts inserts steps from many callers at
// once, where every other caller repeats a stored step ID. Each of those
// gets ErrConflict, and every other step is stored.
func TestInsertSteps_ConcurrentConflicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		stored := runtime.Step{ID: "taken", RunID: "r1", NodeID: "n",
			Status: runtime.StepSucceeded, Attempt: 1}
		if err := s.InsertSteps(t.Context(), []runtime.Step{stored}); err != nil {
			t.Fatalf("InsertSteps: %v", err)
		}

		const callers = 20
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				step := runtime.Step{ID: fmt.Sprintf("s%02d", i), RunID: "r1", NodeID: "n",
					Status: runtime.StepSucceeded, Attempt: 1}
				if i%2 == 1 {
					step.ID = "taken"
				}
				errs[i] = s.InsertSteps(t.Context(), []runtime.Step{step})
			})
		}
		wg.Wait()
		recordSteps(t, s, stored)
		for i := 0; i < callers; i += 2 {
			recordSteps(t, s, runtime.Step{ID: fmt.Sprintf("s%02d", i), RunID: "r1", NodeID: "n"})
		}

		for i, err := range errs {
			if i%2 == 1 && !errors.Is(err, runtime.ErrConflict) {
				t.Errorf("caller %d repeating a step ID: got %v, want ErrConflict", i, err)
			}
			if i%2 == 0 && err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
		}
		steps, err := s.ListSteps(t.Context(), "r1")
		if err != nil {
			t.Fatalf("ListSteps: %v", err)
		}
		if want := 1 + callers/2; len(steps) != want {
			t.Errorf("ListSteps returned %d steps, want %d", len(steps), want)
		}
	})
}

// TestAppendEvents_AfterCloseFails checks that a write sent after Close
// returns an error instead of waiting.
func TestAppendEvents_AfterCloseFails(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	s.eventWriter.close()
	err := s.AppendEvents(t.Context(), newEvents("closed", 1, 1))
	if !errors.Is(err, errStoreClosed) {
		t.Errorf("AppendEvents after close: got %v, want errStoreClosed", err)
	}
}
