package runtime

import (
	"context"

	"github.com/updraftsoar/updraft/designer"
)

// runCondition leaves through port "true" or "false".
func runCondition(_ context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.ConditionSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	ok, err := evalCondition(settings.Expression, call.env)
	if err != nil {
		return nodeResult{err: evalError("expression", err)}
	}
	port := designer.PortFalse
	if ok {
		port = designer.PortTrue
	}
	return nodeResult{port: port, output: ok}
}
