package runtime

import (
	"context"
	"fmt"

	"github.com/updraftsoar/updraft/designer"
)

// runEndNode sets the run outcome and output. The step input records the
// outcome, so a resumed run finds it again.
func runEndNode(_ context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.EndSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	status, err := endStatus(settings.Outcome)
	if err != nil {
		return nodeResult{err: &StepError{Code: CodeInvalidSettings,
			Message: fmt.Sprintf("node %q: %v", call.node.ID, err)}}
	}

	res := nodeResult{
		input: map[string]any{"outcome": status},
		end:   &runEnd{status: status},
	}
	if status == RunFailed {
		res.end.err = fmt.Sprintf("end node %q set the outcome failed", call.node.ID)
	}
	if settings.Output != nil {
		output, err := evalValue(settings.Output, call.env)
		if err != nil {
			return nodeResult{input: res.input, err: evalError("output", err)}
		}
		res.output = output
	}
	return res
}

func endStatus(outcome string) (RunStatus, error) {
	switch outcome {
	case "", designer.OutcomeSucceeded:
		return RunSucceeded, nil
	case designer.OutcomeFailed:
		return RunFailed, nil
	}
	return "", fmt.Errorf("outcome %q: want %q or %q", outcome, RunSucceeded, RunFailed)
}
