// Settings forms of the switch, loop, join, approval, delay and subplaybook
// node types.
import { useEffect, useState } from "react";
import { listPlaybooks } from "./api";
import type { StepNode } from "./graph";
import { t } from "./i18n";
import { JsonField } from "./JsonField";
import { approvalOptions, CASE_PREFIX, switchCases } from "./ports";
import { useEditor } from "./store";
import type { Playbook, Problem } from "./types";

export type FormProps = {
  node: StepNode;
  problem: (key: string) => string | undefined;
  setSettings: (patch: Record<string, unknown>) => void;
};

function FieldError({ message }: { message?: string }) {
  return message ? <p className="error">{message}</p> : null;
}

// parseList splits a comma-separated list into trimmed, non-empty entries.
export function parseList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

// ListField edits a list of strings as comma-separated text. It keeps the
// text as typed, so a trailing comma or space survives until the next entry.
function ListField(props: {
  id: string;
  label: string;
  hint: string;
  value: string[];
  onChange: (value: string[]) => void;
  problem?: string;
}) {
  const [text, setText] = useState(props.value.join(", "));
  useEffect(() => {
    setText((current) =>
      parseList(current).join(",") === props.value.join(",") ? current : props.value.join(", "),
    );
  }, [props.value]);
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          props.onChange(parseList(e.target.value));
        }}
        data-testid={props.id}
      />
      <p className="hint">{props.hint}</p>
      <FieldError message={props.problem} />
    </div>
  );
}

export function SwitchForm({ node, problem, setSettings }: FormProps) {
  const cases = switchCases(node.data.settings);
  const renamePort = useEditor((s) => s.renamePort);
  const setCases = (next: typeof cases) => setSettings({ cases: next });

  function rename(i: number, name: string) {
    renamePort(node.id, CASE_PREFIX + cases[i].name, CASE_PREFIX + name);
    setCases(cases.map((c, j) => (j === i ? { ...c, name } : c)));
  }

  function moveUp(i: number) {
    const next = [...cases];
    [next[i - 1], next[i]] = [next[i], next[i - 1]];
    setCases(next);
  }

  return (
    <fieldset className="field cases" data-testid="settings-cases">
      <legend className="label">{t("settings.cases")}</legend>
      <p className="hint">{t("settings.cases_hint")}</p>
      {cases.map((c, i) => (
        <div className="case" key={i}>
          <input
            aria-label={t("settings.case_name")}
            value={c.name}
            placeholder="high"
            onChange={(e) => rename(i, e.target.value)}
            data-testid={`case-name-${i}`}
          />
          <textarea
            className="code"
            rows={2}
            aria-label={t("settings.case_expression")}
            value={c.expression}
            placeholder='trigger.severity == "high"'
            onChange={(e) =>
              setCases(cases.map((x, j) => (j === i ? { ...x, expression: e.target.value } : x)))
            }
            data-testid={`case-expression-${i}`}
          />
          <div className="case-buttons">
            <button
              type="button"
              disabled={i === 0}
              aria-label={t("settings.case_up", { name: c.name })}
              onClick={() => moveUp(i)}
            >
              ↑
            </button>
            <button
              type="button"
              className="danger"
              aria-label={t("settings.case_remove", { name: c.name })}
              onClick={() => setCases(cases.filter((_, j) => j !== i))}
            >
              ✕
            </button>
          </div>
          <FieldError message={problem(`cases[${i}].name`) ?? problem(`cases[${i}].expression`)} />
        </div>
      ))}
      <button
        type="button"
        onClick={() => setCases([...cases, { name: `case_${cases.length + 1}`, expression: "" }])}
        data-testid="case-add"
      >
        {t("settings.case_add")}
      </button>
      <FieldError message={problem("cases")} />
    </fieldset>
  );
}

// itemsText shows loop items as typed when they are a string, and as JSON
// when they are a list.
function itemsText(items: unknown): string {
  if (items === undefined || items === null) return "";
  return typeof items === "string" ? items : JSON.stringify(items);
}

// parseItems keeps an expression as a string and turns a JSON list into a
// list.
export function parseItems(text: string): unknown {
  if (text.trim().startsWith("[")) {
    try {
      const parsed = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // Not JSON yet: store the text, which validation reports.
    }
  }
  return text;
}

export function LoopForm({ node, problem, setSettings }: FormProps) {
  const s = node.data.settings;
  return (
    <>
      <p className="hint">{t("settings.loop_body_hint")}</p>
      <div className="field">
        <label htmlFor="loop-items">{t("settings.items")}</label>
        <textarea
          id="loop-items"
          className="code"
          rows={2}
          value={itemsText(s.items)}
          onChange={(e) => setSettings({ items: parseItems(e.target.value) })}
          data-testid="settings-items"
        />
        <p className="hint">{t("settings.items_hint")}</p>
        <FieldError message={problem("items")} />
      </div>
      <div className="field">
        <label htmlFor="loop-concurrency">{t("settings.concurrency")}</label>
        <input
          id="loop-concurrency"
          type="number"
          min={1}
          max={64}
          value={Number(s.concurrency ?? 1)}
          onChange={(e) => setSettings({ concurrency: Number(e.target.value) || undefined })}
        />
        <p className="hint">{t("settings.concurrency_hint")}</p>
        <FieldError message={problem("concurrency")} />
      </div>
      <JsonField
        id="settings-result"
        label={t("settings.result")}
        hint={t("settings.result_hint")}
        value={s.result as Record<string, unknown> | undefined}
        problem={problem("result")}
        onChange={(result) => setSettings({ result: Object.keys(result).length ? result : undefined })}
      />
    </>
  );
}

export function JoinForm({ node, problem, setSettings }: FormProps) {
  return (
    <div className="field">
      <label htmlFor="join-mode">{t("settings.join_mode")}</label>
      <select
        id="join-mode"
        value={String(node.data.settings.mode ?? "all")}
        onChange={(e) => setSettings({ mode: e.target.value })}
      >
        <option value="all">{t("settings.join_all")}</option>
        <option value="any">{t("settings.join_any")}</option>
      </select>
      <FieldError message={problem("mode")} />
    </div>
  );
}

export function ApprovalForm({ node, problem, setSettings }: FormProps) {
  const s = node.data.settings;
  const options = approvalOptions(s);
  const timeout = String(s.timeout ?? "");
  return (
    <>
      <div className="field">
        <label htmlFor="approval-question">{t("settings.question")}</label>
        <textarea
          id="approval-question"
          rows={2}
          value={String(s.question ?? "")}
          onChange={(e) => setSettings({ question: e.target.value })}
          data-testid="settings-question"
        />
        <p className="hint">{t("settings.question_hint")}</p>
        <FieldError message={problem("question")} />
      </div>
      <ListField
        id="settings-options"
        label={t("settings.options")}
        hint={t("settings.options_hint")}
        value={Array.isArray(s.options) ? s.options.map(String) : []}
        problem={problem("options")}
        onChange={(list) => setSettings({ options: list.length ? list : undefined })}
      />
      <SelectField
        id="approval-role"
        label={t("settings.assignee_role")}
        value={String(s.assignee_role ?? "analyst")}
        choices={["analyst", "developer", "admin"].map((r) => [r, t(`settings.role_${r}`)])}
        problem={problem("assignee_role")}
        onChange={(assignee_role) => setSettings({ assignee_role })}
      />
      <SelectField
        id="approval-comment"
        label={t("settings.comment_rule")}
        value={String(s.comment ?? "optional")}
        choices={["optional", "required", "none"].map((c) => [c, t(`settings.comment_${c}`)])}
        problem={problem("comment")}
        onChange={(comment) => setSettings({ comment })}
      />
      <div className="field">
        <label htmlFor="approval-timeout">{t("settings.approval_timeout")}</label>
        <input
          id="approval-timeout"
          value={timeout}
          placeholder="24h"
          onChange={(e) =>
            setSettings({
              timeout: e.target.value || undefined,
              default_option: e.target.value ? s.default_option : undefined,
            })
          }
        />
        <p className="hint">{t("settings.approval_timeout_hint")}</p>
        <FieldError message={problem("timeout")} />
      </div>
      <SelectField
        id="approval-default"
        label={t("settings.default_option")}
        value={String(s.default_option ?? "")}
        disabled={timeout === ""}
        choices={[["", t("settings.default_option_none")], ...options.map((o) => [o, o])]}
        problem={problem("default_option")}
        onChange={(v) => setSettings({ default_option: v || undefined })}
      />
    </>
  );
}

function SelectField(props: {
  id: string;
  label: string;
  value: string;
  choices: string[][];
  onChange: (value: string) => void;
  problem?: string;
  disabled?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.choices.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <FieldError message={props.problem} />
    </div>
  );
}

export function DelayForm({ node, problem, setSettings }: FormProps) {
  const s = node.data.settings;
  const kind = s.until !== undefined ? "until" : "duration";
  const value = String((kind === "until" ? s.until : s.duration) ?? "");
  return (
    <>
      <SelectField
        id="delay-kind"
        label={t("settings.delay_kind")}
        value={kind}
        choices={[
          ["duration", t("settings.delay_duration")],
          ["until", t("settings.delay_until")],
        ]}
        onChange={(next) =>
          setSettings(next === "until" ? { until: "", duration: undefined } : { duration: "5m", until: undefined })
        }
      />
      <div className="field">
        <label htmlFor="delay-value">{t(`settings.${kind}`)}</label>
        <input
          id="delay-value"
          value={value}
          placeholder={kind === "until" ? "2026-12-03T18:00:00Z" : "15m"}
          onChange={(e) => setSettings({ [kind]: e.target.value })}
          data-testid="settings-delay"
        />
        <p className="hint">{t(kind === "until" ? "settings.until_hint" : "settings.duration_hint")}</p>
        <FieldError message={problem(kind) ?? problem("")} />
      </div>
    </>
  );
}

// usePlaybooks loads the playbooks a subplaybook node may run.
function usePlaybooks() {
  const [playbooks, setPlaybooks] = useState<Playbook[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listPlaybooks()
      .then(setPlaybooks)
      .catch((e: Error) => setError(e.message));
  }, []);
  return { playbooks, error };
}

export function SubplaybookForm({ node, problem, setSettings }: FormProps) {
  const s = node.data.settings;
  const self = useEditor((state) => state.playbookId);
  const { playbooks, error } = usePlaybooks();
  const chosen = String(s.playbook ?? "");
  const others = (playbooks ?? []).filter((p) => p.id !== self);
  return (
    <>
      <div className="field">
        <label htmlFor="subplaybook-playbook">{t("settings.playbook")}</label>
        <select
          id="subplaybook-playbook"
          value={chosen}
          onChange={(e) => setSettings({ playbook: e.target.value })}
          data-testid="settings-playbook"
        >
          <option value="">{t("settings.playbook_pick")}</option>
          {chosen && !others.some((p) => p.id === chosen) && <option value={chosen}>{chosen}</option>}
          {others.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.id})
            </option>
          ))}
        </select>
        {error && <p className="error">{t("settings.playbooks_failed", { message: error })}</p>}
        <FieldError message={problem("playbook")} />
      </div>
      <div className="field">
        <label htmlFor="subplaybook-version">{t("settings.version")}</label>
        <input
          id="subplaybook-version"
          type="number"
          min={0}
          value={Number(s.version ?? 0)}
          onChange={(e) => setSettings({ version: Number(e.target.value) || undefined })}
        />
        <p className="hint">{t("settings.version_hint")}</p>
        <FieldError message={problem("version")} />
      </div>
      <JsonField
        id="settings-subplaybook-inputs"
        label={t("settings.subplaybook_inputs")}
        hint={t("settings.values_hint")}
        value={s.inputs as Record<string, unknown> | undefined}
        problem={problem("inputs")}
        onChange={(inputs) => setSettings({ inputs })}
      />
    </>
  );
}

// problemLookup returns the joined messages of the problems on one settings
// field of a node.
export function problemLookup(problems: Problem[], path: (field?: string) => string) {
  return (key: string) => {
    const hits = problems.filter((p) => path(p.field) === key).map((p) => p.message);
    return hits.length > 0 ? hits.join("; ") : undefined;
  };
}
