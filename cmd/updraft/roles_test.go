package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// roleNames lists the roles from the fewest permissions to the most.
var roleNames = []string{"viewer", "analyst", "developer", "admin"}

// createdToken is the response of POST /api/v1/tokens.
type createdToken struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Token string `json:"token"`
}

// createToken creates a token through the API as the admin.
func (s *testServer) createToken(t *testing.T, name, role string) createdToken {
	t.Helper()
	var tok createdToken
	s.mustDo(t, http.MethodPost, "/api/v1/tokens",
		[]byte(`{"name": "`+name+`", "role": "`+role+`"}`), http.StatusCreated, &tok)
	return tok
}

// doAs sends a request with token instead of the admin token.
func (s *testServer) doAs(t *testing.T, token, method, path string, body []byte,
	header http.Header) apiResponse {
	t.Helper()
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Authorization", "Bearer "+token)
	return s.do(t, method, path, body, h)
}

// approvalFlow is a manual trigger, an approval assigned to a role and an
// end node after each option.
func approvalFlow(name, assignee string) []byte {
	return []byte(`{"name": "` + name + `", "nodes": [
		{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
		{"id": "ask", "type": "approval", "position": {"x": 200, "y": 0},
		 "settings": {"question": "Contain the host?", "assignee_role": "` + assignee + `"}},
		{"id": "done", "type": "end", "position": {"x": 400, "y": 0}}],
	 "edges": [{"from": "start", "port": "success", "to": "ask"},
		{"from": "ask", "port": "option:approve", "to": "done"},
		{"from": "ask", "port": "option:reject", "to": "done"}]}`)
}

// straightFlow is a manual trigger followed by an end node.
func straightFlow(name string) []byte {
	return []byte(`{"name": "` + name + `", "nodes": [
		{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
		{"id": "done", "type": "end", "position": {"x": 200, "y": 0}}],
	 "edges": [{"from": "start", "port": "success", "to": "done"}]}`)
}

// savePlaybookAs stores a playbook as the admin and returns its id.
func (s *testServer) savePlaybookAs(t *testing.T, body []byte) string {
	t.Helper()
	var saved struct{ ID string }
	s.mustDo(t, http.MethodPost, "/api/v1/playbooks", body, http.StatusCreated, &saved)
	return saved.ID
}

// startRunAs starts a run of a playbook as the admin and returns its id.
func (s *testServer) startRunAs(t *testing.T, playbookID string) string {
	t.Helper()
	var started struct {
		RunID string `json:"run_id"`
	}
	s.mustDo(t, http.MethodPost, "/api/v1/playbooks/"+playbookID+"/runs", nil, http.StatusAccepted, &started)
	return started.RunID
}

// waitRunStatus waits until the run has one of the statuses.
func (s *testServer) waitRunStatus(t *testing.T, runID string, want ...runtime.RunStatus) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var run runtime.Run
		s.mustDo(t, http.MethodGet, "/api/v1/runs/"+runID, nil, http.StatusOK, &run)
		if slices.Contains(want, run.Status) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s is %s, want one of %v", runID, run.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pendingApproval waits for the pending approval of a run and returns its
// id.
func (s *testServer) pendingApproval(t *testing.T, runID string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list []runtime.Approval
		s.mustDo(t, http.MethodGet, "/api/v1/approvals?status=pending&run_id="+runID, nil,
			http.StatusOK, &list)
		if len(list) == 1 {
			return list[0].ID
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s has %d pending approvals, want 1", runID, len(list))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// roleFixture is what one role's requests in the route table act on, so
// that an allowed request of one role leaves the others' targets alone.
type roleFixture struct {
	token      createdToken
	playbook   string // playbook that the role edits and starts
	waiting    string // run waiting for an approval, to cancel
	ended      string // ended run, to rerun
	endedOf    string // the playbook of ended
	approval   string // pending approval assigned to the role (analyst for viewer and admin)
	deprecate  string // action name with a version 1.0.0 to deprecate
	secret     string // secret to delete
	victim     createdToken
	victimName string
}

func newRoleFixture(t *testing.T, srv *testServer, role string) roleFixture {
	t.Helper()
	f := roleFixture{}
	if role == "admin" {
		f.token = createdToken{Name: "admin", Role: "admin", Token: srv.Token}
	} else {
		f.token = srv.createToken(t, "user-"+role, role)
	}

	f.playbook = srv.savePlaybookAs(t, approvalFlow("Roles "+role, "analyst"))
	f.waiting = srv.startRunAs(t, f.playbook)
	srv.pendingApproval(t, f.waiting)

	assignee := role
	if role == "viewer" || role == "admin" {
		assignee = "analyst"
	}
	asking := srv.savePlaybookAs(t, approvalFlow("Ask "+role, assignee))
	f.approval = srv.pendingApproval(t, srv.startRunAs(t, asking))

	f.endedOf = srv.savePlaybookAs(t, straightFlow("Ended "+role))
	f.ended = srv.startRunAs(t, f.endedOf)
	srv.waitRunStatus(t, f.ended, runtime.RunSucceeded)

	f.deprecate = "roletest.deprecate_" + role
	if resp := srv.publish(t, testManifest(f.deprecate, "1.0.0"), minimalModule(f.deprecate), ""); resp.Status != http.StatusCreated {
		t.Fatalf("publish %s: status %d; body %s", f.deprecate, resp.Status, resp.Body)
	}
	f.secret = "roles_delete_" + role
	srv.mustDo(t, http.MethodPut, "/api/v1/secrets/"+f.secret, []byte(`{"value": "v"}`), http.StatusCreated, nil)
	f.victimName = "victim-" + role
	f.victim = srv.createToken(t, f.victimName, "viewer")
	return f
}

// routeCase is one route of the role table. request builds the request
// for a role, least is the least role allowed, and want is the status of
// an allowed request. state, when set, returns what the request would
// change. A 403 must leave it as it was, and an allowed request must
// change it.
type routeCase struct {
	name   string
	least  string
	want   int
	action string // audit action of the route; empty for reads
	// succeeded is the audit action of an allowed request when it differs
	// from action, which the handler refines once it has acted.
	succeeded string
	request   func(role string, f roleFixture) (method, path string, body []byte, header http.Header)
	state     func(t *testing.T, role string, f roleFixture) string
}

func (s *testServer) statusOf(t *testing.T, path string) string {
	t.Helper()
	return strconv.Itoa(s.do(t, http.MethodGet, path, nil, nil).Status)
}

func roleRouteCases(srv *testServer) []routeCase {
	get := func(path func(roleFixture) string) func(string, roleFixture) (string, string, []byte, http.Header) {
		return func(_ string, f roleFixture) (string, string, []byte, http.Header) {
			return http.MethodGet, path(f), nil, nil
		}
	}
	return []routeCase{
		{name: "list playbooks", least: "viewer", want: http.StatusOK,
			request: get(func(roleFixture) string { return "/api/v1/playbooks" })},
		{name: "get playbook", least: "viewer", want: http.StatusOK,
			request: get(func(f roleFixture) string { return "/api/v1/playbooks/" + f.playbook })},
		{name: "list runs", least: "viewer", want: http.StatusOK,
			request: get(func(roleFixture) string { return "/api/v1/runs" })},
		{name: "get run", least: "viewer", want: http.StatusOK,
			request: get(func(f roleFixture) string { return "/api/v1/runs/" + f.ended })},
		{name: "list approvals", least: "viewer", want: http.StatusOK,
			request: get(func(roleFixture) string { return "/api/v1/approvals" })},
		{name: "get approval", least: "viewer", want: http.StatusOK,
			request: get(func(f roleFixture) string { return "/api/v1/approvals/" + f.approval })},
		{name: "list actions", least: "viewer", want: http.StatusOK,
			request: get(func(roleFixture) string { return "/api/v1/actions" })},
		{name: "get action versions", least: "viewer", want: http.StatusOK,
			request: get(func(f roleFixture) string { return "/api/v1/actions/" + f.deprecate })},
		{name: "get action version", least: "viewer", want: http.StatusOK,
			request: get(func(f roleFixture) string { return "/api/v1/actions/" + f.deprecate + "/1.0.0" })},

		{name: "create playbook", least: "analyst", want: http.StatusCreated, action: "playbook.create",
			request: func(role string, _ roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPost, "/api/v1/playbooks", straightFlow("Created by " + role), nil
			},
			state: func(t *testing.T, role string, _ roleFixture) string {
				var list []struct{ Name string }
				srv.mustDo(t, http.MethodGet, "/api/v1/playbooks", nil, http.StatusOK, &list)
				n := 0
				for _, p := range list {
					if p.Name == "Created by "+role {
						n++
					}
				}
				return strconv.Itoa(n)
			}},
		{name: "update playbook", least: "analyst", want: http.StatusOK, action: "playbook.update",
			request: func(role string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPut, "/api/v1/playbooks/" + f.playbook,
					approvalFlow("Roles "+role+" edited", "analyst"), nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				var p struct{ Version int }
				srv.mustDo(t, http.MethodGet, "/api/v1/playbooks/"+f.playbook, nil, http.StatusOK, &p)
				return strconv.Itoa(p.Version)
			}},
		{name: "start run", least: "analyst", want: http.StatusAccepted, action: "run.start",
			request: func(_ string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPost, "/api/v1/playbooks/" + f.endedOf + "/runs", nil, nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				var runs []runtime.Run
				srv.mustDo(t, http.MethodGet, "/api/v1/runs?playbook_id="+f.endedOf, nil, http.StatusOK, &runs)
				return strconv.Itoa(len(runs))
			}},
		{name: "cancel run", least: "analyst", want: http.StatusAccepted, action: "run.cancel",
			request: func(_ string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPost, "/api/v1/runs/" + f.waiting + "/cancel", nil, nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				srv.waitRunStatus(t, f.waiting, runtime.RunWaiting, runtime.RunCanceled)
				var run runtime.Run
				srv.mustDo(t, http.MethodGet, "/api/v1/runs/"+f.waiting, nil, http.StatusOK, &run)
				return string(run.Status)
			}},
		{name: "rerun run", least: "analyst", want: http.StatusAccepted, action: "run.rerun",
			request: func(_ string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPost, "/api/v1/runs/" + f.ended + "/rerun", []byte(`{"from_node": "done"}`), nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				var runs []runtime.Run
				srv.mustDo(t, http.MethodGet, "/api/v1/runs?playbook_id="+f.endedOf, nil, http.StatusOK, &runs)
				n := 0
				for _, r := range runs {
					if r.RerunOf == f.ended {
						n++
					}
				}
				return strconv.Itoa(n)
			}},
		{name: "answer approval", least: "analyst", want: http.StatusOK, action: "approval.answer",
			request: func(_ string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPost, "/api/v1/approvals/" + f.approval,
					[]byte(`{"option": "approve", "comment": "ok"}`), nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				var a runtime.Approval
				srv.mustDo(t, http.MethodGet, "/api/v1/approvals/"+f.approval, nil, http.StatusOK, &a)
				if a.Answer == nil {
					return "unanswered"
				}
				return "answered by " + a.Answer.By
			}},

		{name: "publish action", least: "developer", want: http.StatusCreated, action: "action.publish",
			request: func(role string, _ roleFixture) (string, string, []byte, http.Header) {
				name := "roletest.publish_" + role
				body, contentType, err := publishBody(publishRequest{
					Manifest: testManifest(name, "1.0.0"), Module: minimalModule(name)})
				if err != nil {
					panic(err)
				}
				return http.MethodPost, "/api/v1/actions", body, http.Header{"Content-Type": {contentType}}
			},
			state: func(t *testing.T, role string, _ roleFixture) string {
				return srv.statusOf(t, "/api/v1/actions/roletest.publish_"+role+"/1.0.0")
			}},
		{name: "deprecate action", least: "developer", want: http.StatusOK, action: "action.deprecate",
			request: func(_ string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPost, "/api/v1/actions/" + f.deprecate + "/1.0.0/deprecate",
					[]byte(`{"message": "use 2.0.0"}`), nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				var a actions.Action
				srv.mustDo(t, http.MethodGet, "/api/v1/actions/"+f.deprecate+"/1.0.0", nil, http.StatusOK, &a)
				return strconv.FormatBool(a.Deprecated != nil)
			}},
		{name: "publish from openapi", least: "developer", want: http.StatusOK, action: "action.from_openapi",
			request: func(role string, _ roleFixture) (string, string, []byte, http.Header) {
				body, _ := json.Marshal(map[string]any{"spec": reputationSpec, "operations": []string{"lookupIp"},
					"api": "roletest_" + role, "publish": true})
				return http.MethodPost, "/api/v1/actions/from-openapi", body, nil
			},
			state: func(t *testing.T, role string, _ roleFixture) string {
				return srv.statusOf(t, "/api/v1/actions/openapi.roletest_"+role+".lookup_ip/1.2.0")
			}},

		{name: "list secrets", least: "admin", want: http.StatusOK,
			request: get(func(roleFixture) string { return "/api/v1/secrets" })},
		{name: "put secret", least: "admin", want: http.StatusCreated, action: "secret.put",
			succeeded: "secret.create",
			request: func(role string, _ roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPut, "/api/v1/secrets/roles_put_" + role, []byte(`{"value": "v"}`), nil
			},
			state: func(t *testing.T, role string, _ roleFixture) string {
				return strconv.FormatBool(srv.hasSecret(t, "roles_put_"+role))
			}},
		{name: "delete secret", least: "admin", want: http.StatusNoContent, action: "secret.delete",
			request: func(_ string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodDelete, "/api/v1/secrets/" + f.secret, nil, nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				return strconv.FormatBool(srv.hasSecret(t, f.secret))
			}},
		{name: "list tokens", least: "admin", want: http.StatusOK,
			request: get(func(roleFixture) string { return "/api/v1/tokens" })},
		{name: "create token", least: "admin", want: http.StatusCreated, action: "token.create",
			request: func(role string, _ roleFixture) (string, string, []byte, http.Header) {
				return http.MethodPost, "/api/v1/tokens",
					[]byte(`{"name": "made-by-` + role + `", "role": "viewer"}`), nil
			},
			state: func(t *testing.T, role string, _ roleFixture) string {
				return strconv.FormatBool(srv.hasToken(t, "made-by-"+role))
			}},
		{name: "revoke token", least: "admin", want: http.StatusNoContent, action: "token.revoke",
			request: func(_ string, f roleFixture) (string, string, []byte, http.Header) {
				return http.MethodDelete, "/api/v1/tokens/" + f.victim.ID, nil, nil
			},
			state: func(t *testing.T, _ string, f roleFixture) string {
				return strconv.FormatBool(srv.hasToken(t, f.victimName))
			}},
		{name: "read audit log", least: "admin", want: http.StatusOK,
			request: get(func(roleFixture) string { return "/api/v1/audit" })},
	}
}

func (s *testServer) hasSecret(t *testing.T, name string) bool {
	t.Helper()
	var list []store.SecretInfo
	s.mustDo(t, http.MethodGet, "/api/v1/secrets", nil, http.StatusOK, &list)
	return slices.ContainsFunc(list, func(i store.SecretInfo) bool { return i.Name == name })
}

func (s *testServer) hasToken(t *testing.T, name string) bool {
	t.Helper()
	var list []createdToken
	s.mustDo(t, http.MethodGet, "/api/v1/tokens", nil, http.StatusOK, &list)
	return slices.ContainsFunc(list, func(tok createdToken) bool { return tok.Name == name })
}

func TestRoles_RouteTable(t *testing.T) {
	srv := startServer(t)
	fixtures := map[string]roleFixture{}
	for _, role := range roleNames {
		fixtures[role] = newRoleFixture(t, srv, role)
	}

	// outcomes collects, per token name and audit action, the outcome the
	// audit log must show.
	outcomes := map[string]string{}
	for _, rc := range roleRouteCases(srv) {
		for _, role := range roleNames {
			t.Run(rc.name+"/"+role, func(t *testing.T) {
				f := fixtures[role]
				allowed := slices.Index(roleNames, role) >= slices.Index(roleNames, rc.least)
				var before string
				if rc.state != nil {
					before = rc.state(t, role, f)
				}

				method, path, body, header := rc.request(role, f)
				resp := srv.doAs(t, f.token.Token, method, path, body, header)
				if !allowed {
					checkAPIError(t, resp, http.StatusForbidden, "forbidden",
						"the "+role+" role may not", "needs the "+rc.least)
				} else if resp.Status != rc.want {
					t.Fatalf("%s %s as %s: status %d, want %d; body %.300s",
						method, path, role, resp.Status, rc.want, resp.Body)
				}
				switch {
				case rc.action == "":
				case !allowed:
					outcomes[f.token.Name+" "+rc.action] = "denied"
				case rc.succeeded != "":
					outcomes[f.token.Name+" "+rc.succeeded] = "success"
				default:
					outcomes[f.token.Name+" "+rc.action] = "success"
				}
				if rc.state == nil {
					return
				}

				after := rc.state(t, role, f)
				if !allowed && after != before {
					t.Errorf("after a 403 the state changed from %q to %q", before, after)
				}
				if allowed && rc.action != "" {
					waitChanged(t, before, func() string { return rc.state(t, role, f) })
				}
			})
		}
	}

	checkAuditOutcomes(t, srv, outcomes)
}

// waitChanged waits until state returns something other than before.
func waitChanged(t *testing.T, before string, state func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for state() == before {
		if time.Now().After(deadline) {
			t.Fatalf("the allowed request left the state at %q", before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkAuditOutcomes compares the audit log with the outcome expected for
// each "token-name action".
func checkAuditOutcomes(t *testing.T, srv *testServer, want map[string]string) {
	t.Helper()
	var entries []store.AuditEntry
	srv.mustDo(t, http.MethodGet, "/api/v1/audit?limit=500", nil, http.StatusOK, &entries)
	got := map[string][]string{}
	for _, e := range entries {
		key := e.Actor + " " + e.Action
		got[key] = append(got[key], e.Outcome)
	}
	for key, outcome := range want {
		if !slices.Contains(got[key], outcome) {
			t.Errorf("audit log has outcomes %v for %q, want %s", got[key], key, outcome)
		}
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Actor, "user-") {
			role := strings.TrimPrefix(e.Actor, "user-")
			if e.Role != role {
				t.Errorf("entry %+v has role %q, want %q", e, e.Role, role)
			}
		}
	}
	if len(want) < 4*13 {
		t.Errorf("only %d audited requests were checked; the table lost routes", len(want))
	}
}

func TestRoles_PagesFollowTable(t *testing.T) {
	srv := startServer(t)
	pages := map[string]string{
		"/playbooks": "viewer", "/runs": "viewer", "/approvals": "viewer", "/actions": "viewer",
		"/openapi": "developer", "/secrets": "admin", "/tokens": "admin", "/audit": "admin",
	}
	for _, role := range roleNames {
		token := srv.Token
		if role != "admin" {
			token = srv.createToken(t, "page-"+role, role).Token
		}
		cookie := signInCookie(t, srv, token)
		for path, least := range pages {
			t.Run(role+path, func(t *testing.T) {
				status, body := getWithCookie(t, srv.URL+path, cookie)
				allowed := slices.Index(roleNames, role) >= slices.Index(roleNames, least)
				switch {
				case allowed && status != http.StatusOK:
					t.Errorf("status %d, want 200", status)
				case !allowed && status != http.StatusForbidden:
					t.Errorf("status %d, want 403", status)
				case !allowed && !strings.Contains(body, "needs the "+least):
					t.Errorf("403 body %.300s does not name the %s role", body, least)
				}
			})
		}
		status, nav := getWithCookie(t, srv.URL+"/playbooks", cookie)
		if status != http.StatusOK {
			t.Fatalf("playbooks page as %s: status %d", role, status)
		}
		for path, least := range pages {
			allowed := slices.Index(roleNames, role) >= slices.Index(roleNames, least)
			if linked := strings.Contains(nav, fmt.Sprintf(`href="%s"`, path)); linked != allowed {
				t.Errorf("navigation of %s links %s: %v, want %v", role, path, linked, allowed)
			}
		}
	}
}

func TestTokens_LastAdminKept(t *testing.T) {
	srv := startServer(t)
	var list []createdToken
	srv.mustDo(t, http.MethodGet, "/api/v1/tokens", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Role != "admin" {
		t.Fatalf("tokens of a new server = %+v, want the bootstrap admin token", list)
	}
	resp := srv.do(t, http.MethodDelete, "/api/v1/tokens/"+list[0].ID, nil, nil)
	checkAPIError(t, resp, http.StatusConflict, "conflict", "last admin token")
	srv.mustDo(t, http.MethodGet, "/api/v1/tokens", nil, http.StatusOK, nil)

	// With a second admin token, the first can go.
	second := srv.createToken(t, "second admin", "admin")
	srv.mustDo(t, http.MethodDelete, "/api/v1/tokens/"+list[0].ID, nil, http.StatusNoContent, nil)
	if resp := srv.do(t, http.MethodGet, "/api/v1/tokens", nil, nil); resp.Status != http.StatusUnauthorized {
		t.Errorf("revoked bootstrap token: status %d, want 401", resp.Status)
	}
	resp = srv.doAs(t, second.Token, http.MethodDelete, "/api/v1/tokens/"+second.ID, nil, nil)
	checkAPIError(t, resp, http.StatusConflict, "conflict", "last admin token")
}

// noRedirect returns redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// signInCookie posts token to /login and returns the session cookie.
func signInCookie(t *testing.T, srv *testServer, token string) *http.Cookie {
	t.Helper()
	resp, err := noRedirect.PostForm(srv.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "updraft_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("sign-in: status %d and no session cookie", resp.StatusCode)
	return nil
}

// getWithCookie requests target with the session cookie and returns the
// status and body.
func getWithCookie(t *testing.T, target string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(cookie)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
