package designer

import (
	"fmt"
	"slices"
	"strings"
)

// checkBodies checks loop bodies: each parent is a loop, no loop is inside
// its own body, triggers and end nodes stay at the top level, and no edge
// crosses the boundary of a body.
func (v *validator) checkBodies() {
	for i := range v.playbook.Nodes {
		n := &v.playbook.Nodes[i]
		if n.Parent != "" && v.nodes[n.ID] == n {
			v.checkParent(n)
		}
	}
	v.checkParentCycles()
	for i := range v.playbook.Edges {
		v.checkEdgeBoundary(&v.playbook.Edges[i], i)
	}
}

func (v *validator) checkParent(n *Node) {
	problem := func(msg string) {
		v.add(Problem{NodeID: n.ID, Field: "parent", Message: msg})
	}
	parent := v.nodes[n.Parent]
	switch {
	case n.Parent == n.ID:
		problem("a node cannot be its own parent; set parent to the id of a loop node")
	case parent == nil:
		problem(fmt.Sprintf("no node %q; set parent to the id of a loop node", n.Parent))
	case parent.Type != NodeLoop:
		problem(fmt.Sprintf("parent %q is of type %s; only a loop node has a body", n.Parent, parent.Type))
	case n.Type == NodeTrigger:
		problem("a trigger cannot be inside a loop body; remove parent so it starts the run")
	case n.Type == NodeEnd:
		problem("an end node cannot be inside a loop body; end the run after the loop")
	}
}

// checkParentCycles reports each chain of parents that leads back to where
// it started, once, on the node of the chain whose id sorts first.
func (v *validator) checkParentCycles() {
	for i := range v.playbook.Nodes {
		id := v.playbook.Nodes[i].ID
		if v.nodes[id] == nil {
			continue
		}
		chain := []string{id}
		for cur := v.nodes[id]; cur.Parent != "" && v.nodes[cur.Parent] != nil; cur = v.nodes[cur.Parent] {
			if cur.Parent == cur.ID {
				break // reported by checkParent
			}
			if start := slices.Index(chain, cur.Parent); start >= 0 {
				v.reportParentCycle(id, chain[start:])
				break
			}
			chain = append(chain, cur.Parent)
		}
	}
}

func (v *validator) reportParentCycle(id string, cycle []string) {
	if cycle[0] != id || slices.Min(cycle) != id {
		return
	}
	path := strings.Join(append(slices.Clone(cycle), id), " → ")
	v.add(Problem{NodeID: id, Field: "parent", Message: fmt.Sprintf(
		"loop %q is inside its own body: %s; set a parent outside the chain", id, path)})
}

// checkEdgeBoundary reports an edge whose ends are in different bodies.
func (v *validator) checkEdgeBoundary(e *Edge, index int) {
	from, to := v.nodes[e.From], v.nodes[e.To]
	if from == nil || to == nil || from.Parent == to.Parent {
		return
	}

	var msg string
	if to.Parent == from.ID {
		msg = fmt.Sprintf("loop %q starts its body itself, at the body nodes that no edge enters; "+
			"remove the edge", from.ID)
	} else {
		msg = fmt.Sprintf("edge from %q (%s) to %q (%s) crosses a loop body boundary; "+
			"connect nodes of the same body, and continue after a loop from its ports",
			from.ID, placeOf(from), to.ID, placeOf(to))
	}
	v.add(Problem{EdgeID: edgeLabel(e, index), Field: "to", Message: msg})
}

// placeOf describes where a node sits: at the top level or in a body.
func placeOf(n *Node) string {
	if n.Parent == "" {
		return "at the top level"
	}
	return fmt.Sprintf("in the body of loop %q", n.Parent)
}
