// The settings panel of the selected node.
import Form from "@rjsf/core";
import type { ErrorSchema, RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { Component, useMemo, type ReactNode } from "react";
import type { StepNode } from "./graph";
import { t } from "./i18n";
import { CommonSettings } from "./CommonSettings";
import { JsonField } from "./JsonField";
import {
  ApprovalForm,
  DelayForm,
  JoinForm,
  LoopForm,
  problemLookup,
  SubplaybookForm,
  SwitchForm,
} from "./NodeSettings";
import { coerceInputs, relaxSchema, toFormData } from "./schema";
import { useEditor } from "./store";
import type { ActionInfo, JSONSchema, Problem } from "./types";

type Props = {
  actions: Map<string, ActionInfo>;
  webhookURL: (nodeId: string) => string | null;
};

// fieldPath strips the "settings." and "inputs." prefixes from a problem's
// field, leaving the path inside the node's inputs or settings.
export function fieldPath(field: string | undefined): string {
  return (field ?? "").replace(/^settings\./, "").replace(/^inputs\./, "");
}

function problemFor(problems: Problem[], key: string): string | undefined {
  const hits = problems.filter((p) => fieldPath(p.field) === key).map((p) => p.message);
  return hits.length > 0 ? hits.join("; ") : undefined;
}

// inputErrors turns problems on action inputs into the error schema of the
// form, so each message shows under its field.
function inputErrors(problems: Problem[]): ErrorSchema {
  const out: Record<string, unknown> = {};
  for (const p of problems) {
    if (!p.field || !/^(settings\.)?inputs\./.test(p.field)) continue;
    let node = out;
    for (const part of fieldPath(p.field).split(".")) {
      node = (node[part] ??= {}) as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[]) ?? []), p.message];
  }
  return out as ErrorSchema;
}

export function Settings({ actions, webhookURL }: Props) {
  const node = useEditor((s) => s.nodes.find((n) => n.id === s.selectedId));
  const allProblems = useEditor((s) => s.problems);
  const updateNode = useEditor((s) => s.updateNode);
  const removeNode = useEditor((s) => s.removeNode);

  if (!node) {
    return (
      <aside className="settings" data-testid="settings">
        <h2>{t("settings.title")}</h2>
        <p className="hint">{t("settings.none")}</p>
      </aside>
    );
  }

  const problems = allProblems.filter((p) => p.node_id === node.id);
  const setSettings = (patch: Record<string, unknown>) =>
    updateNode(node.id, { settings: { ...node.data.settings, ...patch } });

  return (
    <aside className="settings" data-testid="settings">
      <h2>{t("settings.title")}</h2>
      {problems.length > 0 && (
        <ul className="error" role="alert">
          {problems.map((p, i) => (
            <li key={i}>{p.field ? `${p.field}: ${p.message}` : p.message}</li>
          ))}
        </ul>
      )}
      <div className="field">
        <span className="label">{t("settings.id")}</span>
        <code data-testid="settings-id">{node.id}</code>
      </div>
      <div className="field">
        <label htmlFor="node-name">{t("settings.name")}</label>
        <input
          id="node-name"
          value={node.data.name}
          onChange={(e) => updateNode(node.id, { name: e.target.value })}
          data-testid="settings-name"
        />
        {problemFor(problems, "name") && <p className="error">{problemFor(problems, "name")}</p>}
      </div>
      <TypeSettings
        node={node}
        problems={problems}
        actions={actions}
        webhookURL={webhookURL}
        setSettings={setSettings}
      />
      <CommonSettings
        node={node}
        problem={problemLookup(problems, (field) => field ?? "")}
        update={(patch) => updateNode(node.id, patch)}
      />
      <button type="button" className="danger" onClick={() => removeNode(node.id)}>
        {t("editor.delete_node")}
      </button>
    </aside>
  );
}

type TypeProps = Props & {
  node: StepNode;
  problems: Problem[];
  setSettings: (patch: Record<string, unknown>) => void;
};

function TypeSettings({ node, problems, actions, webhookURL, setSettings }: TypeProps) {
  const settings = node.data.settings;
  const form = { node, setSettings, problem: problemLookup(problems, fieldPath) };
  switch (node.data.type) {
    case "switch":
      return <SwitchForm {...form} />;
    case "loop":
      return <LoopForm {...form} />;
    case "join":
      return <JoinForm {...form} />;
    case "approval":
      return <ApprovalForm {...form} />;
    case "delay":
      return <DelayForm {...form} />;
    case "subplaybook":
      return <SubplaybookForm {...form} />;
    case "trigger":
      return <TriggerSettings node={node} webhookURL={webhookURL} />;
    case "condition":
      return (
        <div className="field">
          <label htmlFor="condition-expression">{t("settings.expression")}</label>
          <textarea
            id="condition-expression"
            className="code"
            rows={3}
            value={String(settings.expression ?? "")}
            onChange={(e) => setSettings({ expression: e.target.value })}
            data-testid="settings-expression"
          />
          <p className="hint">{t("settings.expression_hint")}</p>
          {problemFor(problems, "expression") && (
            <p className="error">{problemFor(problems, "expression")}</p>
          )}
        </div>
      );
    case "transform":
      return (
        <JsonField
          id="settings-values"
          label={t("settings.values")}
          hint={t("settings.values_hint")}
          value={settings.values as Record<string, unknown>}
          problem={problemFor(problems, "values")}
          onChange={(values) => setSettings({ values })}
        />
      );
    case "end":
      return <EndSettings node={node} problems={problems} setSettings={setSettings} />;
    case "action":
      return (
        <ActionSettings node={node} problems={problems} actions={actions} setSettings={setSettings} />
      );
  }
}

function TriggerSettings({ node, webhookURL }: { node: StepNode; webhookURL: Props["webhookURL"] }) {
  if (node.data.settings.kind !== "webhook") return null;
  const url = webhookURL(node.id);
  return (
    <div className="field">
      <span className="label">{t("settings.webhook_url")}</span>
      {url ? (
        <code className="webhook-url" data-testid="webhook-url">
          {url}
        </code>
      ) : (
        <p className="hint">{t("settings.webhook_unsaved")}</p>
      )}
    </div>
  );
}

function EndSettings({ node, problems, setSettings }: Omit<TypeProps, "actions" | "webhookURL">) {
  const settings = node.data.settings;
  return (
    <>
      <div className="field">
        <label htmlFor="end-outcome">{t("settings.outcome")}</label>
        <select
          id="end-outcome"
          value={String(settings.outcome ?? "succeeded")}
          onChange={(e) => setSettings({ outcome: e.target.value })}
        >
          <option value="succeeded">{t("settings.outcome_succeeded")}</option>
          <option value="failed">{t("settings.outcome_failed")}</option>
        </select>
      </div>
      <JsonField
        id="settings-output"
        label={t("settings.output")}
        hint={t("settings.values_hint")}
        value={settings.output as Record<string, unknown>}
        problem={problemFor(problems, "output")}
        onChange={(output) => setSettings({ output })}
      />
    </>
  );
}

function ActionSettings({ node, problems, actions, setSettings }: Omit<TypeProps, "webhookURL">) {
  const ref = String(node.data.settings.action ?? "");
  const info = actions.get(ref);
  const inputSchema = info?.manifest.input_schema as JSONSchema | undefined;
  const relaxed = useMemo(() => relaxSchema(inputSchema), [inputSchema]);
  const extraErrors = useMemo(() => inputErrors(problems), [problems]);

  if (!info) {
    return <p className="error">{t("settings.action_unknown", { ref })}</p>;
  }
  return (
    <div className="field action-inputs">
      <span className="label">{t("settings.inputs")}</span>
      <p className="hint">{t("settings.inputs_hint")}</p>
      <FormBoundary key={ref + node.id}>
        <Form
          schema={relaxed as RJSFSchema}
          validator={validator}
          formData={toFormData(node.data.settings.inputs ?? {})}
          extraErrors={extraErrors}
          showErrorList={false}
          noHtml5Validate
          onChange={(e) => setSettings({ inputs: coerceInputs(e.formData, inputSchema) })}
          uiSchema={{ "ui:submitButtonOptions": { norender: true } }}
        />
      </FormBoundary>
    </div>
  );
}

// FormBoundary keeps a form that throws (for example a schema the form
// library cannot render) from taking down the editor.
class FormBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (this.state.error) return <p className="error">{this.state.error.message}</p>;
    return this.props.children;
  }
}
