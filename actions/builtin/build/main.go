// Command build compiles the bundle command under -src for GOOS=wasip1
// GOARCH=wasm as a reactor module into <out>/bundle.wasm, the one module
// of every bundled action. It copies each manifest.json or
// manifest.<word>.json in the subdirectories of -src to <out>/<name>.json,
// where <name> is the manifest's action name.
//
//	go run ./actions/builtin/build -out actions/builtin/dist
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/updraftsoar/updraft/actions"
)

const (
	// moduleFile is the name of the module that the build writes.
	moduleFile = "bundle.wasm"
	// manifestPattern matches manifest.json and manifest.<word>.json.
	manifestPattern = "manifest*.json"
)

func main() {
	src := flag.String("src", "actions/builtin",
		"directory holding the bundle command and one subdirectory per bundled action")
	out := flag.String("out", "actions/builtin/dist",
		"directory to write bundle.wasm and <name>.json to")
	flag.Parse()
	if err := build(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

// manifestFile is one action's manifest as read from its directory.
type manifestFile struct {
	name string // the action name
	raw  []byte
}

func build(src, out string) error {
	manifests, err := readManifests(src)
	if err != nil {
		return err
	}
	if len(manifests) == 0 {
		return fmt.Errorf("no manifest.json in a subdirectory of %s", src)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := removeBuilt(out); err != nil {
		return err
	}

	if err := buildModule(filepath.Join(src, "bundle"), filepath.Join(out, moduleFile)); err != nil {
		return err
	}
	for _, m := range manifests {
		if err := writeManifest(m, out); err != nil {
			return fmt.Errorf("action %s: %w", m.name, err)
		}
	}
	return nil
}

// readManifests parses the manifests of each subdirectory of src and
// rejects two manifests with the same action name. A subdirectory holds
// manifest.json, or manifest.<word>.json for each action when its package
// serves several.
func readManifests(src string) ([]manifestFile, error) {
	paths, err := filepath.Glob(filepath.Join(src, "*", manifestPattern))
	if err != nil {
		return nil, err
	}
	var manifests []manifestFile
	pathOf := map[string]string{}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		m, err := actions.ParseManifest(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if other, ok := pathOf[m.Name]; ok {
			return nil, fmt.Errorf("%s: action %q is also declared in %s", path, m.Name, other)
		}
		pathOf[m.Name] = path
		manifests = append(manifests, manifestFile{name: m.Name, raw: raw})
	}
	return manifests, nil
}

// removeBuilt deletes modules and manifests of an earlier build, so that
// a removed action does not stay bundled.
func removeBuilt(out string) error {
	for _, pattern := range []string{"*.wasm", "*.json"} {
		matches, err := filepath.Glob(filepath.Join(out, pattern))
		if err != nil {
			return err
		}
		for _, m := range matches {
			if err := os.Remove(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildModule compiles the main package in dir to the file out.
func buildModule(dir, out string) error {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}

	// -trimpath and -buildvcs=false keep the module bytes, and so its
	// SHA-256, the same across checkouts built with the same toolchain.
	// -buildmode=c-shared makes a reactor module, whose instances the host
	// reuses across calls of one action version.
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-buildmode=c-shared",
		"-o", absOut, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func writeManifest(m manifestFile, out string) error {
	var manifest bytes.Buffer
	if err := json.Indent(&manifest, m.raw, "", "  "); err != nil {
		return err
	}
	manifest.WriteByte('\n')
	return os.WriteFile(filepath.Join(out, m.name+".json"), manifest.Bytes(), 0o644)
}
