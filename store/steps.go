package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// InsertSteps inserts new steps in one write, which costs far less per
// step than SaveStep because it does not look the steps up first. When a
// step with the same ID exists, it returns an error wrapping
// runtime.ErrConflict, and the steps without a conflict are inserted.
func (s *Store) InsertSteps(ctx context.Context, steps []runtime.Step) error {
	if len(steps) == 0 {
		return nil
	}
	docs := make([]stepDoc, len(steps))
	for i := range steps {
		docs[i] = toStepDoc(&steps[i])
	}
	_, err := s.steps.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil {
		return wrapErr(err, "run %q: insert %d steps", steps[0].RunID, len(steps))
	}
	return nil
}

// ListSteps returns the steps of a run ordered by start time, then ID. Steps
// that have not started come first. A run with no steps gives an empty
// slice, not an error.
func (s *Store) ListSteps(ctx context.Context, runID string) ([]runtime.Step, error) {
	filter := bson.D{{Key: "run_id", Value: runID}}
	opts := options.Find().SetSort(bson.D{{Key: "started_at", Value: 1}, {Key: "_id", Value: 1}})
	docs, err := findAll[stepDoc](ctx, s.steps, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("run %q: list steps: %w", runID, err)
	}
	steps := make([]runtime.Step, len(docs))
	for i := range docs {
		steps[i] = docs[i].step()
	}
	return steps, nil
}
