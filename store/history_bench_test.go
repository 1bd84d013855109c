package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// BenchmarkListSteps_History reads the steps of one run of five steps from
// a store that holds the history of 2,000 such runs.
func BenchmarkListSteps_History(b *testing.B) {
	// A data directory of its own, so that its tables get the _id
	// indexes that Open adds.
	s, err := Open(b.Context(), Config{DataDir: b.TempDir(), Logger: discardLogger()})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })
	const runs, perRun = 2000, 5
	for r := range runs {
		runID := fmt.Sprintf("run%05d", r)
		steps := make([]runtime.Step, perRun)
		events := make([]runtime.Event, perRun)
		now := ms(time.Now())
		for i := range steps {
			id := fmt.Sprintf("%s/n%d", runID, i)
			steps[i] = runtime.Step{ID: id, RunID: runID, NodeID: fmt.Sprintf("n%d", i),
				Status: runtime.StepSucceeded, Attempt: 1, StartedAt: &now, EndedAt: &now,
				Output: []byte(`{"verdict":"malicious","score":87}`)}
			events[i] = runtime.Event{RunID: runID, Seq: int64(i + 1), Time: now,
				Type: runtime.EventStepFinished, NodeID: steps[i].NodeID, StepID: id}
		}
		if err := s.InsertSteps(b.Context(), steps); err != nil {
			b.Fatalf("InsertSteps: %v", err)
		}
		if err := s.AppendEvents(b.Context(), events); err != nil {
			b.Fatalf("AppendEvents: %v", err)
		}
	}

	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		runID := fmt.Sprintf("run%05d", i%runs)
		steps, err := s.ListSteps(b.Context(), runID)
		if err != nil {
			b.Fatalf("ListSteps: %v", err)
		}
		if len(steps) != perRun {
			b.Fatalf("ListSteps returned %d steps, want %d", len(steps), perRun)
		}
	}
}

// BenchmarkListSteps_LargeRun reads the steps of one run of 3,000 steps,
// such as a loop over 3,000 items leaves.
func BenchmarkListSteps_LargeRun(b *testing.B) {
	s, err := Open(b.Context(), Config{DataDir: b.TempDir(), Logger: discardLogger()})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })
	const n = 3000
	now := ms(time.Now())
	steps := make([]runtime.Step, n)
	events := make([]runtime.Event, n)
	for i := range steps {
		id := fmt.Sprintf("big/each[%d]/lookup", i)
		steps[i] = runtime.Step{ID: id, RunID: "big", NodeID: "lookup", Status: runtime.StepSucceeded,
			Attempt: 1, StartedAt: &now, EndedAt: &now, Output: []byte(`{"listed":false}`)}
		events[i] = runtime.Event{RunID: "big", Seq: int64(i + 1), Time: now,
			Type: runtime.EventStepFinished, NodeID: "lookup", StepID: id}
	}
	if err := s.InsertSteps(b.Context(), steps); err != nil {
		b.Fatalf("InsertSteps: %v", err)
	}
	if err := s.AppendEvents(b.Context(), events); err != nil {
		b.Fatalf("AppendEvents: %v", err)
	}

	b.ResetTimer()
	for b.Loop() {
		got, err := s.ListSteps(b.Context(), "big")
		if err != nil {
			b.Fatalf("ListSteps: %v", err)
		}
		if len(got) != n {
			b.Fatalf("ListSteps returned %d steps, want %d", len(got), n)
		}
	}
}
