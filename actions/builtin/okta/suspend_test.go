package okta

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const testToken = "okta-test-token"

// fakeOkta serves "Suspend a user" of the Okta Management API (POST
// /api/v1/users/{id}/lifecycle/suspend): the SSWS token header, 200 with
// an empty body, and {"errorCode","errorSummary","errorCauses"} errors.
// It stores one ACTIVE user and one already SUSPENDED user.
func fakeOkta(t *testing.T) *httptest.Server {
	t.Helper()
	status := map[string]string{"j.doe@acme.example": "ACTIVE", "00u1ab2cd3EF4gh5IJ6k": "SUSPENDED"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/users/{id}/lifecycle/suspend", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "SSWS "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorCauses":[]}`))
			return
		}
		switch status[r.PathValue("id")] {
		case "ACTIVE":
			status[r.PathValue("id")] = "SUSPENDED"
			_, _ = w.Write([]byte(`{}`))
		case "":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: ` +
				r.PathValue("id") + ` (User)","errorCauses":[]}`))
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errorCode":"E0000001","errorSummary":"Api validation failed: suspend",` +
				`"errorCauses":[{"errorSummary":"Cannot suspend a user that is not active"}]}`))
		}
	})
	return httptest.NewServer(mux)
}

func TestRun_Suspend(t *testing.T) {
	srv := fakeOkta(t)
	defer srv.Close()
	m := vendortest.Manifest(t, "okta.user_suspend")

	in := Input{BaseURL: srv.URL, UserID: "j.doe@acme.example"}
	vendortest.ValidateInput(t, m, in)
	out, err := Run(sdk.NewTestContext(map[string]string{secretToken: testToken}), in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out != (Output{Suspended: true, UserID: "j.doe@acme.example"}) {
		t.Errorf("output = %+v", out)
	}
	vendortest.ValidateOutput(t, m, out)
}

func TestRun_Errors(t *testing.T) {
	srv := fakeOkta(t)
	defer srv.Close()
	good := map[string]string{secretToken: testToken}

	tests := []struct {
		name     string
		secrets  map[string]string
		user     string
		wantCode string
		wantMsg  string
	}{
		{name: "already suspended", secrets: good, user: "00u1ab2cd3EF4gh5IJ6k", wantCode: "invalid_input",
			wantMsg: "invalid_input: okta: POST /api/v1/users/00u1ab2cd3EF4gh5IJ6k/lifecycle/suspend returned status 400: " +
				"E0000001: Api validation failed: suspend; Cannot suspend a user that is not active"},
		{name: "unknown user", secrets: good, user: "nobody", wantCode: "not_found"},
		{name: "path characters escaped", secrets: good, user: "a/../b", wantCode: "not_found"},
		{name: "invalid token", secrets: map[string]string{secretToken: "bad"}, user: "j.doe@acme.example", wantCode: "unauthorized"},
		{name: "missing token", user: "j.doe@acme.example", wantCode: "secret_unavailable"},
		{name: "empty user", secrets: good, user: " ", wantCode: "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(sdk.NewTestContext(tt.secrets), Input{BaseURL: srv.URL, UserID: tt.user})
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
	vendortest.CheckExamples(t, vendortest.Manifest(t, "okta.user_suspend"))
}
