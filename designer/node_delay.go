package designer

import "time"

// DelaySettings are the settings of a delay node; exactly one field is
// set. Duration is a Go duration such as "5m", or an expression that
// yields one. Until is an RFC 3339 time, or an expression that yields an
// RFC 3339 string or a time. A time in the past does not wait.
type DelaySettings struct {
	Duration string `json:"duration,omitempty"`
	Until    string `json:"until,omitempty"`
}

func init() {
	registerNodeType(NodeDelay, &nodeType{
		canFail:      true,
		continuePort: PortSuccess,
		waits:        true,
		ports:        fixedPorts(PortSuccess),
		check:        checkDelay,
	})
}

func checkDelay(c *nodeCheck) {
	s, ok := decodeNodeSettings[DelaySettings](c)
	if !ok {
		return
	}
	switch {
	case s.Duration == "" && s.Until == "":
		c.problem("settings", `no delay; set "duration", such as "5m", or "until", an RFC 3339 time`)
	case s.Duration != "" && s.Until != "":
		c.problem("settings.until", `both duration and until are set; keep one`)
	case hasExpression(s.Duration):
		c.checkValue("settings.duration", s.Duration)
	case s.Duration != "":
		checkDuration(c, "settings.duration", s.Duration)
	case hasExpression(s.Until):
		c.checkValue("settings.until", s.Until)
	default:
		if _, err := time.Parse(time.RFC3339, s.Until); err != nil {
			c.problemf("settings.until", `invalid time %q; write RFC 3339, such as `+
				`"2026-12-03T18:00:00Z", or an expression`, s.Until)
		}
	}
}
