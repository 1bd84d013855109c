import { describe, expect, it } from "vitest";
import {
  actionPaletteItems,
  basePaletteItems,
  fromFlow,
  isValidConnection,
  manualTrigger,
  newNode,
  nextNodeId,
  portsFor,
  slugify,
  toFlow,
} from "./graph";
import type { ActionInfo, Playbook } from "./types";

describe("slugify", () => {
  it.each([
    ["ioc.extract", "ioc_extract"],
    ["Trigger", "trigger"],
    ["http request v2", "http_request_v2"],
    ["--edge--", "edge"],
    ["", "node"],
    ["3rd.party", "n_3rd_party"],
  ])("turns %j into %j", (input, want) => {
    expect(slugify(input)).toBe(want);
  });
});

describe("nextNodeId", () => {
  it("uses the base when it is free", () => {
    expect(nextNodeId("ioc.extract", ["trigger"])).toBe("ioc_extract");
  });
  it("appends the first free suffix", () => {
    expect(nextNodeId("ioc.extract", ["ioc_extract"])).toBe("ioc_extract_2");
    expect(nextNodeId("ioc.extract", ["ioc_extract", "ioc_extract_2", "ioc_extract_4"])).toBe(
      "ioc_extract_3",
    );
  });
});

describe("portsFor", () => {
  it.each([
    ["action", ["success", "error"]],
    ["condition", ["true", "false"]],
    ["trigger", ["success"]],
    ["transform", ["success"]],
    ["end", []],
  ] as const)("lists the ports of %s", (type, want) => {
    expect(portsFor({ type })).toEqual(want);
  });
});

const playbook: Playbook = {
  id: "pb1",
  version: 3,
  name: "Triage",
  nodes: [
    { id: "manual_trigger", type: "trigger", name: "Start", position: { x: 0, y: 10 }, settings: { kind: "manual" } },
    {
      id: "ioc_extract",
      type: "action",
      name: "Extract",
      position: { x: 200, y: 10 },
      settings: { action: "ioc.extract@1.0.0", inputs: { text: "${{ trigger.body }}" } },
      retry: { attempts: 3 },
      timeout: "30s",
      on_error: "route",
    },
    { id: "end", type: "end", position: { x: 400, y: 10 }, settings: { outcome: "succeeded" } },
  ],
  edges: [
    { id: "e1", from: "manual_trigger", port: "success", to: "ioc_extract" },
    { from: "ioc_extract", port: "error", to: "end" },
  ],
};

describe("toFlow and fromFlow", () => {
  it("converts nodes and edges for React Flow", () => {
    const { nodes, edges } = toFlow(playbook);
    expect(nodes.map((n) => n.id)).toEqual(["manual_trigger", "ioc_extract", "end"]);
    expect(nodes[1].type).toBe("action");
    expect(nodes[1].position).toEqual({ x: 200, y: 10 });
    expect(nodes[1].data.settings).toEqual(playbook.nodes[1].settings);
    expect(nodes[2].data.name).toBe("");
    expect(edges[0]).toMatchObject({ id: "e1", source: "manual_trigger", sourceHandle: "success", target: "ioc_extract" });
    expect(edges[1].id).toBe("ioc_extract:error->end");
  });

  it("round-trips a playbook without losing fields", () => {
    const { nodes, edges } = toFlow(playbook);
    const back = fromFlow(nodes, edges);
    expect(back.nodes).toEqual(playbook.nodes);
    expect(back.edges).toEqual([
      { id: "e1", from: "manual_trigger", port: "success", to: "ioc_extract" },
      { id: "ioc_extract:error->end", from: "ioc_extract", port: "error", to: "end" },
    ]);
  });

  it("drops canvas-only data and rounds positions", () => {
    const { nodes, edges } = toFlow(playbook);
    nodes[0].data.problems = ["bad"];
    nodes[0].data.status = "running";
    nodes[0].position = { x: 10.6, y: -3.2 };
    const back = fromFlow(nodes, edges);
    expect(back.nodes[0]).toEqual({
      id: "manual_trigger",
      type: "trigger",
      name: "Start",
      position: { x: 11, y: -3 },
      settings: { kind: "manual" },
    });
  });
});

describe("newNode", () => {
  it("gives each new node a unique slug id and its own settings", () => {
    const transform = basePaletteItems.find((i) => i.key === "transform")!;
    const a = newNode(transform, { x: 1.4, y: 2.6 }, [], "Transform");
    const b = newNode(transform, { x: 0, y: 0 }, [a.id], "Transform");
    expect(a.id).toBe("transform");
    expect(b.id).toBe("transform_2");
    expect(a.position).toEqual({ x: 1, y: 3 });
    (a.data.settings.values as Record<string, unknown>).x = 1;
    expect(b.data.settings.values).toEqual({});
  });
});

describe("actionPaletteItems", () => {
  it("sorts actions by category, then title, with ids from the action name", () => {
    const info = (name: string, title: string, category: string): ActionInfo => ({
      manifest: { name, version: "1.0.0", title, category },
      sha256: "",
      builtin: true,
    });
    const items = actionPaletteItems([
      info("slack.post", "Post to Slack", "notify"),
      info("ioc.extract", "Extract indicators", "enrich"),
      info("abuseipdb.check", "Check IP", "enrich"),
    ]);
    expect(items.map((i) => i.label)).toEqual(["Check IP", "Extract indicators", "Post to Slack"]);
    expect(items[1].settings).toEqual({ action: "ioc.extract@1.0.0", inputs: {} });
    expect(newNode(items[1], { x: 0, y: 0 }, [], "x").id).toBe("ioc_extract");
  });
});

describe("isValidConnection", () => {
  const { nodes, edges } = toFlow(playbook);
  it.each([
    ["an unused port", { source: "ioc_extract", sourceHandle: "success", target: "end" }, true],
    ["a port the node lacks", { source: "ioc_extract", sourceHandle: "true", target: "end" }, false],
    ["an edge into a trigger", { source: "ioc_extract", sourceHandle: "success", target: "manual_trigger" }, false],
    ["a self loop", { source: "ioc_extract", sourceHandle: "success", target: "ioc_extract" }, false],
    ["a repeated edge", { source: "manual_trigger", sourceHandle: "success", target: "ioc_extract" }, false],
  ])("judges %s", (_, c, want) => {
    expect(isValidConnection(nodes, edges, c)).toBe(want);
  });
});

describe("manualTrigger", () => {
  it("finds the manual trigger and ignores webhook triggers", () => {
    const { nodes } = toFlow(playbook);
    expect(manualTrigger(nodes)).toBe("manual_trigger");
    nodes[0].data.settings = { kind: "webhook" };
    expect(manualTrigger(nodes)).toBeUndefined();
  });
});
