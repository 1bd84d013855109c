// Graph logic without React: node ids, ports, palette entries and the
// conversion between the API playbook and React Flow nodes and edges.
import type { Edge, Node } from "@xyflow/react";
import { absolutePosition, fitLoops, parentsFirst } from "./loops";
import { hasInput, portLabel, portsFor, TARGET_HANDLE } from "./ports";
import type {
  ActionInfo,
  NodeType,
  Playbook,
  PlaybookEdge,
  PlaybookNode,
  RetryPolicy,
} from "./types";

// StepData is the data of one canvas node. Fields besides type, name and
// settings are carried through unchanged so a save never drops them.
export type StepData = {
  type: NodeType;
  name: string;
  settings: Record<string, unknown>;
  retry?: RetryPolicy;
  timeout?: string;
  on_error?: string;
  problems?: string[];
  status?: string;
  readOnly?: boolean;
  [key: string]: unknown;
};

export type StepNode = Node<StepData>;

export { hasInput, portsFor, TARGET_HANDLE } from "./ports";

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
    key: "switch",
    type: "switch",
    label: "node.switch",
    idBase: "switch",
    settings: { cases: [{ name: "match", expression: "" }] },
  },
  {
    key: "loop",
    type: "loop",
    label: "node.loop",
    idBase: "loop",
    settings: { items: "", concurrency: 1 },
  },
  {
    key: "join",
    type: "join",
    label: "node.join",
    idBase: "join",
    settings: { mode: "all" },
  },
  {
    key: "approval",
    type: "approval",
    label: "node.approval",
    idBase: "approval",
    settings: { question: "", options: ["approve", "reject"], comment: "optional" },
  },
  {
    key: "delay",
    type: "delay",
    label: "node.delay",
    idBase: "delay",
    settings: { duration: "5m" },
  },
  {
    key: "subplaybook",
    type: "subplaybook",
    label: "node.subplaybook",
    idBase: "subplaybook",
    settings: { playbook: "", inputs: {} },
  },
  {
    key: "end",
    type: "end",
    label: "node.end",
    idBase: "end",
    settings: { outcome: "succeeded" },
  },
];

// categoryKey returns the catalog key of an action category's heading.
export function categoryKey(category: string): string {
  return `category.${category}`;
}

// titleCase turns a category id such as "threat_intel" into "Threat Intel",
// the heading of a category the catalog has no label for.
export function titleCase(id: string): string {
  return id
    .split(/[\s_.-]+/)
    .filter((w) => w !== "")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join(" ");
}

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

// flowEdge builds the canvas edge of an API edge.
export function flowEdge(from: string, port: string, to: string, id?: string): Edge {
  return {
    id: id || edgeId(from, port, to),
    source: from,
    sourceHandle: port,
    target: to,
    targetHandle: TARGET_HANDLE,
    label: portLabel(port),
  };
}

export function edgeId(from: string, port: string, to: string): string {
  return `${from}:${port}->${to}`;
}

// toFlow converts an API playbook into React Flow nodes and edges. A node
// with a parent becomes a child of its loop, positioned relative to it, and
// each loop frame is sized to hold its body.
export function toFlow(pb: Playbook): { nodes: StepNode[]; edges: Edge[] } {
  const absolute = (pb.nodes ?? []).map((n): StepNode => {
    const { id, type, name, position, settings, parent, ...rest } = n;
    const node: StepNode = {
      id,
      type,
      position: { x: position?.x ?? 0, y: position?.y ?? 0 },
      data: { ...rest, type, name: name ?? "", settings: settings ?? {} },
    };
    if (parent) node.parentId = parent;
    return node;
  });
  const byId = new Map(absolute.map((n) => [n.id, { ...n, parentId: undefined } as StepNode]));
  const apiById = new Map((pb.nodes ?? []).map((n) => [n.id, n]));
  const nodes = absolute.map((n) => {
    if (!n.parentId || !byId.has(n.parentId)) return { ...n, parentId: undefined };
    const origin = apiById.get(n.parentId)!.position ?? { x: 0, y: 0 };
    return { ...n, position: { x: n.position.x - origin.x, y: n.position.y - origin.y } };
  });
  const edges = (pb.edges ?? []).map((e) => flowEdge(e.from, e.port, e.to, e.id));
  return { nodes: fitLoops(parentsFirst(nodes)), edges };
}

// fromFlow converts React Flow nodes and edges back into the node and edge
// lists of an API playbook, with positions in canvas pixels. Canvas-only
// data (problems, status) is dropped.
export function fromFlow(
  nodes: StepNode[],
  edges: Edge[],
): { nodes: PlaybookNode[]; edges: PlaybookEdge[] } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const apiNodes = nodes.map((n): PlaybookNode => {
    const { type, name, settings, problems: _p, status: _s, readOnly: _r, ...rest } = n.data;
    const at = absolutePosition(n, byId);
    const node: PlaybookNode = {
      ...rest,
      id: n.id,
      type,
      position: { x: Math.round(at.x), y: Math.round(at.y) },
      settings,
    };
    if (name) node.name = name;
    if (n.parentId) node.parent = n.parentId;
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
// node lacks, end at a trigger, loop back to its own node, cross a loop
// body's boundary or repeat an existing edge. An edge joins two nodes of the
// same body or two top-level nodes, so a loop never connects into its body.
export function isValidConnection(
  nodes: StepNode[],
  edges: Edge[],
  c: { source: string; sourceHandle?: string | null; target: string },
): boolean {
  if (c.source === c.target) return false;
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  if (!source || !target) return false;
  if (!portsFor(source.data).includes(c.sourceHandle ?? "")) return false;
  if (!hasInput(target.data.type)) return false;
  if ((source.parentId ?? "") !== (target.parentId ?? "")) return false;
  return !edges.some(
    (e) => e.source === c.source && e.sourceHandle === c.sourceHandle && e.target === c.target,
  );
}

// manualTrigger returns the id of the first manual trigger node, if any.
export function manualTrigger(nodes: StepNode[]): string | undefined {
  return nodes.find((n) => n.data.type === "trigger" && n.data.settings.kind === "manual")?.id;
}
