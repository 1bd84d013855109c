package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/store"
)

func TestAudit_ListRejectsBadQuery(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	cases := []struct {
		query string
		param string
	}{
		{"limit=0", "limit"},
		{"limit=501", "limit"},
		{"limit=ten", "limit"},
		{"before=abc", "before"},
		{"before=18A2B3C4D5E6F70801234567", "before"},
		{"before=" + url.QueryEscape(`{"$gt":""}`), "before"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			resp := callAPI(t, ts, admin.Value, http.MethodGet, "/api/v1/audit?"+tc.query, "")
			if resp.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", resp.Status, resp.Body)
			}
			e := resp.decodeError(t)
			if e.Error.Code != codeBadRequest {
				t.Errorf("code %q, want %q", e.Error.Code, codeBadRequest)
			}
			if !strings.Contains(e.Error.Message, "query parameter "+tc.param+"=") {
				t.Errorf("message %q does not name %s", e.Error.Message, tc.param)
			}
		})
	}
}

// auditPageRuns counts the runs of TestAudit_ListPagesNewestFirst.
var auditPageRuns atomic.Int64

func TestAudit_ListPagesNewestFirst(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	actor := insertRoleToken(t, RoleAnalyst)
	// The entries lie in a past that no other test writes to, and the
	// first page starts just after them: an entry ID begins with 16 hex
	// digits of its time in Unix nanoseconds. A repeat of the test under
	// -count writes an hour earlier, so the entries of an earlier run sort
	// after the first page.
	base := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).
		Add(-time.Duration(auditPageRuns.Add(1)) * time.Hour)
	for i := range 3 {
		entry := &store.AuditEntry{Time: base.Add(time.Duration(i) * time.Second), Actor: actor.Name,
			Role: RoleAnalyst, Action: "playbook.update", Target: "playbook:p" + string(rune('a'+i)),
			Outcome: store.AuditSuccess}
		if err := testStore.InsertAuditEntry(t.Context(), entry); err != nil {
			t.Fatal(err)
		}
	}
	cursor := fmt.Sprintf("%016x00000000", base.Add(time.Minute).UnixNano())

	var first []store.AuditEntry
	mustCall(t, ts, admin.Value, http.MethodGet, "/api/v1/audit?limit=2&before="+cursor, "",
		http.StatusOK, &first)
	if len(first) != 2 || first[0].Target != "playbook:pc" || first[1].Target != "playbook:pb" {
		t.Fatalf("first page = %+v, want the entries of pc and pb", first)
	}
	var second []store.AuditEntry
	mustCall(t, ts, admin.Value, http.MethodGet, "/api/v1/audit?limit=2&before="+first[1].ID, "",
		http.StatusOK, &second)
	if len(second) != 1 || second[0].Target != "playbook:pa" {
		t.Errorf("second page = %+v, want the entry of pa", second)
	}

	// Without before, the list starts with the newest entry: here the
	// analyst's rejected request.
	mustCall(t, ts, actor.Value, http.MethodPost, "/api/v1/tokens", `{"name": "x", "role": "admin"}`,
		http.StatusForbidden, nil)
	var newest []store.AuditEntry
	mustCall(t, ts, admin.Value, http.MethodGet, "/api/v1/audit", "", http.StatusOK, &newest)
	if len(newest) == 0 || newest[0].Actor != actor.Name || newest[0].Action != "token.create" ||
		newest[0].Outcome != store.AuditDenied {
		t.Errorf("first page without before starts with %+v, want the analyst's denied token.create",
			newest)
	}
	mustCall(t, ts, actor.Value, http.MethodGet, "/api/v1/audit", "", http.StatusForbidden, nil)
}

func TestAudit_RecordsSecretsWithoutValues(t *testing.T) {
	ts, _ := newSecretServer(t, &strings.Builder{})
	admin := insertRoleToken(t, RoleAdmin)
	analyst := insertRoleToken(t, RoleAnalyst)
	name := "audit_" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(admin.ID))
	body := `{"value": "` + secretValue + `"}`

	mustCall(t, ts, admin.Value, http.MethodPut, "/api/v1/secrets/"+name, body, http.StatusCreated, nil)
	mustCall(t, ts, admin.Value, http.MethodPut, "/api/v1/secrets/"+name, body, http.StatusOK, nil)
	mustCall(t, ts, admin.Value, http.MethodPut, "/api/v1/secrets/"+name, `{"value": ""}`,
		http.StatusUnprocessableEntity, nil)
	mustCall(t, ts, analyst.Value, http.MethodDelete, "/api/v1/secrets/"+name, "", http.StatusForbidden, nil)
	mustCall(t, ts, admin.Value, http.MethodDelete, "/api/v1/secrets/"+name, "", http.StatusNoContent, nil)

	want := []struct{ action, outcome string }{
		{"secret.delete", store.AuditSuccess},
		{"secret.put", store.AuditFailure},
		{"secret.replace", store.AuditSuccess},
		{"secret.create", store.AuditSuccess},
	}
	got := auditEntriesOf(t, admin.Name)
	if len(got) != len(want) {
		t.Fatalf("audit entries of the admin = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		if got[i].Action != w.action || got[i].Outcome != w.outcome || got[i].Target != "secret:"+name {
			t.Errorf("entry %d = %s %s %s, want %s %s secret:%s", i, got[i].Action, got[i].Outcome,
				got[i].Target, w.action, w.outcome, name)
		}
	}
	denied := auditEntriesOf(t, analyst.Name)
	if len(denied) != 1 || denied[0].Action != "secret.delete" || denied[0].Outcome != store.AuditDenied {
		t.Errorf("audit entries of the analyst = %+v, want one denied secret.delete", denied)
	}

	all, err := testStore.ListAuditEntries(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		for _, s := range []string{e.Actor, e.Role, e.Action, e.Target, e.Outcome} {
			if strings.Contains(s, secretValue) || strings.Contains(s, admin.Value) {
				t.Errorf("audit entry %+v contains a secret value or a token", e)
			}
		}
	}
}

func TestAudit_SignInAndOut(t *testing.T) {
	ts := newTestServer(t, nil)
	tok := insertRoleToken(t, RoleViewer)
	cookie := signIn(t, ts, tok.Value)
	csrf := csrfFromPage(t, ts, cookie)
	if status, _ := postPageForm(t, ts, cookie, "/logout", url.Values{"csrf_token": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("sign-out: status %d, want 303", status)
	}

	entries := auditEntriesOf(t, tok.Name)
	if len(entries) != 2 {
		t.Fatalf("audit entries = %+v, want sign-in and sign-out", entries)
	}
	for i, action := range []string{auditLogout, auditLogin} {
		e := entries[i]
		if e.Action != action || e.Outcome != store.AuditSuccess || e.Role != RoleViewer ||
			e.Target != "token:"+tok.ID {
			t.Errorf("entry %d = %+v, want successful %s of token:%s as viewer", i, e, action, tok.ID)
		}
	}

	// A failed sign-in is recorded without an actor or the token sent.
	sent := "upd_wrong-" + tok.ID
	start := time.Now().Add(-time.Millisecond)
	resp, err := noRedirectClient.PostForm(ts.URL+"/login", url.Values{"token": {sent}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in with a wrong token: status %d, want 401", resp.StatusCode)
	}
	recent, err := testStore.ListAuditEntries(t.Context(), store.AuditFilter{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var failed []store.AuditEntry
	for _, e := range recent {
		if e.Action == auditLogin && e.Outcome == store.AuditFailure && e.Time.After(start) {
			failed = append(failed, e)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("failed sign-in entries since the request = %+v, want one", failed)
	}
	if e := failed[0]; e.Actor != "" || e.Role != "" || strings.Contains(e.Target, sent) {
		t.Errorf("failed sign-in entry = %+v, want no actor, role or token", e)
	}
}

func TestAudit_PageListsEntries(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	cookie := signIn(t, ts, admin.Value)

	status, page := getPage(t, ts, cookie, "/audit")
	if status != http.StatusOK {
		t.Fatalf("audit page: status %d", status)
	}
	if !strings.Contains(page, `data-action="session.login"`) || !strings.Contains(page, admin.Name) {
		t.Errorf("audit page lacks the admin's sign-in:\n%.2000s", page)
	}
	if status, _ := getPage(t, ts, cookie, "/audit?before=nope"); status != http.StatusBadRequest {
		t.Errorf("audit page with a bad before: status %d, want 400", status)
	}
}

// slowAuditStore stores audit entries after a pause, and marks each one
// stored once it is.
type slowAuditStore struct {
	Store
	stored atomic.Int32
}

func (s *slowAuditStore) InsertAuditEntry(ctx context.Context, e *store.AuditEntry) error {
	time.Sleep(200 * time.Millisecond)
	err := s.Store.InsertAuditEntry(ctx, e)
	s.stored.Add(1)
	return err
}

// TestAudit_StoredBeforeResponse checks that a client gets the response of
// an audited request only once its entry is stored: for a response larger
// than the server's write buffer, which goes out while the handler runs,
// and for an error response.
func TestAudit_StoredBeforeResponse(t *testing.T) {
	slow := &slowAuditStore{Store: testStore}
	ts := newTestServer(t, func(cfg *Config) { cfg.Store = slow })
	token := insertToken(t)

	var nodes []string
	nodes = append(nodes, `{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}}`)
	for i := range 120 {
		nodes = append(nodes, fmt.Sprintf(`{"id": "note%03d", "type": "transform", "position": {"x": %d, "y": 0},
			"settings": {"values": {"text": "a value long enough to make the response large"}}}`, i, 10*i))
	}
	big := `{"name": "Large", "nodes": [` + strings.Join(nodes, ",") + `], "edges": []}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/api/v1/playbooks",
		strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	httpResp, err := http.DefaultClient.Do(req) // returns once the status line arrives
	if err != nil {
		t.Fatal(err)
	}
	stored := slow.stored.Load()
	body, err := io.ReadAll(httpResp.Body)
	httpResp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if httpResp.StatusCode != http.StatusCreated {
		t.Fatalf("save playbook: status = %d, want 201; body %.300s", httpResp.StatusCode, body)
	}
	if len(body) < 16<<10 {
		t.Fatalf("response has %d bytes, want more than a write buffer", len(body))
	}
	if stored != 1 {
		t.Errorf("when the 201 arrived: %d audit entries stored, want 1", stored)
	}

	resp := callAPI(t, ts, token, http.MethodPost, "/api/v1/tokens", `{"name": "", "role": "boss"}`)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad token request: status = %d, want 422; body %s", resp.Status, resp.Body)
	}
	if n := slow.stored.Load(); n != 2 {
		t.Errorf("after the 422: %d audit entries stored, want 2", n)
	}
}
