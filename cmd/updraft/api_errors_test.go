package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestAPI_BadInputRejected(t *testing.T) {
	srv := startServer(t)
	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks",
		examplePlaybook(t, "http://127.0.0.1:1/notify"), http.StatusCreated, &saved)

	valid := string(examplePlaybook(t, "http://127.0.0.1:1/notify"))
	invalid := strings.Replace(valid, `"${{ steps.match.output.matched }}"`, `"${{ steps.notify.output.ok }}"`, 1)
	if invalid == valid {
		t.Fatal("example condition expression not found")
	}
	oversized := `{"name":"` + strings.Repeat("x", 1<<20) + `","nodes":[],"edges":[]}`
	noAuth := http.Header{"Authorization": {""}}

	cases := []struct {
		name        string
		method      string
		path        string
		body        string
		header      http.Header
		wantStatus  int
		wantCode    string
		wantMessage string
		wantProblem string // "node_id field" of an expected problem
	}{
		{"malformed json", http.MethodPost, "/api/v1/playbooks", `{"name": "x", "nodes": [`, nil,
			http.StatusBadRequest, "invalid_json", "JSON", ""},
		{"wrong type", http.MethodPost, "/api/v1/playbooks",
			`{"name": "x", "nodes": [{"id": "t", "type": "trigger", "position": {"x": "left", "y": 0}}], "edges": []}`,
			nil, http.StatusBadRequest, "invalid_json", "position.x: expected a number", "t position.x"},
		{"unknown field", http.MethodPost, "/api/v1/playbooks",
			`{"name": "x", "nodes": [], "edges": [], "colour": "red"}`, nil,
			http.StatusBadRequest, "invalid_json", "colour", ""},
		{"oversized body", http.MethodPost, "/api/v1/playbooks", oversized, nil,
			http.StatusRequestEntityTooLarge, "body_too_large", "1 MiB", ""},
		{"invalid playbook", http.MethodPost, "/api/v1/playbooks", invalid, nil,
			http.StatusUnprocessableEntity, "invalid_playbook", "notify", "is_malicious settings.expression"},
		{"invalid playbook version", http.MethodPut, "/api/v1/playbooks/" + saved.ID, invalid, nil,
			http.StatusUnprocessableEntity, "invalid_playbook", "notify", "is_malicious settings.expression"},
		{"stale version", http.MethodPut, "/api/v1/playbooks/" + saved.ID,
			strings.Replace(valid, `{`, `{"version": 7,`, 1), nil,
			http.StatusConflict, "conflict", "version 1", ""},
		{"unknown playbook", http.MethodGet, "/api/v1/playbooks/nope", "", nil,
			http.StatusNotFound, "not_found", `"nope"`, ""},
		{"run inputs not an object", http.MethodPost, "/api/v1/playbooks/" + saved.ID + "/runs", `[1]`, nil,
			http.StatusBadRequest, "invalid_json", "object", ""},
		{"run without manual trigger", http.MethodPost, "/api/v1/playbooks/" + saved.ID + "/runs", `{}`, nil,
			http.StatusUnprocessableEntity, "no_manual_trigger", "manual", ""},
		{"unknown webhook token", http.MethodPost, "/hooks/no-such-token", `{"a":1}`, noAuth,
			http.StatusNotFound, "not_found", "webhook", ""},
		{"unparseable webhook body", http.MethodPost, saved.webhookPath(t), `{"a":`, noAuth,
			http.StatusBadRequest, "invalid_json", "JSON", ""},
		{"unsupported webhook encoding", http.MethodPost, saved.webhookPath(t), `{"a":1}`,
			http.Header{"Authorization": {""}, "Content-Encoding": {"br"}},
			http.StatusUnsupportedMediaType, "unsupported_encoding", "br", ""},
		{"no token", http.MethodGet, "/api/v1/playbooks", "", noAuth,
			http.StatusUnauthorized, "unauthorized", "Bearer", ""},
		{"wrong token", http.MethodGet, "/api/v1/runs", "", http.Header{"Authorization": {"Bearer upd_wrong"}},
			http.StatusUnauthorized, "unauthorized", "not valid", ""},
		{"unknown api route", http.MethodGet, "/api/v1/nothing", "", nil,
			http.StatusNotFound, "not_found", "route", ""},
	}

	playbooksBefore := srv.do(t, http.MethodGet, "/api/v1/playbooks", nil, nil).Body
	runsBefore := srv.do(t, http.MethodGet, "/api/v1/runs", nil, nil).Body
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			resp := srv.do(t, tc.method, tc.path, body, tc.header)
			if resp.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %.300s", resp.Status, tc.wantStatus, resp.Body)
			}
			var apiErr apiError
			if err := json.Unmarshal(resp.Body, &apiErr); err != nil {
				t.Fatalf("body %.300s is not the error shape: %v", resp.Body, err)
			}
			if apiErr.Error.Code != tc.wantCode {
				t.Errorf("code = %q, want %q", apiErr.Error.Code, tc.wantCode)
			}
			if !strings.Contains(apiErr.Error.Message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", apiErr.Error.Message, tc.wantMessage)
			}
			if tc.wantProblem != "" && !hasProblem(apiErr, tc.wantProblem) {
				t.Errorf("problems = %+v, want one on %q", apiErr.Error.Problems, tc.wantProblem)
			}

			if got := srv.do(t, http.MethodGet, "/api/v1/playbooks", nil, nil).Body; !bytes.Equal(got, playbooksBefore) {
				t.Errorf("playbooks changed:\nbefore %s\nafter  %s", playbooksBefore, got)
			}
			if got := srv.do(t, http.MethodGet, "/api/v1/runs", nil, nil).Body; !bytes.Equal(got, runsBefore) {
				t.Errorf("runs changed:\nbefore %s\nafter  %s", runsBefore, got)
			}
		})
	}
}

func TestAPI_OversizedWebhookRejected(t *testing.T) {
	srv := startServer(t)
	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks",
		examplePlaybook(t, "http://127.0.0.1:1/notify"), http.StatusCreated, &saved)

	// The default limit is the step output limit, 1 MiB.
	body := []byte(`{"body":"` + strings.Repeat("x", 1<<20) + `"}`)
	resp := srv.do(t, http.MethodPost, saved.webhookPath(t), body, http.Header{"Authorization": {""}})
	if resp.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413; body %.300s", resp.Status, resp.Body)
	}
	if !strings.Contains(string(resp.Body), "1 MiB") {
		t.Errorf("body %s does not name the 1 MiB limit", resp.Body)
	}
	if runs := srv.do(t, http.MethodGet, "/api/v1/runs", nil, nil).Body; string(runs) != "[]\n" {
		t.Errorf("runs = %s, want none", runs)
	}
}

func hasProblem(e apiError, nodeAndField string) bool {
	for _, p := range e.Error.Problems {
		if p.NodeID+" "+p.Field == nodeAndField {
			return true
		}
	}
	return false
}

// webhookPath returns the path of the playbook's first webhook.
func (p savedPlaybook) webhookPath(t *testing.T) string {
	t.Helper()
	if len(p.Webhooks) == 0 {
		t.Fatal("playbook has no webhook")
	}
	_, path, ok := strings.Cut(strings.TrimPrefix(p.Webhooks[0].URL, "http://"), "/")
	if !ok {
		t.Fatalf("webhook URL %q has no path", p.Webhooks[0].URL)
	}
	return "/" + path
}
