// The Actions page: every registered action version with its category.
import { useEffect, useState } from "react";
import { listActions } from "./api";
import { t } from "./i18n";
import type { ActionInfo } from "./types";

export function ActionsList() {
  const [actions, setActions] = useState<ActionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listActions().then(setActions).catch((e: Error) => setError(e.message));
  }, []);

  if (error) return <p className="error" role="alert">{t("palette.actions_failed", { message: error })}</p>;
  if (!actions) return <p className="loading">{t("palette.actions_loading")}</p>;
  return (
    <table className="list" data-testid="action-list">
      <thead>
        <tr>
          <th scope="col">{t("actions.col_name")}</th>
          <th scope="col">{t("actions.col_version")}</th>
          <th scope="col">{t("actions.col_category")}</th>
          <th scope="col">{t("actions.col_side_effects")}</th>
        </tr>
      </thead>
      <tbody>
        {actions.map((a) => (
          <tr key={`${a.manifest.name}@${a.manifest.version}`}>
            <td>
              <strong>{a.manifest.title || a.manifest.name}</strong> <code>{a.manifest.name}</code>
              {a.builtin && <span className="badge">{t("actions.builtin")}</span>}
              {a.manifest.description && <p className="hint">{a.manifest.description}</p>}
            </td>
            <td>{a.manifest.version}</td>
            <td>{a.manifest.category || t("palette.uncategorized")}</td>
            <td>{a.manifest.side_effects ? t("actions.yes") : t("actions.no")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
