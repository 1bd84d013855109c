package runtime_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// TestEngine_ConcurrentCancelsAcceptOne cancels a waiting run from many
// callers at once: one cancel is accepted and the others are conflicts.
func TestEngine_ConcurrentCancelsAcceptOne(t *testing.T) {
	e := newEngine(t, runtime.Config{})
	pb := newPlaybook(t, []designer.Node{trigger(t),
		delayNode(t, "wait", designer.DelaySettings{Duration: "1h"})},
		edge("start", designer.PortSuccess, "wait"))
	run := startWebhookRun(t, e, pb)

	const callers = 20
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { errs[i] = e.Cancel(t.Context(), run.ID) })
	}
	wg.Wait()

	accepted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			accepted++
		case !errors.Is(err, runtime.ErrConflict):
			t.Errorf("cancel %d: error = %v, want nil or ErrConflict", i, err)
		}
	}
	if accepted != 1 {
		t.Errorf("%d of %d cancels accepted, want 1", accepted, callers)
	}
	if r := waitRun(t, e, run.ID); r.run.Status != runtime.RunCanceled {
		t.Errorf("run status = %s, want %s", r.run.Status, runtime.RunCanceled)
	}
}
