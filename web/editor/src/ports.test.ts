import { describe, expect, it } from "vitest";
import { canFail, onErrorChoices, portLabel, portsFor, takesTimeout, type PortSource } from "./ports";

describe("portsFor", () => {
  const cases: [string, PortSource, string[]][] = [
    ["switch cases then default", {
      type: "switch",
      settings: { cases: [{ name: "critical", expression: "a" }, { name: "high", expression: "b" }] },
    }, ["case:critical", "case:high", "default"]],
    ["switch without cases", { type: "switch", settings: {} }, ["default"]],
    ["approval default options", { type: "approval", settings: { question: "q" } }, [
      "option:approve",
      "option:reject",
    ]],
    ["approval options and timeout", {
      type: "approval",
      settings: { options: ["isolate", "ignore"], timeout: "1h" },
    }, ["option:isolate", "option:ignore", "timeout"]],
    ["approval routing errors", { type: "approval", settings: {}, on_error: "route" }, [
      "option:approve",
      "option:reject",
      "error",
    ]],
    ["loop", { type: "loop" }, ["success", "error"]],
    ["join", { type: "join" }, ["success"]],
    ["join ignores route", { type: "join", on_error: "route" }, ["success"]],
    ["delay routing errors", { type: "delay", on_error: "route" }, ["success", "error"]],
    ["condition routing errors", { type: "condition", on_error: "route" }, ["true", "false", "error"]],
    ["action keeps one error port", { type: "action", on_error: "route" }, ["success", "error"]],
    ["subplaybook", { type: "subplaybook" }, ["success", "error"]],
    ["end routing errors", { type: "end", on_error: "route" }, []],
  ];
  it.each(cases)("lists %s", (_name, node, want) => {
    expect(portsFor(node)).toEqual(want);
  });
});

describe("portLabel", () => {
  it.each([
    ["case:high", "high"],
    ["option:approve", "approve"],
    ["timeout", "timeout"],
  ])("labels %s as %s", (port, want) => {
    expect(portLabel(port)).toBe(want);
  });
});

describe("common settings by type", () => {
  it("lets only failing types take on_error", () => {
    expect(canFail("join")).toBe(false);
    expect(canFail("trigger")).toBe(false);
    expect(canFail("loop")).toBe(true);
    expect(onErrorChoices("end")).toEqual([]);
  });
  it("rejects continue on an approval", () => {
    expect(onErrorChoices("approval")).toEqual(["fail", "route"]);
    expect(onErrorChoices("delay")).toEqual(["fail", "continue", "route"]);
  });
  it("leaves the node timeout off waiting types", () => {
    expect(takesTimeout("approval")).toBe(false);
    expect(takesTimeout("delay")).toBe(false);
    expect(takesTimeout("subplaybook")).toBe(true);
  });
});
