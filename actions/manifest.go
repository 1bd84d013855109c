// Package actions holds action manifests and the registry of published
// action versions.
package actions

import (
	"encoding/json"
	"time"
)

// ABIv1 is the only action ABI: a WASI preview 1 command module that reads a
// JSON request on stdin and writes a JSON result on stdout.
const ABIv1 = "v1"

// Manifest describes one version of an action.
type Manifest struct {
	ABI          string          `json:"abi"`
	Name         string          `json:"name"`    // dotted lowercase, such as "ioc.extract"
	Version      string          `json:"version"` // semantic version, such as "1.0.0"
	Title        string          `json:"title"`
	Description  string          `json:"description,omitempty"`
	Category     string          `json:"category,omitempty"`
	Author       string          `json:"author,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema"`
	OutputSchema json.RawMessage `json:"output_schema"`
	Capabilities Capabilities    `json:"capabilities"`
	Limits       Limits          `json:"limits"`
	SideEffects  bool            `json:"side_effects"`
	// Config is data the host sends to the module in the request's
	// "config" field, such as the HTTP call a generated OpenAPI action
	// makes. Nil sends none.
	Config json.RawMessage `json:"config,omitempty"`
}

// Capabilities lists what a module may reach through host calls.
type Capabilities struct {
	Hosts   []string `json:"hosts,omitempty"`   // host names or "host:port" the HTTP host call may reach
	Secrets []string `json:"secrets,omitempty"` // secret names the module may read
}

// Limits caps what one call of the module may use. Zero values take the
// runtime defaults.
type Limits struct {
	MemoryMiB int    `json:"memory_mib,omitempty"`
	Timeout   string `json:"timeout,omitempty"` // Go duration
}

// Ref returns "name@version".
func (m *Manifest) Ref() string { return m.Name + "@" + m.Version }

// Action is a published action version: its manifest and the SHA-256 of its
// module, hex encoded.
type Action struct {
	Manifest Manifest `json:"manifest"`
	SHA256   string   `json:"sha256"`
	Builtin  bool     `json:"builtin"`

	// SignedBy is the base64 ed25519 public key whose signature over the
	// module was checked at publish time, or empty for an unsigned module.
	SignedBy string `json:"signed_by,omitempty"`
	// Deprecated is set when the version was deprecated. A deprecated
	// version still runs, but version ranges no longer resolve to it.
	Deprecated *Deprecation `json:"deprecated,omitempty"`
}

// Deprecation records why and when an action version was deprecated.
type Deprecation struct {
	Message string    `json:"message"`
	At      time.Time `json:"at"`
	By      string    `json:"by,omitempty"` // who deprecated it
}
