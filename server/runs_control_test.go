package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// approvalPlaybook is a manual trigger, an approval "ask" that requires a
// comment, and an end node after each option.
const approvalPlaybook = `{"name": "Approve containment", "nodes": [
	{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
	{"id": "ask", "type": "approval", "position": {"x": 0, "y": 0},
	 "settings": {"question": "Contain?", "options": ["contain", "skip"], "comment": "required"}},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0}}],
 "edges": [{"from": "start", "port": "success", "to": "ask"},
	{"from": "ask", "port": "option:contain", "to": "done"},
	{"from": "ask", "port": "option:skip", "to": "done"}]}`

// startApprovalRun saves approvalPlaybook, starts a run and returns the
// run id and the id of its pending approval.
func startApprovalRun(t *testing.T, ts *httptest.Server, token string) (runID, approvalID string) {
	t.Helper()
	var saved struct{ ID string }
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", approvalPlaybook, http.StatusCreated, &saved)
	var started startedResponse
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs", "",
		http.StatusAccepted, &started)
	approvalID = waitPendingApproval(t, ts, token, started.RunID)
	return started.RunID, approvalID
}

func waitPendingApproval(t *testing.T, ts *httptest.Server, token, runID string) string {
	t.Helper()
	var id string
	waitFor(t, "a pending approval of run "+runID, func() bool {
		var list []runtime.Approval
		mustCall(t, ts, token, http.MethodGet, "/api/v1/approvals?status=pending&run_id="+runID, "",
			http.StatusOK, &list)
		if len(list) == 1 {
			id = list[0].ID
		}
		return id != ""
	})
	return id
}

func waitRunStatus(t *testing.T, ts *httptest.Server, token, runID string, want runtime.RunStatus) runResponse {
	t.Helper()
	var run runResponse
	waitFor(t, fmt.Sprintf("run %s to be %s", runID, want), func() bool {
		run = runResponse{}
		mustCall(t, ts, token, http.MethodGet, "/api/v1/runs/"+runID, "", http.StatusOK, &run)
		return run.Run != nil && run.Status == want
	})
	return run
}

func TestApprovals_AnswerChecksFields(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	runID, approvalID := startApprovalRun(t, ts, token)
	path := "/api/v1/approvals/" + approvalID

	var got runtime.Approval
	mustCall(t, ts, token, http.MethodGet, path, "", http.StatusOK, &got)
	if got.RunID != runID || got.NodeID != "ask" || got.Status != runtime.ApprovalPending {
		t.Errorf("approval = run %q node %q status %q, want run %q node ask pending",
			got.RunID, got.NodeID, got.Status, runID)
	}

	cases := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantText   string // in the message
		wantField  string // of the one problem, when set
	}{
		{"option not offered", `{"option": "burn", "comment": "x"}`,
			http.StatusUnprocessableEntity, "invalid_answer", `"burn"`, "option"},
		{"comment missing", `{"option": "contain"}`,
			http.StatusUnprocessableEntity, "invalid_answer", "comment", "comment"},
		{"duplicate key", `{"option": "contain", "option": "skip", "comment": "x"}`,
			http.StatusBadRequest, "invalid_json", `duplicate key "option"`, ""},
		{"unknown field", `{"option": "contain", "comment": "x", "by": "mallory"}`,
			http.StatusBadRequest, "invalid_json", "by: unknown field", ""},
		{"option not a string", `{"option": 1, "comment": "x"}`,
			http.StatusBadRequest, "invalid_json", "option: expected string", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := callAPI(t, ts, token, http.MethodPost, path, tc.body)
			if resp.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.Status, tc.wantStatus, resp.Body)
			}
			e := resp.decodeError(t)
			if e.Error.Code != tc.wantCode {
				t.Errorf("code = %q, want %q", e.Error.Code, tc.wantCode)
			}
			if !strings.Contains(e.Error.Message, tc.wantText) {
				t.Errorf("message = %q, want it to contain %q", e.Error.Message, tc.wantText)
			}
			if tc.wantField != "" && (len(e.Error.Problems) != 1 || e.Error.Problems[0].Field != tc.wantField) {
				t.Errorf("problems = %+v, want one on field %q", e.Error.Problems, tc.wantField)
			}
		})
	}

	mustCall(t, ts, token, http.MethodPost, path, `{"option": "contain", "comment": "host is live"}`,
		http.StatusOK, &got)
	if got.Answer == nil || got.Answer.Option != "contain" || got.Answer.By != "tester" {
		t.Errorf("answer = %+v, want option contain by tester, the token's name", got.Answer)
	}
	resp := callAPI(t, ts, token, http.MethodPost, path, `{"option": "skip", "comment": "late"}`)
	if resp.Status != http.StatusConflict {
		t.Errorf("second answer: status = %d, want 409; body %s", resp.Status, resp.Body)
	}
	waitRunStatus(t, ts, token, runID, runtime.RunSucceeded)

	resp = callAPI(t, ts, token, http.MethodGet, "/api/v1/approvals/no-such-approval", "")
	if resp.Status != http.StatusNotFound {
		t.Errorf("unknown approval: status = %d, want 404", resp.Status)
	}
	resp = callAPI(t, ts, token, http.MethodGet, "/api/v1/approvals?status=asleep", "")
	if resp.Status != http.StatusBadRequest {
		t.Errorf("unknown status filter: status = %d, want 400", resp.Status)
	}
}

func TestRuns_ListRejectsUnknownParameter(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	resp := callAPI(t, ts, token, http.MethodGet, "/api/v1/runs?status=failed", "")
	if resp.Status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400; body %s", resp.Status, resp.Body)
	}
	want := `unknown query parameter "status"; this endpoint takes limit and playbook_id`
	if msg := resp.decodeError(t).Error.Message; msg != want {
		t.Errorf("message = %q, want %q", msg, want)
	}
	if resp := callAPI(t, ts, token, http.MethodGet, "/api/v1/runs?limit=5&playbook_id=p", ""); resp.Status != http.StatusOK {
		t.Errorf("known parameters: status = %d, want 200; body %s", resp.Status, resp.Body)
	}
}

func TestRuns_CancelAndRerun(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	runID, _ := startApprovalRun(t, ts, token)
	rerunPath := "/api/v1/runs/" + runID + "/rerun"

	resp := callAPI(t, ts, token, http.MethodPost, rerunPath, `{"from_node": "ask"}`)
	if resp.Status != http.StatusConflict {
		t.Errorf("rerun of an active run: status = %d, want 409; body %s", resp.Status, resp.Body)
	}

	var accepted startedResponse
	mustCall(t, ts, token, http.MethodPost, "/api/v1/runs/"+runID+"/cancel", "", http.StatusAccepted, &accepted)
	if accepted.RunID != runID {
		t.Errorf("cancel returned run %q, want %q", accepted.RunID, runID)
	}
	waitRunStatus(t, ts, token, runID, runtime.RunCanceled)

	cases := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string
	}{
		{"cancel ended run", http.MethodPost, "/api/v1/runs/" + runID + "/cancel", "",
			http.StatusConflict, codeConflict},
		{"cancel unknown run", http.MethodPost, "/api/v1/runs/no-such-run/cancel", "",
			http.StatusNotFound, codeNotFound},
		{"rerun unknown run", http.MethodPost, "/api/v1/runs/no-such-run/rerun", `{"from_node": "ask"}`,
			http.StatusNotFound, codeNotFound},
		{"rerun unknown node", http.MethodPost, rerunPath, `{"from_node": "nope"}`,
			http.StatusNotFound, codeNotFound},
		{"rerun without node", http.MethodPost, rerunPath, `{}`, http.StatusBadRequest, codeBadRequest},
		{"rerun body not an object", http.MethodPost, rerunPath, `["ask"]`,
			http.StatusBadRequest, codeInvalidJSON},
		{"cancel with GET", http.MethodGet, "/api/v1/runs/" + runID + "/cancel", "",
			http.StatusMethodNotAllowed, codeMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := callAPI(t, ts, token, tc.method, tc.path, tc.body)
			if resp.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.Status, tc.wantStatus, resp.Body)
			}
			e := resp.decodeError(t)
			if e.Error.Code != tc.wantCode {
				t.Errorf("code = %q, want %q", e.Error.Code, tc.wantCode)
			}
			if strings.Contains(tc.path, "no-such-run") && e.Error.Message != `run "no-such-run" not found` {
				t.Errorf("message = %q, want %q", e.Error.Message, `run "no-such-run" not found`)
			}
		})
	}

	var rerun startedResponse
	mustCall(t, ts, token, http.MethodPost, rerunPath, `{"from_node": "ask"}`, http.StatusAccepted, &rerun)
	if rerun.RunID == "" || rerun.RunID == runID {
		t.Fatalf("rerun id = %q, want a new run", rerun.RunID)
	}
	waitPendingApproval(t, ts, token, rerun.RunID)
	var got runResponse
	mustCall(t, ts, token, http.MethodGet, "/api/v1/runs/"+rerun.RunID, "", http.StatusOK, &got)
	if got.RerunOf != runID {
		t.Errorf("rerun_of = %q, want %q", got.RerunOf, runID)
	}
	reused := ""
	for _, step := range got.Steps {
		if step.NodeID == "start" {
			reused = step.ReusedFrom
		}
	}
	if reused != runID+"/start" {
		t.Errorf("trigger step reused_from = %q, want %q", reused, runID+"/start")
	}
	mustCall(t, ts, token, http.MethodPost, "/api/v1/runs/"+rerun.RunID+"/cancel", "", http.StatusAccepted, nil)
	waitRunStatus(t, ts, token, rerun.RunID, runtime.RunCanceled)
}

func TestRuns_ChildRunLinks(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	var child savedTestPlaybook
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", manualPlaybook, http.StatusCreated, &child)
	parent := `{"name": "Parent", "nodes": [
	{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
	{"id": "child", "type": "subplaybook", "position": {"x": 0, "y": 0},
	 "settings": {"playbook": "` + child.ID + `"}},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0}}],
 "edges": [{"from": "start", "port": "success", "to": "child"},
	{"from": "child", "port": "success", "to": "done"}]}`
	var saved savedTestPlaybook
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", parent, http.StatusCreated, &saved)
	var started startedResponse
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs", "",
		http.StatusAccepted, &started)
	waitRunStatus(t, ts, token, started.RunID, runtime.RunSucceeded)

	var children []runtime.Run
	mustCall(t, ts, token, http.MethodGet, "/api/v1/runs?playbook_id="+child.ID, "", http.StatusOK, &children)
	if len(children) != 1 {
		t.Fatalf("child runs = %d, want 1", len(children))
	}
	var got runResponse
	mustCall(t, ts, token, http.MethodGet, "/api/v1/runs/"+children[0].ID, "", http.StatusOK, &got)
	if got.ParentRunID != started.RunID {
		t.Errorf("parent_run_id = %q, want %q", got.ParentRunID, started.RunID)
	}
	if got.ParentStepID != started.RunID+"/child" {
		t.Errorf("parent_step_id = %q, want %q", got.ParentStepID, started.RunID+"/child")
	}
	if got.Depth != 1 {
		t.Errorf("depth = %d, want 1", got.Depth)
	}
}
