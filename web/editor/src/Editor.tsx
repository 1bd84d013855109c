// The playbook editor: palette, canvas, settings panel and the toolbar that
// saves and runs the playbook.
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, createPlaybook, getPlaybook, listActions, updatePlaybook } from "./api";
import {
  actionPaletteItems,
  basePaletteItems,
  isValidConnection,
  manualTrigger,
  newNode,
  type PaletteItem,
} from "./graph";
import { t } from "./i18n";
import { loopAt, nodeSize } from "./loops";
import { Palette } from "./Palette";
import { RunDialog } from "./RunDialog";
import { Settings } from "./Settings";
import { nodeTypes } from "./StepNodeView";
import { useEditor } from "./store";
import { fitFromStart, fitOptions } from "./viewport";
import type { ActionInfo, Problem } from "./types";

// bodyless lists the node types that stay at the top level of a playbook.
const bodyless = new Set(["trigger", "end"]);

type Status =
  | { kind: "idle" }
  | { kind: "saving" }
  | { kind: "saved"; version: number }
  | { kind: "error"; message: string }
  | { kind: "conflict" };

export function EditorApp({ playbookId }: { playbookId: string }) {
  return (
    <ReactFlowProvider>
      <Editor playbookId={playbookId} />
    </ReactFlowProvider>
  );
}

function useActions() {
  const [actions, setActions] = useState<ActionInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    listActions()
      .then(setActions)
      .catch((e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  }, []);
  return { actions, error, loading };
}

// useLeaveWarning makes the browser confirm leaving the page while there are
// unsaved changes.
function useLeaveWarning(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = t("editor.leave_warning");
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
}

function Editor({ playbookId }: { playbookId: string }) {
  const store = useEditor();
  const flow = useReactFlow();
  const canvasRef = useRef<HTMLDivElement>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const [runOpen, setRunOpen] = useState(false);
  // fitOnLoad is set once the playbook is loaded. The canvas fits the view
  // only to a loaded graph, so the first node dropped on an empty canvas
  // stays where it was dropped.
  const [fitOnLoad, setFitOnLoad] = useState<boolean | null>(null);
  const { actions, error: actionsError, loading: actionsLoading } = useActions();
  const actionItems = useMemo(() => actionPaletteItems(actions), [actions]);
  const actionsByRef = useMemo(
    () => new Map(actions.map((a) => [`${a.manifest.name}@${a.manifest.version}`, a])),
    [actions],
  );

  useEffect(() => {
    if (!playbookId) {
      useEditor.getState().load({ name: "", nodes: [], edges: [] });
      setFitOnLoad(false);
      return;
    }
    getPlaybook(playbookId)
      .then((pb) => {
        useEditor.getState().load(pb);
        setFitOnLoad(pb.nodes.length > 0);
      })
      .catch((e: Error) => setLoadError(e.message));
  }, [playbookId]);

  useLeaveWarning(store.dirty);

  // A loaded graph is fitted once its nodes are measured.
  const initialized = useNodesInitialized();
  const fitted = useRef(false);
  useEffect(() => {
    if (!fitOnLoad || !initialized || fitted.current) return;
    fitted.current = true;
    void fitFromStart(flow);
  }, [fitOnLoad, initialized, flow]);

  const place = useCallback(
    (item: PaletteItem, position: { x: number; y: number }) => {
      const s = useEditor.getState();
      const label = item.type === "action" ? item.label : t(item.label);
      const node = newNode(item, position, s.nodes.map((n) => n.id), label);
      const loop = bodyless.has(item.type) ? undefined : loopAt(s.nodes, position);
      s.addNode(node);
      if (loop) s.moveToLoop(node.id, loop);
    },
    [],
  );

  // onNodeDragStop moves a dragged node into the loop frame it was dropped
  // in, or out of its loop when dropped outside.
  const onNodeDragStop = useCallback(
    (_: unknown, dragged: { id: string }) => {
      const s = useEditor.getState();
      const node = s.nodes.find((n) => n.id === dragged.id);
      const at = flow.getInternalNode(dragged.id)?.internals.positionAbsolute;
      if (!node || !at || bodyless.has(node.data.type)) return;
      const size = nodeSize(node);
      const center = { x: at.x + size.width / 2, y: at.y + Math.min(size.height / 2, 40) };
      const loop = loopAt(s.nodes, center, node.id);
      if (loop !== node.parentId) s.moveToLoop(node.id, loop);
    },
    [flow],
  );

  const onDrop = useCallback(
    (item: PaletteItem, clientX: number, clientY: number) => {
      const rect = canvasRef.current?.getBoundingClientRect();
      if (!rect) return false;
      const inside =
        clientX >= rect.left && clientX <= rect.right && clientY >= rect.top && clientY <= rect.bottom;
      if (!inside) return false;
      place(item, flow.screenToFlowPosition({ x: clientX, y: clientY }));
      return true;
    },
    [flow, place],
  );

  // onAdd places a clicked entry near the middle of the visible canvas,
  // shifted by the node count so added nodes do not cover each other.
  const onAdd = useCallback(
    (item: PaletteItem) => {
      const rect = canvasRef.current?.getBoundingClientRect();
      const offset = (useEditor.getState().nodes.length % 8) * 24;
      const center = rect
        ? flow.screenToFlowPosition({ x: rect.left + rect.width / 3, y: rect.top + rect.height / 3 })
        : { x: 0, y: 0 };
      place(item, { x: center.x + offset, y: center.y + offset });
    },
    [flow, place],
  );

  async function save(overwrite = false) {
    const s = useEditor.getState();
    if (s.name.trim() === "") {
      setStatus({ kind: "error", message: t("editor.name_missing") });
      return;
    }
    setStatus({ kind: "saving" });
    try {
      const pb = s.toPlaybook();
      if (overwrite && s.playbookId) pb.version = (await getPlaybook(s.playbookId)).version;
      const saved = s.playbookId ? await updatePlaybook(s.playbookId, pb) : await createPlaybook(pb);
      s.load(saved);
      setStatus({ kind: "saved", version: saved.version ?? 0 });
      if (!playbookId && saved.id) history.replaceState(null, "", `/playbooks/${encodeURIComponent(saved.id)}`);
    } catch (e) {
      onSaveError(e as Error);
    }
  }

  function onSaveError(e: Error) {
    if (e instanceof ApiError && e.status === 409) {
      setStatus({ kind: "conflict" });
      return;
    }
    if (e instanceof ApiError && e.status === 422 && e.problems.length > 0) {
      useEditor.getState().setProblems(e.problems);
      setStatus({ kind: "error", message: t("editor.problems", { count: e.problems.length }) });
      return;
    }
    setStatus({ kind: "error", message: t("editor.save_failed", { message: e.message }) });
  }

  async function reloadTheirs() {
    const s = useEditor.getState();
    try {
      s.load(await getPlaybook(s.playbookId));
      setStatus({ kind: "idle" });
    } catch (e) {
      setStatus({ kind: "error", message: (e as Error).message });
    }
  }

  const webhooks = store.base?.webhooks;
  const webhookURL = useCallback(
    (nodeId: string) => webhooks?.find((w) => w.node_id === nodeId)?.url ?? null,
    [webhooks],
  );

  if (loadError) {
    return <p className="error" role="alert">{t("editor.load_failed", { message: loadError })}</p>;
  }

  if (fitOnLoad === null) return <p className="loading">{t("editor.loading")}</p>;

  const trigger = manualTrigger(store.nodes);
  return (
    <div className="editor">
      <div className="toolbar">
        <label htmlFor="playbook-name" className="visually-hidden">
          {t("editor.name_label")}
        </label>
        <input
          id="playbook-name"
          className="playbook-name"
          placeholder={t("editor.name_placeholder")}
          value={store.name}
          onChange={(e) => store.setName(e.target.value)}
          data-testid="playbook-name"
        />
        <button
          type="button"
          className="primary"
          onClick={() => save()}
          disabled={status.kind === "saving"}
          data-testid="save"
        >
          {status.kind === "saving" ? t("editor.saving") : t("editor.save")}
        </button>
        <button
          type="button"
          onClick={() => setRunOpen(true)}
          disabled={!store.playbookId || !trigger || store.dirty}
          title={runHint(store.playbookId, store.dirty, trigger)}
          data-testid="run"
        >
          {t("editor.run")}
        </button>
        <StatusLine
          status={status}
          dirty={store.dirty}
          onReload={reloadTheirs}
          onOverwrite={() => save(true)}
        />
      </div>
      <PlaybookProblems problems={store.problems} />
      <div className="workspace">
        <Palette
          baseItems={basePaletteItems}
          actionItems={actionItems}
          actionsError={actionsError}
          actionsLoading={actionsLoading}
          onDrop={onDrop}
          onAdd={onAdd}
        />
        <div className="canvas" ref={canvasRef} data-testid="canvas">
          <ReactFlow
            nodes={store.nodes}
            edges={store.edges}
            nodeTypes={nodeTypes}
            onNodesChange={store.onNodesChange}
            onEdgesChange={store.onEdgesChange}
            onConnect={store.onConnect}
            isValidConnection={(c) => isValidConnection(store.nodes, store.edges, c)}
            onSelectionChange={({ nodes }) => {
              const id = nodes.length === 1 ? nodes[0].id : null;
              if (id !== useEditor.getState().selectedId) store.select(id);
            }}
            onNodeDragStop={onNodeDragStop}
            deleteKeyCode={["Backspace", "Delete"]}
            fitViewOptions={fitOptions}
          >
            <Background />
            <Controls />
            <MiniMap pannable zoomable />
          </ReactFlow>
        </div>
        <Settings actions={actionsByRef} webhookURL={webhookURL} />
      </div>
      {runOpen && trigger && (
        <RunDialog
          playbookId={store.playbookId}
          inputsSchema={store.base?.inputs}
          onClose={() => setRunOpen(false)}
        />
      )}
    </div>
  );
}

// runHint explains why the Run button is disabled, or returns "".
function runHint(playbookId: string, dirty: boolean, trigger: string | undefined): string {
  if (!playbookId || dirty) return t("editor.run_needs_save");
  if (!trigger) return t("editor.run_needs_manual");
  return "";
}

// PlaybookProblems lists the problems of the last save that name no node,
// such as a missing trigger. Node problems show on their nodes.
function PlaybookProblems({ problems }: { problems: Problem[] }) {
  const general = problems.filter((p) => !p.node_id);
  if (general.length === 0) return null;
  return (
    <ul className="error playbook-problems" role="alert" data-testid="playbook-problems">
      {general.map((p, i) => (
        <li key={i}>{p.field ? `${p.field}: ${p.message}` : p.message}</li>
      ))}
    </ul>
  );
}

type StatusProps = {
  status: Status;
  dirty: boolean;
  onReload: () => void;
  onOverwrite: () => void;
};

// StatusLine shows the save state. Its data-state attribute is "saving",
// "saved", "error", "conflict", "unsaved" or "idle".
function StatusLine({ status, dirty, onReload, onOverwrite }: StatusProps) {
  if (status.kind === "conflict") {
    return (
      <div className="status conflict" role="alert" data-testid="save-status" data-state="conflict">
        <span>{t("editor.conflict")}</span>
        <button type="button" onClick={onReload} data-testid="conflict-reload">
          {t("editor.conflict_reload")}
        </button>
        <button type="button" onClick={onOverwrite} data-testid="conflict-overwrite">
          {t("editor.conflict_overwrite")}
        </button>
      </div>
    );
  }
  if (status.kind === "error") {
    return (
      <span className="status error" role="alert" data-testid="save-status" data-state="error">
        {status.message}
      </span>
    );
  }
  if (status.kind === "saving") {
    return <span className="status" data-testid="save-status" data-state="saving" />;
  }
  if (dirty) {
    return (
      <span className="status" data-testid="save-status" data-state="unsaved">
        {t("editor.unsaved")}
      </span>
    );
  }
  if (status.kind === "saved") {
    return (
      <span
        className="status ok"
        data-testid="save-status"
        data-state="saved"
        data-version={status.version}
      >
        {t("editor.saved", { version: status.version })}
      </span>
    );
  }
  return <span className="status" data-testid="save-status" data-state="idle" />;
}
