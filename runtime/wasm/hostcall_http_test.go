package wasm

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// receiver is a local notification receiver that records what it got.
type receiver struct {
	server *httptest.Server
	method string
	body   string
	header http.Header
}

func newReceiver(t *testing.T, handler http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.method, r.body, r.header = req.Method, string(b), req.Header.Clone()
		handler(w, req)
	}))
	t.Cleanup(r.server.Close)
	return r
}

func jsonOK(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

func httpInput(t *testing.T, target string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"method": "POST", "url": target, "body": map[string]string{"text": "blocked 203.0.113.9"},
		"headers": map[string]string{"X-Token": "abc"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTTPRequest_ReachesApprovedLoopback(t *testing.T) {
	rcv := newReceiver(t, jsonOK)
	h := newTestHost(t, Config{AllowLoopback: true, ApprovedHosts: []string{"127.0.0.1"}})

	out, lines, err := invoke(t, h, "http.request@1.0.0", httpInput(t, rcv.server.URL+"/hook"))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var got struct {
		Status int            `json:"status"`
		Body   map[string]any `json:"body"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != 200 || got.Body["ok"] != true {
		t.Errorf("output = %s, want status 200 and body {\"ok\":true}", out)
	}
	if rcv.method != "POST" {
		t.Errorf("receiver method = %q, want POST", rcv.method)
	}
	if rcv.body != `{"text":"blocked 203.0.113.9"}` {
		t.Errorf("receiver body = %q", rcv.body)
	}
	if rcv.header.Get("X-Token") != "abc" || rcv.header.Get("Content-Type") != "application/json" {
		t.Errorf("receiver headers = %v", rcv.header)
	}
	if len(lines) == 0 || !strings.Contains(lines[0], "returned status 200") {
		t.Errorf("log lines = %q, want the status line", lines)
	}
}

func TestHTTPRequest_Rejected(t *testing.T) {
	rcv := newReceiver(t, jsonOK)
	redirect := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		// localhost resolves to loopback, which is allowed, but the name
		// is not approved.
		u, _ := url.Parse(rcv.server.URL)
		http.Redirect(w, req, "http://localhost:"+u.Port()+"/hook", http.StatusFound)
	})

	tests := []struct {
		name   string
		cfg    Config
		target string
	}{
		{
			name:   "loopback not allowed",
			cfg:    Config{ApprovedHosts: []string{"127.0.0.1"}},
			target: rcv.server.URL,
		},
		{
			name:   "host not approved",
			cfg:    Config{AllowLoopback: true, ApprovedHosts: []string{"hooks.example"}},
			target: rcv.server.URL,
		},
		{
			name:   "redirect to host not approved",
			cfg:    Config{AllowLoopback: true, ApprovedHosts: []string{"127.0.0.1"}},
			target: redirect.server.URL,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv.method = ""
			h := newTestHost(t, tt.cfg)
			_, _, err := invoke(t, h, "http.request@1.0.0", httpInput(t, tt.target))
			wantCode(t, err, CodeHostCallDenied)
			if rcv.method != "" {
				t.Errorf("receiver got a %s request, want none", rcv.method)
			}
		})
	}
}

func TestHTTPRequest_ResponseSize(t *testing.T) {
	big := strings.Repeat("a", 200<<10)
	rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, big)
	})
	cfg := Config{AllowLoopback: true, ApprovedHosts: []string{"127.0.0.1"}}

	t.Run("larger than the guest buffer", func(t *testing.T) {
		h := newTestHost(t, cfg)
		out, _, err := invoke(t, h, "http.request@1.0.0", httpInput(t, rcv.server.URL))
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		var got struct{ Body string }
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got.Body != big {
			t.Errorf("body has %d bytes, want %d", len(got.Body), len(big))
		}
	})
	t.Run("over the limit", func(t *testing.T) {
		capped := cfg
		capped.MaxHTTPResponseBytes = 1000
		h := newTestHost(t, capped)
		_, _, err := invoke(t, h, "http.request@1.0.0", httpInput(t, rcv.server.URL))
		wantCode(t, err, "response_too_large")
	})
}

func TestHostPolicy_Check(t *testing.T) {
	cfg := Config{ApprovedHosts: []string{"hooks.example:8443", "tickets.example"}}
	tests := []struct {
		name     string
		declared []string
		url      string
		allowed  bool
	}{
		{"declared host any port", []string{"api.example"}, "https://api.example:9000/x", true},
		{"declared host case", []string{"api.example"}, "https://API.Example./x", true},
		{"declared port default https", []string{"api.example:443"}, "https://api.example/x", true},
		{"declared port mismatch", []string{"api.example:443"}, "http://api.example/x", false},
		{"undeclared host", []string{"api.example"}, "https://evil.example/", false},
		{"subdomain not implied", []string{"api.example"}, "https://x.api.example/", false},
		{"scheme rejected", []string{"api.example"}, "ftp://api.example/", false},
		{"star uses approved", []string{"*"}, "https://tickets.example/", true},
		{"star approved port", []string{"*"}, "https://hooks.example:8443/", true},
		{"star approved wrong port", []string{"*"}, "https://hooks.example/", false},
		{"star without approval", []string{"*"}, "https://other.example/", false},
		{"no hosts", nil, "https://api.example/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			err = newHostPolicy(cfg, tt.declared).check(u)
			var denied *deniedError
			if tt.allowed && err != nil {
				t.Errorf("check(%s) = %v, want allowed", tt.url, err)
			}
			if !tt.allowed && !errors.As(err, &denied) {
				t.Errorf("check(%s) = %v, want *deniedError", tt.url, err)
			}
		})
	}
}

func TestCheckAddress(t *testing.T) {
	tests := []struct {
		address string
		cfg     Config
		allowed bool
	}{
		{"93.184.216.34:443", Config{}, true},
		{"[2606:2800:220:1::1]:443", Config{}, true},
		{"127.0.0.1:80", Config{}, false},
		{"127.0.0.1:80", Config{AllowLoopback: true}, true},
		{"[::1]:80", Config{AllowLoopback: true}, true},
		{"10.1.2.3:80", Config{}, false},
		{"10.1.2.3:80", Config{AllowPrivate: true}, true},
		{"192.168.1.1:80", Config{}, false},
		{"100.64.0.1:80", Config{}, false},
		{"[fd00:ec2::254]:80", Config{}, false},
		{"169.254.169.254:80", Config{AllowPrivate: true, AllowLoopback: true}, false},
		{"[fe80::1]:80", Config{AllowPrivate: true}, false},
		{"0.0.0.0:80", Config{AllowLoopback: true}, false},
		{"224.0.0.1:80", Config{}, false},
		{"[::ffff:127.0.0.1]:80", Config{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			err := checkAddress(tt.cfg, tt.address)
			if tt.allowed != (err == nil) {
				t.Errorf("checkAddress(%s) = %v, want allowed %v", tt.address, err, tt.allowed)
			}
		})
	}
}
