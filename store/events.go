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

// NOTE: data directories written before event pages keep their events in
// the events collection, which nothing reads any more.

// eventPageDoc holds events of one run with consecutive seqs, from First
// to Last, as one document of the event_pages collection. Embedded
// FerretDB spends most of an insert on the document itself, whatever its
// size, so a page of the events of one write costs about what a single
// event would. Its _id is the run ID and the first seq, so a second page
// that starts at the same seq is a duplicate key on any server.
type eventPageDoc struct {
	ID    string    `bson:"_id"`
	RunID string    `bson:"run_id"`
	First int64     `bson:"first"`
	Last  int64     `bson:"last"`
	Time  time.Time `bson:"time"` // of the last event
	// Events is the JSON array of the page's events, which the store
	// never queries field by field.
	Events []byte `bson:"events"`
}

// pageEvent is an event in a page, without the run ID that the page
// holds.
type pageEvent struct {
	Seq    int64           `json:"seq"`
	Time   time.Time       `json:"time"`
	Type   string          `json:"type"`
	NodeID string          `json:"node_id,omitempty"`
	StepID string          `json:"step_id,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

func eventPageID(runID string, first int64) string {
	return fmt.Sprintf("%s:%019d", runID, first)
}

// toEventPage returns the page of events, which belong to one run and
// have consecutive seqs.
func toEventPage(events []runtime.Event) (eventPageDoc, error) {
	first := events[0]
	list := make([]pageEvent, len(events))
	for i, ev := range events {
		if ev.RunID != first.RunID || ev.Seq != first.Seq+int64(i) {
			return eventPageDoc{}, fmt.Errorf(
				"event %d of the batch is run %q seq %d, want run %q seq %d",
				i, ev.RunID, ev.Seq, first.RunID, first.Seq+int64(i))
		}
		// Times keep milliseconds, as BSON dates elsewhere in the store do.
		list[i] = pageEvent{Seq: ev.Seq, Time: ev.Time.UTC().Truncate(time.Millisecond), Type: ev.Type,
			NodeID: ev.NodeID, StepID: ev.StepID, Data: ev.Data}
	}
	body, err := json.Marshal(list)
	if err != nil {
		return eventPageDoc{}, fmt.Errorf("encode events: %w", err)
	}
	last := events[len(events)-1]
	return eventPageDoc{ID: eventPageID(first.RunID, first.Seq), RunID: first.RunID,
		First: first.Seq, Last: last.Seq, Time: last.Time.UTC().Truncate(time.Millisecond),
		Events: body}, nil
}

// events decodes the page's events.
func (d *eventPageDoc) events() ([]runtime.Event, error) {
	var list []pageEvent
	if err := json.Unmarshal(d.Events, &list); err != nil {
		return nil, fmt.Errorf("event page %q: %w", d.ID, err)
	}
	events := make([]runtime.Event, len(list))
	for i, ev := range list {
		events[i] = runtime.Event{RunID: d.RunID, Seq: ev.Seq, Time: ev.Time, Type: ev.Type,
			NodeID: ev.NodeID, StepID: ev.StepID, Data: ev.Data}
	}
	return events, nil
}

// AppendEvents stores events, whose Seq values the caller assigned, as one
// page, which a group commit writes together with the pages of other
// runs. The events must belong to one run and have consecutive seqs. A
// page that starts at a seq where a stored page starts is
// runtime.ErrConflict, and nothing of it is stored. The run's owner
// writes pages in seq order, each starting after the last stored one, so
// two owners of a run collide there.
func (s *Store) AppendEvents(ctx context.Context, events []runtime.Event) error {
	if len(events) == 0 {
		return nil
	}
	first := events[0]
	page, err := toEventPage(events)
	if err != nil {
		return fmt.Errorf("run %q: append events from seq %d: %w", first.RunID, first.Seq, err)
	}
	if err := s.eventWriter.insert(ctx, []any{page}); err != nil {
		return wrapErr(err, "run %q: append events from seq %d", first.RunID, first.Seq)
	}
	return nil
}

// insertEventsAlone stores the event pages docs on their own, while the
// database is locked too. A page that an earlier try stored is skipped.
func (s *Store) insertEventsAlone(ctx context.Context, docs []any) error {
	return retryBusy(ctx, func() error { return s.insertMissing(ctx, docs) })
}

// insertMissing inserts the pages of docs, except those that an earlier
// try stored before the database reported a lock. A stored page with the
// same _id and other events came from another writer, and the insert
// reports the duplicate key.
func (s *Store) insertMissing(ctx context.Context, docs []any) error {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.(eventPageDoc).ID
	}
	stored, err := findAll[eventPageDoc](ctx, s.events,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find())
	if err != nil {
		return err
	}
	if len(stored) > 0 {
		have := make(map[string]eventPageDoc, len(stored))
		for _, d := range stored {
			have[d.ID] = d
		}
		missing := docs[:0:0]
		for _, d := range docs {
			prev, ok := have[d.(eventPageDoc).ID]
			if !ok || !bytes.Equal(prev.Events, d.(eventPageDoc).Events) {
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
// Should two pages hold the same seq, the event of the page that starts
// first is returned.
func (s *Store) ListEvents(
	ctx context.Context, runID string, afterSeq int64, limit int,
) ([]runtime.Event, error) {
	events, err := s.runEvents(ctx, runID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("run %q: list events after seq %d: %w", runID, afterSeq, err)
	}
	out := []runtime.Event{}
	last := afterSeq
	for _, ev := range events {
		if ev.Seq <= last {
			continue
		}
		out = append(out, ev)
		last = ev.Seq
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// runEvents returns the events of the pages of runID that hold seqs above
// afterSeq, page after page; see pagesAfter for limit.
func (s *Store) runEvents(ctx context.Context, runID string, afterSeq int64,
	limit int) ([]runtime.Event, error) {
	pages, err := s.pagesAfter(ctx, runID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	var events []runtime.Event
	for i := range pages {
		evs, err := pages[i].events()
		if err != nil {
			return nil, err
		}
		events = append(events, evs...)
	}
	return events, nil
}
