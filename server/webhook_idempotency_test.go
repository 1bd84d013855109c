package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// postHook posts body to the webhook at url with one Idempotency-Key
// header per value of keys.
func postHook(t *testing.T, url, body string, keys ...string) apiResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, k := range keys {
		req.Header.Add(headerIdempotencyKey, k)
	}
	return sendRequest(t, req)
}

func (r apiResponse) runID(t *testing.T) string {
	t.Helper()
	var started startedResponse
	if r.Status != http.StatusAccepted {
		t.Fatalf("status = %d, want 202; body %s", r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &started); err != nil || started.RunID == "" {
		t.Fatalf("body %s has no run_id: %v", r.Body, err)
	}
	return started.RunID
}

func TestWebhook_IdempotencyKeyStartsOneRun(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	var hook savedTestPlaybook
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", webhookPlaybook, http.StatusCreated, &hook)
	url := ts.URL + hook.hookPath(t)

	first := postHook(t, url, `{"alert": 1}`, "alert-4711")
	runID := first.runID(t)
	if got := first.Header.Get(headerIdempotentReplayed); got != "" {
		t.Errorf("first request: %s = %q, want none", headerIdempotentReplayed, got)
	}
	waitRunStatus(t, ts, token, runID, runtime.RunSucceeded)

	again := postHook(t, url, `{"alert": 1}`, "alert-4711")
	if got := again.runID(t); got != runID {
		t.Errorf("retry started run %s, want the first run %s", got, runID)
	}
	if got := again.Header.Get(headerIdempotentReplayed); got != "true" {
		t.Errorf("retry: %s = %q, want true", headerIdempotentReplayed, got)
	}
	other := postHook(t, url, `{"alert": 2}`, "alert-4712").runID(t)
	plain := postHook(t, url, `{"alert": 3}`).runID(t)
	if other == runID || plain == runID || other == plain {
		t.Errorf("runs %s, %s, %s: want three different runs", runID, other, plain)
	}

	var runs []runtime.Run
	mustCall(t, ts, token, http.MethodGet, "/api/v1/runs?playbook_id="+hook.ID, "", http.StatusOK, &runs)
	if len(runs) != 3 {
		t.Errorf("playbook has %d runs, want 3", len(runs))
	}

	for _, keys := range [][]string{
		{""}, {"has space"}, {strings.Repeat("k", maxIdempotencyKey+1)}, {"a", "b"}, {"caf\u00e9"},
	} {
		resp := postHook(t, url, `{"alert": 9}`, keys...)
		if resp.Status != http.StatusBadRequest {
			t.Errorf("keys %q: status = %d, want 400; body %s", keys, resp.Status, resp.Body)
			continue
		}
		if msg := resp.decodeError(t).Error.Message; !strings.Contains(msg, headerIdempotencyKey) {
			t.Errorf("keys %q: message %q does not name the header", keys, msg)
		}
	}
	mustCall(t, ts, token, http.MethodGet, "/api/v1/runs?playbook_id="+hook.ID, "", http.StatusOK, &runs)
	if len(runs) != 3 {
		t.Errorf("playbook has %d runs after rejected requests, want 3", len(runs))
	}
}
