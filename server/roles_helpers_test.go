package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/store"
)

// roleToken is a token stored for a test, with its value.
type roleToken struct {
	ID, Name, Role, Value string
}

// insertRoleToken stores a token with role under a name unique to this
// test run and returns it.
func insertRoleToken(t *testing.T, role string) roleToken {
	t.Helper()
	value, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	id, err := randomString(9)
	if err != nil {
		t.Fatal(err)
	}
	tok := roleToken{ID: id, Name: role + "-" + id, Role: role, Value: value}
	record := &store.Token{ID: id, Name: tok.Name, Role: role, Hash: HashToken(value),
		CreatedAt: time.Now()}
	if err := testStore.InsertToken(t.Context(), record); err != nil {
		t.Fatal(err)
	}
	return tok
}

// auditEntriesOf returns the audit entries of actor, newest first.
func auditEntriesOf(t *testing.T, actor string) []store.AuditEntry {
	t.Helper()
	all, err := testStore.ListAuditEntries(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var entries []store.AuditEntry
	for _, e := range all {
		if e.Actor == actor {
			entries = append(entries, e)
		}
	}
	return entries
}

// getPage requests a page with the session cookie and returns the status
// and body.
func getPage(t *testing.T, ts *httptest.Server, cookie *http.Cookie, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(cookie)
	return doPage(t, req)
}

// postPageForm posts form to a page with the session cookie and returns
// the status and body.
func postPageForm(t *testing.T, ts *httptest.Server, cookie *http.Cookie, path string,
	form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+path,
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	return doPage(t, req)
}

func doPage(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := noRedirectClient.Do(req)
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
