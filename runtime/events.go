package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// subscriberBuffer is the number of events a subscriber may fall behind
// before it is dropped.
const subscriberBuffer = 256

// eventLog assigns the sequence numbers of one run's events, stores the
// events and then sends them to subscribers.
type eventLog struct {
	runID string
	store Store

	mu     sync.Mutex
	seq    int64 // last stored seq
	subs   map[chan Event]struct{}
	closed bool
}

func newEventLog(runID string, store Store, lastSeq int64) *eventLog {
	return &eventLog{
		runID: runID,
		store: store,
		seq:   lastSeq,
		subs:  make(map[chan Event]struct{}),
	}
}

// newEvent returns an event of type typ for nodeID with data marshaled to
// JSON. The seq and time are set by append.
func newEvent(typ, nodeID, stepID string, data any) Event {
	ev := Event{Type: typ, NodeID: nodeID, StepID: stepID}
	if data != nil {
		// The data values are maps and structs of plain fields, which
		// always marshal.
		ev.Data, _ = json.Marshal(data)
	}
	return ev
}

// append numbers events after the last stored one, stores them in one
// write and then sends them to subscribers. When the write fails, the
// numbers are released so the sequence keeps no gap.
func (l *eventLog) append(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()

	now := time.Now().UTC()
	for i := range events {
		events[i].RunID = l.runID
		events[i].Seq = l.seq + int64(i) + 1
		events[i].Time = now
	}
	if err := l.store.AppendEvents(ctx, events); err != nil {
		return fmt.Errorf("run %q: append events %d to %d: %w",
			l.runID, l.seq+1, l.seq+int64(len(events)), err)
	}
	l.seq += int64(len(events))

	for ch := range l.subs {
		l.send(ch, events)
	}
	return nil
}

// send delivers events to ch without blocking. A subscriber whose buffer
// is full is dropped: its channel is closed and it resumes from the store.
func (l *eventLog) send(ch chan Event, events []Event) {
	for _, ev := range events {
		select {
		case ch <- ev:
		default:
			delete(l.subs, ch)
			close(ch)
			return
		}
	}
}

func (l *eventLog) subscribe() (<-chan Event, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()

	ch := make(chan Event, subscriberBuffer)
	if l.closed {
		close(ch)
		return ch, func() {}
	}
	l.subs[ch] = struct{}{}
	cancel := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if _, ok := l.subs[ch]; ok {
			delete(l.subs, ch)
			close(ch)
		}
	}
	return ch, cancel
}

// close closes every subscriber channel. Later subscribers get a closed
// channel.
func (l *eventLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for ch := range l.subs {
		delete(l.subs, ch)
		close(ch)
	}
}

// Subscribe returns the events of the active run runID as they are
// stored, starting after the subscription. The channel is closed when the
// run stops executing in this engine, when the subscriber falls more than
// 256 events behind, or when cancel is called. A caller that needs every
// event subscribes first, reads the store with ListEvents, and then skips
// live events whose Seq it already has. After a drop, it reads the store
// again from its last Seq. For a run that is not active here the channel
// is already closed.
func (e *Engine) Subscribe(runID string) (events <-chan Event, cancel func()) {
	rs := e.lookup(runID)
	if rs == nil {
		ch := make(chan Event)
		close(ch)
		return ch, func() {}
	}
	return rs.events.subscribe()
}
