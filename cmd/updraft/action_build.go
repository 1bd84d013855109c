package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/updraftsoar/updraft/actions"
)

func buildActionCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("updraft action build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir, err := parseWithDir(fs, args)
	if err != nil {
		return flagStatus(err)
	}
	out, err := buildAction(context.Background(), dir, stderr)
	if err != nil {
		return exitStatus(stderr, "updraft action build", err)
	}
	module, err := os.ReadFile(out)
	if err != nil {
		return exitStatus(stderr, "updraft action build", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes, sha256 %x)\n", out, len(module), sha256.Sum256(module))
	return 0
}

// buildAction compiles the Go main package in dir for GOOS=wasip1
// GOARCH=wasm and writes dir/<name>.wasm, with the name from
// dir/manifest.json. The go command's output goes to goOutput. With
// -mod=mod the go command adds missing go.sum entries, so a new scaffold
// builds without a separate `go mod tidy`.
func buildAction(ctx context.Context, dir string, goOutput io.Writer) (string, error) {
	manifestPath := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		return "", err
	}
	manifest, err := actions.ParseManifest(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", manifestPath, err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not in PATH; install Go to build Go actions: %w", err)
	}
	out, err := filepath.Abs(filepath.Join(dir, manifest.Name+".wasm"))
	if err != nil {
		return "", err
	}

	cmd := exec.CommandContext(ctx, goTool, "build", "-mod=mod", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	cmd.Stdout, cmd.Stderr = goOutput, goOutput
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build in %s failed: %w", dir, err)
	}
	return out, nil
}
