package runtime_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/runtime/wasm"
)

// testActionRef names the module built from testdata/testaction.
const testActionRef = "test.action@1.0.0"

var (
	hostOnce sync.Once
	testHost *wasm.Host
	hostErr  error
	hostDir  string
)

// invoker returns a wasm Host that runs the test action, building the
// module on first use. TestMain closes it.
func invoker(t *testing.T) runtime.Invoker {
	t.Helper()
	hostOnce.Do(func() { testHost, hostErr = newTestHost() })
	if hostErr != nil {
		t.Fatalf("wasm host: %v", hostErr)
	}
	return testHost
}

func newTestHost() (*wasm.Host, error) {
	var err error
	hostDir, err = os.MkdirTemp("", "updraft-runtime-wasm-")
	if err != nil {
		return nil, err
	}
	module, err := buildTestAction(hostDir)
	if err != nil {
		return nil, err
	}

	sum := sha256.Sum256(module)
	sha := hex.EncodeToString(sum[:])
	reg := actions.NewRegistry()
	if err := reg.Add(actions.Action{Manifest: testManifest(), SHA256: sha}); err != nil {
		return nil, err
	}
	host, err := wasm.NewHost(context.Background(), wasm.Config{
		Registry: reg,
		Modules:  wasm.StaticModules{sha: module},
		CacheDir: filepath.Join(hostDir, "cache"),
	})
	if err != nil {
		return nil, err
	}

	// One call compiles the module, which takes minutes under the race
	// detector, so that no run waits for the compiler.
	_, err = host.Invoke(context.Background(), runtime.ActionCall{
		Action: testActionRef,
		Input:  json.RawMessage(`{"mode": "echo", "text": "warm up"}`),
		Log:    func(string) {},
	})
	if err != nil {
		host.Close(context.Background())
		return nil, fmt.Errorf("warm-up call: %w", err)
	}
	return host, nil
}

func buildTestAction(dir string) ([]byte, error) {
	out := filepath.Join(dir, "testaction.wasm")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/testaction")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, &buildError{err: err, output: string(msg)}
	}
	return os.ReadFile(out)
}

type buildError struct {
	err    error
	output string
}

func (e *buildError) Error() string { return "build testaction: " + e.err.Error() + ": " + e.output }

func testManifest() actions.Manifest {
	return actions.Manifest{
		ABI:     actions.ABIv1,
		Name:    "test.action",
		Version: "1.0.0",
		Title:   "Test action",
		InputSchema: json.RawMessage(`{"type": "object", "properties": {
			"mode": {"type": "string"}, "text": {"type": "string"}}}`),
		OutputSchema: json.RawMessage(`{"type": "object"}`),
		Limits:       actions.Limits{Timeout: "1m"},
	}
}

// closeTestHost releases the host if a test started it.
func closeTestHost() {
	if testHost != nil {
		testHost.Close(context.Background())
	}
	if hostDir != "" {
		os.RemoveAll(hostDir)
	}
}

func action(t *testing.T, id, mode string) designer.Node {
	return node(t, id, designer.NodeAction, designer.ActionSettings{
		Action: testActionRef,
		Inputs: map[string]any{"mode": mode, "text": "${{ trigger.ip }}"},
	})
}

func TestEngine_ActionNode(t *testing.T) {
	tests := []struct {
		name    string
		lookup  func(n *designer.Node)
		edges   []designer.Edge
		run     runtime.RunStatus
		steps   map[string]runtime.StepStatus
		port    string // port of the lookup step
		code    string // error code of the lookup step
		attempt int
	}{
		{
			name:    "success",
			lookup:  func(*designer.Node) {},
			run:     runtime.RunSucceeded,
			steps:   map[string]runtime.StepStatus{"lookup": succeeded, "report": succeeded},
			port:    designer.PortSuccess,
			attempt: 1,
		},
		{
			name:   "error port",
			lookup: func(n *designer.Node) { setMode(t, n, "fail") },
			edges:  []designer.Edge{edge("lookup", designer.PortError, "handle")},
			run:    runtime.RunSucceeded,
			steps: map[string]runtime.StepStatus{
				"lookup": failed, "report": skipped, "handle": succeeded,
			},
			port:    designer.PortError,
			code:    "lookup_failed",
			attempt: 1,
		},
		{
			name: "route without error edge",
			lookup: func(n *designer.Node) {
				setMode(t, n, "fail")
				n.OnError = designer.OnErrorRoute
			},
			run:     runtime.RunSucceeded,
			steps:   map[string]runtime.StepStatus{"lookup": failed, "report": skipped},
			port:    designer.PortError,
			code:    "lookup_failed",
			attempt: 1,
		},
		{
			name:    "failure fails run",
			lookup:  func(n *designer.Node) { setMode(t, n, "fail") },
			run:     runtime.RunFailed,
			steps:   map[string]runtime.StepStatus{"lookup": failed, "report": ""},
			code:    "lookup_failed",
			attempt: 1,
		},
		{
			name: "retry",
			lookup: func(n *designer.Node) {
				setMode(t, n, "flaky")
				n.Retry = &designer.RetryPolicy{Attempts: 3, InitialDelay: "1ms"}
			},
			run:     runtime.RunSucceeded,
			steps:   map[string]runtime.StepStatus{"lookup": succeeded, "report": succeeded},
			port:    designer.PortSuccess,
			attempt: 2,
		},
		{
			name: "retry on other code",
			lookup: func(n *designer.Node) {
				setMode(t, n, "flaky")
				n.Retry = &designer.RetryPolicy{Attempts: 3, RetryOn: []string{"timeout"}}
			},
			run:     runtime.RunFailed,
			steps:   map[string]runtime.StepStatus{"lookup": failed},
			code:    "unavailable",
			attempt: 1,
		},
		{
			name: "step timeout",
			lookup: func(n *designer.Node) {
				setMode(t, n, "spin")
				n.Timeout = "200ms"
			},
			run:     runtime.RunFailed,
			steps:   map[string]runtime.StepStatus{"lookup": failed},
			code:    runtime.CodeTimeout,
			attempt: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := action(t, "lookup", "echo")
			tt.lookup(&lookup)
			pb := newPlaybook(t, []designer.Node{
				trigger(t),
				lookup,
				transform(t, "report", map[string]any{"text": "${{ steps.lookup.output.text }}"}),
				transform(t, "handle", map[string]any{"code": "${{ steps.lookup.error.code }}"}),
			}, append([]designer.Edge{
				edge("start", designer.PortSuccess, "lookup"),
				edge("lookup", designer.PortSuccess, "report"),
			}, tt.edges...)...)
			e := newEngine(t, runtime.Config{Invoker: invoker(t)})

			r := startRun(t, e, pb, `{"ip": "203.0.113.9"}`)

			r.wantStatuses(t, tt.run, tt.steps)
			got := r.steps["lookup"]
			if got.Port != tt.port {
				t.Errorf("lookup port = %q, want %q", got.Port, tt.port)
			}
			if got.Attempt != tt.attempt {
				t.Errorf("lookup attempt = %d, want %d", got.Attempt, tt.attempt)
			}
			wantStepError(t, got, tt.code)
			if tt.code == "" {
				wantJSON(t, "lookup output", got.Output,
					`{"text": "203.0.113.9", "key": "`+got.ID+":"+itoa(tt.attempt)+`"}`)
				wantLogLine(t, r.events, "lookup", "echo 203.0.113.9")
			}
			if tt.steps["handle"] == succeeded {
				wantJSON(t, "handle output", r.steps["handle"].Output, `{"code": "`+tt.code+`"}`)
			}
			wantGapFree(t, r.events)
		})
	}
}

func setMode(t *testing.T, n *designer.Node, mode string) {
	t.Helper()
	*n = action(t, n.ID, mode)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func wantStepError(t *testing.T, step runtime.Step, code string) {
	t.Helper()
	switch {
	case code == "" && step.Error != nil:
		t.Errorf("step %q error = %+v, want none", step.NodeID, step.Error)
	case code != "" && step.Error == nil:
		t.Errorf("step %q error = nil, want code %q", step.NodeID, code)
	case code != "" && step.Error.Code != code:
		t.Errorf("step %q error = %+v, want code %q", step.NodeID, step.Error, code)
	}
}

func wantLogLine(t *testing.T, events []runtime.Event, nodeID, line string) {
	t.Helper()
	for _, ev := range events {
		if ev.Type == runtime.EventStepLog && ev.NodeID == nodeID &&
			strings.Contains(string(ev.Data), line) {
			return
		}
	}
	t.Errorf("no step.log event of %q with %q", nodeID, line)
}

func TestEngine_ActionInputRecorded(t *testing.T) {
	pb := newPlaybook(t, []designer.Node{trigger(t), action(t, "lookup", "echo")},
		edge("start", designer.PortSuccess, "lookup"))
	e := newEngine(t, runtime.Config{Invoker: invoker(t)})

	r := startRun(t, e, pb, `{"ip": "198.51.100.7"}`)

	wantJSON(t, "lookup input", r.steps["lookup"].Input, `{"mode": "echo", "text": "198.51.100.7"}`)
}

// waitStepStarted returns once the step of nodeID in the run runID has
// started.
func waitStepStarted(t *testing.T, e *runtime.Engine, runID, nodeID string) {
	t.Helper()
	waitEvent(t, e, runID, runtime.EventStepStarted, nodeID)
}

func TestEngine_CancelActiveRun(t *testing.T) {
	e := newEngine(t, runtime.Config{Invoker: invoker(t)})
	pb := newPlaybook(t, []designer.Node{trigger(t), action(t, "lookup", "spin")},
		edge("start", designer.PortSuccess, "lookup"))

	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start",
		Trigger: json.RawMessage(`{"ip": "203.0.113.9"}`)})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	waitStepStarted(t, e, run.ID, "lookup")

	if err := e.Cancel(t.Context(), run.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	r := waitRun(t, e, run.ID)

	r.wantStatuses(t, runtime.RunCanceled, map[string]runtime.StepStatus{"lookup": failed})
	wantStepError(t, r.steps["lookup"], runtime.CodeCanceled)
	wantGapFree(t, r.events)
}

func TestEngine_ShutdownThenResume(t *testing.T) {
	e := runtime.New(runtime.Config{Store: testStore, Invoker: invoker(t)})
	pb := newPlaybook(t, []designer.Node{
		trigger(t),
		action(t, "lookup", "spin"),
		transform(t, "report", map[string]any{"code": "${{ steps.lookup.error.code }}"}),
	},
		edge("start", designer.PortSuccess, "lookup"),
		edge("lookup", designer.PortError, "report"),
	)
	if err := testStore.InsertPlaybookVersion(t.Context(), pb); err != nil {
		t.Fatalf("insert playbook: %v", err)
	}

	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start",
		Trigger: json.RawMessage(`{"ip": "203.0.113.9"}`)})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	waitStepStarted(t, e, run.ID, "lookup")

	// The grace period is already over, so the spinning step is canceled.
	ended, stop := context.WithCancel(t.Context())
	stop()
	if err := e.Shutdown(ended); err == nil {
		t.Errorf("shutdown error = nil, want the grace period's error")
	}
	paused := loadRun(t, run.ID)
	paused.wantStatuses(t, runtime.RunRunning, map[string]runtime.StepStatus{
		"lookup": runtime.StepRunning,
	})

	next := newEngine(t, runtime.Config{Invoker: invoker(t)})
	resume(t, next, run.ID)
	r := waitRun(t, next, run.ID)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"lookup": failed, "report": succeeded,
	})
	wantStepError(t, r.steps["lookup"], runtime.CodeInterrupted)
	wantJSON(t, "report output", r.steps["report"].Output, `{"code": "interrupted"}`)
	wantGapFree(t, r.events)
}

// waitRetryPlanned returns once an attempt of nodeID in the run runID
// failed and a retry is planned.
func waitRetryPlanned(t *testing.T, e *runtime.Engine, runID, nodeID string) {
	t.Helper()
	waitEventWhere(t, e, runID, "a retry of "+nodeID, func(ev runtime.Event) bool {
		return ev.Type == runtime.EventStepFinished && ev.NodeID == nodeID &&
			strings.Contains(string(ev.Data), `"retry_in_ms"`)
	})
}

func TestEngine_ShutdownDuringRetryWait(t *testing.T) {
	e := runtime.New(runtime.Config{Store: testStore, Invoker: invoker(t)})
	lookup := action(t, "lookup", "flaky")
	lookup.Retry = &designer.RetryPolicy{Attempts: 2, InitialDelay: "1h"}
	pb := newPlaybook(t, []designer.Node{trigger(t), lookup},
		edge("start", designer.PortSuccess, "lookup"))
	if err := testStore.InsertPlaybookVersion(t.Context(), pb); err != nil {
		t.Fatalf("insert playbook: %v", err)
	}

	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start",
		Trigger: json.RawMessage(`{"ip": "203.0.113.9"}`)})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	waitRetryPlanned(t, e, run.ID, "lookup")

	ctx, stop := context.WithTimeout(t.Context(), waitLimit)
	defer stop()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	paused := loadRun(t, run.ID)
	paused.wantStatuses(t, runtime.RunRunning, map[string]runtime.StepStatus{
		"lookup": runtime.StepPending,
	})

	next := newEngine(t, runtime.Config{Invoker: invoker(t)})
	resume(t, next, run.ID)
	r := waitRun(t, next, run.ID)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"lookup": succeeded})
	if got := r.steps["lookup"].Attempt; got != 2 {
		t.Errorf("lookup attempt = %d, want 2", got)
	}
	wantGapFree(t, r.events)
}
