package builtin

import (
	"errors"
	"testing"
	"testing/fstest"
)

const manifest = `{
	"abi": "v1", "name": "test.echo", "version": "1.0.0", "title": "Echo",
	"input_schema": {}, "output_schema": {}, "capabilities": {}, "limits": {}, "side_effects": false
}`

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr error
		wantSHA string
	}{
		{
			name:    "empty dist",
			fsys:    fstest.MapFS{"dist/.gitkeep": {}},
			wantErr: ErrNotBuilt,
		},
		{
			name: "one module",
			fsys: fstest.MapFS{
				"dist/.gitkeep":       {},
				"dist/test.echo.wasm": {Data: []byte("abc")},
				"dist/test.echo.json": {Data: []byte(manifest)},
			},
			wantSHA: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bundles, err := load(tt.fsys, "dist")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("load = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(bundles) != 1 {
				t.Fatalf("load returned %d bundles, want 1", len(bundles))
			}
			a := bundles[0].Action()
			if a.SHA256 != tt.wantSHA || !a.Builtin || a.Manifest.Name != "test.echo" {
				t.Errorf("Action = %+v", a)
			}
		})
	}
}

func TestLoad_MissingManifest(t *testing.T) {
	fsys := fstest.MapFS{"dist/test.echo.wasm": {Data: []byte("abc")}}
	if _, err := load(fsys, "dist"); err == nil {
		t.Error("load succeeded without a manifest")
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
	}
}
