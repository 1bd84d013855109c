package webhook

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const testSecret = "whsec-test"

// receiver is a webhook receiver that verifies the signature the way a
// consumer of webhook.notify would.
func receiver(t *testing.T, got *http.Header) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = r.Header.Clone()
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("maintenance"))
			return
		}
		if sig := r.Header.Get(defaultSignatureHeader); sig != "" {
			if want := Sign(testSecret, r.Header.Get(timestampHeader), body); sig != want {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		if !json.Valid(body) || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`{"received":true}`))
	}))
}

func TestRun_Notify(t *testing.T) {
	var got http.Header
	srv := receiver(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "webhook.notify")
	now = func() time.Time { return time.Unix(1717059164, 0) }
	defer func() { now = time.Now }()

	tests := []struct {
		name       string
		secrets    map[string]string
		wantSigned bool
	}{
		{"signed", map[string]string{secretSigning: testSecret}, true},
		{"unsigned without secret", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{URL: srv.URL + "/hook", Payload: json.RawMessage(`{"ip":"203.0.113.9"}`),
				Headers: map[string]string{"x-source": "updraft"}}
			vendortest.ValidateInput(t, m, in)
			ctx := sdk.NewTestContext(tt.secrets)
			ctx.IdempotencyKey = "s_1/1"
			out, err := Run(ctx, in)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if out.Status != 200 || out.Signed != tt.wantSigned || out.Body != `{"received":true}` {
				t.Errorf("output = %+v", out)
			}
			if got.Get("X-Source") != "updraft" || got.Get("Idempotency-Key") != "s_1/1" {
				t.Errorf("headers = %v", got)
			}
			if tt.wantSigned && got.Get(timestampHeader) != "1717059164" {
				t.Errorf("timestamp = %q", got.Get(timestampHeader))
			}
			if !tt.wantSigned && got.Get(defaultSignatureHeader) != "" {
				t.Errorf("signature sent without a secret")
			}
			vendortest.ValidateOutput(t, m, out)
		})
	}
}

func TestSign(t *testing.T) {
	// Computed with: printf '1717059164.{"a":1}' | openssl dgst -sha256 -hmac whsec-test
	want := "sha256=" + "16c3f24ceccf61375d67463198c1b60155589221a31f9ff653eaa81e15927445"
	if got := Sign(testSecret, "1717059164", []byte(`{"a":1}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestRun_Errors(t *testing.T) {
	var got http.Header
	srv := receiver(t, &got)
	defer srv.Close()

	tests := []struct {
		name     string
		in       Input
		wantCode string
	}{
		{"server unavailable", Input{URL: srv.URL + "/down", Payload: json.RawMessage(`{}`)}, "vendor_error"},
		{"payload missing", Input{URL: srv.URL}, "invalid_input"},
		{"payload not json", Input{URL: srv.URL, Payload: json.RawMessage(`{`)}, "invalid_input"},
		{"url not http", Input{URL: "ftp://a.example/", Payload: json.RawMessage(`{}`)}, "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(sdk.NewTestContext(nil), tt.in)
			if code := vendortest.ErrorCode(t, err); code != tt.wantCode {
				t.Errorf("error = %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestManifest(t *testing.T) {
	vendortest.CheckExamples(t, vendortest.Manifest(t, "webhook.notify"))
}
