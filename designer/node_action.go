package designer

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

func init() {
	registerNodeType(NodeAction, &nodeType{
		canFail:      true,
		continuePort: PortSuccess,
		ports:        fixedPorts(PortSuccess, PortError),
		check:        checkAction,
	})
}

// actionRefPattern matches "name@version": a dotted lowercase name and a
// semantic version.
var actionRefPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*@` +
	`(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// inputSchema is the part of an action's input JSON Schema that validation
// reads.
type inputSchema struct {
	Properties           map[string]propertySchema `json:"properties"`
	Required             []string                  `json:"required"`
	AdditionalProperties json.RawMessage           `json:"additionalProperties"`
}

type propertySchema struct {
	Type json.RawMessage `json:"type"` // a type name or a list of them
}

func checkAction(c *nodeCheck) {
	s, ok := decodeNodeSettings[ActionSettings](c)
	if !ok {
		return
	}
	for _, name := range sortedKeys(s.Inputs) {
		c.checkValue(joinPath("settings.inputs", name), s.Inputs[name])
	}

	checkSecretNames(c, s.Secrets)

	schema, ok := c.lookupAction(s.Action)
	if !ok {
		return
	}
	checkInputNames(c, schema, s.Inputs, "action")
	checkInputTypes(c, schema, s.Inputs)
	checkSecretGrants(c, s.Action, s.Secrets)
}

// SecretCatalog returns the secret names that an action's manifest
// declares in capabilities.secrets. A Catalog passed to Validate may
// implement it too, and when it does not, grants are checked only for
// their form.
type SecretCatalog interface {
	ActionSecrets(ref string) (declared []string, ok bool)
}

// storedSecretPattern is the form of a stored secret name, and
// declaredSecretPattern the form of a name that a manifest declares.
var (
	storedSecretPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	declaredSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// checkSecretNames checks the form of each grant: a declared name mapped
// to a stored secret name.
func checkSecretNames(c *nodeCheck, grants map[string]string) {
	for _, declared := range sortedKeys(grants) {
		field := joinPath("settings.secrets", declared)
		if !declaredSecretPattern.MatchString(declared) {
			c.problemf(field, "secret name %q is invalid; use letters, digits, \"_\", \".\" or \"-\"",
				declared)
		}
		stored := grants[declared]
		if !storedSecretPattern.MatchString(stored) {
			c.problemf(field, "stored secret name %q is invalid; pick a secret from the Secrets "+
				"page (lowercase letters, digits, \"_\", \".\" or \"-\")", stored)
		}
	}
}

// checkSecretGrants reports grants of secrets that the action's manifest
// does not declare.
func checkSecretGrants(c *nodeCheck, ref string, grants map[string]string) {
	cat, ok := c.catalog.(SecretCatalog)
	if !ok || len(grants) == 0 {
		return
	}
	declared, ok := cat.ActionSecrets(ref)
	if !ok {
		return
	}
	for _, name := range sortedKeys(grants) {
		if slices.Contains(declared, name) {
			continue
		}
		if len(declared) == 0 {
			c.problemf(joinPath("settings.secrets", name),
				"action %q declares no secrets, so it cannot be granted %q", ref, name)
			continue
		}
		c.problemf(joinPath("settings.secrets", name),
			"action %q does not declare the secret %q; it declares %s",
			ref, name, strings.Join(declared, ", "))
	}
}

// lookupAction checks the action reference and returns its input schema.
func (c *nodeCheck) lookupAction(ref string) (*inputSchema, bool) {
	switch {
	case ref == "":
		c.problem("settings.action", `missing action; pick one, such as "ioc.extract@1.0.0"`)
		return nil, false
	case !actionRefPattern.MatchString(ref):
		c.problemf("settings.action", `action %q is not name@version, such as "ioc.extract@1.0.0"`, ref)
		return nil, false
	case c.catalog == nil:
		return nil, false
	}

	input, _, ok := c.catalog.LookupAction(ref)
	if !ok {
		c.problemf("settings.action", "action %q is not in the catalog; "+
			"publish it or pick a published version", ref)
		return nil, false
	}
	var schema inputSchema
	if len(input) > 0 {
		if err := json.Unmarshal(input, &schema); err != nil {
			c.problemf("settings.action", "action %q has an invalid input schema: %v", ref, err)
			return nil, false
		}
	}
	return &schema, true
}

// checkInputNames reports inputs the schema does not declare and required
// inputs that are missing. Undeclared inputs are allowed only when the
// schema sets additionalProperties to true or to a schema. owner names
// what the schema belongs to in messages, such as "action".
func checkInputNames(c *nodeCheck, schema *inputSchema, inputs map[string]any, owner string) {
	if schema.Properties != nil && !schema.allowsAdditional() {
		declared := strings.Join(sortedKeys(schema.Properties), ", ")
		for _, name := range sortedKeys(inputs) {
			if _, ok := schema.Properties[name]; !ok {
				c.problemf(joinPath("settings.inputs", name),
					"unknown input %q; the %s's inputs are %s", name, owner, declared)
			}
		}
	}
	for _, name := range schema.Required {
		if _, ok := inputs[name]; !ok {
			c.problemf(joinPath("settings.inputs", name), "missing required input %q", name)
		}
	}
}

func (s *inputSchema) allowsAdditional() bool {
	raw := strings.TrimSpace(string(s.AdditionalProperties))
	return raw != "" && raw != "false"
}

// checkInputTypes compares the JSON type of each literal input with the
// top-level "type" of its property. Whole-field expressions are skipped
// because their type is known only when they run.
func checkInputTypes(c *nodeCheck, schema *inputSchema, inputs map[string]any) {
	for _, name := range sortedKeys(inputs) {
		prop, ok := schema.Properties[name]
		if !ok || len(prop.Type) == 0 {
			continue
		}
		got, known := literalType(inputs[name])
		if !known {
			continue
		}
		want := schemaTypes(prop.Type)
		if len(want) == 0 || typeAllowed(got, inputs[name], want) {
			continue
		}
		c.problemf(joinPath("settings.inputs", name), "input %q must be %s, got %s",
			name, strings.Join(want, " or "), got)
	}
}

// literalType returns the JSON type of a settings value, or false when the
// value is a whole-field expression.
func literalType(v any) (string, bool) {
	if s, ok := v.(string); ok && isWholeExpression(s) {
		return "", false
	}
	switch v.(type) {
	case nil:
		return "null", true
	case string:
		return "string", true
	case bool:
		return "boolean", true
	case float64:
		return "number", true
	case map[string]any:
		return "object", true
	case []any:
		return "array", true
	}
	return fmt.Sprintf("%T", v), true
}

// isWholeExpression reports whether s is one "${{ … }}" and nothing else.
func isWholeExpression(s string) bool {
	segs, err := splitTemplate(s)
	return err == nil && len(segs) == 1 && segs[0].isExpr
}

func schemaTypes(raw json.RawMessage) []string {
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return []string{name}
	}
	var names []string
	if json.Unmarshal(raw, &names) == nil {
		return names
	}
	return nil
}

func typeAllowed(got string, v any, want []string) bool {
	if slices.Contains(want, got) {
		return true
	}
	if got == "number" && slices.Contains(want, "integer") {
		f := v.(float64)
		return f == math.Trunc(f)
	}
	return false
}
