// Outcome ports of each node type, mirroring designer.Ports on the server.
import type { NodeType } from "./types";

// PortSource is the part of a node that decides its ports.
export type PortSource = {
  type: NodeType;
  settings?: Record<string, unknown>;
  on_error?: string;
};

// TARGET_HANDLE is the id of the single input handle of a node.
export const TARGET_HANDLE = "in";

// Port name prefixes of switch cases ("case:high") and approval options
// ("option:approve").
export const CASE_PREFIX = "case:";
export const OPTION_PREFIX = "option:";

// DEFAULT_OPTIONS are the options of an approval that sets none.
export const DEFAULT_OPTIONS = ["approve", "reject"];

// failingTypes are the node types whose step can fail, which take retry,
// timeout and on_error, and which get an error port when on_error is
// "route".
const failingTypes = new Set<NodeType>([
  "action",
  "condition",
  "transform",
  "switch",
  "loop",
  "approval",
  "delay",
  "subplaybook",
]);

// canFail reports whether a step of this type can fail.
export function canFail(type: NodeType): boolean {
  return failingTypes.has(type);
}

// takesTimeout reports whether the node-level timeout applies. Approval and
// delay nodes set how long they wait in their settings instead.
export function takesTimeout(type: NodeType): boolean {
  return canFail(type) && type !== "approval" && type !== "delay";
}

// onErrorChoices lists the on_error values a node type accepts. An approval
// has no port to continue through, so it rejects "continue".
export function onErrorChoices(type: NodeType): string[] {
  if (!canFail(type)) return [];
  return type === "approval" ? ["fail", "route"] : ["fail", "continue", "route"];
}

// switchCases returns the cases of a switch node's settings, dropping
// malformed entries.
export function switchCases(settings: Record<string, unknown> = {}): {
  name: string;
  expression: string;
}[] {
  const cases = Array.isArray(settings.cases) ? settings.cases : [];
  return cases
    .filter((c): c is Record<string, unknown> => typeof c === "object" && c !== null)
    .map((c) => ({ name: String(c.name ?? ""), expression: String(c.expression ?? "") }));
}

// approvalOptions returns an approval's options, or approve and reject when
// it sets none.
export function approvalOptions(settings: Record<string, unknown> = {}): string[] {
  const options = Array.isArray(settings.options) ? settings.options.map(String) : [];
  return options.length > 0 ? options : DEFAULT_OPTIONS;
}

function basePorts(node: PortSource): string[] {
  const settings = node.settings ?? {};
  switch (node.type) {
    case "action":
    case "loop":
    case "subplaybook":
      return ["success", "error"];
    case "condition":
      return ["true", "false"];
    case "trigger":
    case "transform":
    case "join":
    case "delay":
      return ["success"];
    case "switch":
      return [...switchCases(settings).map((c) => CASE_PREFIX + c.name), "default"];
    case "approval": {
      const ports = approvalOptions(settings).map((o) => OPTION_PREFIX + o);
      return settings.timeout ? [...ports, "timeout"] : ports;
    }
    case "end":
      return [];
  }
}

// portsFor returns the outcome ports of a node in display order. A node
// that can fail and routes errors also has the "error" port.
export function portsFor(node: PortSource): string[] {
  const ports = basePorts(node);
  if (canFail(node.type) && node.on_error === "route" && !ports.includes("error")) {
    ports.push("error");
  }
  return ports;
}

// hasInput reports whether edges may end at a node of this type.
export function hasInput(type: NodeType): boolean {
  return type !== "trigger";
}

// portLabel returns the text shown beside a port: the case or option name
// for "case:…" and "option:…" ports, otherwise the port itself.
export function portLabel(port: string): string {
  if (port.startsWith(CASE_PREFIX)) return port.slice(CASE_PREFIX.length);
  if (port.startsWith(OPTION_PREFIX)) return port.slice(OPTION_PREFIX.length);
  return port;
}
