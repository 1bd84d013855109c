package designer

import "strconv"

// SwitchSettings are the settings of a switch node. The cases are tried in
// order and the first whose expression is true wins: the step leaves
// through "case:<name>", or through "default" when no case is true.
type SwitchSettings struct {
	Cases []SwitchCase `json:"cases"`
}

// SwitchCase is one case of a switch node. Name is a slug, unique in the
// node. Expression is written like a condition's and must yield a boolean.
type SwitchCase struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

// CasePort returns the port of the switch case named name.
func CasePort(name string) string { return PortCasePrefix + name }

func init() {
	registerNodeType(NodeSwitch, &nodeType{
		canFail:      true,
		continuePort: PortDefault,
		ports:        switchPorts,
		check:        checkSwitch,
	})
}

// switchPorts returns a port for each case, in order, then "default".
// Settings that do not decode yield only "default".
func switchPorts(n *Node) []string {
	s, err := DecodeSettings[SwitchSettings](n)
	if err != nil {
		return []string{PortDefault}
	}
	ports := make([]string, 0, len(s.Cases)+1)
	for _, cs := range s.Cases {
		ports = append(ports, CasePort(cs.Name))
	}
	return append(ports, PortDefault)
}

func checkSwitch(c *nodeCheck) {
	s, ok := decodeNodeSettings[SwitchSettings](c)
	if !ok {
		return
	}
	if len(s.Cases) == 0 {
		c.problem("settings.cases", "no cases; add at least one case with a name and an expression")
		return
	}

	names := make([]string, len(s.Cases))
	for i, cs := range s.Cases {
		names[i] = cs.Name
	}
	c.checkSlugs("settings.cases", "name", "case", names)
	for i, cs := range s.Cases {
		c.checkCondition("settings.cases["+strconv.Itoa(i)+"].expression", cs.Expression)
	}
}
