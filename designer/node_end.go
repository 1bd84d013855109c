package designer

// Run outcomes an end node sets.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
)

func init() {
	registerNodeType(NodeEnd, &nodeType{
		ports: fixedPorts(),
		check: checkEnd,
	})
}

func checkEnd(c *nodeCheck) {
	s, ok := decodeNodeSettings[EndSettings](c)
	if !ok {
		return
	}
	switch s.Outcome {
	case "", OutcomeSucceeded, OutcomeFailed:
	default:
		c.problemf("settings.outcome", `unknown outcome %q; set "succeeded" or "failed"`, s.Outcome)
	}
	for _, key := range sortedKeys(s.Output) {
		c.checkValue(joinPath("settings.output", key), s.Output[key])
	}
}
