package runtime

import (
	"context"

	"github.com/updraftsoar/updraft/designer"
)

// runTransform outputs its evaluated values.
func runTransform(_ context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.TransformSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	values, err := evalValue(nonNilMap(settings.Values), call.env)
	if err != nil {
		return nodeResult{err: evalError("values", err)}
	}
	return nodeResult{port: designer.PortSuccess, output: values}
}
