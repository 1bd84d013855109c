package designer

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// testCatalog is a catalog of action input schemas by "name@version".
type testCatalog map[string]string

func (c testCatalog) LookupAction(ref string) (json.RawMessage, json.RawMessage, bool) {
	schema, ok := c[ref]
	if !ok {
		return nil, nil, false
	}
	return json.RawMessage(schema), json.RawMessage(`{"type":"object"}`), true
}

var catalog = testCatalog{
	"ioc.extract@1.0.0": `{
		"type": "object",
		"properties": {
			"text": {"type": "string"},
			"max": {"type": "integer"},
			"defang": {"type": ["boolean", "null"]},
			"kinds": {"type": "array"}
		},
		"required": ["text"]
	}`,
	"http.request@1.2.0": `{
		"type": "object",
		"properties": {"url": {"type": "string"}},
		"additionalProperties": true
	}`,
}

func node(id, typ, settings string) Node {
	return Node{ID: id, Type: typ, Settings: json.RawMessage(settings)}
}

func edge(from, port, to string) Edge {
	return Edge{From: from, Port: port, To: to}
}

// phishingPlaybook returns a valid playbook: a webhook trigger, an IOC
// extraction, a condition on its result, a transform and an end.
func phishingPlaybook() *Playbook {
	return &Playbook{
		ID:   "phishing",
		Name: "Phishing triage",
		Nodes: []Node{
			node("start", NodeTrigger, `{"kind": "webhook"}`),
			node("extract", NodeAction, `{"action": "ioc.extract@1.0.0",
				"inputs": {"text": "${{ trigger.body }}", "max": 10}}`),
			node("check", NodeCondition, `{"expression": "len(steps.extract.output.domains) > 0"}`),
			node("verdict", NodeTransform, `{"values": {"malicious": "${{ steps.check.status == 'succeeded' }}"}}`),
			node("done", NodeEnd, `{"output": {"verdict": "${{ steps.verdict.output.malicious }}"}}`),
		},
		Edges: []Edge{
			edge("start", PortSuccess, "extract"),
			edge("extract", PortSuccess, "check"),
			edge("check", PortTrue, "verdict"),
			edge("verdict", PortSuccess, "done"),
		},
	}
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	return ve.Problems
}

func setSettings(p *Playbook, id, settings string) {
	p.Node(id).Settings = json.RawMessage(settings)
}

func TestValidate_ValidPlaybook(t *testing.T) {
	if err := Validate(phishingPlaybook(), catalog); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidate_Rules(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Playbook)
		want   []Problem
	}{
		{
			name:   "empty name",
			change: func(p *Playbook) { p.Name = "  " },
			want:   []Problem{{Field: "name", Message: "missing playbook name; give the playbook a name"}},
		},
		{
			name: "no trigger",
			change: func(p *Playbook) {
				p.Nodes = p.Nodes[1:]
				p.Edges = p.Edges[1:]
			},
			want: []Problem{{Field: "nodes", Message: "no trigger node; add a trigger so the playbook can start"}},
		},
		{
			name:   "unknown node type",
			change: func(p *Playbook) { p.Node("verdict").Type = "script" },
			want: []Problem{{NodeID: "verdict", Field: "type",
				Message: `unknown node type "script"; use one of action, approval, condition, delay, end, ` +
					`join, loop, subplaybook, switch, transform, trigger`}},
		},
		{
			name: "invalid node id",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes, node("Notify", NodeEnd, `{}`))
			},
			want: []Problem{{NodeID: "Notify", Field: "id", Message: `invalid node id "Notify"; ` + idRule}},
		},
		{
			name: "missing node id",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes, node("", NodeEnd, `{}`))
			},
			want: []Problem{{NodeID: "nodes[5]", Field: "id", Message: "missing node id; " + idRule}},
		},
		{
			name: "duplicate node id",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes, node("done", NodeEnd, `{}`))
			},
			want: []Problem{{NodeID: "done", Field: "id",
				Message: `duplicate node id "done"; give each node its own id`}},
		},
		{
			name:   "dangling from",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("ghost", PortSuccess, "done")) },
			want: []Problem{{EdgeID: "edges[4]", Field: "from",
				Message: `no node "ghost"; connect the edge to a node`}},
		},
		{
			name: "dangling to",
			change: func(p *Playbook) {
				p.Edges = append(p.Edges, Edge{ID: "e-false", From: "check", Port: PortFalse, To: "ghost"})
			},
			want: []Problem{{EdgeID: "e-false", Field: "to", Message: `no node "ghost"; connect the edge to a node`}},
		},
		{
			name:   "port the node type lacks",
			change: func(p *Playbook) { p.Edges[2].Port = PortSuccess },
			want: []Problem{{EdgeID: "edges[2]", Field: "port",
				Message: `node "check" of type condition has no port "success"; its ports are true, false`}},
		},
		{
			name:   "missing port",
			change: func(p *Playbook) { p.Edges[0].Port = "" },
			want: []Problem{{EdgeID: "edges[0]", Field: "port",
				Message: `missing port; its ports are success`}},
		},
		{
			name:   "error port without route",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("verdict", PortError, "done")) },
			want: []Problem{{EdgeID: "edges[4]", Field: "port",
				Message: `node "verdict" has no port "error" unless its on_error is "route"; ` +
					`set on_error to "route" or remove the edge`}},
		},
		{
			name:   "edge into trigger",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("check", PortFalse, "start")) },
			want: []Problem{{EdgeID: "edges[4]", Field: "to",
				Message: `edge into trigger "start"; a trigger starts a run and takes no incoming edges`}},
		},
		{
			name:   "duplicate edge",
			change: func(p *Playbook) { p.Edges = append(p.Edges, edge("check", PortTrue, "verdict")) },
			want: []Problem{{EdgeID: "edges[4]",
				Message: `repeats the edge from "check" port "true" to "verdict"; remove one`}},
		},
		{
			name: "cycle",
			change: func(p *Playbook) {
				p.Edges = append(p.Edges, Edge{ID: "back", From: "verdict", Port: PortSuccess, To: "extract"})
			},
			want: []Problem{{EdgeID: "back", Message: "cycle extract → check → verdict → extract; " +
				"remove an edge of the cycle, because playbooks run without loops back"}},
		},
		{
			name:   "action not name@version",
			change: func(p *Playbook) { setSettings(p, "extract", `{"action": "ioc.extract", "inputs": {"text": "x"}}`) },
			want: []Problem{{NodeID: "extract", Field: "settings.action",
				Message: `action "ioc.extract" is not name@version, such as "ioc.extract@1.0.0"`}},
		},
		{
			name:   "action missing",
			change: func(p *Playbook) { setSettings(p, "extract", `{"inputs": {"text": "x"}}`) },
			want: []Problem{{NodeID: "extract", Field: "settings.action",
				Message: `missing action; pick one, such as "ioc.extract@1.0.0"`}},
		},
		{
			name:   "action not in catalog",
			change: func(p *Playbook) { setSettings(p, "extract", `{"action": "ioc.extract@2.0.0", "inputs": {}}`) },
			want: []Problem{{NodeID: "extract", Field: "settings.action",
				Message: `action "ioc.extract@2.0.0" is not in the catalog; publish it or pick a published version`}},
		},
		{
			name: "unknown input",
			change: func(p *Playbook) {
				setSettings(p, "extract", `{"action": "ioc.extract@1.0.0", "inputs": {"text": "x", "txt": "y"}}`)
			},
			want: []Problem{{NodeID: "extract", Field: "settings.inputs.txt",
				Message: `unknown input "txt"; the action's inputs are defang, kinds, max, text`}},
		},
		{
			name:   "required input missing",
			change: func(p *Playbook) { setSettings(p, "extract", `{"action": "ioc.extract@1.0.0"}`) },
			want: []Problem{{NodeID: "extract", Field: "settings.inputs.text",
				Message: `missing required input "text"`}},
		},
		{
			name: "literal of wrong type",
			change: func(p *Playbook) {
				setSettings(p, "extract", `{"action": "ioc.extract@1.0.0",
					"inputs": {"text": 42, "max": 2.5, "defang": "yes", "kinds": {"a": 1}}}`)
			},
			want: []Problem{
				{NodeID: "extract", Field: "settings.inputs.defang", Message: `input "defang" must be boolean or null, got string`},
				{NodeID: "extract", Field: "settings.inputs.kinds", Message: `input "kinds" must be array, got object`},
				{NodeID: "extract", Field: "settings.inputs.max", Message: `input "max" must be integer, got number`},
				{NodeID: "extract", Field: "settings.inputs.text", Message: `input "text" must be string, got number`},
			},
		},
		{
			name: "interpolated string is a string",
			change: func(p *Playbook) {
				setSettings(p, "extract", `{"action": "ioc.extract@1.0.0",
					"inputs": {"text": "x", "max": "n=${{ 1 }}"}}`)
			},
			want: []Problem{{NodeID: "extract", Field: "settings.inputs.max",
				Message: `input "max" must be integer, got string`}},
		},
		{
			name: "expression does not compile",
			change: func(p *Playbook) {
				setSettings(p, "extract", `{"action": "ioc.extract@1.0.0", "inputs": {"text": "Body: ${{ trigger.body + }}"}}`)
			},
			want: []Problem{{NodeID: "extract", Field: "settings.inputs.text", Column: 24,
				Message: `expression "trigger.body +" does not compile: unexpected token EOF`}},
		},
		{
			name: "expression in nested value",
			change: func(p *Playbook) {
				setSettings(p, "verdict", `{"values": {"list": ["ok", {"x": "${{ )"}]}}`)
			},
			want: []Problem{{NodeID: "verdict", Field: "settings.values.list[1].x", Column: 1,
				Message: `expression "${{ )" does not compile: "${{" has no matching "}}"`}},
		},
		{
			name: "reference to downstream step",
			change: func(p *Playbook) {
				setSettings(p, "extract", `{"action": "ioc.extract@1.0.0", "inputs": {"text": "${{ steps.verdict.output }}"}}`)
			},
			want: []Problem{{NodeID: "extract", Field: "settings.inputs.text", Column: 5,
				Message: "steps.verdict does not run before this node; connect it upstream; upstream steps are start"}},
		},
		{
			name: "reference to unknown step",
			change: func(p *Playbook) {
				setSettings(p, "check", `{"expression": "steps.lookup.status == 'succeeded'"}`)
			},
			want: []Problem{{NodeID: "check", Field: "settings.expression", Column: 1,
				Message: `steps.lookup: no node "lookup" in this playbook; upstream steps are extract, start`}},
		},
		{
			name: "reference to own step",
			change: func(p *Playbook) {
				setSettings(p, "verdict", `{"values": {"a": "${{ steps.verdict.output }}"}}`)
			},
			want: []Problem{{NodeID: "verdict", Field: "settings.values.a", Column: 5,
				Message: "steps.verdict is this node; a node cannot read its own output; upstream steps are check, extract, start"}},
		},
		{
			name:   "invalid timeout",
			change: func(p *Playbook) { p.Node("extract").Timeout = "5 minutes" },
			want: []Problem{{NodeID: "extract", Field: "timeout",
				Message: `invalid duration "5 minutes"; write a number and a unit, such as "30s" or "5m"`}},
		},
		{
			name:   "negative timeout",
			change: func(p *Playbook) { p.Node("extract").Timeout = "-1s" },
			want:   []Problem{{NodeID: "extract", Field: "timeout", Message: `duration "-1s" must be positive`}},
		},
		{
			name:   "invalid on_error",
			change: func(p *Playbook) { p.Node("extract").OnError = "ignore" },
			want: []Problem{{NodeID: "extract", Field: "on_error",
				Message: `invalid on_error "ignore"; use "fail", "continue" or "route"`}},
		},
		{
			name: "invalid retry",
			change: func(p *Playbook) {
				p.Node("extract").Retry = &RetryPolicy{
					Attempts: -1, InitialDelay: "10s", MaxDelay: "1s", RetryOn: []string{"timeout", "Rate Limit"},
				}
			},
			want: []Problem{
				{NodeID: "extract", Field: "retry.attempts", Message: "attempts -1 out of range; use 0 to 100"},
				{NodeID: "extract", Field: "retry.max_delay", Message: "max_delay 1s is shorter than initial_delay 10s"},
				{NodeID: "extract", Field: "retry.retry_on[1]",
					Message: `invalid error code "Rate Limit"; codes are snake_case words such as "timeout"`},
			},
		},
		{
			name:   "invalid retry delay",
			change: func(p *Playbook) { p.Node("extract").Retry = &RetryPolicy{Attempts: 3, InitialDelay: "soon"} },
			want: []Problem{{NodeID: "extract", Field: "retry.initial_delay",
				Message: `invalid duration "soon"; write a number and a unit, such as "30s" or "5m"`}},
		},
		{
			name:   "timeout on a trigger",
			change: func(p *Playbook) { p.Node("start").Timeout = "5s" },
			want: []Problem{{NodeID: "start", Field: "timeout",
				Message: "a trigger node cannot fail, so timeout does not apply; remove it"}},
		},
		{
			name:   "unknown trigger kind",
			change: func(p *Playbook) { setSettings(p, "start", `{"kind": "email"}`) },
			want: []Problem{{NodeID: "start", Field: "settings.kind",
				Message: `unknown trigger kind "email"; set "manual" or "webhook"`}},
		},
		{
			name:   "unknown settings key",
			change: func(p *Playbook) { setSettings(p, "start", `{"kind": "manual", "cron": "* * * * *"}`) },
			want: []Problem{{NodeID: "start", Field: "settings.cron",
				Message: "unknown field; known fields are kind"}},
		},
		{
			name:   "settings value of wrong type",
			change: func(p *Playbook) { setSettings(p, "check", `{"expression": true}`) },
			want: []Problem{{NodeID: "check", Field: "settings.expression",
				Message: "expected a string, got a boolean"}},
		},
		{
			name:   "empty condition",
			change: func(p *Playbook) { setSettings(p, "check", `{"expression": ""}`) },
			want: []Problem{{NodeID: "check", Field: "settings.expression", Column: 1,
				Message: `expression "" does not compile: empty condition; write an expression that yields true or false`}},
		},
		{
			name:   "condition not boolean",
			change: func(p *Playbook) { setSettings(p, "check", `{"expression": "len(trigger.body) + 1"}`) },
			want: []Problem{{NodeID: "check", Field: "settings.expression", Column: 1,
				Message: `expression "len(trigger.body) + 1" does not compile: result is a number, expected true or false`}},
		},
		{
			name:   "empty transform",
			change: func(p *Playbook) { setSettings(p, "verdict", `{"values": {}}`) },
			want: []Problem{{NodeID: "verdict", Field: "settings.values",
				Message: "no values; add at least one key whose value is computed"}},
		},
		{
			name:   "unknown end outcome",
			change: func(p *Playbook) { setSettings(p, "done", `{"outcome": "ok"}`) },
			want: []Problem{{NodeID: "done", Field: "settings.outcome",
				Message: `unknown outcome "ok"; set "succeeded" or "failed"`}},
		},
		{
			name: "edge out of an end node",
			change: func(p *Playbook) {
				p.Nodes = append(p.Nodes, node("other", NodeEnd, `{}`))
				p.Edges = append(p.Edges, edge("done", PortSuccess, "other"))
			},
			want: []Problem{{EdgeID: "edges[4]", Field: "port",
				Message: `node "done" of type end has no ports; remove the edge`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := phishingPlaybook()
			tt.change(p)
			got := problemsOf(t, Validate(p, catalog))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestValidate_AllowedShapes(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Playbook)
	}{
		{"condition with one port connected", func(p *Playbook) {}},
		{"condition with both ports connected", func(p *Playbook) {
			p.Edges = append(p.Edges, edge("check", PortFalse, "done"))
		}},
		{"action error port", func(p *Playbook) {
			p.Edges = append(p.Edges, edge("extract", PortError, "done"))
		}},
		{"transform error port with route", func(p *Playbook) {
			p.Node("verdict").OnError = OnErrorRoute
			p.Edges = append(p.Edges, edge("verdict", PortError, "done"))
		}},
		{"two triggers", func(p *Playbook) {
			p.Nodes = append(p.Nodes, node("manual", NodeTrigger, `{"kind": "manual"}`))
			p.Edges = append(p.Edges, edge("manual", PortSuccess, "extract"))
		}},
		{"unconnected node", func(p *Playbook) {
			p.Nodes = append(p.Nodes, node("spare", NodeEnd, ``))
		}},
		{"additional inputs allowed by schema", func(p *Playbook) {
			setSettings(p, "extract", `{"action": "http.request@1.2.0", "inputs": {"url": "x", "headers": {}}}`)
		}},
		{"whole-field expression skips type check", func(p *Playbook) {
			setSettings(p, "extract", `{"action": "ioc.extract@1.0.0", "inputs": {"text": "${{ trigger.n }}"}}`)
		}},
		{"retry within limits", func(p *Playbook) {
			p.Node("extract").Retry = &RetryPolicy{Attempts: 3, InitialDelay: "1s", MaxDelay: "30s", RetryOn: []string{"timeout"}}
			p.Node("extract").Timeout = "30s"
			p.Node("extract").OnError = OnErrorContinue
		}},
		{"reference through a join of branches", func(p *Playbook) {
			p.Edges = append(p.Edges, edge("check", PortFalse, "done"))
			setSettings(p, "done", `{"output": {"v": "${{ steps.verdict?.output ?? steps.extract.output }}"}}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := phishingPlaybook()
			tt.change(p)
			if err := Validate(p, catalog); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestValidate_CollectsAllProblems(t *testing.T) {
	p := phishingPlaybook()
	p.Name = ""
	p.Node("extract").Timeout = "x"
	p.Edges = append(p.Edges, edge("check", "maybe", "done"))

	got := problemsOf(t, Validate(p, catalog))
	wantFields := []string{"name", "timeout", "port"}
	if len(got) != len(wantFields) {
		t.Fatalf("got %d problems %+v, want %d", len(got), got, len(wantFields))
	}
	for i, f := range wantFields {
		if got[i].Field != f {
			t.Errorf("problem %d field = %q, want %q", i, got[i].Field, f)
		}
	}
}

func TestValidate_NilCatalogSkipsLookup(t *testing.T) {
	p := phishingPlaybook()
	setSettings(p, "extract", `{"action": "ioc.extract@9.9.9", "inputs": {"anything": 1}}`)
	if err := Validate(p, nil); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestValidationError_Error(t *testing.T) {
	err := &ValidationError{Problems: []Problem{
		{Field: "name", Message: "missing playbook name"},
		{NodeID: "extract", Field: "settings.inputs.text", Column: 4, Message: "bad"},
		{EdgeID: "edges[1]", Field: "to", Message: "no node"},
	}}
	want := `invalid playbook: name: missing playbook name; ` +
		`node "extract": settings.inputs.text column 4: bad; edge "edges[1]": to: no node`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}
