package designer

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

// testPlaybooks is a catalog of actions and playbooks for subplaybook
// nodes.
type testPlaybooks struct {
	testCatalog
	inputs map[string]string // "id@version" to inputs schema
}

func (c testPlaybooks) LookupPlaybook(id string, version int) (json.RawMessage, bool) {
	schema, ok := c.inputs[id+"@"+strconv.Itoa(version)]
	return json.RawMessage(schema), ok
}

var playbookCatalog = testPlaybooks{
	testCatalog: catalog,
	inputs: map[string]string{
		"isolate-host@0": `{"type": "object", "properties": {"host": {"type": "string"},
			"reason": {"type": "string"}}, "required": ["host"]}`,
		"isolate-host@2": `{"type": "object", "properties": {"host": {"type": "string"}}}`,
		"notify@0":       ``,
	},
}

// nodePlaybook returns a valid playbook whose node "n" has the given type
// and settings, between a trigger and an end node.
func nodePlaybook(typ, settings string) *Playbook {
	p := &Playbook{
		ID:   "triage",
		Name: "Triage",
		Nodes: []Node{
			node("start", NodeTrigger, `{"kind": "webhook"}`),
			node("n", typ, settings),
			node("done", NodeEnd, `{}`),
		},
		Edges: []Edge{edge("start", PortSuccess, "n")},
	}
	return p
}

func TestValidate_NodeSettings(t *testing.T) {
	tests := []struct {
		name     string
		typ      string
		settings string
		change   func(p *Playbook)
		want     []Problem
	}{
		// switch
		{name: "switch valid", typ: NodeSwitch, settings: `{"cases": [
			{"name": "high", "expression": "trigger.severity >= 7"},
			{"name": "medium", "expression": "${{ trigger.severity >= 4 }}"}]}`},
		{name: "switch no cases", typ: NodeSwitch, settings: `{"cases": []}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases",
				Message: "no cases; add at least one case with a name and an expression"}}},
		{name: "switch missing settings", typ: NodeSwitch, settings: `{}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases",
				Message: "no cases; add at least one case with a name and an expression"}}},
		{name: "switch duplicate case", typ: NodeSwitch, settings: `{"cases": [
			{"name": "high", "expression": "true"}, {"name": "high", "expression": "false"}]}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases[1].name",
				Message: `duplicate case name "high"; give each case its own name`}}},
		{name: "switch invalid case name", typ: NodeSwitch, settings: `{"cases": [
			{"name": "High Risk", "expression": "true"}]}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases[0].name",
				Message: `invalid case name "High Risk"; ` + slugRule}}},
		{name: "switch missing case name", typ: NodeSwitch, settings: `{"cases": [{"expression": "true"}]}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases[0].name",
				Message: "missing case name; " + slugRule}}},
		{name: "switch case not boolean", typ: NodeSwitch, settings: `{"cases": [
			{"name": "a", "expression": "true"}, {"name": "b", "expression": "1 + 2"}]}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases[1].expression", Column: 1,
				Message: `expression "1 + 2" does not compile: result is a number, expected true or false`}}},
		{name: "switch unknown field", typ: NodeSwitch, settings: `{"cases": [
			{"name": "a", "expresion": "true"}]}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases[0].expresion",
				Message: "unknown field; known fields are expression, name"}}},
		{name: "switch item outside loop", typ: NodeSwitch, settings: `{"cases": [
			{"name": "a", "expression": "item.ok"}]}`,
			want: []Problem{{NodeID: "n", Field: "settings.cases[0].expression", Column: 1,
				Message: "item is set only inside a loop body, and this node is not in one; " +
					"set its parent to a loop or read a step's output"}}},

		// join
		{name: "join valid", typ: NodeJoin, settings: `{"mode": "any"}`,
			change: addBranches},
		{name: "join default mode", typ: NodeJoin, settings: ``, change: addBranches},
		{name: "join unknown mode", typ: NodeJoin, settings: `{"mode": "first"}`, change: addBranches,
			want: []Problem{{NodeID: "n", Field: "settings.mode",
				Message: `unknown join mode "first"; set "all" or "any"`}}},
		{name: "join one incoming edge", typ: NodeJoin, settings: `{"mode": "all"}`,
			want: []Problem{{NodeID: "n", Message: "a join needs two or more incoming edges and has 1; " +
				"connect the branches it joins, or remove it"}}},
		{name: "join cannot fail", typ: NodeJoin, settings: `{}`, change: func(p *Playbook) {
			addBranches(p)
			p.Node("n").OnError = OnErrorRoute
		}, want: []Problem{{NodeID: "n", Field: "on_error",
			Message: "a join node cannot fail, so on_error does not apply; remove it"}}},

		// approval
		{name: "approval valid", typ: NodeApproval, settings: `{
			"question": "Isolate ${{ trigger.host }}?", "options": ["isolate", "ignore"],
			"assignee_role": "analyst", "comment": "required", "timeout": "24h", "default_option": "ignore"}`},
		{name: "approval defaults", typ: NodeApproval, settings: `{"question": "Block the sender?"}`},
		{name: "approval missing question", typ: NodeApproval, settings: `{}`,
			want: []Problem{{NodeID: "n", Field: "settings.question",
				Message: "missing question; write what the approver decides"}}},
		{name: "approval question expression", typ: NodeApproval, settings: `{"question": "Block ${{ steps.ghost.output }}?"}`,
			want: []Problem{{NodeID: "n", Field: "settings.question", Column: 11,
				Message: `steps.ghost: no node "ghost" in this playbook; upstream steps are start`}}},
		{name: "approval duplicate option", typ: NodeApproval, settings: `{"question": "?",
			"options": ["yes", "yes"]}`,
			want: []Problem{{NodeID: "n", Field: "settings.options[1]",
				Message: `duplicate option name "yes"; give each option its own name`}}},
		{name: "approval bad role", typ: NodeApproval, settings: `{"question": "?", "assignee_role": "viewer"}`,
			want: []Problem{{NodeID: "n", Field: "settings.assignee_role",
				Message: `invalid role "viewer"; use analyst, developer or admin`}}},
		{name: "approval bad comment rule", typ: NodeApproval, settings: `{"question": "?", "comment": "maybe"}`,
			want: []Problem{{NodeID: "n", Field: "settings.comment",
				Message: `invalid comment rule "maybe"; use "optional", "required" or "none"`}}},
		{name: "approval bad timeout", typ: NodeApproval, settings: `{"question": "?", "timeout": "1 day"}`,
			want: []Problem{{NodeID: "n", Field: "settings.timeout",
				Message: `invalid duration "1 day"; write a number and a unit, such as "30s" or "5m"`}}},
		{name: "approval default not an option", typ: NodeApproval, settings: `{"question": "?",
			"timeout": "1h", "default_option": "deny"}`,
			want: []Problem{{NodeID: "n", Field: "settings.default_option",
				Message: `default option "deny" is not an option; use one of approve, reject`}}},
		{name: "approval default without timeout", typ: NodeApproval, settings: `{"question": "?",
			"default_option": "reject"}`,
			want: []Problem{{NodeID: "n", Field: "settings.default_option",
				Message: "default_option applies only when a timeout passes; " +
					"set settings.timeout or remove default_option"}}},
		{name: "approval node timeout", typ: NodeApproval, settings: `{"question": "?"}`,
			change: func(p *Playbook) { p.Node("n").Timeout = "1h" },
			want: []Problem{{NodeID: "n", Field: "timeout",
				Message: "approval nodes set how long they wait in their settings, " +
					"so timeout does not apply; remove it"}}},
		{name: "approval timeout port needs timeout", typ: NodeApproval, settings: `{"question": "?"}`,
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("n", PortTimeout, "done")) },
			want: []Problem{{EdgeID: "edges[1]", Field: "port",
				Message: `node "n" of type approval has no port "timeout"; its ports are option:approve, option:reject`}}},

		{name: "approval cannot continue", typ: NodeApproval, settings: `{"question": "?"}`,
			change: func(p *Playbook) { p.Node("n").OnError = OnErrorContinue },
			want: []Problem{{NodeID: "n", Field: "on_error", Message: `approval nodes have no port to ` +
				`continue through; use "route" and connect the error port`}}},

		// delay
		{name: "delay duration", typ: NodeDelay, settings: `{"duration": "5m"}`},
		{name: "delay until time", typ: NodeDelay, settings: `{"until": "2026-12-03T18:00:00Z"}`},
		{name: "delay until expression", typ: NodeDelay, settings: `{"until": "${{ trigger.resume_at }}"}`},
		{name: "delay duration expression", typ: NodeDelay, settings: `{"duration": "${{ inputs.minutes }}m"}`},
		{name: "delay neither", typ: NodeDelay, settings: `{}`,
			want: []Problem{{NodeID: "n", Field: "settings",
				Message: `no delay; set "duration", such as "5m", or "until", an RFC 3339 time`}}},
		{name: "delay both", typ: NodeDelay, settings: `{"duration": "5m", "until": "2026-12-03T18:00:00Z"}`,
			want: []Problem{{NodeID: "n", Field: "settings.until", Message: "both duration and until are set; keep one"}}},
		{name: "delay bad duration", typ: NodeDelay, settings: `{"duration": "-5m"}`,
			want: []Problem{{NodeID: "n", Field: "settings.duration", Message: `duration "-5m" must be positive`}}},
		{name: "delay bad until", typ: NodeDelay, settings: `{"until": "tomorrow 9am"}`,
			want: []Problem{{NodeID: "n", Field: "settings.until", Message: `invalid time "tomorrow 9am"; ` +
				`write RFC 3339, such as "2026-12-03T18:00:00Z", or an expression`}}},
		{name: "delay until bad expression", typ: NodeDelay, settings: `{"until": "${{ trigger. }}"}`,
			want: []Problem{{NodeID: "n", Field: "settings.until", Column: 12,
				Message: `expression "trigger." does not compile: unexpected end of expression`}}},

		// subplaybook
		{name: "subplaybook valid", typ: NodeSubplaybook, settings: `{"playbook": "isolate-host",
			"inputs": {"host": "${{ trigger.host }}", "reason": "phishing"}}`},
		{name: "subplaybook pinned version", typ: NodeSubplaybook, settings: `{"playbook": "isolate-host",
			"version": 2, "inputs": {"host": "h"}}`},
		{name: "subplaybook without inputs schema", typ: NodeSubplaybook, settings: `{"playbook": "notify"}`},
		{name: "subplaybook missing playbook", typ: NodeSubplaybook, settings: `{}`,
			want: []Problem{{NodeID: "n", Field: "settings.playbook",
				Message: "missing playbook; set the id of the playbook to run"}}},
		{name: "subplaybook unknown playbook", typ: NodeSubplaybook, settings: `{"playbook": "ghost"}`,
			want: []Problem{{NodeID: "n", Field: "settings.playbook",
				Message: `no playbook "ghost"; pick a saved playbook`}}},
		{name: "subplaybook unknown version", typ: NodeSubplaybook, settings: `{"playbook": "isolate-host",
			"version": 7, "inputs": {"host": "h"}}`,
			want: []Problem{{NodeID: "n", Field: "settings.version",
				Message: `playbook "isolate-host" has no version 7; use 0 for the latest version`}}},
		{name: "subplaybook negative version", typ: NodeSubplaybook, settings: `{"playbook": "isolate-host",
			"version": -1}`,
			want: []Problem{{NodeID: "n", Field: "settings.version",
				Message: "version -1 is negative; use 0 for the latest version or a version number"}}},
		{name: "subplaybook runs itself", typ: NodeSubplaybook, settings: `{"playbook": "triage"}`,
			want: []Problem{{NodeID: "n", Field: "settings.playbook",
				Message: `playbook "triage" runs itself; pick another playbook`}}},
		{name: "subplaybook inputs checked", typ: NodeSubplaybook, settings: `{"playbook": "isolate-host",
			"inputs": {"hots": "h", "reason": 5}}`,
			want: []Problem{
				{NodeID: "n", Field: "settings.inputs.hots",
					Message: `unknown input "hots"; the playbook's inputs are host, reason`},
				{NodeID: "n", Field: "settings.inputs.host", Message: `missing required input "host"`},
				{NodeID: "n", Field: "settings.inputs.reason", Message: `input "reason" must be string, got number`},
			}},

		// loop, with a body node added by the test
		{name: "loop valid", typ: NodeLoop, settings: `{"items": "${{ trigger.hosts }}", "concurrency": 64,
			"result": {"host": "${{ item }}", "n": "${{ index }}", "out": "${{ steps.body.output }}"}}`,
			change: addBody},
		{name: "loop literal items", typ: NodeLoop, settings: `{"items": ["a", "${{ trigger.host }}"]}`,
			change: addBody},
		{name: "loop no body", typ: NodeLoop, settings: `{"items": "${{ trigger.hosts }}"}`,
			want: []Problem{{NodeID: "n", Message: `loop has no body; add nodes whose parent is "n"`}}},
		{name: "loop missing items", typ: NodeLoop, settings: `{}`, change: addBody,
			want: []Problem{{NodeID: "n", Field: "settings.items", Message: "missing items; set a list or " +
				`an expression that yields one, such as "${{ steps.extract.output.ips }}"`}}},
		{name: "loop items template", typ: NodeLoop, settings: `{"items": "hosts: ${{ trigger.hosts }}"}`,
			change: addBody,
			want: []Problem{{NodeID: "n", Field: "settings.items", Message: `items "hosts: ${{ trigger.hosts }}" ` +
				`is not a list; write one expression, such as "${{ steps.extract.output.ips }}", or a list`}}},
		{name: "loop items number", typ: NodeLoop, settings: `{"items": 3}`, change: addBody,
			want: []Problem{{NodeID: "n", Field: "settings.items",
				Message: "items is number, not a list; write a list or an expression that yields one"}}},
		{name: "loop item in items", typ: NodeLoop, settings: `{"items": "${{ item.hosts }}"}`, change: addBody,
			want: []Problem{{NodeID: "n", Field: "settings.items", Column: 5,
				Message: "item is set only inside a loop body, and this node is not in one; " +
					"set its parent to a loop or read a step's output"}}},
		{name: "loop concurrency too high", typ: NodeLoop, settings: `{"items": [], "concurrency": 65}`,
			change: addBody,
			want: []Problem{{NodeID: "n", Field: "settings.concurrency",
				Message: "concurrency 65 out of range; use 1 to 64"}}},
		{name: "loop concurrency negative", typ: NodeLoop, settings: `{"items": [], "concurrency": -1}`,
			change: addBody,
			want: []Problem{{NodeID: "n", Field: "settings.concurrency",
				Message: "concurrency -1 out of range; use 1 to 64"}}},
		{name: "loop result reads outside step", typ: NodeLoop,
			settings: `{"items": [], "result": "${{ steps.done.output }}"}`, change: addBody,
			want: []Problem{{NodeID: "n", Field: "settings.result", Column: 5,
				Message: "steps.done does not run before this node; connect it upstream; " +
					"upstream steps are body, start"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := nodePlaybook(tt.typ, tt.settings)
			if tt.change != nil {
				tt.change(p)
			}
			got := problemsOf(t, Validate(p, playbookCatalog))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// addBranches adds a second branch into node "n".
func addBranches(p *Playbook) {
	p.Nodes = append(p.Nodes, node("other", NodeTransform, `{"values": {"a": 1}}`))
	p.Edges = append(p.Edges, edge("start", PortSuccess, "other"), edge("other", PortSuccess, "n"))
}

// addBody puts a transform node in the body of loop "n".
func addBody(p *Playbook) {
	body := node("body", NodeTransform, `{"values": {"host": "${{ item }}"}}`)
	body.Parent = "n"
	p.Nodes = append(p.Nodes, body)
}

func TestPorts_NewNodeTypes(t *testing.T) {
	tests := []struct {
		name string
		node Node
		want []string
	}{
		{"switch", node("s", NodeSwitch, `{"cases": [{"name": "high", "expression": "true"},
			{"name": "low", "expression": "true"}]}`), []string{"case:high", "case:low", PortDefault}},
		{"switch route", Node{Type: NodeSwitch, OnError: OnErrorRoute,
			Settings: json.RawMessage(`{"cases": [{"name": "a", "expression": "true"}]}`)},
			[]string{"case:a", PortDefault, PortError}},
		{"switch bad settings", node("s", NodeSwitch, `{"cases": 1}`), []string{PortDefault}},
		{"loop", Node{Type: NodeLoop}, []string{PortSuccess, PortError}},
		{"join", Node{Type: NodeJoin}, []string{PortSuccess}},
		{"approval defaults", node("a", NodeApproval, `{"question": "?"}`),
			[]string{"option:approve", "option:reject"}},
		{"approval timeout", node("a", NodeApproval, `{"question": "?", "options": ["block", "allow"],
			"timeout": "1h"}`), []string{"option:block", "option:allow", PortTimeout}},
		{"delay", Node{Type: NodeDelay}, []string{PortSuccess}},
		{"delay route", Node{Type: NodeDelay, OnError: OnErrorRoute}, []string{PortSuccess, PortError}},
		{"subplaybook", Node{Type: NodeSubplaybook}, []string{PortSuccess, PortError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Ports(&tt.node); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Ports = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestValidate_OnErrorRoute checks that every node type that can fail
// gets the error port with on_error "route", and no other type does.
func TestValidate_OnErrorRoute(t *testing.T) {
	for _, typ := range NodeTypes() {
		t.Run(typ, func(t *testing.T) {
			nt := nodeTypes[typ]
			n := Node{ID: "n", Type: typ, OnError: OnErrorRoute}
			hasError := false
			for _, port := range Ports(&n) {
				hasError = hasError || port == PortError
			}
			if nt.canFail != hasError {
				t.Errorf("canFail = %v but error port present = %v", nt.canFail, hasError)
			}
		})
	}
}

func TestApprovalSettings_OptionNames(t *testing.T) {
	s := ApprovalSettings{}
	if got := s.OptionNames(); !reflect.DeepEqual(got, []string{OptionApprove, OptionReject}) {
		t.Errorf("OptionNames() = %v, want approve, reject", got)
	}
	s.Options = []string{"block"}
	if got := s.OptionNames(); !reflect.DeepEqual(got, []string{"block"}) {
		t.Errorf("OptionNames() = %v, want block", got)
	}
}

func TestLoopSettings_EffectiveConcurrency(t *testing.T) {
	for _, tt := range []struct{ set, want int }{{0, 1}, {1, 1}, {8, 8}} {
		s := LoopSettings{Concurrency: tt.set}
		if got := s.EffectiveConcurrency(); got != tt.want {
			t.Errorf("EffectiveConcurrency() with %d = %d, want %d", tt.set, got, tt.want)
		}
	}
}

func TestContinuePort(t *testing.T) {
	tests := map[string]string{
		NodeAction:      PortSuccess,
		NodeCondition:   PortFalse,
		NodeTransform:   PortSuccess,
		NodeSwitch:      PortDefault,
		NodeLoop:        PortSuccess,
		NodeDelay:       PortSuccess,
		NodeSubplaybook: PortSuccess,
		NodeApproval:    "",
		NodeJoin:        "",
		NodeTrigger:     "",
		NodeEnd:         "",
		"unknown":       "",
	}
	for typ, want := range tests {
		t.Run(typ, func(t *testing.T) {
			if got := ContinuePort(&Node{Type: typ}); got != want {
				t.Errorf("ContinuePort = %q, want %q", got, want)
			}
		})
	}
}
