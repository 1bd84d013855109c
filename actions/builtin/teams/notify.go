// Package teams is the bundled action teams.notify: it posts a card to a
// Microsoft Teams channel through a Workflows webhook or a legacy incoming
// webhook.
package teams

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	secretWebhook = "teams_webhook_url"

	formatAdaptive = "adaptive_card"
	formatMessage  = "message_card"

	adaptiveContentType = "application/vnd.microsoft.card.adaptive"
	adaptiveSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
)

// Input is the input of teams.notify.
type Input struct {
	Text  string `json:"text"`
	Title string `json:"title,omitempty"`
	// Format is adaptive_card (the default) or message_card, the legacy
	// format that only Office 365 connector webhooks render.
	Format string `json:"format,omitempty"`
	// Card replaces the generated Adaptive Card; Text is then unused.
	Card json.RawMessage `json:"card,omitempty"`
	// ThemeColor is the MessageCard accent color as hex, such as "D13438".
	ThemeColor string `json:"theme_color,omitempty"`
}

// Output is the output of teams.notify.
type Output struct {
	OK     bool   `json:"ok"`
	Status int    `json:"status"`
	Format string `json:"format"`
}

// Run posts the card to the webhook URL in the secret teams_webhook_url.
// Workflows webhooks return 202 Accepted and legacy incoming webhooks 200
// with the text "1"; any 2xx status counts as accepted.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	payload, format, err := buildPayload(in)
	if err != nil {
		return Output{}, err
	}
	hook, err := vendorapi.Secret(ctx, secretWebhook)
	if err != nil {
		return Output{}, err
	}
	req, err := vendorapi.NewJSONRequest("POST", hook, nil, payload)
	if err != nil {
		return Output{}, err
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		// The webhook URL carries its credential, so the message omits it.
		return Output{}, sdk.Errorf(vendorapi.StatusCode(resp.Status),
			"teams: webhook returned status %d: %s", resp.Status, vendorapi.Snippet(resp.Body))
	}
	return Output{OK: true, Status: resp.Status, Format: format}, nil
}

// buildPayload returns the request body and the format used.
func buildPayload(in Input) (any, string, error) {
	card := bytes.TrimSpace(in.Card)
	if string(card) == "null" {
		card = nil
	}
	if len(card) == 0 && strings.TrimSpace(in.Text) == "" {
		return nil, "", sdk.Errorf(vendorapi.CodeInvalidInput, "input text is empty and no card is given")
	}
	switch in.Format {
	case "", formatAdaptive:
		if len(card) > 0 {
			if card[0] != '{' {
				return nil, "", sdk.Errorf(vendorapi.CodeInvalidInput, "input card is not a JSON object")
			}
			return adaptiveMessage(json.RawMessage(card)), formatAdaptive, nil
		}
		return adaptiveMessage(adaptiveCard(in.Title, in.Text)), formatAdaptive, nil
	case formatMessage:
		if len(card) > 0 {
			return nil, "", sdk.Errorf(vendorapi.CodeInvalidInput,
				"input card is an Adaptive Card and needs format adaptive_card")
		}
		return messageCard(in), formatMessage, nil
	default:
		return nil, "", sdk.Errorf(vendorapi.CodeInvalidInput,
			"input format %q is not adaptive_card or message_card", in.Format)
	}
}

// adaptiveMessage wraps an Adaptive Card in the message envelope that
// Teams webhooks take: {"type":"message","attachments":[...]}.
func adaptiveMessage(card any) map[string]any {
	return map[string]any{
		"type": "message",
		"attachments": []map[string]any{{
			"contentType": adaptiveContentType,
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// adaptiveCard returns an Adaptive Card 1.4 with an optional bold title
// and the wrapped text.
func adaptiveCard(title, text string) map[string]any {
	var body []map[string]any
	if title != "" {
		body = append(body, map[string]any{
			"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true,
		})
	}
	body = append(body, map[string]any{"type": "TextBlock", "text": text, "wrap": true})
	return map[string]any{
		"$schema": adaptiveSchema,
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
	}
}

// messageCard returns a legacy actionable MessageCard. Summary is
// required by Teams when the card has no text, so it is always set.
func messageCard(in Input) map[string]any {
	summary := in.Title
	if summary == "" {
		summary = in.Text
	}
	card := map[string]any{
		"@type":    "MessageCard",
		"@context": "https://schema.org/extensions",
		"summary":  summary,
		"text":     in.Text,
	}
	if in.Title != "" {
		card["title"] = in.Title
	}
	if in.ThemeColor != "" {
		card["themeColor"] = strings.TrimPrefix(in.ThemeColor, "#")
	}
	return card
}
