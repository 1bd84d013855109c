package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// Settings of the cluster test.
const (
	clusterRuns = 300

	// clusterInFlight bounds the runs started and not yet at their last
	// call, and so the runs the killed process leaves behind. A survivor
	// claims those one at a time in the loop that also renews its own
	// leases, and each claim took 2 to 4 s on FerretDB with 2 shared
	// cores. With 24 in flight and a 5 s lease, survivors missed their
	// own renewals and took runs from each other.
	clusterInFlight = 6
)

// clusterFlags shorten the lease, so that the runs of the killed process
// are claimed about 12 s after its last renewal instead of 18 s or more.
// Renewing every second leaves a pass about 7 s before the holder's own
// writes are rejected. Debug logs add a line for each lease generation
// taken.
var clusterFlags = []string{"--lease-duration", "10s", "--lease-renew-interval", "1s",
	"--log-level", "debug"}

// killedHost is the trigger host of the webhook whose run is in its first
// call when the test kills the process running it.
var killedHost = fmt.Sprintf("ws-%03d", clusterRuns/2)

// clusterCallNodes are the action nodes of the cluster playbook.
var clusterCallNodes = []string{"call1", "call2", "call3"}

func TestCluster_ThreeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs FerretDB and three updraft processes; skipped with -short")
	}
	bin := buildUpdraft(t)
	uri := startFerretDB(t)
	recv := newKeyReceiver(t, 20*time.Millisecond, "/call/"+killedHost)
	procs := startCluster(t, bin, uri)

	// Each call goes to /call/<trigger host>, so that the receiver can
	// block the first call of the run that the killed process started.
	callURL := recv.URL + "/call/${{ trigger.host }}"
	nodes := []map[string]any{
		plainNode("hook", "trigger", map[string]any{"kind": "webhook"}),
		callNode("call1", callURL),
		callNode("call2", callURL),
		callNode("call3", callURL),
	}
	edges := []map[string]string{
		flowEdge("hook", "success", "call1"), flowEdge("call1", "success", "call2"),
		flowEdge("call2", "success", "call3"),
	}
	playbookID, hookURL := savePlaybook(t, procs[0].testServer, "Cluster chain", nodes, edges)
	hookPath := hookURL[strings.Index(hookURL, "/hooks/"):]

	fired, killedRun := fireRuns(t, procs, recv, hookPath)
	ids := clusterRunIDs(t, procs[0].testServer, playbookID, fired)
	waitLastCalls(t, recv, ids, 2*time.Minute)
	ids, runs := waitStoredRunsEnded(t, procs[0].testServer, playbookID, ids, 2*time.Minute)

	retried := 0
	for _, id := range ids {
		if runs[id].Status != runtime.RunSucceeded {
			t.Errorf("run %s status = %q (error %q), want succeeded", id, runs[id].Status, runs[id].Error)
			continue
		}
		retried += checkKeys(t, procs[0].testServer, recv, id, clusterCallNodes)
	}
	claimed := countLogged(procs[0], "run claimed") + countLogged(procs[2], "run claimed")
	t.Logf("%d runs succeeded across three processes, one killed; the others claimed %d runs; "+
		"%d steps called in more than one attempt", len(ids), claimed, retried)
	if attempts := recv.attempts(killedRun + "/call1"); killedRun != "" && len(attempts) < 2 {
		t.Errorf("step %s/call1 was in flight when its process was killed, so another "+
			"process should have run it again as a retry; attempts seen %v", killedRun, attempts)
	}

	checkEmbeddedRefusesSecond(t, bin)
}

// startCluster starts three processes against uri with one data
// directory, as a cluster shares its secret key. Its module cache is the
// one the servers of this test binary share. The first process compiles
// the bundled module into it, unless an earlier test did, before the
// others start, so they load it from the cache.
func startCluster(t *testing.T, bin, uri string) []*updraftProcess {
	t.Helper()
	dataDir := t.TempDir()
	if err := os.Symlink(testModuleCache, filepath.Join(dataDir, "module-cache")); err != nil {
		t.Fatal(err)
	}
	first := startClusterProcess(t, bin, "1", uri, dataDir, clusterFlags...)
	waitLogged(t, first, "bundled actions compiled")
	procs := []*updraftProcess{first}
	for _, name := range []string{"2", "3"} {
		procs = append(procs, startClusterProcess(t, bin, name, uri, dataDir, clusterFlags...))
	}
	for _, p := range procs[1:] {
		waitLogged(t, p, "bundled actions compiled")
	}
	return procs
}

// fireRuns posts clusterRuns webhooks from four workers, spread over the
// processes, with at most clusterInFlight runs whose last call did not
// reach recv. Halfway it posts the webhook of killedHost to the second
// process and SIGKILLs that process while recv blocks the run's first
// call. It returns the run ids the webhooks returned and the id of that
// run.
func fireRuns(t *testing.T, procs []*updraftProcess, recv *keyReceiver,
	hookPath string) (ids []string, killedRun string) {
	t.Helper()
	var (
		mu     sync.Mutex
		next   atomic.Int64
		killed atomic.Bool
		wg     sync.WaitGroup
	)
	inFlight := func() int {
		mu.Lock()
		defer mu.Unlock()
		open := 0
		for _, id := range ids {
			if !lastCalled(recv, id) {
				open++
			}
		}
		return open
	}
	for range 4 {
		wg.Go(func() {
			for {
				n := int(next.Add(1))
				if n > clusterRuns {
					return
				}
				for inFlight() >= clusterInFlight {
					time.Sleep(10 * time.Millisecond)
				}
				body := fmt.Sprintf(`{"host": "ws-%03d"}`, n)
				var id string
				var err error
				if n == clusterRuns/2 {
					id, err = killDuringCall(t, procs[1], recv, hookPath, body)
					killed.Store(true)
					killedRun = id
				} else {
					id, err = postToAny(t, procs, n%len(procs), &killed, hookPath, body)
				}
				if err != nil {
					t.Errorf("webhook %d: %v", n, err)
					continue
				}
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(ids) != clusterRuns {
		t.Fatalf("started %d runs, want %d", len(ids), clusterRuns)
	}
	return ids, killedRun
}

// killDuringCall posts body to p, waits until recv blocks the first call
// of the run, and SIGKILLs p. It returns the run id.
func killDuringCall(t *testing.T, p *updraftProcess, recv *keyReceiver,
	hookPath, body string) (string, error) {
	id, err := tryWebhook(t, p.URL+hookPath, body)
	if err == nil {
		select {
		case <-recv.blocked:
		case <-time.After(time.Minute):
			err = fmt.Errorf("run %s did not call the receiver within a minute", id)
		}
	}
	p.kill()
	recv.unblock()
	t.Logf("killed process 2 during the first call of run %s", id)
	return id, err
}

// postToAny posts body to process first, or to the next one while a
// process does not respond, as a sender behind a load balancer would. A
// request that the killed process took before it died may have started a
// run that has no id here, so the checks cover every run of the playbook.
func postToAny(t *testing.T, procs []*updraftProcess, first int, killed *atomic.Bool,
	hookPath, body string) (string, error) {
	var errs []error
	for i := range len(procs) {
		p := procs[(first+i)%len(procs)]
		if killed.Load() && p == procs[1] {
			continue
		}
		id, err := tryWebhook(t, p.URL+hookPath, body)
		if err == nil {
			return id, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// tryWebhook posts body and returns the run id, or an error instead of
// failing the test, because it runs in a worker goroutine.
func tryWebhook(t *testing.T, url, body string) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	resp, err := httpPostJSON(ctx, url, body)
	if err != nil {
		return "", err
	}
	var started struct {
		RunID string `json:"run_id"`
	}
	if resp.Status != http.StatusAccepted {
		return "", fmt.Errorf("status %d, want 202; body %s", resp.Status, resp.Body)
	}
	if err := json.Unmarshal(resp.Body, &started); err != nil || started.RunID == "" {
		return "", errors.Join(fmt.Errorf("response %s has no run_id", resp.Body), err)
	}
	return started.RunID, nil
}

// clusterRunIDs returns the stored runs of the playbook. A run that a
// webhook returned was stored before the response, so one missing from
// the list was lost, which fails the test.
func clusterRunIDs(t *testing.T, srv *testServer, playbookID string, fired []string) []string {
	t.Helper()
	listed := listRuns(t, srv, playbookID)
	ids := make([]string, 0, len(listed))
	for _, id := range fired {
		if _, ok := listed[id]; !ok {
			t.Errorf("run %s returned by a webhook is in neither active_runs nor runs", id)
			continue
		}
		ids = append(ids, id)
	}
	for id := range listed {
		if !slices.Contains(fired, id) {
			t.Logf("run %s has no webhook response; the killed process started it", id)
			ids = append(ids, id)
		}
	}
	return ids
}

// waitLastCalls waits until the last call step of every run reached the
// receiver, which costs no database reads.
func waitLastCalls(t *testing.T, recv *keyReceiver, ids []string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		open := 0
		for _, id := range ids {
			if !lastCalled(recv, id) {
				open++
			}
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last call of %d of %d runs did not reach the receiver within %s",
				open, len(ids), limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitStoredRunsEnded polls the run list until every run of ids ended. A
// run that leaves the list was lost, which fails the test, and the wait
// goes on without it. It returns the ids still listed and the runs.
func waitStoredRunsEnded(t *testing.T, srv *testServer, playbookID string, ids []string,
	limit time.Duration) ([]string, map[string]runtime.Run) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		runs := listRuns(t, srv, playbookID)
		ids = slices.DeleteFunc(ids, func(id string) bool {
			_, listed := runs[id]
			if !listed {
				t.Errorf("run %s was listed before and is now in neither active_runs nor runs", id)
			}
			return !listed
		})
		var open []string
		for _, id := range ids {
			if status := runs[id].Status; !status.Ended() {
				open = append(open, fmt.Sprintf("%s (%s)", id, status))
			}
		}
		if len(open) == 0 {
			return ids, runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs did not end within %s: %s", len(open), len(ids), limit,
				strings.Join(open[:min(len(open), 10)], ", "))
		}
		time.Sleep(time.Second)
	}
}

// lastCalled reports whether the last call step of a run reached recv.
func lastCalled(recv *keyReceiver, runID string) bool {
	return recv.called(runID + "/" + clusterCallNodes[len(clusterCallNodes)-1])
}

// checkEmbeddedRefusesSecond starts two processes on one embedded data
// directory and checks that the second one exits with an error naming the
// directory in use.
func checkEmbeddedRefusesSecond(t *testing.T, bin string) {
	t.Helper()
	dir := t.TempDir()
	startUpdraft(t, bin, dir)
	cmd := exec.CommandContext(t.Context(), bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "DO_NOT_TRACK=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("second process on one embedded data directory: error %v, want exit status 1", err)
	}
	if !strings.Contains(string(out), "in use") {
		t.Errorf("second process output = %q, want it to say the data directory is in use", out)
	}
}
