// Package runtime executes playbook runs: it schedules steps in graph
// order, evaluates expressions, calls actions and records every step and
// event.
package runtime

import (
	"encoding/json"
	"time"
)

// RunStatus is the state of a run.
type RunStatus string

// Run states. A run ends in one of the last four.
const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunWaiting   RunStatus = "waiting"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunCanceled  RunStatus = "canceled"
	RunTimedOut  RunStatus = "timed_out"
)

// StepStatus is the state of a step.
type StepStatus string

// Step states.
const (
	StepPending   StepStatus = "pending"
	StepRunning   StepStatus = "running"
	StepSucceeded StepStatus = "succeeded"
	StepFailed    StepStatus = "failed"
	StepSkipped   StepStatus = "skipped"
)

// Run is one execution of one playbook version. Payloads are kept as JSON
// bytes so that alert keys with dots or dollar signs survive storage.
type Run struct {
	ID              string          `json:"id"`
	PlaybookID      string          `json:"playbook_id"`
	PlaybookVersion int             `json:"playbook_version"`
	Status          RunStatus       `json:"status"`
	TriggerNode     string          `json:"trigger_node,omitempty"`
	Trigger         json.RawMessage `json:"trigger,omitempty"`
	TriggerRaw      []byte          `json:"-"` // request body as received, kept for audit
	Inputs          json.RawMessage `json:"inputs,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"`
	Error           string          `json:"error,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	StartedAt       *time.Time      `json:"started_at,omitempty"`
	EndedAt         *time.Time      `json:"ended_at,omitempty"`

	// ParentRunID and ParentStepID name the run and the subplaybook step
	// that started this run as a child. Both are empty for a run started
	// by a trigger, whose Depth is 0. A child's Depth is its parent's plus 1.
	ParentRunID  string `json:"parent_run_id,omitempty"`
	ParentStepID string `json:"parent_step_id,omitempty"`
	Depth        int    `json:"depth,omitempty"`
	// RerunOf is the id of the run that Engine.Rerun started this run
	// from, or empty.
	RerunOf string `json:"rerun_of,omitempty"`
}

// Ended reports whether s is a final state.
func (s RunStatus) Ended() bool {
	switch s {
	case RunSucceeded, RunFailed, RunCanceled, RunTimedOut:
		return true
	}
	return false
}

// Step is one execution of one node. Its ID is derived from the run and the
// node, so a second write of the same step is a duplicate.
type Step struct {
	ID        string          `json:"id"`
	RunID     string          `json:"run_id"`
	NodeID    string          `json:"node_id"`
	Status    StepStatus      `json:"status"`
	Attempt   int             `json:"attempt"`
	Port      string          `json:"port,omitempty"` // outcome port taken
	Input     json.RawMessage `json:"input,omitempty"`
	Output    json.RawMessage `json:"output,omitempty"`
	Error     *StepError      `json:"error,omitempty"`
	StartedAt *time.Time      `json:"started_at,omitempty"`
	EndedAt   *time.Time      `json:"ended_at,omitempty"`
	// ReusedFrom is the id of the step of the original run that a rerun
	// copied into this step instead of running the node again, or empty.
	ReusedFrom string `json:"reused_from,omitempty"`
}

// StepError is the structured error of a failed step.
type StepError struct {
	Code    string `json:"code"` // such as "expression", "action", "timeout", "output_invalid"
	Message string `json:"message"`
}

// Event types.
const (
	EventRunStarted   = "run.started"
	EventRunFinished  = "run.finished"
	EventStepStarted  = "step.started"
	EventStepFinished = "step.finished"
	EventStepLog      = "step.log"
)

// Event is one state change of a run. Seq counts from 1 and has no gaps
// within a run.
type Event struct {
	RunID  string          `json:"run_id"`
	Seq    int64           `json:"seq"`
	Time   time.Time       `json:"time"`
	Type   string          `json:"type"`
	NodeID string          `json:"node_id,omitempty"`
	StepID string          `json:"step_id,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}
