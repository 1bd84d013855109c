package designer

import (
	"encoding/json"
	"strings"
)

// SubplaybookSettings are the settings of a subplaybook node, which runs
// another playbook as a child run and waits for it. Playbook is the id of
// that playbook. Version pins a version; 0 means the latest version when
// the parent run starts. Inputs become the child run's inputs and are
// evaluated like an action's; the child's output is the step's output.
type SubplaybookSettings struct {
	Playbook string         `json:"playbook"`
	Version  int            `json:"version,omitempty"`
	Inputs   map[string]any `json:"inputs,omitempty"`
}

func init() {
	registerNodeType(NodeSubplaybook, &nodeType{
		canFail:      true,
		continuePort: PortSuccess,
		ports:        fixedPorts(PortSuccess, PortError),
		check:        checkSubplaybook,
	})
}

func checkSubplaybook(c *nodeCheck) {
	s, ok := decodeNodeSettings[SubplaybookSettings](c)
	if !ok {
		return
	}
	for _, name := range sortedKeys(s.Inputs) {
		c.checkValue(joinPath("settings.inputs", name), s.Inputs[name])
	}
	if s.Version < 0 {
		c.problemf("settings.version", "version %d is negative; use 0 for the latest version "+
			"or a version number", s.Version)
	}

	schema, ok := c.lookupPlaybook(&s)
	if !ok {
		return
	}
	checkInputNames(c, schema, s.Inputs, "playbook")
	checkInputTypes(c, schema, s.Inputs)
}

// lookupPlaybook checks the playbook reference and returns the inputs
// schema of the playbook it names.
func (c *nodeCheck) lookupPlaybook(s *SubplaybookSettings) (*inputSchema, bool) {
	switch {
	case strings.TrimSpace(s.Playbook) == "":
		c.problem("settings.playbook", "missing playbook; set the id of the playbook to run")
		return nil, false
	case s.Playbook == c.playbook.ID:
		c.problemf("settings.playbook", "playbook %q runs itself; pick another playbook", s.Playbook)
		return nil, false
	case s.Version < 0:
		return nil, false
	}
	cat, ok := c.catalog.(PlaybookCatalog)
	if !ok {
		return nil, false
	}

	inputs, ok := cat.LookupPlaybook(s.Playbook, s.Version)
	switch {
	case !ok && s.Version == 0:
		c.problemf("settings.playbook", "no playbook %q; pick a saved playbook", s.Playbook)
		return nil, false
	case !ok:
		c.problemf("settings.version", "playbook %q has no version %d; use 0 for the latest version",
			s.Playbook, s.Version)
		return nil, false
	}

	var schema inputSchema
	if len(inputs) > 0 {
		if err := json.Unmarshal(inputs, &schema); err != nil {
			c.problemf("settings.playbook", "playbook %q has an invalid inputs schema: %v", s.Playbook, err)
			return nil, false
		}
	}
	return &schema, true
}
