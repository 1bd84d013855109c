package runtime

import "github.com/updraftsoar/updraft/designer"

// graph indexes a playbook's nodes and edges by node id. It is built once
// per run and only read afterwards.
type graph struct {
	nodes    map[string]*designer.Node
	order    []string // node ids in playbook order
	incoming map[string][]designer.Edge
	outgoing map[string][]designer.Edge
}

func newGraph(pb *designer.Playbook) *graph {
	g := &graph{
		nodes:    make(map[string]*designer.Node, len(pb.Nodes)),
		order:    make([]string, 0, len(pb.Nodes)),
		incoming: make(map[string][]designer.Edge),
		outgoing: make(map[string][]designer.Edge),
	}
	for i := range pb.Nodes {
		n := &pb.Nodes[i]
		g.nodes[n.ID] = n
		g.order = append(g.order, n.ID)
	}
	for _, e := range pb.Edges {
		g.outgoing[e.From] = append(g.outgoing[e.From], e)
		g.incoming[e.To] = append(g.incoming[e.To], e)
	}
	return g
}

// hasEdgeFrom reports whether an edge leaves port of node nodeID.
func (g *graph) hasEdgeFrom(nodeID, port string) bool {
	for _, e := range g.outgoing[nodeID] {
		if e.Port == port {
			return true
		}
	}
	return false
}
