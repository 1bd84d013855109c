package main

import (
	"fmt"
	"os"
	"testing"
)

// testModuleCache is the wazero compilation cache that every server of
// this test binary shares, so the bundled module compiles once per run of
// the tests rather than once per server. wazero keys cached code by module
// hash and wazero version and writes each entry with a rename, so servers
// running at once can share it.
var testModuleCache string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "updraft-module-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testModuleCache = dir
	return m.Run()
}
