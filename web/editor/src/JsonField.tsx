// A textarea that edits a JSON object and reports parse errors in place.
import { useEffect, useState } from "react";
import { t } from "./i18n";

type Props = {
  id: string;
  label: string;
  hint?: string;
  value: Record<string, unknown> | undefined;
  onChange: (value: Record<string, unknown>) => void;
  problem?: string;
};

export function JsonField({ id, label, hint, value, onChange, problem }: Props) {
  const [text, setText] = useState(() => JSON.stringify(value ?? {}, null, 2));
  const [error, setError] = useState<string | null>(null);

  // Replace the text with the value from outside unless both parse to the same
  // JSON, so typing does not reformat the text.
  useEffect(() => {
    setText((current) => {
      try {
        if (JSON.stringify(JSON.parse(current)) === JSON.stringify(value ?? {})) return current;
      } catch {
        // The text is being edited and is not JSON yet: replace it.
      }
      return JSON.stringify(value ?? {}, null, 2);
    });
  }, [value]);

  function edit(next: string) {
    setText(next);
    try {
      const parsed: unknown = JSON.parse(next);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        setError(t("settings.not_object"));
        return;
      }
      setError(null);
      onChange(parsed as Record<string, unknown>);
    } catch (e) {
      setError(t("settings.invalid_json", { message: (e as Error).message }));
    }
  }

  const message = error ?? problem;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="code"
        rows={6}
        value={text}
        spellCheck={false}
        aria-invalid={message ? true : undefined}
        onChange={(e) => edit(e.target.value)}
        data-testid={id}
      />
      {hint && <p className="hint">{hint}</p>}
      {message && <p className="error field-error">{message}</p>}
    </div>
  );
}
