// Package builtin embeds the bundled actions that the build tool in
// ./build writes to dist: one module, bundle.wasm, that serves every
// bundled action, and one manifest per action.
package builtin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/updraftsoar/updraft/actions"
)

//go:generate go run ./build -src . -out dist

//go:embed all:dist
var dist embed.FS

// moduleFile is the module in dist that serves every bundled action.
const moduleFile = "bundle.wasm"

// Bundle is one bundled action: its manifest and module. Every Bundle
// that Load returns shares the same Module and SHA256.
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
	module, err := fs.ReadFile(fsys, path.Join(dir, moduleFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotBuilt
	}
	if err != nil {
		return nil, fmt.Errorf("builtin: %w", err)
	}
	sum := sha256.Sum256(module)
	hexSum := hex.EncodeToString(sum[:])

	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("builtin: %w", err)
	}
	var bundles []Bundle
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		m, err := readManifest(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("builtin: %s: %w", e.Name(), err)
		}
		bundles = append(bundles, Bundle{Manifest: *m, Module: module, SHA256: hexSum})
	}
	if len(bundles) == 0 {
		return nil, fmt.Errorf("builtin: %s has no manifest beside %s", dir, moduleFile)
	}
	sort.Slice(bundles, func(i, j int) bool {
		return bundles[i].Manifest.Name < bundles[j].Manifest.Name
	})
	return bundles, nil
}

func readManifest(fsys fs.FS, file string) (*actions.Manifest, error) {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	return actions.ParseManifest(raw)
}
