package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// apiResponse is one response of callAPI.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// apiErrorBody is the error shape every failure has.
type apiErrorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
		Problems  []struct {
			NodeID  string `json:"node_id"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"problems"`
	} `json:"error"`
}

// callAPI sends one request to ts with the bearer token, if any, and
// returns the whole response.
func callAPI(t *testing.T, ts *httptest.Server, token, method, path, body string) apiResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return sendRequest(t, req)
}

// sendRequest sends req without following redirects and returns the
// whole response.
func sendRequest(t *testing.T, req *http.Request) apiResponse {
	t.Helper()
	resp, err := noRedirectClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiResponse{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// decodeError decodes the error shape, failing the test when the body has
// another shape.
func (r apiResponse) decodeError(t *testing.T) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("body %.300q is not the error shape: %v", r.Body, err)
	}
	return e
}

// mustCall is callAPI that fails the test unless the status is want, and
// decodes the body into out when out is not nil.
func mustCall(t *testing.T, ts *httptest.Server, token, method, path, body string, want int,
	out any) {
	t.Helper()
	resp := callAPI(t, ts, token, method, path, body)
	if resp.Status != want {
		t.Fatalf("%s %s: status = %d, want %d; body %.400s", method, path, resp.Status, want, resp.Body)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			t.Fatalf("%s %s: decode %.300s: %v", method, path, resp.Body, err)
		}
	}
}

// waitFor polls check every 20 ms until it returns true, failing the test
// after 10 seconds.
func waitFor(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
