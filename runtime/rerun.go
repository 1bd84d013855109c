package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// Rerun starts a new run of the same playbook version and trigger payload
// as the ended run runID, from its node fromNode. The steps of the nodes
// upstream of fromNode that ended without failing the original run are
// copied into the new run, with ReusedFrom naming the original step, and
// are not run again. Every other node runs as in a new run. The new run's
// RerunOf is runID. The returned Run is a copy of the stored document.
//
// Rerun returns an error wrapping ErrNotFound for an unknown run or a
// node that is not in the playbook version, ErrConflict for a run that
// has not ended, ErrInvalid for a node inside a loop body, and
// ErrShuttingDown once Shutdown has begun.
func (e *Engine) Rerun(ctx context.Context, runID, fromNode string) (*Run, error) {
	if e.isClosing() {
		return nil, ErrShuttingDown
	}
	orig, err := e.store.GetRun(ctx, runID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("run %q not found: %w", runID, ErrNotFound)
	}
	if err != nil {
		return nil, err // the store's error names the run
	}
	if rs := e.lookup(runID); !orig.Status.Ended() || (rs != nil && !rs.ended.Load()) {
		return nil, fmt.Errorf("run %q: still %s; rerun it once it ended: %w",
			runID, orig.Status, ErrConflict)
	}
	pb, err := e.store.GetPlaybookVersion(ctx, orig.PlaybookID, orig.PlaybookVersion)
	if err != nil {
		return nil, fmt.Errorf("run %q: playbook %q version %d: %w",
			runID, orig.PlaybookID, orig.PlaybookVersion, err)
	}
	if err := checkRerunNode(pb, runID, fromNode); err != nil {
		return nil, err
	}
	steps, err := e.store.ListSteps(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("run %q: list steps: %w", runID, err)
	}

	run, err := newRerun(orig)
	if err != nil {
		return nil, err
	}
	reused := reusableSteps(pb, orig.ID, run.ID, steps, fromNode)
	if err := e.storeRerun(ctx, run, reused); err != nil {
		return nil, err
	}
	copied := *run
	rs := newRunState(e, run, pb, 0)
	rs.reused = reused
	if err := e.launch(rs, reused); err != nil {
		return nil, err
	}
	e.log.Info("run rerun", "run_id", run.ID, "rerun_of", runID, "from_node", fromNode,
		"reused_steps", len(reused))
	return &copied, nil
}

// checkRerunNode checks that fromNode is a top-level node of pb.
func checkRerunNode(pb *designer.Playbook, runID, fromNode string) error {
	node := pb.Node(fromNode)
	if node == nil {
		return fmt.Errorf("run %q: no node %q in playbook %q version %d: %w",
			runID, fromNode, pb.ID, pb.Version, ErrNotFound)
	}
	if loops := pb.EnclosingLoops(fromNode); len(loops) > 0 {
		return fmt.Errorf("run %q: node %q is inside the body of loop %q; "+
			"rerun from loop %q instead: %w",
			runID, fromNode, loops[0], loops[len(loops)-1], ErrInvalid)
	}
	return nil
}

// newRerun returns a queued copy of orig that links to it.
func newRerun(orig *Run) (*Run, error) {
	now := time.Now()
	id, err := newRunID(now)
	if err != nil {
		return nil, fmt.Errorf("new run id: %w", err)
	}
	return &Run{
		ID:              id,
		PlaybookID:      orig.PlaybookID,
		PlaybookVersion: orig.PlaybookVersion,
		Status:          RunQueued,
		TriggerNode:     orig.TriggerNode,
		Trigger:         orig.Trigger,
		TriggerRaw:      orig.TriggerRaw,
		Inputs:          orig.Inputs,
		CreatedAt:       now.UTC(),
		ParentRunID:     orig.ParentRunID,
		ParentStepID:    orig.ParentStepID,
		Depth:           orig.Depth,
		RerunOf:         orig.ID,
	}, nil
}

// reusableSteps returns copies, for run newID, of the top-level steps of
// run origID whose nodes are upstream of fromNode and that ended without
// failing the run.
func reusableSteps(pb *designer.Playbook, origID, newID string, steps []Step,
	fromNode string) []Step {
	upstream := pb.Ancestors(fromNode)
	var reused []Step
	for _, step := range steps {
		switch {
		case !upstream[step.NodeID], step.NodeID == fromNode,
			step.ID != stepID(origID, step.NodeID),
			step.Status != StepSucceeded && step.Status != StepSkipped && step.Status != StepFailed,
			failsRun(&step):
			continue
		}
		step.ReusedFrom = step.ID
		step.ID = stepID(newID, step.NodeID)
		step.RunID = newID
		reused = append(reused, step)
	}
	return reused
}

// storeRerun inserts the new run and its reused steps.
//
// NOTE: each reused step is one write, because Store has no batch write
// of steps.
func (e *Engine) storeRerun(ctx context.Context, run *Run, reused []Step) error {
	if err := e.takeNewRun(ctx, run.ID); err != nil {
		return err
	}
	if err := e.store.InsertRun(ctx, run); err != nil {
		e.leases.drop(run.ID)
		return fmt.Errorf("run %q: insert: %w", run.ID, err)
	}
	for i := range reused {
		if err := e.store.SaveStep(ctx, &reused[i]); err != nil {
			return fmt.Errorf("run %q: save reused step %q: %w", run.ID, reused[i].ID, err)
		}
	}
	return nil
}

// reusedEvents returns a step.finished event for each reused step, with
// reused_from naming the original step.
func reusedEvents(steps []Step) []Event {
	events := make([]Event, 0, len(steps))
	for _, step := range steps {
		data := map[string]any{"status": step.Status, "attempt": step.Attempt,
			"reused_from": step.ReusedFrom}
		if step.Port != "" {
			data["port"] = step.Port
		}
		events = append(events, newEvent(EventStepFinished, step.NodeID, step.ID, data))
	}
	return events
}
