package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/updraftsoar/updraft/runtime"
)

var _ runtime.TimerStore = (*Store)(nil)

// timerDoc is the due time of a waiting step, keyed by the step id.
type timerDoc struct {
	ID    string    `bson:"_id"`
	RunID string    `bson:"run_id"`
	DueAt time.Time `bson:"due_at"`
}

// InsertTimer stores the due time of the step stepID. A step that already
// has a timer is runtime.ErrConflict.
func (s *Store) InsertTimer(ctx context.Context, runID, stepID string, due time.Time) error {
	doc := timerDoc{ID: stepID, RunID: runID, DueAt: due.UTC()}
	if _, err := s.timers.InsertOne(ctx, doc); err != nil {
		return wrapErr(err, "run %q: insert timer of step %q", runID, stepID)
	}
	return nil
}

// GetTimer returns the due time of the step stepID, or
// runtime.ErrNotFound.
func (s *Store) GetTimer(ctx context.Context, stepID string) (time.Time, error) {
	var d timerDoc
	if err := s.timers.FindOne(ctx, bson.D{{Key: "_id", Value: stepID}}).Decode(&d); err != nil {
		return time.Time{}, wrapErr(err, "timer of step %q", stepID)
	}
	return d.DueAt, nil
}
