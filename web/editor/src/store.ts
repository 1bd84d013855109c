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
import { edgeId, fromFlow, TARGET_HANDLE, toFlow, type StepNode } from "./graph";
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
  updateNode: (id: string, patch: Partial<StepNode["data"]>) => void;
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
      nodes: applyNodeChanges(changes, s.nodes),
      selectedId: s.selectedId && removed.has(s.selectedId) ? null : s.selectedId,
      dirty: s.dirty || edits,
    }));
  },

  onEdgesChange: (changes) => {
    const edits = changes.some((c) => !passiveChanges.has(c.type));
    set((s) => ({ edges: applyEdgeChanges(changes, s.edges), dirty: s.dirty || edits }));
  },

  onConnect: (c) => {
    const port = c.sourceHandle ?? "success";
    const edge: Edge = {
      id: edgeId(c.source, port, c.target),
      source: c.source,
      sourceHandle: port,
      target: c.target,
      targetHandle: TARGET_HANDLE,
      label: port,
    };
    set((s) => ({ edges: addEdge(edge, s.edges), dirty: true }));
  },

  addNode: (node) =>
    set((s) => ({
      nodes: [...s.nodes.map((n) => ({ ...n, selected: false })), { ...node, selected: true }],
      selectedId: node.id,
      dirty: true,
    })),

  updateNode: (id, patch) =>
    set((s) => ({
      nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)),
      dirty: true,
    })),

  removeNode: (id) =>
    set((s) => ({
      nodes: s.nodes.filter((n) => n.id !== id),
      edges: s.edges.filter((e) => e.source !== id && e.target !== id),
      selectedId: s.selectedId === id ? null : s.selectedId,
      dirty: true,
    })),

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
