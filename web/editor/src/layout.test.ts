import type { Edge } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { toFlow } from "./graph";
import { LAYER_GAP, layeredLayout, layers, NODE_GAP, overlapping } from "./layout";
import { NODE_HEIGHT, NODE_WIDTH } from "./loops";
import type { Playbook } from "./types";

const crowded: Playbook = {
  name: "Crowded",
  nodes: [
    { id: "start", type: "trigger", position: { x: 0, y: 0 }, settings: { kind: "manual" } },
    { id: "check", type: "condition", position: { x: 100, y: 0 }, settings: { expression: "true" } },
    { id: "listed", type: "transform", position: { x: 200, y: 0 }, settings: { values: {} } },
    { id: "benign", type: "transform", position: { x: 200, y: 50 }, settings: { values: {} } },
    { id: "done", type: "end", position: { x: 300, y: 0 }, settings: {} },
  ],
  edges: [
    { from: "start", port: "success", to: "check" },
    { from: "check", port: "true", to: "listed" },
    { from: "check", port: "false", to: "benign" },
    { from: "listed", port: "success", to: "done" },
    { from: "benign", port: "success", to: "done" },
  ],
};

describe("layers", () => {
  it("uses the longest path from a source", () => {
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "c" },
      { source: "a", target: "c" },
    ];
    expect(Object.fromEntries(layers(["a", "b", "c"], edges))).toEqual({ a: 0, b: 1, c: 2 });
  });
  it("ends on a cycle", () => {
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "a" },
    ];
    expect(layers(["a", "b"], edges).size).toBe(2);
  });
});

describe("layeredLayout", () => {
  const { nodes, edges } = toFlow(crowded);

  it("detects the overlap of the stored positions", () => {
    expect(overlapping(nodes)).toBe(true);
  });

  it("places nodes in columns without overlap", () => {
    const positions = layeredLayout(nodes, edges as Edge[]);
    const laid = nodes.map((n) => ({ ...n, position: positions.get(n.id)! }));
    expect(overlapping(laid)).toBe(false);
    expect(positions.get("check")).toEqual({ x: NODE_WIDTH + LAYER_GAP, y: 0 });
    expect(positions.get("listed")?.x).toBe(positions.get("benign")?.x);
    expect(positions.get("benign")?.y).toBe(NODE_HEIGHT + NODE_GAP);
    expect(positions.get("done")?.x).toBe(3 * (NODE_WIDTH + LAYER_GAP));
  });
});
