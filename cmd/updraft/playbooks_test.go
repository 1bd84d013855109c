package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

func TestAPI_PlaybookVersions(t *testing.T) {
	srv := startServer(t)
	example := examplePlaybook(t, "http://127.0.0.1:1/notify")

	var v1 savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", example, http.StatusCreated, &v1)
	edited := strings.Replace(string(example), `{`, `{"version": 1,`, 1)
	edited = strings.Replace(edited, `"Phishing triage"`, `"Phishing triage v2"`, 1)

	var v2 savedPlaybook
	srv.mustDo(t, http.MethodPut, "/api/v1/playbooks/"+v1.ID, []byte(edited), http.StatusOK, &v2)
	if v2.ID != v1.ID || v2.Version != 2 {
		t.Errorf("after PUT: id %q version %d, want %q version 2", v2.ID, v2.Version, v1.ID)
	}
	if len(v2.Webhooks) != 1 || v2.Webhooks[0].URL != v1.Webhooks[0].URL {
		t.Errorf("webhooks after PUT = %+v, want the same URL as version 1 %+v", v2.Webhooks, v1.Webhooks)
	}

	var latest, first struct {
		savedPlaybook
		Name string `json:"name"`
	}
	srv.mustDo(t, http.MethodGet, "/api/v1/playbooks/"+v1.ID, nil, http.StatusOK, &latest)
	if latest.Version != 2 || latest.Name != "Phishing triage v2" {
		t.Errorf("latest = version %d %q, want version 2 %q", latest.Version, latest.Name, "Phishing triage v2")
	}
	srv.mustDo(t, http.MethodGet, "/api/v1/playbooks/"+v1.ID+"?version=1", nil, http.StatusOK, &first)
	if first.Version != 1 || first.Name != "Phishing triage" {
		t.Errorf("version 1 = version %d %q, want version 1 %q", first.Version, first.Name, "Phishing triage")
	}

	// A second edit based on version 1 conflicts with version 2.
	resp := srv.do(t, http.MethodPut, "/api/v1/playbooks/"+v1.ID, []byte(edited), nil)
	if resp.Status != http.StatusConflict {
		t.Errorf("stale PUT: status %d, want 409; body %s", resp.Status, resp.Body)
	}

	var list []savedPlaybook
	srv.mustDo(t, http.MethodGet, "/api/v1/playbooks", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Version != 2 {
		t.Errorf("playbook list = %+v, want one playbook at version 2", list)
	}
}

// manualPlaybook needs an "ip" input and echoes it as its output.
const manualPlaybook = `{
  "name": "Echo an IP",
  "inputs": {"type": "object", "required": ["ip"], "properties": {"ip": {"type": "string", "format": "ipv4"}}},
  "nodes": [
    {"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
    {"id": "done", "type": "end", "position": {"x": 200, "y": 0},
     "settings": {"output": {"ip": "${{ inputs.ip }}"}}}
  ],
  "edges": [{"from": "start", "port": "success", "to": "done"}]
}`

func TestAPI_ManualRunInputs(t *testing.T) {
	srv := startServer(t)
	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", []byte(manualPlaybook), http.StatusCreated, &saved)
	runsPath := "/api/v1/playbooks/" + saved.ID + "/runs"

	cases := []struct {
		name        string
		inputs      string
		wantMessage string
	}{
		{"missing input", `{}`, "ip"},
		{"invalid format", `{"ip": "not-an-ip"}`, "/ip"},
		{"empty body", ``, "ip"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := srv.do(t, http.MethodPost, runsPath, []byte(tc.inputs), nil)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422; body %s", resp.Status, resp.Body)
			}
			var apiErr apiError
			if err := json.Unmarshal(resp.Body, &apiErr); err != nil {
				t.Fatal(err)
			}
			if apiErr.Error.Code != "invalid_inputs" {
				t.Errorf("code = %q, want invalid_inputs", apiErr.Error.Code)
			}
			if !strings.Contains(apiErr.Error.Message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", apiErr.Error.Message, tc.wantMessage)
			}
		})
	}

	var started struct {
		RunID string `json:"run_id"`
	}
	srv.mustDo(t, http.MethodPost, runsPath, []byte(`{"ip": "203.0.113.9"}`), http.StatusAccepted, &started)
	events := srv.followRun(t, started.RunID, 0)
	checkRunFinished(t, events, runtime.RunSucceeded)

	var run runWithSteps
	srv.mustDo(t, http.MethodGet, "/api/v1/runs/"+started.RunID, nil, http.StatusOK, &run)
	if string(run.Output) != `{"ip":"203.0.113.9"}` {
		t.Errorf("run output = %s, want {\"ip\":\"203.0.113.9\"}", run.Output)
	}
	var runs []runtime.Run
	srv.mustDo(t, http.MethodGet, "/api/v1/runs?playbook_id="+saved.ID, nil, http.StatusOK, &runs)
	if len(runs) != 1 || runs[0].ID != started.RunID {
		t.Errorf("runs of the playbook = %+v, want only %s", runs, started.RunID)
	}
}
