import { describe, expect, it } from "vitest";
import { fromFlow, isValidConnection, toFlow, type StepNode } from "./graph";
import { fitLoops, LOOP_HEADER, LOOP_MIN_WIDTH, LOOP_PADDING, loopAt, NODE_WIDTH, reparent } from "./loops";
import type { Playbook } from "./types";

const nested: Playbook = {
  name: "Each IP",
  nodes: [
    // The body node comes before its loop, which React Flow would reject.
    { id: "lookup", type: "action", parent: "each", position: { x: 140, y: 260 }, settings: { action: "a@1.0.0" } },
    { id: "start", type: "trigger", position: { x: 0, y: 0 }, settings: { kind: "manual" } },
    { id: "each", type: "loop", position: { x: 100, y: 100 }, settings: { items: "${{ trigger.ips }}" } },
    { id: "inner", type: "loop", parent: "each", position: { x: 400, y: 200 }, settings: { items: [1] } },
    { id: "note", type: "transform", parent: "inner", position: { x: 450, y: 340 }, settings: { values: { a: 1 } } },
  ],
  edges: [{ from: "start", port: "success", to: "each" }],
};

describe("toFlow with loop bodies", () => {
  const { nodes } = toFlow(nested);
  const byId = new Map(nodes.map((n) => [n.id, n]));

  it("puts each loop before its body", () => {
    const order = nodes.map((n) => n.id);
    expect(order.indexOf("each")).toBeLessThan(order.indexOf("lookup"));
    expect(order.indexOf("each")).toBeLessThan(order.indexOf("inner"));
    expect(order.indexOf("inner")).toBeLessThan(order.indexOf("note"));
  });

  it("makes body nodes children positioned relative to their loop", () => {
    expect(byId.get("lookup")?.parentId).toBe("each");
    expect(byId.get("lookup")?.position).toEqual({ x: 40, y: 160 });
    expect(byId.get("note")?.parentId).toBe("inner");
    expect(byId.get("note")?.position).toEqual({ x: 50, y: 140 });
    expect(byId.get("start")?.parentId).toBeUndefined();
  });

  it("sizes loop frames around their bodies", () => {
    const inner = byId.get("inner")!;
    expect(inner.style?.width).toBe(Math.max(LOOP_MIN_WIDTH, 50 + NODE_WIDTH + LOOP_PADDING));
    const each = byId.get("each")!;
    expect(each.style?.width).toBe(300 + Number(inner.style?.width) + LOOP_PADDING);
  });

  it("round-trips positions in canvas pixels and the parent field", () => {
    const back = fromFlow(nodes, []).nodes;
    const byBackId = new Map(back.map((n) => [n.id, n]));
    for (const n of nested.nodes) {
      expect(byBackId.get(n.id)?.position, n.id).toEqual(n.position);
      expect(byBackId.get(n.id)?.parent, n.id).toBe(n.parent);
    }
  });
});

describe("loopAt", () => {
  const { nodes } = toFlow(nested);

  it("finds the innermost loop under a point", () => {
    expect(loopAt(nodes, { x: 460, y: 350 })).toBe("inner");
    expect(loopAt(nodes, { x: 150, y: 270 })).toBe("each");
    expect(loopAt(nodes, { x: 10, y: 10 })).toBeUndefined();
  });

  it("ignores the node being moved and loops inside it", () => {
    expect(loopAt(nodes, { x: 460, y: 350 }, "inner")).toBe("each");
    expect(loopAt(nodes, { x: 460, y: 350 }, "each")).toBeUndefined();
  });
});

describe("reparent", () => {
  const { nodes } = toFlow(nested);

  it("keeps a node's place when it enters a loop", () => {
    const moved = reparent(nodes, "start", "each");
    const start = moved.find((n) => n.id === "start")!;
    expect(start.parentId).toBe("each");
    // The node moves down and right to clear the loop's header.
    expect(start.position).toEqual({ x: LOOP_PADDING, y: LOOP_HEADER });
    expect(moved.map((n) => n.id).indexOf("each")).toBeLessThan(moved.map((n) => n.id).indexOf("start"));
  });

  it("keeps a node's place when it leaves to the top level", () => {
    const moved = reparent(nodes, "note", undefined);
    const note = moved.find((n) => n.id === "note")!;
    expect(note.parentId).toBeUndefined();
    expect(note.position).toEqual({ x: 450, y: 340 });
  });

  it("rejects moving a loop into its own body", () => {
    expect(reparent(nodes, "each", "inner")).toBe(nodes);
  });
});

describe("fitLoops", () => {
  it("returns the same array when no frame changes", () => {
    const { nodes } = toFlow(nested);
    expect(fitLoops(nodes)).toBe(nodes);
  });
});

describe("isValidConnection across bodies", () => {
  const { nodes } = toFlow(nested) as { nodes: StepNode[] };

  it("rejects an edge into a loop body from outside", () => {
    expect(isValidConnection(nodes, [], { source: "start", sourceHandle: "success", target: "lookup" })).toBe(false);
  });
  it("rejects an edge from a loop into its own body", () => {
    expect(isValidConnection(nodes, [], { source: "each", sourceHandle: "success", target: "lookup" })).toBe(false);
  });
  it("accepts an edge inside one body", () => {
    expect(isValidConnection(nodes, [], { source: "lookup", sourceHandle: "success", target: "inner" })).toBe(true);
  });
});
