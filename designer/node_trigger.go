package designer

func init() {
	registerNodeType(NodeTrigger, &nodeType{
		ports: fixedPorts(PortSuccess),
		check: checkTrigger,
	})
}

func checkTrigger(c *nodeCheck) {
	s, ok := decodeNodeSettings[TriggerSettings](c)
	if !ok {
		return
	}
	switch s.Kind {
	case TriggerManual, TriggerWebhook:
	case "":
		c.problem("settings.kind", `missing trigger kind; set "manual" or "webhook"`)
	default:
		c.problemf("settings.kind", `unknown trigger kind %q; set "manual" or "webhook"`, s.Kind)
	}
}
