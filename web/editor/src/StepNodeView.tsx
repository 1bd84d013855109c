// The canvas node: a card with the node's name, type, state and one handle
// per port. A loop is drawn as a frame whose body nodes sit inside it.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import type { StepNode } from "./graph";
import { t } from "./i18n";
import { hasInput, portLabel, portsFor, TARGET_HANDLE } from "./ports";

// Status icons pair with the colours in editor.css, so a state never
// depends on colour alone.
export const statusIcons: Record<string, string> = {
  pending: "○",
  running: "◔",
  succeeded: "✓",
  failed: "✕",
  skipped: "⤼",
  waiting: "‖",
  queued: "○",
  canceled: "⊘",
  timed_out: "◷",
};

function typeLabel(data: StepNode["data"]): string {
  if (data.type === "trigger") {
    return data.settings.kind === "webhook" ? t("node.trigger_webhook") : t("node.trigger_manual");
  }
  if (data.type === "action") return String(data.settings.action ?? t("node.action"));
  if (data.type === "subplaybook" && data.settings.playbook) {
    return t("node.subplaybook_of", { playbook: String(data.settings.playbook) });
  }
  return t(`node.${data.type}`);
}

// portText returns the label beside a port: a case or option name as
// written, a fixed port from the catalog.
function portText(port: string): string {
  const label = portLabel(port);
  return label === port ? t(`port.${port}`) : label;
}

export function StepNodeView({ id, data, selected, parentId }: NodeProps<StepNode>) {
  const ports = portsFor(data);
  const problems = data.problems ?? [];
  const classes = ["step", `step-${data.type}`];
  if (selected) classes.push("selected");
  if (problems.length > 0) classes.push("has-problems");
  if (data.status) classes.push(`status-${data.status}`);

  return (
    <div
      className={classes.join(" ")}
      data-testid={`node-${id}`}
      data-status={data.status}
      data-parent={parentId}
    >
      {hasInput(data.type) && (
        <Handle
          type="target"
          position={Position.Left}
          id={TARGET_HANDLE}
          data-testid={`handle-${id}-${TARGET_HANDLE}`}
          isConnectable={!data.readOnly}
        />
      )}
      <div className="step-head">
        {data.status && (
          <span className="status-icon" role="img" aria-label={t(`status.${data.status}`)}>
            {statusIcons[data.status] ?? "?"}
          </span>
        )}
        <span className="step-name">{data.name || id}</span>
      </div>
      <div className="step-type">{typeLabel(data)}</div>
      {data.status && <div className="step-status">{t(`status.${data.status}`)}</div>}
      {problems.length > 0 && (
        <ul className="step-problems" role="alert" data-testid={`problems-${id}`}>
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      <div className="ports">
        {ports.map((port) => (
          <div className="port" key={port}>
            <span className="port-label">{portText(port)}</span>
            <Handle
              type="source"
              position={Position.Right}
              id={port}
              data-testid={`handle-${id}-${port}`}
              isConnectable={!data.readOnly}
              className={`port-${port.replace(/[^a-z0-9_-]/gi, "-")}`}
            />
          </div>
        ))}
      </div>
    </div>
  );
}

export const nodeTypes = {
  trigger: StepNodeView,
  action: StepNodeView,
  condition: StepNodeView,
  transform: StepNodeView,
  end: StepNodeView,
  switch: StepNodeView,
  loop: StepNodeView,
  join: StepNodeView,
  approval: StepNodeView,
  delay: StepNodeView,
  subplaybook: StepNodeView,
};
