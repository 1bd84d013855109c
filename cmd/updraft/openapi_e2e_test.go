package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// reputationSecret is the bearer token of the fake reputation API. No
// response, output or event of Updraft may contain it.
const reputationSecret = "rep-token-c0ffee-5e3d"

const reputationSpec = `{
  "openapi": "3.1.0",
  "info": {"title": "Reputation", "version": "1.2.0"},
  "servers": [{"url": "https://rep.example/v1"}],
  "security": [{"token": []}],
  "paths": {"/ip/{ip}": {"get": {
    "operationId": "lookupIp",
    "parameters": [{"name": "ip", "in": "path", "required": true, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
      "type": "object", "required": ["score"],
      "properties": {"score": {"type": "integer"}, "auth": {"type": "string"}}}}}}}
  }}},
  "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}}
}`

// reputationAPI is a fake vendor API on 127.0.0.1 that echoes the
// Authorization header it received, as a careless API might.
type reputationAPI struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newReputationAPI(t *testing.T) *reputationAPI {
	t.Helper()
	api := &reputationAPI{}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		api.mu.Lock()
		api.auths = append(api.auths, auth)
		api.mu.Unlock()
		if auth != "Bearer "+reputationSecret {
			http.Error(w, `{"error": "unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"score": 87, "auth": auth, "path": r.URL.Path})
	}))
	t.Cleanup(api.Close)
	return api
}

// reputationPlaybook calls the generated action; grants is the JSON of the
// node's secrets setting.
func reputationPlaybook(ref, grants string) string {
	return `{
  "name": "IP reputation",
  "inputs": {"type": "object", "required": ["ip"], "properties": {"ip": {"type": "string"}}},
  "nodes": [
    {"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
    {"id": "lookup", "type": "action", "position": {"x": 200, "y": 0},
     "settings": {"action": "` + ref + `", "inputs": {"ip": "${{ inputs.ip }}"}, "secrets": ` + grants + `}},
    {"id": "done", "type": "end", "position": {"x": 400, "y": 0},
     "settings": {"output": {"score": "${{ steps.lookup.output.body.score }}"}}}
  ],
  "edges": [{"from": "start", "port": "success", "to": "lookup"},
            {"from": "lookup", "port": "success", "to": "done"}]
}`
}

func TestE2E_OpenAPIActionWithGrantedSecret(t *testing.T) {
	api := newReputationAPI(t)
	srv := startServer(t)
	srv.mustDo(t, http.MethodPut, "/api/v1/secrets/rep_token",
		[]byte(`{"value": "`+reputationSecret+`"}`), http.StatusCreated, nil)

	generate, _ := json.Marshal(map[string]any{
		"spec": reputationSpec, "operations": []string{"lookupIp"},
		"server": api.URL + "/v1", "publish": true,
	})
	var generated struct {
		Actions []struct {
			Manifest  struct{ Name, Version string } `json:"manifest"`
			Published bool                           `json:"published"`
		} `json:"actions"`
	}
	srv.mustDo(t, http.MethodPost, "/api/v1/actions/from-openapi", generate, http.StatusOK, &generated)
	if len(generated.Actions) != 1 || !generated.Actions[0].Published {
		t.Fatalf("generated %+v, want one published action", generated.Actions)
	}
	ref := generated.Actions[0].Manifest.Name + "@" + generated.Actions[0].Manifest.Version
	if ref != "openapi.reputation.lookup_ip@1.2.0" {
		t.Errorf("ref = %q, want openapi.reputation.lookup_ip@1.2.0", ref)
	}

	t.Run("granted", func(t *testing.T) {
		run := startRun(t, srv, reputationPlaybook(ref, `{"token": "rep_token"}`), runtime.RunSucceeded)
		if string(run.Output) != `{"score":87}` {
			t.Errorf("run output = %s, want {\"score\":87}", run.Output)
		}
		var lookup runtime.Step
		for _, s := range run.Steps {
			if s.NodeID == "lookup" {
				lookup = s
			}
		}
		var out struct {
			Status int `json:"status"`
			Body   struct {
				Auth string `json:"auth"`
				Path string `json:"path"`
			} `json:"body"`
		}
		if err := json.Unmarshal(lookup.Output, &out); err != nil {
			t.Fatalf("lookup output %s: %v", lookup.Output, err)
		}
		if out.Status != 200 || out.Body.Path != "/v1/ip/203.0.113.9" {
			t.Errorf("lookup output = %s, want status 200 and path /v1/ip/203.0.113.9", lookup.Output)
		}
		if out.Body.Auth != "Bearer [redacted]" {
			t.Errorf("echoed auth = %q, want the secret redacted", out.Body.Auth)
		}
		if got := api.lastAuth(); got != "Bearer "+reputationSecret {
			t.Errorf("the API received Authorization %q, want the granted secret", got)
		}
	})

	t.Run("not granted", func(t *testing.T) {
		before := api.calls()
		run := startRun(t, srv, reputationPlaybook(ref, `{}`), runtime.RunFailed)
		for _, s := range run.Steps {
			if s.NodeID == "lookup" && (s.Error == nil || s.Error.Code != "secret_unavailable") {
				t.Errorf("lookup error = %+v, want code secret_unavailable", s.Error)
			}
		}
		if after := api.calls(); after != before {
			t.Errorf("the API got %d calls from a step without the grant, want none", after-before)
		}
	})

	t.Run("undeclared grant rejected at save", func(t *testing.T) {
		resp := srv.do(t, http.MethodPost, "/api/v1/playbooks",
			[]byte(reputationPlaybook(ref, `{"api_key": "rep_token"}`)), nil)
		if resp.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(resp.Body), `does not declare the secret \"api_key\"`) {
			t.Errorf("save: status %d body %s, want 422 naming api_key", resp.Status, resp.Body)
		}
	})
}

// startRun saves a playbook, runs it with ip 203.0.113.9, waits for it to
// finish with status want and returns it. It fails when the run, its steps
// or its events contain reputationSecret.
func startRun(t *testing.T, srv *testServer, playbook string, want runtime.RunStatus) runWithSteps {
	t.Helper()
	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", []byte(playbook), http.StatusCreated, &saved)
	var started struct {
		RunID string `json:"run_id"`
	}
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs",
		[]byte(`{"ip": "203.0.113.9"}`), http.StatusAccepted, &started)
	events := srv.followRun(t, started.RunID, 0)
	checkRunFinished(t, events, want)

	raw, _ := json.Marshal(events)
	if strings.Contains(string(raw), reputationSecret) {
		t.Errorf("run events contain the secret: %s", raw)
	}
	resp := srv.do(t, http.MethodGet, "/api/v1/runs/"+started.RunID, nil, nil)
	if strings.Contains(string(resp.Body), reputationSecret) {
		t.Errorf("run response contains the secret: %s", resp.Body)
	}
	var run runWithSteps
	if err := json.Unmarshal(resp.Body, &run); err != nil {
		t.Fatal(err)
	}
	return run
}

func (a *reputationAPI) lastAuth() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.auths) == 0 {
		return ""
	}
	return a.auths[len(a.auths)-1]
}

func (a *reputationAPI) calls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.auths)
}

func TestCLI_ActionFromOpenAPI(t *testing.T) {
	srv := startServer(t)
	spec := t.TempDir() + "/reputation.json"
	if err := os.WriteFile(spec, []byte(reputationSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"action", "from-openapi", spec, "--operation", "lookupIp",
		"--server", "http://127.0.0.1:9/v1", "--updraft", srv.URL, "--token", srv.Token}

	tests := []struct {
		name       string
		extra      []string
		wantStatus int
		wantOut    string
	}{
		{"preview", nil, 0, `"name": "openapi.reputation.lookup_ip"`},
		{"publish", []string{"--publish"}, 0,
			"published openapi.reputation.lookup_ip@1.2.0 (hosts 127.0.0.1:9; secrets token)"},
		{"publish again", []string{"--publish"}, 0, "already published openapi.reputation.lookup_ip@1.2.0"},
		{"unknown operation", []string{"--operation", "nope"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			status := runCLI(append(slices.Clone(base), tt.extra...), &stdout, &stderr)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; stderr %s", status, tt.wantStatus, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.wantOut)
			}
		})
	}
}
