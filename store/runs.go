package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

var _ runtime.Store = (*Store)(nil)

// runDoc is a run in the runs collection. Payloads are JSON bytes stored as
// BSON binary, because alert keys may contain dots and dollar signs.
type runDoc struct {
	ID              string     `bson:"_id"`
	PlaybookID      string     `bson:"playbook_id"`
	PlaybookVersion int        `bson:"playbook_version"`
	Status          string     `bson:"status"`
	TriggerNode     string     `bson:"trigger_node,omitempty"`
	Trigger         []byte     `bson:"trigger,omitempty"`
	TriggerRaw      []byte     `bson:"trigger_raw,omitempty"`
	Inputs          []byte     `bson:"inputs,omitempty"`
	Output          []byte     `bson:"output,omitempty"`
	Error           string     `bson:"error,omitempty"`
	CreatedAt       time.Time  `bson:"created_at"`
	StartedAt       *time.Time `bson:"started_at,omitempty"`
	EndedAt         *time.Time `bson:"ended_at,omitempty"`
	ParentRunID     string     `bson:"parent_run_id,omitempty"`
	ParentStepID    string     `bson:"parent_step_id,omitempty"`
	Depth           int        `bson:"depth,omitempty"`
	RerunOf         string     `bson:"rerun_of,omitempty"`
}

func toRunDoc(r *runtime.Run) runDoc {
	return runDoc{
		ID:              r.ID,
		PlaybookID:      r.PlaybookID,
		PlaybookVersion: r.PlaybookVersion,
		Status:          string(r.Status),
		TriggerNode:     r.TriggerNode,
		Trigger:         r.Trigger,
		TriggerRaw:      r.TriggerRaw,
		Inputs:          r.Inputs,
		Output:          r.Output,
		Error:           r.Error,
		CreatedAt:       r.CreatedAt,
		StartedAt:       r.StartedAt,
		EndedAt:         r.EndedAt,
		ParentRunID:     r.ParentRunID,
		ParentStepID:    r.ParentStepID,
		Depth:           r.Depth,
		RerunOf:         r.RerunOf,
	}
}

func (d *runDoc) run() runtime.Run {
	return runtime.Run{
		ID:              d.ID,
		PlaybookID:      d.PlaybookID,
		PlaybookVersion: d.PlaybookVersion,
		Status:          runtime.RunStatus(d.Status),
		TriggerNode:     d.TriggerNode,
		Trigger:         json.RawMessage(d.Trigger),
		TriggerRaw:      d.TriggerRaw,
		Inputs:          json.RawMessage(d.Inputs),
		Output:          json.RawMessage(d.Output),
		Error:           d.Error,
		CreatedAt:       d.CreatedAt,
		StartedAt:       d.StartedAt,
		EndedAt:         d.EndedAt,
		ParentRunID:     d.ParentRunID,
		ParentStepID:    d.ParentStepID,
		Depth:           d.Depth,
		RerunOf:         d.RerunOf,
	}
}

// InsertRun stores a new run. A run with the same ID is runtime.ErrConflict.
// A run that has not ended joins the active set first, so a crash between
// the two writes leaves an entry without a run, which ListActiveRuns
// callers remove, and never a run that no process finds.
func (s *Store) InsertRun(ctx context.Context, run *runtime.Run) error {
	if !run.Status.Ended() {
		if err := s.markActive(ctx, run); err != nil {
			return err
		}
	}
	if err := insertBusy(ctx, s.runs, bson.D{{Key: "_id", Value: run.ID}}, toRunDoc(run)); err != nil {
		return wrapErr(err, "insert run %q", run.ID)
	}
	return nil
}

// UpdateRun replaces the stored run with run in one write. A run that was
// never inserted is runtime.ErrNotFound. It is safe without transactions
// because only the run's owner writes it. A run that ended leaves the
// active set after the replace.
func (s *Store) UpdateRun(ctx context.Context, run *runtime.Run) error {
	var res *mongo.UpdateResult
	err := retryBusy(ctx, func() (err error) {
		res, err = s.runs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, toRunDoc(run))
		return err
	})
	if err != nil {
		return wrapErr(err, "update run %q", run.ID)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("update run %q: %w", run.ID, runtime.ErrNotFound)
	}
	if run.Status.Ended() {
		return s.DeleteActiveRun(ctx, run.ID)
	}
	return nil
}

// GetRun returns the run with id, or runtime.ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (*runtime.Run, error) {
	var d runDoc
	err := s.runs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err != nil {
		return nil, wrapErr(err, "run %q", id)
	}
	run := d.run()
	return &run, nil
}

// RunFilter selects runs for ListRuns. The zero value selects every run.
type RunFilter struct {
	PlaybookID string // only runs of this playbook; empty for all
	Limit      int    // maximum number of runs; zero or less for no limit
}

// ListRuns returns the runs that f selects, newest first by creation time.
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]runtime.Run, error) {
	filter := bson.D{}
	if f.PlaybookID != "" {
		filter = bson.D{{Key: "playbook_id", Value: f.PlaybookID}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	runs, err := s.findRuns(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// ListUnfinishedRuns returns the runs in queued, running or waiting state,
// oldest first.
func (s *Store) ListUnfinishedRuns(ctx context.Context) ([]runtime.Run, error) {
	unfinished := []string{
		string(runtime.RunQueued), string(runtime.RunRunning), string(runtime.RunWaiting),
	}
	filter := bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: unfinished}}}}
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	runs, err := s.findRuns(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list unfinished runs: %w", err)
	}
	return runs, nil
}

func (s *Store) findRuns(
	ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder,
) ([]runtime.Run, error) {
	docs, err := findAll[runDoc](ctx, s.runs, filter, opts)
	if err != nil {
		return nil, err
	}
	runs := make([]runtime.Run, len(docs))
	for i := range docs {
		runs[i] = docs[i].run()
	}
	return runs, nil
}

// findAll runs a find and decodes every document.
func findAll[T any](
	ctx context.Context, coll *mongo.Collection, filter any, opts *options.FindOptionsBuilder,
) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	docs := []T{}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	return docs, nil
}
