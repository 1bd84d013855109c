package designer

func init() {
	registerNodeType(NodeTransform, &nodeType{
		canFail:      true,
		continuePort: PortSuccess,
		ports:        fixedPorts(PortSuccess),
		check:        checkTransform,
	})
}

func checkTransform(c *nodeCheck) {
	s, ok := decodeNodeSettings[TransformSettings](c)
	if !ok {
		return
	}
	if len(s.Values) == 0 {
		c.problem("settings.values", "no values; add at least one key whose value is computed")
		return
	}
	for _, key := range sortedKeys(s.Values) {
		c.checkValue(joinPath("settings.values", key), s.Values[key])
	}
}
