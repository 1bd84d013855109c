package thehive

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const testKey = "thehive-test-key"

// fakeTheHive serves "Create alert" of the TheHive 5 API (POST
// /api/v1/alert): Bearer API key, an InputAlert body, 201 with the
// OutputAlert and {"type","message"} errors. A second alert with the same
// type, source and sourceRef is rejected with 400.
func fakeTheHive(t *testing.T, got *alert) *httptest.Server {
	t.Helper()
	refs := map[string]bool{}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/alert" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"AuthenticationError","message":"Authentication failure"}`))
			return
		}
		body, _ := io.ReadAll(r.Body)
		*got = alert{}
		if err := json.Unmarshal(body, got); err != nil || got.Title == "" || got.Description == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"type":"BadRequest","message":"Invalid alert"}`))
			return
		}
		key := got.Type + "|" + got.Source + "|" + got.SourceRef
		if refs[key] {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"type":"CreateError","message":"Alert already exists"}`))
			return
		}
		refs[key] = true
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"_id":"~41160","_type":"Alert","_createdBy":"updraft@acme.example","type":"` + got.Type +
			`","source":"` + got.Source + `","sourceRef":"` + got.SourceRef + `","title":"t","description":"d",` +
			`"severity":2,"tlp":2,"pap":2,"status":"New","observableCount":` + itoa(len(got.Observables)) + `}`))
	}))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestRun_Create(t *testing.T) {
	var got alert
	srv := fakeTheHive(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "thehive.alert_create")
	ctx := sdk.NewTestContext(map[string]string{secretAPIKey: testKey})
	ctx.IdempotencyKey = "s_9/1"

	three := 3
	in := Input{BaseURL: srv.URL, Title: "Phishing", Description: "Reported by j.doe.", Severity: &three,
		Indicators: []Indicator{
			{Type: "ipv4", Value: "203.0.113.9"}, {Type: "sha256", Value: "ab12"},
			{Type: "email", Value: "a@b.example"}, {Type: "ipv4", Value: "203.0.113.9"},
		}}
	vendortest.ValidateInput(t, m, in)
	out, err := Run(ctx, in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := Output{ID: "~41160", SourceRef: "s_9/1", Status: "New", Observables: 3, URL: srv.URL + "/alerts/~41160/details"}
	if out != want {
		t.Errorf("output = %+v, want %+v", out, want)
	}
	vendortest.ValidateOutput(t, m, out)
	wantObs := []observable{{"ip", "203.0.113.9"}, {"hash", "ab12"}, {"mail", "a@b.example"}}
	if !reflect.DeepEqual(got.Observables, wantObs) {
		t.Errorf("observables = %v, want %v", got.Observables, wantObs)
	}
	if got.Type != "updraft" || got.Source != "Updraft" || got.Severity == nil || *got.Severity != 3 || got.TLP != nil {
		t.Errorf("sent type %q, source %q, severity %v, tlp %v", got.Type, got.Source, got.Severity, got.TLP)
	}

	// The retried step sends the same sourceRef, which TheHive rejects.
	_, err = Run(ctx, in)
	if code := vendortest.ErrorCode(t, err); code != "invalid_input" {
		t.Errorf("retry error = %v, want code invalid_input", err)
	}
}

func TestRun_Errors(t *testing.T) {
	var got alert
	srv := fakeTheHive(t, &got)
	defer srv.Close()
	good := map[string]string{secretAPIKey: testKey}
	five := 5

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{name: "wrong key", secrets: map[string]string{secretAPIKey: "bad"}, in: Input{Title: "t", Description: "d", SourceRef: "r"},
			wantCode: "unauthorized",
			wantMsg:  "unauthorized: thehive: POST /api/v1/alert returned status 401: AuthenticationError: Authentication failure"},
		{name: "missing key", in: Input{Title: "t", Description: "d", SourceRef: "r"}, wantCode: "secret_unavailable"},
		{name: "no description", secrets: good, in: Input{Title: "t", SourceRef: "r"}, wantCode: "invalid_input"},
		{name: "no source ref", secrets: good, in: Input{Title: "t", Description: "d"}, wantCode: "invalid_input"},
		{name: "severity too high", secrets: good, in: Input{Title: "t", Description: "d", SourceRef: "r", Severity: &five}, wantCode: "invalid_input"},
		{name: "unknown indicator type", secrets: good,
			in: Input{Title: "t", Description: "d", SourceRef: "r", Indicators: []Indicator{{Type: "cve", Value: "CVE-1"}}}, wantCode: "invalid_input"},
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
	vendortest.CheckExamples(t, vendortest.Manifest(t, "thehive.alert_create"))
}
