package designer

import (
	"reflect"
	"strings"
	"testing"
)

const minimalPlaybook = `{
	"id": "triage",
	"version": 2,
	"name": "Triage",
	"nodes": [
		{"id": "start", "type": "trigger", "position": {"x": 10, "y": 20}, "settings": {"kind": "manual"}},
		{"id": "lookup", "type": "action", "position": {"x": 10, "y": 120},
		 "settings": {"action": "ip.lookup@1.0.0", "inputs": {"ip": "${{ trigger.ip }}"}},
		 "retry": {"attempts": 3, "initial_delay": "1s"}, "timeout": "30s", "on_error": "route"}
	],
	"edges": [{"id": "e1", "from": "start", "port": "success", "to": "lookup"}],
	"created_at": "2026-12-03T10:00:00Z"
}`

func TestParsePlaybook_Valid(t *testing.T) {
	p, err := ParsePlaybook([]byte(minimalPlaybook))
	if err != nil {
		t.Fatalf("ParsePlaybook: %v", err)
	}
	if p.Name != "Triage" || p.Version != 2 {
		t.Errorf("name, version = %q, %d; want Triage, 2", p.Name, p.Version)
	}
	if len(p.Nodes) != 2 || p.Nodes[1].Retry == nil || p.Nodes[1].Retry.Attempts != 3 {
		t.Fatalf("nodes = %+v, want lookup with 3 retry attempts", p.Nodes)
	}
	if p.Nodes[0].Position != (Position{X: 10, Y: 20}) {
		t.Errorf("position = %+v, want {10 20}", p.Nodes[0].Position)
	}
	if len(p.Edges) != 1 || p.Edges[0].To != "lookup" {
		t.Errorf("edges = %+v, want one edge to lookup", p.Edges)
	}
	if p.CreatedAt.IsZero() {
		t.Error("created_at not decoded")
	}
}

func TestParsePlaybook_Rejects(t *testing.T) {
	tests := []struct {
		name string
		json string
		want Problem
	}{
		{
			name: "unknown top-level field",
			json: `{"name": "x", "nodez": []}`,
			want: Problem{Field: "nodez", Message: "unknown field; known fields are " +
				"created_at, created_by, description, edges, id, inputs, name, nodes, version"},
		},
		{
			name: "unknown node field",
			json: `{"nodes": [{"id": "a"}, {"id": "lookup", "retries": 3}]}`,
			want: Problem{NodeID: "lookup", Field: "retries", Message: "unknown field; known fields are " +
				"id, name, on_error, parent, position, retry, settings, timeout, type"},
		},
		{
			name: "unknown nested field of node without id",
			json: `{"nodes": [{"retry": {"attemps": 3}}]}`,
			want: Problem{NodeID: "nodes[0]", Field: "retry.attemps", Message: "unknown field; known fields are " +
				"attempts, initial_delay, max_delay, retry_on"},
		},
		{
			name: "unknown edge field",
			json: `{"edges": [{"id": "e1", "from": "a", "port": "success", "target": "b"}]}`,
			want: Problem{EdgeID: "e1", Field: "target", Message: "unknown field; known fields are from, id, port, to"},
		},
		{
			name: "wrong type",
			json: `{"version": "2"}`,
			want: Problem{Field: "version", Message: "expected a whole number, got a string"},
		},
		{
			name: "fraction for integer",
			json: `{"nodes": [{"id": "a", "retry": {"attempts": 1.5}}]}`,
			want: Problem{NodeID: "a", Field: "retry.attempts", Message: "expected a whole number, got 1.5"},
		},
		{
			name: "wrong type in list",
			json: `{"nodes": [{"id": "a", "retry": {"retry_on": ["timeout", 5]}}]}`,
			want: Problem{NodeID: "a", Field: "retry.retry_on[1]", Message: "expected a string, got a number"},
		},
		{
			name: "duplicate key",
			json: `{"name": "a", "name": "b"}`,
			want: Problem{Field: "name", Message: "duplicate key; keep one"},
		},
		{
			name: "syntax error",
			json: `{"name": "a",}`,
			want: Problem{Message: "invalid JSON at byte 13: invalid character '}' looking for beginning of object key string"},
		},
		{
			name: "truncated",
			json: `{"name": "a"`,
			want: Problem{Message: "invalid JSON: unexpected end of input"},
		},
		{
			name: "trailing data",
			json: `{"name": "a"} {}`,
			want: Problem{Message: "invalid JSON: data after the end of the value at byte 14"},
		},
		{
			name: "not an object",
			json: `[1, 2]`,
			want: Problem{Message: "expected an object, got a list"},
		},
		{
			name: "nodes not a list",
			json: `{"nodes": {"a": 1}}`,
			want: Problem{Field: "nodes", Message: "expected a list, got an object"},
		},
		{
			name: "bad timestamp",
			json: `{"created_at": 5}`,
			want: Problem{Field: "created_at", Message: "expected a timestamp string, got a number"},
		},
	}
	deep := `{"inputs": ` + strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1) + `}`
	tests = append(tests, struct {
		name string
		json string
		want Problem
	}{
		name: "nesting too deep",
		json: deep,
		want: Problem{
			Field:   "inputs" + strings.Repeat("[0]", maxJSONDepth-1),
			Message: "invalid JSON: nested deeper than 10000 levels",
		},
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePlaybook([]byte(tt.json))
			if err == nil {
				t.Fatalf("ParsePlaybook = %+v, want error", p)
			}
			got := problemsOf(t, err)
			if !reflect.DeepEqual(got, []Problem{tt.want}) {
				t.Errorf("problems:\n got %+v\nwant %+v", got, []Problem{tt.want})
			}
		})
	}
}

func TestDecodeSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		want     ActionSettings
		wantErr  string
	}{
		{
			name:     "valid",
			settings: `{"action": "a.b@1.0.0", "inputs": {"n": 1, "s": "${{ trigger.x }}"}}`,
			want:     ActionSettings{Action: "a.b@1.0.0", Inputs: map[string]any{"n": 1.0, "s": "${{ trigger.x }}"}},
		},
		{name: "empty", settings: ``},
		{name: "null", settings: `null`},
		{
			name:     "unknown key",
			settings: `{"action": "a.b@1.0.0", "input": {}}`,
			wantErr:  "settings.input: unknown field; known fields are action, inputs, range, secrets",
		},
		{
			name:     "wrong type",
			settings: `{"action": ["a"]}`,
			wantErr:  "settings.action: expected a string, got a list",
		},
		{
			name:     "invalid JSON",
			settings: `{"action": }`,
			wantErr:  "settings: invalid JSON at byte 11: invalid character '}' looking for beginning of value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &Node{ID: "a", Type: NodeAction, Settings: []byte(tt.settings)}
			got, err := DecodeSettings[ActionSettings](n)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeSettings: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeSettings = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPorts(t *testing.T) {
	tests := []struct {
		node Node
		want []string
	}{
		{Node{Type: NodeTrigger}, []string{PortSuccess}},
		{Node{Type: NodeAction}, []string{PortSuccess, PortError}},
		{Node{Type: NodeAction, OnError: OnErrorRoute}, []string{PortSuccess, PortError}},
		{Node{Type: NodeCondition}, []string{PortTrue, PortFalse}},
		{Node{Type: NodeCondition, OnError: OnErrorRoute}, []string{PortTrue, PortFalse, PortError}},
		{Node{Type: NodeTransform}, []string{PortSuccess}},
		{Node{Type: NodeTransform, OnError: OnErrorRoute}, []string{PortSuccess, PortError}},
		{Node{Type: NodeEnd}, nil},
		{Node{Type: NodeEnd, OnError: OnErrorRoute}, nil},
		{Node{Type: "unknown"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.node.Type+"/"+tt.node.OnError, func(t *testing.T) {
			if got := Ports(&tt.node); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Ports = %#v, want %#v", got, tt.want)
			}
		})
	}
}
