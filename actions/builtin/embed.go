// Package builtin embeds the bundled action modules that the build tool
// in ./build writes to dist.
package builtin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/updraftsoar/updraft/actions"
)

//go:generate go run ./build -src . -out dist

//go:embed all:dist
var dist embed.FS

// Bundle is one bundled action: its manifest and module.
type Bundle struct {
	Manifest actions.Manifest
	Module   []byte
	SHA256   string // hex SHA-256 of Module
}

// Action returns the bundle as a published, built-in action version.
func (b Bundle) Action() actions.Action {
	return actions.Action{Manifest: b.Manifest, SHA256: b.SHA256, Builtin: true}
}

// ErrNotBuilt is returned when dist holds no module.
var ErrNotBuilt = errors.New("no bundled action modules; run make generate")

// Load returns the bundled actions sorted by name, each manifest
// validated. It fails with ErrNotBuilt when no module was built.
func Load() ([]Bundle, error) {
	return load(dist, "dist")
}

func load(fsys fs.FS, dir string) ([]Bundle, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("builtin: %w", err)
	}
	var bundles []Bundle
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".wasm")
		if !ok || e.IsDir() {
			continue
		}
		b, err := loadBundle(fsys, dir, name)
		if err != nil {
			return nil, fmt.Errorf("builtin: %s: %w", name, err)
		}
		bundles = append(bundles, b)
	}
	if len(bundles) == 0 {
		return nil, ErrNotBuilt
	}
	return bundles, nil
}

func loadBundle(fsys fs.FS, dir, name string) (Bundle, error) {
	module, err := fs.ReadFile(fsys, path.Join(dir, name+".wasm"))
	if err != nil {
		return Bundle{}, err
	}
	raw, err := fs.ReadFile(fsys, path.Join(dir, name+".json"))
	if err != nil {
		return Bundle{}, err
	}
	m, err := actions.ParseManifest(raw)
	if err != nil {
		return Bundle{}, err
	}
	sum := sha256.Sum256(module)
	return Bundle{Manifest: *m, Module: module, SHA256: hex.EncodeToString(sum[:])}, nil
}
