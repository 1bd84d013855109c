package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// eventPage is the number of events read per ListEvents call while
// looking for a run's last seq.
const eventPage = 1000

// Resume takes over every unfinished run in the store that is not active
// in this engine: it keeps completed steps, settles steps left running,
// continues the event seq after the last stored event and runs what is
// left. A run that cannot be resumed is logged and skipped, and Resume
// returns the joined errors after trying every run.
//
// With a LeaseStore, Resume takes only runs whose lease expired or that
// have none, and starts the loop that renews this engine's leases and
// claims runs from processes that stop renewing theirs. Without one, call
// it at startup, before Start: a run that ends while Resume lists the
// store could be taken over a second time.
func (e *Engine) Resume(ctx context.Context) error {
	runs, err := e.store.ListUnfinishedRuns(ctx)
	if err != nil {
		return fmt.Errorf("list unfinished runs: %w", err)
	}
	if e.leases.enabled() {
		return e.resumeLeased(ctx, runs)
	}

	var errs []error
	resumed := 0
	for i := range runs {
		run := &runs[i]
		if e.lookup(run.ID) != nil {
			continue
		}
		if err := e.resumeRun(ctx, run); err != nil {
			e.log.Error("run resume failed", "run_id", run.ID, "error", err)
			errs = append(errs, err)
			continue
		}
		resumed++
	}
	e.log.Info("runs resumed", "count", resumed, "failed", len(errs))
	return errors.Join(errs...)
}

// resumeLeased claims the unfinished runs whose lease expired and starts
// the lease loop.
func (e *Engine) resumeLeased(ctx context.Context, runs []Run) error {
	if e.isClosing() {
		return ErrShuttingDown
	}
	e.leases.claiming.Store(true)
	e.leases.startLoop()
	ids := make([]string, len(runs))
	for i := range runs {
		ids[i] = runs[i].ID
	}
	latest, err := e.leases.latest(ctx, ids)
	if err != nil {
		return fmt.Errorf("list leases: %w", err)
	}
	errs := e.leases.claimAll(ctx, ids, latest)
	e.log.Info("runs resumed", "unfinished", len(runs), "failed", len(errs))
	return errors.Join(errs...)
}

// resumeRun loads the whole run, payloads included, which the list of
// unfinished runs leaves out, and launches it.
func (e *Engine) resumeRun(ctx context.Context, listed *Run) error {
	run, err := e.store.GetRun(ctx, listed.ID)
	if err != nil {
		return fmt.Errorf("run %q: %w", listed.ID, err)
	}
	if run.Status.Ended() {
		// The previous owner stopped while it stored the end of the run.
		return e.completeEnded(ctx, run)
	}
	pb, err := e.store.GetPlaybookVersion(ctx, run.PlaybookID, run.PlaybookVersion)
	if err != nil {
		return fmt.Errorf("run %q: playbook %q version %d: %w",
			run.ID, run.PlaybookID, run.PlaybookVersion, err)
	}
	steps, err := e.store.ListSteps(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("run %q: list steps: %w", run.ID, err)
	}
	lastSeq, err := e.lastSeq(ctx, run.ID)
	if err != nil {
		return err
	}
	return e.launch(newRunState(e, run, pb, lastSeq), steps)
}

// lastSeq returns the seq of the run's last stored event, or 0.
func (e *Engine) lastSeq(ctx context.Context, runID string) (int64, error) {
	var last int64
	for {
		events, err := e.store.ListEvents(ctx, runID, last, eventPage)
		if err != nil {
			return 0, fmt.Errorf("run %q: list events after %d: %w", runID, last, err)
		}
		if len(events) == 0 {
			return last, nil
		}
		last = events[len(events)-1].Seq
		if len(events) < eventPage {
			return last, nil
		}
	}
}

// restore applies the steps a previous owner stored. Ended steps count as
// done. A step left running fails as interrupted unless its node allows
// another attempt. A pending step, stored while it waited for a retry,
// runs that attempt. Steps of loop bodies are left out: a loop step that
// did not end runs all its iterations again.
func (rs *runState) restore(stored []Step) {
	var unsettled []*Step
	for i := range stored {
		step := &stored[i]
		if _, ok := rs.g.nodes[step.NodeID]; !ok {
			rs.log.Warn("stored step skipped, node not in playbook", "node_id", step.NodeID)
			continue
		}
		if step.ID == stepID(rs.run.ID, step.NodeID) {
			rs.front.started[step.NodeID] = true
		}
	}
	for i := range stored {
		step := &stored[i]
		node, ok := rs.g.nodes[step.NodeID]
		switch {
		case !ok, step.ID != stepID(rs.run.ID, step.NodeID):
		case step.Status == StepRunning || step.Status == StepPending:
			unsettled = append(unsettled, step)
		default:
			rs.restoreEnded(node, step)
		}
	}
	for _, step := range unsettled {
		rs.settleInterrupted(rs.g.nodes[step.NodeID], step)
	}
}

// restoreEnded applies a step that ended before the takeover.
func (rs *runState) restoreEnded(node *designer.Node, step *Step) {
	if step.Status != StepSkipped {
		rs.executed.Add(1)
	}
	rs.complete(step)
	if failsRun(step) {
		rs.halt(RunFailed, stepFailure(step))
	}
	if node.Type == designer.NodeEnd && step.Status == StepSucceeded {
		rs.haltWith(restoredEnd(node, step))
	}
}

// restoredEnd rebuilds an end node's outcome from its stored step.
func restoredEnd(node *designer.Node, step *Step) runEnd {
	var input struct {
		Outcome RunStatus `json:"outcome"`
	}
	_ = json.Unmarshal(step.Input, &input)
	end := runEnd{status: RunSucceeded, output: step.Output}
	if input.Outcome == RunFailed {
		end.status = RunFailed
		end.err = fmt.Sprintf("end node %q set the outcome failed", node.ID)
	}
	return end
}

// settleInterrupted runs the step again when its node allows another
// attempt, and otherwise stores it failed with code interrupted. An
// approval or delay step that was waiting waits again in the same attempt,
// for the answer or the due time its record holds.
func (rs *runState) settleInterrupted(node *designer.Node, step *Step) {
	attempt := step.Attempt
	waits := node.Type == designer.NodeApproval || node.Type == designer.NodeDelay
	if step.Status == StepRunning && !waits {
		attempt++
	}
	if step.Status == StepPending || waits || retryable(node, step.Attempt, CodeInterrupted) {
		rs.log.Info("interrupted step retried", "node_id", node.ID, "attempt", attempt)
		rs.front.started[node.ID] = true
		rs.running++
		rs.executed.Add(1)
		env := rs.env()
		// A wait goes on in the attempt whose step.started is stored.
		var startedAt *time.Time
		if waits && step.Status == StepRunning {
			startedAt = step.StartedAt
		}
		go func() {
			rs.results <- rs.runStep(node, env, max(attempt, 1), startedAt)
		}()
		return
	}

	rs.log.Warn("interrupted step failed", "node_id", node.ID, "attempt", step.Attempt)
	if step.StartedAt == nil {
		now := time.Now().UTC()
		step.StartedAt = &now
	}
	res := nodeResult{err: &StepError{Code: CodeInterrupted,
		Message: "the engine stopped while the step was running"}}
	rs.settle(node, step, &res)
	if err := rs.saveFinished(step, &logBuffer{}, 0, false, false); err != nil {
		rs.storeFailed(node.ID, err)
		return
	}
	rs.restoreEnded(node, step)
}
