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

// deleteChunk is the number of deletes the store sends in one command.
const deleteChunk = 500

// DeleteRunsEndedBefore deletes up to limit runs that ended before
// cutoff, with everything stored about them: payloads, steps, events,
// approvals and their answers. It returns the ids of the runs deleted. A
// limit of zero or less means 100.
//
// A run's document goes last and its event pages from the last to the
// first, so a delete cut short leaves a run whose remaining history the
// next call still finds.
func (s *Store) DeleteRunsEndedBefore(ctx context.Context, cutoff time.Time,
	limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	filter := bson.D{{Key: "ended_at", Value: bson.D{{Key: "$lt", Value: cutoff.UTC()}}}}
	opts := options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}})
	docs, err := findAll[struct {
		ID string `bson:"_id"`
	}](ctx, s.runs, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list runs ended before %s: %w", cutoff.Format(time.RFC3339), err)
	}

	var deleted []string
	for _, d := range docs {
		if err := s.deleteRun(ctx, d.ID); err != nil {
			return deleted, err
		}
		deleted = append(deleted, d.ID)
	}
	return deleted, nil
}

// deleteRun deletes the ended run runID and its history.
func (s *Store) deleteRun(ctx context.Context, runID string) error {
	pages, err := s.pagesAfter(ctx, runID, 0, 0)
	if err != nil {
		return fmt.Errorf("run %q: read events to delete: %w", runID, err)
	}
	var steps, approvals []string
	seen := make(map[string]bool)
	pageIDs := make([]string, len(pages))
	for i := range pages {
		pageIDs[len(pages)-1-i] = pages[i].ID
		events, err := pages[i].events()
		if err != nil {
			return fmt.Errorf("run %q: %w", runID, err)
		}
		for _, ev := range events {
			if ev.StepID != "" && !seen[ev.StepID] {
				seen[ev.StepID] = true
				steps = append(steps, ev.StepID)
			}
			if id := waitingApproval(ev); id != "" {
				approvals = append(approvals, id)
			}
		}
	}
	payloads := []string{runID + ":" + partTrigger, runID + ":" + partTriggerRaw,
		runID + ":" + partInputs}

	for _, del := range []struct {
		coll *mongo.Collection
		ids  []string
	}{
		{s.payloads, payloads},
		{s.steps, steps},
		{s.answers, approvals},
		{s.approvals, approvals},
		{s.events, pageIDs},
		{s.runs, []string{runID}},
	} {
		if err := deleteIDs(ctx, del.coll, del.ids); err != nil {
			return wrapErr(err, "run %q: delete %s", runID, del.coll.Name())
		}
	}
	s.spans.forget(runID)
	return nil
}

// waitingApproval returns the approval id of a step.waiting event of an
// approval, and "" for any other event.
func waitingApproval(ev runtime.Event) string {
	if ev.Type != runtime.EventStepWaiting {
		return ""
	}
	var data struct {
		ApprovalID string `json:"approval_id"`
	}
	// The runtime writes a JSON object, and a delay has no approval_id.
	_ = json.Unmarshal(ev.Data, &data)
	return data.ApprovalID
}

// deleteIDs deletes the documents of coll with the _id values ids, with
// one delete by _id each, sent deleteChunk at a time. Embedded FerretDB
// finds a delete by one _id in the index, and reads the whole collection
// for any other filter.
func deleteIDs(ctx context.Context, coll *mongo.Collection, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), deleteChunk)
		models := make([]mongo.WriteModel, n)
		for i, id := range ids[:n] {
			models[i] = mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}})
		}
		err := retryBusy(ctx, func() error {
			_, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
			return err
		})
		if err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
