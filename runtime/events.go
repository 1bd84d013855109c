package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// subscriberBuffer is the number of events a subscriber may fall behind
// before it is dropped.
const subscriberBuffer = 256

// maxJournalDocs is the number of queued steps and events after which
// the journal makes the run wait for the store.
const maxJournalDocs = 4096

// maxSeqRetries is how often a journal renumbers events that collided
// with events of a previous owner before it gives up.
const maxSeqRetries = 5

// journal writes one run's steps and events to the store in the order
// they were queued, in the background, so that a step doing no I/O of its
// own does not wait for the store. It numbers the events, sends them to
// subscribers once they are stored, and keeps the first write error,
// after which it drops what is queued. Callers that need their writes
// stored before they go on call flush.
type journal struct {
	runID string
	store Store
	// insert writes new steps in one write, or is nil when the store
	// cannot. A step that exists makes it fail with ErrConflict.
	insert func(ctx context.Context, steps []Step) error
	// fence fails when the engine lost the run's lease.
	fence func() error

	mu      sync.Mutex
	changed *sync.Cond // broadcast when a batch ends
	queue   []journalEntry
	queued  int   // steps and events in queue and in the batch being written
	seq     int64 // last seq given to an event
	stored  int64 // last seq stored
	writing bool
	err     error // the first write that failed
	subs    map[chan Event]struct{}
	closed  bool
}

// journalEntry is one write: new steps to insert, or one step to save
// by ID that may be stored already, then events.
type journalEntry struct {
	steps  []Step
	saved  *Step
	events []Event
}

func (en journalEntry) docs() int {
	n := len(en.steps) + len(en.events)
	if en.saved != nil {
		n++
	}
	return n
}

func newJournal(runID string, store Store, fence func() error, lastSeq int64) *journal {
	j := &journal{
		runID:  runID,
		store:  store,
		fence:  fence,
		seq:    lastSeq,
		stored: lastSeq,
		subs:   make(map[chan Event]struct{}),
	}
	if inserter, ok := store.(StepInserter); ok {
		j.insert = inserter.InsertSteps
	}
	j.changed = sync.NewCond(&j.mu)
	return j
}

// newEvent returns an event of type typ for nodeID with data marshaled to
// JSON. The journal sets the seq and time.
func newEvent(typ, nodeID, stepID string, data any) Event {
	ev := Event{Type: typ, NodeID: nodeID, StepID: stepID}
	if data != nil {
		// The data values are maps and structs of plain fields, which
		// always marshal.
		ev.Data, _ = json.Marshal(data)
	}
	return ev
}

// add queues new steps and then events, and returns at once unless the
// queue is full. It returns the error of an earlier write that failed,
// and then queues nothing.
func (j *journal) add(steps []Step, events ...Event) error {
	return j.enqueue(journalEntry{steps: steps, events: events})
}

// save queues a step that may be stored already, to be saved by ID, and
// then events.
func (j *journal) save(step Step, events ...Event) error {
	return j.enqueue(journalEntry{saved: &step, events: events})
}

// append queues events and waits until they and everything queued before
// them are stored.
func (j *journal) append(events ...Event) error {
	if err := j.add(nil, events...); err != nil {
		return err
	}
	return j.flush()
}

func (j *journal) enqueue(en journalEntry) error {
	if en.docs() == 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.err == nil && j.queued >= maxJournalDocs {
		j.changed.Wait()
	}
	if j.err != nil {
		return j.err
	}
	now := time.Now().UTC()
	for i := range en.events {
		j.seq++
		en.events[i].RunID = j.runID
		en.events[i].Seq = j.seq
		en.events[i].Time = now
	}
	j.queue = append(j.queue, en)
	j.queued += en.docs()
	if !j.writing {
		j.writing = true
		go j.write()
	}
	return nil
}

// clearErr clears the write error, so that the run can still store how
// it ended.
func (j *journal) clearErr() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.err = nil
}

// flush waits until everything queued is stored, and returns the first
// write error.
func (j *journal) flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.err == nil && j.writing {
		j.changed.Wait()
	}
	return j.err
}

// write stores the queued entries, batch after batch, until none is
// left or a write failed.
func (j *journal) write() {
	for {
		j.mu.Lock()
		batch := j.queue
		j.queue = nil
		if len(batch) == 0 {
			j.writing = false
			j.changed.Broadcast()
			j.mu.Unlock()
			return
		}
		j.mu.Unlock()

		err := j.writeBatch(batch)

		j.mu.Lock()
		for _, en := range batch {
			j.queued -= en.docs()
		}
		if err != nil {
			j.fail(err)
			j.mu.Unlock()
			return
		}
		j.changed.Broadcast()
		j.mu.Unlock()
	}
}

// fail keeps err, drops the queue and gives the seq of the first event
// not stored to the next event queued, so the sequence keeps no gap.
// The caller holds j.mu.
func (j *journal) fail(err error) {
	if j.err == nil {
		j.err = err
	}
	for _, en := range j.queue {
		j.queued -= en.docs()
	}
	j.queue = nil
	j.seq = j.stored
	j.writing = false
	j.changed.Broadcast()
}

// writeBatch stores entries in order: the new steps and events of
// consecutive entries in two writes, and a step saved by ID on its own.
// When a write renumbered its events, the events of the later entries
// move by the same amount.
func (j *journal) writeBatch(batch []journalEntry) error {
	var steps []Step
	var events []Event
	var shift int64
	for _, en := range batch {
		if en.saved != nil {
			moved, err := j.writeSegment(steps, events)
			if err != nil {
				return err
			}
			shift += moved
			steps, events = nil, nil
			if err := j.saveStep(en.saved); err != nil {
				return err
			}
		}
		steps = append(steps, en.steps...)
		for _, ev := range en.events {
			ev.Seq += shift
			events = append(events, ev)
		}
	}
	_, err := j.writeSegment(steps, events)
	return err
}

// saveStep saves a step that may be stored already, by ID.
func (j *journal) saveStep(step *Step) error {
	if err := j.fence(); err != nil {
		return err
	}
	if err := j.store.SaveStep(context.Background(), step); err != nil {
		return fmt.Errorf("save step %q: %w", step.ID, err)
	}
	return nil
}

// writeSegment inserts steps, then appends events, and returns how far
// the events' seqs moved.
func (j *journal) writeSegment(steps []Step, events []Event) (int64, error) {
	if len(steps) > 0 {
		if err := j.insertSteps(steps); err != nil {
			return 0, err
		}
	}
	if len(events) == 0 {
		return 0, nil
	}
	return j.appendEvents(events)
}

// insertSteps inserts new steps in one write, and saves them one by one
// by ID when one of them exists.
func (j *journal) insertSteps(steps []Step) error {
	if err := j.fence(); err != nil {
		return err
	}
	ctx := context.Background()
	err := ErrConflict
	if j.insert != nil {
		err = j.insert(ctx, steps)
	}
	if !errors.Is(err, ErrConflict) {
		if err != nil {
			return fmt.Errorf("insert %d steps: %w", len(steps), err)
		}
		return nil
	}
	for i := range steps {
		if err := j.saveStep(&steps[i]); err != nil {
			return err
		}
	}
	return nil
}

// appendEvents stores events, sends them to subscribers and returns how
// far their seqs moved. An event whose seq a previous owner of the run
// used after this journal read the last seq collides with it. The
// journal then reads the stored events again and numbers the events not
// stored after the last one.
func (j *journal) appendEvents(events []Event) (int64, error) {
	ctx := context.Background()
	var moved int64
	for try := 1; ; try++ {
		if err := j.fence(); err != nil {
			return moved, err
		}
		err := j.store.AppendEvents(ctx, events)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrConflict) || try == maxSeqRetries {
			return moved, fmt.Errorf("run %q: append events %d to %d: %w",
				j.runID, events[0].Seq, events[len(events)-1].Seq, err)
		}
		var shift int64
		events, shift, err = j.renumber(ctx, events)
		if err != nil {
			return moved, err
		}
		moved += shift
		if len(events) == 0 {
			return moved, nil
		}
	}

	j.mu.Lock()
	defer j.mu.Unlock()
	j.stored = max(j.stored, events[len(events)-1].Seq)
	for ch := range j.subs {
		j.send(ch, events)
	}
	return moved, nil
}

// renumber returns the events that are not stored, numbered after the
// last stored event, and the amount their seqs moved. It moves the seq of
// every event still queued by the same amount. Stored events are a
// prefix of events, because the store writes them in order.
func (j *journal) renumber(ctx context.Context, events []Event) ([]Event, int64, error) {
	stored, err := j.store.ListEvents(ctx, j.runID, events[0].Seq-1, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("run %q: read events after a seq collision: %w", j.runID, err)
	}
	if len(stored) == 0 {
		return nil, 0, fmt.Errorf("run %q: seq %d collided, but no event from it is stored",
			j.runID, events[0].Seq)
	}

	k := 0
	for k < len(events) && k < len(stored) && sameEvent(stored[k], events[k]) {
		k++
	}

	j.mu.Lock()
	defer j.mu.Unlock()
	if k > 0 {
		j.stored = max(j.stored, events[k-1].Seq)
		for ch := range j.subs {
			j.send(ch, events[:k])
		}
	}
	rest := events[k:]
	if len(rest) == 0 {
		return nil, 0, nil
	}

	shift := stored[len(stored)-1].Seq + 1 - rest[0].Seq
	for i := range rest {
		rest[i].Seq += shift
	}
	for _, en := range j.queue {
		for i := range en.events {
			en.events[i].Seq += shift
		}
	}
	j.seq += shift
	return rest, shift, nil
}

// sameEvent reports whether a, read from the store, is the event b that
// this journal wrote. A store may keep times to the millisecond only.
func sameEvent(a, b Event) bool {
	return a.Seq == b.Seq && a.Type == b.Type && a.StepID == b.StepID &&
		(a.Time.Equal(b.Time) || a.Time.Equal(b.Time.Truncate(time.Millisecond))) &&
		bytes.Equal(a.Data, b.Data)
}

// send delivers events to ch without blocking. A subscriber whose buffer
// is full is dropped: its channel is closed and it resumes from the store.
func (j *journal) send(ch chan Event, events []Event) {
	for _, ev := range events {
		select {
		case ch <- ev:
		default:
			delete(j.subs, ch)
			close(ch)
			return
		}
	}
}

func (j *journal) subscribe() (<-chan Event, func()) {
	j.mu.Lock()
	defer j.mu.Unlock()

	ch := make(chan Event, subscriberBuffer)
	if j.closed {
		close(ch)
		return ch, func() {}
	}
	j.subs[ch] = struct{}{}
	cancel := func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		if _, ok := j.subs[ch]; ok {
			delete(j.subs, ch)
			close(ch)
		}
	}
	return ch, cancel
}

// close closes every subscriber channel. Later subscribers get a closed
// channel.
func (j *journal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	for ch := range j.subs {
		delete(j.subs, ch)
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
