package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// Causes of a run context's end.
var (
	errRunCanceled  = errors.New("run canceled")
	errRunTimedOut  = errors.New("run timed out")
	errEngineClosed = errors.New("engine shut down")
)

// runState is a run owned by this engine. The fields after done belong to
// the goroutine that executes the run.
type runState struct {
	e      *Engine
	run    *Run
	pb     *designer.Playbook
	g      *graph
	events *journal
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}

	// slots bounds the steps of the run that execute at once, loop
	// iterations included. Loop and subplaybook steps take no slot,
	// because they only wait for other steps.
	slots chan struct{}
	// executed counts the steps started in the run, loop bodies included,
	// against Config.MaxSteps.
	executed atomic.Int64
	// halted is set with end, so that loop iterations running in other
	// goroutines start no more steps.
	halted atomic.Bool
	// ended is set once finish chose the final status, before the run
	// document is updated, so that Cancel returns ErrConflict from then on.
	ended atomic.Bool
	// canceling is set by the first Cancel, so that later ones return
	// ErrConflict.
	canceling atomic.Bool
	// finishes counts the step finishes recorded, see stepResult.order.
	finishes atomic.Int64
	// fresh is set on a run that Start inserted already running, so
	// begin stores only its run.started event.
	fresh bool

	trigger  any                           // run.Trigger decoded
	inputs   any                           // run.Inputs decoded
	front    *frontier                     // the top level of the playbook
	envSteps map[string]designer.StepState // steps.<id> for expressions
	running  int
	results  chan stepResult
	end      *runEnd // set once the run starts no more steps
	paused   bool    // set when Shutdown began
	reused   []Step  // steps a rerun copied from the original run
}

// runEnd is the outcome a run ends with.
type runEnd struct {
	status RunStatus
	err    string
	output json.RawMessage
}

func newRunState(e *Engine, run *Run, pb *designer.Playbook, lastSeq int64) *runState {
	g := newGraph(pb)
	rs := &runState{
		e:        e,
		run:      run,
		pb:       pb,
		g:        g,
		events:   e.newJournal(run.ID, lastSeq),
		log:      e.log.With("run_id", run.ID),
		done:     make(chan struct{}),
		slots:    make(chan struct{}, e.cfg.MaxParallel),
		front:    newFrontier(g, g.levels[""], run.TriggerNode),
		envSteps: make(map[string]designer.StepState),
		results:  make(chan stepResult, e.cfg.MaxParallel),
	}
	rs.ctx, rs.cancel = context.WithCancelCause(e.hard)
	return rs
}

// storeCtx is the context of store writes. They outlive a canceled run so
// that the cancellation itself is recorded.
func (rs *runState) storeCtx() context.Context {
	return context.WithoutCancel(rs.ctx)
}

// execute runs the run to its end, or until Shutdown pauses it. stored
// holds the steps a previous owner stored.
func (rs *runState) execute(stored []Step) {
	defer rs.cancel(nil)

	now := time.Now().UTC()
	if rs.run.StartedAt == nil {
		rs.run.StartedAt = &now
	}
	deadline := rs.run.StartedAt.Add(rs.e.cfg.RunTimeout)
	var stop context.CancelFunc
	rs.ctx, stop = context.WithDeadlineCause(rs.ctx, deadline, errRunTimedOut)
	defer stop()

	if err := rs.begin(); err != nil {
		rs.log.Error("run start failed", "error", err)
		rs.halt(RunFailed, err.Error())
		rs.finish()
		return
	}
	rs.restore(stored)
	rs.loop()
	rs.finish()
}

// begin decodes the run payloads, marks the run running and queues its
// run.started event.
func (rs *runState) begin() error {
	if err := decodePayload(rs.run.Trigger, &rs.trigger); err != nil {
		return fmt.Errorf("trigger: %w", err)
	}
	if err := decodePayload(rs.run.Inputs, &rs.inputs); err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if n, ok := rs.g.nodes[rs.run.TriggerNode]; !ok || n.Parent != "" {
		return fmt.Errorf("trigger node %q not found in playbook %q version %d",
			rs.run.TriggerNode, rs.pb.ID, rs.pb.Version)
	}

	switch {
	case rs.run.Status == RunQueued:
		rs.run.Status = RunRunning
		if err := rs.e.store.UpdateRun(rs.storeCtx(), rs.run); err != nil {
			return fmt.Errorf("update run: %w", err)
		}
	case !rs.fresh:
		rs.log.Info("run resumed", "playbook_id", rs.run.PlaybookID)
		return nil
	}
	rs.log.Info("run started", "playbook_id", rs.run.PlaybookID,
		"playbook_version", rs.run.PlaybookVersion, "trigger_node", rs.run.TriggerNode)
	rs.observeStarted()
	events := []Event{newEvent(EventRunStarted, "", "", map[string]any{"status": RunRunning})}
	return rs.events.add(nil, append(events, reusedEvents(rs.reused)...)...)
}

func decodePayload(raw json.RawMessage, dst *any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

// loop starts ready steps and applies their results until nothing runs.
func (rs *runState) loop() {
	ctxDone := rs.ctx.Done()
	soft := rs.e.soft.Done()
	rs.front.seed()
	for {
		rs.dispatch()
		if rs.running == 0 {
			return
		}
		select {
		case res := <-rs.results:
			rs.apply(res)
		case <-ctxDone:
			ctxDone = nil
			rs.haltOnContext()
		case <-soft:
			soft = nil
			rs.paused = true
		}
	}
}

// dispatch starts or skips ready nodes while the run may start steps.
func (rs *runState) dispatch() {
	for {
		id, ok := rs.front.peek()
		if !ok {
			return
		}
		rs.haltOnContext()
		if rs.e.soft.Err() != nil {
			rs.paused = true
		}
		if rs.end != nil || rs.paused {
			return
		}

		if !rs.front.taken(id) {
			rs.front.pop()
			rs.skip(id)
			continue
		}
		if rs.running >= rs.e.cfg.MaxParallel {
			return
		}
		if err := rs.countStep(); err != nil {
			rs.halt(RunFailed, fmt.Sprintf("node %q: %s", id, err.Message))
			return
		}
		rs.front.pop()
		rs.startStep(id, 1)
	}
}

// countStep counts a step against Config.MaxSteps and returns an error
// when the run has used them all.
func (rs *runState) countStep() *StepError {
	if rs.executed.Add(1) <= int64(rs.e.cfg.MaxSteps) {
		return nil
	}
	rs.executed.Add(-1)
	return &StepError{Code: CodeTooManySteps, Message: fmt.Sprintf(
		"run exceeds the limit of %d steps; split the work or raise the limit "+
			"(updraft serve --max-steps)", rs.e.cfg.MaxSteps)}
}

// startStep runs the first attempt of a top-level node in a new
// goroutine. The caller has counted the step.
func (rs *runState) startStep(nodeID string, attempt int) {
	rs.running++
	node := rs.g.nodes[nodeID]
	env := rs.env()
	sources := rs.front.sources[nodeID]
	go func() {
		rs.results <- rs.runStepAt(rs.ctx, stepID(rs.run.ID, nodeID), node, env, sources, attempt)
	}()
}

// skip records that nodeID does not run because none of its incoming
// edges was taken, and resolves its outgoing edges as not taken.
func (rs *runState) skip(nodeID string) {
	step, err := rs.saveSkipped(stepID(rs.run.ID, nodeID), nodeID)
	if err != nil {
		rs.storeFailed(nodeID, err)
		return
	}
	rs.complete(step)
}

// saveSkipped queues a skipped step with the given id and its
// step.finished event.
func (rs *runState) saveSkipped(id, nodeID string) (*Step, error) {
	now := time.Now().UTC()
	step := &Step{
		ID:      id,
		RunID:   rs.run.ID,
		NodeID:  nodeID,
		Status:  StepSkipped,
		EndedAt: &now,
	}
	err := rs.events.add([]Step{*step}, newEvent(EventStepFinished, nodeID, step.ID,
		map[string]any{"status": StepSkipped}))
	if err != nil {
		return nil, err
	}
	return step, nil
}

// apply records the result of a step that ran.
func (rs *runState) apply(res stepResult) {
	rs.running--
	rs.haltOnContext()
	nodeID := res.nodeID

	switch {
	case res.storeErr != nil:
		rs.storeFailed(nodeID, res.storeErr)
		return
	case res.abandoned:
		return
	}

	rs.complete(res.step)
	if res.end != nil {
		rs.haltWith(*res.end)
	}
	if failsRun(res.step) {
		rs.halt(RunFailed, stepFailure(res.step))
	}
}

// failsRun reports whether step failed with no port to leave through.
func failsRun(step *Step) bool {
	return step.Status == StepFailed && step.Port == ""
}

// stepFailure returns the run error for a step that failed the run.
func stepFailure(step *Step) string {
	if step.Error == nil {
		return fmt.Sprintf("node %q failed", step.NodeID)
	}
	return fmt.Sprintf("node %q: %s: %s", step.NodeID, step.Error.Code, step.Error.Message)
}

// complete marks the step's node finished, makes its state readable by
// expressions and resolves its outgoing edges.
func (rs *runState) complete(step *Step) {
	rs.envSteps[step.NodeID] = stepEnv(step)
	rs.front.resolve(step)
}

func (rs *runState) storeFailed(nodeID string, err error) {
	rs.log.Error("store write failed", "node_id", nodeID, "error", err)
	rs.halt(RunFailed, fmt.Sprintf("node %q: store write failed: %v", nodeID, err))
}

// haltOnContext stops the run when its context ended: canceled, timed out
// or the engine stopped.
func (rs *runState) haltOnContext() {
	if rs.ctx.Err() == nil {
		return
	}
	switch cause := context.Cause(rs.ctx); {
	case errors.Is(cause, errRunCanceled):
		rs.halt(RunCanceled, cause.Error())
	case errors.Is(cause, errRunTimedOut):
		rs.halt(RunTimedOut, fmt.Sprintf("run timed out after %s", rs.e.cfg.RunTimeout))
	default:
		rs.paused = true
	}
}

// halt stops the run from starting more steps. The first outcome set
// wins.
func (rs *runState) halt(status RunStatus, msg string) {
	rs.haltWith(runEnd{status: status, err: msg})
}

func (rs *runState) haltWith(end runEnd) {
	if rs.end == nil {
		rs.end = &end
		rs.halted.Store(true)
	}
}

// finish waits for the run's queued writes and stores its final state,
// unless Shutdown paused a run that still has nodes to run.
func (rs *runState) finish() {
	flushErr := rs.events.flush()
	if errors.Is(context.Cause(rs.ctx), errLeaseLost) || errors.Is(flushErr, errLeaseLost) {
		rs.log.Warn("run left to its new owner")
		return
	}
	if flushErr != nil {
		rs.log.Error("store write failed", "error", flushErr)
		if rs.end == nil || rs.end.status == RunSucceeded {
			rs.end = nil
			rs.halt(RunFailed, fmt.Sprintf("store write failed: %v", flushErr))
		}
		rs.events.clearErr()
	}
	pending := rs.front.pending()
	if rs.end == nil && len(pending) > 0 {
		if rs.paused {
			rs.log.Info("run paused", "pending_nodes", len(pending))
			return
		}
		rs.halt(RunFailed, fmt.Sprintf("nodes %q never became ready", pending))
	}
	if rs.end == nil {
		rs.halt(RunSucceeded, "")
	}

	now := time.Now().UTC()
	rs.run.Status = rs.end.status
	rs.run.Error = rs.end.err
	rs.run.Output = rs.end.output
	rs.run.EndedAt = &now
	rs.ended.Store(true)
	duration := now.Sub(*rs.run.StartedAt)
	if err := rs.e.store.UpdateRun(rs.storeCtx(), rs.run); err != nil {
		rs.log.Error("run update failed", "status", rs.run.Status, "error", err)
	}

	data := map[string]any{"status": rs.run.Status, "duration_ms": duration.Milliseconds()}
	if rs.run.Error != "" {
		data["error"] = rs.run.Error
	}
	if err := rs.events.append(newEvent(EventRunFinished, "", "", data)); err != nil {
		rs.log.Error("event append failed", "event", EventRunFinished, "error", err)
	}
	rs.log.Info("run finished", "status", rs.run.Status, "duration_ms", duration.Milliseconds(),
		"error", rs.run.Error)
	rs.observeEnded()
}
