package builtin

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func testManifest(name string) []byte {
	return []byte(`{
	"abi": "v1", "name": "` + name + `", "version": "1.0.0", "title": "Echo",
	"input_schema": {}, "output_schema": {}, "capabilities": {}, "limits": {}, "side_effects": false
}`)
}

func TestLoad_SharesOneModule(t *testing.T) {
	fsys := fstest.MapFS{
		"dist/.gitkeep":     {},
		"dist/bundle.wasm":  {Data: []byte("abc")},
		"dist/test.b.json":  {Data: testManifest("test.b")},
		"dist/test.a.json":  {Data: testManifest("test.a")},
		"dist/notes/x.json": {Data: []byte("not read")},
	}
	const wantSHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

	bundles, err := load(fsys, "dist")
	if err != nil {
		t.Fatal(err)
	}

	var names []string
	for _, b := range bundles {
		names = append(names, b.Manifest.Name)
		a := b.Action()
		if a.SHA256 != wantSHA {
			t.Errorf("%s: SHA256 = %s, want %s", b.Manifest.Name, a.SHA256, wantSHA)
		}
		if !a.Builtin {
			t.Errorf("%s: Builtin = false, want true", b.Manifest.Name)
		}
		if string(b.Module) != "abc" {
			t.Errorf("%s: Module = %q, want \"abc\"", b.Manifest.Name, b.Module)
		}
	}
	if want := []string{"test.a", "test.b"}; !slices.Equal(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
}

func TestLoad_Errors(t *testing.T) {
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr error
		wantMsg string
	}{
		{
			name:    "empty dist",
			fsys:    fstest.MapFS{"dist/.gitkeep": {}},
			wantErr: ErrNotBuilt,
		},
		{
			name:    "manifests without module",
			fsys:    fstest.MapFS{"dist/test.a.json": {Data: testManifest("test.a")}},
			wantErr: ErrNotBuilt,
		},
		{
			name:    "module without manifest",
			fsys:    fstest.MapFS{"dist/bundle.wasm": {Data: []byte("abc")}},
			wantMsg: "builtin: dist has no manifest beside bundle.wasm",
		},
		{
			name: "invalid manifest",
			fsys: fstest.MapFS{
				"dist/bundle.wasm": {Data: []byte("abc")},
				"dist/test.a.json": {Data: []byte(`{"abi":"v1"}`)},
			},
			wantMsg: "builtin: test.a.json: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(tt.fsys, "dist")
			if err == nil {
				t.Fatal("load succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("load = %v, want %v", err, tt.wantErr)
			}
			if tt.wantMsg != "" && !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("load = %q, want prefix %q", err, tt.wantMsg)
			}
		})
	}
}

func TestLoad_Embedded(t *testing.T) {
	bundles, err := Load()
	if errors.Is(err, ErrNotBuilt) {
		t.Skip("dist holds no modules; run go generate ./actions/builtin")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bundles {
		if err := b.Manifest.Validate(); err != nil {
			t.Errorf("%s: %v", b.Manifest.Name, err)
		}
		if b.SHA256 != bundles[0].SHA256 {
			t.Errorf("%s: SHA256 %s differs from %s of %s",
				b.Manifest.Name, b.SHA256, bundles[0].SHA256, bundles[0].Manifest.Name)
		}
	}
}
