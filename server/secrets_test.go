package server

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/store"
)

// secretValue is a value that no response or log line may contain.
const secretValue = "sup3r-secret-value-7f3a"

func newSecretServer(t *testing.T, logs io.Writer) (*httptest.Server, *store.SecretStore) {
	t.Helper()
	key := make([]byte, store.SecretKeySize)
	rand.Read(key)
	secrets, err := store.NewSecretStore(testStore, key)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(cfg *Config) {
		cfg.Secrets = secrets
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	return ts, secrets
}

func request(t *testing.T, method, target, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirectClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSecrets_APINeverReturnsValues(t *testing.T) {
	logs := &strings.Builder{}
	ts, secrets := newSecretServer(t, logs)
	token := insertToken(t)
	api := ts.URL + "/api/v1/secrets"

	steps := []struct {
		name, method, path, body string
		want                     int
	}{
		{"create", http.MethodPut, "/vt_key", `{"value": "` + secretValue + `"}`, http.StatusCreated},
		{"replace", http.MethodPut, "/vt_key", `{"value": "` + secretValue + `"}`, http.StatusOK},
		{"list", http.MethodGet, "", "", http.StatusOK},
		{"no route reads one", http.MethodGet, "/vt_key", "", http.StatusMethodNotAllowed},
		{"invalid name", http.MethodPut, "/VT%20Key", `{"value": "x"}`, http.StatusBadRequest},
		{"empty value", http.MethodPut, "/empty", `{"value": ""}`, http.StatusUnprocessableEntity},
		{"unknown field", http.MethodPut, "/vt_key", `{"value": "` + secretValue + `", "x": 1}`,
			http.StatusBadRequest},
		{"value not a string", http.MethodPut, "/vt_key", `{"value": ["` + secretValue + `"]}`,
			http.StatusBadRequest},
		{"delete", http.MethodDelete, "/vt_key", "", http.StatusNoContent},
		{"delete again", http.MethodDelete, "/vt_key", "", http.StatusNotFound},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			status, body := request(t, step.method, api+step.path, token, step.body)
			if status != step.want {
				t.Errorf("status = %d, want %d; body %s", status, step.want, body)
			}
			if strings.Contains(body, secretValue) {
				t.Errorf("response contains the secret value: %s", body)
			}
			if step.name == "list" && !strings.Contains(body, `"name":"vt_key"`) {
				t.Errorf("list %s lacks vt_key", body)
			}
		})
	}
	if strings.Contains(logs.String(), secretValue) {
		t.Errorf("server log contains the secret value:\n%s", logs)
	}
	if _, err := secrets.GetSecret(t.Context(), "vt_key"); err == nil {
		t.Error("vt_key still stored after delete")
	}
}

func TestSecrets_RequireAuthAndStore(t *testing.T) {
	ts, _ := newSecretServer(t, io.Discard)
	status, _ := request(t, http.MethodGet, ts.URL+"/api/v1/secrets", "", "")
	if status != http.StatusUnauthorized {
		t.Errorf("without a token: status %d, want 401", status)
	}

	plain := newTestServer(t, nil)
	status, body := request(t, http.MethodGet, plain.URL+"/api/v1/secrets", insertToken(t), "")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, codeSecretsDisabled) {
		t.Errorf("without a secret store: status %d body %s, want 503 %s", status, body, codeSecretsDisabled)
	}
}

func TestSecrets_PageForms(t *testing.T) {
	ts, secrets := newSecretServer(t, io.Discard)
	cookie := signIn(t, ts, insertToken(t))
	csrf := csrfFromPage(t, ts, cookie)

	post := func(path string, form url.Values) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+path,
			strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		resp, err := noRedirectClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("/secrets", url.Values{"name": {"page_key"}, "value": {secretValue}}); got != http.StatusForbidden {
		t.Errorf("form without csrf token: status %d, want 403", got)
	}
	form := url.Values{"csrf_token": {csrf}, "name": {"page_key"}, "value": {secretValue}}
	if got := post("/secrets", form); got != http.StatusSeeOther {
		t.Fatalf("add form: status %d, want 303", got)
	}
	if v, err := secrets.GetSecret(t.Context(), "page_key"); err != nil || v != secretValue {
		t.Fatalf("stored value: %v, want the posted value", err)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/secrets", nil)
	req.AddCookie(cookie)
	resp, err := noRedirectClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `data-testid="secret-page_key"`) {
		t.Errorf("page lacks the secret's row:\n%s", page)
	}
	if strings.Contains(string(page), secretValue) {
		t.Error("page contains the secret value")
	}

	if got := post("/secrets/page_key/delete", url.Values{"csrf_token": {csrf}}); got != http.StatusSeeOther {
		t.Fatalf("delete form: status %d, want 303", got)
	}
	if _, err := secrets.GetSecret(t.Context(), "page_key"); err == nil {
		t.Error("page_key still stored after the delete form")
	}
}
