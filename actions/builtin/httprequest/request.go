package httprequest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// Input is the input of http.request.
type Input struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	// Body is sent as is when it is a JSON string, and as JSON otherwise.
	Body json.RawMessage `json:"body"`
	// FailOnStatus fails the call on a 4xx or 5xx status; nil means true.
	FailOnStatus *bool `json:"fail_on_status"`
}

// Output is the output of http.request.
type Output struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	// Body is the parsed JSON value when the response is JSON, and a
	// string otherwise.
	Body any `json:"body"`
}

// BuildRequest turns the input into a host request. A body that is not a
// JSON string gets "Content-Type: application/json" unless the input sets
// a content type.
func BuildRequest(in Input) *sdk.Request {
	method := strings.ToUpper(in.Method)
	if method == "" {
		method = "GET"
	}
	req := &sdk.Request{Method: method, URL: in.URL, Headers: map[string]string{}}
	for k, v := range in.Headers {
		req.Headers[k] = v
	}

	body := bytes.TrimSpace(in.Body)
	if len(body) == 0 || string(body) == "null" {
		return req
	}
	var text string
	if err := json.Unmarshal(body, &text); err == nil {
		req.Body = []byte(text)
		return req
	}
	req.Body = body
	if !hasHeader(req.Headers, "Content-Type") {
		req.Headers["Content-Type"] = "application/json"
	}
	return req
}

// ParseResponse builds the output and fails on a 4xx or 5xx status unless
// the input turns that off.
func ParseResponse(in Input, resp *sdk.Response) (Output, error) {
	out := Output{Status: resp.Status, Headers: resp.Headers, Body: string(resp.Body)}
	if out.Headers == nil {
		out.Headers = map[string]string{}
	}
	if isJSON(headerValue(resp.Headers, "Content-Type")) && len(bytes.TrimSpace(resp.Body)) > 0 {
		var v any
		if err := json.Unmarshal(resp.Body, &v); err == nil {
			out.Body = v
		}
	}
	failOnStatus := in.FailOnStatus == nil || *in.FailOnStatus
	if failOnStatus && resp.Status >= 400 {
		return out, sdk.Errorf("http_status", "%s %s returned status %d: %s",
			strings.ToUpper(in.Method), in.URL, resp.Status, snippet(resp.Body))
	}
	return out, nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func hasHeader(h map[string]string, name string) bool {
	return headerValue(h, name) != ""
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		return fmt.Sprintf("%s...", s[:max])
	}
	return s
}
