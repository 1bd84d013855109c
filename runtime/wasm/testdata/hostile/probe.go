package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// floodStdout writes 100 MiB to stdout in 64 KiB chunks, ignoring write
// errors, and logs a line only if it got to the end.
func floodStdout() (map[string]any, error) {
	chunk := []byte(strings.Repeat("y", 64<<10))
	for range 100 << 20 / len(chunk) {
		_, _ = os.Stdout.Write(chunk)
	}
	fmt.Fprintln(os.Stderr, "stdout flood finished")
	return map[string]any{"mode": "stdout_flood"}, nil
}

// floodLog writes n lines to stderr and n through the log import, each
// with the granted token, then one line longer than any line limit, and
// exits with status 4.
func floodLog(ctx *sdk.Context, n int) (map[string]any, error) {
	token, _ := ctx.Secret("token")
	for i := range n {
		fmt.Fprintf(os.Stderr, "stderr flood %d token=%s\n", i, token)
		ctx.Logf("log flood %d token=%s", i, token)
	}
	fmt.Fprintln(os.Stderr, strings.Repeat("z", 64<<10)+token)
	os.Exit(4)
	return nil, nil
}

// probeSandbox tries to read files, list directories and read the
// environment, and returns what it could see.
func probeSandbox() (map[string]any, error) {
	var seen, failed []string
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		seen = append(seen, fmt.Sprintf("/etc/passwd (%d bytes)", len(b)))
	} else {
		failed = append(failed, "read /etc/passwd: "+err.Error())
	}
	if f, err := os.Open("/"); err == nil {
		seen = append(seen, "open /")
		f.Close()
	} else {
		failed = append(failed, "open /: "+err.Error())
	}
	for _, dir := range []string{"/", ".", "/tmp"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			failed = append(failed, "list "+dir+": "+err.Error())
			continue
		}
		for _, e := range entries {
			seen = append(seen, dir+" "+e.Name())
		}
	}
	env := os.Environ()
	for _, name := range []string{"HOME", "PATH", "USER"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return map[string]any{"mode": "sandbox", "seen": nonNil(seen), "failed": nonNil(failed),
		"env": nonNil(env)}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
