package jira

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

var testSecrets = map[string]string{secretEmail: "soc@acme.example", secretToken: "jira-token"}

// fakeJira serves "Create issue" of the Jira Cloud platform REST API v3
// (POST /rest/api/3/issue): basic authentication, a {"fields":{...}} body,
// 201 with {"id","key","self"} and {"errorMessages","errors"} on 400.
func fakeJira(t *testing.T, got *map[string]any) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/rest/api/3/issue" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != vendorapi.BasicAuth("soc@acme.example", "jira-token") {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`))
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Fields map[string]any `json:"fields"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		*got = req.Fields
		if project, _ := req.Fields["project"].(map[string]any); project["key"] != "SOC" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errorMessages":[],"errors":{"project":"valid project is required","issuetype":"valid issue type is required"}}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"10042","key":"SOC-42","self":"` + srv.URL + `/rest/api/3/issue/10042"}`))
	}))
	return srv
}

func TestRun_Create(t *testing.T) {
	var got map[string]any
	srv := fakeJira(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "jira.issue_create")

	in := Input{BaseURL: srv.URL + "/", ProjectKey: "SOC", Summary: "Phishing report",
		Description: "Reported by j.doe.\nSee attachment.\n\nBlocked 203.0.113.9.",
		Labels:      []string{"phishing"}, Priority: "High"}
	vendortest.ValidateInput(t, m, in)
	out, err := Run(sdk.NewTestContext(testSecrets), in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := Output{ID: "10042", Key: "SOC-42", Self: srv.URL + "/rest/api/3/issue/10042", URL: srv.URL + "/browse/SOC-42"}
	if out != want {
		t.Errorf("output = %+v, want %+v", out, want)
	}
	vendortest.ValidateOutput(t, m, out)

	if got["issuetype"].(map[string]any)["name"] != "Task" {
		t.Errorf("issuetype = %v, want the default Task", got["issuetype"])
	}
	if got["priority"].(map[string]any)["name"] != "High" {
		t.Errorf("priority = %v", got["priority"])
	}
	desc, _ := json.Marshal(got["description"])
	wantDesc := `{"content":[{"content":[{"text":"Reported by j.doe.","type":"text"},{"type":"hardBreak"},` +
		`{"text":"See attachment.","type":"text"}],"type":"paragraph"},` +
		`{"content":[{"text":"Blocked 203.0.113.9.","type":"text"}],"type":"paragraph"}],"type":"doc","version":1}`
	if string(desc) != wantDesc {
		t.Errorf("description = %s\nwant %s", desc, wantDesc)
	}
}

func TestADF_SkipsEmptyText(t *testing.T) {
	got := ADF("a\n\n\n\nb\r\n\r\nc\n\nd")
	var texts []string
	for _, p := range got["content"].([]any) {
		for _, n := range p.(map[string]any)["content"].([]any) {
			node := n.(map[string]any)
			if node["type"] == "text" {
				texts = append(texts, node["text"].(string))
			}
		}
	}
	if !reflect.DeepEqual(texts, []string{"a", "b", "c", "d"}) {
		t.Errorf("texts = %q", texts)
	}
}

func TestRun_Errors(t *testing.T) {
	var got map[string]any
	srv := fakeJira(t, &got)
	defer srv.Close()

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
		wantMsg  string
		noBase   bool // leaves base_url empty
	}{
		{name: "bad project", secrets: testSecrets, in: Input{ProjectKey: "NOPE", Summary: "s"}, wantCode: "invalid_input",
			wantMsg: "invalid_input: jira: POST /rest/api/3/issue returned status 400: " +
				"issuetype: valid issue type is required; project: valid project is required"},
		{name: "wrong token", secrets: map[string]string{secretEmail: "soc@acme.example", secretToken: "bad"},
			in: Input{ProjectKey: "SOC", Summary: "s"}, wantCode: "unauthorized"},
		{name: "missing token", secrets: map[string]string{secretEmail: "soc@acme.example"},
			in: Input{ProjectKey: "SOC", Summary: "s"}, wantCode: "secret_unavailable"},
		{name: "empty summary", secrets: testSecrets, in: Input{ProjectKey: "SOC"}, wantCode: "invalid_input"},
		{name: "two-line summary", secrets: testSecrets, in: Input{ProjectKey: "SOC", Summary: "a\nb"}, wantCode: "invalid_input"},
		{name: "label with space", secrets: testSecrets,
			in: Input{ProjectKey: "SOC", Summary: "s", Labels: []string{"a b"}}, wantCode: "invalid_input"},
		{name: "missing base url", secrets: testSecrets, in: Input{ProjectKey: "SOC", Summary: "s"}, wantCode: "invalid_input", noBase: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.noBase {
				tt.in.BaseURL = srv.URL
			}
			_, err := Run(sdk.NewTestContext(tt.secrets), tt.in)
			if code := vendortest.ErrorCode(t, err); code != tt.wantCode {
				t.Errorf("error = %v, want code %q", err, tt.wantCode)
			}
			if tt.wantMsg != "" && (err == nil || err.Error() != tt.wantMsg) {
				t.Errorf("error = %v, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestManifest(t *testing.T) {
	vendortest.CheckExamples(t, vendortest.Manifest(t, "jira.issue_create"))
}
