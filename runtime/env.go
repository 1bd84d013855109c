package runtime

import (
	"encoding/json"
	"time"
)

// env returns the names in scope for the expressions of a step: trigger,
// inputs, steps.<id>.output|status|error and run. The inner values are
// shared between steps and never modified.
func (rs *runState) env() map[string]any {
	steps := make(map[string]any, len(rs.envSteps))
	for id, v := range rs.envSteps {
		steps[id] = v
	}
	return map[string]any{
		"trigger": rs.trigger,
		"inputs":  rs.inputs,
		"steps":   steps,
		"run": map[string]any{
			"id":               rs.run.ID,
			"playbook_id":      rs.run.PlaybookID,
			"playbook_version": rs.run.PlaybookVersion,
			"trigger_node":     rs.run.TriggerNode,
			"started_at":       rs.run.StartedAt.Format(time.RFC3339Nano),
		},
	}
}

// stepEnv returns the steps.<id> value of a finished step. A skipped
// step's output and error are null.
func stepEnv(step *Step) map[string]any {
	var output any
	if len(step.Output) > 0 {
		// Outputs are stored only after they were marshaled, so they
		// decode.
		_ = json.Unmarshal(step.Output, &output)
	}
	var stepErr any
	if step.Error != nil {
		stepErr = map[string]any{"code": step.Error.Code, "message": step.Error.Message}
	}
	return map[string]any{
		"output": output,
		"status": string(step.Status),
		"error":  stepErr,
	}
}
