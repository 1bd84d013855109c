package store

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

func newPlaybook(id, name string, version int) *designer.Playbook {
	return &designer.Playbook{
		ID:        id,
		Version:   version,
		Name:      name,
		Inputs:    []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}`),
		CreatedAt: time.Now().Add(time.Duration(version) * time.Minute),
		Nodes: []designer.Node{{
			ID: "lookup", Type: designer.NodeAction,
			Settings: []byte(`{"action":"ip.lookup@1.0.0","inputs":{"ip":"${{ trigger[\"source.ip\"] }}"}}`),
		}},
		Edges: []designer.Edge{{From: "start", Port: designer.PortSuccess, To: "lookup"}},
	}
}

func insertPlaybooks(t *testing.T, s *Store, playbooks ...*designer.Playbook) {
	t.Helper()
	for _, p := range playbooks {
		if err := s.InsertPlaybookVersion(t.Context(), p); err != nil {
			t.Fatalf("InsertPlaybookVersion %s v%d: %v", p.ID, p.Version, err)
		}
	}
}

func TestPlaybook_GetLatestAndVersion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		v1, v2 := newPlaybook("triage", "Triage", 1), newPlaybook("triage", "Alert triage", 2)
		insertPlaybooks(t, s, v1, v2)

		got, err := s.GetPlaybook(t.Context(), "triage")
		if err != nil {
			t.Fatalf("GetPlaybook: %v", err)
		}
		if !got.CreatedAt.Equal(v2.CreatedAt) {
			t.Errorf("GetPlaybook CreatedAt = %v, want %v", got.CreatedAt, v2.CreatedAt)
		}
		got.CreatedAt = v2.CreatedAt // the monotonic clock reading is not stored
		if !reflect.DeepEqual(got, v2) {
			t.Errorf("GetPlaybook:\n got %+v\nwant %+v", got, v2)
		}

		got, err = s.GetPlaybookVersion(t.Context(), "triage", 1)
		if err != nil {
			t.Fatalf("GetPlaybookVersion 1: %v", err)
		}
		if got.Version != 1 || got.Name != "Triage" {
			t.Errorf("GetPlaybookVersion 1 = version %d %q, want 1 %q", got.Version, got.Name, "Triage")
		}
		if string(got.Nodes[0].Settings) != string(v1.Nodes[0].Settings) {
			t.Errorf("node settings = %s, want %s", got.Nodes[0].Settings, v1.Nodes[0].Settings)
		}
	})
}

func TestPlaybook_SameVersionIsConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		insertPlaybooks(t, s, newPlaybook("triage", "Triage", 1))

		err := s.InsertPlaybookVersion(t.Context(), newPlaybook("triage", "Other edit", 1))
		if !errors.Is(err, runtime.ErrConflict) {
			t.Fatalf("second insert of version 1: got %v, want ErrConflict", err)
		}
		if want := `insert playbook "triage" version 1: conflict: duplicate key`; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}

		got, err := s.GetPlaybook(t.Context(), "triage")
		if err != nil {
			t.Fatalf("GetPlaybook: %v", err)
		}
		if got.Name != "Triage" {
			t.Errorf("GetPlaybook name = %q, want the first save %q", got.Name, "Triage")
		}
	})
}

func TestPlaybook_MissingIsNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		insertPlaybooks(t, s, newPlaybook("triage", "Triage", 1))

		if _, err := s.GetPlaybook(t.Context(), "nope"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetPlaybook: got %v, want ErrNotFound", err)
		}
		_, err := s.GetPlaybookVersion(t.Context(), "triage", 2)
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetPlaybookVersion: got %v, want ErrNotFound", err)
		}
		if want := `playbook "triage" version 2: not found`; err != nil && err.Error() != want {
			t.Errorf("GetPlaybookVersion error = %q, want %q", err, want)
		}
	})
}

func TestListPlaybooks_LatestOfEachByName(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		// "phish" gets version 2 before version 1, so its head must not
		// move back to version 1.
		insertPlaybooks(t, s,
			newPlaybook("triage", "Triage", 1),
			newPlaybook("phish", "Phishing", 2),
			newPlaybook("phish", "Phishing draft", 1),
			newPlaybook("triage", "Alert triage", 2),
			newPlaybook("triage", "Alert triage", 3),
			newPlaybook("block", "Block IP", 1),
		)

		list, err := s.ListPlaybooks(t.Context())
		if err != nil {
			t.Fatalf("ListPlaybooks: %v", err)
		}
		type entry struct {
			ID      string
			Version int
			Name    string
		}
		var got []entry
		for _, p := range list {
			got = append(got, entry{p.ID, p.Version, p.Name})
		}
		want := []entry{{"triage", 3, "Alert triage"}, {"block", 1, "Block IP"}, {"phish", 2, "Phishing"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ListPlaybooks = %v, want %v", got, want)
		}
	})
}

func TestListPlaybooks_EmptyStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		list, err := s.ListPlaybooks(t.Context())
		if err != nil || list == nil || len(list) != 0 {
			t.Errorf("ListPlaybooks = %v, %v; want empty, nil", list, err)
		}
	})
}

func TestListPlaybookVersions_NewestFirst(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		insertPlaybooks(t, s,
			newPlaybook("triage", "Triage", 1),
			newPlaybook("triage", "Triage", 2),
			newPlaybook("phish", "Phishing", 1),
			newPlaybook("triage", "Triage", 3),
		)

		list, err := s.ListPlaybookVersions(t.Context(), "triage")
		if err != nil {
			t.Fatalf("ListPlaybookVersions: %v", err)
		}
		var versions []int
		for _, p := range list {
			versions = append(versions, p.Version)
		}
		if want := []int{3, 2, 1}; !reflect.DeepEqual(versions, want) {
			t.Errorf("ListPlaybookVersions versions = %v, want %v", versions, want)
		}
	})
}

// TestGetPlaybook_HeadBehindOrMissing stores versions without moving the
// head, as a crash between the two writes would, and checks that
// GetPlaybook still returns the latest version.
func TestGetPlaybook_HeadBehindOrMissing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		insertVersionOnly := func(p *designer.Playbook) {
			t.Helper()
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			doc := playbookDoc{ID: playbookDocID(p.ID, p.Version), PlaybookID: p.ID,
				Version: p.Version, Name: p.Name, CreatedAt: p.CreatedAt, JSON: data}
			if _, err := s.playbooks.InsertOne(t.Context(), doc); err != nil {
				t.Fatalf("insert version %d: %v", p.Version, err)
			}
		}

		if err := s.InsertPlaybookVersion(t.Context(), newPlaybook("behind", "Behind", 1)); err != nil {
			t.Fatalf("InsertPlaybookVersion: %v", err)
		}
		insertVersionOnly(newPlaybook("behind", "Behind", 2))
		insertVersionOnly(newPlaybook("behind", "Behind", 3))
		insertVersionOnly(newPlaybook("headless", "Headless", 1))
		insertVersionOnly(newPlaybook("headless", "Headless", 2))

		for id, want := range map[string]int{"behind": 3, "headless": 2} {
			got, err := s.GetPlaybook(t.Context(), id)
			if err != nil {
				t.Fatalf("GetPlaybook(%q): %v", id, err)
			}
			if got.Version != want {
				t.Errorf("GetPlaybook(%q) version = %d, want %d", id, got.Version, want)
			}
		}
		if _, err := s.GetPlaybook(t.Context(), "nope"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetPlaybook(nope): got %v, want ErrNotFound", err)
		}
	})
}

func TestGetPlaybookVersion_CachedCopies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		p := newPlaybook("triage", "Triage", 1)
		if err := s.InsertPlaybookVersion(t.Context(), p); err != nil {
			t.Fatalf("InsertPlaybookVersion: %v", err)
		}
		first, err := s.GetPlaybookVersion(t.Context(), "triage", 1)
		if err != nil {
			t.Fatalf("GetPlaybookVersion: %v", err)
		}
		first.Name = "changed by the caller"
		first.Nodes[0].ID = "changed"

		// With the stored version gone, only the cache can answer.
		_, err = s.playbooks.DeleteOne(t.Context(), bson.D{{Key: "_id", Value: playbookDocID("triage", 1)}})
		if err != nil {
			t.Fatalf("delete version: %v", err)
		}
		second, err := s.GetPlaybookVersion(t.Context(), "triage", 1)
		if err != nil {
			t.Fatalf("second GetPlaybookVersion: %v", err)
		}
		if second.Name != "Triage" || second.Nodes[0].ID != p.Nodes[0].ID {
			t.Errorf("second read = name %q, first node %q; want %q, %q", second.Name,
				second.Nodes[0].ID, "Triage", p.Nodes[0].ID)
		}
		if _, err := s.GetPlaybookVersion(t.Context(), "triage", 2); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("version 2: error = %v, want ErrNotFound", err)
		}
	})
}
