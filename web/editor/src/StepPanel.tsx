// The side panel of the run view: the selected node's step with its input,
// output and error, the answer form of a waiting approval, the child runs
// of a subplaybook step and the Rerun-from-here action.
import { useEffect, useState } from "react";
import { listRuns, rerunRun, type RunSummary } from "./api";
import { ApprovalAnswerForm } from "./ApprovalAnswer";
import type { StepNode } from "./graph";
import { t } from "./i18n";
import { isEnded } from "./runstate";
import type { Approval, Run, Step } from "./types";

type Props = {
  run: Run;
  runStatus: string;
  node: StepNode | null;
  // step is undefined while it loads and null when the node has not run.
  step: Step | null | undefined;
  // nodeStatus is the node's live state, which is "waiting" while its
  // running step waits.
  nodeStatus: string | undefined;
  approval: Approval | undefined;
  onAnswered: (approval: Approval) => void;
};

export function StepPanel(props: Props) {
  const { run, runStatus, node, step, nodeStatus, approval, onAnswered } = props;
  if (!node) {
    return (
      <aside className="settings" data-testid="step-panel">
        <p className="hint">{t("run.step_none")}</p>
      </aside>
    );
  }
  const error = typeof step?.error === "string" ? step.error : step?.error?.message;
  return (
    <aside className="settings" data-testid="step-panel">
      <h2>{t("run.step", { id: node.data.name || node.id })}</h2>
      {approval && (
        <section className="waiting-approval" aria-label={t("run.waiting_for")}>
          <h3>{t("run.waiting_for")}</h3>
          {approval.can_answer === false ? (
            <p className="hint" data-testid="approval-not-assignee">
              {approval.question}
              <br />
              {t("approvals.not_assignee", { role: approval.assignee_role })}
            </p>
          ) : (
            <ApprovalAnswerForm approval={approval} onAnswered={() => onAnswered(approval)} />
          )}
        </section>
      )}
      {isEnded(runStatus) && !node.parentId && node.data.type !== "trigger" && (
        <RerunButton runId={run.id} nodeId={node.id} />
      )}
      {step === undefined && <p className="loading">{t("run.loading")}</p>}
      {step === null && <p className="hint">{t("run.step_not_run")}</p>}
      {step && (
        <>
          <p data-testid="step-status">
            {t("run.status", {
              status: t(`status.${nodeStatus === "waiting" ? "waiting" : step.status}`),
            })}
          </p>
          {step.reused_from && <p className="hint">{t("run.reused")}</p>}
          {node.data.type === "subplaybook" && (
            <ChildRuns run={run} step={step} playbookId={String(node.data.settings.playbook ?? "")} />
          )}
          <h3>{t("run.input")}</h3>
          <pre data-testid="step-input">{JSON.stringify(step.input ?? null, null, 2)}</pre>
          <h3>{t("run.output")}</h3>
          <pre data-testid="step-output">{JSON.stringify(step.output ?? null, null, 2)}</pre>
          {error && (
            <>
              <h3>{t("run.error")}</h3>
              <pre className="error" data-testid="step-error">
                {error}
              </pre>
            </>
          )}
        </>
      )}
    </aside>
  );
}

// RerunButton starts a rerun from a node and opens the new run.
function RerunButton({ runId, nodeId }: { runId: string; nodeId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function rerun() {
    setBusy(true);
    setError(null);
    try {
      const { id } = await rerunRun(runId, nodeId);
      location.assign(`/runs/${encodeURIComponent(id)}`);
    } catch (e) {
      setError(t("run.rerun_failed", { message: (e as Error).message }));
      setBusy(false);
    }
  }

  return (
    <div className="field">
      <button type="button" onClick={rerun} disabled={busy} title={t("run.rerun_hint")} data-testid="step-rerun">
        {t("run.rerun")}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

// ChildRuns links the runs that a subplaybook step started. It looks them
// up among the recent runs of the child playbook.
function ChildRuns({ run, step, playbookId }: { run: Run; step: Step; playbookId: string }) {
  const [children, setChildren] = useState<RunSummary[]>([]);
  useEffect(() => {
    if (!playbookId) return;
    listRuns(playbookId)
      .then((runs) =>
        setChildren(runs.filter((r) => r.parent_run_id === run.id && r.parent_step_id === step.id)),
      )
      .catch(() => setChildren([]));
  }, [run.id, step.id, step.status, playbookId]);

  if (children.length === 0) return null;
  return (
    <>
      <h3>{t("run.children")}</h3>
      <ul className="child-runs" data-testid="child-runs">
        {children.map((c) => (
          <li key={c.id}>
            <a href={`/runs/${encodeURIComponent(c.id)}`}>{c.id}</a> ({t(`status.${c.status}`)})
          </li>
        ))}
      </ul>
    </>
  );
}
