package actions

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func validManifest() Manifest {
	return Manifest{
		ABI:          ABIv1,
		Name:         "ioc.extract",
		Version:      "1.0.0",
		Title:        "Extract indicators",
		InputSchema:  json.RawMessage(`{"type":"object"}`),
		OutputSchema: json.RawMessage(`{"type":"object"}`),
		Capabilities: Capabilities{Hosts: []string{"api.example", "api.example:8443", "*"}},
		Limits:       Limits{MemoryMiB: 32, Timeout: "5s"},
	}
}

func TestManifest_Validate(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *Manifest)
		want   string // part of the error; empty for a valid manifest
	}{
		{"valid", func(*Manifest) {}, ""},
		{"prerelease version", func(m *Manifest) { m.Version = "2.0.0-rc.1+build.5" }, ""},
		{"ip host", func(m *Manifest) { m.Capabilities.Hosts = []string{"203.0.113.9:443"} }, ""},
		{"abi", func(m *Manifest) { m.ABI = "v2" }, `abi: unsupported value "v2"`},
		{"name without dot", func(m *Manifest) { m.Name = "extract" }, `name: "extract" is not`},
		{"name uppercase", func(m *Manifest) { m.Name = "IOC.extract" }, `name: "IOC.extract"`},
		{"short version", func(m *Manifest) { m.Version = "1.0" }, `version: "1.0" is not a semantic version`},
		{"leading zero version", func(m *Manifest) { m.Version = "01.0.0" }, "version:"},
		{"missing title", func(m *Manifest) { m.Title = "  " }, "title: missing"},
		{"missing input schema", func(m *Manifest) { m.InputSchema = nil }, "input_schema: schema is missing"},
		{"bad output schema", func(m *Manifest) { m.OutputSchema = json.RawMessage(`{"type":"nope"}`) }, "output_schema: schema does not compile"},
		{"remote ref", func(m *Manifest) { m.InputSchema = json.RawMessage(`{"$ref":"file:///etc/passwd"}`) }, "input_schema:"},
		{"url as host", func(m *Manifest) { m.Capabilities.Hosts = []string{"https://api.example"} }, "capabilities.hosts[0]:"},
		{"bad port", func(m *Manifest) { m.Capabilities.Hosts = []string{"api.example:99999"} }, "invalid port"},
		{"uppercase host", func(m *Manifest) { m.Capabilities.Hosts = []string{"API.example"} }, "capabilities.hosts[0]"},
		{"secret name", func(m *Manifest) { m.Capabilities.Secrets = []string{"bad name"} }, "capabilities.secrets[0]"},
		{"memory", func(m *Manifest) { m.Limits.MemoryMiB = 5000 }, "limits.memory_mib: 5000 is outside"},
		{"timeout syntax", func(m *Manifest) { m.Limits.Timeout = "5 seconds" }, "limits.timeout:"},
		{"timeout too long", func(m *Manifest) { m.Limits.Timeout = "2h" }, "limits.timeout: 2h0m0s is outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManifest()
			tt.change(&m)
			err := m.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidManifest) {
				t.Fatalf("Validate = %v, want ErrInvalidManifest", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestManifest_ValidateListsEveryField(t *testing.T) {
	m := validManifest()
	m.Name, m.Version = "x", "y"
	err := m.Validate()
	for _, field := range []string{"name:", "version:"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate = %v, want it to name %s", err, field)
		}
	}
}

func TestParseManifest_RejectsUnknownField(t *testing.T) {
	b, err := json.Marshal(validManifest())
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), `{"abi"`, `{"extra":1,"abi"`, 1))
	if _, err := ParseManifest(b); err == nil || !strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Errorf("ParseManifest = %v, want unknown field error", err)
	}
}
