package opnsense

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

var testSecrets = map[string]string{secretKey: "key", secretSecret: "secret"}

// fakeOPNsense serves the alias_util add command of the OPNsense core
// firewall API (AliasUtilController addAction): basic authentication with
// key and secret, an "address" field, {"status":"done"} on success,
// {"status":"not_an_address"} for characters outside [0-9a-f:./_] and
// {"status":"failed"} without an address.
func fakeOPNsense(t *testing.T, added map[string][]string) *httptest.Server {
	t.Helper()
	notAddress := regexp.MustCompile(`[^0-9a-f:./_]`)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != vendorapi.BasicAuth("key", "secret") {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"status":401,"message":"Authentication Failed"}`))
			return
		}
		const prefix = "/api/firewall/alias_util/add/"
		if r.Method != http.MethodPost || len(r.URL.Path) <= len(prefix) || r.URL.Path[:len(prefix)] != prefix {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errorMessage":"Endpoint not found"}`))
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Address string `json:"address"`
		}
		switch {
		case json.Unmarshal(body, &req) != nil || req.Address == "":
			_, _ = w.Write([]byte(`{"status":"failed"}`))
		case notAddress.MatchString(req.Address):
			_, _ = w.Write([]byte(`{"status":"not_an_address"}`))
		default:
			alias := r.URL.Path[len(prefix):]
			added[alias] = append(added[alias], req.Address)
			_, _ = w.Write([]byte(`{"status":"done"}`))
		}
	}))
}

func TestRun_Block(t *testing.T) {
	added := map[string][]string{}
	srv := fakeOPNsense(t, added)
	defer srv.Close()
	m := vendortest.Manifest(t, "opnsense.block_ip")

	tests := []struct {
		name, ip, want string
	}{
		{"ipv4", " 203.0.113.9 ", "203.0.113.9"},
		{"ipv6 canonical", "2001:DB8:0::1", "2001:db8::1"},
		{"prefix masked", "198.51.100.7/24", "198.51.100.0/24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{BaseURL: srv.URL, Alias: "updraft_blocklist", IP: tt.ip}
			out, err := Run(sdk.NewTestContext(testSecrets), in)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !out.Blocked || out.Address != tt.want || out.Status != "done" {
				t.Errorf("output = %+v, want blocked %s", out, tt.want)
			}
			list := added["updraft_blocklist"]
			if len(list) == 0 || list[len(list)-1] != tt.want {
				t.Errorf("alias holds %v, want %s last", list, tt.want)
			}
			vendortest.ValidateOutput(t, m, out)
		})
	}
}

func TestRun_Errors(t *testing.T) {
	srv := fakeOPNsense(t, map[string][]string{})
	defer srv.Close()

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
	}{
		{"wrong secret", map[string]string{secretKey: "key", secretSecret: "bad"}, Input{Alias: "bl", IP: "203.0.113.9"}, "unauthorized"},
		{"missing secret", map[string]string{secretKey: "key"}, Input{Alias: "bl", IP: "203.0.113.9"}, "secret_unavailable"},
		{"not an ip", testSecrets, Input{Alias: "bl", IP: "evil.example"}, "invalid_input"},
		{"ip with zone", testSecrets, Input{Alias: "bl", IP: "fe80::1%eth0"}, "invalid_input"},
		{"alias with slash", testSecrets, Input{Alias: "a/b", IP: "203.0.113.9"}, "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.BaseURL = srv.URL
			_, err := Run(sdk.NewTestContext(tt.secrets), tt.in)
			if code := vendortest.ErrorCode(t, err); code != tt.wantCode {
				t.Errorf("error = %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestManifest(t *testing.T) {
	vendortest.CheckExamples(t, vendortest.Manifest(t, "opnsense.block_ip"))
}
