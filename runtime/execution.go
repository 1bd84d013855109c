package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	events *eventLog
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}

	trigger    any                           // run.Trigger decoded
	inputs     any                           // run.Inputs decoded
	finished   map[string]bool               // nodes whose step ended or was skipped
	envSteps   map[string]designer.StepState // steps.<id> for expressions
	unresolved map[string]int                // incoming edges whose source has not finished
	taken      map[string]int                // incoming edges that were taken
	started    map[string]bool               // nodes whose step was started or skipped
	ready      []string                      // nodes with every incoming edge resolved
	running    int
	executed   int
	results    chan stepResult
	end        *runEnd // set once the run starts no more steps
	paused     bool    // set when Shutdown began
}

// runEnd is the outcome a run ends with.
type runEnd struct {
	status RunStatus
	err    string
	output json.RawMessage
}

func newRunState(e *Engine, run *Run, pb *designer.Playbook, lastSeq int64) *runState {
	rs := &runState{
		e:          e,
		run:        run,
		pb:         pb,
		g:          newGraph(pb),
		events:     newEventLog(run.ID, e.store, lastSeq),
		log:        e.log.With("run_id", run.ID),
		done:       make(chan struct{}),
		finished:   make(map[string]bool),
		envSteps:   make(map[string]designer.StepState),
		unresolved: make(map[string]int),
		taken:      make(map[string]int),
		started:    make(map[string]bool),
		results:    make(chan stepResult, e.cfg.MaxParallel),
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

// begin counts each node's incoming edges, decodes the run payloads and
// marks the run running.
func (rs *runState) begin() error {
	for _, id := range rs.g.order {
		rs.unresolved[id] = len(rs.g.incoming[id])
	}
	rs.taken[rs.run.TriggerNode] = 1

	if err := decodePayload(rs.run.Trigger, &rs.trigger); err != nil {
		return fmt.Errorf("trigger: %w", err)
	}
	if err := decodePayload(rs.run.Inputs, &rs.inputs); err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if _, ok := rs.g.nodes[rs.run.TriggerNode]; !ok {
		return fmt.Errorf("trigger node %q not found in playbook %q version %d",
			rs.run.TriggerNode, rs.pb.ID, rs.pb.Version)
	}

	if rs.run.Status == RunRunning {
		rs.log.Info("run resumed", "playbook_id", rs.run.PlaybookID)
		return nil
	}
	rs.run.Status = RunRunning
	if err := rs.e.store.UpdateRun(rs.storeCtx(), rs.run); err != nil {
		return fmt.Errorf("update run: %w", err)
	}
	rs.log.Info("run started", "playbook_id", rs.run.PlaybookID,
		"playbook_version", rs.run.PlaybookVersion, "trigger_node", rs.run.TriggerNode)
	return rs.events.append(rs.storeCtx(),
		newEvent(EventRunStarted, "", "", map[string]any{"status": RunRunning}))
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
	rs.seed()
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

// seed queues every node that has no unresolved incoming edge and no step
// yet, in playbook order.
func (rs *runState) seed() {
	for _, id := range rs.g.order {
		if !rs.started[id] && rs.unresolved[id] == 0 {
			rs.ready = append(rs.ready, id)
		}
	}
}

// dispatch starts or skips ready nodes while the run may start steps.
func (rs *runState) dispatch() {
	for len(rs.ready) > 0 {
		rs.haltOnContext()
		if rs.e.soft.Err() != nil {
			rs.paused = true
		}
		if rs.end != nil || rs.paused {
			return
		}

		id := rs.ready[0]
		if rs.taken[id] == 0 {
			rs.ready = rs.ready[1:]
			rs.skip(id)
			continue
		}
		if rs.running >= rs.e.cfg.MaxParallel {
			return
		}
		if rs.executed >= rs.e.cfg.MaxSteps {
			rs.halt(RunFailed, fmt.Sprintf("node %q: run exceeds the limit of %d steps",
				id, rs.e.cfg.MaxSteps))
			return
		}
		rs.ready = rs.ready[1:]
		rs.startStep(id, 1)
	}
}

func (rs *runState) startStep(nodeID string, attempt int) {
	rs.started[nodeID] = true
	rs.running++
	rs.executed++
	node := rs.g.nodes[nodeID]
	env := rs.env()
	go func() {
		rs.results <- rs.runStep(node, env, attempt)
	}()
}

// skip records that nodeID does not run because none of its incoming
// edges was taken, and resolves its outgoing edges as not taken.
func (rs *runState) skip(nodeID string) {
	rs.started[nodeID] = true
	now := time.Now().UTC()
	step := &Step{
		ID:      stepID(rs.run.ID, nodeID),
		RunID:   rs.run.ID,
		NodeID:  nodeID,
		Status:  StepSkipped,
		EndedAt: &now,
	}
	err := rs.e.store.SaveStep(rs.storeCtx(), step)
	if err == nil {
		err = rs.events.append(rs.storeCtx(), newEvent(EventStepFinished, nodeID, step.ID,
			map[string]any{"status": StepSkipped}))
	}
	if err != nil {
		rs.storeFailed(nodeID, err)
		return
	}
	rs.complete(step)
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

// complete marks the step's node finished and resolves its outgoing
// edges: an edge is taken when the step ran and left through its port.
func (rs *runState) complete(step *Step) {
	nodeID := step.NodeID
	rs.finished[nodeID] = true
	rs.started[nodeID] = true
	rs.envSteps[nodeID] = stepEnv(step)

	ran := step.Status != StepSkipped
	for _, edge := range rs.g.outgoing[nodeID] {
		rs.unresolved[edge.To]--
		if ran && step.Port != "" && edge.Port == step.Port {
			rs.taken[edge.To]++
		}
		if rs.unresolved[edge.To] == 0 && !rs.started[edge.To] {
			rs.ready = append(rs.ready, edge.To)
		}
	}
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
	}
}

// finish stores the run's final state, unless Shutdown paused a run that
// still has nodes to run.
func (rs *runState) finish() {
	pending := rs.pendingNodes()
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
	duration := now.Sub(*rs.run.StartedAt)
	if err := rs.e.store.UpdateRun(rs.storeCtx(), rs.run); err != nil {
		rs.log.Error("run update failed", "status", rs.run.Status, "error", err)
	}

	data := map[string]any{"status": rs.run.Status, "duration_ms": duration.Milliseconds()}
	if rs.run.Error != "" {
		data["error"] = rs.run.Error
	}
	if err := rs.events.append(rs.storeCtx(), newEvent(EventRunFinished, "", "", data)); err != nil {
		rs.log.Error("event append failed", "event", EventRunFinished, "error", err)
	}
	rs.log.Info("run finished", "status", rs.run.Status, "duration_ms", duration.Milliseconds(),
		"error", rs.run.Error)
}

// pendingNodes returns the nodes without a finished step, in playbook
// order.
func (rs *runState) pendingNodes() []string {
	var pending []string
	for _, id := range rs.g.order {
		if !rs.finished[id] {
			pending = append(pending, id)
		}
	}
	return slices.Clip(pending)
}
