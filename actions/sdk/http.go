package sdk

import (
	"encoding/json"
	"fmt"
)

// Request is an HTTP request made through the host. The host reaches only
// the hosts that the manifest declares in capabilities.hosts.
type Request struct {
	Method  string            `json:"method"` // "GET" when empty
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body,omitempty"`
}

// Response is the host's HTTP response. Headers with several values are
// joined with ", ".
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"`
}

// JSON decodes the response body into v.
func (r *Response) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode response body: %w", err)
	}
	return nil
}

// HTTP sends req through the host. A request the host rejects returns an
// *Error with code "host_call_denied"; other failures have the codes
// "invalid_request", "response_too_large", "timeout" and "http_failed".
// A response with any status, including 4xx and 5xx, is not an error.
func (c *Context) HTTP(req *Request) (*Response, error) {
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, Errorf("invalid_request", "encode request: %v", err)
	}
	out, err := hostHTTP(raw)
	if err != nil {
		return nil, err
	}
	var result struct {
		Response
		Error *Error `json:"error"`
	}
	if err := json.Unmarshal(out, &result); err != nil {
		return nil, Errorf("http_failed", "decode host result: %v", err)
	}
	if result.Error != nil {
		return nil, result.Error
	}
	return &result.Response, nil
}
