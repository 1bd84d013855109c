package runtime

import (
	"context"

	"github.com/updraftsoar/updraft/designer"
)

// runTrigger outputs the webhook body of a webhook run, or the inputs of a
// manual run.
func runTrigger(_ context.Context, call *nodeCall) nodeResult {
	run := call.rs.run
	out := run.Trigger
	if len(out) == 0 {
		out = run.Inputs
	}
	res := nodeResult{port: designer.PortSuccess}
	if len(out) > 0 {
		res.output = out
	}
	return res
}
