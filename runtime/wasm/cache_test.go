package wasm

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"maps"
	"path/filepath"
	"testing"
	"time"
)

func TestHost_CompilesModuleOnce(t *testing.T) {
	h := newTestHost(t, Config{})
	for range 3 {
		if _, _, err := invoke(t, h, "list.match@1.0.0", `{"indicators":[],"list":[]}`); err != nil {
			t.Fatalf("Invoke: %v", err)
		}
	}
	if n := h.compiles.Load(); n != 1 {
		t.Errorf("compiles = %d, want 1", n)
	}
}

func TestHost_DiskCacheReused(t *testing.T) {
	dir := t.TempDir()
	first := newTestHost(t, Config{CacheDir: dir})
	if _, _, err := invoke(t, first, "list.match@1.0.0", `{"indicators":[],"list":[]}`); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	before := cacheFiles(t, dir)
	if len(before) == 0 {
		t.Fatal("cache directory is empty after a compilation")
	}

	second := newTestHost(t, Config{CacheDir: dir})
	if _, _, err := invoke(t, second, "list.match@1.0.0", `{"indicators":[],"list":[]}`); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	after := cacheFiles(t, dir)
	if !maps.Equal(before, after) {
		t.Errorf("cache files changed on the second host:\nbefore %v\nafter  %v", before, after)
	}
}

// cacheFiles returns the modification time of each file under dir.
func cacheFiles(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	files := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files[path] = info.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
