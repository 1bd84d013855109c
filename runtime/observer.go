package runtime

import (
	"encoding/json"

	"github.com/updraftsoar/updraft/designer"
)

// Observer receives the starts and ends of the runs and steps that an
// engine executes, such as for metrics. The engine calls it from the
// goroutines that execute runs, so an implementation must be safe for
// concurrent use and return quickly. triggerKind is the kind of the run's
// trigger node, such as "manual" or "webhook", or empty when the engine
// ended a run without loading its playbook.
type Observer interface {
	RunStarted(run *Run, triggerKind string)
	RunEnded(run *Run, triggerKind string)
	// StepEnded receives each attempt of a step that ran, with its
	// StartedAt and EndedAt set. Skipped steps do not count.
	StepEnded(step *Step, nodeType string)
}

// ActiveRuns returns the number of runs that the engine executes now,
// waiting runs included.
func (e *Engine) ActiveRuns() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.active)
}

func (rs *runState) observeStarted() {
	if o := rs.e.cfg.Observer; o != nil {
		o.RunStarted(rs.run, rs.triggerKind())
	}
}

func (rs *runState) observeEnded() {
	if o := rs.e.cfg.Observer; o != nil {
		o.RunEnded(rs.run, rs.triggerKind())
	}
}

func (rs *runState) observeStep(step *Step) {
	o := rs.e.cfg.Observer
	if o == nil || step.StartedAt == nil || step.EndedAt == nil {
		return
	}
	nodeType := ""
	if n, ok := rs.g.nodes[step.NodeID]; ok {
		nodeType = n.Type
	}
	o.StepEnded(step, nodeType)
}

// observeStoredEnd reports the end of a run that the engine ended without
// executing it, such as a canceled run that no engine owned.
func (e *Engine) observeStoredEnd(run *Run) {
	if o := e.cfg.Observer; o != nil {
		o.RunEnded(run, "")
	}
}

// triggerKind returns the kind of the run's trigger node, or empty when
// its settings name none.
func (rs *runState) triggerKind() string {
	n, ok := rs.g.nodes[rs.run.TriggerNode]
	if !ok {
		return ""
	}
	var settings designer.TriggerSettings
	if err := json.Unmarshal(n.Settings, &settings); err != nil {
		return ""
	}
	return settings.Kind
}
