package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/store"
)

// TestSyncActions_RegistersVersionsStoredElsewhere stores versions and a
// deprecation in the database as another process would, and checks that
// syncActions brings them into the registry.
func TestSyncActions_RegistersVersionsStoredElsewhere(t *testing.T) {
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	registry := actions.NewRegistry()

	put := func(version string) actions.Action {
		t.Helper()
		m, err := actions.ParseManifest(testManifest("test.synced", version))
		if err != nil {
			t.Fatal(err)
		}
		module := minimalModule("test.synced" + version)
		a := actions.Action{Manifest: *m, SHA256: sha256Hex(module)}
		if _, err := st.PutAction(t.Context(), a, module); err != nil {
			t.Fatalf("PutAction %s: %v", version, err)
		}
		return a
	}
	first := put("1.0.0")
	if err := registry.Add(first); err != nil {
		t.Fatal(err)
	}
	put("1.1.0")
	d := actions.Deprecation{Message: "use 1.1.0", At: time.Now().UTC().Truncate(time.Millisecond),
		By: "token:other-process"}
	if err := st.DeprecateAction(t.Context(), "test.synced@1.0.0", d); err != nil {
		t.Fatalf("DeprecateAction: %v", err)
	}

	added, err := syncActions(t.Context(), st, registry)
	if err != nil {
		t.Fatalf("syncActions: %v", err)
	}
	if added != 1 {
		t.Errorf("syncActions registered %d versions, want 1", added)
	}
	if _, ok := registry.Lookup("test.synced@1.1.0"); !ok {
		t.Error("version 1.1.0 stored elsewhere is not registered")
	}
	old, ok := registry.Lookup("test.synced@1.0.0")
	if !ok || old.Deprecated == nil || old.Deprecated.Message != "use 1.1.0" {
		t.Errorf("version 1.0.0 = %+v, want deprecated with the stored message", old)
	}

	added, err = syncActions(t.Context(), st, registry)
	if err != nil || added != 0 {
		t.Errorf("second syncActions = %d, %v; want 0, nil", added, err)
	}
}
