package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/updraftsoar/updraft/actions"
)

func TestBuild_WritesEveryAction(t *testing.T) {
	out := t.TempDir()
	stale := filepath.Join(out, "removed.action.wasm")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := build("..", out); err != nil {
		t.Fatalf("build: %v", err)
	}

	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{
		"http.request.json", "http.request.wasm", "ioc.extract.json", "ioc.extract.wasm",
		"list.match.json", "list.match.wasm",
	}
	if !slices.Equal(names, want) {
		t.Errorf("files = %v, want %v", names, want)
	}
	for _, name := range []string{"http.request", "ioc.extract", "list.match"} {
		raw, err := os.ReadFile(filepath.Join(out, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := actions.ParseManifest(raw); err != nil {
			t.Errorf("%s.json: %v", name, err)
		}
		module, err := os.ReadFile(filepath.Join(out, name+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		if len(module) < 4 || string(module[:4]) != "\x00asm" {
			t.Errorf("%s.wasm does not start with the WebAssembly magic number", name)
		}
	}
}

func TestBuild_NoActions(t *testing.T) {
	if err := build(t.TempDir(), t.TempDir()); err == nil {
		t.Error("build of an empty directory succeeded")
	}
}
