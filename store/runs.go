package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

var _ runtime.Store = (*Store)(nil)

// runDoc is a run, in active_runs until it ends and in runs after. Its trigger, raw trigger and
// inputs live in the run_payloads collection, so that listing runs never
// reads them. Payloads are JSON bytes stored as BSON binary, because
// alert keys may contain dots and dollar signs.
type runDoc struct {
	ID              string     `bson:"_id"`
	PlaybookID      string     `bson:"playbook_id"`
	PlaybookVersion int        `bson:"playbook_version"`
	Status          string     `bson:"status"`
	TriggerNode     string     `bson:"trigger_node,omitempty"`
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

// payloadDoc is one payload of a run: its trigger, raw trigger or
// inputs, under the _id "<run id>:<part>". It is inserted with the run and
// never changed. Each part has its own document, so that a run whose
// trigger and raw trigger are each close to the 16 MiB BSON document
// limit can still be stored.
type payloadDoc struct {
	ID    string `bson:"_id"`
	RunID string `bson:"run_id"`
	Part  string `bson:"part"`
	Data  []byte `bson:"data"`
}

// Payload parts.
const (
	partTrigger    = "trigger"
	partTriggerRaw = "trigger_raw"
	partInputs     = "inputs"
)

// payloadDocs returns the payload documents of run, one per part that is
// not empty.
func payloadDocs(run *runtime.Run) []any {
	var docs []any
	for _, p := range []struct {
		part string
		data []byte
	}{{partTrigger, run.Trigger}, {partTriggerRaw, run.TriggerRaw}, {partInputs, run.Inputs}} {
		if len(p.data) > 0 {
			docs = append(docs, payloadDoc{ID: run.ID + ":" + p.part, RunID: run.ID,
				Part: p.part, Data: p.data})
		}
	}
	return docs
}

// setPayload sets the part of run that d holds.
func setPayload(run *runtime.Run, d *payloadDoc) {
	switch d.Part {
	case partTrigger:
		run.Trigger = json.RawMessage(d.Data)
	case partTriggerRaw:
		run.TriggerRaw = d.Data
	case partInputs:
		run.Inputs = json.RawMessage(d.Data)
	}
}

// smallRun is the projection of lists: a run without its output, which
// may be as large as a step output.
var smallRun = bson.D{{Key: "output", Value: 0}}

// InsertRun stores a new run. A run with the same ID is runtime.ErrConflict.
// A run that has not ended goes into the small active_runs collection, and
// into runs only when it ends, because embedded FerretDB scans a whole
// collection to replace a document in it. The payloads are written first,
// so a stored run always has them.
func (s *Store) InsertRun(ctx context.Context, run *runtime.Run) error {
	if docs := payloadDocs(run); len(docs) > 0 {
		if err := s.payloadWriter.insert(ctx, docs); err != nil {
			return wrapErr(err, "insert run %q: payloads", run.ID)
		}
	}
	w := s.activeWriter
	if run.Status.Ended() {
		w = s.runWriter
	}
	if err := w.insert(ctx, []any{toRunDoc(run)}); err != nil {
		return wrapErr(err, "insert run %q", run.ID)
	}
	return nil
}

// UpdateRun replaces the stored run with run. A run that was never
// inserted is runtime.ErrNotFound. It is safe without transactions
// because only the run's owner writes it. A run that ends is inserted into
// runs and then removed from active_runs. A crash between the two writes
// leaves a copy in active_runs that has not ended, and GetRun reads runs
// first, so it returns the run ended.
func (s *Store) UpdateRun(ctx context.Context, run *runtime.Run) error {
	if !run.Status.Ended() {
		matched, err := s.replaceRun(ctx, s.active, run)
		if err == nil && !matched {
			err = fmt.Errorf("update run %q: %w", run.ID, runtime.ErrNotFound)
		}
		return err
	}

	err := s.runWriter.insert(ctx, []any{toRunDoc(run)})
	inserted := err == nil
	if mongo.IsDuplicateKeyError(err) {
		// The run ended before, or an earlier try stopped before it left
		// active_runs.
		_, err = s.replaceRun(ctx, s.runs, run)
	}
	if err != nil {
		return wrapErr(err, "update run %q: move to runs", run.ID)
	}
	deleted, err := s.deleteActive(ctx, run.ID)
	if err != nil {
		return err
	}
	if inserted && !deleted {
		// Neither collection held the run, so the insert is undone.
		if err := deleteIDs(ctx, s.runs, []string{run.ID}); err != nil {
			return wrapErr(err, "update run %q: undo insert", run.ID)
		}
		return fmt.Errorf("update run %q: %w", run.ID, runtime.ErrNotFound)
	}
	return nil
}

// replaceRun replaces the document of run in coll and reports whether it
// was there.
func (s *Store) replaceRun(ctx context.Context, coll *mongo.Collection,
	run *runtime.Run) (bool, error) {
	var res *mongo.UpdateResult
	err := retryBusy(ctx, func() (err error) {
		res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, toRunDoc(run))
		return err
	})
	if err != nil {
		return false, wrapErr(err, "update run %q", run.ID)
	}
	return res.MatchedCount > 0, nil
}

// GetRun returns the run with id, with its payloads and output, or
// runtime.ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (*runtime.Run, error) {
	// runs comes first, because a copy left in active_runs by a crash
	// between the two writes of a run's end is older. A run that ends
	// between the first two reads is in runs by the time it left
	// active_runs, so the third read finds it.
	var d runDoc
	byID := bson.D{{Key: "_id", Value: id}}
	err := s.runs.FindOne(ctx, byID).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		err = s.active.FindOne(ctx, byID).Decode(&d)
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		err = s.runs.FindOne(ctx, byID).Decode(&d)
	}
	if err != nil {
		return nil, wrapErr(err, "run %q", id)
	}

	// One find by _id per part: on embedded FerretDB v1.24.2 with 12
	// documents of 6 MiB, a find by _id took 1.7 s and a find by run_id
	// 6.5 s.
	run := d.run()
	for _, part := range []string{partTrigger, partTriggerRaw, partInputs} {
		var p payloadDoc
		err := s.payloads.FindOne(ctx, bson.D{{Key: "_id", Value: id + ":" + part}}).Decode(&p)
		switch {
		case err == nil:
			setPayload(&run, &p)
		case !errors.Is(err, mongo.ErrNoDocuments):
			return nil, wrapErr(err, "run %q: %s", id, part)
		}
	}
	return &run, nil
}

// RunFilter selects runs for ListRuns. The zero value selects every run.
type RunFilter struct {
	PlaybookID string // only runs of this playbook; empty for all
	Limit      int    // maximum number of runs; zero or less for no limit
}

// ListRuns returns the runs that f selects, newest first by creation time.
// The runs come without trigger, inputs and output: GetRun returns those.
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]runtime.Run, error) {
	filter := bson.D{}
	if f.PlaybookID != "" {
		filter = bson.D{{Key: "playbook_id", Value: f.PlaybookID}}
	}
	opts := options.Find().SetProjection(smallRun).
		SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	active, err := s.findRuns(ctx, s.active, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	ended, err := s.findRuns(ctx, s.runs, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return mergeRuns(active, ended, f.Limit), nil
}

// mergeRuns returns the runs of active and ended, newest first, with the
// copy in ended of a run found in both, and at most limit runs when limit
// is positive.
func mergeRuns(active, ended []runtime.Run, limit int) []runtime.Run {
	inEnded := make(map[string]bool, len(ended))
	for _, r := range ended {
		inEnded[r.ID] = true
	}
	runs := ended
	for _, r := range active {
		if !inEnded[r.ID] {
			runs = append(runs, r)
		}
	}
	slices.SortFunc(runs, func(a, b runtime.Run) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if limit > 0 && len(runs) > limit {
		runs = runs[:limit]
	}
	return runs
}

// ListUnfinishedRuns returns the runs in queued, running or waiting state,
// oldest first, without trigger, inputs and output. GetRun returns those.
// It also lists a run whose owner stopped after it moved the run to runs
// and before it removed it from active_runs, and GetRun then returns the
// run ended.
func (s *Store) ListUnfinishedRuns(ctx context.Context) ([]runtime.Run, error) {
	states := []string{
		string(runtime.RunQueued), string(runtime.RunRunning), string(runtime.RunWaiting),
	}
	filter := bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: states}}}}
	opts := options.Find().SetProjection(smallRun).
		SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	runs, err := s.findRuns(ctx, s.active, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list unfinished runs: %w", err)
	}
	return runs, nil
}

func (s *Store) findRuns(ctx context.Context, coll *mongo.Collection, filter bson.D,
	opts *options.FindOptionsBuilder) ([]runtime.Run, error) {
	docs, err := findAll[runDoc](ctx, coll, filter, opts)
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
