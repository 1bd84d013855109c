package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// developerApprovalPlaybook is approvalPlaybook with the approval
// assigned to the developer role.
var developerApprovalPlaybook = strings.Replace(approvalPlaybook, `"comment": "required"}`,
	`"comment": "required", "assignee_role": "developer"}`, 1)

// startDeveloperApproval saves developerApprovalPlaybook, starts a run as
// admin and returns the id of its pending approval.
func startDeveloperApproval(t *testing.T, ts *httptest.Server, admin string) string {
	t.Helper()
	var saved struct{ ID string }
	mustCall(t, ts, admin, http.MethodPost, "/api/v1/playbooks", developerApprovalPlaybook,
		http.StatusCreated, &saved)
	var started startedResponse
	mustCall(t, ts, admin, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs", "",
		http.StatusAccepted, &started)
	return waitPendingApproval(t, ts, admin, started.RunID)
}

func listedApprovals(t *testing.T, ts *httptest.Server, token, query string) map[string]approvalResponse {
	t.Helper()
	var list []approvalResponse
	mustCall(t, ts, token, http.MethodGet, "/api/v1/approvals?status=pending"+query, "", http.StatusOK, &list)
	byID := map[string]approvalResponse{}
	for _, a := range list {
		byID[a.ID] = a
	}
	return byID
}

func TestApprovals_AssigneeRoleAnswers(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	analyst := insertRoleToken(t, RoleAnalyst)
	developer := insertRoleToken(t, RoleDeveloper)
	viewer := insertRoleToken(t, RoleViewer)
	approvalID := startDeveloperApproval(t, ts, admin.Value)
	path := "/api/v1/approvals/" + approvalID
	answer := `{"option": "contain", "comment": "checked"}`

	// The analyst and the viewer are refused, and nothing is stored.
	for _, tok := range []roleToken{analyst, viewer} {
		resp := callAPI(t, ts, tok.Value, http.MethodPost, path, answer)
		if resp.Status != http.StatusForbidden {
			t.Fatalf("answer as %s: status %d, want 403; body %s", tok.Role, resp.Status, resp.Body)
		}
		if msg := resp.decodeError(t).Error.Message; !strings.Contains(msg, "developer") {
			t.Errorf("answer as %s: message %q does not name the developer role", tok.Role, msg)
		}
		var got runtime.Approval
		mustCall(t, ts, admin.Value, http.MethodGet, path, "", http.StatusOK, &got)
		if got.Answer != nil || got.Status != runtime.ApprovalPending {
			t.Fatalf("after the 403 of %s: answer %+v, status %s; want none, pending",
				tok.Role, got.Answer, got.Status)
		}
	}
	if entries := auditEntriesOf(t, analyst.Name); len(entries) != 1 ||
		entries[0].Action != "approval.answer" || entries[0].Outcome != store.AuditDenied ||
		entries[0].Target != "approval:"+approvalID {
		t.Errorf("audit entries of the analyst = %+v, want one denied approval.answer of %s",
			entries, approvalID)
	}

	// The answerable list and can_answer follow the assignee role.
	listings := []struct {
		token     roleToken
		query     string
		listed    bool
		canAnswer bool
	}{
		{analyst, "&answerable=true", false, false},
		{viewer, "&answerable=true", false, false},
		{developer, "&answerable=true", true, true},
		{admin, "&answerable=true", true, true},
		{analyst, "", true, false},
		{viewer, "", true, false},
	}
	for _, l := range listings {
		a, listed := listedApprovals(t, ts, l.token.Value, l.query)[approvalID]
		if listed != l.listed {
			t.Errorf("%s with %q: listed %v, want %v", l.token.Role, l.query, listed, l.listed)
		}
		if listed && a.CanAnswer != l.canAnswer {
			t.Errorf("%s with %q: can_answer %v, want %v", l.token.Role, l.query, a.CanAnswer, l.canAnswer)
		}
	}
	resp := callAPI(t, ts, analyst.Value, http.MethodGet, "/api/v1/approvals?answerable=yes", "")
	if resp.Status != http.StatusBadRequest ||
		!strings.Contains(resp.decodeError(t).Error.Message, "answerable") {
		t.Errorf("answerable=yes: status %d body %s, want 400 naming answerable", resp.Status, resp.Body)
	}

	// The developer answers, and the answer records who.
	var answered approvalResponse
	mustCall(t, ts, developer.Value, http.MethodPost, path, answer, http.StatusOK, &answered)
	if answered.Answer == nil || answered.Answer.By != developer.Name {
		t.Fatalf("answer = %+v, want by %q", answered.Answer, developer.Name)
	}
	if answered.CanAnswer {
		t.Error("can_answer of an answered approval is true")
	}
	entries := auditEntriesOf(t, developer.Name)
	if len(entries) != 1 || entries[0].Action != "approval.answer" ||
		entries[0].Outcome != store.AuditSuccess || entries[0].Role != RoleDeveloper {
		t.Errorf("audit entries of the developer = %+v, want one successful approval.answer", entries)
	}
}

func TestApprovals_AdminAnswersAnyRole(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	approvalID := startDeveloperApproval(t, ts, admin.Value)

	var answered approvalResponse
	mustCall(t, ts, admin.Value, http.MethodPost, "/api/v1/approvals/"+approvalID,
		`{"option": "skip", "comment": "not needed"}`, http.StatusOK, &answered)
	if answered.Answer == nil || answered.Answer.By != admin.Name || answered.Answer.Option != "skip" {
		t.Errorf("answer = %+v, want skip by %q", answered.Answer, admin.Name)
	}
}

func TestApprovals_DefaultAssigneeIsAnalyst(t *testing.T) {
	a := &runtime.Approval{ID: "a1"}
	for role, want := range map[string]bool{RoleAnalyst: true, RoleAdmin: true,
		RoleDeveloper: false, RoleViewer: false} {
		if got := checkAssignee(role, a) == nil; got != want {
			t.Errorf("checkAssignee(%s) on an approval without a role: allowed %v, want %v", role, got, want)
		}
	}
	if got := assigneeRole(a); got != RoleAnalyst {
		t.Errorf("assigneeRole of an approval without a role = %q, want analyst", got)
	}
}

func TestApprovals_AssigneeMessage(t *testing.T) {
	cases := []struct {
		role, assignee, want string
	}{
		{RoleAnalyst, RoleDeveloper, `approval "a1" is assigned to the developer role; the analyst role ` +
			`may not answer it, so ask someone with the developer or admin role`},
		{RoleDeveloper, RoleAdmin, `approval "a1" is assigned to the admin role; the developer role ` +
			`may not answer it, so ask someone with the admin role`},
	}
	for _, tc := range cases {
		err := checkAssignee(tc.role, &runtime.Approval{ID: "a1", AssigneeRole: tc.assignee})
		apiErr, ok := err.(*Error)
		if !ok || apiErr.Status != http.StatusForbidden || apiErr.Message != tc.want {
			t.Errorf("checkAssignee(%s, %s) = %v, want 403 %q", tc.role, tc.assignee, err, tc.want)
		}
	}
}
