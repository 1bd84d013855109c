package runtime

import (
	"encoding/json"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// env returns the names in scope for the expressions of a step: trigger,
// inputs, steps.<id>.output|status|error and run. The values inside are
// shared between steps and never modified.
func (rs *runState) env() *designer.Env {
	steps := make(map[string]designer.StepState, len(rs.envSteps))
	for id, v := range rs.envSteps {
		steps[id] = v
	}
	return &designer.Env{
		Trigger: rs.trigger,
		Inputs:  rs.inputs,
		Steps:   steps,
		Run: map[string]any{
			"id":               rs.run.ID,
			"playbook_id":      rs.run.PlaybookID,
			"playbook_version": rs.run.PlaybookVersion,
			"trigger_node":     rs.run.TriggerNode,
			"started_at":       rs.run.StartedAt.Format(time.RFC3339Nano),
		},
	}
}

// stepEnv returns the state of a finished step that expressions read. A skipped
// step's output and error are null.
func stepEnv(step *Step) designer.StepState {
	state := designer.StepState{Status: string(step.Status)}
	if len(step.Output) > 0 {
		// Outputs are stored only after they were marshaled, so they
		// decode.
		_ = json.Unmarshal(step.Output, &state.Output)
	}
	if step.Error != nil {
		state.Error = map[string]any{"code": step.Error.Code, "message": step.Error.Message}
	}
	return state
}

// evalValue compiles and evaluates a settings value. Compiled programs
// are cached by the designer package, so a repeated value compiles once.
func evalValue(v any, env *designer.Env) (any, error) {
	val, err := designer.CompileValue(v)
	if err != nil {
		return nil, err
	}
	return val.Eval(env)
}

// evalCondition compiles and evaluates a condition expression.
func evalCondition(src string, env *designer.Env) (bool, error) {
	cond, err := designer.CompileCondition(src)
	if err != nil {
		return false, err
	}
	return cond.Eval(env)
}
