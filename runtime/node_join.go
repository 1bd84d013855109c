package runtime

import (
	"context"

	"github.com/updraftsoar/updraft/designer"
)

// runJoin outputs the outputs of the nodes whose edges into the join were
// taken, keyed by node id. In mode "any" the join runs when the first
// edge is taken and holds that node only. The scheduler decides when a
// join runs; see frontier.resolve.
func runJoin(_ context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.JoinSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	sources := call.sources
	if settings.Mode == designer.JoinAny && len(sources) > 1 {
		sources = sources[:1]
	}
	output := make(map[string]any, len(sources))
	for _, id := range sources {
		output[id] = call.env.Steps[id].Output
	}
	return nodeResult{port: designer.PortSuccess, output: output}
}
