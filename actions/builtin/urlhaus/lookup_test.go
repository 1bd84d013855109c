package urlhaus

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const testKey = "urlhaus-test-key"

// fakeURLhaus serves "Query URL information" (POST /v1/url/) and "Query
// host information" (POST /v1/host/) of the URLhaus API documentation:
// the Auth-Key header, form-encoded bodies and query_status in a 200
// response.
func fakeURLhaus(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Auth-Key") != testKey {
			_, _ = w.Write([]byte(`{"query_status":"unknown_auth_key"}`))
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
		}
		switch r.URL.Path {
		case "/v1/url/":
			writeURL(w, r.PostForm.Get("url"))
		case "/v1/host/":
			writeHost(w, r.PostForm.Get("host"))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

func writeURL(w http.ResponseWriter, u string) {
	switch u {
	case "http://198.51.100.23/bins/loader.sh":
		_, _ = w.Write([]byte(`{"query_status":"ok","id":"1234567","urlhaus_reference":"https://urlhaus.abuse.ch/url/1234567/",` +
			`"url":"http://198.51.100.23/bins/loader.sh","url_status":"online","host":"198.51.100.23",` +
			`"date_added":"2025-05-30 08:12:44 UTC","threat":"malware_download",` +
			`"blacklists":{"spamhaus_dbl":"not listed","surbl":"not listed"},"reporter":"analyst","larted":"true",` +
			`"takedown_time_seconds":null,"tags":["elf","mirai"],"payloads":[]}`))
	case "http://broken.example/":
		_, _ = w.Write([]byte(`{"query_status":"http_post_expected"}`))
	case "":
		_, _ = w.Write([]byte(`{"query_status":"invalid_url"}`))
	default:
		_, _ = w.Write([]byte(`{"query_status":"no_results"}`))
	}
}

func writeHost(w http.ResponseWriter, host string) {
	switch host {
	case "paypa1-secure.example":
		_, _ = w.Write([]byte(`{"query_status":"ok","urlhaus_reference":"https://urlhaus.abuse.ch/host/paypa1-secure.example/",` +
			`"host":"paypa1-secure.example","firstseen":"2025-05-01 10:00:00 UTC","url_count":"2",` +
			`"blacklists":{"spamhaus_dbl":"abused_legit_malware","surbl":"listed"},"urls":[` +
			`{"id":"1","urlhaus_reference":"https://urlhaus.abuse.ch/url/1/","url":"https://paypa1-secure.example/a.exe",` +
			`"url_status":"offline","date_added":"2025-05-01 10:00:00 UTC","threat":"malware_download","reporter":"a",` +
			`"larted":"false","takedown_time_seconds":"3600","tags":null},` +
			`{"id":"2","urlhaus_reference":"https://urlhaus.abuse.ch/url/2/","url":"https://paypa1-secure.example/b.doc",` +
			`"url_status":"online","date_added":"2025-05-02 10:00:00 UTC","threat":"malware_download","reporter":"b",` +
			`"larted":"true","takedown_time_seconds":null,"tags":["emotet","doc"]}]}`))
	default:
		_, _ = w.Write([]byte(`{"query_status":"no_results"}`))
	}
}

func TestRun_Lookup(t *testing.T) {
	srv := fakeURLhaus(t)
	defer srv.Close()
	m := vendortest.Manifest(t, "urlhaus.lookup")
	ctx := sdk.NewTestContext(map[string]string{secretKey: testKey})

	t.Run("listed url", func(t *testing.T) {
		in := Input{Type: "url", Value: "http://198.51.100.23/bins/loader.sh", BaseURL: srv.URL + "/v1"}
		vendortest.ValidateInput(t, m, in)
		out, err := Run(ctx, in)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if !out.Found || out.URLStatus != "online" || out.Threat != "malware_download" {
			t.Errorf("found, status, threat = %v, %q, %q", out.Found, out.URLStatus, out.Threat)
		}
		if !reflect.DeepEqual(out.Tags, []string{"elf", "mirai"}) {
			t.Errorf("tags = %v", out.Tags)
		}
		if out.Reference != "https://urlhaus.abuse.ch/url/1234567/" {
			t.Errorf("reference = %q", out.Reference)
		}
		vendortest.ValidateOutput(t, m, out)
	})
	t.Run("listed host", func(t *testing.T) {
		out, err := Run(ctx, Input{Type: "host", Value: "PAYPA1-secure.example", BaseURL: srv.URL + "/v1"})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if !out.Found || out.URLCount != 2 || len(out.URLs) != 2 {
			t.Fatalf("found, url_count, urls = %v, %d, %d, want true, 2, 2", out.Found, out.URLCount, len(out.URLs))
		}
		if out.URLs[0].Tags == nil || len(out.URLs[0].Tags) != 0 {
			t.Errorf("urls[0].tags = %#v, want empty for null", out.URLs[0].Tags)
		}
		if out.Blacklists["surbl"] != "listed" {
			t.Errorf("blacklists = %v", out.Blacklists)
		}
		vendortest.ValidateOutput(t, m, out)
	})
	t.Run("unknown url", func(t *testing.T) {
		out, err := Run(ctx, Input{Type: "url", Value: "https://clean.example/", BaseURL: srv.URL + "/v1"})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if out.Found || out.QueryStatus != "no_results" {
			t.Errorf("found, query_status = %v, %q, want false, no_results", out.Found, out.QueryStatus)
		}
		vendortest.ValidateOutput(t, m, out)
	})
}

func TestRun_Errors(t *testing.T) {
	srv := fakeURLhaus(t)
	defer srv.Close()
	good := map[string]string{secretKey: testKey}

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
	}{
		{"unknown auth key", map[string]string{secretKey: "bad"}, Input{Type: "url", Value: "https://a.example/"}, "unauthorized"},
		{"missing secret", nil, Input{Type: "url", Value: "https://a.example/"}, "secret_unavailable"},
		{"unexpected query status", good, Input{Type: "url", Value: "http://broken.example/"}, "vendor_error"},
		{"relative url", good, Input{Type: "url", Value: "loader.sh"}, "invalid_input"},
		{"host with path", good, Input{Type: "host", Value: "a.example/x"}, "invalid_input"},
		{"unknown type", good, Input{Type: "hash", Value: "abc"}, "invalid_input"},
		{"endpoint missing", good, Input{Type: "url", Value: "https://a.example/", BaseURL: "/nope"}, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.BaseURL = srv.URL + "/v1" + tt.in.BaseURL
			_, err := Run(sdk.NewTestContext(tt.secrets), tt.in)
			if code := vendortest.ErrorCode(t, err); code != tt.wantCode {
				t.Errorf("error = %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestManifest(t *testing.T) {
	vendortest.CheckExamples(t, vendortest.Manifest(t, "urlhaus.lookup"))
}
