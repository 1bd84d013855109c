// Loop bodies on the canvas. A body node is a React Flow child of its loop:
// its parentId is the loop's id and its position is relative to the loop.
// The API stores every position in canvas pixels, so toFlow and fromFlow
// convert between the two.
import type { Node } from "@xyflow/react";
import type { Position } from "./types";

// Nominal size, in canvas pixels, of a node that has not been measured yet.
export const NODE_WIDTH = 224;
export const NODE_HEIGHT = 96;

// Loop frame geometry: the header that contains the loop's own name and ports,
// the padding around its body, and the smallest frame.
export const LOOP_HEADER = 112;
export const LOOP_PADDING = 24;
export const LOOP_MIN_WIDTH = 320;
export const LOOP_MIN_HEIGHT = 200;

type AnyNode = Node<Record<string, unknown>>;

// nodeSize returns the size a node's style sets (as a loop frame's does),
// its measured size, or the nominal size.
export function nodeSize(n: AnyNode): { width: number; height: number } {
  const style = n.style ?? {};
  return {
    width: numberOr(style.width, n.measured?.width ?? NODE_WIDTH),
    height: numberOr(style.height, n.measured?.height ?? NODE_HEIGHT),
  };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

// absolutePosition returns a node's position in canvas pixels by adding the
// positions of its enclosing loops.
export function absolutePosition(n: AnyNode, byId: Map<string, AnyNode>): Position {
  let { x, y } = n.position;
  const seen = new Set([n.id]);
  let parent = n.parentId ? byId.get(n.parentId) : undefined;
  while (parent && !seen.has(parent.id)) {
    seen.add(parent.id);
    x += parent.position.x;
    y += parent.position.y;
    parent = parent.parentId ? byId.get(parent.parentId) : undefined;
  }
  return { x, y };
}

// isInside reports whether node id is ancestor itself or lies in its body,
// directly or through nested loops.
export function isInside(id: string, ancestor: string, byId: Map<string, AnyNode>): boolean {
  const seen = new Set<string>();
  let current: string | undefined = id;
  while (current && !seen.has(current)) {
    if (current === ancestor) return true;
    seen.add(current);
    current = byId.get(current)?.parentId;
  }
  return false;
}

// parentsFirst orders nodes so that every loop comes before its body
// nodes, which React Flow requires, and keeps the order otherwise.
export function parentsFirst<N extends AnyNode>(nodes: N[]): N[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: N[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (n: N) => {
    if (placed.has(n.id) || visiting.has(n.id)) return;
    visiting.add(n.id);
    const parent = n.parentId ? byId.get(n.parentId) : undefined;
    if (parent) place(parent);
    placed.add(n.id);
    out.push(n);
  };
  nodes.forEach(place);
  return out;
}

// loopAt returns the id of the innermost loop whose frame contains point
// (in canvas pixels), ignoring the node moving and the loops inside it.
export function loopAt(
  nodes: AnyNode[],
  point: Position,
  moving?: string,
): string | undefined {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let best: { id: string; depth: number } | undefined;
  for (const n of nodes) {
    if (n.type !== "loop") continue;
    if (moving && isInside(n.id, moving, byId)) continue;
    const at = absolutePosition(n, byId);
    const size = nodeSize(n);
    const inside =
      point.x >= at.x && point.x <= at.x + size.width &&
      point.y >= at.y && point.y <= at.y + size.height;
    if (!inside) continue;
    const depth = loopDepth(n, byId);
    if (!best || depth > best.depth) best = { id: n.id, depth };
  }
  return best?.id;
}

function loopDepth(n: AnyNode, byId: Map<string, AnyNode>): number {
  let depth = 0;
  let parent = n.parentId;
  while (parent && depth < byId.size) {
    depth++;
    parent = byId.get(parent)?.parentId;
  }
  return depth;
}

// reparent moves node id into the body of loop parent, or to the top level
// when parent is undefined, keeping its place on the canvas. A body node
// keeps clear of its loop's header.
export function reparent<N extends AnyNode>(nodes: N[], id: string, parent?: string): N[] {
  const byId = new Map<string, AnyNode>(nodes.map((n) => [n.id, n]));
  const node = byId.get(id);
  if (!node || node.parentId === parent) return nodes;
  if (parent && isInside(parent, id, byId)) return nodes;

  const at = absolutePosition(node, byId);
  const origin = parent ? absolutePosition(byId.get(parent)!, byId) : { x: 0, y: 0 };
  const position = { x: at.x - origin.x, y: at.y - origin.y };
  if (parent) {
    position.x = Math.max(position.x, LOOP_PADDING);
    position.y = Math.max(position.y, LOOP_HEADER);
  }
  const moved = { ...node, parentId: parent, position } as N;
  return parentsFirst(nodes.map((n) => (n.id === id ? moved : n)));
}

// fitLoops sizes every loop frame to hold its body nodes, innermost loops
// first, and returns nodes unchanged when no frame changes.
export function fitLoops<N extends AnyNode>(nodes: N[]): N[] {
  const byId = new Map<string, AnyNode>(nodes.map((n) => [n.id, n]));
  const loops = nodes
    .filter((n) => n.type === "loop")
    .sort((a, b) => loopDepth(b, byId) - loopDepth(a, byId));
  let changed = false;
  for (const loop of loops) {
    const size = frameSize(loop.id, nodes, byId);
    const style = loop.style ?? {};
    if (style.width === size.width && style.height === size.height) continue;
    const sized = { ...loop, style: { ...style, ...size } };
    byId.set(loop.id, sized);
    changed = true;
  }
  return changed ? nodes.map((n) => byId.get(n.id) as N) : nodes;
}

function frameSize(loopId: string, nodes: AnyNode[], byId: Map<string, AnyNode>) {
  let width = LOOP_MIN_WIDTH;
  let height = LOOP_MIN_HEIGHT;
  for (const n of nodes) {
    if (n.parentId !== loopId) continue;
    const size = nodeSize(byId.get(n.id) ?? n);
    width = Math.max(width, n.position.x + size.width + LOOP_PADDING);
    height = Math.max(height, n.position.y + size.height + LOOP_PADDING);
  }
  return { width: Math.round(width), height: Math.round(height) };
}
