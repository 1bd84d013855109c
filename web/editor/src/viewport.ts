// Fitting the canvas view so that node names stay readable.
import type { ReactFlowInstance } from "@xyflow/react";
import { MIN_FIT_ZOOM } from "./layout";

// fitOptions never zoom past 1 and never below the readable minimum.
export const fitOptions = { maxZoom: 1, minZoom: MIN_FIT_ZOOM };

// FIT_MARGIN is the space, in screen pixels, left of the first node when
// the view shows the start of a wide graph.
const FIT_MARGIN = 24;

// fitFromStart fits the view, and when the graph is too wide to fit at the
// smallest readable zoom, shows its left end, where the run starts.
export async function fitFromStart(flow: ReactFlowInstance) {
  await flow.fitView(fitOptions);
  const { x, y, zoom } = flow.getViewport();
  const bounds = flow.getNodesBounds(flow.getNodes().filter((n) => !n.parentId));
  const left = -bounds.x * zoom + FIT_MARGIN;
  if (zoom <= MIN_FIT_ZOOM && left > x) await flow.setViewport({ x: left, y, zoom });
}

