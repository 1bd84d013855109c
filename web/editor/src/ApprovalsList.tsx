// The Approvals page: the pending approvals that the signed-in role may
// answer, with their answer forms.
import { useCallback, useEffect, useState } from "react";
import { listApprovals } from "./api";
import { ApprovalAnswerForm } from "./ApprovalAnswer";
import { t } from "./i18n";
import type { Approval } from "./types";

export function ApprovalsList() {
  const [approvals, setApprovals] = useState<Approval[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [answered, setAnswered] = useState<Record<string, string>>({});

  const load = useCallback(() => {
    listApprovals("pending", true)
      .then(setApprovals)
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);

  if (error) return <p className="error" role="alert">{t("approvals.load_failed", { message: error })}</p>;
  if (!approvals) return <p className="loading">{t("editor.loading")}</p>;
  if (approvals.length === 0) return <p className="empty" data-testid="approvals-empty">{t("approvals.empty")}</p>;
  return (
    <table className="list approvals" data-testid="approval-list">
      <thead>
        <tr>
          <th scope="col">{t("approvals.col_question")}</th>
          <th scope="col">{t("approvals.col_playbook")}</th>
          <th scope="col">{t("approvals.col_run")}</th>
          <th scope="col">{t("approvals.col_deadline")}</th>
          <th scope="col">{t("approvals.col_answer")}</th>
        </tr>
      </thead>
      <tbody>
        {approvals.map((a) => (
          <tr key={a.id} data-testid={`approval-${a.id}`}>
            <td>
              {a.question}
              <div className="hint">{t("approvals.role", { role: a.assignee_role })}</div>
            </td>
            <td>
              <a href={`/playbooks/${encodeURIComponent(a.playbook_id)}`}>{a.playbook_id}</a>
            </td>
            <td>
              <a href={`/runs/${encodeURIComponent(a.run_id)}`}>{a.run_id}</a>
            </td>
            <td>
              {a.deadline ? (
                <time dateTime={a.deadline}>{new Date(a.deadline).toLocaleString()}</time>
              ) : (
                t("approvals.no_deadline")
              )}
            </td>
            <td>
              {answered[a.id] ? (
                <span className="status ok" role="status">
                  {t("approvals.answered", { option: answered[a.id] })}
                </span>
              ) : (
                <ApprovalAnswerForm
                  approval={{ ...a, question: "" }}
                  onAnswered={(option) => setAnswered((s) => ({ ...s, [a.id]: option }))}
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
