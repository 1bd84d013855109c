// Editor state: the graph on the canvas, the playbook it came from, the
// selection and the findings of the last save.
import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { create } from "zustand";
import { flowEdge, fromFlow, portsFor, toFlow, type StepNode } from "./graph";
import { fitLoops, parentsFirst, reparent } from "./loops";
import type { Playbook, Problem } from "./types";

export type EditorState = {
  playbookId: string;
  version: number;
  name: string;
  base: Playbook | null;
  nodes: StepNode[];
  edges: Edge[];
  selectedId: string | null;
  dirty: boolean;
  problems: Problem[];

  load: (pb: Playbook) => void;
  setName: (name: string) => void;
  onNodesChange: (changes: NodeChange<StepNode>[]) => void;
  onEdgesChange: (changes: EdgeChange[]) => void;
  onConnect: (c: Connection) => void;
  addNode: (node: StepNode) => void;
  // moveToLoop makes a node a body node of loop parent, or a top-level node
  // when parent is undefined, and drops the edges that would then cross a
  // body's boundary.
  moveToLoop: (id: string, parent: string | undefined) => void;
  // updateNode changes a node's data and drops its edges from ports the
  // node no longer has.
  updateNode: (id: string, patch: Partial<StepNode["data"]>) => void;
  // renamePort moves the edges that leave node id through port from to
  // port to, as when a switch case is renamed.
  renamePort: (id: string, from: string, to: string) => void;
  removeNode: (id: string) => void;
  select: (id: string | null) => void;
  setProblems: (problems: Problem[]) => void;
  toPlaybook: () => Playbook;
};

// Changes that React Flow reports while drawing, which do not edit the graph.
const passiveChanges = new Set(["select", "dimensions"]);

function withProblems(nodes: StepNode[], problems: Problem[]): StepNode[] {
  return nodes.map((n) => {
    const messages = problems
      .filter((p) => p.node_id === n.id)
      .map((p) => (p.field ? `${p.field}: ${p.message}` : p.message));
    const had = n.data.problems?.length ?? 0;
    if (messages.length === 0 && had === 0) return n;
    return { ...n, data: { ...n.data, problems: messages } };
  });
}

export const useEditor = create<EditorState>((set, get) => ({
  playbookId: "",
  version: 0,
  name: "",
  base: null,
  nodes: [],
  edges: [],
  selectedId: null,
  dirty: false,
  problems: [],

  load: (pb) => {
    const { nodes, edges } = toFlow(pb);
    set({
      playbookId: pb.id ?? "",
      version: pb.version ?? 0,
      name: pb.name ?? "",
      base: pb,
      nodes,
      edges,
      dirty: false,
      problems: [],
    });
  },

  setName: (name) => set({ name, dirty: true }),

  onNodesChange: (changes) => {
    const edits = changes.some((c) => !passiveChanges.has(c.type));
    const removed = new Set(changes.filter((c) => c.type === "remove").map((c) => c.id));
    set((s) => ({
      nodes: fitLoops(applyNodeChanges(changes, s.nodes)),
      selectedId: s.selectedId && removed.has(s.selectedId) ? null : s.selectedId,
      dirty: s.dirty || edits,
    }));
  },

  onEdgesChange: (changes) => {
    const edits = changes.some((c) => !passiveChanges.has(c.type));
    set((s) => ({ edges: applyEdgeChanges(changes, s.edges), dirty: s.dirty || edits }));
  },

  onConnect: (c) => {
    const edge = flowEdge(c.source, c.sourceHandle ?? "success", c.target);
    set((s) => ({ edges: addEdge(edge, s.edges), dirty: true }));
  },

  addNode: (node) =>
    set((s) => ({
      nodes: fitLoops(
        parentsFirst([...s.nodes.map((n) => ({ ...n, selected: false })), { ...node, selected: true }]),
      ),
      selectedId: node.id,
      dirty: true,
    })),

  moveToLoop: (id, parent) =>
    set((s) => {
      const nodes = reparent(s.nodes, id, parent);
      if (nodes === s.nodes) return {};
      const parentOf = new Map(nodes.map((n) => [n.id, n.parentId ?? ""]));
      const edges = s.edges.filter((e) => parentOf.get(e.source) === parentOf.get(e.target));
      return { nodes: fitLoops(nodes), edges, dirty: true };
    }),

  updateNode: (id, patch) =>
    set((s) => {
      const nodes = s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n));
      const node = nodes.find((n) => n.id === id);
      const ports = new Set(node ? portsFor(node.data) : []);
      const edges = s.edges.filter((e) => e.source !== id || ports.has(e.sourceHandle ?? ""));
      return { nodes, edges: edges.length === s.edges.length ? s.edges : edges, dirty: true };
    }),

  renamePort: (id, from, to) =>
    set((s) => ({
      edges: s.edges.map((e) =>
        e.source === id && e.sourceHandle === from ? flowEdge(id, to, e.target) : e,
      ),
    })),

  // removeNode removes a node, the body of a loop with it, and their edges.
  removeNode: (id) =>
    set((s) => {
      const removed = new Set([id]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const n of s.nodes) {
          if (n.parentId && removed.has(n.parentId) && !removed.has(n.id)) {
            removed.add(n.id);
            grew = true;
          }
        }
      }
      return {
        nodes: fitLoops(s.nodes.filter((n) => !removed.has(n.id))),
        edges: s.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target)),
        selectedId: s.selectedId && removed.has(s.selectedId) ? null : s.selectedId,
        dirty: true,
      };
    }),

  select: (id) => set({ selectedId: id }),

  setProblems: (problems) => set((s) => ({ problems, nodes: withProblems(s.nodes, problems) })),

  toPlaybook: () => {
    const s = get();
    const { nodes, edges } = fromFlow(s.nodes, s.edges);
    const { webhooks: _webhooks, ...base } = s.base ?? { name: "", nodes: [], edges: [] };
    return {
      ...base,
      id: s.playbookId || undefined,
      version: s.version || undefined,
      name: s.name,
      nodes,
      edges,
    };
  },
}));
