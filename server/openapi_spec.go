package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/actions/builtin/openapicall"
)

// OpenAPIOptions select what GenerateOpenAPIActions generates.
type OpenAPIOptions struct {
	Operations []string // operationIds; at least one
	Server     string   // base URL of the API; empty takes the spec's first server
	API        string   // middle part of each action name; empty derives it from info.title
	Version    string   // action version; empty takes info.version when it is semantic, else 1.0.0
}

// openAPIDoc is a parsed OpenAPI document as generic JSON values.
type openAPIDoc struct {
	root map[string]any
	v30  bool // OpenAPI 3.0, whose schemas differ from JSON Schema 2020-12
}

var jsonMediaType = regexp.MustCompile(`^application/([a-z0-9.+-]*\+)?json(;.*)?$`)

// GenerateOpenAPIActions turns operations of an OpenAPI 3.0 or 3.1
// document, in JSON or YAML, into action manifests run by the bundled
// openapicall function. Inputs come from the path, query and header
// parameters and the JSON request body. The output is the status and the
// JSON body of the first 2xx response.
func GenerateOpenAPIActions(spec []byte, opts OpenAPIOptions) ([]actions.Manifest, error) {
	doc, err := parseOpenAPI(spec)
	if err != nil {
		return nil, err
	}
	if len(opts.Operations) == 0 {
		return nil, errors.New("no operation given; name one or more operationIds")
	}
	base, err := doc.serverURL(opts.Server)
	if err != nil {
		return nil, err
	}
	api, version, err := doc.naming(opts)
	if err != nil {
		return nil, err
	}

	var manifests []actions.Manifest
	for _, id := range opts.Operations {
		op, err := doc.operation(id)
		if err != nil {
			return nil, err
		}
		m, err := doc.manifest(op, base, api, version)
		if err != nil {
			return nil, fmt.Errorf("operation %q: %w", id, err)
		}
		manifests = append(manifests, *m)
	}
	return manifests, nil
}

func parseOpenAPI(spec []byte) (*openAPIDoc, error) {
	var raw any
	if err := yaml.Unmarshal(spec, &raw); err != nil {
		return nil, fmt.Errorf("spec is neither JSON nor YAML: %w", err)
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("spec is not an object")
	}
	version, _ := root["openapi"].(string)
	switch {
	case strings.HasPrefix(version, "3.0."):
		return &openAPIDoc{root: root, v30: true}, nil
	case strings.HasPrefix(version, "3.1."):
		return &openAPIDoc{root: root}, nil
	case version == "" && root["swagger"] != nil:
		return nil, errors.New("spec is Swagger 2.0; convert it to OpenAPI 3 first")
	}
	return nil, fmt.Errorf("openapi version %q is not supported; use 3.0.x or 3.1.x", version)
}

// serverURL returns override, or the spec's first server URL with each
// variable set to its default.
func (d *openAPIDoc) serverURL(override string) (string, error) {
	raw := override
	if raw == "" {
		servers, _ := d.root["servers"].([]any)
		if len(servers) > 0 {
			s, _ := servers[0].(map[string]any)
			raw, _ = s["url"].(string)
			vars, _ := s["variables"].(map[string]any)
			for name, v := range vars {
				def, _ := v.(map[string]any)["default"].(string)
				raw = strings.ReplaceAll(raw, "{"+name+"}", def)
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("server URL %q is not an absolute http or https URL; "+
			"pass the API's base URL as the server", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// naming returns the API part of action names and the version.
func (d *openAPIDoc) naming(opts OpenAPIOptions) (string, string, error) {
	info, _ := d.root["info"].(map[string]any)
	api := opts.API
	if api == "" {
		title, _ := info["title"].(string)
		api = snakeCase(title)
	}
	if !namePartPattern.MatchString(api) {
		return "", "", fmt.Errorf("API name %q is invalid; use lowercase letters, digits and \"_\", "+
			"starting with a letter", api)
	}
	version := opts.Version
	if version == "" {
		version, _ = info["version"].(string)
		if !semverPattern.MatchString(version) {
			version = "1.0.0"
		}
	}
	return api, version, nil
}

var (
	namePartPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	semverPattern   = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$`)
)

// operation is one operation of the document and where it sits.
type operation struct {
	id     string
	method string
	path   string
	node   map[string]any
	params []any // the path item's parameters, before the operation's own
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func (d *openAPIDoc) operation(id string) (*operation, error) {
	paths, _ := d.root["paths"].(map[string]any)
	var ids []string
	for _, path := range sortedMapKeys(paths) {
		item, _ := d.resolve(paths[path]).(map[string]any)
		for _, method := range httpMethods {
			node, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			opID, _ := node["operationId"].(string)
			if opID == id {
				params, _ := item["parameters"].([]any)
				return &operation{id: id, method: strings.ToUpper(method), path: path,
					node: node, params: params}, nil
			}
			if opID != "" {
				ids = append(ids, opID)
			}
		}
	}
	sort.Strings(ids)
	return nil, fmt.Errorf("operation %q is not in the spec; its operationIds are %s",
		id, strings.Join(ids, ", "))
}

// resolve follows local "$ref"s such as "#/components/parameters/Limit".
func (d *openAPIDoc) resolve(node any) any {
	for range 32 {
		m, ok := node.(map[string]any)
		if !ok {
			return node
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return node
		}
		node = d.pointer(ref)
	}
	return nil
}

func (d *openAPIDoc) pointer(ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var node any = d.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[part]
	}
	return node
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// snakeCase turns "getPetById" or "Pet Store API" into "get_pet_by_id" or
// "pet_store_api".
func snakeCase(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			prevLower = true
		default:
			b.WriteByte('_')
			prevLower = false
		}
	}
	out := regexp.MustCompile(`_+`).ReplaceAllString(b.String(), "_")
	out = strings.Trim(out, "_")
	if out != "" && !unicode.IsLetter(rune(out[0])) {
		out = "op_" + out
	}
	return out
}

// hostOf returns the host, and the port when the URL names one, for
// capabilities.hosts.
func hostOf(base string) string {
	u, _ := url.Parse(base)
	return strings.ToLower(u.Host)
}

// isSafeHTTPMethod reports whether a method only reads.
func isSafeHTTPMethod(method string) bool {
	return slices.Contains([]string{"GET", "HEAD", "OPTIONS"}, method)
}

// marshalRaw encodes v as JSON for a manifest field.
func marshalRaw(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// configOf returns the openapicall config of a manifest.
func configOf(m *actions.Manifest) (*openapicall.Config, error) {
	var cfg openapicall.Config
	if err := json.Unmarshal(m.Config, &cfg); err != nil {
		return nil, err
	}
	return &cfg, nil
}
