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

// eventDoc is a run event in the events collection. Its _id is the run ID
// and the zero-padded seq, so a second event with the same seq is a
// duplicate key on any server.
type eventDoc struct {
	ID     string    `bson:"_id"`
	RunID  string    `bson:"run_id"`
	Seq    int64     `bson:"seq"`
	Time   time.Time `bson:"time"`
	Type   string    `bson:"type"`
	NodeID string    `bson:"node_id,omitempty"`
	StepID string    `bson:"step_id,omitempty"`
	Data   []byte    `bson:"data,omitempty"`
}

func eventID(runID string, seq int64) string {
	return fmt.Sprintf("%s:%019d", runID, seq)
}

func toEventDoc(e *runtime.Event) eventDoc {
	return eventDoc{
		ID:     eventID(e.RunID, e.Seq),
		RunID:  e.RunID,
		Seq:    e.Seq,
		Time:   e.Time,
		Type:   e.Type,
		NodeID: e.NodeID,
		StepID: e.StepID,
		Data:   e.Data,
	}
}

func (d *eventDoc) event() runtime.Event {
	return runtime.Event{
		RunID:  d.RunID,
		Seq:    d.Seq,
		Time:   d.Time,
		Type:   d.Type,
		NodeID: d.NodeID,
		StepID: d.StepID,
		Data:   json.RawMessage(d.Data),
	}
}

// AppendEvents stores events, whose Seq values the caller assigned, in one
// ordered batch. An event whose run and seq are already stored is
// runtime.ErrConflict. The batch stops there, so the events before it are
// stored and the ones after it are not.
func (s *Store) AppendEvents(ctx context.Context, events []runtime.Event) error {
	if len(events) == 0 {
		return nil
	}
	docs := make([]any, len(events))
	for i := range events {
		docs[i] = toEventDoc(&events[i])
	}
	if _, err := s.events.InsertMany(ctx, docs); err != nil {
		first := events[0]
		return wrapErr(err, "run %q: append events from seq %d", first.RunID, first.Seq)
	}
	return nil
}

// ListEvents returns up to limit events of a run with seq greater than
// afterSeq, in seq order. A limit of zero or less returns all of them.
func (s *Store) ListEvents(
	ctx context.Context, runID string, afterSeq int64, limit int,
) ([]runtime.Event, error) {
	filter := bson.D{
		{Key: "run_id", Value: runID},
		{Key: "seq", Value: bson.D{{Key: "$gt", Value: afterSeq}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	docs, err := findAll[eventDoc](ctx, s.events, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("run %q: list events after seq %d: %w", runID, afterSeq, err)
	}
	events := make([]runtime.Event, len(docs))
	for i := range docs {
		events[i] = docs[i].event()
	}
	return events, nil
}
