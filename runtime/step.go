package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// Step error codes set by the engine. An Invoker adds its own through
// ActionError.
const (
	CodeExpression      = "expression"
	CodeOutputTooLarge  = "output_too_large"
	CodeOutputInvalid   = "output_invalid"
	CodeTimeout         = "timeout"
	CodeCanceled        = "canceled"
	CodeInterrupted     = "interrupted"
	CodeInvalidSettings = "invalid_settings"
	CodeUnsupportedNode = "unsupported_node"
	CodeAction          = "action"
	CodeTooManySteps    = "too_many_steps"
	CodeTooManyItems    = "too_many_items"
	CodeDepthExceeded   = "depth_exceeded"
	CodeChildRunFailed  = "child_run_failed"
	CodeStoreFailed     = "store_failed"
)

// stepResult is the message a step goroutine sends to the run loop.
type stepResult struct {
	nodeID    string
	step      *Step
	end       *runEnd // set by an end node that succeeded
	storeErr  error
	abandoned bool // the engine stopped while the step ran, so nothing was stored
	// order counts the finishes recorded in the run, so the highest
	// order in a loop iteration is its step that finished last.
	order int64
}

// instantNodes are the node types whose step does no I/O and ends at
// once. Their attempt is stored once, when it ends, with its step.started
// and step.finished events in one write. A crash before that write leaves
// no trace, and the step runs again on resume.
var instantNodes = map[string]bool{
	designer.NodeTrigger:   true,
	designer.NodeCondition: true,
	designer.NodeTransform: true,
	designer.NodeSwitch:    true,
	designer.NodeJoin:      true,
	designer.NodeEnd:       true,
}

// waitingNodes are the node types whose step only waits, for other steps,
// for time or for people, so it takes no slot of Config.MaxParallel.
var waitingNodes = map[string]bool{
	designer.NodeLoop:        true,
	designer.NodeSubplaybook: true,
	designer.NodeApproval:    true,
	designer.NodeDelay:       true,
}

// runStep executes a top-level node as a step, with retries, and stores
// each attempt. See runStepFrom for startedAt.
func (rs *runState) runStep(node *designer.Node, env *designer.Env, attempt int,
	startedAt *time.Time) stepResult {
	return rs.runStepFrom(rs.ctx, stepID(rs.run.ID, node.ID), node, env, nil, attempt, startedAt)
}

// runStepAt executes node as the step id under ctx, with retries, and
// stores each attempt. sources are the nodes whose edges into node were
// taken.
func (rs *runState) runStepAt(ctx context.Context, id string, node *designer.Node,
	env *designer.Env, sources []string, attempt int) stepResult {
	return rs.runStepFrom(ctx, id, node, env, sources, attempt, nil)
}

// runStepFrom is runStepAt for an attempt that started at startedAt
// before a takeover, whose step.started event is stored, or for a new
// attempt when startedAt is nil.
func (rs *runState) runStepFrom(ctx context.Context, id string, node *designer.Node,
	env *designer.Env, sources []string, attempt int, startedAt *time.Time) stepResult {
	if !rs.acquireSlot(ctx, node) {
		return stepResult{nodeID: node.ID, abandoned: true}
	}
	defer rs.releaseSlot(node)

	step := &Step{ID: id, RunID: rs.run.ID, NodeID: node.ID, Attempt: attempt}
	instant := instantNodes[node.Type]
	for {
		if startedAt != nil {
			step.Status, step.StartedAt = StepRunning, startedAt
			startedAt = nil // a retry after it is a new attempt
		} else if err := rs.saveStarted(step, instant); err != nil {
			return stepResult{nodeID: node.ID, storeErr: err}
		}

		logs := &logBuffer{}
		call := &nodeCall{rs: rs, node: node, step: step, env: env, logs: logs, sources: sources}
		res := rs.callNode(ctx, call)
		if res.abandon || (res.err != nil && errors.Is(context.Cause(rs.ctx), errEngineClosed)) {
			rs.log.Warn("step interrupted by shutdown", "node_id", node.ID, "step_id", id,
				"attempt", step.Attempt)
			return stepResult{nodeID: node.ID, abandoned: true}
		}

		rs.settle(node, step, &res)
		delay, retry := rs.retryDelay(node, step)
		if retry {
			step.Port = ""
		}
		if err := rs.saveFinished(step, logs, delay, retry, instant); err != nil {
			return stepResult{nodeID: node.ID, storeErr: err}
		}
		order := rs.finishes.Add(1)
		if !retry {
			rs.logFailure(step)
			return stepResult{nodeID: node.ID, step: step, end: res.end, order: order}
		}

		rs.log.Warn("step failed, retrying", "node_id", node.ID, "attempt", step.Attempt,
			"retry_in_ms", delay.Milliseconds(), "error", step.Error.Message)
		step = &Step{ID: step.ID, RunID: step.RunID, NodeID: step.NodeID,
			Status: StepPending, Attempt: step.Attempt + 1}
		if err := rs.savePending(step); err != nil {
			return stepResult{nodeID: node.ID, storeErr: err}
		}
		if !rs.sleep(delay) {
			return rs.stoppedWhilePending(node, step)
		}
	}
}

// savePending stores the pending step of the next attempt, which
// replaces the failed attempt already queued, and waits for it, so that
// Resume finds the retry.
func (rs *runState) savePending(step *Step) error {
	if err := rs.events.save(*step); err != nil {
		return err
	}
	return rs.events.flush()
}

// logFailure logs a failed step with the port it leaves through, which is
// empty when the failure fails the run.
func (rs *runState) logFailure(step *Step) {
	if step.Status != StepFailed {
		return
	}
	rs.log.Warn("step failed", "node_id", step.NodeID, "attempt", step.Attempt,
		"code", step.Error.Code, "port", step.Port, "error", step.Error.Message)
}

// stoppedWhilePending ends a step whose retry wait was cut short. When the
// engine is shutting down, the pending step stays stored for Resume to
// run. Otherwise the run was canceled or timed out, and the step fails.
func (rs *runState) stoppedWhilePending(node *designer.Node, step *Step) stepResult {
	if rs.ctx.Err() == nil || errors.Is(context.Cause(rs.ctx), errEngineClosed) {
		rs.log.Info("step retry left pending by shutdown", "node_id", node.ID,
			"attempt", step.Attempt)
		return stepResult{nodeID: node.ID, abandoned: true}
	}
	now := time.Now().UTC()
	step.StartedAt = &now
	res := nodeResult{err: rs.stopError(context.Cause(rs.ctx))}
	if res.err == nil {
		res.err = &StepError{Code: CodeCanceled, Message: context.Cause(rs.ctx).Error()}
	}
	rs.settle(node, step, &res)
	if err := rs.saveFinished(step, &logBuffer{}, 0, false, false); err != nil {
		return stepResult{nodeID: node.ID, storeErr: err}
	}
	return stepResult{nodeID: node.ID, step: step}
}

// sleep waits d, and reports false when the run context ended or Shutdown
// began first.
func (rs *runState) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-rs.ctx.Done():
		return false
	case <-rs.e.soft.Done():
		return false
	}
}

// acquireSlot takes a slot of Config.MaxParallel for a step of node, and
// reports false when ctx ended or Shutdown began first.
func (rs *runState) acquireSlot(ctx context.Context, node *designer.Node) bool {
	if waitingNodes[node.Type] {
		return true
	}
	select {
	case rs.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	case <-rs.e.soft.Done():
		return false
	}
}

func (rs *runState) releaseSlot(node *designer.Node) {
	if !waitingNodes[node.Type] {
		<-rs.slots
	}
}

// saveStarted marks the step running and stores its step.started event,
// which is the one record of a running attempt, before the step starts:
// the step itself is stored when it ends. An instant step is queued only
// when it ends, with both events.
func (rs *runState) saveStarted(step *Step, instant bool) error {
	now := time.Now().UTC()
	step.Status = StepRunning
	step.StartedAt = &now
	if instant {
		return nil
	}
	return rs.events.append(newEvent(EventStepStarted, step.NodeID, step.ID,
		map[string]any{"attempt": step.Attempt}))
}

// saveFinished queues an attempt that ended: the step, then its log lines
// and step.finished event. A failed attempt that is retried carries
// retry_in_ms in its event data. For an instant step the step.started
// event comes first.
func (rs *runState) saveFinished(step *Step, logs *logBuffer, delay time.Duration, retry,
	instant bool) error {
	rs.observeStep(step)
	return rs.events.add([]Step{*step}, attemptEvents(step, logs, delay, retry, instant)...)
}

// attemptEvents returns the events of an attempt that ended: its log
// lines and step.finished, after step.started for an instant step.
func attemptEvents(step *Step, logs *logBuffer, delay time.Duration, retry,
	instant bool) []Event {
	data := map[string]any{
		"status":      step.Status,
		"attempt":     step.Attempt,
		"duration_ms": step.EndedAt.Sub(*step.StartedAt).Milliseconds(),
	}
	if step.Port != "" {
		data["port"] = step.Port
	}
	if step.Error != nil {
		data["error"] = step.Error
	}
	if retry {
		data["retry_in_ms"] = delay.Milliseconds()
	}
	var events []Event
	if instant {
		events = append(events, newEvent(EventStepStarted, step.NodeID, step.ID,
			map[string]any{"attempt": step.Attempt}))
	}
	events = append(events, logs.events(step)...)
	return append(events, newEvent(EventStepFinished, step.NodeID, step.ID, data))
}

// callNode runs the node type's function under the step's timeout,
// derived from parent, and turns a context that ended into a timeout or
// canceled error.
func (rs *runState) callNode(parent context.Context, call *nodeCall) nodeResult {
	node := call.node
	run, ok := nodeTypes[node.Type]
	if !ok {
		return failed(CodeUnsupportedNode, fmt.Sprintf("node type %q is not supported", node.Type))
	}
	ctx, cancel, err := stepContext(parent, node)
	if err != nil {
		return failed(CodeInvalidSettings, err.Error())
	}
	defer cancel()

	res := run(ctx, call)
	if res.err == nil || ctx.Err() == nil {
		return res
	}
	if cause := context.Cause(ctx); errors.Is(cause, errStepTimedOut) {
		res.err = &StepError{Code: CodeTimeout,
			Message: fmt.Sprintf("step timed out after %s", node.Timeout)}
	} else if stopErr := rs.stopError(cause); stopErr != nil {
		res.err = stopErr
	}
	return res
}

// stopError returns the step error for a run context that ended with
// cause, or nil when the cause does not stop the run.
func (rs *runState) stopError(cause error) *StepError {
	switch {
	case errors.Is(cause, errRunCanceled):
		return &StepError{Code: CodeCanceled, Message: "run canceled"}
	case errors.Is(cause, errRunTimedOut):
		return &StepError{Code: CodeTimeout,
			Message: fmt.Sprintf("run timed out after %s", rs.e.cfg.RunTimeout)}
	}
	return nil
}

var errStepTimedOut = errors.New("step timed out")

func stepContext(parent context.Context, node *designer.Node) (
	context.Context, context.CancelFunc, error) {
	if node.Timeout == "" {
		ctx, cancel := context.WithCancel(parent)
		return ctx, cancel, nil
	}
	d, err := time.ParseDuration(node.Timeout)
	if err != nil || d <= 0 {
		return nil, nil, fmt.Errorf("timeout %q: want a positive Go duration such as \"30s\"",
			node.Timeout)
	}
	ctx, cancel := context.WithTimeoutCause(parent, d, errStepTimedOut)
	return ctx, cancel, nil
}

// settle fills the step's final fields from res: input, output within the
// size limit, status, error and the port taken.
func (rs *runState) settle(node *designer.Node, step *Step, res *nodeResult) {
	now := time.Now().UTC()
	step.EndedAt = &now

	if res.input != nil {
		// Inputs are evaluated from JSON values, so they marshal.
		step.Input, _ = json.Marshal(res.input)
	}
	if res.err == nil {
		step.Output, res.err = rs.marshalOutput(res.output)
	}
	if res.err == nil {
		step.Status = StepSucceeded
		step.Port = res.port
		if res.end != nil {
			res.end.output = step.Output
		}
		return
	}

	res.end = nil
	step.Status = StepFailed
	step.Output = nil
	step.Error = res.err
	step.Port = errorPort(rs.g, node, res.err)
}

func (rs *runState) marshalOutput(v any) (json.RawMessage, *StepError) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &StepError{Code: CodeOutputInvalid, Message: err.Error()}
	}
	if len(b) > rs.e.cfg.MaxOutputBytes {
		return nil, &StepError{Code: CodeOutputTooLarge, Message: fmt.Sprintf(
			"output is %d bytes, over the limit of %d; return less or raise the limit "+
				"(updraft serve --max-step-output)", len(b), rs.e.cfg.MaxOutputBytes)}
	}
	return b, nil
}

// errorPort returns the port a failed step leaves through: "error" when an
// edge leaves that port or on_error is "route", the node type's continue
// port (designer.ContinuePort) when on_error is "continue", and "" when
// the failure fails the run. A step stopped by its run's cancellation
// always fails the run.
func errorPort(g *graph, node *designer.Node, stepErr *StepError) string {
	if stepErr.Code == CodeCanceled {
		return ""
	}
	switch {
	case g.hasEdgeFrom(node.ID, designer.PortError), node.OnError == designer.OnErrorRoute:
		return designer.PortError
	case node.OnError == designer.OnErrorContinue:
		return designer.ContinuePort(node)
	}
	return ""
}
