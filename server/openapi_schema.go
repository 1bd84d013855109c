package server

import "strings"

const componentSchemas = "#/components/schemas/"

// convertSchema returns a copy of an OpenAPI schema as JSON Schema 2020-12.
// A "$ref" to components.schemas becomes a "$ref" to "$defs", and the
// referenced schema is converted into defs once. OpenAPI 3.0 keywords are
// rewritten: "nullable" adds "null" to "type", boolean "exclusiveMinimum"
// and "exclusiveMaximum" become numbers, and "example" becomes "examples".
func (d *openAPIDoc) convertSchema(node any, defs map[string]any) any {
	switch v := node.(type) {
	case map[string]any:
		return d.convertObject(v, defs)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = d.convertSchema(item, defs)
		}
		return out
	case nil:
		return map[string]any{}
	}
	return node
}

func (d *openAPIDoc) convertObject(v map[string]any, defs map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for key, item := range v {
		switch key {
		case "$ref":
			out[key] = d.convertRef(item, defs)
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
			// The keys of these objects are names, not keywords.
			props := map[string]any{}
			for name, schema := range asMap(item) {
				props[name] = d.convertSchema(schema, defs)
			}
			out[key] = props
		case "example", "examples", "enum", "const", "default":
			out[key] = item // values, not schemas
		case "discriminator", "xml", "externalDocs":
			// Annotations of OpenAPI that JSON Schema has no use for.
		default:
			out[key] = d.convertSchema(item, defs)
		}
	}
	if d.v30 {
		convert30(out)
	}
	return out
}

// convertRef rewrites a reference to a component schema and converts the
// component into defs.
func (d *openAPIDoc) convertRef(ref any, defs map[string]any) any {
	s, ok := ref.(string)
	if !ok || !strings.HasPrefix(s, componentSchemas) {
		return ref
	}
	name := s[len(componentSchemas):]
	if _, done := defs[name]; !done {
		defs[name] = true // placeholder, so a recursive schema stops here
		defs[name] = d.convertSchema(d.pointer(s), defs)
	}
	return "#/$defs/" + name
}

// convert30 rewrites the OpenAPI 3.0 keywords of one converted schema.
func convert30(s map[string]any) {
	if nullable, _ := s["nullable"].(bool); nullable {
		switch t := s["type"].(type) {
		case string:
			s["type"] = []any{t, "null"}
		case []any:
			s["type"] = append(t, "null")
		}
	}
	delete(s, "nullable")
	for _, bound := range []string{"Minimum", "Maximum"} {
		exclusive, isBool := s["exclusive"+bound].(bool)
		if !isBool {
			continue
		}
		delete(s, "exclusive"+bound)
		limit := strings.ToLower(bound)
		if value, ok := s[limit]; ok && exclusive {
			s["exclusive"+bound] = value
			delete(s, limit)
		}
	}
	if example, ok := s["example"]; ok {
		if _, has := s["examples"]; !has {
			s["examples"] = []any{example}
		}
		delete(s, "example")
	}
}

// withDefs adds the converted component schemas to a root schema.
func withDefs(schema map[string]any, defs map[string]any) map[string]any {
	if len(defs) > 0 {
		schema["$defs"] = defs
	}
	return schema
}
