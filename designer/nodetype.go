package designer

import "slices"

// On-error policies of a node.
const (
	OnErrorFail     = "fail"     // the run fails (default)
	OnErrorContinue = "continue" // the step's failure is recorded and the success port is taken
	OnErrorRoute    = "route"    // the error port is taken
)

// nodeType is one registered node type: its ports and its settings check.
type nodeType struct {
	// canFail marks types whose step can fail, so that on_error, retry and
	// timeout apply and on_error "route" adds the error port.
	canFail bool
	// waits marks types whose step waits for time to pass or for people,
	// with its own time limit in the settings, so the node timeout is
	// rejected.
	waits bool
	// continuePort is the port a failed step leaves through when its
	// on_error is "continue"; empty rejects "continue".
	continuePort string
	ports        func(n *Node) []string
	check        func(c *nodeCheck)
}

// nodeTypes holds every node type by name. Each type registers itself from
// its own file.
var nodeTypes = map[string]*nodeType{}

func registerNodeType(name string, nt *nodeType) {
	if _, dup := nodeTypes[name]; dup {
		panic("designer: node type " + name + " registered twice")
	}
	nodeTypes[name] = nt
}

// NodeTypes returns the names of the registered node types, sorted.
func NodeTypes() []string {
	names := sortedKeys(nodeTypes)
	slices.Sort(names)
	return names
}

// fixedPorts returns a ports function that always returns names.
func fixedPorts(names ...string) func(*Node) []string {
	return func(*Node) []string { return slices.Clone(names) }
}
