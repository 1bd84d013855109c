import { describe, expect, it } from "vitest";
import { applyEvent, initialStates } from "./runstate";
import type { RunEvent } from "./types";

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
