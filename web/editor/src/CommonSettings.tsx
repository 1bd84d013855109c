// Settings every node type that can fail shares: retry, timeout and
// on_error.
import type { StepNode } from "./graph";
import { t } from "./i18n";
import { canFail, onErrorChoices, takesTimeout } from "./ports";
import type { RetryPolicy } from "./types";
import { parseList } from "./NodeSettings";

type Props = {
  node: StepNode;
  problem: (key: string) => string | undefined;
  update: (patch: Partial<StepNode["data"]>) => void;
};

// withRetry returns the retry policy after one field changed, or undefined
// when the policy is back to running the step once with no settings.
export function withRetry(
  retry: RetryPolicy | undefined,
  patch: Partial<RetryPolicy>,
): RetryPolicy | undefined {
  const next: RetryPolicy = { attempts: 0, ...retry, ...patch };
  for (const key of ["initial_delay", "max_delay"] as const) {
    if (!next[key]) delete next[key];
  }
  if (!next.retry_on?.length) delete next.retry_on;
  const empty = next.attempts === 0 && Object.keys(next).length === 1;
  return empty ? undefined : next;
}

export function CommonSettings({ node, problem, update }: Props) {
  const type = node.data.type;
  if (!canFail(type)) return null;
  const retry = node.data.retry;
  const setRetry = (patch: Partial<RetryPolicy>) => update({ retry: withRetry(retry, patch) });
  const error = (key: string) => {
    const message = problem(key);
    return message ? <p className="error">{message}</p> : null;
  };

  return (
    <fieldset className="field common" data-testid="settings-common">
      <legend className="label">{t("settings.common")}</legend>
      <label htmlFor="node-on-error">{t("settings.on_error")}</label>
      <select
        id="node-on-error"
        value={node.data.on_error || "fail"}
        onChange={(e) => update({ on_error: e.target.value === "fail" ? undefined : e.target.value })}
        data-testid="settings-on-error"
      >
        {onErrorChoices(type).map((choice) => (
          <option key={choice} value={choice}>
            {t(`settings.on_error_${choice}`)}
          </option>
        ))}
      </select>
      {error("on_error")}
      {takesTimeout(type) && (
        <>
          <label htmlFor="node-timeout">{t("settings.timeout")}</label>
          <input
            id="node-timeout"
            value={node.data.timeout ?? ""}
            placeholder="30s"
            onChange={(e) => update({ timeout: e.target.value || undefined })}
          />
          {error("timeout")}
        </>
      )}
      <label htmlFor="node-retry-attempts">{t("settings.retry_attempts")}</label>
      <input
        id="node-retry-attempts"
        type="number"
        min={0}
        max={100}
        value={retry?.attempts ?? 0}
        onChange={(e) => setRetry({ attempts: Number(e.target.value) || 0 })}
      />
      <p className="hint">{t("settings.retry_attempts_hint")}</p>
      {error("retry.attempts")}
      <label htmlFor="node-retry-initial">{t("settings.retry_initial_delay")}</label>
      <input
        id="node-retry-initial"
        value={retry?.initial_delay ?? ""}
        placeholder="1s"
        onChange={(e) => setRetry({ initial_delay: e.target.value })}
      />
      {error("retry.initial_delay")}
      <label htmlFor="node-retry-max">{t("settings.retry_max_delay")}</label>
      <input
        id="node-retry-max"
        value={retry?.max_delay ?? ""}
        placeholder="30s"
        onChange={(e) => setRetry({ max_delay: e.target.value })}
      />
      <p className="hint">{t("settings.duration_hint")}</p>
      {error("retry.max_delay")}
      <label htmlFor="node-retry-on">{t("settings.retry_on")}</label>
      <input
        id="node-retry-on"
        defaultValue={(retry?.retry_on ?? []).join(", ")}
        placeholder="timeout, action"
        onChange={(e) => setRetry({ retry_on: parseList(e.target.value) })}
      />
      <p className="hint">{t("settings.retry_on_hint")}</p>
    </fieldset>
  );
}
