// Node states of a run view, built from the run's steps and then updated by
// its events.
import type { Run, RunEvent } from "./types";

// NodeStates maps node ids to their latest step status, and contains the run
// status.
export type NodeStates = { nodes: Record<string, string>; run: string };

// initialStates takes each node's state from its last step in run.steps.
// A running step of a node in waitingNodes (the nodes of a pending approval,
// or approval and delay nodes of a waiting run) is shown as waiting.
export function initialStates(run: Run, waitingNodes: Set<string> = new Set()): NodeStates {
  const nodes: Record<string, string> = {};
  for (const step of run.steps ?? []) {
    const waits = step.status === "running" && waitingNodes.has(step.node_id);
    nodes[step.node_id] = waits ? "waiting" : step.status;
  }
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
    case "step.waiting":
      return setNode(states, event.node_id, "waiting");
    case "step.finished":
      return setNode(states, event.node_id, status ?? "succeeded");
    default:
      return states;
  }
}

// displayedRunStatus returns the run status to show: "waiting" while a
// running run has a waiting step, because no event reports that change.
export function displayedRunStatus(states: NodeStates): string {
  const waits = Object.values(states.nodes).includes("waiting");
  if (states.run === "running" && waits) return "waiting";
  if (states.run === "waiting" && !waits && Object.keys(states.nodes).length > 0) return "running";
  return states.run;
}

const endedStatuses = new Set(["succeeded", "failed", "canceled", "timed_out"]);

// isEnded reports whether a run status is final.
export function isEnded(status: string): boolean {
  return endedStatuses.has(status);
}

function setNode(states: NodeStates, nodeId: string | undefined, status: string): NodeStates {
  if (!nodeId) return states;
  return { ...states, nodes: { ...states.nodes, [nodeId]: status } };
}
