import { describe, expect, it } from "vitest";
import { applyEvent, displayedRunStatus, initialStates, isEnded } from "./runstate";
import type { Run, RunEvent } from "./types";

const event = (seq: number, type: string, node_id?: string, status?: string): RunEvent => ({
  run_id: "r1",
  seq,
  time: "2025-01-01T00:00:00Z",
  type,
  node_id,
  data: status ? { status } : undefined,
});

describe("run states", () => {
  it("starts from the run's last step per node", () => {
    const states = initialStates({
      id: "r1",
      playbook_id: "pb",
      playbook_version: 1,
      status: "running",
      steps: [
        { id: "s1", node_id: "a", status: "failed" },
        { id: "s2", node_id: "a", status: "succeeded" },
        { id: "s3", node_id: "b", status: "running" },
      ],
    });
    expect(states).toEqual({ nodes: { a: "succeeded", b: "running" }, run: "running" });
  });

  it("follows step and run events", () => {
    let s = { nodes: {}, run: "queued" };
    s = applyEvent(s, event(1, "run.started"));
    expect(s.run).toBe("running");
    s = applyEvent(s, event(2, "step.started", "a"));
    expect(s.nodes).toEqual({ a: "running" });
    s = applyEvent(s, event(3, "step.log", "a"));
    expect(s.nodes).toEqual({ a: "running" });
    s = applyEvent(s, event(4, "step.finished", "a", "failed"));
    expect(s.nodes).toEqual({ a: "failed" });
    s = applyEvent(s, event(5, "run.finished", undefined, "failed"));
    expect(s.run).toBe("failed");
  });
});

describe("waiting steps", () => {
  const run: Run = {
    id: "r1",
    playbook_id: "pb",
    playbook_version: 1,
    status: "waiting",
    steps: [
      { id: "s1", node_id: "start", status: "succeeded" },
      { id: "s2", node_id: "ask", status: "running" },
      { id: "s3", node_id: "lookup", status: "running" },
    ],
  };

  it("marks a running step of a waiting node as waiting", () => {
    const states = initialStates(run, new Set(["ask"]));
    expect(states.nodes).toEqual({ start: "succeeded", ask: "waiting", lookup: "running" });
    expect(displayedRunStatus(states)).toBe("waiting");
  });

  it("follows step.waiting and the step's end", () => {
    let states = initialStates({ ...run, status: "running", steps: run.steps.slice(0, 1) });
    states = applyEvent(states, { run_id: "r1", seq: 5, time: "", type: "step.started", node_id: "ask" });
    expect(displayedRunStatus(states)).toBe("running");
    states = applyEvent(states, { run_id: "r1", seq: 6, time: "", type: "step.waiting", node_id: "ask" });
    expect(states.nodes.ask).toBe("waiting");
    expect(displayedRunStatus(states)).toBe("waiting");
    states = applyEvent(states, {
      run_id: "r1",
      seq: 7,
      time: "",
      type: "step.finished",
      node_id: "ask",
      data: { status: "succeeded" },
    });
    expect(states.nodes.ask).toBe("succeeded");
    expect(displayedRunStatus(states)).toBe("running");
  });

  it("keeps a final run status", () => {
    expect(displayedRunStatus({ nodes: { ask: "waiting" }, run: "canceled" })).toBe("canceled");
    expect(isEnded("canceled")).toBe(true);
    expect(isEnded("waiting")).toBe(false);
  });
});
