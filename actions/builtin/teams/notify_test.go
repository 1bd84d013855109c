package teams

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendortest"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// fakeTeams serves a Workflows webhook at /workflows/hook, which returns
// 202 Accepted to a {"type":"message","attachments":[...]} body, and a
// legacy incoming webhook at /webhookb2/hook, which returns 200 with "1"
// to a MessageCard (Microsoft Teams "Create Incoming Webhooks"). It
// stores the last body in got.
func fakeTeams(t *testing.T, got *map[string]any) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = nil
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			json.Unmarshal(body, got) != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("Bad payload received by generic incoming webhook."))
			return
		}
		switch r.URL.Path {
		case "/workflows/hook":
			if (*got)["type"] != "message" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		case "/webhookb2/hook":
			if (*got)["summary"] == "" && (*got)["text"] == "" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte("Summary or Text is required."))
				return
			}
			_, _ = w.Write([]byte("1"))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

func TestRun_AdaptiveCard(t *testing.T) {
	var got map[string]any
	srv := fakeTeams(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "teams.notify")
	ctx := sdk.NewTestContext(map[string]string{secretWebhook: srv.URL + "/workflows/hook"})

	in := Input{Title: "Phishing triage", Text: "Blocked 203.0.113.9"}
	vendortest.ValidateInput(t, m, in)
	out, err := Run(ctx, in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out != (Output{OK: true, Status: 202, Format: "adaptive_card"}) {
		t.Errorf("output = %+v", out)
	}
	vendortest.ValidateOutput(t, m, out)

	attachments, _ := got["attachments"].([]any)
	if len(attachments) != 1 {
		t.Fatalf("attachments = %v, want one", got["attachments"])
	}
	att := attachments[0].(map[string]any)
	if att["contentType"] != adaptiveContentType {
		t.Errorf("contentType = %v", att["contentType"])
	}
	card := att["content"].(map[string]any)
	body := card["body"].([]any)
	if card["type"] != "AdaptiveCard" || len(body) != 2 {
		t.Fatalf("card = %v, want an AdaptiveCard with two blocks", card)
	}
	if body[1].(map[string]any)["text"] != "Blocked 203.0.113.9" {
		t.Errorf("text block = %v", body[1])
	}
}

func TestRun_GivenCard(t *testing.T) {
	var got map[string]any
	srv := fakeTeams(t, &got)
	defer srv.Close()
	ctx := sdk.NewTestContext(map[string]string{secretWebhook: srv.URL + "/workflows/hook"})

	card := `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"custom"}]}`
	if _, err := Run(ctx, Input{Card: json.RawMessage(card)}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	content := got["attachments"].([]any)[0].(map[string]any)["content"].(map[string]any)
	if content["version"] != "1.5" {
		t.Errorf("content = %v, want the given card", content)
	}
}

func TestRun_MessageCard(t *testing.T) {
	var got map[string]any
	srv := fakeTeams(t, &got)
	defer srv.Close()
	m := vendortest.Manifest(t, "teams.notify")
	ctx := sdk.NewTestContext(map[string]string{secretWebhook: srv.URL + "/webhookb2/hook"})

	out, err := Run(ctx, Input{Text: "Blocked", Format: "message_card", ThemeColor: "#D13438"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out != (Output{OK: true, Status: 200, Format: "message_card"}) {
		t.Errorf("output = %+v", out)
	}
	vendortest.ValidateOutput(t, m, out)
	if got["@type"] != "MessageCard" || got["summary"] != "Blocked" || got["themeColor"] != "D13438" {
		t.Errorf("sent %v", got)
	}
}

func TestRun_Errors(t *testing.T) {
	var got map[string]any
	srv := fakeTeams(t, &got)
	defer srv.Close()
	hook := map[string]string{secretWebhook: srv.URL + "/workflows/hook"}

	tests := []struct {
		name     string
		secrets  map[string]string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{name: "deleted webhook", secrets: map[string]string{secretWebhook: srv.URL + "/gone"},
			in: Input{Text: "x"}, wantCode: "not_found", wantMsg: "not_found: teams: webhook returned status 404: "},
		{name: "missing secret", in: Input{Text: "x"}, wantCode: "secret_unavailable"},
		{name: "no text or card", secrets: hook, in: Input{Title: "t"}, wantCode: "invalid_input"},
		{name: "unknown format", secrets: hook, in: Input{Text: "x", Format: "html"}, wantCode: "invalid_input"},
		{name: "card with message format", secrets: hook,
			in: Input{Card: json.RawMessage(`{"type":"AdaptiveCard"}`), Format: "message_card"}, wantCode: "invalid_input"},
		{name: "card not object", secrets: hook, in: Input{Card: json.RawMessage(`[1]`)}, wantCode: "invalid_input"},
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
	vendortest.CheckExamples(t, vendortest.Manifest(t, "teams.notify"))
}
