package server

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/actions/builtin/openapicall"
)

// maxTitleBytes is the longest title a manifest accepts.
const maxTitleBytes = 120

// manifest builds the action manifest of one operation.
func (d *openAPIDoc) manifest(op *operation, base, api, version string) (*actions.Manifest, error) {
	defs := map[string]any{}
	input, cfg, err := d.inputSchema(op, defs)
	if err != nil {
		return nil, err
	}
	cfg.Method = op.method
	cfg.URL = base + op.path
	cfg.Auth, err = d.auth(op)
	if err != nil {
		return nil, err
	}
	outDefs := map[string]any{}
	output := d.outputSchema(op, outDefs)

	m := &actions.Manifest{
		ABI:         actions.ABIv1,
		Name:        openapicall.Prefix + api + "." + snakeCase(op.id),
		Version:     version,
		Title:       title(op),
		Description: firstString(op.node, "description"),
		Category:    "openapi",
		Capabilities: actions.Capabilities{
			Hosts:   []string{hostOf(base)},
			Secrets: secretNames(cfg.Auth),
		},
		SideEffects: !isSafeHTTPMethod(op.method),
	}
	if m.InputSchema, err = marshalRaw(withDefs(input, defs)); err != nil {
		return nil, err
	}
	if m.OutputSchema, err = marshalRaw(withDefs(output, outDefs)); err != nil {
		return nil, err
	}
	if m.Config, err = marshalRaw(cfg); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if _, err := actions.CompileSchema(m.InputSchema); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	if _, err := actions.CompileSchema(m.OutputSchema); err != nil {
		return nil, fmt.Errorf("output schema: %w", err)
	}
	return m, nil
}

// inputSchema returns the input schema of op and the parameters of its
// call. Path parameters are always required, and others when the spec
// marks them required.
func (d *openAPIDoc) inputSchema(op *operation, defs map[string]any) (map[string]any, *openapicall.Config, error) {
	props := map[string]any{}
	var required []string
	cfg := &openapicall.Config{}

	for _, p := range d.parameters(op) {
		in, _ := p["in"].(string)
		name, _ := p["name"].(string)
		if in == "cookie" {
			if req, _ := p["required"].(bool); req {
				return nil, nil, fmt.Errorf("required cookie parameter %q is not supported", name)
			}
			continue
		}
		input := name
		if _, taken := props[input]; taken {
			input = name + "_" + in
		}
		props[input] = d.parameterSchema(p, defs)
		cfg.Parameters = append(cfg.Parameters, openapicall.Parameter{Name: name, In: in, Input: input})
		if req, _ := p["required"].(bool); req || in == openapicall.InPath {
			required = append(required, input)
		}
	}

	body, _ := d.resolve(op.node["requestBody"]).(map[string]any)
	if body != nil {
		mediaType, schema, ok := d.jsonContent(body)
		if !ok {
			return nil, nil, fmt.Errorf("request body has no JSON media type; " +
				"only application/json bodies are supported")
		}
		props["body"] = d.convertSchema(schema, defs)
		cfg.Body = &openapicall.Body{Input: "body", ContentType: mediaType}
		if req, _ := body["required"].(bool); req {
			required = append(required, "body")
		}
	}

	schema := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		schema["required"] = required
	}
	return schema, cfg, nil
}

// parameters returns the path item's and the operation's parameters, the
// operation's replacing a path item's of the same name and location.
func (d *openAPIDoc) parameters(op *operation) []map[string]any {
	var list []map[string]any
	index := map[string]int{}
	for _, raw := range append(append([]any{}, op.params...), anySlice(op.node["parameters"])...) {
		p, ok := d.resolve(raw).(map[string]any)
		if !ok {
			continue
		}
		key := fmt.Sprint(p["in"], "/", p["name"])
		if i, ok := index[key]; ok {
			list[i] = p
			continue
		}
		index[key] = len(list)
		list = append(list, p)
	}
	return list
}

func (d *openAPIDoc) parameterSchema(p map[string]any, defs map[string]any) any {
	schema, ok := p["schema"]
	if !ok {
		if content, ok := p["content"].(map[string]any); ok {
			for _, media := range content {
				schema, _ = media.(map[string]any)["schema"]
				break
			}
		}
	}
	converted, _ := d.convertSchema(schema, defs).(map[string]any)
	if converted == nil {
		converted = map[string]any{}
	}
	if desc, ok := p["description"].(string); ok && converted["description"] == nil {
		converted["description"] = desc
	}
	return converted
}

// jsonContent returns the first JSON media type of a request body or
// response and its schema.
func (d *openAPIDoc) jsonContent(node map[string]any) (string, any, bool) {
	content, _ := node["content"].(map[string]any)
	for _, mediaType := range sortedMapKeys(content) {
		if jsonMediaType.MatchString(mediaType) {
			media, _ := content[mediaType].(map[string]any)
			return mediaType, media["schema"], true
		}
	}
	return "", nil, false
}

// outputSchema describes openapicall.Output: the status and the JSON body
// of the first 2xx response that declares one.
func (d *openAPIDoc) outputSchema(op *operation, defs map[string]any) map[string]any {
	props := map[string]any{"status": map[string]any{"type": "integer"}, "body": true}
	responses, _ := op.node["responses"].(map[string]any)
	for _, code := range sortedMapKeys(responses) {
		if !strings.HasPrefix(code, "2") {
			continue
		}
		resp, _ := d.resolve(responses[code]).(map[string]any)
		if _, schema, ok := d.jsonContent(resp); ok && schema != nil {
			props["body"] = d.convertSchema(schema, defs)
			break
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": []string{"status"}}
}

// auth returns the ways to authenticate that the operation's security
// requirement, or else the document's, allows.
func (d *openAPIDoc) auth(op *operation) ([]openapicall.Auth, error) {
	security, ok := op.node["security"].([]any)
	if !ok {
		security, _ = d.root["security"].([]any)
	}
	var list []openapicall.Auth
	seen := map[string]bool{}
	for _, req := range security {
		for _, name := range sortedMapKeys(asMap(req)) {
			if seen[name] {
				continue
			}
			seen[name] = true
			a, err := d.securityScheme(name)
			if err != nil {
				return nil, err
			}
			list = append(list, a)
		}
	}
	return list, nil
}

var secretNameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func (d *openAPIDoc) securityScheme(name string) (openapicall.Auth, error) {
	scheme, _ := d.resolve(d.pointer("#/components/securitySchemes/" + name)).(map[string]any)
	if scheme == nil {
		return openapicall.Auth{}, fmt.Errorf("security scheme %q is not in components.securitySchemes", name)
	}
	a := openapicall.Auth{Secret: secretNameChars.ReplaceAllString(name, "_")}
	typ, _ := scheme["type"].(string)
	switch typ {
	case "http":
		switch s, _ := scheme["scheme"].(string); strings.ToLower(s) {
		case "bearer":
			a.Type = openapicall.AuthBearer
		case "basic":
			a.Type = openapicall.AuthBasic
		default:
			return a, fmt.Errorf("security scheme %q: http scheme %q is not supported; use bearer or basic",
				name, s)
		}
	case "apiKey":
		a.Type = openapicall.AuthAPIKey
		a.In, _ = scheme["in"].(string)
		a.Name, _ = scheme["name"].(string)
		if a.In != openapicall.InHeader && a.In != openapicall.InQuery {
			return a, fmt.Errorf("security scheme %q: API key in %q is not supported; use header or query",
				name, a.In)
		}
	default:
		return a, fmt.Errorf("security scheme %q: type %q is not supported; "+
			"use http bearer, http basic or apiKey", name, typ)
	}
	return a, nil
}

func secretNames(auth []openapicall.Auth) []string {
	var names []string
	for _, a := range auth {
		names = append(names, a.Secret)
	}
	return names
}

func title(op *operation) string {
	t := firstString(op.node, "summary")
	if t == "" {
		t = op.method + " " + op.path
	}
	t = strings.TrimSpace(strings.SplitN(t, "\n", 2)[0])
	if len(t) > maxTitleBytes {
		t = strings.TrimSpace(t[:maxTitleBytes-3]) + "..."
	}
	return t
}

func firstString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
