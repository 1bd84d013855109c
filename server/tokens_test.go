package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestTokens_CreateListRevoke(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	name := "siem-" + admin.ID

	var created tokenResponse
	mustCall(t, ts, admin.Value, http.MethodPost, "/api/v1/tokens",
		`{"name": "`+name+`", "role": "analyst"}`, http.StatusCreated, &created)
	if !strings.HasPrefix(created.Token, TokenPrefix) || len(created.Token) != len(TokenPrefix)+43 {
		t.Errorf("created token %q, want %s and 43 characters", created.Token, TokenPrefix)
	}
	if created.Name != name || created.Role != RoleAnalyst || created.ID == "" {
		t.Errorf("created = %+v, want name %q, role analyst and an id", created, name)
	}

	// The list never repeats the value or the hash.
	resp := callAPI(t, ts, admin.Value, http.MethodGet, "/api/v1/tokens", "")
	if resp.Status != http.StatusOK {
		t.Fatalf("list: status %d; body %s", resp.Status, resp.Body)
	}
	for _, secret := range []string{created.Token, HashToken(created.Token)} {
		if strings.Contains(string(resp.Body), secret) {
			t.Errorf("token list contains the token or its hash: %s", resp.Body)
		}
	}
	var list []tokenResponse
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tok := range list {
		found = found || tok.ID == created.ID && tok.Name == name && tok.Role == RoleAnalyst
	}
	if !found {
		t.Errorf("token list lacks %s", created.ID)
	}

	// The new token works with its role, and so does a session from it.
	mustCall(t, ts, created.Token, http.MethodGet, "/api/v1/playbooks", "", http.StatusOK, nil)
	mustCall(t, ts, created.Token, http.MethodGet, "/api/v1/tokens", "", http.StatusForbidden, nil)
	cookie := signIn(t, ts, created.Token)
	if status, _ := getPage(t, ts, cookie, "/playbooks"); status != http.StatusOK {
		t.Fatalf("page with the new token's session: status %d, want 200", status)
	}

	// Revoking ends the token and the session.
	mustCall(t, ts, admin.Value, http.MethodDelete, "/api/v1/tokens/"+created.ID, "",
		http.StatusNoContent, nil)
	mustCall(t, ts, created.Token, http.MethodGet, "/api/v1/playbooks", "", http.StatusUnauthorized, nil)
	if status, _ := getPage(t, ts, cookie, "/playbooks"); status != http.StatusSeeOther {
		t.Errorf("page with the revoked token's session: status %d, want 303 to /login", status)
	}
	mustCall(t, ts, admin.Value, http.MethodDelete, "/api/v1/tokens/"+created.ID, "",
		http.StatusNotFound, nil)
}

func TestTokens_RejectBadInput(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	existing := insertRoleToken(t, RoleViewer)

	cases := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantFields []string // of the problems, in order
		wantText   string   // in the message
	}{
		{"not json", `{"name": `, http.StatusBadRequest, codeInvalidJSON, nil, "token request"},
		{"unknown field", `{"name": "x", "role": "admin", "scope": "all"}`,
			http.StatusBadRequest, codeInvalidJSON, nil, "scope: unknown field"},
		{"role not a string", `{"name": "x", "role": 3}`,
			http.StatusBadRequest, codeInvalidJSON, nil, "role"},
		{"name missing", `{"role": "analyst"}`,
			http.StatusUnprocessableEntity, codeBadRequest, []string{"name"}, "name is missing"},
		{"blank name", `{"name": "   ", "role": "analyst"}`,
			http.StatusUnprocessableEntity, codeBadRequest, []string{"name"}, "name is missing"},
		{"name too long", `{"name": "` + strings.Repeat("n", 65) + `", "role": "analyst"}`,
			http.StatusUnprocessableEntity, codeBadRequest, []string{"name"}, "longer than 64"},
		{"control character", `{"name": "ana\u0007", "role": "analyst"}`,
			http.StatusUnprocessableEntity, codeBadRequest, []string{"name"}, "control character"},
		{"role missing", `{"name": "nobody"}`,
			http.StatusUnprocessableEntity, codeBadRequest, []string{"role"}, "role is missing"},
		{"role unknown", `{"name": "nobody", "role": "owner"}`,
			http.StatusUnprocessableEntity, codeBadRequest, []string{"role"},
			`role "owner" is not valid; use viewer, analyst, developer or admin`},
		{"both fields", `{}`,
			http.StatusUnprocessableEntity, codeBadRequest, []string{"name", "role"}, "name:"},
		{"name taken", `{"name": "` + strings.ToUpper(existing.Name) + `", "role": "analyst"}`,
			http.StatusConflict, codeConflict, nil, existing.Name},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := testStore.CountTokens(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			resp := callAPI(t, ts, admin.Value, http.MethodPost, "/api/v1/tokens", tc.body)
			if resp.Status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.Status, tc.wantStatus, resp.Body)
			}
			e := resp.decodeError(t)
			if e.Error.Code != tc.wantCode {
				t.Errorf("code %q, want %q", e.Error.Code, tc.wantCode)
			}
			if !strings.Contains(e.Error.Message, tc.wantText) {
				t.Errorf("message %q does not contain %q", e.Error.Message, tc.wantText)
			}
			var fields []string
			for _, p := range e.Error.Problems {
				fields = append(fields, p.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tc.wantFields, ",") {
				t.Errorf("problem fields %q, want %q", fields, tc.wantFields)
			}
			after, err := testStore.CountTokens(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("tokens stored: %d before, %d after", before, after)
			}
		})
	}
}

func TestTokens_PageCreatesAndRevokes(t *testing.T) {
	ts := newTestServer(t, nil)
	admin := insertRoleToken(t, RoleAdmin)
	cookie := signIn(t, ts, admin.Value)
	csrf := csrfFromPage(t, ts, cookie)
	name := "page-" + admin.ID

	status, _ := postPageForm(t, ts, cookie, "/tokens",
		url.Values{"name": {name}, "role": {"developer"}})
	if status != http.StatusForbidden {
		t.Errorf("form without csrf token: status %d, want 403", status)
	}
	status, page := postPageForm(t, ts, cookie, "/tokens",
		url.Values{"csrf_token": {csrf}, "name": {name}, "role": {"developer"}})
	if status != http.StatusOK {
		t.Fatalf("create form: status %d, want 200; page:\n%s", status, page)
	}
	m := regexp.MustCompile(`data-testid="created-token-value">(upd_[A-Za-z0-9_-]{43})<`).
		FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page does not show the new token:\n%s", page)
	}
	record, err := testStore.GetTokenByHash(t.Context(), HashToken(m[1]))
	if err != nil {
		t.Fatalf("the shown token is not stored: %v", err)
	}
	if record.Name != name || record.Role != RoleDeveloper {
		t.Errorf("stored token = %q %q, want %q developer", record.Name, record.Role, name)
	}

	// Reloading the page lists the token but never shows its value again.
	status, page = getPage(t, ts, cookie, "/tokens")
	if status != http.StatusOK {
		t.Fatalf("tokens page: status %d", status)
	}
	if !strings.Contains(page, `data-testid="token-`+record.ID+`"`) {
		t.Errorf("page lacks the row of token %s", record.ID)
	}
	if strings.Contains(page, m[1]) {
		t.Error("tokens page shows the token value again")
	}

	status, page = postPageForm(t, ts, cookie, "/tokens",
		url.Values{"csrf_token": {csrf}, "name": {""}, "role": {"developer"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "name is missing") {
		t.Errorf("form without a name: status %d, want 422 with the problem; page:\n%s", status, page)
	}

	status, _ = postPageForm(t, ts, cookie, "/tokens/"+record.ID+"/revoke",
		url.Values{"csrf_token": {csrf}})
	if status != http.StatusSeeOther {
		t.Fatalf("revoke form: status %d, want 303", status)
	}
	if _, err := testStore.GetToken(t.Context(), record.ID); err == nil {
		t.Error("token still stored after the revoke form")
	}
}

func TestTokens_AdminOnly(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, role := range []string{RoleViewer, RoleAnalyst, RoleDeveloper} {
		t.Run(role, func(t *testing.T) {
			tok := insertRoleToken(t, role)
			before, err := testStore.CountTokens(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			resp := callAPI(t, ts, tok.Value, http.MethodPost, "/api/v1/tokens",
				`{"name": "sneaky-`+tok.ID+`", "role": "admin"}`)
			if resp.Status != http.StatusForbidden {
				t.Fatalf("create as %s: status %d, want 403", role, resp.Status)
			}
			msg := resp.decodeError(t).Error.Message
			if !strings.Contains(msg, "needs the admin role") {
				t.Errorf("message %q does not name the admin role", msg)
			}
			after, err := testStore.CountTokens(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("a token was stored after a 403")
			}
			mustCall(t, ts, tok.Value, http.MethodDelete, "/api/v1/tokens/"+tok.ID, "",
				http.StatusForbidden, nil)
			if _, err := testStore.GetToken(t.Context(), tok.ID); err != nil {
				t.Errorf("token revoked after a 403: %v", err)
			}

			cookie := signIn(t, ts, tok.Value)
			for _, page := range []string{"/tokens", "/audit", "/secrets"} {
				if status, _ := getPage(t, ts, cookie, page); status != http.StatusForbidden {
					t.Errorf("page %s as %s: status %d, want 403", page, role, status)
				}
			}
			status, page := getPage(t, ts, cookie, "/playbooks")
			if status != http.StatusOK {
				t.Fatalf("playbooks page as %s: status %d", role, status)
			}
			for _, link := range []string{`href="/tokens"`, `href="/audit"`, `href="/secrets"`} {
				if strings.Contains(page, link) {
					t.Errorf("navigation of %s links %s", role, link)
				}
			}
		})
	}
}
