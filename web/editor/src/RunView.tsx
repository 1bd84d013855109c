// The run view: the playbook graph read-only, each node coloured by its
// step's state, updated live from the run's event websocket.
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";
import { getPlaybook, getRun, runEventsURL } from "./api";
import { toFlow, type StepNode } from "./graph";
import { t } from "./i18n";
import { applyEvent, initialStates, type NodeStates } from "./runstate";
import { nodeTypes } from "./StepNodeView";
import type { Edge } from "@xyflow/react";
import type { Run, RunEvent, Step } from "./types";

// Reconnect delays in milliseconds: doubling from the first to the last.
const RECONNECT_MIN = 500;
const RECONNECT_MAX = 10_000;

export function RunApp({ runId }: { runId: string }) {
  return (
    <ReactFlowProvider>
      <RunView runId={runId} />
    </ReactFlowProvider>
  );
}

// useRunEvents follows a run's events from seq after, reconnecting with the
// last seen seq until the run finishes or the component unmounts.
function useRunEvents(runId: string, after: number | null, onEvent: (e: RunEvent) => void) {
  const [connected, setConnected] = useState(true);
  useEffect(() => {
    if (after === null) return;
    let lastSeq = after;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = RECONNECT_MIN;
    let done = false;

    function connect() {
      socket = new WebSocket(runEventsURL(runId, lastSeq));
      socket.onopen = () => {
        delay = RECONNECT_MIN;
        setConnected(true);
      };
      socket.onmessage = (msg) => {
        const event = JSON.parse(String(msg.data)) as RunEvent;
        if (event.seq <= lastSeq) return;
        lastSeq = event.seq;
        onEvent(event);
        if (event.type === "run.finished") done = true;
      };
      socket.onclose = (e) => {
        // The server closes normally after run.finished, or when the run
        // ended without one.
        if (done || e.code === 1000) return;
        setConnected(false);
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, RECONNECT_MAX);
      };
    }
    connect();
    return () => {
      done = true;
      clearTimeout(timer);
      socket?.close();
    };
    // onEvent only dispatches into state setters, so it is left out.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, after]);
  return connected;
}

function RunView({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [graph, setGraph] = useState<{ nodes: StepNode[]; edges: Edge[] } | null>(null);
  const [states, setStates] = useState<NodeStates>({ nodes: {}, run: "" });
  const [after, setAfter] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [step, setStep] = useState<Step | null | undefined>(undefined);

  useEffect(() => {
    (async () => {
      const r = await getRun(runId);
      const pb = await getPlaybook(r.playbook_id, r.playbook_version);
      setRun(r);
      setGraph(toFlow(pb));
      setStates(initialStates(r));
      // An ended run's steps are final, so only a live run is followed.
      if (!isEnded(r.status)) setAfter(lastSeq(r));
    })().catch((e: Error) => setError(e.message));
  }, [runId]);

  const connected = useRunEvents(runId, after, (e) => setStates((s) => applyEvent(s, e)));

  // Fetch the selected node's step again whenever its state changes, so the
  // panel shows the latest input, output and error.
  const selectedState = selected ? states.nodes[selected] : undefined;
  useEffect(() => {
    if (!selected) return;
    getRun(runId)
      .then((r) => setStep(latestStep(r.steps, selected) ?? null))
      .catch((e: Error) => setError(e.message));
  }, [runId, selected, selectedState]);

  const nodes = useMemo(
    () =>
      (graph?.nodes ?? []).map((n) => ({
        ...n,
        draggable: false,
        connectable: false,
        data: { ...n.data, readOnly: true, status: states.nodes[n.id] ?? "pending" },
      })),
    [graph, states],
  );

  if (error) return <p className="error" role="alert">{t("run.load_failed", { message: error })}</p>;
  if (!run || !graph) return <p className="loading">{t("run.loading")}</p>;

  const runStatus = states.run || run.status;
  return (
    <div className="run-view">
      <div className="toolbar">
        <a href={`/playbooks/${encodeURIComponent(run.playbook_id)}`}>{t("run.back")}</a>
        <span className={`run-status status-${runStatus}`} data-testid="run-status" data-status={runStatus}>
          {t("run.status", { status: t(`status.${runStatus}`) })}
        </span>
        {!connected && <span className="status error">{t("run.disconnected")}</span>}
      </div>
      <div className="workspace">
        <div className="canvas" data-testid="canvas">
          <ReactFlow
            nodes={nodes}
            edges={graph.edges}
            nodeTypes={nodeTypes}
            nodesDraggable={false}
            nodesConnectable={false}
            deleteKeyCode={null}
            onNodeClick={(_, node) => {
              setSelected(node.id);
              setStep(undefined);
            }}
            fitView
            fitViewOptions={{ maxZoom: 1 }}
          >
            <Background />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable />
          </ReactFlow>
        </div>
        <StepPanel nodeId={selected} step={step} />
      </div>
    </div>
  );
}

const endedStatuses = new Set(["succeeded", "failed", "canceled", "timed_out"]);

function isEnded(status: string): boolean {
  return endedStatuses.has(status);
}

function lastSeq(run: Run & { last_seq?: number; seq?: number }): number {
  return run.last_seq ?? run.seq ?? 0;
}

function latestStep(steps: Step[], nodeId: string): Step | undefined {
  const mine = steps.filter((s) => s.node_id === nodeId);
  return mine[mine.length - 1];
}

function StepPanel({ nodeId, step }: { nodeId: string | null; step: Step | null | undefined }) {
  if (!nodeId) {
    return (
      <aside className="settings" data-testid="step-panel">
        <p className="hint">{t("run.step_none")}</p>
      </aside>
    );
  }
  const error = typeof step?.error === "string" ? step.error : step?.error?.message;
  return (
    <aside className="settings" data-testid="step-panel">
      <h2>{t("run.step", { id: nodeId })}</h2>
      {step === undefined && <p className="loading">{t("run.loading")}</p>}
      {step === null && <p className="hint">{t("run.step_not_run")}</p>}
      {step && (
        <>
          <p>{t("run.status", { status: t(`status.${step.status}`) })}</p>
          <h3>{t("run.input")}</h3>
          <pre data-testid="step-input">{JSON.stringify(step.input ?? null, null, 2)}</pre>
          <h3>{t("run.output")}</h3>
          <pre data-testid="step-output">{JSON.stringify(step.output ?? null, null, 2)}</pre>
          {error && (
            <>
              <h3>{t("run.error")}</h3>
              <pre className="error" data-testid="step-error">{error}</pre>
            </>
          )}
        </>
      )}
    </aside>
  );
}
