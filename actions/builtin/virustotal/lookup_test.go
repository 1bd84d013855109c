package virustotal

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const testKey = "vt-test-key"

// fakeVirusTotal serves the object endpoints of VirusTotal API v3 ("API v3
// Overview" and the files, URLs, domains and IP addresses references):
// x-apikey authentication, {"data":{"attributes":...}} objects and
// {"error":{"code","message"}} errors.
func fakeVirusTotal(t *testing.T) *httptest.Server {
	t.Helper()
	objects := map[string]string{
		"/api/v3/files/44d88612fea8a8f36de82e1278abb02f": `{"data":{"type":"file","id":"44d88612fea8a8f36de82e1278abb02f",` +
			`"attributes":{"reputation":-50,"last_analysis_stats":{"malicious":60,"suspicious":0,"undetected":5,"harmless":0,"timeout":1}}}}`,
		// base64url of "https://paypa1-secure.example/verify?id=3f9a7c", no padding.
		"/api/v3/urls/aHR0cHM6Ly9wYXlwYTEtc2VjdXJlLmV4YW1wbGUvdmVyaWZ5P2lkPTNmOWE3Yw": `{"data":{"type":"url",` +
			`"attributes":{"reputation":0,"last_analysis_stats":{"malicious":0,"suspicious":2,"undetected":70,"harmless":10,"timeout":0}}}}`,
		"/api/v3/domains/example.com": `{"data":{"type":"domain","id":"example.com",` +
			`"attributes":{"reputation":5,"last_analysis_stats":{"malicious":0,"suspicious":0,"undetected":20,"harmless":70,"timeout":0}}}}`,
		"/api/v3/ip_addresses/2001:db8::1": `{"data":{"type":"ip_address","id":"2001:db8::1",` +
			`"attributes":{"reputation":0,"last_analysis_stats":{"malicious":0,"suspicious":0,"undetected":90,"harmless":0,"timeout":0}}}}`,
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodGet:
			w.WriteHeader(http.StatusMethodNotAllowed)
		case r.Header.Get("x-apikey") == "":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"AuthenticationRequiredError","message":"X-Apikey header is missing"}}`))
		case r.Header.Get("x-apikey") != testKey:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}`))
		case r.URL.Path == "/api/v3/ip_addresses/198.51.100.7":
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"QuotaExceededError","message":"Quota exceeded"}}`))
		case r.URL.Path == "/api/v3/domains/broken.example":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":{"code":"TransientError","message":"try again"}}`))
		case objects[r.URL.EscapedPath()] != "":
			_, _ = w.Write([]byte(objects[r.URL.EscapedPath()]))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"NotFoundError","message":"not found"}}`))
		}
	}))
}

func TestRun_Lookup(t *testing.T) {
	srv := fakeVirusTotal(t)
	defer srv.Close()
	m := vendortest.Manifest(t, "virustotal.lookup")
	ctx := sdk.NewTestContext(map[string]string{secretKey: testKey})

	tests := []struct {
		name        string
		in          Input
		wantFound   bool
		wantKind    string
		wantVerdict string
		wantLink    string
		wantStats   Stats
	}{
		{
			name: "malicious file hash", in: Input{Type: "md5", Value: "44D88612FEA8A8F36DE82E1278ABB02F"},
			wantFound: true, wantKind: "file", wantVerdict: "malicious",
			wantLink:  "https://www.virustotal.com/gui/file/44d88612fea8a8f36de82e1278abb02f",
			wantStats: Stats{Malicious: 60, Undetected: 5, Timeout: 1},
		},
		{
			name: "suspicious url", in: Input{Type: "url", Value: "https://paypa1-secure.example/verify?id=3f9a7c"},
			wantFound: true, wantKind: "url", wantVerdict: "suspicious",
			wantLink:  "https://www.virustotal.com/gui/url/aHR0cHM6Ly9wYXlwYTEtc2VjdXJlLmV4YW1wbGUvdmVyaWZ5P2lkPTNmOWE3Yw",
			wantStats: Stats{Suspicious: 2, Undetected: 70, Harmless: 10},
		},
		{
			name: "harmless domain", in: Input{Type: "domain", Value: "Example.COM."},
			wantFound: true, wantKind: "domain", wantVerdict: "harmless",
			wantLink:  "https://www.virustotal.com/gui/domain/example.com",
			wantStats: Stats{Undetected: 20, Harmless: 70},
		},
		{
			name: "undetected ipv6", in: Input{Type: "ipv6", Value: "2001:DB8::1"},
			wantFound: true, wantKind: "ip_address", wantVerdict: "undetected",
			wantLink:  "https://www.virustotal.com/gui/ip-address/2001:db8::1",
			wantStats: Stats{Undetected: 90},
		},
		{
			name: "unknown ip not found", in: Input{Type: "ip", Value: "203.0.113.9"},
			wantFound: false, wantKind: "ip_address", wantVerdict: "unknown",
			wantLink: "https://www.virustotal.com/gui/ip-address/203.0.113.9",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.BaseURL = srv.URL + "/api/v3/"
			vendortest.ValidateInput(t, m, tt.in)
			out, err := Run(ctx, tt.in)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if out.Found != tt.wantFound {
				t.Errorf("found = %v, want %v", out.Found, tt.wantFound)
			}
			if out.Kind != tt.wantKind {
				t.Errorf("kind = %q, want %q", out.Kind, tt.wantKind)
			}
			if out.Verdict != tt.wantVerdict {
				t.Errorf("verdict = %q, want %q", out.Verdict, tt.wantVerdict)
			}
			if out.Link != tt.wantLink {
				t.Errorf("link = %q, want %q", out.Link, tt.wantLink)
			}
			if out.Stats != tt.wantStats {
				t.Errorf("stats = %+v, want %+v", out.Stats, tt.wantStats)
			}
			vendortest.ValidateOutput(t, m, out)
		})
	}
}

func TestRun_Errors(t *testing.T) {
	srv := fakeVirusTotal(t)
	defer srv.Close()

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
	}{
		{"wrong key", map[string]string{secretKey: "bad"}, Input{Type: "domain", Value: "example.com"}, "unauthorized"},
		{"missing secret", nil, Input{Type: "domain", Value: "example.com"}, "secret_unavailable"},
		{"quota exceeded", map[string]string{secretKey: testKey}, Input{Type: "ip", Value: "198.51.100.7"}, "rate_limited"},
		{"server error", map[string]string{secretKey: testKey}, Input{Type: "domain", Value: "broken.example"}, "vendor_error"},
		{"bad hash", map[string]string{secretKey: testKey}, Input{Type: "sha256", Value: "abc"}, "invalid_input"},
		{"bad ip", map[string]string{secretKey: testKey}, Input{Type: "ip", Value: "300.1.1.1"}, "invalid_input"},
		{"relative url", map[string]string{secretKey: testKey}, Input{Type: "url", Value: "/verify"}, "invalid_input"},
		{"domain with path", map[string]string{secretKey: testKey}, Input{Type: "domain", Value: "a.example/x"}, "invalid_input"},
		{"unknown type", map[string]string{secretKey: testKey}, Input{Type: "email", Value: "a@b.example"}, "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.BaseURL = srv.URL + "/api/v3"
			_, err := Run(sdk.NewTestContext(tt.secrets), tt.in)
			if code := vendortest.ErrorCode(t, err); code != tt.wantCode {
				t.Errorf("error = %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestRun_ErrorMessageNamesVendorCode(t *testing.T) {
	srv := fakeVirusTotal(t)
	defer srv.Close()
	ctx := sdk.NewTestContext(map[string]string{secretKey: testKey})

	_, err := Run(ctx, Input{Type: "ip", Value: "198.51.100.7", BaseURL: srv.URL + "/api/v3"})
	want := "rate_limited: virustotal: GET /api/v3/ip_addresses/198.51.100.7 returned status 429: " +
		"QuotaExceededError: Quota exceeded; retry after 60 s"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestManifest(t *testing.T) {
	vendortest.CheckExamples(t, vendortest.Manifest(t, "virustotal.lookup"))
}
