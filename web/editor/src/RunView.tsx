// The run view: the playbook graph read-only, each node coloured by its
// step's state, updated live from the run's event websocket, with cancel,
// rerun and the answer form of a waiting approval.
import {
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
  type Edge,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { cancelRun, getApproval, getPlaybook, getRun, listApprovals } from "./api";
import { toFlow, type StepNode } from "./graph";
import { t } from "./i18n";
import { layeredLayout, overlapping } from "./layout";
import { useRunEvents } from "./runevents";
import { fitFromStart, fitOptions } from "./viewport";
import { applyEvent, displayedRunStatus, initialStates, isEnded, type NodeStates } from "./runstate";
import { StepPanel } from "./StepPanel";
import { nodeTypes, statusIcons } from "./StepNodeView";
import type { Approval, Run, RunEvent, Step } from "./types";

// waitTypes are the node types whose running step waits for a person or a
// time.
const waitTypes = new Set(["approval", "delay"]);


export function RunApp({ runId }: { runId: string }) {
  return (
    <ReactFlowProvider>
      <RunView runId={runId} />
    </ReactFlowProvider>
  );
}

type Graph = { nodes: StepNode[]; edges: Edge[] };

// waitingNodes returns the nodes to show as waiting on first load: those
// of pending approvals, and approval and delay nodes while the run waits.
function waitingNodes(run: Run, graph: Graph, approvals: Approval[]): Set<string> {
  const ids = new Set(approvals.map((a) => a.node_id));
  if (run.status === "waiting") {
    for (const n of graph.nodes) if (waitTypes.has(n.data.type)) ids.add(n.id);
  }
  return ids;
}

// usePendingApprovals keeps the pending approvals of one run.
function usePendingApprovals(runId: string) {
  const [approvals, setApprovals] = useState<Approval[]>([]);
  const reload = useCallback(
    () =>
      listApprovals("pending").then((list) => {
        const mine = list.filter((a) => a.run_id === runId);
        setApprovals(mine);
        return mine;
      }),
    [runId],
  );
  const add = useCallback((id: string) => {
    getApproval(id)
      .then((a) =>
        setApprovals((list) => (a.status === "pending" ? [...list.filter((x) => x.id !== a.id), a] : list)),
      )
      .catch(() => undefined);
  }, []);
  const remove = useCallback(
    (id: string) => setApprovals((list) => list.filter((a) => a.id !== id)),
    [],
  );
  return { approvals, reload, add, remove };
}

function RunView({ runId }: { runId: string }) {
  const flow = useReactFlow();
  const initialized = useNodesInitialized();
  const [run, setRun] = useState<Run | null>(null);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [laidOut, setLaidOut] = useState(false);
  const [states, setStates] = useState<NodeStates>({ nodes: {}, run: "" });
  const [after, setAfter] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [step, setStep] = useState<Step | null | undefined>(undefined);
  // clicks counts node clicks, so clicking the selected node fetches its
  // step again.
  const [clicks, setClicks] = useState(0);
  const pending = usePendingApprovals(runId);

  useEffect(() => {
    (async () => {
      const r = await getRun(runId);
      const pb = await getPlaybook(r.playbook_id, r.playbook_version);
      const g = toFlow(pb);
      const approvals = isEnded(r.status) ? [] : await pending.reload().catch(() => []);
      setRun(r);
      setGraph(g);
      setStates(initialStates(r, waitingNodes(r, g, approvals)));
      // An ended run's steps are final, so only a live run is followed.
      if (!isEnded(r.status)) setAfter(lastSeq(r));
    })().catch((e: Error) => setError(e.message));
  }, [runId, pending.reload]);

  const onEvent = (e: RunEvent) => {
    setStates((s) => applyEvent(s, e));
    const approvalId = e.data?.approval_id;
    if (e.type === "step.waiting" && typeof approvalId === "string") pending.add(approvalId);
    if (e.type === "step.finished" || e.type === "run.finished") {
      void pending.reload().catch(() => undefined);
    }
  };
  const connected = useRunEvents(runId, after, onEvent);

  // Once React Flow measured the nodes, stored positions that make nodes
  // overlap are replaced by a layered layout, and the view is fitted again.
  useEffect(() => {
    if (!initialized || laidOut || !graph) return;
    setLaidOut(true);
    if (overlapping(graph.nodes)) {
      const positions = layeredLayout(graph.nodes, graph.edges);
      setGraph({
        ...graph,
        nodes: graph.nodes.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })),
      });
    }
    requestAnimationFrame(() => void fitFromStart(flow));
  }, [initialized, laidOut, graph, flow]);

  // Measured sizes are kept on the nodes, which React Flow needs to report
  // them as initialized and the layout needs to place them.
  const onNodesChange = useCallback((changes: NodeChange<StepNode>[]) => {
    const sizes = changes.filter((c) => c.type === "dimensions");
    if (sizes.length === 0) return;
    setGraph((g) => g && { ...g, nodes: applyNodeChanges(sizes, g.nodes) });
  }, []);

  // The first waiting approval opens in the panel, so its form is in view.
  const firstPending = pending.approvals[0]?.node_id;
  useEffect(() => {
    if (firstPending && selected === null) setSelected(firstPending);
  }, [firstPending, selected]);

  // Fetch the selected node's step again whenever its state changes, so the
  // panel shows the latest input, output and error.
  const selectedState = selected ? states.nodes[selected] : undefined;
  useEffect(() => {
    if (!selected) return;
    getRun(runId)
      .then((r) => setStep(latestStep(r.steps, selected) ?? null))
      .catch((e: Error) => setError(e.message));
  }, [runId, selected, selectedState, clicks]);

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

  const runStatus = displayedRunStatus({ ...states, run: states.run || run.status });
  const selectedNode = graph.nodes.find((n) => n.id === selected) ?? null;
  return (
    <div className="run-view" data-testid="run-view" data-laid-out={laidOut}>
      <RunToolbar run={run} status={runStatus} connected={connected} />
      <div className="workspace">
        <div className="canvas" data-testid="canvas">
          <ReactFlow
            nodes={nodes}
            edges={graph.edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            nodesDraggable={false}
            nodesConnectable={false}
            deleteKeyCode={null}
            onNodeClick={(_, node) => {
              setSelected(node.id);
              setStep(undefined);
              setClicks((n) => n + 1);
            }}
            fitView
            fitViewOptions={fitOptions}
          >
            <Background />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable />
          </ReactFlow>
        </div>
        <StepPanel
          run={run}
          runStatus={runStatus}
          node={selectedNode}
          step={step}
          nodeStatus={selected ? states.nodes[selected] : undefined}
          approval={pending.approvals.find((a) => a.node_id === selected)}
          onAnswered={(a) => pending.remove(a.id)}
        />
      </div>
    </div>
  );
}

type ToolbarProps = { run: Run; status: string; connected: boolean };

// RunToolbar shows the run's status, its links to related runs and the
// Cancel button of an active run.
function RunToolbar({ run, status, connected }: ToolbarProps) {
  const [canceling, setCanceling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);

  async function cancel() {
    setCanceling(true);
    setCancelError(null);
    try {
      await cancelRun(run.id);
    } catch (e) {
      setCancelError(t("run.cancel_failed", { message: (e as Error).message }));
      setCanceling(false);
    }
  }

  const ended = isEnded(status);
  return (
    <div className="toolbar">
      <a href={`/playbooks/${encodeURIComponent(run.playbook_id)}`}>{t("run.back")}</a>
      <span className={`run-status status-${status}`} data-testid="run-status" data-status={status}>
        <span className="status-icon" aria-hidden="true">
          {statusIcons[status] ?? "?"}
        </span>{" "}
        {t("run.status", { status: t(`status.${status}`) })}
      </span>
      {!ended && (
        <button
          type="button"
          className="danger"
          onClick={cancel}
          disabled={canceling}
          data-testid="run-cancel"
        >
          {canceling ? t("run.canceling") : t("run.cancel")}
        </button>
      )}
      {run.parent_run_id && (
        <a href={`/runs/${encodeURIComponent(run.parent_run_id)}`} data-testid="run-parent">
          {t("run.parent", { id: run.parent_run_id })}
        </a>
      )}
      {run.rerun_of && (
        <a href={`/runs/${encodeURIComponent(run.rerun_of)}`} data-testid="run-rerun-of">
          {t("run.rerun_of", { id: run.rerun_of })}
        </a>
      )}
      {cancelError && (
        <span className="status error" role="alert">
          {cancelError}
        </span>
      )}
      {!connected && <span className="status error">{t("run.disconnected")}</span>}
    </div>
  );
}

function lastSeq(run: Run & { last_seq?: number; seq?: number }): number {
  return run.last_seq ?? run.seq ?? 0;
}

function latestStep(steps: Step[], nodeId: string): Step | undefined {
  const mine = steps.filter((s) => s.node_id === nodeId);
  return mine[mine.length - 1];
}
