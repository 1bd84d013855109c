package crowdstrike

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	hostA = "f4a1c9e2b3d4e5f6a7b8c9d0e1f2a3b4"
	hostB = "0123456789abcdef0123456789abcdef"
)

var testSecrets = map[string]string{secretClientID: "client", secretClientSecret: "secret"}

// fakeFalcon serves the CrowdStrike Falcon API OAuth2 token endpoint
// (POST /oauth2/token, form client credentials, 201 with access_token)
// and the hosts action "PerformActionV2" (POST
// /devices/entities/devices-actions/v2?action_name=, {"ids":[...]}, 202
// with resources and an errors array). hostB is unknown to it.
func fakeFalcon(t *testing.T, gotAction *string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth2/token":
			if r.ParseForm() != nil || r.PostForm.Get("client_id") != "client" || r.PostForm.Get("client_secret") != "secret" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"meta":{},"errors":[{"code":401,"message":"access denied, invalid client credentials"}]}`))
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"access_token":"falcon-token","token_type":"bearer","expires_in":1799}`))
		case "/devices/entities/devices-actions/v2":
			if r.Header.Get("Authorization") != "Bearer falcon-token" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":[{"code":401,"message":"access denied, authorization failed"}]}`))
				return
			}
			*gotAction = r.URL.Query().Get("action_name")
			body, _ := io.ReadAll(r.Body)
			var req struct {
				IDs []string `json:"ids"`
			}
			_ = json.Unmarshal(body, &req)
			serveAction(w, req.IDs)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

func serveAction(w http.ResponseWriter, ids []string) {
	var resources, errs []string
	for _, id := range ids {
		if id == hostB {
			errs = append(errs, `{"code":404,"message":"Device `+id+` not found"}`)
			continue
		}
		resources = append(resources, `{"id":"`+id+`","path":""}`)
	}
	if len(resources) == 0 {
		w.WriteHeader(http.StatusNotFound)
	} else {
		w.WriteHeader(http.StatusAccepted)
	}
	_, _ = w.Write([]byte(`{"meta":{"query_time":0.1},"resources":[` + strings.Join(resources, ",") + `],"errors":[` + strings.Join(errs, ",") + `]}`))
}

func TestRun_Contain(t *testing.T) {
	var gotAction string
	srv := fakeFalcon(t, &gotAction)
	defer srv.Close()
	m := vendortest.Manifest(t, "crowdstrike.contain")

	tests := []struct {
		name       string
		in         Input
		wantAction string
		wantIDs    []string
	}{
		{"contain one", Input{DeviceIDs: []string{hostA}}, "contain", []string{hostA}},
		{"lift partial", Input{DeviceIDs: []string{hostA, hostB}, Action: "lift_containment"}, "lift_containment", []string{hostA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.BaseURL = srv.URL
			vendortest.ValidateInput(t, m, tt.in)
			out, err := Run(sdk.NewTestContext(testSecrets), tt.in)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if gotAction != tt.wantAction || out.Action != tt.wantAction {
				t.Errorf("action sent %q, output %q, want %q", gotAction, out.Action, tt.wantAction)
			}
			if !reflect.DeepEqual(out.DeviceIDs, tt.wantIDs) {
				t.Errorf("device_ids = %v, want %v", out.DeviceIDs, tt.wantIDs)
			}
			vendortest.ValidateOutput(t, m, out)
		})
	}
}

func TestRun_Errors(t *testing.T) {
	var gotAction string
	srv := fakeFalcon(t, &gotAction)
	defer srv.Close()

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{name: "bad credentials", secrets: map[string]string{secretClientID: "client", secretClientSecret: "bad"},
			in: Input{DeviceIDs: []string{hostA}}, wantCode: "unauthorized",
			wantMsg: "unauthorized: crowdstrike: POST /oauth2/token returned status 401: access denied, invalid client credentials"},
		{name: "missing secret", secrets: map[string]string{secretClientID: "client"}, in: Input{DeviceIDs: []string{hostA}}, wantCode: "secret_unavailable"},
		{name: "unknown host", secrets: testSecrets, in: Input{DeviceIDs: []string{hostB}}, wantCode: "not_found",
			wantMsg: "not_found: crowdstrike: POST /devices/entities/devices-actions/v2 returned status 404: Device " + hostB + " not found"},
		{name: "no ids", secrets: testSecrets, in: Input{}, wantCode: "invalid_input"},
		{name: "bad id", secrets: testSecrets, in: Input{DeviceIDs: []string{"host-1"}}, wantCode: "invalid_input"},
		{name: "unknown action", secrets: testSecrets, in: Input{DeviceIDs: []string{hostA}, Action: "hide_host"}, wantCode: "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.BaseURL = srv.URL
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
	vendortest.CheckExamples(t, vendortest.Manifest(t, "crowdstrike.contain"))
}
