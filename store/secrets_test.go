package store

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/updraftsoar/updraft/runtime"
)

func testKey(t *testing.T) []byte {
	t.Helper()
	key := make([]byte, SecretKeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

func newTestSecrets(t *testing.T, s *Store, key []byte) *SecretStore {
	t.Helper()
	secrets, err := NewSecretStore(s, key)
	if err != nil {
		t.Fatal(err)
	}
	return secrets
}

func TestSecretBox_RoundTrip(t *testing.T) {
	box, err := newSecretBox(testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.seal("vt_api_key", []byte("value-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("value-1")) {
		t.Fatal("sealed bytes contain the plaintext")
	}
	again, _ := box.seal("vt_api_key", []byte("value-1"))
	if bytes.Equal(sealed, again) {
		t.Error("two seals of the same value are equal; the nonce is not random")
	}
	got, err := box.open("vt_api_key", sealed)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if string(got) != "value-1" {
		t.Errorf("open = %q, want %q", got, "value-1")
	}
}

func TestSecretBox_OpenFails(t *testing.T) {
	box, _ := newSecretBox(testKey(t))
	other, _ := newSecretBox(testKey(t))
	sealed, err := box.seal("slack_token", []byte("xoxb-1"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1

	tests := []struct {
		name   string
		box    *secretBox
		secret string
		sealed []byte
	}{
		{"wrong key", other, "slack_token", sealed},
		{"other name", box, "jira_token", sealed},
		{"changed ciphertext", box, "slack_token", flipped},
		{"too short", box, "slack_token", sealed[:10]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.box.open(tt.secret, tt.sealed); err == nil {
				t.Fatal("open succeeded, want an error")
			}
		})
	}
}

func TestLoadSecretKey_CreatesFileWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), SecretKeyFile)
	key, err := LoadSecretKey(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != SecretKeySize {
		t.Fatalf("key has %d bytes, want %d", len(key), SecretKeySize)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode = %04o, want 0600", perm)
	}
	again, err := LoadSecretKey(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, again) {
		t.Error("second load returned another key")
	}
}

func TestLoadSecretKey_Rejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	key := testKey(t)
	tests := []struct {
		name    string
		path    string
		create  bool
		wantErr error
		wantMsg string
	}{
		{"group readable", write("group", []byte(hex.EncodeToString(key)), 0o640), true,
			ErrKeyFileMode, "has mode 0640"},
		{"world readable", write("world", []byte(hex.EncodeToString(key)), 0o604), true,
			ErrKeyFileMode, "run chmod 600"},
		{"short key", write("short", []byte("abcd\n"), 0o600), true, nil, "invalid key"},
		{"missing without create", filepath.Join(dir, "absent"), false, os.ErrNotExist, "absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSecretKey(tt.path, tt.create)
			if err == nil {
				t.Fatal("LoadSecretKey succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestLoadSecretKey_AcceptedForms(t *testing.T) {
	key := testKey(t)
	forms := map[string][]byte{
		"raw":    key,
		"hex":    []byte(hex.EncodeToString(key) + "\n"),
		"base64": []byte(base64.StdEncoding.EncodeToString(key) + "\n"),
	}
	for name, data := range forms {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadSecretKey(path, false)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, key) {
				t.Error("decoded key differs from the written key")
			}
		})
	}
}

func TestSecretStore_PutGetListDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		secrets := newTestSecrets(t, s, testKey(t))

		created, err := secrets.PutSecret(ctx, "vt_api_key", "first-value")
		if err != nil || !created {
			t.Fatalf("PutSecret = %v, %v; want true, nil", created, err)
		}
		created, err = secrets.PutSecret(ctx, "vt_api_key", "second-value")
		if err != nil || created {
			t.Fatalf("replace: PutSecret = %v, %v; want false, nil", created, err)
		}
		if _, err := secrets.PutSecret(ctx, "abuse.key", "other"); err != nil {
			t.Fatal(err)
		}

		got, err := secrets.GetSecret(ctx, "vt_api_key")
		if err != nil || got != "second-value" {
			t.Fatalf("GetSecret = %q, %v; want the replaced value", got, err)
		}

		list, err := secrets.ListSecrets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "abuse.key" || list[1].Name != "vt_api_key" {
			t.Fatalf("ListSecrets = %+v, want abuse.key and vt_api_key", list)
		}
		if list[1].UpdatedAt.Before(list[1].CreatedAt) {
			t.Errorf("updated_at %v is before created_at %v", list[1].UpdatedAt, list[1].CreatedAt)
		}

		if err := secrets.DeleteSecret(ctx, "vt_api_key"); err != nil {
			t.Fatal(err)
		}
		if _, err := secrets.GetSecret(ctx, "vt_api_key"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetSecret after delete: %v, want ErrNotFound", err)
		}
		if err := secrets.DeleteSecret(ctx, "vt_api_key"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("second DeleteSecret: %v, want ErrNotFound", err)
		}
	})
}

func TestSecretStore_ValueEncryptedAtRest(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	secrets := newTestSecrets(t, s, testKey(t))
	if _, err := secrets.PutSecret(t.Context(), "okta_token", "plain-okta-value"); err != nil {
		t.Fatal(err)
	}
	raw, err := s.db.Collection("secrets").FindOne(t.Context(), bson.D{}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("plain-okta-value")) {
		t.Fatal("the stored document contains the plaintext value")
	}
}

func TestSecretStore_WrongKeyFails(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	if _, err := newTestSecrets(t, s, testKey(t)).PutSecret(t.Context(), "slack", "v"); err != nil {
		t.Fatal(err)
	}
	_, err := newTestSecrets(t, s, testKey(t)).GetSecret(t.Context(), "slack")
	if err == nil || !strings.Contains(err.Error(), "encrypted under another key") {
		t.Fatalf("GetSecret with another key: %v, want an error naming the key", err)
	}
}

func TestSecretStore_SwappedValuesFail(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	ctx := t.Context()
	secrets := newTestSecrets(t, s, testKey(t))
	for name, value := range map[string]string{"low": "low-value", "high": "high-value"} {
		if _, err := secrets.PutSecret(ctx, name, value); err != nil {
			t.Fatal(err)
		}
	}

	// Copy the sealed value of "high" into "low" as someone with write
	// access to the database could.
	coll := s.db.Collection("secrets")
	var high secretDoc
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "high"}}).Decode(&high); err != nil {
		t.Fatal(err)
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: high.Value}}}}
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "low"}}, update); err != nil {
		t.Fatal(err)
	}

	got, err := secrets.GetSecret(ctx, "low")
	if err == nil {
		t.Fatalf("GetSecret of a swapped value = %q, want an error", got)
	}
}

func TestSecretStore_PutRejects(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	secrets := newTestSecrets(t, s, testKey(t))
	tests := []struct {
		name, secret, value string
	}{
		{"uppercase name", "VT_KEY", "v"},
		{"slash in name", "a/b", "v"},
		{"leading dot", ".hidden", "v"},
		{"empty name", "", "v"},
		{"name too long", strings.Repeat("a", 65), "v"},
		{"empty value", "ok", ""},
		{"value too large", "ok", strings.Repeat("x", MaxSecretBytes+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := secrets.PutSecret(t.Context(), tt.secret, tt.value)
			if !errors.Is(err, runtime.ErrInvalid) {
				t.Fatalf("PutSecret(%q): %v, want ErrInvalid", tt.secret, err)
			}
		})
	}
}
