// Graph logic without React: node ids, ports, palette entries and the
// conversion between the API playbook and React Flow nodes and edges.
import type { Edge, Node } from "@xyflow/react";
import type { ActionInfo, NodeType, Playbook, PlaybookEdge, PlaybookNode } from "./types";

// StepData is the data of one canvas node. Fields besides type, name and
// settings are carried through unchanged so a save never drops them.
export type StepData = {
  type: NodeType;
  name: string;
  settings: Record<string, unknown>;
  retry?: unknown;
  timeout?: string;
  on_error?: string;
  problems?: string[];
  status?: string;
  readOnly?: boolean;
  [key: string]: unknown;
};

export type StepNode = Node<StepData>;

// TARGET_HANDLE is the id of the single input handle of a node.
export const TARGET_HANDLE = "in";

// portsFor returns the outcome ports of a node type, in display order.
export function portsFor(type: NodeType): string[] {
  switch (type) {
    case "action":
      return ["success", "error"];
    case "condition":
      return ["true", "false"];
    case "trigger":
    case "transform":
      return ["success"];
    case "end":
      return [];
  }
}

// hasInput reports whether edges may end at a node of this type.
export function hasInput(type: NodeType): boolean {
  return type !== "trigger";
}

// slugify turns a type or action name into an id base: lowercase letters,
// digits and underscores ("ioc.extract" becomes "ioc_extract").
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (slug === "") return "node";
  return /^[0-9]/.test(slug) ? "n_" + slug : slug;
}

// nextNodeId returns base itself when no node uses it, otherwise base_2,
// base_3 and so on: the first free suffix.
export function nextNodeId(base: string, existingIds: Iterable<string>): string {
  const used = new Set(existingIds);
  const slug = slugify(base);
  if (!used.has(slug)) return slug;
  for (let n = 2; ; n++) {
    const candidate = `${slug}_${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

// PaletteItem is one entry of the palette: a node type with its initial
// settings, or an action version.
export type PaletteItem = {
  key: string;
  type: NodeType;
  label: string;
  idBase: string;
  settings: Record<string, unknown>;
  category?: string;
  description?: string;
};

// basePaletteItems lists the node types that need no action. label is a
// catalog key.
export const basePaletteItems: PaletteItem[] = [
  {
    key: "trigger_manual",
    type: "trigger",
    label: "node.trigger_manual",
    idBase: "manual_trigger",
    settings: { kind: "manual" },
  },
  {
    key: "trigger_webhook",
    type: "trigger",
    label: "node.trigger_webhook",
    idBase: "webhook_trigger",
    settings: { kind: "webhook" },
  },
  {
    key: "condition",
    type: "condition",
    label: "node.condition",
    idBase: "condition",
    settings: { expression: "" },
  },
  {
    key: "transform",
    type: "transform",
    label: "node.transform",
    idBase: "transform",
    settings: { values: {} },
  },
  {
    key: "end",
    type: "end",
    label: "node.end",
    idBase: "end",
    settings: { outcome: "succeeded" },
  },
];

export function actionRef(info: ActionInfo): string {
  return `${info.manifest.name}@${info.manifest.version}`;
}

// actionPaletteItems returns one palette entry per action version, sorted by
// category and then title.
export function actionPaletteItems(actions: ActionInfo[]): PaletteItem[] {
  const items = actions.map((info) => ({
    key: "action:" + actionRef(info),
    type: "action" as const,
    label: info.manifest.title || info.manifest.name,
    idBase: info.manifest.name,
    settings: { action: actionRef(info), inputs: {} },
    category: info.manifest.category || "",
    description: info.manifest.description,
  }));
  return items.sort(
    (a, b) =>
      a.category.localeCompare(b.category) || a.label.localeCompare(b.label),
  );
}

// matchesSearch reports whether a palette entry matches a search query,
// comparing case-insensitively against its label, id base, category and
// description.
export function matchesSearch(item: PaletteItem, label: string, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === "") return true;
  return [label, item.idBase, item.category ?? "", item.description ?? ""].some((s) =>
    s.toLowerCase().includes(q),
  );
}

// newNode builds a canvas node for a palette entry at a canvas position,
// with an id that no node in existingIds uses.
export function newNode(
  item: PaletteItem,
  position: { x: number; y: number },
  existingIds: Iterable<string>,
  name: string,
): StepNode {
  return {
    id: nextNodeId(item.idBase, existingIds),
    type: item.type,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    data: { type: item.type, name, settings: structuredClone(item.settings) },
  };
}

export function edgeId(from: string, port: string, to: string): string {
  return `${from}:${port}->${to}`;
}

// toFlow converts an API playbook into React Flow nodes and edges.
export function toFlow(pb: Playbook): { nodes: StepNode[]; edges: Edge[] } {
  const nodes = (pb.nodes ?? []).map((n): StepNode => {
    const { id, type, name, position, settings, ...rest } = n;
    return {
      id,
      type,
      position: { x: position?.x ?? 0, y: position?.y ?? 0 },
      data: { ...rest, type, name: name ?? "", settings: settings ?? {} },
    };
  });
  const edges = (pb.edges ?? []).map(
    (e): Edge => ({
      id: e.id || edgeId(e.from, e.port, e.to),
      source: e.from,
      sourceHandle: e.port,
      target: e.to,
      targetHandle: TARGET_HANDLE,
      label: e.port,
    }),
  );
  return { nodes, edges };
}

// fromFlow converts React Flow nodes and edges back into the node and edge
// lists of an API playbook. Canvas-only data (problems, status) is dropped.
export function fromFlow(
  nodes: StepNode[],
  edges: Edge[],
): { nodes: PlaybookNode[]; edges: PlaybookEdge[] } {
  const apiNodes = nodes.map((n): PlaybookNode => {
    const { type, name, settings, problems: _p, status: _s, readOnly: _r, ...rest } = n.data;
    const node: PlaybookNode = {
      ...rest,
      id: n.id,
      type,
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      settings,
    };
    if (name) node.name = name;
    return node;
  });
  const apiEdges = edges.map(
    (e): PlaybookEdge => ({
      id: e.id,
      from: e.source,
      port: e.sourceHandle ?? "success",
      to: e.target,
    }),
  );
  return { nodes: apiNodes, edges: apiEdges };
}

// isValidConnection rejects an edge that would start at a port the source
// node lacks, end at a trigger, loop back to its own node or repeat an
// existing edge.
export function isValidConnection(
  nodes: StepNode[],
  edges: Edge[],
  c: { source: string; sourceHandle?: string | null; target: string },
): boolean {
  if (c.source === c.target) return false;
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  if (!source || !target) return false;
  if (!portsFor(source.data.type).includes(c.sourceHandle ?? "")) return false;
  if (!hasInput(target.data.type)) return false;
  return !edges.some(
    (e) => e.source === c.source && e.sourceHandle === c.sourceHandle && e.target === c.target,
  );
}

// manualTrigger returns the id of the first manual trigger node, if any.
export function manualTrigger(nodes: StepNode[]): string | undefined {
  return nodes.find((n) => n.data.type === "trigger" && n.data.settings.kind === "manual")?.id;
}
