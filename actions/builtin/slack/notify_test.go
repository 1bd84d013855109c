package slack

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const testToken = "xoxb-test-token"

// fakeSlack serves an incoming webhook at /services/T000/B000/XXX (Slack
// "Sending messages using incoming webhooks": JSON body, "ok" text or an
// error word) and chat.postMessage at /api/chat.postMessage (Slack Web API
// reference: Bearer token, {"ok":...,"error":...} in a 200 response).
func fakeSlack(t *testing.T, got *message) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = message{}
		if err := json.Unmarshal(body, got); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("invalid_payload"))
			return
		}
		switch r.URL.Path {
		case "/services/T000/B000/XXX":
			serveWebhook(w, got)
		case "/services/T000/B000/GONE":
			w.WriteHeader(http.StatusGone)
			_, _ = w.Write([]byte("channel_is_archived"))
		case "/api/chat.postMessage":
			servePostMessage(w, r, got)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("no_service"))
		}
	}))
}

func serveWebhook(w http.ResponseWriter, msg *message) {
	w.Header().Set("Content-Type", "text/plain")
	if msg.Text == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("no_text"))
		return
	}
	_, _ = w.Write([]byte("ok"))
}

func servePostMessage(w http.ResponseWriter, r *http.Request, msg *message) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case r.Header.Get("Authorization") != "Bearer "+testToken:
		_, _ = w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
	case msg.Channel == "C-RATE":
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
	case msg.Channel != "C0123456789":
		_, _ = w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
	default:
		_, _ = w.Write([]byte(`{"ok":true,"channel":"C0123456789","ts":"1717059164.000200",` +
			`"message":{"text":` + quote(msg.Text) + `,"type":"message"}}`))
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestRun_Webhook(t *testing.T) {
	var got message
	srv := fakeSlack(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "slack.notify")
	ctx := sdk.NewTestContext(map[string]string{secretWebhook: srv.URL + "/services/T000/B000/XXX"})

	in := Input{Text: "Blocked 203.0.113.9", Blocks: json.RawMessage(`[{"type":"divider"}]`)}
	vendortest.ValidateInput(t, m, in)
	out, err := Run(ctx, in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !out.OK || out.Method != "webhook" {
		t.Errorf("output = %+v, want ok webhook", out)
	}
	if got.Text != "Blocked 203.0.113.9" || string(got.Blocks) != `[{"type":"divider"}]` || got.Channel != "" {
		t.Errorf("sent %+v", got)
	}
	vendortest.ValidateOutput(t, m, out)
}

func TestRun_PostMessage(t *testing.T) {
	var got message
	srv := fakeSlack(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "slack.notify")
	ctx := sdk.NewTestContext(map[string]string{secretToken: testToken})

	in := Input{Text: "Blocked", Channel: "C0123456789", ThreadTS: "1717059000.000100", BaseURL: srv.URL + "/api"}
	out, err := Run(ctx, in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := Output{OK: true, Method: "chat.postMessage", Channel: "C0123456789", TS: "1717059164.000200"}
	if out != want {
		t.Errorf("output = %+v, want %+v", out, want)
	}
	if got.ThreadTS != "1717059000.000100" || got.Blocks != nil {
		t.Errorf("sent %+v, want thread_ts and no blocks", got)
	}
	vendortest.ValidateOutput(t, m, out)
}

func TestRun_Errors(t *testing.T) {
	var got message
	srv := fakeSlack(t, &got)
	defer srv.Close()
	api := srv.URL + "/api"

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{name: "archived webhook channel", secrets: map[string]string{secretWebhook: srv.URL + "/services/T000/B000/GONE"},
			in: Input{Text: "x"}, wantCode: "not_found",
			wantMsg: "not_found: slack: incoming webhook returned status 410: channel_is_archived"},
		{name: "missing webhook secret", in: Input{Text: "x"}, wantCode: "secret_unavailable"},
		{name: "invalid auth", secrets: map[string]string{secretToken: "xoxb-bad"},
			in: Input{Text: "x", Channel: "C0123456789", BaseURL: api}, wantCode: "unauthorized",
			wantMsg: `unauthorized: slack: chat.postMessage to channel "C0123456789": invalid_auth`},
		{name: "unknown channel", secrets: map[string]string{secretToken: testToken},
			in: Input{Text: "x", Channel: "C-NONE", BaseURL: api}, wantCode: "not_found"},
		{name: "rate limited", secrets: map[string]string{secretToken: testToken},
			in: Input{Text: "x", Channel: "C-RATE", BaseURL: api}, wantCode: "rate_limited"},
		{name: "missing token", in: Input{Text: "x", Channel: "C0123456789", BaseURL: api}, wantCode: "secret_unavailable"},
		{name: "empty text", in: Input{Text: " "}, wantCode: "invalid_input"},
		{name: "blocks not array", in: Input{Text: "x", Blocks: json.RawMessage(`{"type":"divider"}`)}, wantCode: "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
	vendortest.CheckExamples(t, vendortest.Manifest(t, "slack.notify"))
}
