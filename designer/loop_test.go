package designer

import (
	"reflect"
	"slices"
	"testing"
)

func inBody(n Node, loop string) Node {
	n.Parent = loop
	return n
}

// loopPlaybook returns a valid playbook that extracts IPs, loops over them
// ("each", concurrency 4) and, inside each iteration, classifies the IP,
// branches on a switch and loops over ports in a nested loop ("ports").
func loopPlaybook() *Playbook {
	return &Playbook{
		ID:   "enrich",
		Name: "Enrich IPs",
		Nodes: []Node{
			node("start", NodeTrigger, `{"kind": "webhook"}`),
			node("extract", NodeAction, `{"action": "ioc.extract@1.0.0", "inputs": {"text": "${{ trigger.body }}"}}`),
			node("each", NodeLoop, `{"items": "${{ steps.extract.output.ips }}", "concurrency": 4,
				"result": {"ip": "${{ item }}", "private": "${{ steps.classify.output.private }}"}}`),
			inBody(node("classify", NodeTransform, `{"values": {
				"private": "${{ isPrivateIP(item) }}", "n": "${{ index }}",
				"all": "${{ steps.extract.output.ips }}"}}`), "each"),
			inBody(node("route", NodeSwitch, `{"cases": [
				{"name": "internal", "expression": "steps.classify.output.private"}]}`), "each"),
			inBody(node("note", NodeTransform, `{"values": {"ip": "${{ item }}"}}`), "each"),
			inBody(node("ports", NodeLoop, `{"items": "${{ [22, 443] }}"}`), "each"),
			inBody(node("probe", NodeTransform, `{"values": {"port": "${{ item }}",
				"ip": "${{ steps.classify.output.all[0] }}", "raw": "${{ steps.extract.output }}"}}`), "ports"),
			node("done", NodeEnd, `{"output": {"results": "${{ steps.each.output.results }}"}}`),
		},
		Edges: []Edge{
			edge("start", PortSuccess, "extract"),
			edge("extract", PortSuccess, "each"),
			edge("each", PortSuccess, "done"),
			edge("classify", PortSuccess, "route"),
			edge("route", "case:internal", "note"),
			edge("classify", PortSuccess, "ports"),
		},
	}
}

func TestValidate_LoopPlaybook(t *testing.T) {
	if err := Validate(loopPlaybook(), catalog); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidate_LoopBodyRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Playbook)
		want   []Problem
	}{
		{
			name:   "edge from outside into body",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("extract", PortSuccess, "note")) },
			want: []Problem{{EdgeID: "edges[6]", Field: "to",
				Message: `edge from "extract" (at the top level) to "note" (in the body of loop "each") ` +
					"crosses a loop body boundary; connect nodes of the same body, " +
					"and continue after a loop from its ports"}},
		},
		{
			name:   "edge from body to outside",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("note", PortSuccess, "done")) },
			want: []Problem{{EdgeID: "edges[6]", Field: "to",
				Message: `edge from "note" (in the body of loop "each") to "done" (at the top level) ` +
					"crosses a loop body boundary; connect nodes of the same body, " +
					"and continue after a loop from its ports"}},
		},
		{
			name:   "edge between nested bodies",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("probe", PortSuccess, "note")) },
			want: []Problem{{EdgeID: "edges[6]", Field: "to",
				Message: `edge from "probe" (in the body of loop "ports") to "note" (in the body of loop "each") ` +
					"crosses a loop body boundary; connect nodes of the same body, " +
					"and continue after a loop from its ports"}},
		},
		{
			name:   "edge from loop into its body",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("each", PortSuccess, "classify")) },
			want: []Problem{{EdgeID: "edges[6]", Field: "to",
				Message: `loop "each" starts its body itself, at the body nodes that no edge enters; remove the edge`}},
		},
		{
			name:   "parent missing",
			change: func(p *Playbook) { p.Node("note").Parent = "ghost" },
			want: []Problem{
				{NodeID: "note", Field: "parent", Message: `no node "ghost"; set parent to the id of a loop node`},
				{EdgeID: "edges[4]", Field: "to", Message: `edge from "route" (in the body of loop "each") ` +
					`to "note" (in the body of loop "ghost") crosses a loop body boundary; ` +
					"connect nodes of the same body, and continue after a loop from its ports"},
			},
		},
		{
			name: "parent not a loop",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes, inBody(node("x", NodeTransform, `{"values": {"a": 1}}`), "extract"))
			},
			want: []Problem{{NodeID: "x", Field: "parent",
				Message: `parent "extract" is of type action; only a loop node has a body`}},
		},
		{
			name: "own parent",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes, inBody(node("x", NodeLoop, `{"items": []}`), "x"))
			},
			want: []Problem{
				{NodeID: "x", Field: "parent", Message: "a node cannot be its own parent; set parent to the id of a loop node"},
			},
		},
		{
			name: "parent cycle",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes,
					inBody(node("b", NodeLoop, `{"items": []}`), "a"),
					inBody(node("a", NodeLoop, `{"items": []}`), "b"))
			},
			want: []Problem{{NodeID: "a", Field: "parent",
				Message: `loop "a" is inside its own body: a → b → a; set a parent outside the chain`}},
		},
		{
			name: "trigger in body",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes, inBody(node("again", NodeTrigger, `{"kind": "manual"}`), "each"))
			},
			want: []Problem{{NodeID: "again", Field: "parent",
				Message: "a trigger cannot be inside a loop body; remove parent so it starts the run"}},
		},
		{
			name:   "end in body",
			change: func(p *Playbook) { p.Node("note").Type = NodeEnd; p.Node("note").Settings = nil },
			want: []Problem{{NodeID: "note", Field: "parent",
				Message: "an end node cannot be inside a loop body; end the run after the loop"}},
		},
		{
			name:   "cycle inside body",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("note", PortSuccess, "classify")) },
			want: []Problem{{EdgeID: "edges[6]", Message: "cycle classify → route → note → classify; " +
				"remove an edge of the cycle, because playbooks run without loops back"}},
		},
		{
			name:   "body step read after loop",
			change: func(p *Playbook) { setSettings(p, "done", `{"output": {"x": "${{ steps.classify.output }}"}}`) },
			want: []Problem{{NodeID: "done", Field: "settings.output.x", Column: 5,
				Message: `steps.classify runs inside the body of loop "each"; read the loop's output, ` +
					"steps.each.output.results; upstream steps are each, extract, start"}},
		},
		{
			name: "nested body step read from outer body",
			change: func(p *Playbook) {
				setSettings(p, "note", `{"values": {"x": "${{ steps.probe.output }}"}}`)
			},
			want: []Problem{{NodeID: "note", Field: "settings.values.x", Column: 5,
				Message: `steps.probe runs inside the body of loop "ports"; read the loop's output, ` +
					"steps.ports.output.results; upstream steps are classify, extract, route, start"}},
		},
		{
			name:   "loop read from its body",
			change: func(p *Playbook) { setSettings(p, "note", `{"values": {"x": "${{ steps.each.output }}"}}`) },
			want: []Problem{{NodeID: "note", Field: "settings.values.x", Column: 5,
				Message: "steps.each is the loop that runs this node and ends after it; read item and index " +
					"instead; upstream steps are classify, extract, route, start"}},
		},
		{
			name:   "sibling body step not upstream",
			change: func(p *Playbook) { setSettings(p, "classify", `{"values": {"x": "${{ steps.note.output }}"}}`) },
			want: []Problem{{NodeID: "classify", Field: "settings.values.x", Column: 5,
				Message: "steps.note does not run before this node; connect it upstream; " +
					"upstream steps are extract, start"}},
		},
		{
			name:   "item after loop",
			change: func(p *Playbook) { setSettings(p, "done", `{"output": {"last": "${{ index }}"}}`) },
			want: []Problem{{NodeID: "done", Field: "settings.output.last", Column: 5,
				Message: "index is set only inside a loop body, and this node is not in one; " +
					"set its parent to a loop or read a step's output"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loopPlaybook()
			tt.change(p)
			got := problemsOf(t, Validate(p, catalog))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func nodeIDs(nodes []Node) []string {
	var ids []string
	for _, n := range nodes {
		ids = append(ids, n.ID)
	}
	return ids
}

func TestPlaybook_BodyHelpers(t *testing.T) {
	p := loopPlaybook()
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"TopLevel", nodeIDs(p.TopLevel()), []string{"start", "extract", "each", "done"}},
		{"Children of each", nodeIDs(p.Children("each")), []string{"classify", "route", "note", "ports"}},
		{"Children of ports", nodeIDs(p.Children("ports")), []string{"probe"}},
		{"Children of a non-loop", nodeIDs(p.Children("extract")), nil},
		{"BodyEntries of each", nodeIDs(p.BodyEntries("each")), []string{"classify"}},
		{"BodyEntries of ports", nodeIDs(p.BodyEntries("ports")), []string{"probe"}},
		{"EnclosingLoops of probe", p.EnclosingLoops("probe"), []string{"ports", "each"}},
		{"EnclosingLoops of each", p.EnclosingLoops("each"), nil},
		{"EnclosingLoops of ghost", p.EnclosingLoops("ghost"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestPlaybook_AncestorsInBodies(t *testing.T) {
	p := loopPlaybook()
	tests := []struct {
		id   string
		want []string
	}{
		{"classify", []string{"extract", "start"}},
		{"note", []string{"classify", "extract", "route", "start"}},
		{"probe", []string{"classify", "extract", "start"}},
		{"done", []string{"each", "extract", "start"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			var got []string
			for id := range p.Ancestors(tt.id) {
				got = append(got, id)
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Ancestors(%s) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestPlaybook_EnclosingLoopsStopsOnCycle(t *testing.T) {
	p := &Playbook{Nodes: []Node{
		inBody(node("a", NodeLoop, `{}`), "b"),
		inBody(node("b", NodeLoop, `{}`), "a"),
	}}
	if got := p.EnclosingLoops("a"); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("EnclosingLoops(a) = %v, want [b]", got)
	}
}
