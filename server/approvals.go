package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

const (
	defaultApprovalListLimit = 50
	maxApprovalListLimit     = 500
)

// approvalStatuses are the values ?status= takes.
var approvalStatuses = []runtime.ApprovalStatus{runtime.ApprovalPending, runtime.ApprovalAnswered,
	runtime.ApprovalTimedOut, runtime.ApprovalCanceled}

// approvalResponse is an approval and whether the caller may answer it now.
type approvalResponse struct {
	runtime.Approval
	CanAnswer bool `json:"can_answer"`
}

// newApprovalResponse returns a with CanAnswer set for role: the approval
// is pending and role may answer it.
func newApprovalResponse(a *runtime.Approval, role string) approvalResponse {
	pending := a.Status == runtime.ApprovalPending && a.Answer == nil
	return approvalResponse{Approval: *a, CanAnswer: pending && checkAssignee(role, a) == nil}
}

// assigneeRole returns the role that an approval is assigned to. The
// runtime stores "analyst" when the node names no role.
func assigneeRole(a *runtime.Approval) string {
	if a.AssigneeRole == "" {
		return RoleAnalyst
	}
	return a.AssigneeRole
}

// checkAssignee returns a 403 naming the assignee role unless role may
// answer a: it has the answer permission and is the assignee role or
// admin.
func checkAssignee(role string, a *runtime.Approval) error {
	if err := authorize(role, permAnswerApprovals); err != nil {
		return err
	}
	assignee := assigneeRole(a)
	if role == assignee || role == RoleAdmin {
		return nil
	}
	who := joinRoles([]string{assignee, RoleAdmin})
	if assignee == RoleAdmin {
		who = RoleAdmin
	}
	return errorf(http.StatusForbidden, codeForbidden,
		"approval %q is assigned to the %s role; the %s role may not answer it, "+
			"so ask someone with the %s role", a.ID, assignee, quoteRole(role), who)
}

// listApprovals returns approvals newest first, optionally of one status
// (?status=) and one run (?run_id=), at most ?limit= of them. With
// ?answerable=true it returns only the approvals that the caller's role may
// answer: all of them for an admin, none for a viewer.
func (s *Server) listApprovals(c echo.Context) error {
	filter := runtime.ApprovalFilter{RunID: c.QueryParam("run_id"), Limit: defaultApprovalListLimit}
	if v := c.QueryParam("status"); v != "" {
		status := runtime.ApprovalStatus(v)
		if !slices.Contains(approvalStatuses, status) {
			return errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter status=%q must be one of %q", v, approvalStatuses)
		}
		filter.Status = status
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxApprovalListLimit {
			return errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter limit=%q must be an integer from 1 to %d", v, maxApprovalListLimit)
		}
		filter.Limit = n
	}
	role := roleOf(c)
	answerable, err := boolQuery(c, "answerable")
	if err != nil {
		return err
	}
	if answerable && role != RoleAdmin {
		if !allows(role, permAnswerApprovals) {
			return c.JSON(http.StatusOK, []approvalResponse{})
		}
		filter.AssigneeRole = role
	}

	list, err := s.cfg.Engine.ListApprovals(c.Request().Context(), filter)
	if err != nil {
		return internalError(err)
	}
	resp := make([]approvalResponse, len(list))
	for i := range list {
		resp[i] = newApprovalResponse(&list[i], role)
	}
	return c.JSON(http.StatusOK, resp)
}

// boolQuery returns the query parameter name as a boolean: false when it
// is absent, and a 400 naming it when it is neither true nor false.
func boolQuery(c echo.Context, name string) (bool, error) {
	switch v := c.QueryParam(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, errorf(http.StatusBadRequest, codeBadRequest,
			"query parameter %s=%q must be true or false", name, v)
	}
}

func (s *Server) getApproval(c echo.Context) error {
	id := c.Param("id")
	a, err := s.cfg.Engine.GetApproval(c.Request().Context(), id)
	if err != nil {
		return approvalError(err, id)
	}
	return c.JSON(http.StatusOK, newApprovalResponse(a, roleOf(c)))
}

// answerRequest is the body of POST /api/v1/approvals/{id}.
type answerRequest struct {
	Option  string `json:"option"`
	Comment string `json:"comment"`
}

// answerApproval answers a pending approval as the caller's subject, which
// the answer stores as its "by". Only the assignee role and admins may
// answer. The response is the approval with its answer.
func (s *Server) answerApproval(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	role := roleOf(c)
	a, err := s.cfg.Engine.GetApproval(ctx, id)
	if err != nil {
		return approvalError(err, id)
	}
	if err := checkAssignee(role, a); err != nil {
		return err
	}
	body, err := readBody(c, s.cfg.MaxAPIBody, "request body")
	if err != nil {
		return err
	}
	var req answerRequest
	if err := decodeObject(body, &req, "approval answer"); err != nil {
		return err
	}

	err = s.cfg.Engine.Answer(ctx, id, req.Option, req.Comment, subjectOf(c))
	if errors.Is(err, runtime.ErrInvalidAnswer) {
		return s.invalidAnswer(c, id, req, err)
	}
	if err != nil {
		return approvalError(err, id)
	}
	a, err = s.cfg.Engine.GetApproval(ctx, id)
	if err != nil {
		return approvalError(err, id)
	}
	return c.JSON(http.StatusOK, newApprovalResponse(a, role))
}

// invalidAnswer is the 422 for an answer the approval does not accept,
// with a problem on the field at fault: option when it is not offered,
// comment otherwise.
func (s *Server) invalidAnswer(c echo.Context, id string, req answerRequest, err error) error {
	field := "comment"
	a, getErr := s.cfg.Engine.GetApproval(c.Request().Context(), id)
	if getErr == nil && !slices.Contains(a.Options, req.Option) {
		field = "option"
	}
	// The runtime's text reads `approval "id": invalid answer: <detail>`.
	msg := err.Error()
	if _, detail, ok := strings.Cut(msg, runtime.ErrInvalidAnswer.Error()+": "); ok {
		msg = detail
	}
	return &Error{
		Status:   http.StatusUnprocessableEntity,
		Code:     codeInvalidAnswer,
		Message:  fmt.Sprintf("approval %q: %s: %s", id, field, msg),
		Problems: []designer.Problem{{Field: field, Message: msg}},
		Cause:    err,
	}
}

// approvalError maps an Engine.Answer or Engine.GetApproval failure.
func approvalError(err error, id string) error {
	switch {
	case errors.Is(err, runtime.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: codeNotFound,
			Message: fmt.Sprintf("approval %q not found", id), Cause: err}
	case errors.Is(err, runtime.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: codeConflict,
			Message: sentinelMessage(err), Cause: err}
	}
	return internalError(fmt.Errorf("approval %q: %w", id, err))
}
