package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// notificationReceiver records the JSON bodies posted to it.
type notificationReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newNotificationReceiver(t *testing.T) *notificationReceiver {
	t.Helper()
	r := &notificationReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *notificationReceiver) received() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.bodies)
}

func TestE2E_PhishingTriage(t *testing.T) {
	receiver := newNotificationReceiver(t)
	srv := startServer(t)

	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks",
		examplePlaybook(t, receiver.URL+"/notify"), http.StatusCreated, &saved)
	if saved.Version != 1 || len(saved.Webhooks) != 1 || saved.Webhooks[0].NodeID != "report" {
		t.Fatalf("saved playbook = %+v, want version 1 with one webhook on node report", saved)
	}
	hookURL := saved.Webhooks[0].URL

	t.Run("phishing alert is malicious", func(t *testing.T) {
		runID := postWebhook(t, hookURL, "application/json", readFile(t, "examples/alert-phishing.json"))
		events := srv.followRun(t, runID, 0)
		checkEventSequence(t, events)
		checkRunFinished(t, events, runtime.RunSucceeded)

		notes := receiver.received()
		if len(notes) != 1 {
			t.Fatalf("receiver got %d notifications, want 1", len(notes))
		}
		var note struct {
			Verdict    string   `json:"verdict"`
			Indicators []string `json:"indicators"`
		}
		if err := json.Unmarshal(notes[0], &note); err != nil {
			t.Fatalf("notification %s: %v", notes[0], err)
		}
		if note.Verdict != "malicious" {
			t.Errorf("verdict = %q, want malicious", note.Verdict)
		}
		if !slices.Contains(note.Indicators, "paypa1-secure.example") {
			t.Errorf("indicators = %q, want paypa1-secure.example among them", note.Indicators)
		}

		steps := srv.runSteps(t, runID)
		checkStep(t, steps, "notify", runtime.StepSucceeded)
		checkStep(t, steps, "malicious", runtime.StepSucceeded)
		checkStep(t, steps, "benign", runtime.StepSkipped)

		// A client that reconnects after seq 2 gets exactly the rest.
		rest := srv.followRun(t, runID, 2)
		if len(rest) != len(events)-2 {
			t.Fatalf("reconnect after 2 got %d events, want %d", len(rest), len(events)-2)
		}
		if rest[0].Seq != 3 {
			t.Errorf("reconnect after 2 starts at seq %d, want 3", rest[0].Seq)
		}
	})

	t.Run("benign alert ends benign", func(t *testing.T) {
		before := len(receiver.received())
		runID := postWebhook(t, hookURL, "application/json", readFile(t, "examples/alert-benign.json"))
		events := srv.followRun(t, runID, 0)
		checkEventSequence(t, events)
		checkRunFinished(t, events, runtime.RunSucceeded)

		if got := len(receiver.received()); got != before {
			t.Errorf("receiver got %d new notifications, want none", got-before)
		}
		steps := srv.runSteps(t, runID)
		checkStep(t, steps, "benign", runtime.StepSucceeded)
		checkStep(t, steps, "notify", runtime.StepSkipped)

		var run runWithSteps
		srv.mustDo(t, http.MethodGet, "/api/v1/runs/"+runID, nil, http.StatusOK, &run)
		var output struct {
			Verdict string `json:"verdict"`
		}
		if err := json.Unmarshal(run.Output, &output); err != nil || output.Verdict != "benign" {
			t.Errorf("run output = %s, want verdict benign", run.Output)
		}
	})
}

// runSteps returns the steps of a run by node id.
func (s *testServer) runSteps(t *testing.T, runID string) map[string]runtime.Step {
	t.Helper()
	var run runWithSteps
	s.mustDo(t, http.MethodGet, "/api/v1/runs/"+runID, nil, http.StatusOK, &run)
	steps := make(map[string]runtime.Step, len(run.Steps))
	for _, step := range run.Steps {
		steps[step.NodeID] = step
	}
	return steps
}

func checkStep(t *testing.T, steps map[string]runtime.Step, nodeID string, want runtime.StepStatus) {
	t.Helper()
	step, ok := steps[nodeID]
	if !ok {
		// A skipped node may have no stored step.
		if want != runtime.StepSkipped {
			t.Errorf("node %q has no step, want status %s", nodeID, want)
		}
		return
	}
	if step.Status != want {
		t.Errorf("node %q: step status %s, want %s (error %+v)", nodeID, step.Status, want, step.Error)
	}
}

// checkEventSequence checks that seq counts from 1 without gaps.
func checkEventSequence(t *testing.T, events []runtime.Event) {
	t.Helper()
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d (%s) has seq %d, want %d", i, ev.Type, ev.Seq, i+1)
		}
	}
}

// checkRunFinished checks that the last event is run.finished with status
// want.
func checkRunFinished(t *testing.T, events []runtime.Event, want runtime.RunStatus) {
	t.Helper()
	if len(events) == 0 {
		t.Fatal("no events")
	}
	last := events[len(events)-1]
	if last.Type != runtime.EventRunFinished {
		t.Fatalf("last event is %s, want %s", last.Type, runtime.EventRunFinished)
	}
	var data struct {
		Status runtime.RunStatus `json:"status"`
		Error  any               `json:"error"`
	}
	if err := json.Unmarshal(last.Data, &data); err != nil {
		t.Fatalf("run.finished data %s: %v", last.Data, err)
	}
	if data.Status != want {
		t.Fatalf("run finished %s, want %s (data %s)", data.Status, want, last.Data)
	}
}
