// Package designer holds the playbook model: the graph types, their
// validation and the expression language. It does no I/O.
package designer

import (
	"encoding/json"
	"time"
)

// Playbook is one version of a playbook graph. Every save creates a new
// version; a stored version never changes.
type Playbook struct {
	ID          string          `json:"id"`
	Version     int             `json:"version"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Inputs      json.RawMessage `json:"inputs,omitempty"` // JSON Schema of manual-run inputs
	Nodes       []Node          `json:"nodes"`
	Edges       []Edge          `json:"edges"`
	CreatedAt   time.Time       `json:"created_at"`
	CreatedBy   string          `json:"created_by,omitempty"`
}

// Node is one step of the graph. Settings holds the type-specific settings,
// decoded and checked by the node type registered under Type.
type Node struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Name     string          `json:"name,omitempty"`
	Position Position        `json:"position"`
	Settings json.RawMessage `json:"settings,omitempty"`
	Retry    *RetryPolicy    `json:"retry,omitempty"`
	Timeout  string          `json:"timeout,omitempty"`  // Go duration, such as "30s"
	OnError  string          `json:"on_error,omitempty"` // "fail" (default), "continue" or "route"
	// Parent is the id of the loop node whose body this node belongs to,
	// or empty for a node at the top level of the playbook.
	Parent string `json:"parent,omitempty"`
}

// Position is a node's place on the canvas, in canvas pixels.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Edge connects an outcome port of one node to another node.
type Edge struct {
	ID   string `json:"id,omitempty"`
	From string `json:"from"`
	Port string `json:"port"`
	To   string `json:"to"`
}

// RetryPolicy sets how a failed step is retried. Zero attempts means the
// step runs once.
type RetryPolicy struct {
	Attempts     int      `json:"attempts"`
	InitialDelay string   `json:"initial_delay,omitempty"` // Go duration
	MaxDelay     string   `json:"max_delay,omitempty"`     // Go duration
	RetryOn      []string `json:"retry_on,omitempty"`      // error codes that retry; empty retries all
}

// Node type names.
const (
	NodeTrigger     = "trigger"
	NodeAction      = "action"
	NodeCondition   = "condition"
	NodeTransform   = "transform"
	NodeEnd         = "end"
	NodeSwitch      = "switch"
	NodeLoop        = "loop"
	NodeJoin        = "join"
	NodeApproval    = "approval"
	NodeDelay       = "delay"
	NodeSubplaybook = "subplaybook"
)

// Port names.
const (
	PortSuccess = "success"
	PortError   = "error"
	PortTrue    = "true"
	PortFalse   = "false"
	PortDefault = "default" // a switch node whose cases are all false
	PortTimeout = "timeout" // an approval node nobody answered in time

	// PortCasePrefix and PortOptionPrefix start the ports of switch cases
	// ("case:high") and approval options ("option:approve").
	PortCasePrefix   = "case:"
	PortOptionPrefix = "option:"
)

// Trigger kinds.
const (
	TriggerManual  = "manual"
	TriggerWebhook = "webhook"
)

// TriggerSettings are the settings of a trigger node.
type TriggerSettings struct {
	Kind string `json:"kind"` // "manual" or "webhook"
}

// ActionSettings are the settings of an action node. Action is
// "name@version". Each input value may be a literal, a whole-field
// expression "${{ … }}" that keeps its type, or a string with expressions
// interpolated into it.
type ActionSettings struct {
	Action string         `json:"action"`
	Inputs map[string]any `json:"inputs,omitempty"`
	// Range is the version range, such as "^1", that Action was resolved
	// from when the playbook was saved, or empty for a version pinned by
	// hand. Runs use Action.
	Range string `json:"range,omitempty"`
	// Secrets grants stored secrets to the action: each key is a secret
	// name the manifest declares in capabilities.secrets, and its value
	// the name of a stored secret. A declared secret without a grant
	// reaches the module as absent.
	Secrets map[string]string `json:"secrets,omitempty"`
}

// ConditionSettings are the settings of a condition node. Expression is an
// expr-lang expression, written with or without the "${{ }}" wrapper, that
// must yield a boolean.
type ConditionSettings struct {
	Expression string `json:"expression"`
}

// TransformSettings are the settings of a transform node: each value is
// evaluated as an action input would be, and the evaluated map is the
// node's output.
type TransformSettings struct {
	Values map[string]any `json:"values"`
}

// EndSettings are the settings of an end node. Outcome is "succeeded"
// (default) or "failed"; Output becomes the run's output after evaluation.
type EndSettings struct {
	Outcome string         `json:"outcome,omitempty"`
	Output  map[string]any `json:"output,omitempty"`
}

// Catalog resolves action references during validation. The registry of
// published actions implements it.
type Catalog interface {
	// LookupAction returns the input and output JSON Schemas of the action
	// version that ref ("name@version") names, or ok false when no such
	// action or version is registered.
	LookupAction(ref string) (input, output json.RawMessage, ok bool)
}

// PlaybookCatalog resolves subplaybook references during validation. A
// Catalog passed to Validate may implement it too, and when it does not,
// the subplaybook checks that need the store are skipped.
type PlaybookCatalog interface {
	// LookupPlaybook returns the inputs JSON Schema of version of the
	// playbook id (0 means the latest version), or ok false when no such
	// playbook or version is stored. A playbook without inputs returns
	// nil inputs and ok true.
	LookupPlaybook(id string, version int) (inputs json.RawMessage, ok bool)
}
