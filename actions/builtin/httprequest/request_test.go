package httprequest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func TestBuildRequest(t *testing.T) {
	tests := []struct {
		name        string
		input       string
		wantMethod  string
		wantBody    string
		wantHeaders map[string]string
	}{
		{
			name:        "no body defaults to get",
			input:       `{"url":"https://a.example/"}`,
			wantMethod:  "GET",
			wantHeaders: map[string]string{},
		},
		{
			name:        "object body sent as json",
			input:       `{"method":"post","url":"https://a.example/","body":{"text":"hi"}}`,
			wantMethod:  "POST",
			wantBody:    `{"text":"hi"}`,
			wantHeaders: map[string]string{"Content-Type": "application/json"},
		},
		{
			name:        "string body sent as is",
			input:       `{"method":"POST","url":"https://a.example/","body":"a=1&b=2"}`,
			wantMethod:  "POST",
			wantBody:    "a=1&b=2",
			wantHeaders: map[string]string{},
		},
		{
			name: "given content type kept",
			input: `{"method":"PUT","url":"https://a.example/","body":[1],` +
				`"headers":{"content-type":"application/vnd.api+json"}}`,
			wantMethod:  "PUT",
			wantBody:    `[1]`,
			wantHeaders: map[string]string{"content-type": "application/vnd.api+json"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in Input
			if err := json.Unmarshal([]byte(tt.input), &in); err != nil {
				t.Fatal(err)
			}
			req := BuildRequest(in)
			if req.Method != tt.wantMethod {
				t.Errorf("method = %q, want %q", req.Method, tt.wantMethod)
			}
			if string(req.Body) != tt.wantBody {
				t.Errorf("body = %q, want %q", req.Body, tt.wantBody)
			}
			if !reflect.DeepEqual(req.Headers, tt.wantHeaders) {
				t.Errorf("headers = %v, want %v", req.Headers, tt.wantHeaders)
			}
		})
	}
}

func TestParseResponse(t *testing.T) {
	no := false
	tests := []struct {
		name     string
		in       Input
		resp     sdk.Response
		wantBody any
		wantCode string
	}{
		{
			name:     "json body parsed",
			resp:     sdk.Response{Status: 200, Headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}, Body: []byte(`{"ok":true}`)},
			wantBody: map[string]any{"ok": true},
		},
		{
			name:     "text body kept",
			resp:     sdk.Response{Status: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Body: []byte(`{"ok":true}`)},
			wantBody: `{"ok":true}`,
		},
		{
			name:     "invalid json kept as text",
			resp:     sdk.Response{Status: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(`{`)},
			wantBody: `{`,
		},
		{
			name:     "error status fails",
			resp:     sdk.Response{Status: 503, Body: []byte("down")},
			wantBody: "down",
			wantCode: "http_status",
		},
		{
			name:     "error status accepted",
			in:       Input{FailOnStatus: &no},
			resp:     sdk.Response{Status: 404, Body: []byte("missing")},
			wantBody: "missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ParseResponse(tt.in, &tt.resp)
			var serr *sdk.Error
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("ParseResponse: %v", err)
			case tt.wantCode != "" && (!errors.As(err, &serr) || serr.Code != tt.wantCode):
				t.Fatalf("ParseResponse error = %v, want code %q", err, tt.wantCode)
			}
			if !reflect.DeepEqual(out.Body, tt.wantBody) {
				t.Errorf("body = %#v, want %#v", out.Body, tt.wantBody)
			}
			if out.Status != tt.resp.Status {
				t.Errorf("status = %d, want %d", out.Status, tt.resp.Status)
			}
		})
	}
}

func TestRun_SendsIdempotencyKey(t *testing.T) {
	cases := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{name: "from the step", want: "run1/notify:1"},
		{name: "input header wins", headers: map[string]string{"idempotency-key": "mine"}, want: "mine"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Get("Idempotency-Key")
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()

			ctx := sdk.NewTestContext(nil)
			ctx.IdempotencyKey = "run1/notify:1"
			in := Input{Method: "POST", URL: srv.URL, Headers: tc.headers}
			if _, err := Run(ctx, in); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got != tc.want {
				t.Errorf("Idempotency-Key = %q, want %q", got, tc.want)
			}
		})
	}
}
