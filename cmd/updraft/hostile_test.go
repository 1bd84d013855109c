package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/updraftsoar/updraft/runtime"
)

// hostileDir is the hostile test module of the wasm package, a Go main
// package whose input "mode" names the way it misbehaves.
const hostileDir = "../../runtime/wasm/testdata/hostile"

// hostilePlaybook runs test.hostile@1.0.0 with the webhook body's mode and
// lines.
const hostilePlaybook = `{
  "name": "Hostile module",
  "nodes": [
    {"id": "hook", "type": "trigger", "name": "Hook", "position": {"x": 0, "y": 0},
     "settings": {"kind": "webhook"}},
    {"id": "hostile", "type": "action", "name": "Hostile", "position": {"x": 240, "y": 0},
     "settings": {"action": "test.hostile@1.0.0",
       "inputs": {"mode": "${{ trigger.mode }}", "lines": "${{ trigger.lines }}"}}}
  ],
  "edges": [{"from": "hook", "port": "success", "to": "hostile"}]
}`

// buildHostile builds the hostile module for wasip1 and returns its bytes.
func buildHostile(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hostile.wasm")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = hostileDir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", hostileDir, err, b)
	}
	module, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return module
}

func TestServer_KeepsServingDuringHostileRuns(t *testing.T) {
	receiver := newNotificationReceiver(t)
	srv := startServer(t)

	manifest, err := os.ReadFile(filepath.Join(hostileDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if resp := srv.publish(t, manifest, buildHostile(t), ""); resp.Status != http.StatusCreated {
		t.Fatalf("publish: status %d, want 201; body %s", resp.Status, resp.Body)
	}
	var hostile, example savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", []byte(hostilePlaybook),
		http.StatusCreated, &hostile)
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks",
		examplePlaybook(t, receiver.URL+"/notify"), http.StatusCreated, &example)

	tests := []struct {
		mode    string
		code    string
		message string // a part of the step's error message
	}{
		{"loop", "timeout", "deadline"},
		{"alloc", "memory_limit", "out of memory"},
		{"stdout_flood", "output_too_large", "1048576 bytes"},
		{"log_flood", "exit_status", "status 4"},
	}
	runs := make([]string, len(tests))
	for i, tt := range tests {
		body := `{"mode":"` + tt.mode + `","lines":5000}`
		runs[i] = postWebhook(t, hostile.Webhooks[0].URL, "application/json", []byte(body))
	}

	// Ordinary runs start while the hostile ones execute, and succeed.
	alert := readFile(t, "examples/alert-phishing.json")
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			runID := postWebhook(t, example.Webhooks[0].URL, "application/json", alert)
			checkRunFinished(t, srv.followRun(t, runID, 0), runtime.RunSucceeded)
		})
	}
	wg.Wait()

	for i, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			events := srv.followRunAll(t, runs[i])
			checkRunFinished(t, events, runtime.RunFailed)
			step, ok := srv.runSteps(t, runs[i])["hostile"]
			if !ok || step.Error == nil {
				t.Fatalf("step hostile = %+v, want a failed step with an error", step)
			}
			if step.Error.Code != tt.code {
				t.Errorf("error code %q (message %q), want %q", step.Error.Code, step.Error.Message, tt.code)
			}
			if !strings.Contains(step.Error.Message, tt.message) {
				t.Errorf("error message %q does not contain %q", step.Error.Message, tt.message)
			}
			if tt.mode == "log_flood" {
				checkLogFlood(t, events)
			}
		})
	}
}

// checkLogFlood checks that a flood of 10,002 lines was stored as the
// host's line cap and one line with the number dropped. The lines are the
// refused secret_get of "token", which the playbook does not grant,
// 2 x 5,000 flood lines and one long line.
func checkLogFlood(t *testing.T, events []runtime.Event) {
	t.Helper()
	var lines []string
	for _, ev := range events {
		if ev.Type != runtime.EventStepLog {
			continue
		}
		var data struct {
			Line string `json:"line"`
		}
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Fatalf("step.log data %s: %v", ev.Data, err)
		}
		lines = append(lines, data.Line)
	}
	if len(lines) != 1001 {
		t.Fatalf("%d step.log events, want 1,000 lines and the drop count", len(lines))
	}
	if want := "log lines dropped: 9002"; lines[1000] != want {
		t.Errorf("last step.log line %q, want %q", lines[1000], want)
	}
}

// followRunAll reads all events of a run like followRun and reconnects
// after the last event it got when the server closes a stream whose
// client fell behind.
func (s *testServer) followRunAll(t *testing.T, runID string) []runtime.Event {
	t.Helper()
	header := http.Header{"Authorization": {"Bearer " + s.Token}}
	var events []runtime.Event
	for {
		after := int64(0)
		if len(events) > 0 {
			after = events[len(events)-1].Seq
		}
		wsURL := "ws" + strings.TrimPrefix(s.URL, "http") + "/api/v1/runs/" + runID +
			"/events?after=" + strconv.FormatInt(after, 10)
		conn, resp, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, header)
		if err != nil {
			t.Fatalf("dial %s: %v (response %v)", wsURL, err, resp)
		}
		done, err := readEvents(conn, &events)
		conn.Close()
		if done {
			return events
		}
		if !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
			t.Fatalf("run %s: read event after %d events: %v", runID, len(events), err)
		}
	}
}

// readEvents appends the events of conn to events until the server closes
// it, and reports whether it closed normally, after run.finished.
func readEvents(conn *websocket.Conn, events *[]runtime.Event) (bool, error) {
	for {
		// The deadline only keeps a hung run from blocking the test forever.
		if err := conn.SetReadDeadline(time.Now().Add(2 * time.Minute)); err != nil {
			return false, err
		}
		var ev runtime.Event
		err := conn.ReadJSON(&ev)
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		*events = append(*events, ev)
	}
}
