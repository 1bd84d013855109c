package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// webhookPlaybook is a webhook trigger and an end node.
const webhookPlaybook = `{"name": "Alert intake", "nodes": [
	{"id": "hook", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "webhook"}},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0}}],
 "edges": [{"from": "hook", "port": "success", "to": "done"}]}`

// manualPlaybook is a manual trigger and an end node.
const manualPlaybook = `{"name": "Manual", "nodes": [
	{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0}}],
 "edges": [{"from": "start", "port": "success", "to": "done"}]}`

type savedTestPlaybook struct {
	ID       string
	Webhooks []webhookURL
}

// hookPath returns the path of the playbook's first webhook URL.
func (p savedTestPlaybook) hookPath(t *testing.T) string {
	t.Helper()
	if len(p.Webhooks) == 0 {
		t.Fatal("playbook has no webhook")
	}
	_, path, _ := strings.Cut(strings.TrimPrefix(p.Webhooks[0].URL, "http://"), "/")
	return "/" + path
}

func TestRequests_RejectedWithFieldNames(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	var hook, manual savedTestPlaybook
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", webhookPlaybook, http.StatusCreated, &hook)
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", manualPlaybook, http.StatusCreated, &manual)
	hookPath, runsPath := hook.hookPath(t), "/api/v1/playbooks/"+manual.ID+"/runs"

	deep := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	wrongKind := strings.Replace(manualPlaybook, `{"kind": "manual"}`, `{"kind": 5}`, 1)
	badTime := strings.Replace(manualPlaybook, `{"name": "Manual",`, `{"name": "Manual", "created_at": "soon",`, 1)
	overLimit := `{"x": "` + strings.Repeat("a", DefaultMaxWebhookBody) + `"}`

	cases := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string
		wantText                 string // in the message
	}{
		{"playbook null", http.MethodPost, "/api/v1/playbooks", `null`,
			http.StatusBadRequest, codeInvalidJSON, "playbook: expected a JSON object, got null"},
		{"playbook array", http.MethodPost, "/api/v1/playbooks", `[]`,
			http.StatusBadRequest, codeInvalidJSON, "playbook: expected a JSON object, got an array"},
		{"playbook settings wrong type", http.MethodPost, "/api/v1/playbooks", wrongKind,
			http.StatusBadRequest, codeInvalidJSON, `node "start": settings.kind: expected a string`},
		{"playbook created_at garbage", http.MethodPost, "/api/v1/playbooks", badTime,
			http.StatusBadRequest, codeInvalidJSON, "created_at: expected an RFC 3339 timestamp"},
		{"playbook duplicate key", http.MethodPost, "/api/v1/playbooks", `{"name": "a", "name": "b"}`,
			http.StatusBadRequest, codeInvalidJSON, `duplicate key "name"`},
		{"playbook nested deep", http.MethodPost, "/api/v1/playbooks", deep,
			http.StatusBadRequest, codeInvalidJSON, "nested deeper than 1000 levels"},
		{"inputs duplicate key", http.MethodPost, runsPath, `{"n": 3, "n": 99}`,
			http.StatusBadRequest, codeInvalidJSON, `run inputs: duplicate key "n"`},
		{"inputs number out of range", http.MethodPost, runsPath, `{"n": 1e400}`,
			http.StatusBadRequest, codeInvalidJSON, "run inputs: n: number 1e400 is out of range"},
		{"webhook duplicate key", http.MethodPost, hookPath, `{"n": 3, "n": 99}`,
			http.StatusBadRequest, codeInvalidJSON, `duplicate key "n"`},
		{"webhook over limit", http.MethodPost, hookPath, overLimit,
			http.StatusRequestEntityTooLarge, codeBodyTooLarge, "1 MiB"},
		{"webhook form over limit as JSON", http.MethodPost, hookPath + "?form", "",
			http.StatusRequestEntityTooLarge, codeBodyTooLarge, "once converted to JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp apiResponse
			if strings.HasSuffix(tc.path, "?form") {
				resp = postForm(t, ts.URL+strings.TrimSuffix(tc.path, "?form"))
			} else {
				resp = callAPI(t, ts, token, tc.method, tc.path, tc.body)
			}
			if resp.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %.300s", resp.Status, tc.wantStatus, resp.Body)
			}
			e := resp.decodeError(t)
			if e.Error.Code != tc.wantCode {
				t.Errorf("code = %q, want %q", e.Error.Code, tc.wantCode)
			}
			if !strings.Contains(e.Error.Message, tc.wantText) {
				t.Errorf("message = %q, want it to contain %q", e.Error.Message, tc.wantText)
			}
			if n := len(e.Error.Message); n > maxMessageBytes+len("…") {
				t.Errorf("message is %d bytes long, want at most %d", n, maxMessageBytes)
			}
			if strings.Contains(e.Error.Message, "invalid playbook: invalid JSON") {
				t.Errorf("message %q repeats prefixes", e.Error.Message)
			}
		})
	}
}

// postForm posts a form body of 900 KiB of escaped NUL bytes, which is
// under the webhook limit but grows to over 1 MiB as the JSON string
// "\u0000...".
func postForm(t *testing.T, url string) apiResponse {
	t.Helper()
	body := "x=" + strings.Repeat("%00", 900<<10/3)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return apiResponse{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()}
}

func TestWebhook_LoneSurrogateReplaced(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	var hook savedTestPlaybook
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", webhookPlaybook, http.StatusCreated, &hook)

	body := "\xEF\xBB\xBF" + `{"user": "a\ud800b", "emoji": "\ud83d\ude00"}`
	var started startedResponse
	mustCall(t, ts, "", http.MethodPost, hook.hookPath(t), body, http.StatusAccepted, &started)
	run := waitRunStatus(t, ts, token, started.RunID, runtime.RunSucceeded)

	var trigger struct{ User, Emoji string }
	if err := json.Unmarshal(run.Trigger, &trigger); err != nil {
		t.Fatal(err)
	}
	if trigger.User != "a\uFFFDb" {
		t.Errorf("user = %q, want %q", trigger.User, "a\uFFFDb")
	}
	if trigger.Emoji != "\U0001F600" {
		t.Errorf("emoji = %q, want %q", trigger.Emoji, "\U0001F600")
	}
	if bytes.Contains(run.Trigger, []byte(`\ud800`)) {
		t.Errorf("trigger %s keeps the lone surrogate escape", run.Trigger)
	}
}

func TestPlaybooks_BOMAccepted(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", "\xEF\xBB\xBF"+manualPlaybook,
		http.StatusCreated, nil)
}

func TestPlaybooks_SubplaybookTargetChecked(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	var child savedTestPlaybook
	mustCall(t, ts, token, http.MethodPost, "/api/v1/playbooks", manualPlaybook, http.StatusCreated, &child)

	parent := func(settings string) string {
		return `{"name": "Parent", "nodes": [
	{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
	{"id": "child", "type": "subplaybook", "position": {"x": 0, "y": 0}, "settings": ` + settings + `},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0}}],
 "edges": [{"from": "start", "port": "success", "to": "child"},
	{"from": "child", "port": "success", "to": "done"}]}`
	}
	cases := []struct {
		name, settings string
		wantStatus     int
		wantField      string
	}{
		{"unknown playbook", `{"playbook": "no-such-playbook"}`, http.StatusUnprocessableEntity,
			"settings.playbook"},
		{"unknown version", `{"playbook": "` + child.ID + `", "version": 9}`,
			http.StatusUnprocessableEntity, "settings.version"},
		{"latest version", `{"playbook": "` + child.ID + `"}`, http.StatusCreated, ""},
		{"pinned version", `{"playbook": "` + child.ID + `", "version": 1}`, http.StatusCreated, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := callAPI(t, ts, token, http.MethodPost, "/api/v1/playbooks", parent(tc.settings))
			if resp.Status != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %.400s", resp.Status, tc.wantStatus, resp.Body)
			}
			if tc.wantField == "" {
				return
			}
			e := resp.decodeError(t)
			found := false
			for _, p := range e.Error.Problems {
				found = found || (p.NodeID == "child" && p.Field == tc.wantField)
			}
			if !found {
				t.Errorf("problems = %+v, want one on node child field %s", e.Error.Problems, tc.wantField)
			}
		})
	}
}

func TestRoutes_MethodsAndHead(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	cases := []struct {
		name, method, path string
		wantStatus         int
		wantAllow          string
	}{
		{"webhook GET", http.MethodGet, "/hooks/some-token", http.StatusMethodNotAllowed, "POST"},
		{"webhook PUT", http.MethodPut, "/hooks/some-token", http.StatusMethodNotAllowed, "POST"},
		{"healthz HEAD", http.MethodHead, "/healthz", http.StatusOK, ""},
		{"healthz POST", http.MethodPost, "/healthz", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"api HEAD", http.MethodHead, "/api/v1/runs", http.StatusOK, ""},
		{"playbook DELETE", http.MethodDelete, "/api/v1/playbooks/x", http.StatusMethodNotAllowed,
			"GET, HEAD, PUT"},
		{"unknown api path", http.MethodGet, "/api/v1/nothing", http.StatusNotFound, ""},
		{"unknown api path HEAD", http.MethodHead, "/api/v1/nothing", http.StatusNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := callAPI(t, ts, token, tc.method, tc.path, "")
			if resp.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.Status, tc.wantStatus, resp.Body)
			}
			if got := resp.Header.Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if tc.method == http.MethodHead {
				if len(resp.Body) != 0 {
					t.Errorf("HEAD response has a body: %q", resp.Body)
				}
				return
			}
			if resp.Status >= 400 {
				resp.decodeError(t)
			}
		})
	}
}

// failingRunStore fails GetRun the way the embedded database reports an
// internal failure.
type failingRunStore struct{ Store }

func (failingRunStore) GetRun(context.Context, string) (*runtime.Run, error) {
	return nil, errors.New("(InternalError) [msg_update.go:133 handlers.MsgUpdate] database is locked")
}

func TestErrors_StoreFailureHidden(t *testing.T) {
	logs := &bytes.Buffer{}
	ts := newTestServer(t, func(cfg *Config) {
		cfg.Store = failingRunStore{Store: testStore}
		cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	token := insertToken(t)

	resp := callAPI(t, ts, token, http.MethodGet, "/api/v1/runs/some-run", "")
	if resp.Status != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500; body %s", resp.Status, resp.Body)
	}
	e := resp.decodeError(t)
	if strings.Contains(string(resp.Body), "msg_update") || strings.Contains(string(resp.Body), "InternalError") {
		t.Errorf("response %s shows the store error", resp.Body)
	}
	if e.Error.RequestID == "" || !strings.Contains(e.Error.Message, e.Error.RequestID) {
		t.Errorf("message %q does not name the request id %q", e.Error.Message, e.Error.RequestID)
	}
	if !strings.Contains(logs.String(), "msg_update.go:133") || !strings.Contains(logs.String(), e.Error.RequestID) {
		t.Errorf("log lacks the cause under the request id:\n%s", logs)
	}
}
