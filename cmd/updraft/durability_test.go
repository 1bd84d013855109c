package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// buildUpdraft builds the updraft binary into a temporary directory.
func buildUpdraft(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "updraft")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build updraft: %v\n%s", err, out)
	}
	return bin
}

// updraftProcess is an `updraft serve` child process.
type updraftProcess struct {
	*testServer
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{} // closed when the process exited
}

// startUpdraft starts `updraft serve` on 127.0.0.1 with a free port, the
// data directory dataDir, actions allowed to call 127.0.0.1, and env
// added to the environment. It returns once the server logs its address.
func startUpdraft(t *testing.T, bin, dataDir string, env ...string) *updraftProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir,
		"--allow-loopback-actions", "--approved-hosts", "127.0.0.1",
		"--log-format", "json", "--shutdown-grace", "2s")
	cmd.Env = append(os.Environ(), "UPDRAFT_BOOTSTRAP_TOKEN="+testToken, "DO_NOT_TRACK=1")
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start updraft: %v", err)
	}

	p := &updraftProcess{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go p.readLog(stderr, addr)
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of updraft pid %d:\n%s", cmd.Process.Pid, tail(p.logs.String(), 60))
		}
	})

	select {
	case a := <-addr:
		p.testServer = &testServer{URL: "http://" + a, Token: testToken, DataDir: dataDir}
		return p
	case <-p.done:
		t.Fatalf("updraft exited before listening:\n%s", p.logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("updraft did not listen within 2 minutes:\n%s", p.logs.String())
	}
	return nil
}

// readLog copies the JSON log into p.logs and sends the address of the
// "server listening" line to addr.
func (p *updraftProcess) readLog(r io.Reader, addr chan<- string) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		line := scanner.Bytes()
		p.logs.Write(append(line, '\n'))
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "server listening" {
			addr <- rec.Addr
		}
	}
}

// kill sends SIGKILL and waits for the process to exit.
func (p *updraftProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// callReceiver counts the calls each step of each run made. An action
// posts {"run": <run id>, "node": <node id>}.
type callReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int // by "<run id>/<node id>"
}

func newCallReceiver(t *testing.T, delay time.Duration) *callReceiver {
	t.Helper()
	r := &callReceiver{calls: make(map[string]int)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct {
			Run  string `json:"run"`
			Node string `json:"node"`
		}
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.calls[body.Run+"/"+body.Node]++
		r.mu.Unlock()
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok": true}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *callReceiver) count(runID, nodeID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[runID+"/"+nodeID]
}

// callNode returns an http.request action node that posts its run and
// node id to url, with up to three attempts.
func callNode(id, url string) map[string]any {
	return map[string]any{
		"id": id, "type": "action", "name": id, "position": map[string]int{"x": 0, "y": 0},
		"retry": map[string]any{"attempts": 3, "initial_delay": "200ms", "max_delay": "1s"},
		"settings": map[string]any{
			"action": "http.request@1.0.0",
			"inputs": map[string]any{
				"method":  "POST",
				"url":     url,
				"headers": map[string]string{"Content-Type": "application/json"},
				"body":    map[string]string{"run": "${{ run.id }}", "node": id},
			},
		},
	}
}

func plainNode(id, typ string, settings map[string]any) map[string]any {
	return map[string]any{"id": id, "type": typ, "name": id,
		"position": map[string]int{"x": 0, "y": 0}, "settings": settings}
}

func flowEdge(from, port, to string) map[string]string {
	return map[string]string{"from": from, "port": port, "to": to}
}

// savePlaybook stores a playbook through srv and returns its webhook URL.
func savePlaybook(t *testing.T, srv *testServer, name string, nodes []map[string]any,
	edges []map[string]string) (id, hookURL string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"name": name, "nodes": nodes, "edges": edges})
	if err != nil {
		t.Fatal(err)
	}
	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", body, http.StatusCreated, &saved)
	if len(saved.Webhooks) != 1 {
		t.Fatalf("saved playbook has %d webhooks, want 1", len(saved.Webhooks))
	}
	return saved.ID, saved.Webhooks[0].URL
}

// listRuns returns the runs of a playbook by id.
func listRuns(t *testing.T, srv *testServer, playbookID string) map[string]runtime.Run {
	t.Helper()
	var runs []runtime.Run
	srv.mustDo(t, http.MethodGet, "/api/v1/runs?limit=500&playbook_id="+playbookID, nil,
		http.StatusOK, &runs)
	byID := make(map[string]runtime.Run, len(runs))
	for _, r := range runs {
		byID[r.ID] = r
	}
	return byID
}

// waitRunsEnded polls srv until every run of ids ended.
func waitRunsEnded(t *testing.T, srv *testServer, playbookID string, ids []string,
	limit time.Duration) map[string]runtime.Run {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		runs := listRuns(t, srv, playbookID)
		open := 0
		for _, id := range ids {
			if !runs[id].Status.Ended() {
				open++
			}
		}
		if open == 0 {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs did not end within %s", open, len(ids), limit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkCalls checks that each call node of a run reached the receiver at
// least once, and at most once per attempt, so that a step that completed
// never ran again except as a retry. It reads the run's steps only when a
// node called more than once, because reading a run is slow on FerretDB
// with hundreds of runs. It returns the number of nodes that called more
// than once.
func checkCalls(t *testing.T, srv *testServer, recv *callReceiver, runID string,
	nodes []string) (repeated int) {
	t.Helper()
	var steps map[string]runtime.Step
	for _, node := range nodes {
		calls := recv.count(runID, node)
		if calls == 1 {
			continue
		}
		if calls == 0 {
			t.Errorf("run %s: step %q never called the receiver", runID, node)
			continue
		}
		if steps == nil {
			steps = runSteps(t, srv, runID)
		}
		repeated++
		if step := steps[node]; calls > step.Attempt || step.Status != runtime.StepSucceeded {
			t.Errorf("run %s: step %q called the receiver %d times in %d attempts, status %q",
				runID, node, calls, step.Attempt, step.Status)
		}
	}
	return repeated
}

// runSteps returns the steps of a run by node id.
func runSteps(t *testing.T, srv *testServer, runID string) map[string]runtime.Step {
	t.Helper()
	var run runWithSteps
	srv.mustDo(t, http.MethodGet, "/api/v1/runs/"+runID, nil, http.StatusOK, &run)
	steps := make(map[string]runtime.Step, len(run.Steps))
	for _, s := range run.Steps {
		steps[s.NodeID] = s
	}
	return steps
}

func TestDurability_KillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the updraft binary; skipped with -short")
	}
	bin := buildUpdraft(t)
	recv := newCallReceiver(t, 600*time.Millisecond)
	dataDir := t.TempDir()
	first := startUpdraft(t, bin, dataDir)

	nodes := []map[string]any{
		plainNode("hook", "trigger", map[string]any{"kind": "webhook"}),
		callNode("call1", recv.URL+"/call"),
		plainNode("pause", "delay", map[string]any{"duration": "3s"}),
		callNode("call2", recv.URL+"/call"),
		plainNode("ask", "approval", map[string]any{
			"question": "Contain ${{ trigger.host }}?", "options": []string{"contain", "skip"},
			"timeout": "4s", "default_option": "contain"}),
		callNode("call3", recv.URL+"/call"),
	}
	edges := []map[string]string{
		flowEdge("hook", "success", "call1"), flowEdge("call1", "success", "pause"),
		flowEdge("pause", "success", "call2"), flowEdge("call2", "success", "ask"),
		flowEdge("ask", "option:contain", "call3"), flowEdge("ask", "timeout", "call3"),
	}
	playbookID, hookURL := savePlaybook(t, first.testServer, "Durable chain", nodes, edges)

	// The first call compiles the action module, which takes seconds, so a
	// first run goes ahead and the others find the module compiled.
	ids := []string{postWebhook(t, hookURL, "application/json", []byte(`{"host": "ws-000"}`))}
	waitCalled(t, recv, ids[0], "call1")
	for i := 1; i < 8; i++ {
		body := fmt.Sprintf(`{"host": "ws-%03d"}`, i)
		ids = append(ids, postWebhook(t, hookURL, "application/json", []byte(body)))
		time.Sleep(400 * time.Millisecond)
	}
	before := listRuns(t, first.testServer, playbookID)
	waiting := 0
	for _, id := range ids {
		if before[id].Status == runtime.RunWaiting {
			waiting++
		}
	}
	first.kill()
	t.Logf("killed updraft with %d of %d runs waiting", waiting, len(ids))
	if waiting == 0 {
		t.Errorf("no run was waiting on a delay or an approval when the process was killed")
	}

	second := startUpdraft(t, bin, dataDir)
	runs := waitRunsEnded(t, second.testServer, playbookID, ids, 2*time.Minute)
	repeated := 0
	for _, id := range ids {
		if runs[id].Status != runtime.RunSucceeded {
			t.Errorf("run %s status = %q (error %q), want succeeded", id, runs[id].Status, runs[id].Error)
			continue
		}
		repeated += checkCalls(t, second.testServer, recv, id, []string{"call1", "call2", "call3"})
		checkApprovalTimedOut(t, second.testServer, id)
	}
	t.Logf("%d runs succeeded after the restart; %d call steps called more than once, as retries",
		len(ids), repeated)
}

// waitCalled waits until the step nodeID of the run called the receiver.
func waitCalled(t *testing.T, recv *callReceiver, runID, nodeID string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for recv.count(runID, nodeID) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("run %s: step %q did not call the receiver within 2 minutes", runID, nodeID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkApprovalTimedOut checks that the run's approval left through its
// timeout, so its deadline outlived the process that set it.
func checkApprovalTimedOut(t *testing.T, srv *testServer, runID string) {
	t.Helper()
	var run runWithSteps
	srv.mustDo(t, http.MethodGet, "/api/v1/runs/"+runID, nil, http.StatusOK, &run)
	for _, s := range run.Steps {
		if s.NodeID != "ask" {
			continue
		}
		if s.Port != "timeout" || !strings.Contains(string(s.Output), `"timed_out":true`) {
			t.Errorf("run %s: approval step port %q output %s, want the timeout", runID, s.Port, s.Output)
		}
		return
	}
	t.Errorf("run %s has no approval step", runID)
}

// httpPostJSON posts a JSON body to url.
func httpPostJSON(ctx context.Context, url, body string) (apiResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return apiResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return apiResponse{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return apiResponse{Status: resp.StatusCode, Body: data}, err
}
