package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// ApprovalStatus is the state of an approval request.
type ApprovalStatus string

// Approval states. Only a pending approval takes an answer.
const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalAnswered ApprovalStatus = "answered"
	ApprovalTimedOut ApprovalStatus = "timed_out"
	ApprovalCanceled ApprovalStatus = "canceled"
)

// Approval is the durable request of an approval step. Question is
// evaluated once, when the step first starts. Answer is set once an answer
// or the timeout was stored, which can precede the Status change by up to
// Config.PollInterval when another process owns the run.
type Approval struct {
	ID            string          `json:"id"`
	RunID         string          `json:"run_id"`
	StepID        string          `json:"step_id"`
	NodeID        string          `json:"node_id"`
	PlaybookID    string          `json:"playbook_id"`
	Question      string          `json:"question"`
	Options       []string        `json:"options"`
	AssigneeRole  string          `json:"assignee_role"`
	Comment       string          `json:"comment"` // designer.CommentOptional, CommentRequired or CommentNone
	DefaultOption string          `json:"default_option,omitempty"`
	Deadline      *time.Time      `json:"deadline,omitempty"`
	Status        ApprovalStatus  `json:"status"`
	CreatedAt     time.Time       `json:"created_at"`
	Answer        *ApprovalAnswer `json:"answer,omitempty"`
}

// ApprovalAnswer is the answer to an approval, or its timeout.
type ApprovalAnswer struct {
	ApprovalID string    `json:"approval_id"`
	Option     string    `json:"option,omitempty"` // the default option, or empty, after a timeout
	Comment    string    `json:"comment,omitempty"`
	By         string    `json:"by,omitempty"`
	At         time.Time `json:"at"`
	TimedOut   bool      `json:"timed_out"`
}

// ApprovalFilter selects approvals for ListApprovals. The zero value
// selects every approval.
type ApprovalFilter struct {
	Status       ApprovalStatus // empty for every status
	RunID        string         // empty for every run
	AssigneeRole string         // empty for every role
	Limit        int            // zero or less for no limit
}

// ApprovalStore keeps approval requests and their answers. A Store that
// also implements it runs approval nodes.
type ApprovalStore interface {
	// SaveApproval inserts or replaces a request; only the run's owner
	// calls it.
	SaveApproval(ctx context.Context, a *Approval) error
	// GetApproval returns a request with its answer, or ErrNotFound.
	GetApproval(ctx context.Context, id string) (*Approval, error)
	// ListApprovals returns requests with their answers, newest first.
	ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, error)
	// InsertAnswer stores the one answer of a request; a second one is
	// ErrConflict.
	InsertAnswer(ctx context.Context, a *ApprovalAnswer) error
	// GetAnswers returns the stored answers of the requests ids.
	GetAnswers(ctx context.Context, ids []string) ([]ApprovalAnswer, error)
}

func init() {
	nodeTypes[designer.NodeApproval] = runApproval
	nodeTypes[designer.NodeDelay] = runDelay
}

// approvalID returns the id of the approval of step stepID in run runID:
// the run id and 16 hex digits of the step id's SHA-256, URL-safe and the
// same for every attempt and owner.
func approvalID(runID, stepID string) string {
	sum := sha256.Sum256([]byte(stepID))
	return runID + "-" + hex.EncodeToString(sum[:8])
}

// runApproval stores an approval request, or finds the one an earlier
// owner stored, and waits for its answer or its timeout.
func runApproval(ctx context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.ApprovalSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	if call.rs.e.waits.approvals == nil {
		return failed(CodeUnsupportedNode, "the store keeps no approvals, so approval nodes cannot run")
	}
	a, serr := call.rs.openApproval(ctx, call, &settings)
	if serr != nil {
		return nodeResult{err: serr}
	}

	res := nodeResult{input: map[string]any{
		"approval_id": a.ID, "question": a.Question, "options": a.Options,
	}}
	ans, serr := call.rs.awaitAnswer(ctx, call, a)
	if serr == errWaitStopped {
		return nodeResult{abandon: true}
	}
	if serr != nil {
		if serr.Code == CodeCanceled && errors.Is(context.Cause(ctx), errRunCanceled) {
			call.rs.closeApproval(a, ApprovalCanceled, nil)
		}
		res.err = serr
		return res
	}

	if ans.TimedOut {
		call.rs.closeApproval(a, ApprovalTimedOut, ans)
		res.port = designer.PortTimeout
	} else {
		call.rs.closeApproval(a, ApprovalAnswered, ans)
		res.port = designer.OptionPort(ans.Option)
	}
	res.output = approvalOutput(ans)
	return res
}

// approvalOutput returns the step output of an answer or a timeout.
func approvalOutput(ans *ApprovalAnswer) map[string]any {
	out := map[string]any{"option": nil, "comment": nil, "answered_by": nil,
		"answered_at": nil, "timed_out": ans.TimedOut}
	if ans.Option != "" {
		out["option"] = ans.Option
	}
	if ans.TimedOut {
		return out
	}
	if ans.Comment != "" {
		out["comment"] = ans.Comment
	}
	out["answered_by"] = ans.By
	out["answered_at"] = ans.At.UTC().Format(time.RFC3339)
	return out
}

// openApproval returns the stored request of the step, or evaluates the
// question and stores a new one.
func (rs *runState) openApproval(ctx context.Context, call *nodeCall,
	s *designer.ApprovalSettings) (*Approval, *StepError) {
	store := rs.e.waits.approvals
	id := approvalID(rs.run.ID, call.step.ID)
	a, err := store.GetApproval(ctx, id)
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, &StepError{Code: CodeAction, Message: fmt.Sprintf("read approval: %v", err)}
	}

	question, err := evalValue(s.Question, call.env)
	if err != nil {
		return nil, evalError("question", err)
	}
	now := time.Now().UTC()
	a = &Approval{
		ID: id, RunID: rs.run.ID, StepID: call.step.ID, NodeID: call.node.ID,
		PlaybookID: rs.run.PlaybookID, Question: fmt.Sprint(question),
		Options: s.OptionNames(), AssigneeRole: orDefault(s.AssigneeRole, "analyst"),
		Comment: orDefault(s.Comment, designer.CommentOptional), DefaultOption: s.DefaultOption,
		Status: ApprovalPending, CreatedAt: now,
	}
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil || d <= 0 {
			return nil, &StepError{Code: CodeInvalidSettings, Message: fmt.Sprintf(
				"settings.timeout %q: want a positive Go duration such as \"24h\"", s.Timeout)}
		}
		deadline := now.Add(d)
		a.Deadline = &deadline
	}
	if err := rs.saveApproval(ctx, a); err != nil {
		return nil, &StepError{Code: CodeAction, Message: err.Error()}
	}
	return a, nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// saveApproval stores a while the engine owns the run.
func (rs *runState) saveApproval(ctx context.Context, a *Approval) error {
	if !rs.e.leases.owns(rs.run.ID) {
		return fmt.Errorf("approval %q: %w", a.ID, errLeaseLost)
	}
	if err := rs.e.waits.approvals.SaveApproval(context.WithoutCancel(ctx), a); err != nil {
		return fmt.Errorf("save approval %q: %w", a.ID, err)
	}
	return nil
}

// closeApproval stores the final status of a request.
func (rs *runState) closeApproval(a *Approval, status ApprovalStatus, ans *ApprovalAnswer) {
	if a.Status == status {
		return
	}
	a.Status = status
	a.Answer = ans
	if err := rs.saveApproval(rs.storeCtx(), a); err != nil {
		rs.log.Warn("approval status not stored", "approval_id", a.ID, "status", status,
			"error", err)
	}
}

// awaitAnswer returns the stored answer of a, or waits for one. When the
// deadline passes first, it stores the timeout as the answer, so that an
// answer stored at the same moment by another process wins or loses as a
// whole.
func (rs *runState) awaitAnswer(ctx context.Context, call *nodeCall,
	a *Approval) (*ApprovalAnswer, *StepError) {
	if a.Answer != nil {
		return a.Answer, nil
	}
	w := rs.e.waits
	answers := w.expect(a.ID)
	defer w.forget(a.ID)
	if ans := rs.storedAnswer(ctx, a.ID); ans != nil {
		return ans, nil
	}

	w.enter(rs)
	defer w.leave(rs)
	data := map[string]any{"approval_id": a.ID}
	if a.Deadline != nil {
		data["deadline"] = a.Deadline.Format(time.RFC3339)
	}
	if err := rs.events.append(
		newEvent(EventStepWaiting, call.node.ID, call.step.ID, data)); err != nil {
		rs.log.Warn("event append failed", "event", EventStepWaiting, "error", err)
	}
	rs.log.Info("step waiting for approval", "node_id", call.node.ID, "approval_id", a.ID)

	var deadline <-chan time.Time
	if a.Deadline != nil {
		t := time.NewTimer(time.Until(*a.Deadline))
		defer t.Stop()
		deadline = t.C
	}
	select {
	case ans := <-answers:
		return &ans, nil
	case <-deadline:
		return rs.timeOutApproval(ctx, a)
	case <-ctx.Done():
		return nil, &StepError{Code: CodeCanceled, Message: context.Cause(ctx).Error()}
	case <-rs.e.soft.Done():
		return nil, errWaitStopped
	}
}

// storedAnswer returns the stored answer of approval id, or nil.
func (rs *runState) storedAnswer(ctx context.Context, id string) *ApprovalAnswer {
	answers, err := rs.e.waits.approvals.GetAnswers(ctx, []string{id})
	if err != nil {
		rs.log.Warn("approval answer not read", "approval_id", id, "error", err)
		return nil
	}
	if len(answers) == 0 {
		return nil
	}
	return &answers[0]
}

// timeOutApproval stores the timeout of a as its answer. When an answer
// was stored first, that answer counts.
func (rs *runState) timeOutApproval(ctx context.Context, a *Approval) (*ApprovalAnswer, *StepError) {
	ans := &ApprovalAnswer{ApprovalID: a.ID, Option: a.DefaultOption,
		At: time.Now().UTC(), TimedOut: true}
	err := rs.e.waits.approvals.InsertAnswer(context.WithoutCancel(ctx), ans)
	if errors.Is(err, ErrConflict) {
		if stored := rs.storedAnswer(ctx, a.ID); stored != nil {
			return stored, nil
		}
	}
	if err != nil {
		return nil, &StepError{Code: CodeAction, Message: fmt.Sprintf("store approval timeout: %v", err)}
	}
	return ans, nil
}

// Answer answers the approval approvalID with option, a comment and the
// name of the person who answered. It checks the option and the node's
// comment rule, stores the answer, and the run continues in whichever
// process owns it. Checking that by may answer (the assignee role) is the
// caller's job. Answer returns an error wrapping ErrNotFound for an
// unknown approval, ErrInvalidAnswer for an option or comment that the
// request does not accept, and ErrConflict when the approval was already
// answered, timed out or canceled.
func (e *Engine) Answer(ctx context.Context, approvalID, option, comment, by string) error {
	store := e.waits.approvals
	if store == nil {
		return fmt.Errorf("approval %q: the store keeps no approvals: %w", approvalID, ErrNotFound)
	}
	a, err := store.GetApproval(ctx, approvalID)
	if err != nil {
		return fmt.Errorf("approval %q: %w", approvalID, err)
	}
	if a.Answer != nil || a.Status != ApprovalPending {
		return fmt.Errorf("approval %q: already %s: %w", approvalID, answeredStatus(a), ErrConflict)
	}
	if err := checkAnswer(a, option, comment, by); err != nil {
		return fmt.Errorf("approval %q: %w", approvalID, err)
	}

	ans := ApprovalAnswer{ApprovalID: approvalID, Option: option,
		Comment: strings.TrimSpace(comment), By: by, At: time.Now().UTC()}
	if err := store.InsertAnswer(ctx, &ans); err != nil {
		return fmt.Errorf("approval %q: %w", approvalID, err)
	}
	e.waits.deliver(ans)
	e.log.Info("approval answered", "approval_id", approvalID, "run_id", a.RunID,
		"option", option, "by", by)
	return nil
}

func answeredStatus(a *Approval) ApprovalStatus {
	if a.Answer != nil && a.Status == ApprovalPending {
		if a.Answer.TimedOut {
			return ApprovalTimedOut
		}
		return ApprovalAnswered
	}
	return a.Status
}

// checkAnswer checks an answer against the request's options and comment
// rule.
func checkAnswer(a *Approval, option, comment, by string) error {
	if by == "" {
		return fmt.Errorf("%w: the name of who answers is missing", ErrInvalidAnswer)
	}
	if !slices.Contains(a.Options, option) {
		return fmt.Errorf("%w: option %q is not one of %q", ErrInvalidAnswer, option, a.Options)
	}
	hasComment := strings.TrimSpace(comment) != ""
	switch {
	case a.Comment == designer.CommentRequired && !hasComment:
		return fmt.Errorf("%w: a comment is required", ErrInvalidAnswer)
	case a.Comment == designer.CommentNone && hasComment:
		return fmt.Errorf("%w: this approval takes no comment", ErrInvalidAnswer)
	}
	return nil
}

// GetApproval returns the approval id with its answer, or an error
// wrapping ErrNotFound.
func (e *Engine) GetApproval(ctx context.Context, id string) (*Approval, error) {
	if e.waits.approvals == nil {
		return nil, fmt.Errorf("approval %q: the store keeps no approvals: %w", id, ErrNotFound)
	}
	a, err := e.waits.approvals.GetApproval(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("approval %q: %w", id, err)
	}
	return a, nil
}

// ListApprovals returns the approvals that f selects, newest first, with
// their answers. A store that keeps no approvals returns none.
func (e *Engine) ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, error) {
	if e.waits.approvals == nil {
		return []Approval{}, nil
	}
	list, err := e.waits.approvals.ListApprovals(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	return list, nil
}
