package runtime

import (
	"context"
	"strconv"

	"github.com/updraftsoar/updraft/designer"
)

// runSwitch evaluates the cases in order and leaves through the port of
// the first true one, "case:<name>", or through "default". A case that
// fails to evaluate fails the step, and the cases after it are not
// evaluated.
func runSwitch(_ context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.SwitchSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	for i, cs := range settings.Cases {
		ok, err := evalCondition(cs.Expression, call.env)
		if err != nil {
			return nodeResult{err: evalError("cases["+strconv.Itoa(i)+"].expression", err)}
		}
		if ok {
			return nodeResult{port: designer.CasePort(cs.Name), output: map[string]any{"case": cs.Name}}
		}
	}
	return nodeResult{port: designer.PortDefault, output: map[string]any{"case": nil}}
}
