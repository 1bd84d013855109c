package runtime

import (
	"context"
	"fmt"

	"github.com/updraftsoar/updraft/designer"
)

// nodeCall is the request a node type's function gets for one attempt.
type nodeCall struct {
	rs   *runState
	node *designer.Node
	step *Step
	env  *designer.Env // expression scope, read only
	logs *logBuffer
	// sources are the nodes whose edges into the node were taken when the
	// step started, in the order they were taken.
	sources []string
}

// nodeResult is the outcome of one attempt of a node. A nil err means
// the step succeeded and leaves through port.
type nodeResult struct {
	port   string
	input  any // evaluated input, stored as the step input
	output any // stored as the step output after the size check
	err    *StepError
	end    *runEnd // set by an end node
	// abandon leaves the step unfinished in the store, as a shutdown
	// does, so that Resume settles it.
	abandon bool
}

// nodeFunc executes one attempt of a node.
type nodeFunc func(ctx context.Context, call *nodeCall) nodeResult

// nodeTypes maps each node type the engine runs to its function. A node of
// another type fails its step with code unsupported_node. Approval,
// delay, loop and subplaybook nodes are added in init by their files. Loop
// and subplaybook functions run steps, which reach this map again, so in
// the literal they would form an initialization cycle.
var nodeTypes = map[string]nodeFunc{
	designer.NodeTrigger:   runTrigger,
	designer.NodeAction:    runAction,
	designer.NodeCondition: runCondition,
	designer.NodeTransform: runTransform,
	designer.NodeEnd:       runEndNode,
	designer.NodeSwitch:    runSwitch,
	designer.NodeJoin:      runJoin,
}

func failed(code, msg string) nodeResult {
	return nodeResult{err: &StepError{Code: code, Message: msg}}
}

// decodeSettings decodes the node's settings into T.
func decodeSettings[T any](node *designer.Node) (T, *StepError) {
	v, err := designer.DecodeSettings[T](node)
	if err != nil {
		return v, &StepError{Code: CodeInvalidSettings, Message: err.Error()}
	}
	return v, nil
}

// evalError returns the step error of an expression in the settings
// field that failed.
func evalError(field string, err error) *StepError {
	return &StepError{Code: CodeExpression, Message: fmt.Sprintf("settings.%s: %v", field, err)}
}
