package store

import (
	"bytes"
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
// ordered batch, which a group commit shares with other callers. An event
// whose run and seq are already stored is runtime.ErrConflict. The batch
// stops there, so the events before it are stored and the ones after it
// are not.
func (s *Store) AppendEvents(ctx context.Context, events []runtime.Event) error {
	if len(events) == 0 {
		return nil
	}
	docs := make([]any, len(events))
	for i := range events {
		docs[i] = toEventDoc(&events[i])
	}
	if err := s.eventWriter.insert(ctx, docs); err != nil {
		first := events[0]
		return wrapErr(err, "run %q: append events from seq %d", first.RunID, first.Seq)
	}
	return nil
}

// insertEventsAlone stores the event documents docs on their own, while
// the database is locked too. Events that an earlier try stored are
// skipped.
func (s *Store) insertEventsAlone(ctx context.Context, docs []any) error {
	return retryBusy(ctx, func() error { return s.insertMissing(ctx, docs) })
}

// insertMissing inserts the events of docs, except those that an earlier
// try stored before the database reported a lock. A stored event with the
// same seq that differs in time, type, step or data came from another
// writer, and the insert reports the duplicate key.
func (s *Store) insertMissing(ctx context.Context, docs []any) error {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.(eventDoc).ID
	}
	stored, err := findAll[eventDoc](ctx, s.events,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find())
	if err != nil {
		return err
	}
	if len(stored) > 0 {
		have := make(map[string]eventDoc, len(stored))
		for _, d := range stored {
			have[d.ID] = d
		}
		missing := docs[:0:0]
		for _, d := range docs {
			if prev, ok := have[d.(eventDoc).ID]; !ok || !sameEvent(prev, d.(eventDoc)) {
				missing = append(missing, d)
			}
		}
		docs = missing
	}
	if len(docs) == 0 {
		return nil
	}
	_, err = s.events.InsertMany(ctx, docs)
	return err
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

func sameEvent(a, b eventDoc) bool {
	return a.Time.Equal(b.Time.Truncate(time.Millisecond)) && a.Type == b.Type &&
		a.StepID == b.StepID && bytes.Equal(a.Data, b.Data)
}
