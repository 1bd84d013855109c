package designer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// edgeLabel is the EdgeID a problem carries: the id, or "edges[3]".
func edgeLabel(e *Edge, index int) string {
	if e.ID != "" {
		return e.ID
	}
	return "edges[" + strconv.Itoa(index) + "]"
}

// checkEdges reports dangling edges, unknown ports, edges into triggers and
// repeated edges.
func (v *validator) checkEdges() {
	seen := make(map[Edge]bool)
	for i := range v.playbook.Edges {
		e := &v.playbook.Edges[i]
		label := edgeLabel(e, i)
		v.checkEdgeEnds(e, label)

		key := Edge{From: e.From, Port: e.Port, To: e.To}
		if seen[key] {
			v.add(Problem{EdgeID: label, Message: fmt.Sprintf(
				"repeats the edge from %q port %q to %q; remove one", e.From, e.Port, e.To)})
		}
		seen[key] = true
	}
}

func (v *validator) checkEdgeEnds(e *Edge, label string) {
	from, to := v.nodes[e.From], v.nodes[e.To]
	if from == nil {
		v.add(Problem{EdgeID: label, Field: "from", Message: fmt.Sprintf("no node %q; connect the edge to a node", e.From)})
	}
	if to == nil {
		v.add(Problem{EdgeID: label, Field: "to", Message: fmt.Sprintf("no node %q; connect the edge to a node", e.To)})
	}
	if to != nil && to.Type == NodeTrigger {
		v.add(Problem{EdgeID: label, Field: "to", Message: fmt.Sprintf(
			"edge into trigger %q; a trigger starts a run and takes no incoming edges", e.To)})
	}
	if from != nil {
		v.checkEdgePort(e, from, label)
	}
}

func (v *validator) checkEdgePort(e *Edge, from *Node, label string) {
	ports := Ports(from)
	if _, known := nodeTypes[from.Type]; !known || slices.Contains(ports, e.Port) {
		return
	}

	var msg string
	switch {
	case len(ports) == 0:
		msg = fmt.Sprintf("node %q of type %s has no ports; remove the edge", from.ID, from.Type)
	case e.Port == PortError && nodeTypes[from.Type].canFail:
		msg = fmt.Sprintf(`node %q has no port "error" unless its on_error is "route"; `+
			`set on_error to "route" or remove the edge`, from.ID)
	case e.Port == "":
		msg = "missing port; its ports are " + strings.Join(ports, ", ")
	default:
		msg = fmt.Sprintf("node %q of type %s has no port %q; its ports are %s",
			from.ID, from.Type, e.Port, strings.Join(ports, ", "))
	}
	v.add(Problem{EdgeID: label, Field: "port", Message: msg})
}

// checkCycles reports each cycle once, naming its nodes in order, on the
// edge that closes it.
func (v *validator) checkCycles() {
	// Edges into triggers are reported by checkEdgeEnds and left out here.
	next := make(map[string][]int) // node id to indexes of its outgoing edges
	for i, e := range v.playbook.Edges {
		to := v.nodes[e.To]
		if v.nodes[e.From] != nil && to != nil && to.Type != NodeTrigger {
			next[e.From] = append(next[e.From], i)
		}
	}

	const (
		unvisited = iota
		onStack
		done
	)
	state := make(map[string]int)
	var stack []string

	var visit func(id string)
	visit = func(id string) {
		state[id] = onStack
		stack = append(stack, id)
		for _, ei := range next[id] {
			e := &v.playbook.Edges[ei]
			switch state[e.To] {
			case unvisited:
				visit(e.To)
			case onStack:
				v.reportCycle(stack, e, ei)
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
	}

	for i := range v.playbook.Nodes {
		id := v.playbook.Nodes[i].ID
		if v.nodes[id] != nil && state[id] == unvisited {
			visit(id)
		}
	}
}

func (v *validator) reportCycle(stack []string, closing *Edge, index int) {
	start := slices.Index(stack, closing.To)
	cycle := append(slices.Clone(stack[start:]), closing.To)
	v.add(Problem{
		EdgeID: edgeLabel(closing, index),
		Message: fmt.Sprintf("cycle %s; remove an edge of the cycle, because playbooks run without loops back",
			strings.Join(cycle, " → ")),
	})
}
