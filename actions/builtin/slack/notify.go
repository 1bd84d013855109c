// Package slack is the bundled action slack.notify: it posts a message to
// Slack through an incoming webhook or the chat.postMessage Web API method.
package slack

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor        = "slack"
	defaultBase   = "https://slack.com/api"
	secretWebhook = "slack_webhook_url"
	secretToken   = "slack_bot_token"
)

// Input is the input of slack.notify.
type Input struct {
	Text string `json:"text"`
	// Blocks is an optional Block Kit array; Text is then the fallback
	// for notifications.
	Blocks json.RawMessage `json:"blocks,omitempty"`
	// Channel selects chat.postMessage with the bot token; empty selects
	// the incoming webhook, whose channel is fixed.
	Channel  string `json:"channel,omitempty"`
	ThreadTS string `json:"thread_ts,omitempty"`
	BaseURL  string `json:"base_url,omitempty"`
}

// Output is the output of slack.notify.
type Output struct {
	OK     bool   `json:"ok"`
	Method string `json:"method"` // "webhook" or "chat.postMessage"
	// Channel and TS identify the posted message; the webhook returns
	// neither, so they are empty for it.
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

type message struct {
	Channel  string          `json:"channel,omitempty"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
	ThreadTS string          `json:"thread_ts,omitempty"`
}

// Run posts the message.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	if strings.TrimSpace(in.Text) == "" {
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input text is empty")
	}
	blocks := bytes.TrimSpace(in.Blocks)
	if len(blocks) > 0 && string(blocks) != "null" && blocks[0] != '[' {
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input blocks is not a JSON array")
	}
	if string(blocks) == "null" {
		blocks = nil
	}
	msg := message{Channel: in.Channel, Text: in.Text, Blocks: blocks, ThreadTS: in.ThreadTS}
	if in.Channel == "" {
		return postWebhook(ctx, msg)
	}
	return postMessage(ctx, in.BaseURL, msg)
}

// postWebhook posts to the incoming webhook URL, which returns 200 with
// the text "ok" and an error word such as invalid_payload otherwise.
func postWebhook(ctx *sdk.Context, msg message) (Output, error) {
	hook, err := vendorapi.Secret(ctx, secretWebhook)
	if err != nil {
		return Output{}, err
	}
	req, err := vendorapi.NewJSONRequest("POST", hook, nil, msg)
	if err != nil {
		return Output{}, err
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, webhookError(req, resp)
	}
	return Output{OK: true, Method: "webhook"}, nil
}

// webhookError maps the webhook's error words to codes. The URL is a
// secret, so the message names neither it nor its path.
func webhookError(req *sdk.Request, resp *sdk.Response) error {
	word := vendorapi.Snippet(resp.Body)
	code := vendorapi.StatusCode(resp.Status)
	switch word {
	case "channel_not_found", "no_service", "channel_is_archived":
		code = vendorapi.CodeNotFound
	case "action_prohibited", "no_team", "team_disabled", "invalid_token":
		code = vendorapi.CodeUnauthorized
	}
	return sdk.Errorf(code, "slack: incoming webhook returned status %d: %s", resp.Status, word)
}

// postMessage calls chat.postMessage, which returns 200 with {"ok":false,
// "error":...} for most failures and 429 when rate limited.
func postMessage(ctx *sdk.Context, baseURL string, msg message) (Output, error) {
	base, err := vendorapi.BaseURL(baseURL, defaultBase)
	if err != nil {
		return Output{}, err
	}
	token, err := vendorapi.Secret(ctx, secretToken)
	if err != nil {
		return Output{}, err
	}
	req, err := vendorapi.NewJSONRequest("POST", base+"/chat.postMessage",
		map[string]string{
			"Authorization": "Bearer " + token,
			"Content-Type":  "application/json; charset=utf-8",
		}, msg)
	if err != nil {
		return Output{}, err
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(vendor, req, resp, "")
	}

	var body struct {
		OK      bool   `json:"ok"`
		Error   string `json:"error"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	}
	if err := vendorapi.DecodeJSON(vendor, resp, &body); err != nil {
		return Output{}, err
	}
	if !body.OK {
		return Output{}, sdk.Errorf(apiErrorCode(body.Error),
			"slack: chat.postMessage to channel %q: %s", msg.Channel, body.Error)
	}
	return Output{OK: true, Method: "chat.postMessage", Channel: body.Channel, TS: body.TS}, nil
}

// apiErrorCode maps a Slack Web API error string to an action error code.
func apiErrorCode(apiError string) string {
	switch apiError {
	case "not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
		"missing_scope", "not_in_channel", "restricted_action", "ekm_access_denied", "access_denied":
		return vendorapi.CodeUnauthorized
	case "channel_not_found", "is_archived", "thread_not_found":
		return vendorapi.CodeNotFound
	case "ratelimited", "rate_limited", "message_limit_exceeded":
		return vendorapi.CodeRateLimited
	case "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "too_many_attachments",
		"invalid_arguments", "invalid_json", "json_not_object":
		return vendorapi.CodeInvalidInput
	default:
		return vendorapi.CodeVendorError
	}
}
