package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

// stepDoc is a step in the steps collection, with payloads as JSON bytes.
type stepDoc struct {
	ID         string        `bson:"_id"`
	RunID      string        `bson:"run_id"`
	NodeID     string        `bson:"node_id"`
	Status     string        `bson:"status"`
	Attempt    int           `bson:"attempt"`
	Port       string        `bson:"port,omitempty"`
	Input      []byte        `bson:"input,omitempty"`
	Output     []byte        `bson:"output,omitempty"`
	Error      *stepErrorDoc `bson:"error,omitempty"`
	StartedAt  *time.Time    `bson:"started_at,omitempty"`
	EndedAt    *time.Time    `bson:"ended_at,omitempty"`
	ReusedFrom string        `bson:"reused_from,omitempty"`
}

type stepErrorDoc struct {
	Code    string `bson:"code"`
	Message string `bson:"message"`
}

func toStepDoc(st *runtime.Step) stepDoc {
	d := stepDoc{
		ID:         st.ID,
		RunID:      st.RunID,
		NodeID:     st.NodeID,
		Status:     string(st.Status),
		Attempt:    st.Attempt,
		Port:       st.Port,
		Input:      st.Input,
		Output:     st.Output,
		StartedAt:  st.StartedAt,
		EndedAt:    st.EndedAt,
		ReusedFrom: st.ReusedFrom,
	}
	if st.Error != nil {
		d.Error = &stepErrorDoc{Code: st.Error.Code, Message: st.Error.Message}
	}
	return d
}

func (d *stepDoc) step() runtime.Step {
	st := runtime.Step{
		ID:         d.ID,
		RunID:      d.RunID,
		NodeID:     d.NodeID,
		Status:     runtime.StepStatus(d.Status),
		Attempt:    d.Attempt,
		Port:       d.Port,
		Input:      json.RawMessage(d.Input),
		Output:     json.RawMessage(d.Output),
		StartedAt:  d.StartedAt,
		EndedAt:    d.EndedAt,
		ReusedFrom: d.ReusedFrom,
	}
	if d.Error != nil {
		st.Error = &runtime.StepError{Code: d.Error.Code, Message: d.Error.Message}
	}
	return st
}

// SaveStep inserts the step or replaces the stored step with the same ID in
// one write. Only the run's owner writes its steps, so the replace needs no
// transaction.
func (s *Store) SaveStep(ctx context.Context, step *runtime.Step) error {
	filter := bson.D{{Key: "_id", Value: step.ID}}
	opts := options.Replace().SetUpsert(true)
	err := retryBusy(ctx, func() error {
		_, err := s.steps.ReplaceOne(ctx, filter, toStepDoc(step), opts)
		return err
	})
	if err != nil {
		return wrapErr(err, "run %q: save step %q", step.RunID, step.ID)
	}
	return nil
}

var _ runtime.StepInserter = (*Store)(nil)

// InsertSteps inserts new steps in one ordered write, which a group commit
// shares with other callers. It costs far less per step than SaveStep
// because it does not look the steps up first. When a step with the same
// ID exists, it returns an error wrapping runtime.ErrConflict, the steps
// before it are inserted and the ones after it are not.
func (s *Store) InsertSteps(ctx context.Context, steps []runtime.Step) error {
	if len(steps) == 0 {
		return nil
	}
	docs := make([]any, len(steps))
	for i := range steps {
		docs[i] = toStepDoc(&steps[i])
	}
	if err := s.stepWriter.insert(ctx, docs); err != nil {
		return wrapErr(err, "run %q: insert %d steps", steps[0].RunID, len(steps))
	}
	return nil
}

// insertStepsAlone inserts the step documents docs on their own, while
// the database is locked too. A step that an earlier try stored makes it
// fail with a duplicate key, and the caller then saves the steps with
// SaveStep.
func (s *Store) insertStepsAlone(ctx context.Context, docs []any) error {
	return retryBusy(ctx, func() error {
		_, err := s.steps.InsertMany(ctx, docs)
		return err
	})
}

// ListSteps returns the steps of a run ordered by start time, then ID. Steps
// that have not started come first. A run with no steps gives an empty
// slice, not an error.
//
// The runtime stores a step that calls out or waits only when it ends, so
// the step.started event is the one record of an attempt that is running.
// ListSteps returns such an attempt as a running step.
//
// Every stored step has an event, so ListSteps reads the run's events and
// then each step by _id: the cost follows the size of the run, not of the
// history. A step stored just before a crash, with no event yet, is not
// listed. Only an instant step can be in that state, because a step with
// side effects has its step.started event stored before it starts, so the
// runtime may run it again.
func (s *Store) ListSteps(ctx context.Context, runID string) ([]runtime.Step, error) {
	events, err := s.runEvents(ctx, runID, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("run %q: list step events: %w", runID, err)
	}
	started := startedAttempts(runID, events)

	var ids []string
	seen := make(map[string]bool)
	for _, ev := range events {
		if ev.StepID != "" && !seen[ev.StepID] {
			seen[ev.StepID] = true
			ids = append(ids, ev.StepID)
		}
	}
	docs, err := s.stepsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("run %q: %w", runID, err)
	}

	steps := []runtime.Step{}
	for i, id := range ids {
		run, running := started[id]
		if docs[i] == nil {
			if running {
				steps = append(steps, run)
			}
			continue
		}
		st := docs[i].step()
		if running && runsAfter(run, &st) {
			st = run
		}
		steps = append(steps, st)
	}
	sortSteps(steps)
	return steps, nil
}

// stepLookups is the number of finds by _id that stepsByID keeps in
// flight. Embedded FerretDB serves each connection in its own goroutine,
// so a run of thousands of steps reads faster with several at once.
const stepLookups = 8

// stepsByID returns the step documents with the _id values ids, in the
// same order, with nil for an id that has no document.
func (s *Store) stepsByID(ctx context.Context, ids []string) ([]*stepDoc, error) {
	docs := make([]*stepDoc, len(ids))
	errs := make([]error, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(stepLookups, len(ids)) {
		wg.Go(func() {
			for i := range next {
				var d stepDoc
				err := s.steps.FindOne(ctx, bson.D{{Key: "_id", Value: ids[i]}}).Decode(&d)
				switch {
				case err == nil:
					docs[i] = &d
				case !errors.Is(err, mongo.ErrNoDocuments):
					errs[i] = fmt.Errorf("step %q: %w", ids[i], err)
				}
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	return docs, errors.Join(errs...)
}

// startedAttempts returns, by step ID, the latest attempt of each step
// that has a step.started event among events, as a running step.
func startedAttempts(runID string, events []runtime.Event) map[string]runtime.Step {
	started := make(map[string]runtime.Step)
	for _, ev := range events {
		if ev.Type != runtime.EventStepStarted {
			continue
		}
		var data struct {
			Attempt int `json:"attempt"`
		}
		// Data written by the runtime is a JSON object, and a missing
		// attempt counts as the first.
		_ = json.Unmarshal(ev.Data, &data)
		data.Attempt = max(data.Attempt, 1)
		if prev, ok := started[ev.StepID]; ok && prev.Attempt >= data.Attempt {
			continue
		}
		at := ev.Time
		started[ev.StepID] = runtime.Step{ID: ev.StepID, RunID: runID, NodeID: ev.NodeID,
			Status: runtime.StepRunning, Attempt: data.Attempt, StartedAt: &at}
	}
	return started
}

// runsAfter reports whether the running attempt run is newer than the
// stored step st: a later attempt, or the attempt that st holds pending.
func runsAfter(run runtime.Step, st *runtime.Step) bool {
	return run.Attempt > st.Attempt ||
		(run.Attempt == st.Attempt && st.Status == runtime.StepPending)
}

// sortSteps orders steps by start time, then ID, with steps that have not
// started first.
func sortSteps(steps []runtime.Step) {
	slices.SortFunc(steps, func(a, b runtime.Step) int {
		switch {
		case a.StartedAt == nil && b.StartedAt != nil:
			return -1
		case a.StartedAt != nil && b.StartedAt == nil:
			return 1
		case a.StartedAt != nil && !a.StartedAt.Equal(*b.StartedAt):
			return a.StartedAt.Compare(*b.StartedAt)
		}
		return strings.Compare(a.ID, b.ID)
	})
}
