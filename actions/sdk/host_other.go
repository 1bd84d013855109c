//go:build !wasip1

package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

const (
	levelInfo = 1
	levelWarn = 2
)

// hostHTTP sends the request with net/http, for running an action outside
// the sandbox. No host list applies.
func hostHTTP(raw []byte) ([]byte, error) {
	var req Request
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, Errorf("invalid_request", "%v", err)
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	hreq, err := http.NewRequest(method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, Errorf("invalid_request", "%v", err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, Errorf("http_failed", "%v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, Errorf("http_failed", "%v", err)
	}
	headers := make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		headers[k] = strings.Join(v, ", ")
	}
	return json.Marshal(Response{Status: resp.StatusCode, Headers: headers, Body: body})
}

// hostSecret finds no secret, because outside the sandbox no host grants
// any.
func hostSecret(string) (string, bool) { return "", false }

func hostLog(level uint32, msg string) {
	name := map[uint32]string{levelInfo: "info", levelWarn: "warn"}[level]
	fmt.Fprintf(os.Stderr, "%s: %s\n", name, msg)
}
