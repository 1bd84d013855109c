package store

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// wasmModule returns the WebAssembly header followed by n random bytes,
// so every call gives a different module. The store treats modules as
// opaque bytes.
func wasmModule(t *testing.T, n int) []byte {
	t.Helper()
	payload := make([]byte, n)
	rand.Read(payload)
	return append([]byte("\x00asm\x01\x00\x00\x00"), payload...)
}

// inputSchema has "$"-prefixed keys and a dotted key, so the action tests
// show that manifests with such keys round-trip through the store.
const inputSchema = `{"$schema":"https://json-schema.org/draft/2020-12/schema",` +
	`"$defs":{"ip.v4":{}}}`

func newAction(name, version string) actions.Action {
	return actions.Action{Manifest: actions.Manifest{
		ABI:          actions.ABIv1,
		Name:         name,
		Version:      version,
		Title:        "Look up an IP",
		InputSchema:  []byte(inputSchema),
		OutputSchema: []byte(`{"type":"object"}`),
		Capabilities: actions.Capabilities{Hosts: []string{"api.example.com"}},
	}}
}

func sumOf(module []byte) string {
	sum := sha256.Sum256(module)
	return hex.EncodeToString(sum[:])
}

func TestPutAction_StoresManifestAndModule(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		// 600 KB spans three GridFS chunks of 255 KB.
		module := wasmModule(t, 600<<10)
		a := newAction("ip.lookup", "1.0.0")

		created, err := s.PutAction(t.Context(), a, module)
		if err != nil || !created {
			t.Fatalf("PutAction = %v, %v; want true, nil", created, err)
		}

		got, err := s.GetAction(t.Context(), "ip.lookup@1.0.0")
		if err != nil {
			t.Fatalf("GetAction: %v", err)
		}
		want := a
		want.SHA256 = sumOf(module)
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("GetAction:\n got %+v\nwant %+v", *got, want)
		}

		stored, err := s.Module(t.Context(), want.SHA256)
		if err != nil {
			t.Fatalf("Module: %v", err)
		}
		if !bytes.Equal(stored, module) {
			t.Errorf("Module returned %d bytes that differ from the %d put", len(stored), len(module))
		}
	})
}

func TestPutAction_SameVersionSameModuleIsNoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		module := wasmModule(t, 64)
		a := newAction("ip.lookup", "1.0.0")
		if _, err := s.PutAction(t.Context(), a, module); err != nil {
			t.Fatalf("PutAction: %v", err)
		}

		created, err := s.PutAction(t.Context(), a, module)
		if err != nil || created {
			t.Errorf("second PutAction = %v, %v; want false, nil", created, err)
		}
		files := countDocs(t, s.modules.GetFilesCollection(), bson.D{})
		if files != 1 {
			t.Errorf("modules bucket holds %d files, want 1", files)
		}
	})
}

func TestPutAction_SameVersionOtherModuleIsConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		first, second := wasmModule(t, 64), wasmModule(t, 64)
		a := newAction("ip.lookup", "1.0.0")
		if _, err := s.PutAction(t.Context(), a, first); err != nil {
			t.Fatalf("PutAction: %v", err)
		}

		created, err := s.PutAction(t.Context(), a, second)
		if !errors.Is(err, runtime.ErrConflict) || created {
			t.Fatalf("PutAction with other bytes = %v, %v; want false, ErrConflict", created, err)
		}
		want := `action "ip.lookup@1.0.0" is already published with module sha256 ` +
			sumOf(first) + ": conflict"
		if err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		if _, err := s.Module(t.Context(), sumOf(second)); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Module of the rejected bytes: got %v, want ErrNotFound", err)
		}
	})
}

func TestPutAction_SharedModuleStoredOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		module := wasmModule(t, 64)
		for _, v := range []string{"1.0.0", "1.0.1"} {
			created, err := s.PutAction(t.Context(), newAction("ip.lookup", v), module)
			if err != nil || !created {
				t.Fatalf("PutAction %s = %v, %v; want true, nil", v, created, err)
			}
		}
		files := countDocs(t, s.modules.GetFilesCollection(), bson.D{})
		if files != 1 {
			t.Errorf("modules bucket holds %d files, want 1", files)
		}
	})
}

func TestPutAction_WrongSHA256IsRejected(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		a := newAction("ip.lookup", "1.0.0")
		a.SHA256 = sumOf([]byte("other"))
		created, err := s.PutAction(t.Context(), a, wasmModule(t, 64))
		if err == nil || created {
			t.Fatalf("PutAction with a wrong SHA256 = %v, %v; want an error", created, err)
		}
		if _, err := s.GetAction(t.Context(), "ip.lookup@1.0.0"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetAction after rejected put: got %v, want ErrNotFound", err)
		}
	})
}

func TestListActions_SortedByNameAndSemver(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		for _, ref := range [][2]string{
			{"ip.lookup", "1.10.0"}, {"email.parse", "2.0.0"}, {"ip.lookup", "1.9.0"},
			{"ip.lookup", "1.10.0-rc.1"},
		} {
			if _, err := s.PutAction(t.Context(), newAction(ref[0], ref[1]), wasmModule(t, 16)); err != nil {
				t.Fatalf("PutAction %v: %v", ref, err)
			}
		}

		list, err := s.ListActions(t.Context())
		if err != nil {
			t.Fatalf("ListActions: %v", err)
		}
		var refs []string
		for _, a := range list {
			refs = append(refs, a.Manifest.Ref())
		}
		want := []string{
			"email.parse@2.0.0", "ip.lookup@1.9.0", "ip.lookup@1.10.0-rc.1", "ip.lookup@1.10.0",
		}
		if !reflect.DeepEqual(refs, want) {
			t.Errorf("ListActions = %v, want %v", refs, want)
		}
	})
}

func TestModule_MissingIsNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		sum := sumOf([]byte("never stored"))
		_, err := s.Module(t.Context(), sum)
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("Module: got %v, want ErrNotFound", err)
		}
		if want := "module " + sum + ": not found"; err.Error() != want {
			t.Errorf("Module error = %q, want %q", err, want)
		}
		if _, err := s.GetAction(t.Context(), "nope@1.0.0"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetAction: got %v, want ErrNotFound", err)
		}
	})
}

func TestModule_DamagedBytesAreRejected(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		sum := sumOf([]byte("expected"))
		_, err := s.modules.UploadFromStream(t.Context(), sum, bytes.NewReader([]byte("damaged")))
		if err != nil {
			t.Fatalf("upload: %v", err)
		}

		_, err = s.Module(t.Context(), sum)
		if err == nil || errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("Module of damaged bytes: got %v, want a checksum error", err)
		}
		want := "module " + sum + ": stored bytes have sha256 " + sumOf([]byte("damaged"))
		if err.Error() != want {
			t.Errorf("Module error = %q, want %q", err, want)
		}
	})
}

func TestDeprecateAction_KeepsSignerAndShowsInList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := newAction("ip.deprecated", "1.0.0")
		a.SignedBy = "c2lnbmVyLWtleQ=="
		if _, err := s.PutAction(ctx, a, wasmModule(t, 64)); err != nil {
			t.Fatal(err)
		}

		at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		d := actions.Deprecation{Message: "use 2.0.0", At: at, By: "admin"}
		if err := s.DeprecateAction(ctx, "ip.deprecated@1.0.0", d); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAction(ctx, "ip.deprecated@1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if got.SignedBy != a.SignedBy {
			t.Errorf("SignedBy = %q, want %q", got.SignedBy, a.SignedBy)
		}
		if got.Deprecated == nil || *got.Deprecated != d {
			t.Errorf("Deprecated = %+v, want %+v", got.Deprecated, d)
		}

		list, err := s.ListActions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, listed := range list {
			if listed.Manifest.Ref() == "ip.deprecated@1.0.0" && listed.Deprecated == nil {
				t.Error("ListActions lost the deprecation")
			}
		}

		err = s.DeprecateAction(ctx, "ip.deprecated@9.9.9", d)
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("DeprecateAction of a missing version = %v, want ErrNotFound", err)
		}
	})
}

func TestReplaceBuiltinAction_ReplacesOnlyBundled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := newAction("replace.builtin", "1.0.0")
		a.Builtin = true
		first, second := wasmModule(t, 64), wasmModule(t, 64)

		if _, err := s.ReplaceBuiltinAction(ctx, a, first); err != nil {
			t.Fatalf("first store: %v", err)
		}
		replaced, err := s.ReplaceBuiltinAction(ctx, a, second)
		if err != nil || !replaced {
			t.Fatalf("replace = %v, %v; want true, nil", replaced, err)
		}
		got, err := s.GetAction(ctx, "replace.builtin@1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if got.SHA256 != sumOf(second) {
			t.Errorf("stored sha256 %s, want the second module's %s", got.SHA256, sumOf(second))
		}
		if b, err := s.Module(ctx, got.SHA256); err != nil || !bytes.Equal(b, second) {
			t.Errorf("Module = %d bytes, %v; want the second module", len(b), err)
		}

		published := newAction("replace.published", "1.0.0")
		if _, err := s.PutAction(ctx, published, wasmModule(t, 64)); err != nil {
			t.Fatal(err)
		}
		_, err = s.ReplaceBuiltinAction(ctx, published, wasmModule(t, 64))
		if !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("replacing a published version: err %v, want ErrConflict", err)
		}
	})
}
