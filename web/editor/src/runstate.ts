// Node states of a run view, built from the run's steps and then updated by
// its events.
import type { Run, RunEvent } from "./types";

// NodeStates maps node ids to their latest step status, and contains the run
// status.
export type NodeStates = { nodes: Record<string, string>; run: string };

// initialStates takes each node's state from its last step in run.steps.
export function initialStates(run: Run): NodeStates {
  const nodes: Record<string, string> = {};
  for (const step of run.steps ?? []) nodes[step.node_id] = step.status;
  return { nodes, run: run.status };
}

// applyEvent returns the states after one event. Events of other types, or
// without a node, leave node states unchanged.
export function applyEvent(states: NodeStates, event: RunEvent): NodeStates {
  const status = typeof event.data?.status === "string" ? event.data.status : undefined;
  switch (event.type) {
    case "run.started":
      return { ...states, run: "running" };
    case "run.finished":
      return { ...states, run: status ?? states.run };
    case "step.started":
      return setNode(states, event.node_id, "running");
    case "step.finished":
      return setNode(states, event.node_id, status ?? "succeeded");
    default:
      return states;
  }
}

function setNode(states: NodeStates, nodeId: string | undefined, status: string): NodeStates {
  if (!nodeId) return states;
  return { ...states, nodes: { ...states.nodes, [nodeId]: status } };
}
