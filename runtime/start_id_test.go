package runtime_test

import (
	"context"
	"errors"
	"testing"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// failingInsertStore fails the first InsertRun, as a store that lost its
// connection would. It keeps the leases of the test store.
type failingInsertStore struct {
	*store.Store
	failed bool
}

func (s *failingInsertStore) InsertRun(ctx context.Context, run *runtime.Run) error {
	if !s.failed {
		s.failed = true
		return errors.New("connection reset")
	}
	return s.Store.InsertRun(ctx, run)
}

func TestEngine_StartWithID(t *testing.T) {
	st := &failingInsertStore{Store: testStore}
	e := newEngine(t, runtime.Config{Store: st})
	pb := newPlaybook(t, []designer.Node{trigger(t),
		transform(t, "enrich", map[string]any{"ok": true})},
		edge("start", designer.PortSuccess, "enrich"))
	id := runtime.IdempotentRunID("webhook\x00"+pb.ID, t.Name())
	req := runtime.StartRequest{Playbook: pb, TriggerNode: "start", ID: id}

	if _, err := e.Start(t.Context(), req); err == nil {
		t.Fatal("start with a failing store: no error")
	}
	run, err := e.Start(t.Context(), req)
	if err != nil {
		t.Fatalf("start again after the failed insert: %v", err)
	}
	if run.ID != id {
		t.Errorf("run id = %s, want %s", run.ID, id)
	}
	if r := waitRun(t, e, id); r.run.Status != runtime.RunSucceeded {
		t.Errorf("run status = %s, want succeeded", r.run.Status)
	}

	if _, err := e.Start(t.Context(), req); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("start with the id of an ended run: error = %v, want ErrConflict", err)
	}
	req.ID = "not-a-run-id"
	if _, err := e.Start(t.Context(), req); !errors.Is(err, runtime.ErrInvalid) {
		t.Errorf("start with a malformed id: error = %v, want ErrInvalid", err)
	}
}
