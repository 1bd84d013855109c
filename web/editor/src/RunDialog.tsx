// The dialog that starts a manual run: a form from the playbook's inputs
// schema, or a JSON object when the playbook declares none.
import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useState } from "react";
import { startRun } from "./api";
import { t } from "./i18n";
import { JsonField } from "./JsonField";

type Props = {
  playbookId: string;
  inputsSchema?: Record<string, unknown>;
  onClose: () => void;
};

export function RunDialog({ playbookId, inputsSchema, onClose }: Props) {
  const [inputs, setInputs] = useState<Record<string, unknown>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hasSchema = !!inputsSchema && Object.keys(inputsSchema).length > 0;

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const run = await startRun(playbookId, inputs);
      location.assign(`/runs/${encodeURIComponent(run.id)}`);
    } catch (e) {
      setError(t("editor.run_failed", { message: (e as Error).message }));
      setBusy(false);
    }
  }

  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="run-title">
        <h2 id="run-title">{t("editor.run")}</h2>
        {hasSchema ? (
          <Form
            schema={inputsSchema as RJSFSchema}
            validator={validator}
            formData={inputs}
            noHtml5Validate
            showErrorList={false}
            onChange={(e) => setInputs((e.formData ?? {}) as Record<string, unknown>)}
            uiSchema={{ "ui:submitButtonOptions": { norender: true } }}
          />
        ) : (
          <JsonField id="run-inputs" label={t("editor.run_inputs")} value={inputs} onChange={setInputs} />
        )}
        {error && <p className="error" role="alert">{error}</p>}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>{t("editor.run_cancel")}</button>
          <button type="button" className="primary" onClick={start} disabled={busy} data-testid="run-start">
            {t("editor.run_start")}
          </button>
        </div>
      </div>
    </div>
  );
}
