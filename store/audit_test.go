package store

import (
	"slices"
	"testing"
	"time"
)

// insertAuditEntries stores one entry per time, whose target names its
// index (playbook:pa, playbook:pb, ...), and returns the stored entries in
// the order given.
func insertAuditEntries(t *testing.T, s *Store, times []time.Time) []AuditEntry {
	t.Helper()
	entries := make([]AuditEntry, len(times))
	for i, at := range times {
		entries[i] = AuditEntry{Time: at, Actor: "ana", Role: "analyst",
			Action: "playbook.update", Target: "playbook:p" + string(rune('a'+i)),
			Outcome: AuditSuccess}
		if err := s.InsertAuditEntry(t.Context(), &entries[i]); err != nil {
			t.Fatalf("InsertAuditEntry %d: %v", i, err)
		}
		if !ValidAuditID(entries[i].ID) {
			t.Fatalf("InsertAuditEntry %d set ID %q, which ValidAuditID rejects", i, entries[i].ID)
		}
	}
	return entries
}

func targets(entries []AuditEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Target
	}
	return out
}

func TestAudit_ListNewestFirstWithPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		base := ms(time.Now().Add(-time.Hour))
		// Inserted out of time order: the list follows Time, not insertion.
		insertAuditEntries(t, s, []time.Time{
			base.Add(2 * time.Second), base, base.Add(3 * time.Second), base.Add(time.Second),
		})

		all, err := s.ListAuditEntries(t.Context(), AuditFilter{})
		if err != nil {
			t.Fatalf("ListAuditEntries: %v", err)
		}
		if got, want := targets(all), []string{"playbook:pc", "playbook:pa", "playbook:pd",
			"playbook:pb"}; !slices.Equal(got, want) {
			t.Fatalf("ListAuditEntries targets = %v, want %v", got, want)
		}
		if all[0].Actor != "ana" || all[0].Role != "analyst" || all[0].Outcome != AuditSuccess {
			t.Errorf("first entry = %+v, want actor ana, role analyst, outcome success", all[0])
		}
		if !all[0].Time.Equal(base.Add(3 * time.Second)) {
			t.Errorf("first entry time = %v, want %v", all[0].Time, base.Add(3*time.Second))
		}

		first, err := s.ListAuditEntries(t.Context(), AuditFilter{Limit: 2})
		if err != nil {
			t.Fatalf("ListAuditEntries limit 2: %v", err)
		}
		if got, want := targets(first), targets(all[:2]); !slices.Equal(got, want) {
			t.Errorf("first page = %v, want %v", got, want)
		}
		second, err := s.ListAuditEntries(t.Context(), AuditFilter{Before: first[1].ID, Limit: 2})
		if err != nil {
			t.Fatalf("ListAuditEntries second page: %v", err)
		}
		if got, want := targets(second), targets(all[2:]); !slices.Equal(got, want) {
			t.Errorf("second page = %v, want %v", got, want)
		}
		last, err := s.ListAuditEntries(t.Context(), AuditFilter{Before: second[1].ID, Limit: 2})
		if err != nil {
			t.Fatalf("ListAuditEntries after the last page: %v", err)
		}
		if len(last) != 0 {
			t.Errorf("page after the oldest entry = %v, want none", targets(last))
		}
	})
}

func TestAudit_DeleteBeforeInBatches(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		cutoff := ms(time.Now().Add(-24 * time.Hour))
		var times []time.Time
		for i := range 5 {
			times = append(times, cutoff.Add(-time.Duration(i+1)*time.Minute))
		}
		times = append(times, cutoff, cutoff.Add(time.Minute))
		insertAuditEntries(t, s, times)

		n, err := s.DeleteAuditEntriesBefore(t.Context(), cutoff, 2)
		if err != nil {
			t.Fatalf("DeleteAuditEntriesBefore: %v", err)
		}
		if n != 5 {
			t.Errorf("DeleteAuditEntriesBefore removed %d entries, want 5", n)
		}
		left, err := s.ListAuditEntries(t.Context(), AuditFilter{})
		if err != nil {
			t.Fatalf("ListAuditEntries: %v", err)
		}
		if got, want := targets(left), []string{"playbook:pg", "playbook:pf"}; !slices.Equal(got, want) {
			t.Errorf("entries left = %v, want %v (the entry at the cutoff and the newer one)", got, want)
		}

		n, err = s.DeleteAuditEntriesBefore(t.Context(), cutoff, 2)
		if err != nil || n != 0 {
			t.Errorf("second DeleteAuditEntriesBefore = %d, %v; want 0, nil", n, err)
		}
	})
}

func TestValidAuditID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"18a2b3c4d5e6f70801234567", true},
		{"", false},
		{"18a2b3c4d5e6f7080123456", false},
		{"18A2B3C4D5E6F70801234567", false},
		{`{"$gt": ""}`, false},
	}
	for _, tt := range tests {
		if got := ValidAuditID(tt.id); got != tt.want {
			t.Errorf("ValidAuditID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
