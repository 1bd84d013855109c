package runtime

import (
	"slices"

	"github.com/updraftsoar/updraft/designer"
)

// graph indexes a playbook's nodes and edges by node id. It is built once
// per run and only read afterwards.
type graph struct {
	nodes    map[string]*designer.Node
	order    []string // node ids in playbook order
	incoming map[string][]designer.Edge
	outgoing map[string][]designer.Edge
	// levels holds the node ids of each loop body by loop id, and of the
	// top level under "", in playbook order.
	levels map[string][]string
	// anyJoins holds the join nodes whose mode is "any".
	anyJoins map[string]bool
}

func newGraph(pb *designer.Playbook) *graph {
	g := &graph{
		nodes:    make(map[string]*designer.Node, len(pb.Nodes)),
		order:    make([]string, 0, len(pb.Nodes)),
		incoming: make(map[string][]designer.Edge),
		outgoing: make(map[string][]designer.Edge),
		levels:   make(map[string][]string),
		anyJoins: make(map[string]bool),
	}
	for i := range pb.Nodes {
		n := &pb.Nodes[i]
		g.nodes[n.ID] = n
		g.order = append(g.order, n.ID)
		g.levels[n.Parent] = append(g.levels[n.Parent], n.ID)
		if n.Type == designer.NodeJoin {
			s, err := designer.DecodeSettings[designer.JoinSettings](n)
			g.anyJoins[n.ID] = err == nil && s.Mode == designer.JoinAny
		}
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

// bodyEntries returns the nodes of the body of loop loopID that no edge
// enters, in playbook order.
func (g *graph) bodyEntries(loopID string) []string {
	var entries []string
	for _, id := range g.levels[loopID] {
		if len(g.incoming[id]) == 0 {
			entries = append(entries, id)
		}
	}
	return entries
}

// frontier is the scheduling state of one graph level: the top level of
// a run, or one iteration of a loop body. Edges never cross a level, so
// each level resolves its edges alone. One goroutine owns a frontier.
type frontier struct {
	g          *graph
	nodes      []string            // the level's node ids in playbook order
	entries    map[string]bool     // nodes that run without a taken incoming edge
	unresolved map[string]int      // incoming edges whose source has not finished
	sources    map[string][]string // sources of the taken incoming edges, by target
	started    map[string]bool     // nodes whose step was started or skipped
	finished   map[string]bool     // nodes whose step ended or was skipped
	queued     map[string]bool     // nodes put in ready
	ready      []string
}

func newFrontier(g *graph, nodes []string, entries ...string) *frontier {
	f := &frontier{
		g:          g,
		nodes:      nodes,
		entries:    make(map[string]bool, len(entries)),
		unresolved: make(map[string]int, len(nodes)),
		sources:    make(map[string][]string),
		started:    make(map[string]bool, len(nodes)),
		finished:   make(map[string]bool, len(nodes)),
		queued:     make(map[string]bool, len(nodes)),
	}
	for _, id := range entries {
		f.entries[id] = true
	}
	for _, id := range nodes {
		f.unresolved[id] = len(g.incoming[id])
	}
	return f
}

// taken reports whether the node runs when it becomes ready: it is an
// entry of its level, or one of its incoming edges was taken.
func (f *frontier) taken(id string) bool {
	return f.entries[id] || len(f.sources[id]) > 0
}

// seed queues every node that has no unresolved incoming edge and no step
// yet, in playbook order.
func (f *frontier) seed() {
	for _, id := range f.nodes {
		if !f.started[id] && f.unresolved[id] == 0 {
			f.enqueue(id)
		}
	}
}

func (f *frontier) enqueue(id string) {
	if f.queued[id] || f.started[id] {
		return
	}
	f.queued[id] = true
	f.ready = append(f.ready, id)
}

// peek returns the next ready node without removing it.
func (f *frontier) peek() (string, bool) {
	if len(f.ready) == 0 {
		return "", false
	}
	return f.ready[0], true
}

// pop removes the next ready node and marks it started.
func (f *frontier) pop() string {
	id := f.ready[0]
	f.ready = f.ready[1:]
	f.started[id] = true
	return id
}

// resolve marks the step's node finished and resolves its outgoing edges:
// an edge is taken when the step ran and left through its port. A node
// becomes ready when every incoming edge is resolved, and a join in mode
// "any" as soon as one of them is taken.
func (f *frontier) resolve(step *Step) {
	nodeID := step.NodeID
	f.finished[nodeID] = true
	f.started[nodeID] = true

	ran := step.Status != StepSkipped
	for _, edge := range f.g.outgoing[nodeID] {
		f.unresolved[edge.To]--
		if ran && step.Port != "" && edge.Port == step.Port {
			f.sources[edge.To] = append(f.sources[edge.To], nodeID)
			if f.g.anyJoins[edge.To] {
				f.enqueue(edge.To)
			}
		}
		if f.unresolved[edge.To] == 0 {
			f.enqueue(edge.To)
		}
	}
}

// pending returns the level's nodes without a finished step, in playbook
// order.
func (f *frontier) pending() []string {
	var pending []string
	for _, id := range f.nodes {
		if !f.finished[id] {
			pending = append(pending, id)
		}
	}
	return slices.Clip(pending)
}
