package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// auditLog returns the whole audit log, newest first.
func (s *testServer) auditLog(t *testing.T) []store.AuditEntry {
	t.Helper()
	var entries []store.AuditEntry
	s.mustDo(t, http.MethodGet, "/api/v1/audit?limit=500", nil, http.StatusOK, &entries)
	return entries
}

// webhookFlow is a webhook trigger followed by an end node.
const webhookFlow = `{"name": "Audit webhook", "nodes": [
	{"id": "hook", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "webhook"}},
	{"id": "done", "type": "end", "position": {"x": 200, "y": 0}}],
 "edges": [{"from": "hook", "port": "success", "to": "done"}]}`

func TestAudit_EachActionRecorded(t *testing.T) {
	srv := startServer(t)
	const secretValue = "audit-secret-value-91c2"
	var want []store.AuditEntry // in the order of the requests
	expect := func(action, target string) {
		want = append(want, store.AuditEntry{Actor: "admin", Role: "admin", Action: action,
			Target: target, Outcome: store.AuditSuccess})
	}

	cookie := signInCookie(t, srv, srv.Token)
	var listed []createdToken
	srv.mustDo(t, http.MethodGet, "/api/v1/tokens", nil, http.StatusOK, &listed)
	adminID := listed[0].ID
	expect("session.login", "token:"+adminID)

	playbook := srv.savePlaybookAs(t, approvalFlow("Audit", "analyst"))
	expect("playbook.create", "playbook:"+playbook)
	srv.mustDo(t, http.MethodPut, "/api/v1/playbooks/"+playbook, approvalFlow("Audit 2", "analyst"),
		http.StatusOK, nil)
	expect("playbook.update", "playbook:"+playbook)

	run := srv.startRunAs(t, playbook)
	expect("run.start", "run:"+run)
	approval := srv.pendingApproval(t, run)
	srv.mustDo(t, http.MethodPost, "/api/v1/approvals/"+approval,
		[]byte(`{"option": "approve", "comment": "checked"}`), http.StatusOK, nil)
	expect("approval.answer", "approval:"+approval)
	srv.waitRunStatus(t, run, runtime.RunSucceeded)
	var rerun struct {
		RunID string `json:"run_id"`
	}
	srv.mustDo(t, http.MethodPost, "/api/v1/runs/"+run+"/rerun", []byte(`{"from_node": "ask"}`),
		http.StatusAccepted, &rerun)
	expect("run.rerun", "run:"+rerun.RunID)
	srv.pendingApproval(t, rerun.RunID)
	srv.mustDo(t, http.MethodPost, "/api/v1/runs/"+rerun.RunID+"/cancel", nil, http.StatusAccepted, nil)
	expect("run.cancel", "run:"+rerun.RunID)

	if resp := srv.publish(t, testManifest("audit.check", "1.0.0"), minimalModule("audit"), ""); resp.Status != http.StatusCreated {
		t.Fatalf("publish: status %d; body %s", resp.Status, resp.Body)
	}
	expect("action.publish", "action:audit.check@1.0.0")
	srv.mustDo(t, http.MethodPost, "/api/v1/actions/audit.check/1.0.0/deprecate",
		[]byte(`{"message": "use 2.0.0"}`), http.StatusOK, nil)
	expect("action.deprecate", "action:audit.check@1.0.0")
	openapi, _ := json.Marshal(map[string]any{"spec": reputationSpec, "operations": []string{"lookupIp"},
		"publish": true})
	srv.mustDo(t, http.MethodPost, "/api/v1/actions/from-openapi", openapi, http.StatusOK, nil)
	expect("action.from_openapi", "action:openapi.reputation.lookup_ip@1.2.0")
	preview, _ := json.Marshal(map[string]any{"spec": reputationSpec, "operations": []string{"lookupIp"}})
	srv.mustDo(t, http.MethodPost, "/api/v1/actions/from-openapi", preview, http.StatusOK, nil)

	secret := []byte(`{"value": "` + secretValue + `"}`)
	srv.mustDo(t, http.MethodPut, "/api/v1/secrets/audit_key", secret, http.StatusCreated, nil)
	expect("secret.create", "secret:audit_key")
	srv.mustDo(t, http.MethodPut, "/api/v1/secrets/audit_key", secret, http.StatusOK, nil)
	expect("secret.replace", "secret:audit_key")
	srv.mustDo(t, http.MethodDelete, "/api/v1/secrets/audit_key", nil, http.StatusNoContent, nil)
	expect("secret.delete", "secret:audit_key")

	bot := srv.createToken(t, "audit bot", "viewer")
	expect("token.create", "token:"+bot.ID)
	srv.mustDo(t, http.MethodDelete, "/api/v1/tokens/"+bot.ID, nil, http.StatusNoContent, nil)
	expect("token.revoke", "token:"+bot.ID)

	hookID := srv.savePlaybookAs(t, []byte(webhookFlow))
	expect("playbook.create", "playbook:"+hookID)
	var saved savedPlaybook
	srv.mustDo(t, http.MethodGet, "/api/v1/playbooks/"+hookID, nil, http.StatusOK, &saved)
	postWebhook(t, srv.URL+saved.webhookPath(t), "application/json", []byte(`{"alert": 1}`))

	csrf := csrfOf(t, srv, cookie)
	resp, err := noRedirect.Do(formRequest(t, srv.URL+"/logout", cookie, url.Values{"csrf_token": {csrf}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	expect("session.logout", "token:"+adminID)

	got := srv.auditLog(t)
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("entry %s %s %s %s", e.Time.Format(time.RFC3339Nano), e.Action, e.Target, e.Outcome)
		}
		t.Fatalf("audit log has %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		e := got[len(got)-1-i]
		if e.Actor != w.Actor || e.Role != w.Role || e.Action != w.Action || e.Target != w.Target ||
			e.Outcome != w.Outcome {
			t.Errorf("entry %d = %s/%s %s %s %s, want %s/%s %s %s %s", i, e.Actor, e.Role, e.Action,
				e.Target, e.Outcome, w.Actor, w.Role, w.Action, w.Target, w.Outcome)
		}
	}
	raw := srv.do(t, http.MethodGet, "/api/v1/audit?limit=500", nil, nil).Body
	for _, secret := range []string{secretValue, srv.Token, bot.Token} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("audit log contains a secret value or token %q", secret)
		}
	}
}

// csrfOf reads the CSRF token from a signed-in page.
func csrfOf(t *testing.T, srv *testServer, cookie *http.Cookie) string {
	t.Helper()
	_, page := getWithCookie(t, srv.URL+"/playbooks", cookie)
	_, rest, ok := strings.Cut(page, `<meta name="csrf-token" content="`)
	token, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || token == "" {
		t.Fatalf("page has no csrf-token meta tag:\n%.500s", page)
	}
	return token
}

// formRequest builds a form post with the session cookie.
func formRequest(t *testing.T, target string, cookie *http.Cookie, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target,
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	return req
}

func TestServeFlags_AuditRetention(t *testing.T) {
	cases := []struct {
		args    []string
		want    time.Duration
		wantErr string
	}{
		{nil, 90 * 24 * time.Hour, ""},
		{[]string{"--audit-retention", "30d"}, 30 * 24 * time.Hour, ""},
		{[]string{"--audit-retention", "36h"}, 36 * time.Hour, ""},
		{[]string{"--audit-retention", "0"}, 0, ""},
		{[]string{"--audit-retention", "-1d"}, 0, `"-1d" is not a number of days`},
		{[]string{"--audit-retention", "1.5d"}, 0, `"1.5d" is not a number of days`},
		{[]string{"--audit-retention", "-5h"}, 0, `"-5h" is not a duration`},
		{[]string{"--audit-retention", "soon"}, 0, `"soon" is not a duration`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out strings.Builder
			cfg, err := parseServeFlags(tc.args, func(string) string { return "" }, &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AuditRetention != tc.want {
				t.Errorf("AuditRetention = %s, want %s", cfg.AuditRetention, tc.want)
			}
		})
	}

	var help strings.Builder
	parseServeFlags([]string{"--help"}, func(string) string { return "" }, &help)
	if !strings.Contains(help.String(), "(default 90d)") {
		t.Errorf("help does not show the default 90d:\n%s", help.String())
	}
}

func TestAudit_RetentionDeletesOldEntries(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, age := range []time.Duration{40 * 24 * time.Hour, 31 * 24 * time.Hour, 29 * 24 * time.Hour} {
		entry := &store.AuditEntry{Time: now.Add(-age), Actor: "ana", Role: "analyst",
			Action: "playbook.update", Target: "playbook:" + age.String(), Outcome: store.AuditSuccess}
		if err := st.InsertAuditEntry(ctx, entry); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}

	srv := startServerWith(t, func(cfg *config) {
		cfg.DataDir = dir
		cfg.AuditRetention = 30 * 24 * time.Hour
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		var entries []store.AuditEntry
		srv.mustDo(t, http.MethodGet, "/api/v1/audit", nil, http.StatusOK, &entries)
		if len(entries) == 1 {
			if entries[0].Target != "playbook:"+(29*24*time.Hour).String() {
				t.Errorf("entry left = %+v, want the one 29 days old", entries[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit log has %d entries after start, want only the one 29 days old", len(entries))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRuns_RetentionDeletesOldRuns(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for id, age := range map[string]time.Duration{"old": 31 * 24 * time.Hour, "recent": 29 * 24 * time.Hour} {
		ended := now.Add(-age)
		run := &runtime.Run{ID: id, PlaybookID: "triage", PlaybookVersion: 1, Status: runtime.RunSucceeded,
			CreatedAt: ended, StartedAt: &ended, EndedAt: &ended, Trigger: []byte(`{"alert":1}`)}
		if err := st.InsertRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		step := runtime.Step{ID: id + "/start", RunID: id, NodeID: "start", Status: runtime.StepSucceeded,
			Attempt: 1, StartedAt: &ended, EndedAt: &ended}
		if err := st.InsertSteps(ctx, []runtime.Step{step}); err != nil {
			t.Fatal(err)
		}
		ev := runtime.Event{RunID: id, Seq: 1, Time: ended, Type: runtime.EventStepFinished,
			NodeID: "start", StepID: step.ID}
		if err := st.AppendEvents(ctx, []runtime.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}

	srv := startServerWith(t, func(cfg *config) {
		cfg.DataDir = dir
		cfg.RunRetention = 30 * 24 * time.Hour
	})
	deadline := time.Now().Add(10 * time.Second)
	for srv.do(t, http.MethodGet, "/api/v1/runs/old", nil, nil).Status != http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatal("run ended 31 days ago is still stored 10 s after start, want it deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var recent struct {
		ID    string         `json:"id"`
		Steps []runtime.Step `json:"steps"`
	}
	srv.mustDo(t, http.MethodGet, "/api/v1/runs/recent", nil, http.StatusOK, &recent)
	if recent.ID != "recent" || len(recent.Steps) != 1 {
		t.Errorf("run ended 29 days ago = %+v, want it kept with its one step", recent)
	}
}
