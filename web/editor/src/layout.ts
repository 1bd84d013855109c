// Layered layout of the top-level graph, used by the run view when the
// stored positions make nodes overlap.
import type { Edge, Node } from "@xyflow/react";
import { nodeSize } from "./loops";
import type { Position } from "./types";

// MIN_FIT_ZOOM is the smallest zoom that fitting the view chooses, so node
// names (0.9rem, 14.4px) stay at least 12px tall on screen. A larger graph
// then extends past the canvas and is panned.
export const MIN_FIT_ZOOM = 0.9;

// Gaps, in canvas pixels, between layers (columns) and between the nodes
// of one layer.
export const LAYER_GAP = 96;
export const NODE_GAP = 40;

type AnyNode = Node<Record<string, unknown>>;

type Box = { x: number; y: number; width: number; height: number };

function box(n: AnyNode): Box {
  return { ...n.position, ...nodeSize(n) };
}

// overlapping reports whether any two top-level nodes overlap. Body nodes
// lie inside their loop's frame and are compared only with each other.
export function overlapping(nodes: AnyNode[]): boolean {
  const groups = new Map<string, Box[]>();
  for (const n of nodes) {
    const key = n.parentId ?? "";
    groups.set(key, [...(groups.get(key) ?? []), box(n)]);
  }
  for (const boxes of groups.values()) {
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (intersects(boxes[i], boxes[j])) return true;
      }
    }
  }
  return false;
}

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// layers assigns each node its longest distance, in edges, from a node that
// no edge enters. Nodes on a cycle stay in the layer reached first.
export function layers(ids: string[], edges: { source: string; target: string }[]): Map<string, number> {
  const known = new Set(ids);
  const inner = edges.filter((e) => known.has(e.source) && known.has(e.target));
  const indegree = new Map(ids.map((id) => [id, 0]));
  for (const e of inner) indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);

  const layer = new Map(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const e of inner.filter((edge) => edge.source === id)) {
      layer.set(e.target, Math.max(layer.get(e.target)!, layer.get(id)! + 1));
      indegree.set(e.target, indegree.get(e.target)! - 1);
      if (indegree.get(e.target) === 0) queue.push(e.target);
    }
  }
  return layer;
}

// layeredLayout places the top-level nodes in columns by layer, left to
// right, each column ordered by the mean row of the nodes that feed it and
// then by the stored y. It returns the new position of each top-level node.
export function layeredLayout(nodes: AnyNode[], edges: Edge[]): Map<string, Position> {
  const top = nodes.filter((n) => !n.parentId);
  const layerOf = layers(top.map((n) => n.id), edges);
  const columns: AnyNode[][] = [];
  for (const n of top) (columns[layerOf.get(n.id)!] ??= []).push(n);

  const row = new Map<string, number>();
  const positions = new Map<string, Position>();
  let x = 0;
  for (const column of columns.filter(Boolean)) {
    const feed = (n: AnyNode) => {
      const rows = edges.filter((e) => e.target === n.id && row.has(e.source)).map((e) => row.get(e.source)!);
      return rows.length > 0 ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
    };
    column.sort((a, b) => feed(a) - feed(b) || a.position.y - b.position.y);
    let y = 0;
    let width = 0;
    column.forEach((n, i) => {
      const size = nodeSize(n);
      positions.set(n.id, { x, y });
      row.set(n.id, i);
      y += size.height + NODE_GAP;
      width = Math.max(width, size.width);
    });
    x += width + LAYER_GAP;
  }
  return positions;
}
