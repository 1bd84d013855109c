// The answer form of one pending approval: a button per option and a
// comment field that follows the approval's comment rule.
import { useState } from "react";
import { answerApproval } from "./api";
import { t } from "./i18n";
import type { Approval } from "./types";

type Props = {
  approval: Approval;
  // onAnswered runs after the server accepted the answer.
  onAnswered: (option: string) => void;
};

// commentProblem returns why the comment blocks an answer, or null.
export function commentProblem(rule: string, comment: string): string | null {
  return rule === "required" && comment.trim() === "" ? t("approvals.comment_missing") : null;
}

export function ApprovalAnswerForm({ approval, onAnswered }: Props) {
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rule = approval.comment || "optional";
  const fieldId = `approval-comment-${approval.id}`;

  async function answer(option: string) {
    const problem = commentProblem(rule, comment);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await answerApproval(approval.id, option, rule === "none" ? "" : comment.trim());
      onAnswered(option);
    } catch (e) {
      setError(t("approvals.answer_failed", { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="approval-answer"
      data-testid={`approval-form-${approval.node_id}`}
      onSubmit={(e) => e.preventDefault()}
    >
      {approval.question && (
        <p className="approval-question" data-testid="approval-question">
          {approval.question}
        </p>
      )}
      {rule !== "none" && (
        <div className="field">
          <label htmlFor={fieldId}>
            {rule === "required" ? t("approvals.comment_required") : t("approvals.comment")}
          </label>
          <textarea
            id={fieldId}
            rows={2}
            value={comment}
            required={rule === "required"}
            aria-invalid={error !== null && rule === "required" && comment.trim() === ""}
            onChange={(e) => setComment(e.target.value)}
            data-testid="approval-comment"
          />
        </div>
      )}
      <div className="approval-options">
        {approval.options.map((option) => (
          <button
            key={option}
            type="button"
            className={option === approval.options[0] ? "primary" : undefined}
            disabled={busy}
            onClick={() => answer(option)}
            data-testid={`approval-option-${option}`}
          >
            {option}
          </button>
        ))}
      </div>
      {error && (
        <p className="error" role="alert" data-testid="approval-error">
          {error}
        </p>
      )}
    </form>
  );
}
