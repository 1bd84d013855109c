// Action input forms. Every field of an action's input accepts either a
// literal of the declared type or an expression "${{ … }}". So the form edits
// a relaxed copy of the input schema in which number, integer and boolean
// fields are strings, and coerceInputs turns the strings back into literals.
import type { JSONSchema } from "./types";

const EXPRESSION = /^\s*\$\{\{[\s\S]*\}\}\s*$/;

// isExpression reports whether a whole field value is one expression.
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && EXPRESSION.test(value);
}

const RELAXED_TYPES = new Set(["number", "integer", "boolean"]);

// relaxSchema returns a copy of an object schema whose number, integer and
// boolean properties (also inside nested objects and arrays) are strings.
// Combinators (anyOf, oneOf, allOf) are removed from relaxed fields, because
// the form would otherwise validate them with compiled code, which the
// Content-Security-Policy forbids.
export function relaxSchema(schema: JSONSchema | undefined): JSONSchema {
  if (!schema || typeof schema !== "object") return { type: "object", properties: {} };
  return relaxNode(schema);
}

function relaxNode(schema: JSONSchema): JSONSchema {
  const out: JSONSchema = { ...schema };
  const type = schema.type;
  if (typeof type === "string" && RELAXED_TYPES.has(type)) {
    out.type = "string";
    delete out.minimum;
    delete out.maximum;
    delete out.exclusiveMinimum;
    delete out.exclusiveMaximum;
    delete out.multipleOf;
    if (Array.isArray(schema.enum)) out.enum = schema.enum.map(String);
    if (schema.default !== undefined) out.default = String(schema.default);
  }
  const combinators = ["anyOf", "oneOf", "allOf", "not", "if", "then", "else", "dependencies"];
  const combined = combinators.some((key) => key in out);
  for (const key of combinators) delete out[key];
  // A field that had only combinators becomes a plain text field.
  if (combined && out.type === undefined && out.properties === undefined) out.type = "string";
  const props = schema.properties;
  if (props && typeof props === "object") {
    out.properties = Object.fromEntries(
      Object.entries(props as Record<string, JSONSchema>).map(([k, v]) => [k, relaxNode(v)]),
    );
  }
  if (schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
    out.items = relaxNode(schema.items as JSONSchema);
  }
  return out;
}

// toFormData converts stored input values to what the relaxed form shows:
// numbers and booleans become strings.
export function toFormData(value: unknown): unknown {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(toFormData);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toFormData(v)]));
  }
  return value;
}

// coerceInputs converts form data back to input values by the original
// schema: a string in a number, integer or boolean field becomes that
// literal when it parses as one, and stays a string (an expression, or a
// mistake the server reports) otherwise.
export function coerceInputs(value: unknown, schema: JSONSchema | undefined): unknown {
  if (!schema || value === undefined || value === null) return value;
  const type = schema.type;
  if (typeof value === "string") return coerceScalar(value, type);
  if (Array.isArray(value)) {
    const items = schema.items as JSONSchema | undefined;
    return value.map((v) => coerceInputs(v, items));
  }
  if (typeof value === "object") {
    const props = (schema.properties ?? {}) as Record<string, JSONSchema>;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        coerceInputs(v, props[k]),
      ]),
    );
  }
  return value;
}

function coerceScalar(value: string, type: unknown): unknown {
  if (isExpression(value)) return value;
  const text = value.trim();
  if ((type === "number" || type === "integer") && text !== "") {
    const n = Number(text);
    if (Number.isFinite(n) && (type === "number" || Number.isInteger(n))) return n;
  }
  if (type === "boolean" && (text === "true" || text === "false")) return text === "true";
  return value;
}
