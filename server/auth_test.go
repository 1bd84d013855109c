package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// insertToken stores a new admin token and returns its value.
func insertToken(t *testing.T) string {
	t.Helper()
	token, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	record := &store.Token{ID: token[4:12], Name: "tester", Role: RoleAdmin, Hash: HashToken(token),
		CreatedAt: time.Now()}
	if err := testStore.InsertToken(t.Context(), record); err != nil {
		t.Fatal(err)
	}
	return token
}

// signIn posts the token to /login and returns the session cookie.
func signIn(t *testing.T, ts *httptest.Server, token string) *http.Cookie {
	t.Helper()
	resp, err := noRedirectClient.PostForm(ts.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in status = %d, want 303", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatal("sign-in set no session cookie")
	return nil
}

// csrfFromPage reads the CSRF token from a signed-in page's meta tag.
func csrfFromPage(t *testing.T, ts *httptest.Server, cookie *http.Cookie) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/playbooks", nil)
	req.AddCookie(cookie)
	resp, err := noRedirectClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /playbooks with a session: status %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("page has no csrf-token meta tag:\n%s", page)
	}
	return string(m[1])
}

func send(t *testing.T, method, target string, header http.Header, cookie *http.Cookie) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/json")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirectClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestAuth_APIAccess(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	cookie := signIn(t, ts, token)
	csrf := csrfFromPage(t, ts, cookie)
	api := ts.URL + "/api/v1/runs/no-such-run"

	cases := []struct {
		name   string
		method string
		header http.Header
		cookie *http.Cookie
		want   int
	}{
		{"bearer token", http.MethodGet, http.Header{"Authorization": {"Bearer " + token}}, nil, http.StatusNotFound},
		{"lowercase scheme", http.MethodGet, http.Header{"Authorization": {"bearer " + token}}, nil, http.StatusNotFound},
		{"unknown token", http.MethodGet, http.Header{"Authorization": {"Bearer upd_nope"}}, nil, http.StatusUnauthorized},
		{"basic scheme", http.MethodGet, http.Header{"Authorization": {"Basic YTpi"}}, nil, http.StatusUnauthorized},
		{"no credentials", http.MethodGet, nil, nil, http.StatusUnauthorized},
		{"session read", http.MethodGet, nil, cookie, http.StatusNotFound},
		{"session write without csrf", http.MethodPost, nil, cookie, http.StatusForbidden},
		{"session write with wrong csrf", http.MethodPost, http.Header{csrfHeader: {"x" + csrf}}, cookie, http.StatusForbidden},
		{"session write with csrf", http.MethodPost, http.Header{csrfHeader: {csrf}}, cookie, http.StatusNotFound},
		{"bearer write needs no csrf", http.MethodPost, http.Header{"Authorization": {"Bearer " + token}}, nil, http.StatusNotFound},
		{"stale cookie", http.MethodGet, nil, &http.Cookie{Name: sessionCookie, Value: "stale"}, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := api
			if tc.method == http.MethodPost {
				target = ts.URL + "/api/v1/playbooks/no-such-playbook/runs"
			}
			resp := send(t, tc.method, target, tc.header, tc.cookie)
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

func TestAuth_SessionCookieAttributes(t *testing.T) {
	token := insertToken(t)
	cases := []struct {
		name       string
		publicURL  string
		wantSecure bool
	}{
		{"plain http", "", false},
		{"https public url", "https://soar.example.com", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.PublicURL = tc.publicURL })
			cookie := signIn(t, ts, token)
			if !cookie.HttpOnly {
				t.Error("cookie is not HttpOnly")
			}
			if cookie.SameSite != http.SameSiteLaxMode {
				t.Errorf("SameSite = %v, want Lax", cookie.SameSite)
			}
			if cookie.Secure != tc.wantSecure {
				t.Errorf("Secure = %v, want %v", cookie.Secure, tc.wantSecure)
			}
			if len(cookie.Value) < 40 {
				t.Errorf("session id %q is shorter than 40 characters", cookie.Value)
			}
			if _, err := testStore.GetSession(t.Context(), cookie.Value); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("session stored under the raw cookie value (err %v), want only its hash", err)
			}
		})
	}
}

func TestAuth_LoginRejects(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	cases := []struct {
		name   string
		token  string
		origin string
		want   int
	}{
		{"wrong token", "upd_wrong", "", http.StatusUnauthorized},
		{"empty token", "", "", http.StatusUnauthorized},
		{"other origin", token, "https://attacker.example", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/login",
				strings.NewReader(url.Values{"token": {tc.token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := noRedirectClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
			if len(resp.Cookies()) != 0 {
				t.Errorf("rejected sign-in set cookies %v", resp.Cookies())
			}
		})
	}
}

func TestAuth_LogoutEndsSession(t *testing.T) {
	ts := newTestServer(t, nil)
	cookie := signIn(t, ts, insertToken(t))
	csrf := csrfFromPage(t, ts, cookie)

	logout := func(form url.Values) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/logout", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		resp, err := noRedirectClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := logout(url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without csrf: status %d, want 403", resp.StatusCode)
	}
	if resp := logout(url.Values{csrfFormField: {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d, want 303", resp.StatusCode)
	}
	if resp := send(t, http.MethodGet, ts.URL+"/api/v1/runs", nil, cookie); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with the old cookie: status %d, want 401", resp.StatusCode)
	}
}

func TestAuth_PagesNeedSession(t *testing.T) {
	ts := newTestServer(t, nil)
	resp := send(t, http.MethodGet, ts.URL+"/playbooks", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("GET /playbooks signed out: status %d to %q, want 303 to /login",
			resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = send(t, http.MethodGet, ts.URL+"/login", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login: status %d, want 200", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
		strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q, want scripts from self only", csp)
	}
	// Chromium sends "Origin: null" on form posts under no-referrer, which
	// the sign-in check would reject.
	if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("Referrer-Policy = %q, want same-origin", got)
	}
}

// tokenCounter is a TokenStore that starts with count tokens.
type tokenCounter struct {
	count    int64
	inserted []*store.Token
}

func (s *tokenCounter) CountTokens(context.Context) (int64, error) { return s.count, nil }

func (s *tokenCounter) InsertToken(_ context.Context, tok *store.Token) error {
	s.inserted = append(s.inserted, tok)
	return nil
}

func TestEnsureBootstrapToken(t *testing.T) {
	const configured = "configured-token-0123456789"
	cases := []struct {
		name          string
		existing      int64
		configured    string
		wantGenerated bool
		wantInserted  string // hash of the stored token; "any" for a generated one
		wantErr       string
	}{
		{"generates when empty", 0, "", true, "any", ""},
		{"stores configured", 0, configured, false, HashToken(configured), ""},
		{"keeps existing tokens", 2, configured, false, "", ""},
		{"rejects short configured", 0, "short", false, "", "at least 16"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &tokenCounter{count: tc.existing}
			generated, err := EnsureBootstrapToken(t.Context(), st, tc.configured)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := generated != ""; got != tc.wantGenerated {
				t.Errorf("generated = %q, want a token: %v", generated, tc.wantGenerated)
			}
			if tc.wantGenerated && (!strings.HasPrefix(generated, TokenPrefix) || len(generated) != 47) {
				t.Errorf("generated token %q, want upd_ and 43 base64url characters", generated)
			}
			switch {
			case tc.wantInserted == "" && len(st.inserted) != 0:
				t.Errorf("inserted %d tokens, want none", len(st.inserted))
			case tc.wantInserted == "any" && (len(st.inserted) != 1 || st.inserted[0].Hash != HashToken(generated)):
				t.Errorf("inserted %+v, want the hash of the generated token", st.inserted)
			case tc.wantInserted != "" && tc.wantInserted != "any" &&
				(len(st.inserted) != 1 || st.inserted[0].Hash != tc.wantInserted):
				t.Errorf("inserted %+v, want hash %s", st.inserted, tc.wantInserted)
			}
			for _, tok := range st.inserted {
				if tok.Role != RoleAdmin {
					t.Errorf("role = %q, want admin", tok.Role)
				}
			}
		})
	}
}
