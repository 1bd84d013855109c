// The Runs page: the most recent runs with their status, of one playbook
// when the page URL has ?playbook_id=.
import { useEffect, useState } from "react";
import { listRuns, type RunSummary } from "./api";
import { t } from "./i18n";

export function RunsList() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const playbookId = new URLSearchParams(window.location.search).get("playbook_id") ?? undefined;
    listRuns(playbookId)
      .then(setRuns)
      .catch((e: Error) => setError(e.message));
  }, []);

  if (error) return <p className="error" role="alert">{t("runs.load_failed", { message: error })}</p>;
  if (!runs) return <p className="loading">{t("editor.loading")}</p>;
  if (runs.length === 0) return <p className="empty">{t("runs.empty")}</p>;
  return (
    <table className="list" data-testid="run-list">
      <thead>
        <tr>
          <th scope="col">{t("runs.col_id")}</th>
          <th scope="col">{t("runs.col_playbook")}</th>
          <th scope="col">{t("runs.col_status")}</th>
          <th scope="col">{t("runs.col_created")}</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid={`run-${r.id}`}>
            <td>
              <a href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>
            </td>
            <td>
              <a href={`/playbooks/${encodeURIComponent(r.playbook_id)}`}>{r.playbook_id}</a> v
              {r.playbook_version}
            </td>
            <td className={`run-status status-${r.status}`} data-status={r.status}>
              {t(`status.${r.status}`)}
            </td>
            <td>{r.created_at ? new Date(r.created_at).toLocaleString() : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
