package store

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// largeTrigger returns a JSON object of about size bytes whose content
// depends on n.
func largeTrigger(n, size int) []byte {
	head := fmt.Sprintf(`{"n":%d,"blob":"`, n)
	body := bytes.Repeat([]byte{byte('a' + n%26)}, size-len(head)-2)
	return append(append([]byte(head), body...), '"', '}')
}

// TestRuns_LargePayloadsListAndLoad stores runs whose trigger and raw
// trigger are 5 MiB each, 50 MiB in all, more than one 48 MB wire message
// holds.
// Lists return every run without payloads, and GetRun returns each run's
// payloads whole.
func TestRuns_LargePayloadsListAndLoad(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		const runs, size = 5, 5 << 20
		created := ms(time.Now())
		for i := range runs {
			run := newRun(fmt.Sprintf("big-%d", i), "bulk", runtime.RunQueued,
				created.Add(time.Duration(i)*time.Millisecond))
			run.TriggerNode = "webhook"
			run.Trigger = largeTrigger(i, size)
			run.TriggerRaw = largeTrigger(i+1, size)
			if err := s.InsertRun(t.Context(), run); err != nil {
				t.Fatalf("InsertRun %q: %v", run.ID, err)
			}
		}

		unfinished, err := s.ListUnfinishedRuns(t.Context())
		if err != nil {
			t.Fatalf("ListUnfinishedRuns: %v", err)
		}
		if len(unfinished) != runs {
			t.Errorf("ListUnfinishedRuns returned %d runs, want %d", len(unfinished), runs)
		}
		for _, r := range unfinished {
			if len(r.Trigger) != 0 || len(r.TriggerRaw) != 0 {
				t.Errorf("ListUnfinishedRuns: run %q carries %d trigger bytes and %d raw bytes",
					r.ID, len(r.Trigger), len(r.TriggerRaw))
			}
		}

		newest, err := s.ListRuns(t.Context(), RunFilter{PlaybookID: "bulk", Limit: 1})
		if err != nil {
			t.Fatalf("ListRuns: %v", err)
		}
		if ids := runIDs(newest); len(ids) != 1 || ids[0] != fmt.Sprintf("big-%d", runs-1) {
			t.Errorf("ListRuns with limit 1 = %v, want [big-%d]", ids, runs-1)
		}

		for i := range runs {
			id := fmt.Sprintf("big-%d", i)
			got, err := s.GetRun(t.Context(), id)
			if err != nil {
				t.Fatalf("GetRun %q: %v", id, err)
			}
			if !bytes.Equal(got.Trigger, largeTrigger(i, size)) {
				t.Errorf("GetRun %q: trigger of %d bytes differs from the stored one",
					id, len(got.Trigger))
			}
			if !bytes.Equal(got.TriggerRaw, largeTrigger(i+1, size)) {
				t.Errorf("GetRun %q: raw trigger of %d bytes differs from the stored one",
					id, len(got.TriggerRaw))
			}
		}
	})
}

// TestRun_UpdateKeepsPayloads checks that UpdateRun, which replaces the
// run document, leaves the payloads stored apart untouched.
func TestRun_UpdateKeepsPayloads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		run := newRun("r1", "triage", runtime.RunQueued, time.Now())
		run.Trigger = []byte(`{"ip":"198.51.100.7"}`)
		run.Inputs = []byte(`{"mode":"fast"}`)
		if err := s.InsertRun(t.Context(), run); err != nil {
			t.Fatalf("InsertRun: %v", err)
		}
		run.Status = runtime.RunSucceeded
		run.Output = []byte(`{"done":true}`)
		if err := s.UpdateRun(t.Context(), run); err != nil {
			t.Fatalf("UpdateRun: %v", err)
		}

		got, err := s.GetRun(t.Context(), "r1")
		if err != nil {
			t.Fatalf("GetRun: %v", err)
		}
		if string(got.Trigger) != string(run.Trigger) {
			t.Errorf("Trigger = %s, want %s", got.Trigger, run.Trigger)
		}
		if string(got.Inputs) != string(run.Inputs) {
			t.Errorf("Inputs = %s, want %s", got.Inputs, run.Inputs)
		}
		if string(got.Output) != string(run.Output) {
			t.Errorf("Output = %s, want %s", got.Output, run.Output)
		}
	})
}
