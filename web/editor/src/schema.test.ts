import { describe, expect, it } from "vitest";
import { coerceInputs, isExpression, relaxSchema, toFormData } from "./schema";

const schema = {
  type: "object",
  required: ["ip"],
  properties: {
    ip: { type: "string", format: "ipv4" },
    max_age_days: { type: "integer", minimum: 1, default: 30 },
    verbose: { type: "boolean" },
    tags: { type: "array", items: { type: "number" } },
    mode: { anyOf: [{ type: "string" }, { type: "integer" }] },
  },
};

describe("relaxSchema", () => {
  it("turns number, integer and boolean fields into strings", () => {
    const relaxed = relaxSchema(schema) as { properties: Record<string, Record<string, unknown>> };
    expect(relaxed.properties.ip).toEqual({ type: "string", format: "ipv4" });
    expect(relaxed.properties.max_age_days).toEqual({ type: "string", default: "30" });
    expect(relaxed.properties.verbose).toEqual({ type: "string" });
    expect(relaxed.properties.tags).toEqual({ type: "array", items: { type: "string" } });
    expect(relaxed.properties.mode).toEqual({ type: "string" });
    expect((relaxed as Record<string, unknown>).required).toEqual(["ip"]);
  });
  it("returns an empty object schema for a missing schema", () => {
    expect(relaxSchema(undefined)).toEqual({ type: "object", properties: {} });
  });
});

describe("coerceInputs", () => {
  it.each([
    ["an integer literal", { max_age_days: "7" }, { max_age_days: 7 }],
    ["a fractional integer", { max_age_days: "7.5" }, { max_age_days: "7.5" }],
    ["a boolean literal", { verbose: "true" }, { verbose: true }],
    ["an expression", { max_age_days: "${{ inputs.days }}" }, { max_age_days: "${{ inputs.days }}" }],
    ["array items", { tags: ["1.5", "${{ x }}"] }, { tags: [1.5, "${{ x }}"] }],
    ["a string field", { ip: "10" }, { ip: "10" }],
    ["an unknown field", { other: "1" }, { other: "1" }],
  ])("keeps the declared type of %s", (_, input, want) => {
    expect(coerceInputs(input, schema)).toEqual(want);
  });
});

describe("toFormData", () => {
  it("shows numbers and booleans as strings", () => {
    expect(toFormData({ a: 1, b: true, c: ["x", 2], d: null })).toEqual({
      a: "1",
      b: "true",
      c: ["x", "2"],
      d: null,
    });
  });
});

describe("isExpression", () => {
  it.each([
    ["${{ trigger.ip }}", true],
    ["  ${{ a }} ", true],
    ["ip ${{ a }}", false],
    ["plain", false],
    [3, false],
  ])("judges %j", (value, want) => {
    expect(isExpression(value)).toBe(want);
  });
});
