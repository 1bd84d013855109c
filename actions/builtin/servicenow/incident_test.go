package servicenow

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

var testSecrets = map[string]string{secretUser: "updraft", secretPassword: "pw"}

// fakeServiceNow serves the Table API's "Create a record" (ServiceNow
// REST API reference, Table - POST /now/table/{tableName}): basic
// authentication, 201 with {"result":{...}} and {"error":{"message",
// "detail"},"status":"failure"} on errors.
func fakeServiceNow(t *testing.T, got *map[string]string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/api/now/table/incident" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"message":"Requested URI does not represent any resource","detail":null},"status":"failure"}`))
			return
		}
		if r.Header.Get("Authorization") != vendorapi.BasicAuth("updraft", "pw") {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}`))
			return
		}
		if r.URL.Query().Get("sysparm_fields") != "sys_id,number" {
			t.Errorf("sysparm_fields = %q", r.URL.Query().Get("sysparm_fields"))
		}
		body, _ := io.ReadAll(r.Body)
		*got = nil
		if err := json.Unmarshal(body, got); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Location", "https://acme.service-now.com/api/now/table/incident/1c741bd70b2322007518478d83673af3")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"result":{"sys_id":"1c741bd70b2322007518478d83673af3","number":"INC0010042"}}`))
	}))
}

func TestRun_Create(t *testing.T) {
	var got map[string]string
	srv := fakeServiceNow(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "servicenow.incident_create")

	in := Input{BaseURL: srv.URL, ShortDescription: "Phishing report", Urgency: 1, Impact: 2,
		Category: "security", Fields: map[string]string{"contact_type": "email", "category": "overridden"}}
	vendortest.ValidateInput(t, m, in)
	out, err := Run(sdk.NewTestContext(testSecrets), in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := Output{SysID: "1c741bd70b2322007518478d83673af3", Number: "INC0010042",
		URL: srv.URL + "/nav_to.do?uri=incident.do%3Fsys_id%3D1c741bd70b2322007518478d83673af3"}
	if out != want {
		t.Errorf("output = %+v, want %+v", out, want)
	}
	vendortest.ValidateOutput(t, m, out)
	wantRecord := map[string]string{"short_description": "Phishing report", "urgency": "1", "impact": "2",
		"category": "security", "contact_type": "email"}
	if !reflect.DeepEqual(got, wantRecord) {
		t.Errorf("record = %v, want %v", got, wantRecord)
	}
}

func TestRun_Errors(t *testing.T) {
	var got map[string]string
	srv := fakeServiceNow(t, &got)
	defer srv.Close()

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{name: "wrong password", secrets: map[string]string{secretUser: "updraft", secretPassword: "bad"},
			in: Input{ShortDescription: "s"}, wantCode: "unauthorized",
			wantMsg: "unauthorized: servicenow: POST /api/now/table/incident returned status 401: " +
				"User Not Authenticated: Required to provide Auth information"},
		{name: "missing password", secrets: map[string]string{secretUser: "updraft"}, in: Input{ShortDescription: "s"}, wantCode: "secret_unavailable"},
		{name: "empty short description", secrets: testSecrets, in: Input{ShortDescription: " "}, wantCode: "invalid_input"},
		{name: "urgency out of range", secrets: testSecrets, in: Input{ShortDescription: "s", Urgency: 4}, wantCode: "invalid_input"},
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
	vendortest.CheckExamples(t, vendortest.Manifest(t, "servicenow.incident_create"))
}
