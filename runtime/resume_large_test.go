package runtime_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// TestEngine_ResumeLargePayloads stores four queued runs whose triggers
// are 4 MiB each, together more than the 16 MiB of one BSON document, and
// checks that Resume runs them all with their whole trigger.
func TestEngine_ResumeLargePayloads(t *testing.T) {
	const runs, size = 4, 4 << 20
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })

	pb := newPlaybook(t, []designer.Node{trigger(t),
		transform(t, "size", map[string]any{"n": "${{ len(trigger.blob) }}"})},
		edge("start", designer.PortSuccess, "size"))
	if err := st.InsertPlaybookVersion(t.Context(), pb); err != nil {
		t.Fatalf("insert playbook: %v", err)
	}
	blob := strings.Repeat("x", size)
	for i := range runs {
		run := &runtime.Run{ID: fmt.Sprintf("large-%d", i), PlaybookID: pb.ID,
			PlaybookVersion: 1, Status: runtime.RunQueued, TriggerNode: "start",
			Trigger: []byte(`{"blob":"` + blob + `"}`), CreatedAt: time.Now().UTC()}
		if err := st.InsertRun(t.Context(), run); err != nil {
			t.Fatalf("insert run %q: %v", run.ID, err)
		}
	}

	// The trigger step's output is the whole trigger.
	e := newEngine(t, runtime.Config{Store: st, MaxOutputBytes: 2 * size})
	if err := e.Resume(t.Context()); err != nil {
		t.Fatalf("resume: %v", err)
	}
	for i := range runs {
		id := fmt.Sprintf("large-%d", i)
		select {
		case <-e.Wait(id):
		case <-time.After(waitLimit):
			t.Fatalf("run %s did not end within %s", id, waitLimit)
		}
		run, err := st.GetRun(t.Context(), id)
		if err != nil {
			t.Fatalf("get run %q: %v", id, err)
		}
		if run.Status != runtime.RunSucceeded {
			t.Errorf("run %q status = %q (error %q), want succeeded", id, run.Status, run.Error)
		}
		steps, err := st.ListSteps(t.Context(), id)
		if err != nil {
			t.Fatalf("list steps of %q: %v", id, err)
		}
		found := false
		for _, s := range steps {
			if s.NodeID == "size" {
				found = true
				wantJSON(t, id+" size output", s.Output, fmt.Sprintf(`{"n": %d}`, size))
			}
		}
		if !found {
			t.Errorf("run %q has no step of node size", id)
		}
	}
}
