package designer

func init() {
	registerNodeType(NodeCondition, &nodeType{
		canFail:      true,
		continuePort: PortFalse,
		ports:        fixedPorts(PortTrue, PortFalse),
		check:        checkCondition,
	})
}

func checkCondition(c *nodeCheck) {
	s, ok := decodeNodeSettings[ConditionSettings](c)
	if !ok {
		return
	}
	c.checkCondition("settings.expression", s.Expression)
}
