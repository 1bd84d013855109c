package abuseipdb

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const testKey = "abuseipdb-test-key"

// fakeAbuseIPDB serves the CHECK endpoint of AbuseIPDB API v2 (AbuseIPDB
// API documentation, "CHECK Endpoint"): the Key header, ipAddress and
// maxAgeInDays query parameters, a {"data":{...}} body and
// {"errors":[{"detail","status"}]} errors.
func fakeAbuseIPDB(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch {
		case r.Method != http.MethodGet || r.URL.Path != "/api/v2/check":
			w.WriteHeader(http.StatusNotFound)
		case r.Header.Get("Key") != testKey:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"detail":"Authentication failed. Your API key is either missing, incorrect, or revoked.","status":401}]}`))
		case r.Header.Get("Accept") != "application/json":
			w.WriteHeader(http.StatusNotAcceptable)
		case q.Get("ipAddress") == "198.51.100.7":
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errors":[{"detail":"Daily rate limit of 1000 requests exceeded for this endpoint.","status":429}]}`))
		case q.Get("ipAddress") == "203.0.113.9":
			if q.Get("maxAgeInDays") != "90" {
				t.Errorf("maxAgeInDays = %q, want 90", q.Get("maxAgeInDays"))
			}
			_, _ = w.Write([]byte(`{"data":{"ipAddress":"203.0.113.9","isPublic":true,"ipVersion":4,"isWhitelisted":false,` +
				`"abuseConfidenceScore":87,"countryCode":"NL","usageType":"Data Center/Web Hosting/Transit",` +
				`"isp":"Example Hosting B.V.","domain":"hosting.example","hostnames":[],"isTor":false,` +
				`"totalReports":42,"numDistinctUsers":17,"lastReportedAt":"2025-05-30T08:12:44+00:00"}}`))
		case q.Get("ipAddress") == "2001:db8::1":
			if q.Get("maxAgeInDays") != "30" {
				t.Errorf("maxAgeInDays = %q, want the default 30", q.Get("maxAgeInDays"))
			}
			_, _ = w.Write([]byte(`{"data":{"ipAddress":"2001:db8::1","isPublic":false,"ipVersion":6,"isWhitelisted":null,` +
				`"abuseConfidenceScore":0,"countryCode":null,"usageType":"Reserved","isp":null,"domain":null,` +
				`"hostnames":[],"isTor":false,"totalReports":0,"numDistinctUsers":0,"lastReportedAt":null}}`))
		default:
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"errors":[{"detail":"The ip address must be a valid IPv4 or IPv6 address.","status":422}]}`))
		}
	}))
}

func TestRun_Check(t *testing.T) {
	srv := fakeAbuseIPDB(t)
	defer srv.Close()
	m := vendortest.Manifest(t, "abuseipdb.check")
	ctx := sdk.NewTestContext(map[string]string{secretKey: testKey})

	t.Run("reported address", func(t *testing.T) {
		in := Input{IP: " 203.0.113.9 ", MaxAgeInDays: 90, BaseURL: srv.URL + "/api/v2"}
		out, err := Run(ctx, in)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if out.AbuseConfidenceScore != 87 || out.TotalReports != 42 {
			t.Errorf("score, reports = %d, %d, want 87, 42", out.AbuseConfidenceScore, out.TotalReports)
		}
		if out.CountryCode != "NL" || out.ISP != "Example Hosting B.V." || out.UsageType != "Data Center/Web Hosting/Transit" {
			t.Errorf("country, isp, usage = %q, %q, %q", out.CountryCode, out.ISP, out.UsageType)
		}
		if out.IsWhitelisted == nil || *out.IsWhitelisted {
			t.Errorf("is_whitelisted = %v, want false", out.IsWhitelisted)
		}
		vendortest.ValidateOutput(t, m, out)
	})
	t.Run("nulls for reserved address", func(t *testing.T) {
		out, err := Run(ctx, Input{IP: "2001:db8::1", BaseURL: srv.URL + "/api/v2"})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if out.IsWhitelisted != nil {
			t.Errorf("is_whitelisted = %v, want nil", *out.IsWhitelisted)
		}
		if out.CountryCode != "" || out.LastReportedAt != "" {
			t.Errorf("country, last reported = %q, %q, want empty", out.CountryCode, out.LastReportedAt)
		}
		vendortest.ValidateOutput(t, m, out)
	})
}

func TestRun_Errors(t *testing.T) {
	srv := fakeAbuseIPDB(t)
	defer srv.Close()
	good := map[string]string{secretKey: testKey}

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{name: "wrong key", secrets: map[string]string{secretKey: "bad"}, in: Input{IP: "203.0.113.9"}, wantCode: "unauthorized",
			wantMsg: "unauthorized: abuseipdb: GET /api/v2/check returned status 401: " +
				"Authentication failed. Your API key is either missing, incorrect, or revoked."},
		{name: "missing secret", in: Input{IP: "203.0.113.9"}, wantCode: "secret_unavailable"},
		{name: "daily limit", secrets: good, in: Input{IP: "198.51.100.7"}, wantCode: "rate_limited"},
		{name: "rejected address", secrets: good, in: Input{IP: "192.0.2.1"}, wantCode: "invalid_input"},
		{name: "not an address", secrets: good, in: Input{IP: "host.example"}, wantCode: "invalid_input"},
		{name: "max age too large", secrets: good, in: Input{IP: "203.0.113.9", MaxAgeInDays: 366}, wantCode: "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.BaseURL = srv.URL + "/api/v2"
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
	vendortest.CheckExamples(t, vendortest.Manifest(t, "abuseipdb.check"))
}
