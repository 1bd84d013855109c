package runtime

import (
	"context"
	"sync"
	"time"
)

// TimerStore keeps the due time of waiting steps, so that a delay
// survives a restart. A Store that also implements it runs delay nodes.
type TimerStore interface {
	// InsertTimer stores the due time of a step; a second one is
	// ErrConflict.
	InsertTimer(ctx context.Context, runID, stepID string, due time.Time) error
	// GetTimer returns the due time of a step, or ErrNotFound.
	GetTimer(ctx context.Context, stepID string) (time.Time, error)
}

// EventStepWaiting is the event of a step that starts to wait for an
// answer or a time. Its data holds approval_id and deadline, or until.
const EventStepWaiting = "step.waiting"

// errWaitStopped ends a wait when Shutdown begins. The node abandons the
// step, which stays running in the store, and the next owner waits again.
var errWaitStopped = &StepError{Code: CodeInterrupted, Message: "the engine stopped while the step waited"}

// waitRegistry tracks the steps of this engine that wait: the approvals
// whose answer they expect and the number of waiting steps per run, which
// sets the run's status to waiting.
type waitRegistry struct {
	e         *Engine
	approvals ApprovalStore // nil when the store keeps no approvals
	timers    TimerStore    // nil when the store keeps no timers

	mu      sync.Mutex
	answers map[string]chan ApprovalAnswer // by approval id
	waiting map[string]int                 // waiting steps by run id

	statusMu sync.Mutex // serializes run status writes of waiting steps
}

func newWaitRegistry(e *Engine, st Store) *waitRegistry {
	w := &waitRegistry{
		e:       e,
		answers: make(map[string]chan ApprovalAnswer),
		waiting: make(map[string]int),
	}
	w.approvals, _ = st.(ApprovalStore)
	w.timers, _ = st.(TimerStore)
	return w
}

// expect returns the channel that receives the answer to approval id.
func (w *waitRegistry) expect(id string) <-chan ApprovalAnswer {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan ApprovalAnswer, 1)
	w.answers[id] = ch
	return ch
}

func (w *waitRegistry) forget(id string) {
	w.mu.Lock()
	delete(w.answers, id)
	w.mu.Unlock()
}

// deliver sends ans to the step that waits for it in this engine, if any.
func (w *waitRegistry) deliver(ans ApprovalAnswer) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.answers[ans.ApprovalID]; ok {
		delete(w.answers, ans.ApprovalID)
		ch <- ans
	}
}

// poll reads the answers that other processes stored for the approvals
// this engine waits for.
func (w *waitRegistry) poll(ctx context.Context) {
	if w.approvals == nil {
		return
	}
	w.mu.Lock()
	ids := make([]string, 0, len(w.answers))
	for id := range w.answers {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	if len(ids) == 0 {
		return
	}

	answers, err := w.approvals.GetAnswers(ctx, ids)
	if err != nil {
		w.e.log.Warn("approval answers not read", "count", len(ids), "error", err)
		return
	}
	for _, ans := range answers {
		w.deliver(ans)
	}
}

// enter counts a waiting step of rs and stores the run as waiting when it
// is the first. leave undoes it and stores the run as running again when
// no step of the run waits any more.
func (w *waitRegistry) enter(rs *runState) { w.setWaiting(rs, 1) }

func (w *waitRegistry) leave(rs *runState) { w.setWaiting(rs, -1) }

func (w *waitRegistry) setWaiting(rs *runState, delta int) {
	w.statusMu.Lock()
	defer w.statusMu.Unlock()

	w.mu.Lock()
	before := w.waiting[rs.run.ID]
	after := before + delta
	if after == 0 {
		delete(w.waiting, rs.run.ID)
	} else {
		w.waiting[rs.run.ID] = after
	}
	w.mu.Unlock()

	// A wait that Shutdown, a cancel or a lost lease ended leaves the
	// stored status to the run's end or to its next owner.
	if delta < 0 && (rs.e.soft.Err() != nil || rs.ctx.Err() != nil) {
		return
	}
	status := RunRunning
	switch {
	case before == 0 && after > 0:
		status = RunWaiting
	case before > 0 && after == 0:
	default:
		return
	}
	// The run loop writes rs.run only before its first step and after its
	// last, so a copy written here races with no other write.
	run := *rs.run
	run.Status = status
	if err := w.e.store.UpdateRun(rs.storeCtx(), &run); err != nil {
		rs.log.Warn("run status not stored", "status", status, "error", err)
	}
}

// sleepUntil waits until due. It returns nil when due passed, the context
// error when ctx ended and errWaitStopped when Shutdown began.
func (rs *runState) sleepUntil(ctx context.Context, due time.Time) *StepError {
	t := time.NewTimer(time.Until(due))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &StepError{Code: CodeCanceled, Message: context.Cause(ctx).Error()}
	case <-rs.e.soft.Done():
		return errWaitStopped
	}
}
