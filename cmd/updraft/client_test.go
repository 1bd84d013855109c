package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/updraftsoar/updraft/runtime"
)

// exampleNotifyURL is the notification URL written in the example
// playbook; tests replace it with their receiver's URL.
const exampleNotifyURL = "http://127.0.0.1:8090/notify"

// apiResponse is a decoded API response.
type apiResponse struct {
	Status int
	Body   []byte
}

// apiError is the error shape of every API failure.
type apiError struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Problems []struct {
			NodeID  string `json:"node_id"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"problems"`
	} `json:"error"`
}

// do sends a request with the admin token unless header already sets
// Authorization or sets it to "".
func (s *testServer) do(t *testing.T, method, path string, body []byte, header http.Header) apiResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	for key, values := range header {
		req.Header.Del(key)
		for _, v := range values {
			if v != "" {
				req.Header.Add(key, v)
			}
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return apiResponse{Status: resp.StatusCode, Body: data}
}

// mustDo is do that fails the test unless the status is want, and decodes
// the body into out when out is not nil.
func (s *testServer) mustDo(t *testing.T, method, path string, body []byte, want int, out any) {
	t.Helper()
	resp := s.do(t, method, path, body, nil)
	if resp.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.Status, want, resp.Body)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, resp.Body, err)
		}
	}
}

// savedPlaybook is the part of a playbook response the tests read.
type savedPlaybook struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Webhooks []struct {
		NodeID string `json:"node_id"`
		URL    string `json:"url"`
	} `json:"webhooks"`
}

// runWithSteps is GET /api/v1/runs/{id}.
type runWithSteps struct {
	runtime.Run
	Steps []runtime.Step `json:"steps"`
}

// readFile reads a file relative to the repository root.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// examplePlaybook returns the phishing example with its notification URL
// replaced by notifyURL.
func examplePlaybook(t *testing.T, notifyURL string) []byte {
	t.Helper()
	data := readFile(t, "examples/phishing-triage.json")
	if !bytes.Contains(data, []byte(exampleNotifyURL)) {
		t.Fatalf("examples/phishing-triage.json no longer contains %s", exampleNotifyURL)
	}
	return bytes.ReplaceAll(data, []byte(exampleNotifyURL), []byte(notifyURL))
}

// postWebhook posts body to a webhook URL and returns the run id.
func postWebhook(t *testing.T, url, contentType string, body []byte) string {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook status %d, want 202; body %s", resp.StatusCode, data)
	}
	var started struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal(data, &started); err != nil || started.RunID == "" {
		t.Fatalf("webhook response %s has no run_id: %v", data, err)
	}
	return started.RunID
}

// followRun reads the run's events from the websocket, starting after
// seq after, until the server closes it after run.finished.
func (s *testServer) followRun(t *testing.T, runID string, after int64) []runtime.Event {
	t.Helper()
	wsURL := "ws" + strings.TrimPrefix(s.URL, "http") + "/api/v1/runs/" + runID + "/events?after=" +
		strconv.FormatInt(after, 10)
	header := http.Header{"Authorization": {"Bearer " + s.Token}}
	conn, resp, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, header)
	if err != nil {
		t.Fatalf("dial %s: %v (response %v)", wsURL, err, resp)
	}
	defer conn.Close()

	var events []runtime.Event
	for {
		// The deadline only keeps a hung run from blocking the test forever.
		if err := conn.SetReadDeadline(time.Now().Add(2 * time.Minute)); err != nil {
			t.Fatal(err)
		}
		var ev runtime.Event
		err := conn.ReadJSON(&ev)
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			return events
		}
		if err != nil {
			t.Fatalf("run %s: read event after %d events: %v", runID, len(events), err)
		}
		events = append(events, ev)
	}
}
