package designer

// Node returns the node with the given id, or nil.
func (p *Playbook) Node(id string) *Node {
	for i := range p.Nodes {
		if p.Nodes[i].ID == id {
			return &p.Nodes[i]
		}
	}
	return nil
}

// Outgoing returns the edges that leave the node, in playbook order.
func (p *Playbook) Outgoing(nodeID string) []Edge {
	var out []Edge
	for _, e := range p.Edges {
		if e.From == nodeID {
			out = append(out, e)
		}
	}
	return out
}

// Incoming returns the edges that enter the node, in playbook order.
func (p *Playbook) Incoming(nodeID string) []Edge {
	var in []Edge
	for _, e := range p.Edges {
		if e.To == nodeID {
			in = append(in, e)
		}
	}
	return in
}

// Ancestors returns the ids of the nodes whose steps finish before the
// node's step starts, which are the steps its expressions may read. They
// are the nodes from which a path of edges leads to the node and, for a
// node in a loop body, the ancestors of each enclosing loop. The enclosing
// loops and the bodies of other loops are not included. The node itself
// is included only when it lies on a cycle.
func (p *Playbook) Ancestors(nodeID string) map[string]bool {
	incoming := make(map[string][]string)
	for _, e := range p.Edges {
		incoming[e.To] = append(incoming[e.To], e.From)
	}

	seen := make(map[string]bool)
	stack := append([]string{nodeID}, p.EnclosingLoops(nodeID)...)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, from := range incoming[id] {
			if !seen[from] {
				seen[from] = true
				stack = append(stack, from)
			}
		}
	}
	return seen
}

// EnclosingLoops returns the ids of the loops whose bodies contain the
// node, innermost first, following Parent. It stops before a parent that
// is missing or already listed, so a playbook with a parent cycle (which
// Validate rejects) still yields a finite list.
func (p *Playbook) EnclosingLoops(nodeID string) []string {
	var loops []string
	seen := map[string]bool{nodeID: true}
	for n := p.Node(nodeID); n != nil && n.Parent != ""; n = p.Node(n.Parent) {
		if seen[n.Parent] || p.Node(n.Parent) == nil {
			break
		}
		seen[n.Parent] = true
		loops = append(loops, n.Parent)
	}
	return loops
}

// TopLevel returns the nodes outside every loop body, in playbook order.
func (p *Playbook) TopLevel() []Node {
	return p.Children("")
}

// Children returns the nodes of the body of loop loopID, that is the nodes
// whose Parent is loopID, in playbook order. Nodes of loops nested in the
// body are not included. Children("") returns the top-level nodes.
func (p *Playbook) Children(loopID string) []Node {
	var nodes []Node
	for _, n := range p.Nodes {
		if n.Parent == loopID {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// BodyEntries returns the nodes of the body of loop loopID that no edge
// enters, in playbook order. Each iteration of the loop starts them.
func (p *Playbook) BodyEntries(loopID string) []Node {
	entered := make(map[string]bool)
	for _, e := range p.Edges {
		entered[e.To] = true
	}
	var entries []Node
	for _, n := range p.Children(loopID) {
		if !entered[n.ID] {
			entries = append(entries, n)
		}
	}
	return entries
}
