// Package vendorapi holds the request and error helpers that the bundled
// vendor actions share: secrets, base URLs, JSON requests and the mapping
// of vendor HTTP statuses to action error codes.
package vendorapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// Error codes of the vendor actions. Each becomes the step's error code.
const (
	CodeInvalidInput      = "invalid_input"      // the input or the request built from it was rejected
	CodeUnauthorized      = "unauthorized"       // the vendor rejected the credentials (401 or 403)
	CodeNotFound          = "not_found"          // the vendor has no such object (404)
	CodeRateLimited       = "rate_limited"       // the vendor throttled the request (429)
	CodeVendorError       = "vendor_error"       // any other failure the vendor reported
	CodeSecretUnavailable = "secret_unavailable" // a secret was not granted to the action
)

// Secret returns the secret name, or an error with code
// secret_unavailable when it was not granted or is empty.
func Secret(ctx *sdk.Context, name string) (string, error) {
	v, ok := ctx.Secret(name)
	if !ok || v == "" {
		return "", sdk.Errorf(CodeSecretUnavailable,
			"secret %q is not granted to this action; grant it in the secrets settings", name)
	}
	return v, nil
}

// BaseURL returns base, or fallback when base is empty, without a trailing
// slash. It rejects a URL that is not absolute http or https, or that has
// a query or fragment.
func BaseURL(base, fallback string) (string, error) {
	if base == "" {
		base = fallback
	}
	if base == "" {
		return "", sdk.Errorf(CodeInvalidInput, "input base_url is missing")
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", sdk.Errorf(CodeInvalidInput, "input base_url %q: %v", base, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", sdk.Errorf(CodeInvalidInput,
			"input base_url %q is not an absolute http or https URL", base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", sdk.Errorf(CodeInvalidInput,
			"input base_url %q has a query or fragment; give the API root only", base)
	}
	return strings.TrimRight(base, "/"), nil
}

// NewJSONRequest returns a request whose body is body encoded as JSON,
// with Content-Type and Accept set to application/json. Headers add to or
// replace those two.
func NewJSONRequest(method, rawURL string, headers map[string]string, body any) (*sdk.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request body: %w", err)
	}
	req := &sdk.Request{
		Method: method,
		URL:    rawURL,
		Headers: map[string]string{
			"Content-Type": "application/json",
			"Accept":       "application/json",
		},
		Body: b,
	}
	for k, v := range headers {
		req.Headers[k] = v
	}
	return req, nil
}

// BasicAuth returns the value of an Authorization header for HTTP Basic
// authentication (RFC 7617).
func BasicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// OK reports whether status is 2xx.
func OK(status int) bool { return status >= 200 && status < 300 }

// StatusError returns the error for a response with a status that is not
// 2xx: 400 and 422 map to invalid_input, 401 and 403 to unauthorized, 404
// to not_found, 429 to rate_limited and any other status to vendor_error.
// The message names the vendor, the request and the status, followed by
// detail when it is not empty and by the start of the body otherwise.
func StatusError(vendor string, req *sdk.Request, resp *sdk.Response, detail string) error {
	if detail == "" {
		detail = Snippet(resp.Body)
	}
	msg := fmt.Sprintf("%s: %s %s returned status %d", vendor, method(req), path(req.URL), resp.Status)
	if detail != "" {
		msg += ": " + detail
	}
	if retry := header(resp.Headers, "Retry-After"); resp.Status == 429 && retry != "" {
		msg += "; retry after " + retry + " s"
	}
	return &sdk.Error{Code: StatusCode(resp.Status), Message: msg}
}

// StatusCode returns the action error code for a vendor HTTP status that
// is not 2xx.
func StatusCode(status int) string {
	switch status {
	case 400, 422:
		return CodeInvalidInput
	case 401, 403:
		return CodeUnauthorized
	case 404:
		return CodeNotFound
	case 429:
		return CodeRateLimited
	default:
		return CodeVendorError
	}
}

// DecodeJSON decodes a response body into v, or returns a vendor_error
// that names the vendor.
func DecodeJSON(vendor string, resp *sdk.Response, v any) error {
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return sdk.Errorf(CodeVendorError, "%s: response status %d: decode body: %v: %s",
			vendor, resp.Status, err, Snippet(resp.Body))
	}
	return nil
}

// Snippet returns the start of a response body, at most 300 bytes, for
// error messages.
func Snippet(body []byte) string {
	const maxLen = 300
	s := strings.TrimSpace(string(body))
	if len(s) > maxLen {
		return s[:maxLen] + "..."
	}
	return s
}

func method(req *sdk.Request) string {
	if req.Method == "" {
		return "GET"
	}
	return req.Method
}

// path returns the path of rawURL without the query, which may hold an
// indicator or a key.
func path(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.EscapedPath()
}

func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
