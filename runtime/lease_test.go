package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// Lease timings short enough that a takeover happens within a test.
const (
	testLeaseDuration = time.Second
	testLeaseRenew    = 100 * time.Millisecond
	testPoll          = 50 * time.Millisecond
)

// leasedEngine returns an engine with short lease timings and the process
// id name, on st or the test store.
func leasedEngine(t *testing.T, name string, st runtime.Store) *runtime.Engine {
	t.Helper()
	return newEngine(t, runtime.Config{
		Store:              st,
		Invoker:            invoker(t),
		ProcessID:          name + "-" + t.Name(),
		LeaseDuration:      testLeaseDuration,
		LeaseRenewInterval: testLeaseRenew,
		PollInterval:       testPoll,
	})
}

// partitionStore stops renewing leases once cut is set, as a process
// cut off from the database would.
type partitionStore struct {
	*store.Store
	cut atomic.Bool
}

func (s *partitionStore) RenewLeases(ctx context.Context, leases []runtime.Lease) error {
	if s.cut.Load() {
		return errors.New("database unreachable")
	}
	return s.Store.RenewLeases(ctx, leases)
}

func (s *partitionStore) InsertLease(ctx context.Context, lease runtime.Lease) error {
	if s.cut.Load() {
		return errors.New("database unreachable")
	}
	return s.Store.InsertLease(ctx, lease)
}

func delayNode(t *testing.T, id string, settings designer.DelaySettings) designer.Node {
	return node(t, id, designer.NodeDelay, settings)
}

// startWebhookRun starts pb from its "start" node and fails the test on
// an error.
func startWebhookRun(t *testing.T, e *runtime.Engine, pb *designer.Playbook) *runtime.Run {
	t.Helper()
	if err := testStore.InsertPlaybookVersion(t.Context(), pb); err != nil {
		t.Fatalf("insert playbook: %v", err)
	}
	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start",
		Trigger: json.RawMessage(`{"ip": "203.0.113.9", "host": "ws-042"}`)})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return run
}

// waitEvent returns the first event of type typ for nodeID in the run
// runID, which executes in e.
func waitEvent(t *testing.T, e *runtime.Engine, runID, typ, nodeID string) runtime.Event {
	t.Helper()
	return waitEventWhere(t, e, runID, typ+" of "+nodeID, func(ev runtime.Event) bool {
		return ev.Type == typ && ev.NodeID == nodeID
	})
}

// waitEventWhere returns the first event of the run runID for which match
// is true. It subscribes to e before it reads the stored events, as the
// documentation of Subscribe requires of a caller that needs every event,
// so that an event stored before the subscription is found as well.
func waitEventWhere(t *testing.T, e *runtime.Engine, runID, what string,
	match func(runtime.Event) bool) runtime.Event {
	t.Helper()
	live, cancel := e.Subscribe(runID)
	defer cancel()
	stored, err := testStore.ListEvents(t.Context(), runID, 0, 0)
	if err != nil {
		t.Fatalf("list events of run %s: %v", runID, err)
	}
	for _, ev := range stored {
		if match(ev) {
			return ev
		}
	}
	for ev := range live {
		if match(ev) {
			return ev
		}
	}
	t.Fatalf("run %s stopped executing here before %s", runID, what)
	return runtime.Event{}
}

// waitStored polls the store until the run ended.
func waitStored(t *testing.T, runID string) finishedRun {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		run, err := testStore.GetRun(t.Context(), runID)
		if err != nil {
			t.Fatalf("get run: %v", err)
		}
		if run.Status.Ended() {
			return loadRun(t, runID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("run %s did not end within %s", runID, waitLimit)
	return finishedRun{}
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		t.Fatalf("%s did not happen within %s", what, waitLimit)
	}
}

func leases(t *testing.T, runID string) []runtime.Lease {
	t.Helper()
	list, err := testStore.ListLeases(t.Context(), []string{runID})
	if err != nil {
		t.Fatalf("list leases: %v", err)
	}
	return list
}

func TestLease_TakenRenewedAndDeleted(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	pb := newPlaybook(t, []designer.Node{trigger(t),
		delayNode(t, "wait", designer.DelaySettings{Duration: "600ms"})},
		edge("start", designer.PortSuccess, "wait"))
	run := startWebhookRun(t, e, pb)

	first := leases(t, run.ID)
	if len(first) != 1 {
		t.Fatalf("leases after start = %+v, want one", first)
	}
	if first[0].Generation != 1 || first[0].Holder != "a-"+t.Name() {
		t.Errorf("lease = generation %d holder %q, want 1 and %q",
			first[0].Generation, first[0].Holder, "a-"+t.Name())
	}

	time.Sleep(3 * testLeaseRenew)
	renewed := leases(t, run.ID)
	if len(renewed) == 1 && !renewed[0].ExpiresAt.After(first[0].ExpiresAt) {
		t.Errorf("expiry after renewals = %s, want after %s", renewed[0].ExpiresAt, first[0].ExpiresAt)
	}

	r := waitRun(t, e, run.ID)
	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"wait": succeeded})
	// The leases of ended runs are removed at the engine's next poll.
	left := leases(t, run.ID)
	for deadline := time.Now().Add(10 * time.Second); len(left) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		left = leases(t, run.ID)
	}
	if len(left) != 0 {
		t.Errorf("leases after the run ended = %+v, want none", left)
	}
	active, err := testStore.ListActiveRuns(t.Context())
	if err != nil {
		t.Fatalf("list active runs: %v", err)
	}
	for _, id := range active {
		if id == run.ID {
			t.Errorf("ended run %s is still in the active set", run.ID)
		}
	}
}

func TestLease_ExpiredRunTakenOver(t *testing.T) {
	cut := &partitionStore{Store: testStore}
	a := leasedEngine(t, "a", cut)
	pb := newPlaybook(t, []designer.Node{trigger(t),
		delayNode(t, "wait", designer.DelaySettings{Duration: "3s"}),
		transform(t, "after", map[string]any{"done": true})},
		edge("start", designer.PortSuccess, "wait"), edge("wait", designer.PortSuccess, "after"))
	run := startWebhookRun(t, a, pb)
	waiting := waitEvent(t, a, run.ID, runtime.EventStepWaiting, "wait")

	cut.cut.Store(true)
	b := leasedEngine(t, "b", testStore)
	resume(t, b, run.ID)
	waitClosed(t, a.Wait(run.ID), "the first owner stopping the run")

	r := waitStored(t, run.ID)
	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"wait": succeeded, "after": succeeded,
	})
	var stored struct {
		Until string `json:"until"`
	}
	if err := json.Unmarshal(waiting.Data, &stored); err != nil {
		t.Fatalf("decode step.waiting data: %v", err)
	}
	wantJSON(t, "wait output", r.steps["wait"].Output, `{"until": "`+stored.Until+`"}`)
	wantGapFree(t, r.events)
}

func TestLease_OwnerStopsOnLaterGeneration(t *testing.T) {
	a := leasedEngine(t, "a", testStore)
	b := leasedEngine(t, "b", testStore)
	pb := newPlaybook(t, []designer.Node{trigger(t), approvalNode(t, designer.ApprovalSettings{
		Question: "Isolate ${{ trigger.host }}?"})},
		edge("start", designer.PortSuccess, "approve"))
	run := startWebhookRun(t, a, pb)
	waitEvent(t, a, run.ID, runtime.EventStepWaiting, "approve")

	later := runtime.Lease{RunID: run.ID, Generation: 2, Holder: "b-" + t.Name(),
		ExpiresAt: time.Now().Add(testLeaseDuration)}
	if err := testStore.InsertLease(t.Context(), later); err != nil {
		t.Fatalf("insert lease generation 2: %v", err)
	}
	if err := testStore.InsertLease(t.Context(), later); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("second insert of generation 2: error = %v, want ErrConflict", err)
	}
	waitClosed(t, a.Wait(run.ID), "the owner stopping the run")

	stopped := loadRun(t, run.ID)
	if stopped.run.Status != runtime.RunWaiting {
		t.Errorf("run status after the owner stopped = %q, want %q",
			stopped.run.Status, runtime.RunWaiting)
	}
	for _, ev := range stopped.events {
		if ev.Type == runtime.EventRunFinished {
			t.Errorf("the owner that lost its lease stored %s", ev.Type)
		}
	}

	// Generation 2 expires unrenewed. Then a claims the run again or b
	// takes it to cancel it, and either way it ends canceled.
	// A lease counts as expired a fifth of its duration after its expiry.
	time.Sleep(testLeaseDuration + testLeaseDuration/5 + 2*testLeaseRenew)
	if err := b.Cancel(t.Context(), run.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	r := waitStored(t, run.ID)
	if r.run.Status != runtime.RunCanceled {
		t.Errorf("run status after cancel = %q, want %q", r.run.Status, runtime.RunCanceled)
	}
	wantGapFree(t, r.events)
}

func TestLease_LoopClaimsQueuedRun(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	resume(t, e, "")
	pb := newPlaybook(t, []designer.Node{trigger(t),
		transform(t, "tag", map[string]any{"ip": "${{ trigger.ip }}"})},
		edge("start", designer.PortSuccess, "tag"))
	if err := testStore.InsertPlaybookVersion(t.Context(), pb); err != nil {
		t.Fatalf("insert playbook: %v", err)
	}

	// A run stored queued by a process that died before taking its lease.
	run := &runtime.Run{ID: "queued-" + pb.ID, PlaybookID: pb.ID, PlaybookVersion: 1,
		Status: runtime.RunQueued, TriggerNode: "start",
		Trigger: json.RawMessage(`{"ip": "198.51.100.7"}`), CreatedAt: time.Now().UTC()}
	if err := testStore.InsertRun(t.Context(), run); err != nil {
		t.Fatalf("insert run: %v", err)
	}

	r := waitStored(t, run.ID)
	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{"tag": succeeded})
	wantJSON(t, "tag output", r.steps["tag"].Output, `{"ip": "198.51.100.7"}`)
}

func TestEngine_CancelFromOtherEngine(t *testing.T) {
	a := leasedEngine(t, "a", testStore)
	b := leasedEngine(t, "b", testStore)
	pb := newPlaybook(t, []designer.Node{trigger(t), action(t, "lookup", "spin")},
		edge("start", designer.PortSuccess, "lookup"))
	run := startWebhookRun(t, a, pb)
	waitStepStarted(t, a, run.ID, "lookup")

	if err := b.Cancel(t.Context(), run.ID); err != nil {
		t.Fatalf("cancel through the other engine: %v", err)
	}
	r := waitRun(t, a, run.ID)
	r.wantStatuses(t, runtime.RunCanceled, map[string]runtime.StepStatus{"lookup": failed})
	wantStepError(t, r.steps["lookup"], runtime.CodeCanceled)
	wantGapFree(t, r.events)
}

func TestEngine_CancelStopsModule(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	pb := newPlaybook(t, []designer.Node{trigger(t), action(t, "lookup", "spin")},
		edge("start", designer.PortSuccess, "lookup"))
	run := startWebhookRun(t, e, pb)
	waitStepStarted(t, e, run.ID, "lookup")

	start := time.Now()
	if err := e.Cancel(t.Context(), run.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	r := waitRun(t, e, run.ID)
	t.Logf("a looping module stopped %s after Cancel", time.Since(start))

	r.wantStatuses(t, runtime.RunCanceled, map[string]runtime.StepStatus{"lookup": failed})
	wantStepError(t, r.steps["lookup"], runtime.CodeCanceled)
}
