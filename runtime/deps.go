package runtime

import (
	"context"
	"encoding/json"

	"github.com/updraftsoar/updraft/designer"
)

// Store is the persistence the engine needs. The store package implements
// it. The engine is the only writer of a run it owns, so whole-document
// writes are safe without transactions.
type Store interface {
	GetPlaybookVersion(ctx context.Context, id string, version int) (*designer.Playbook, error)
	// GetPlaybook returns the latest version of the playbook id.
	GetPlaybook(ctx context.Context, id string) (*designer.Playbook, error)
	InsertRun(ctx context.Context, run *Run) error
	UpdateRun(ctx context.Context, run *Run) error
	// SaveStep inserts or replaces the step with step.ID.
	SaveStep(ctx context.Context, step *Step) error
	// AppendEvents stores events whose Seq values the caller assigned.
	AppendEvents(ctx context.Context, events []Event) error
	GetRun(ctx context.Context, id string) (*Run, error)
	ListSteps(ctx context.Context, runID string) ([]Step, error)
	ListEvents(ctx context.Context, runID string, afterSeq int64, limit int) ([]Event, error)
	// ListUnfinishedRuns returns runs in queued, running or waiting state.
	ListUnfinishedRuns(ctx context.Context) ([]Run, error)
}

// StepInserter is a Store that also inserts new steps in one write. The
// engine writes the steps of loop bodies through it when the Store has
// it, because one batched insert costs far less than a SaveStep per step.
// A step whose ID exists makes InsertSteps return an error wrapping
// ErrConflict, and the engine then saves that batch with SaveStep.
type StepInserter interface {
	InsertSteps(ctx context.Context, steps []Step) error
}

// ActionCall is one call of an action module.
type ActionCall struct {
	Action         string // "name@version"
	Input          json.RawMessage
	RunID          string
	StepID         string
	IdempotencyKey string
	Log            func(line string) // receives each log line of the module
	// Secrets are the grants of the call: declared secret name to stored
	// secret name. The Invoker reads only these and sends each value
	// under its declared name.
	Secrets map[string]string
}

// Invoker calls action modules. It checks Input against the action's input
// schema and the result against its output schema. runtime/wasm implements
// it.
type Invoker interface {
	Invoke(ctx context.Context, call ActionCall) (json.RawMessage, error)
}

// ActionError is the error an Invoker returns when a call fails for a
// reason the step should show: the module's own structured error, a
// timeout, a memory cap, output that is not JSON, a rejected host call.
// Code is a short snake_case word such as "timeout" or "invalid_output".
type ActionError struct {
	Code    string
	Message string
}

func (e *ActionError) Error() string { return e.Code + ": " + e.Message }
