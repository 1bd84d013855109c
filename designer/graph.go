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

// Ancestors returns the ids of every node from which a path of edges leads
// to the node. The node itself is included only when it lies on a cycle.
func (p *Playbook) Ancestors(nodeID string) map[string]bool {
	incoming := make(map[string][]string)
	for _, e := range p.Edges {
		incoming[e.To] = append(incoming[e.To], e.From)
	}

	seen := make(map[string]bool)
	stack := []string{nodeID}
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
