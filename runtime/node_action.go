package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/updraftsoar/updraft/designer"
)

// runAction evaluates the action's inputs and calls its module through
// the Invoker. The idempotency key is "<step id>:<attempt>".
func runAction(ctx context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.ActionSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	inputs, err := evalValue(nonNilMap(settings.Inputs), call.env)
	if err != nil {
		return nodeResult{err: evalError("inputs", err)}
	}
	input, err := json.Marshal(inputs)
	if err != nil {
		return nodeResult{input: inputs, err: &StepError{Code: CodeExpression,
			Message: fmt.Sprintf("inputs: %v", err)}}
	}

	invoker := call.rs.e.cfg.Invoker
	if invoker == nil {
		return nodeResult{input: json.RawMessage(input), err: &StepError{Code: CodeAction,
			Message: "no action invoker is configured; set Config.Invoker"}}
	}
	out, err := invoker.Invoke(ctx, ActionCall{
		Action:         settings.Action,
		Input:          input,
		RunID:          call.step.RunID,
		StepID:         call.step.ID,
		IdempotencyKey: fmt.Sprintf("%s:%d", call.step.ID, call.step.Attempt),
		Log:            call.logs.add,
		Secrets:        settings.Secrets,
	})
	if err != nil {
		return nodeResult{input: json.RawMessage(input), err: actionError(settings.Action, err)}
	}
	res := nodeResult{port: designer.PortSuccess, input: json.RawMessage(input)}
	if len(out) > 0 {
		res.output = out
	}
	return res
}

func actionError(ref string, err error) *StepError {
	if ae, ok := errors.AsType[*ActionError](err); ok {
		return &StepError{Code: ae.Code, Message: ae.Message}
	}
	return &StepError{Code: CodeAction, Message: fmt.Sprintf("action %q: %v", ref, err)}
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
