// Entry point of the island bundle. The page marks the mount point with
// data-island ("editor", "run", "runs", "actions" or "approvals") and
// passes ids in data attributes, because the Content-Security-Policy allows
// no inline script.
import "@xyflow/react/dist/style.css";
import "./editor.css";
import { createRoot } from "react-dom/client";
import { ActionsList } from "./ActionsList";
import { ApprovalsList } from "./ApprovalsList";
import { EditorApp } from "./Editor";
import { RunApp } from "./RunView";
import { RunsList } from "./RunsList";

function mount() {
  const root = document.querySelector<HTMLElement>("[data-island]");
  if (!root) return;
  const { island, playbookId, runId } = root.dataset;
  const app =
    island === "editor" ? <EditorApp playbookId={playbookId ?? ""} />
    : island === "run" ? <RunApp runId={runId ?? ""} />
    : island === "runs" ? <RunsList />
    : island === "actions" ? <ActionsList />
    : island === "approvals" ? <ApprovalsList />
    : null;
  if (app) createRoot(root).render(app);
}

mount();
