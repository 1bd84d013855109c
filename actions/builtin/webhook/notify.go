// Package webhook is the bundled action webhook.notify: it posts a JSON
// payload to any approved URL, signed with HMAC-SHA256 when a signing
// secret is granted.
package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	secretSigning          = "webhook_signing_secret"
	defaultSignatureHeader = "X-Updraft-Signature"
	timestampHeader        = "X-Updraft-Timestamp"
	idempotencyHeader      = "Idempotency-Key"
)

// Input is the input of webhook.notify.
type Input struct {
	URL     string            `json:"url"`
	Payload json.RawMessage   `json:"payload"`
	Headers map[string]string `json:"headers,omitempty"`
	// SignatureHeader names the signature header; empty means
	// X-Updraft-Signature.
	SignatureHeader string `json:"signature_header,omitempty"`
}

// Output is the output of webhook.notify.
type Output struct {
	Status int    `json:"status"`
	Signed bool   `json:"signed"`
	Body   string `json:"body"`
}

// now is the clock for the signature timestamp; tests replace it.
var now = time.Now

// Run posts the payload. When the secret webhook_signing_secret is
// granted, it sets the timestamp header to the Unix time in seconds and
// the signature header to "sha256=" and the hex HMAC-SHA256 of
// "<timestamp>.<body>" under the secret, so a receiver can reject
// replays. A 4xx or 5xx response fails the step.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	if err := checkURL(in.URL); err != nil {
		return Output{}, err
	}
	body := bytes.TrimSpace(in.Payload)
	if len(body) == 0 || !json.Valid(body) {
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input payload is missing or not JSON")
	}

	req := &sdk.Request{Method: "POST", URL: in.URL, Headers: map[string]string{}, Body: body}
	for k, v := range in.Headers {
		req.Headers[http.CanonicalHeaderKey(k)] = v
	}
	req.Headers["Content-Type"] = "application/json"
	if ctx.IdempotencyKey != "" {
		req.Headers[idempotencyHeader] = ctx.IdempotencyKey
	}
	signed := false
	if key, ok := ctx.Secret(secretSigning); ok && key != "" {
		header := in.SignatureHeader
		if header == "" {
			header = defaultSignatureHeader
		}
		ts := strconv.FormatInt(now().Unix(), 10)
		req.Headers[timestampHeader] = ts
		req.Headers[http.CanonicalHeaderKey(header)] = Sign(key, ts, body)
		signed = true
	}

	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if resp.Status >= 400 {
		return Output{}, vendorapi.StatusError("webhook", req, resp, "")
	}
	return Output{Status: resp.Status, Signed: signed, Body: vendorapi.Snippet(resp.Body)}, nil
}

// Sign returns "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>"
// under key.
func Sign(key, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return sdk.Errorf(vendorapi.CodeInvalidInput, "input url %q is not an absolute http or https URL", raw)
	}
	return nil
}
