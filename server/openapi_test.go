package server

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/actions/builtin/openapicall"
)

func readSpec(t *testing.T, name string) []byte {
	t.Helper()
	spec, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func generateOne(t *testing.T, spec []byte, opts OpenAPIOptions) (*actions.Manifest, map[string]any,
	*openapicall.Config) {
	t.Helper()
	manifests, err := GenerateOpenAPIActions(spec, opts)
	if err != nil {
		t.Fatalf("GenerateOpenAPIActions: %v", err)
	}
	if len(manifests) != 1 {
		t.Fatalf("got %d manifests, want 1", len(manifests))
	}
	m := &manifests[0]
	var input map[string]any
	if err := json.Unmarshal(m.InputSchema, &input); err != nil {
		t.Fatal(err)
	}
	cfg, err := configOf(m)
	if err != nil {
		t.Fatal(err)
	}
	return m, input, cfg
}

func TestGenerateOpenAPIActions_Operations(t *testing.T) {
	petstore := readSpec(t, "petstore.yaml")
	tests := []struct {
		name         string
		spec         []byte
		opts         OpenAPIOptions
		wantRef      string
		wantURL      string
		wantHosts    []string
		wantSecrets  []string
		wantRequired []string
		wantSide     bool
		wantAuth     []openapicall.Auth
	}{
		{
			name: "path, query and header parameters", spec: petstore,
			opts:    OpenAPIOptions{Operations: []string{"getPetById"}},
			wantRef: "openapi.pet_store.get_pet_by_id@2.1.0", wantURL: "https://eu.pets.example/v1/pets/{petId}",
			wantHosts: []string{"eu.pets.example"}, wantSecrets: []string{"bearerAuth"},
			wantRequired: []string{"petId", "X-Trace-Id"},
			wantAuth:     []openapicall.Auth{{Type: openapicall.AuthBearer, Secret: "bearerAuth"}},
		},
		{
			name: "json body and two auth options", spec: petstore,
			opts:    OpenAPIOptions{Operations: []string{"createPet"}, Server: "http://127.0.0.1:9999/api/"},
			wantRef: "openapi.pet_store.create_pet@2.1.0", wantURL: "http://127.0.0.1:9999/api/pets",
			wantHosts: []string{"127.0.0.1:9999"}, wantSecrets: []string{"apiKey", "basicAuth"},
			wantRequired: []string{"body"}, wantSide: true,
			wantAuth: []openapicall.Auth{
				{Type: openapicall.AuthAPIKey, Secret: "apiKey", In: "header", Name: "X-API-Key"},
				{Type: openapicall.AuthBasic, Secret: "basicAuth"},
			},
		},
		{
			name: "no security and no response body", spec: petstore,
			opts:    OpenAPIOptions{Operations: []string{"health"}, API: "pets", Version: "3.0.0"},
			wantRef: "openapi.pets.health@3.0.0", wantURL: "https://eu.pets.example/v1/health",
			wantHosts: []string{"eu.pets.example"},
		},
		{
			name: "openapi 3.1 json with query api key", spec: readSpec(t, "lookup31.json"),
			opts:    OpenAPIOptions{Operations: []string{"lookupIp"}},
			wantRef: "openapi.ip_reputation.lookup_ip@1.0.0", wantURL: "https://rep.example/ip/{ip}",
			wantHosts: []string{"rep.example"}, wantSecrets: []string{"key"},
			wantRequired: []string{"ip"},
			wantAuth:     []openapicall.Auth{{Type: openapicall.AuthAPIKey, Secret: "key", In: "query", Name: "key"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, input, cfg := generateOne(t, tt.spec, tt.opts)
			if m.Ref() != tt.wantRef {
				t.Errorf("ref = %q, want %q", m.Ref(), tt.wantRef)
			}
			if cfg.URL != tt.wantURL {
				t.Errorf("config url = %q, want %q", cfg.URL, tt.wantURL)
			}
			if !slices.Equal(m.Capabilities.Hosts, tt.wantHosts) {
				t.Errorf("hosts = %v, want %v", m.Capabilities.Hosts, tt.wantHosts)
			}
			if !slices.Equal(m.Capabilities.Secrets, tt.wantSecrets) {
				t.Errorf("secrets = %v, want %v", m.Capabilities.Secrets, tt.wantSecrets)
			}
			var required []string
			for _, r := range anySlice(input["required"]) {
				required = append(required, r.(string))
			}
			if !slices.Equal(required, tt.wantRequired) {
				t.Errorf("required inputs = %v, want %v", required, tt.wantRequired)
			}
			if m.SideEffects != tt.wantSide {
				t.Errorf("side_effects = %v, want %v", m.SideEffects, tt.wantSide)
			}
			if !reflect.DeepEqual(cfg.Auth, tt.wantAuth) {
				t.Errorf("auth = %+v, want %+v", cfg.Auth, tt.wantAuth)
			}
		})
	}
}

func TestGenerateOpenAPIActions_SchemasValidate(t *testing.T) {
	petstore := readSpec(t, "petstore.yaml")
	tests := []struct {
		name      string
		operation string
		output    bool // check against the output schema instead of the input one
		doc       string
		valid     bool
	}{
		{"body ok", "createPet", false, `{"body": {"name": "Rex", "tag": null}}`, true},
		{"nullable 3.0 field", "createPet", false, `{"body": {"name": "Rex", "tag": 5}}`, false},
		{"exclusive minimum", "createPet", false, `{"body": {"name": "Rex", "weight": 0}}`, false},
		{"missing body", "createPet", false, `{}`, false},
		{"unknown input", "getPetById", false, `{"petId": 1, "X-Trace-Id": "t", "other": 1}`, false},
		{"path parameter type", "getPetById", false, `{"petId": "one", "X-Trace-Id": "t"}`, false},
		{"recursive output", "getPetById", true,
			`{"status": 200, "body": {"name": "Rex", "id": 1, "friends": [{"name": "Ann", "id": 2}]}}`, true},
		{"output missing id", "getPetById", true, `{"status": 200, "body": {"name": "Rex"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, _ := generateOne(t, petstore, OpenAPIOptions{Operations: []string{tt.operation}})
			raw := m.InputSchema
			if tt.output {
				raw = m.OutputSchema
			}
			schema, err := actions.CompileSchema(raw)
			if err != nil {
				t.Fatal(err)
			}
			err = schema.Validate(json.RawMessage(tt.doc))
			if (err == nil) != tt.valid {
				t.Errorf("Validate(%s) = %v, want valid %v", tt.doc, err, tt.valid)
			}
		})
	}
}

func TestGenerateOpenAPIActions_Rejects(t *testing.T) {
	petstore := readSpec(t, "petstore.yaml")
	tests := []struct {
		name, spec string
		opts       OpenAPIOptions
		want       string
	}{
		{"swagger 2", `{"swagger": "2.0"}`, OpenAPIOptions{Operations: []string{"x"}},
			"Swagger 2.0"},
		{"unknown operation", string(petstore), OpenAPIOptions{Operations: []string{"deletePet"}},
			`operation "deletePet" is not in the spec; its operationIds are createPet, getPetById, health`},
		{"no operation", string(petstore), OpenAPIOptions{}, "no operation given"},
		{"relative server", `{"openapi": "3.1.0", "servers": [{"url": "/v1"}], "paths": {}}`,
			OpenAPIOptions{Operations: []string{"x"}}, `server URL "/v1" is not an absolute`},
		{"not yaml", "openapi: [", OpenAPIOptions{Operations: []string{"x"}}, "neither JSON nor YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := GenerateOpenAPIActions([]byte(tt.spec), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
