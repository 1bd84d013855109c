// Command build compiles each bundled action under -src (a directory with
// a manifest.json and a main package) for GOOS=wasip1 GOARCH=wasm and
// writes <name>.wasm and <name>.json to -out, where <name> is the
// manifest's action name.
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

func main() {
	src := flag.String("src", "actions/builtin", "directory holding one subdirectory per bundled action")
	out := flag.String("out", "actions/builtin/dist", "directory to write <name>.wasm and <name>.json to")
	flag.Parse()
	if err := build(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

func build(src, out string) error {
	dirs, err := actionDirs(src)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return fmt.Errorf("no directory with a manifest.json under %s", src)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := removeBuilt(out); err != nil {
		return err
	}
	for _, dir := range dirs {
		if err := buildAction(dir, out); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
	}
	return nil
}

// actionDirs returns the subdirectories of src that hold a manifest.json.
func actionDirs(src string) ([]string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		dir := filepath.Join(src, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "manifest.json")); e.IsDir() && err == nil {
			dirs = append(dirs, dir)
		}
	}
	return dirs, nil
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

func buildAction(dir, out string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return err
	}
	m, err := actions.ParseManifest(raw)
	if err != nil {
		return err
	}
	absOut, err := filepath.Abs(filepath.Join(out, m.Name+".wasm"))
	if err != nil {
		return err
	}

	// -trimpath and -buildvcs=false keep the module bytes, and so its
	// SHA-256, the same across checkouts built with the same toolchain.
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", absOut, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w: %s", err, strings.TrimSpace(stderr.String()))
	}

	var manifest bytes.Buffer
	if err := json.Indent(&manifest, raw, "", "  "); err != nil {
		return err
	}
	manifest.WriteByte('\n')
	return os.WriteFile(filepath.Join(out, m.Name+".json"), manifest.Bytes(), 0o644)
}
