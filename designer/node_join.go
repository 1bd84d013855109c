package designer

// Join modes.
const (
	JoinAll = "all" // wait until every incoming edge is resolved (default)
	JoinAny = "any" // run as soon as the first incoming edge is taken
)

// JoinSettings are the settings of a join node. Mode is JoinAll (the
// default when empty) or JoinAny.
type JoinSettings struct {
	Mode string `json:"mode,omitempty"`
}

func init() {
	registerNodeType(NodeJoin, &nodeType{
		ports: fixedPorts(PortSuccess),
		check: checkJoin,
	})
}

func checkJoin(c *nodeCheck) {
	s, ok := decodeNodeSettings[JoinSettings](c)
	if ok {
		switch s.Mode {
		case "", JoinAll, JoinAny:
		default:
			c.problemf("settings.mode", `unknown join mode %q; set "all" or "any"`, s.Mode)
		}
	}

	if n := len(c.playbook.Incoming(c.node.ID)); n < 2 {
		c.problemf("", "a join needs two or more incoming edges and has %d; "+
			"connect the branches it joins, or remove it", n)
	}
}
