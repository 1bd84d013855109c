import { beforeEach, describe, expect, it } from "vitest";
import { useEditor } from "./store";
import type { Playbook } from "./types";

const playbook: Playbook = {
  id: "pb",
  version: 1,
  name: "Store",
  nodes: [
    { id: "start", type: "trigger", position: { x: 0, y: 0 }, settings: { kind: "manual" } },
    { id: "each", type: "loop", position: { x: 300, y: 0 }, settings: { items: [1] } },
    { id: "note", type: "transform", position: { x: 340, y: 140 }, settings: { values: { a: 1 } } },
    {
      id: "sev",
      type: "switch",
      position: { x: 800, y: 0 },
      settings: { cases: [{ name: "high", expression: "true" }] },
    },
    { id: "done", type: "end", position: { x: 1100, y: 0 }, settings: {} },
  ],
  edges: [
    { from: "start", port: "success", to: "note" },
    { from: "sev", port: "case:high", to: "done" },
    { from: "sev", port: "default", to: "done" },
  ],
};

const edgeKeys = () => useEditor.getState().edges.map((e) => `${e.source}:${e.sourceHandle}->${e.target}`);

describe("editor store", () => {
  beforeEach(() => useEditor.getState().load(playbook));

  it("moves a node into a loop body and drops edges that cross it", () => {
    useEditor.getState().moveToLoop("note", "each");
    const note = useEditor.getState().nodes.find((n) => n.id === "note");
    expect(note?.parentId).toBe("each");
    expect(edgeKeys()).not.toContain("start:success->note");
    expect(useEditor.getState().toPlaybook().nodes.find((n) => n.id === "note")?.parent).toBe("each");
  });

  it("keeps the edges of a renamed switch case", () => {
    useEditor.getState().renamePort("sev", "case:high", "case:critical");
    expect(edgeKeys()).toContain("sev:case:critical->done");
    expect(edgeKeys()).not.toContain("sev:case:high->done");
  });

  it("drops edges from a removed switch case", () => {
    useEditor.getState().updateNode("sev", { settings: { cases: [] } });
    expect(edgeKeys()).toEqual(["start:success->note", "sev:default->done"]);
  });

  it("removes a loop with its body", () => {
    useEditor.getState().moveToLoop("note", "each");
    useEditor.getState().removeNode("each");
    expect(useEditor.getState().nodes.map((n) => n.id)).toEqual(["start", "sev", "done"]);
  });
});
