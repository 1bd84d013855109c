package designer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ValidationError lists every problem found in a playbook.
type ValidationError struct {
	Problems []Problem
}

// Problem is one thing wrong with a playbook, placed on a node or an edge
// and a field so that the editor can show it beside them.
type Problem struct {
	NodeID string `json:"node_id,omitempty"`
	// EdgeID is the edge's id, or "edges[3]" for an edge without one.
	EdgeID string `json:"edge_id,omitempty"`
	// Field is the JSON path of the field inside the node or edge, such as
	// "settings.inputs.text", or inside the playbook when both ids are empty.
	Field string `json:"field,omitempty"`
	// Column is the 1-based position, in runes, of the failing part of an
	// expression inside the field's string.
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid playbook: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// String renders p as `node "lookup": settings.inputs.ip: message`.
func (p Problem) String() string {
	var parts []string
	if p.NodeID != "" {
		parts = append(parts, fmt.Sprintf("node %q", p.NodeID))
	}
	if p.EdgeID != "" {
		parts = append(parts, fmt.Sprintf("edge %q", p.EdgeID))
	}
	if p.Field != "" {
		field := p.Field
		if p.Column > 0 {
			field += " column " + strconv.Itoa(p.Column)
		}
		parts = append(parts, field)
	}
	parts = append(parts, p.Message)
	return strings.Join(parts, ": ")
}

var nodeIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// Validate checks p against the node types and the actions in cat, and
// returns nil or a *ValidationError with every problem found. A nil cat
// skips the checks that need the catalog.
func Validate(p *Playbook, cat Catalog) error {
	v := &validator{playbook: p, catalog: cat}
	v.checkPlaybook()
	v.checkNodes()
	v.checkEdges()
	v.checkBodies()
	v.checkCycles()
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// validator collects problems while checking one playbook.
type validator struct {
	playbook *Playbook
	catalog  Catalog
	problems []Problem
	nodes    map[string]*Node // valid, unique ids only
}

func (v *validator) add(p Problem) { v.problems = append(v.problems, p) }

func (v *validator) checkPlaybook() {
	if strings.TrimSpace(v.playbook.Name) == "" {
		v.add(Problem{Field: "name", Message: "missing playbook name; give the playbook a name"})
	}
	hasTrigger := false
	for _, n := range v.playbook.Nodes {
		hasTrigger = hasTrigger || n.Type == NodeTrigger
	}
	if !hasTrigger {
		v.add(Problem{Field: "nodes", Message: "no trigger node; add a trigger so the playbook can start"})
	}
}

// checkNodes checks ids, common fields and type settings of every node.
func (v *validator) checkNodes() {
	v.nodes = make(map[string]*Node)
	seen := make(map[string]bool)
	for i := range v.playbook.Nodes {
		n := &v.playbook.Nodes[i]
		ok := v.checkNodeID(n, i, seen)
		if ok {
			v.nodes[n.ID] = n
		}
	}
	for i := range v.playbook.Nodes {
		v.checkNode(&v.playbook.Nodes[i], i)
	}
}

func (v *validator) checkNodeID(n *Node, index int, seen map[string]bool) bool {
	label := nodeLabel(n, index)
	switch {
	case n.ID == "":
		v.add(Problem{NodeID: label, Field: "id", Message: "missing node id; " + idRule})
		return false
	case !nodeIDPattern.MatchString(n.ID):
		v.add(Problem{NodeID: label, Field: "id", Message: fmt.Sprintf("invalid node id %q; %s", n.ID, idRule)})
		return false
	case seen[n.ID]:
		v.add(Problem{NodeID: label, Field: "id", Message: fmt.Sprintf("duplicate node id %q; give each node its own id", n.ID)})
		return false
	}
	seen[n.ID] = true
	return true
}

const idRule = "an id starts with a lowercase letter and has up to 64 " +
	"lowercase letters, digits, '_' or '-'"

// nodeLabel is the NodeID a problem carries: the id, or "nodes[3]" when the
// id is empty.
func nodeLabel(n *Node, index int) string {
	if n.ID == "" {
		return "nodes[" + strconv.Itoa(index) + "]"
	}
	return n.ID
}

func (v *validator) checkNode(n *Node, index int) {
	c := &nodeCheck{validator: v, node: n, label: nodeLabel(n, index), inLoop: n.Parent != ""}
	nt, ok := nodeTypes[n.Type]
	if !ok {
		c.problemf("type", "unknown node type %q; use one of %s", n.Type, strings.Join(NodeTypes(), ", "))
		return
	}
	checkCommon(c, nt)
	nt.check(c)
}
