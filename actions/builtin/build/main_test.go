package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions"
)

func TestBuild_WritesModuleAndManifests(t *testing.T) {
	out := t.TempDir()
	stale := filepath.Join(out, "removed.action.wasm")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := build("..", out); err != nil {
		t.Fatalf("build: %v", err)
	}

	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale module %s was not removed: %v", stale, err)
	}
	module, err := os.ReadFile(filepath.Join(out, "bundle.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(module) < 4 || string(module[:4]) != "\x00asm" {
		t.Error("bundle.wasm does not start with the WebAssembly magic number")
	}

	wasms, err := filepath.Glob(filepath.Join(out, "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(wasms) != 1 {
		t.Errorf("modules = %v, want only bundle.wasm", wasms)
	}
	for _, name := range []string{"http.request", "ioc.extract", "ioc.refang", "list.match"} {
		raw, err := os.ReadFile(filepath.Join(out, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := actions.ParseManifest(raw)
		if err != nil {
			t.Errorf("%s.json: %v", name, err)
			continue
		}
		if m.Name != name {
			t.Errorf("%s.json names action %q", name, m.Name)
		}
	}
}

func TestBuild_ManifestPerActionDirectory(t *testing.T) {
	manifests, err := readManifests("..")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob(filepath.Join("..", "*", "manifest*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(manifests) != len(dirs) {
		t.Errorf("readManifests found %d manifests, want %d", len(manifests), len(dirs))
	}
}

func TestBuild_Errors(t *testing.T) {
	manifest := func(name string) string {
		return `{"abi":"v1","name":"` + name + `","version":"1.0.0","title":"T",` +
			`"input_schema":{},"output_schema":{},"capabilities":{},"limits":{},"side_effects":false}`
	}
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{
			name:    "no actions",
			files:   map[string]string{},
			wantErr: "no manifest.json in a subdirectory of",
		},
		{
			name: "duplicate action name",
			files: map[string]string{
				"a/manifest.json": manifest("t.same"),
				"b/manifest.json": manifest("t.same"),
			},
			wantErr: `action "t.same" is also declared in `,
		},
		{
			name:    "invalid manifest",
			files:   map[string]string{"a/manifest.json": `{"abi":"v9"}`},
			wantErr: "manifest.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			for name, content := range tt.files {
				path := filepath.Join(src, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := build(src, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("build = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
