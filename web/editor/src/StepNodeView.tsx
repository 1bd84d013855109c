// The canvas node: a card with the node's name, type, state and one handle
// per port.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { hasInput, portsFor, TARGET_HANDLE, type StepNode } from "./graph";
import { t } from "./i18n";

// Status icons pair with the colours in editor.css, so a state never
// depends on colour alone.
const statusIcons: Record<string, string> = {
  pending: "○",
  running: "◔",
  succeeded: "✓",
  failed: "✕",
  skipped: "⤼",
  waiting: "⏸",
};

function typeLabel(data: StepNode["data"]): string {
  if (data.type === "trigger") {
    return data.settings.kind === "webhook" ? t("node.trigger_webhook") : t("node.trigger_manual");
  }
  if (data.type === "action") return String(data.settings.action ?? t("node.action"));
  return t(`node.${data.type}`);
}

export function StepNodeView({ id, data, selected }: NodeProps<StepNode>) {
  const ports = portsFor(data.type);
  const problems = data.problems ?? [];
  const classes = ["step", `step-${data.type}`];
  if (selected) classes.push("selected");
  if (problems.length > 0) classes.push("has-problems");
  if (data.status) classes.push(`status-${data.status}`);

  return (
    <div className={classes.join(" ")} data-testid={`node-${id}`} data-status={data.status}>
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
            <span className="port-label">{t(`port.${port}`)}</span>
            <Handle
              type="source"
              position={Position.Right}
              id={port}
              data-testid={`handle-${id}-${port}`}
              isConnectable={!data.readOnly}
              className={`port-${port}`}
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
};
