package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// gatedStore is the test store whose AppendEvents waits until gate is
// closed, so that a test can subscribe before a run delivers any event.
// It also records the highest seq it stored.
type gatedStore struct {
	runtime.Store
	gate chan struct{}

	mu     sync.Mutex
	stored map[string]int64 // highest stored seq by run id
}

func newGatedStore() *gatedStore {
	return &gatedStore{Store: testStore, gate: make(chan struct{}), stored: map[string]int64{}}
}

func (s *gatedStore) AppendEvents(ctx context.Context, events []runtime.Event) error {
	<-s.gate
	if err := s.Store.AppendEvents(ctx, events); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range events {
		s.stored[ev.RunID] = max(s.stored[ev.RunID], ev.Seq)
	}
	return nil
}

func (s *gatedStore) storedSeq(runID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored[runID]
}

func chainPlaybook(t *testing.T, length int) *designer.Playbook {
	t.Helper()
	nodes := []designer.Node{trigger(t)}
	var edges []designer.Edge
	prev := "start"
	for i := range length {
		id := fmt.Sprintf("step%d", i)
		nodes = append(nodes, transform(t, id, map[string]any{"i": i}))
		edges = append(edges, edge(prev, designer.PortSuccess, id))
		prev = id
	}
	return newPlaybook(t, nodes, edges...)
}

func TestEngine_EventsStoredBeforeDelivered(t *testing.T) {
	st := newGatedStore()
	e := newEngine(t, runtime.Config{Store: st})
	pb := chainPlaybook(t, 3)

	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start"})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	events, cancel := e.Subscribe(run.ID)
	defer cancel()
	close(st.gate)

	var live []runtime.Event
	for ev := range events {
		if stored := st.storedSeq(run.ID); ev.Seq > stored {
			t.Errorf("event %d (%s) delivered while the store holds up to seq %d",
				ev.Seq, ev.Type, stored)
		}
		live = append(live, ev)
	}
	r := waitRun(t, e, run.ID)

	if len(live) != len(r.events) {
		t.Fatalf("delivered %d events, stored %d", len(live), len(r.events))
	}
	for i, ev := range live {
		if ev.Seq != int64(i+1) {
			t.Errorf("delivered event %d has seq %d, want %d", i, ev.Seq, i+1)
		}
		if r.events[i].Seq != ev.Seq || r.events[i].Type != ev.Type {
			t.Errorf("event %d: delivered seq %d %s, stored seq %d %s",
				i, ev.Seq, ev.Type, r.events[i].Seq, r.events[i].Type)
		}
	}
	wantEventOrder(t, live, len(pb.Nodes))
}

// wantEventOrder checks that events open with run.started, close with
// run.finished, and hold one step.started before one step.finished for
// each of the nodes.
func wantEventOrder(t *testing.T, events []runtime.Event, nodes int) {
	t.Helper()
	if len(events) != 2*nodes+2 {
		t.Fatalf("got %d events, want %d", len(events), 2*nodes+2)
	}
	if events[0].Type != runtime.EventRunStarted {
		t.Errorf("first event = %s, want %s", events[0].Type, runtime.EventRunStarted)
	}
	last := events[len(events)-1]
	if last.Type != runtime.EventRunFinished {
		t.Errorf("last event = %s, want %s", last.Type, runtime.EventRunFinished)
	}

	started := map[string]bool{}
	for _, ev := range events[1 : len(events)-1] {
		switch ev.Type {
		case runtime.EventStepStarted:
			started[ev.NodeID] = true
		case runtime.EventStepFinished:
			if !started[ev.NodeID] {
				t.Errorf("step.finished of %q before its step.started", ev.NodeID)
			}
			wantFinishedData(t, ev)
		default:
			t.Errorf("unexpected event %s of %q", ev.Type, ev.NodeID)
		}
	}
}

func wantFinishedData(t *testing.T, ev runtime.Event) {
	t.Helper()
	var data struct {
		Status     string `json:"status"`
		Port       string `json:"port"`
		DurationMS *int64 `json:"duration_ms"`
	}
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatalf("event %d data %s: %v", ev.Seq, ev.Data, err)
	}
	if data.Status != string(runtime.StepSucceeded) || data.Port != designer.PortSuccess {
		t.Errorf("event %d data = %s, want status succeeded and port success", ev.Seq, ev.Data)
	}
	if data.DurationMS == nil {
		t.Errorf("event %d data = %s, want duration_ms", ev.Seq, ev.Data)
	}
}

func TestEngine_SlowSubscriberDropped(t *testing.T) {
	st := newGatedStore()
	e := newEngine(t, runtime.Config{Store: st})
	pb := chainPlaybook(t, 150)

	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start"})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	events, cancel := e.Subscribe(run.ID)
	defer cancel()
	close(st.gate)
	r := waitRun(t, e, run.ID)

	received := 0
	for ev := range events {
		received++
		if ev.Seq != int64(received) {
			t.Fatalf("event %d has seq %d", received, ev.Seq)
		}
	}
	if received >= len(r.events) {
		t.Errorf("slow subscriber received all %d events, want it dropped", received)
	}
	if received == 0 {
		t.Errorf("slow subscriber received no events, want its buffer's worth")
	}
	if r.run.Status != runtime.RunSucceeded {
		t.Errorf("run status = %q, want %q", r.run.Status, runtime.RunSucceeded)
	}
}

func TestEngine_SubscribeInactiveRun(t *testing.T) {
	e := newEngine(t, runtime.Config{})

	events, cancel := e.Subscribe("no-such-run")
	defer cancel()

	if _, ok := <-events; ok {
		t.Errorf("received an event for an inactive run, want a closed channel")
	}
}

// TestEngine_EventOfPreviousOwnerTakesSeq stores an event at the seq the
// run's owner uses next, as a late write of a previous owner would, while
// the run waits on an approval. The owner numbers its next events after
// the foreign one, and the run succeeds with a gap-free log.
func TestEngine_EventOfPreviousOwnerTakesSeq(t *testing.T) {
	e := leasedEngine(t, "a", testStore)
	pb := approvalPlaybook(t, designer.ApprovalSettings{})
	run, a := waitApproval(t, e, pb)

	stored, err := testStore.ListEvents(t.Context(), run.ID, 0, 0)
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	last := stored[len(stored)-1].Seq
	foreign := runtime.Event{RunID: run.ID, Seq: last + 1, Time: time.Now().UTC(),
		Type: runtime.EventStepLog, NodeID: "approve", StepID: run.ID + "/approve",
		Data: json.RawMessage(`{"line":"written late by a previous owner"}`)}
	if err := testStore.AppendEvents(t.Context(), []runtime.Event{foreign}); err != nil {
		t.Fatalf("append the previous owner's event: %v", err)
	}

	if err := e.Answer(t.Context(), a.ID, "isolate", "", "jdoe"); err != nil {
		t.Fatalf("answer: %v", err)
	}
	r := waitRun(t, e, run.ID)

	r.wantStatuses(t, runtime.RunSucceeded, map[string]runtime.StepStatus{
		"approve": succeeded, "isolate": succeeded})
	wantGapFree(t, r.events)
	got := r.events[last]
	if got.Type != foreign.Type || string(got.Data) != string(foreign.Data) {
		t.Errorf("event %d = %s %s, want the previous owner's %s", last+1, got.Type, got.Data,
			foreign.Type)
	}
	if end := r.events[len(r.events)-1]; end.Type != runtime.EventRunFinished {
		t.Errorf("last event = %s, want %s", end.Type, runtime.EventRunFinished)
	}
}

// finishGatedStore holds the write of run.finished events until gate is
// closed, so that a run stays active after its final status is stored.
type finishGatedStore struct {
	runtime.Store
	gate chan struct{}
}

func (s *finishGatedStore) AppendEvents(ctx context.Context, events []runtime.Event) error {
	for _, ev := range events {
		if ev.Type == runtime.EventRunFinished {
			<-s.gate
		}
	}
	return s.Store.AppendEvents(ctx, events)
}

func TestEngine_EndedRunStillActive(t *testing.T) {
	st := &finishGatedStore{Store: testStore, gate: make(chan struct{})}
	e := newEngine(t, runtime.Config{Store: st})
	pb := chainPlaybook(t, 1)
	storePlaybook(t, pb)

	run, err := e.Start(t.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start"})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := testStore.GetRun(t.Context(), run.ID)
		if err != nil {
			t.Fatalf("get run: %v", err)
		}
		if got.Status.Ended() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still %s after 10 s", got.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-e.Wait(run.ID):
		t.Fatal("run left the engine while its run.finished write was held")
	default:
	}

	if err := e.Cancel(t.Context(), run.ID); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("cancel of a stored-ended run: error = %v, want ErrConflict", err)
	}
	rerun, err := e.Rerun(t.Context(), run.ID, "step0")
	if err != nil {
		t.Errorf("rerun of a stored-ended run: %v", err)
	}
	close(st.gate)
	<-e.Wait(run.ID)
	if rerun != nil {
		if r := waitRun(t, e, rerun.ID); r.run.Status != runtime.RunSucceeded {
			t.Errorf("rerun status = %s, want %s", r.run.Status, runtime.RunSucceeded)
		}
	}
}
