package designer

import (
	"reflect"
	"testing"
)

func TestPlaybook_Node(t *testing.T) {
	p := phishingPlaybook()
	if n := p.Node("check"); n == nil || n.Type != NodeCondition {
		t.Errorf("Node(check) = %+v, want the condition node", n)
	}
	if n := p.Node("ghost"); n != nil {
		t.Errorf("Node(ghost) = %+v, want nil", n)
	}
	p.Node("check").Name = "Any domain?"
	if p.Nodes[2].Name != "Any domain?" {
		t.Error("Node returned a copy, want a pointer into Nodes")
	}
}

func TestPlaybook_OutgoingIncoming(t *testing.T) {
	p := phishingPlaybook()
	p.Edges = append(p.Edges, edge("check", PortFalse, "done"))

	wantOut := []Edge{edge("check", PortTrue, "verdict"), edge("check", PortFalse, "done")}
	if got := p.Outgoing("check"); !reflect.DeepEqual(got, wantOut) {
		t.Errorf("Outgoing(check) = %+v, want %+v", got, wantOut)
	}
	wantIn := []Edge{edge("verdict", PortSuccess, "done"), edge("check", PortFalse, "done")}
	if got := p.Incoming("done"); !reflect.DeepEqual(got, wantIn) {
		t.Errorf("Incoming(done) = %+v, want %+v", got, wantIn)
	}
	if got := p.Incoming("start"); got != nil {
		t.Errorf("Incoming(start) = %+v, want none", got)
	}
	if got := p.Outgoing("done"); got != nil {
		t.Errorf("Outgoing(done) = %+v, want none", got)
	}
}

func TestPlaybook_Ancestors(t *testing.T) {
	p := phishingPlaybook()
	p.Nodes = append(p.Nodes, node("manual", NodeTrigger, `{"kind": "manual"}`))
	p.Edges = append(p.Edges, edge("manual", PortSuccess, "check"))

	tests := []struct {
		id   string
		want map[string]bool
	}{
		{"start", map[string]bool{}},
		{"check", map[string]bool{"start": true, "extract": true, "manual": true}},
		{"done", map[string]bool{"start": true, "extract": true, "manual": true, "check": true, "verdict": true}},
		{"ghost", map[string]bool{}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := p.Ancestors(tt.id); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Ancestors(%s) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestPlaybook_AncestorsOnCycle(t *testing.T) {
	p := phishingPlaybook()
	p.Edges = append(p.Edges, edge("verdict", PortSuccess, "extract"))
	got := p.Ancestors("check")
	if !got["check"] || !got["verdict"] || !got["start"] {
		t.Errorf("Ancestors(check) = %v, want check, verdict and start included", got)
	}
}
