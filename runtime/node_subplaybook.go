package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

func init() { nodeTypes[designer.NodeSubplaybook] = runSubplaybook }

// runSubplaybook runs another playbook as a child run of this one, waits
// for it and outputs the child's output. The step fails when the child
// does not succeed, and a canceled or timed-out step cancels the child.
func runSubplaybook(ctx context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.SubplaybookSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	inputs, err := evalValue(nonNilMap(settings.Inputs), call.env)
	if err != nil {
		return nodeResult{err: evalError("inputs", err)}
	}
	raw, err := json.Marshal(inputs)
	if err != nil {
		return failed(CodeExpression, fmt.Sprintf("settings.inputs: %v", err))
	}
	rs := call.rs
	if depth := rs.run.Depth + 1; depth > rs.e.cfg.MaxDepth {
		return failed(CodeDepthExceeded, fmt.Sprintf(
			"playbook %q would run at subplaybook depth %d, over the limit of %d; "+
				"nest fewer subplaybooks or raise the limit (updraft serve --max-subplaybook-depth)",
			settings.Playbook, depth, rs.e.cfg.MaxDepth))
	}

	pb, serr := rs.childPlaybook(ctx, settings)
	if serr != nil {
		return nodeResult{err: serr}
	}
	triggerNode := childTrigger(pb)
	if triggerNode == "" {
		return failed(CodeInvalidSettings, fmt.Sprintf(
			"playbook %q version %d has no trigger node", pb.ID, pb.Version))
	}
	child, err := rs.startChild(ctx, call.step, pb, triggerNode, raw)
	switch {
	case errors.Is(err, ErrShuttingDown):
		return nodeResult{abandon: true}
	case err != nil:
		return failed(CodeStoreFailed, err.Error())
	}

	input := map[string]any{"playbook": pb.ID, "version": pb.Version, "inputs": inputs,
		"run_id": child.run.ID}
	res := waitChild(ctx, child)
	res.input = input
	return res
}

// childPlaybook loads the pinned version, or the latest version saved
// before the parent run started.
func (rs *runState) childPlaybook(ctx context.Context,
	s designer.SubplaybookSettings) (*designer.Playbook, *StepError) {
	store := rs.e.store
	if s.Version > 0 {
		pb, err := store.GetPlaybookVersion(ctx, s.Playbook, s.Version)
		return pb, playbookError(s.Playbook, s.Version, err)
	}
	pb, err := store.GetPlaybook(ctx, s.Playbook)
	if err != nil {
		return nil, playbookError(s.Playbook, 0, err)
	}
	started := rs.run.CreatedAt
	if rs.run.StartedAt != nil {
		started = *rs.run.StartedAt
	}
	for pb.CreatedAt.After(started) && pb.Version > 1 {
		prev, err := store.GetPlaybookVersion(ctx, s.Playbook, pb.Version-1)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, playbookError(s.Playbook, pb.Version-1, err)
		}
		pb = prev
	}
	return pb, nil
}

func playbookError(id string, version int, err error) *StepError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound) && version == 0:
		return &StepError{Code: CodeInvalidSettings,
			Message: fmt.Sprintf("settings.playbook: no playbook %q", id)}
	case errors.Is(err, ErrNotFound):
		return &StepError{Code: CodeInvalidSettings,
			Message: fmt.Sprintf("settings.version: playbook %q has no version %d", id, version)}
	}
	return &StepError{Code: CodeStoreFailed, Message: err.Error()}
}

// childTrigger returns the trigger node a child run starts from: the
// first top-level manual trigger, or else the first top-level trigger.
func childTrigger(pb *designer.Playbook) string {
	first := ""
	for _, n := range pb.TopLevel() {
		if n.Type != designer.NodeTrigger {
			continue
		}
		s, err := designer.DecodeSettings[designer.TriggerSettings](&n)
		if err == nil && s.Kind == designer.TriggerManual {
			return n.ID
		}
		if first == "" {
			first = n.ID
		}
	}
	return first
}

// startChild stores a child run of pb, started by the subplaybook step,
// and executes it in the engine.
func (rs *runState) startChild(ctx context.Context, step *Step, pb *designer.Playbook,
	triggerNode string, inputs json.RawMessage) (*runState, error) {
	e := rs.e
	now := time.Now()
	id, err := newRunID(now)
	if err != nil {
		return nil, fmt.Errorf("new run id: %w", err)
	}
	run := &Run{
		ID:              id,
		PlaybookID:      pb.ID,
		PlaybookVersion: pb.Version,
		Status:          RunQueued,
		TriggerNode:     triggerNode,
		Inputs:          inputs,
		CreatedAt:       now.UTC(),
		ParentRunID:     rs.run.ID,
		ParentStepID:    step.ID,
		Depth:           rs.run.Depth + 1,
	}
	if err := e.takeNewRun(ctx, id); err != nil {
		return nil, err
	}
	if err := e.store.InsertRun(ctx, run); err != nil {
		e.leases.drop(id)
		return nil, fmt.Errorf("run %q: insert child run: %w", id, err)
	}
	child := newRunState(e, run, pb, 0)
	if err := e.launch(child, nil); err != nil {
		return nil, err
	}
	rs.log.Info("child run started", "child_run_id", id, "playbook_id", pb.ID,
		"playbook_version", pb.Version, "step_id", step.ID)
	return child, nil
}

// waitChild waits until the child run stops executing. When ctx ends
// first, it cancels the child and waits for it to record that.
func waitChild(ctx context.Context, child *runState) nodeResult {
	select {
	case <-child.done:
	case <-ctx.Done():
		child.cancel(errRunCanceled)
		<-child.done
		return failed(CodeCanceled, fmt.Sprintf("child run %q canceled: %v",
			child.run.ID, context.Cause(ctx)))
	}

	// The child's goroutine has ended, so its run is safe to read.
	run := child.run
	switch {
	case !run.Status.Ended():
		// Shutdown paused the child, and Resume continues it.
		return nodeResult{abandon: true}
	case run.Status != RunSucceeded:
		return failed(CodeChildRunFailed, fmt.Sprintf("child run %q ended %s: %s",
			run.ID, run.Status, run.Error))
	}
	res := nodeResult{port: designer.PortSuccess}
	if len(run.Output) > 0 {
		res.output = run.Output
	}
	return res
}
