package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/designer"
)

// pinPlaybook calls the action ref from a manual trigger.
func pinPlaybook(ref string) []byte {
	return rangedPlaybook(ref, "")
}

// rangedPlaybook is pinPlaybook with settings.range set to rng, as the
// editor sends back a saved playbook.
func rangedPlaybook(ref, rng string) []byte {
	return []byte(`{
  "name": "Pin test",
  "nodes": [
    {"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
    {"id": "call", "type": "action", "position": {"x": 200, "y": 0},
     "settings": {"action": "` + ref + `", "range": "` + rng + `", "inputs": {"note": "kept"}}},
    {"id": "done", "type": "end", "position": {"x": 400, "y": 0}}
  ],
  "edges": [
    {"from": "start", "port": "success", "to": "call"},
    {"from": "call", "port": "success", "to": "done"}
  ]
}`)
}

// savedActionSettings returns the settings of node "call" in a playbook
// response.
func savedActionSettings(t *testing.T, body []byte) designer.ActionSettings {
	t.Helper()
	var p designer.Playbook
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	for i := range p.Nodes {
		if p.Nodes[i].ID == "call" {
			s, err := designer.DecodeSettings[designer.ActionSettings](&p.Nodes[i])
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Fatalf("no node call in %s", body)
	return designer.ActionSettings{}
}

func (s *testServer) publishVersion(t *testing.T, name, version string) {
	t.Helper()
	resp := s.publish(t, testManifest(name, version), minimalModule(name+version), "")
	if resp.Status != http.StatusCreated {
		t.Fatalf("publish %s@%s: status %d; body %s", name, version, resp.Status, resp.Body)
	}
}

func TestPlaybookSave_ResolvesActionRange(t *testing.T) {
	srv := startServer(t)
	srv.publishVersion(t, "test.pin", "1.0.0")
	srv.publishVersion(t, "test.pin", "1.1.0")
	srv.publishVersion(t, "test.pin", "2.0.0")

	resp := srv.do(t, http.MethodPost, "/api/v1/playbooks", pinPlaybook("test.pin@^1"), nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("save: status %d; body %s", resp.Status, resp.Body)
	}
	settings := savedActionSettings(t, resp.Body)
	if settings.Action != "test.pin@1.1.0" || settings.Range != "^1" {
		t.Errorf("saved action %q range %q, want test.pin@1.1.0 and ^1", settings.Action, settings.Range)
	}
	if settings.Inputs["note"] != "kept" {
		t.Errorf("inputs = %v, want note kept", settings.Inputs)
	}
	var saved savedPlaybook
	if err := json.Unmarshal(resp.Body, &saved); err != nil {
		t.Fatal(err)
	}

	// A new version does not change the stored playbook version, and the
	// next save picks it up.
	srv.publishVersion(t, "test.pin", "1.2.0")
	stored := srv.do(t, http.MethodGet, "/api/v1/playbooks/"+saved.ID+"?version=1", nil, nil)
	if got := savedActionSettings(t, stored.Body).Action; got != "test.pin@1.1.0" {
		t.Errorf("stored version 1 now pins %s, want test.pin@1.1.0", got)
	}
	resaved := srv.do(t, http.MethodPut, "/api/v1/playbooks/"+saved.ID,
		rangedPlaybook("test.pin@1.1.0", "^1"), nil)
	if resaved.Status != http.StatusOK {
		t.Fatalf("resave: status %d; body %s", resaved.Status, resaved.Body)
	}
	if got := savedActionSettings(t, resaved.Body).Action; got != "test.pin@1.2.0" {
		t.Errorf("resave pins %s, want test.pin@1.2.0", got)
	}

	// A deprecated version is skipped by the range.
	srv.mustDo(t, http.MethodPost, "/api/v1/actions/test.pin/1.2.0/deprecate",
		[]byte(`{"message": "wrong output"}`), http.StatusOK, nil)
	again := srv.do(t, http.MethodPost, "/api/v1/playbooks", pinPlaybook("test.pin@~1.2"), nil)
	if again.Status != http.StatusUnprocessableEntity {
		t.Fatalf("~1.2 with 1.2.0 deprecated: status %d, want 422; body %s", again.Status, again.Body)
	}
	var e apiError
	if err := json.Unmarshal(again.Body, &e); err != nil {
		t.Fatal(err)
	}
	if !hasProblem(e, "call settings.action") {
		t.Errorf("problems %+v do not name node call, field settings.action", e.Error.Problems)
	}
	if !strings.Contains(string(again.Body), "deprecated") {
		t.Errorf("body %s does not say that the matching version is deprecated", again.Body)
	}
	latest := srv.do(t, http.MethodPost, "/api/v1/playbooks", pinPlaybook("test.pin@latest"), nil)
	if got := savedActionSettings(t, latest.Body).Action; got != "test.pin@2.0.0" {
		t.Errorf("latest pins %s, want test.pin@2.0.0", got)
	}
}

func TestPlaybookSave_WarnsOnDeprecatedPin(t *testing.T) {
	srv := startServer(t)
	srv.publishVersion(t, "test.old", "1.0.0")
	srv.mustDo(t, http.MethodPost, "/api/v1/actions/test.old/1.0.0/deprecate",
		[]byte(`{"message": "use test.new"}`), http.StatusOK, nil)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v1/playbooks",
		bytes.NewReader(pinPlaybook("test.old@1.0.0")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", resp.StatusCode, body)
	}
	if got := savedActionSettings(t, body); got.Action != "test.old@1.0.0" || got.Range != "" {
		t.Errorf("saved %+v, want the exact pin kept without a range", got)
	}
	warning := resp.Header.Get("Warning")
	if !strings.Contains(warning, "test.old@1.0.0 is deprecated: use test.new") {
		t.Errorf("Warning header = %q, want the deprecation message", warning)
	}
}

func TestPlaybookSave_RejectsUnknownRange(t *testing.T) {
	srv := startServer(t)
	srv.publishVersion(t, "test.pin", "1.0.0")
	resp := srv.do(t, http.MethodPost, "/api/v1/playbooks", pinPlaybook("test.pin@^2"), nil)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422; body %s", resp.Status, resp.Body)
	}
	var e apiError
	if err := json.Unmarshal(resp.Body, &e); err != nil {
		t.Fatal(err)
	}
	if e.Error.Code != "invalid_playbook" {
		t.Errorf("code = %q, want invalid_playbook", e.Error.Code)
	}
	if !hasProblem(e, "call settings.action") {
		t.Errorf("problems %+v do not name node call, field settings.action", e.Error.Problems)
	}
}
