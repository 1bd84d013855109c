// Command updraft runs the Updraft server.
package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

//go:embed usage.txt
var usage string

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	os.Exit(runCLI(os.Args[1:], os.Stdout, os.Stderr))
}

// runCLI runs one command and returns the process exit status.
func runCLI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serveCommand(args[1:], stdout, stderr)
	case "action":
		return actionCommand(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "updraft", buildVersion())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "updraft: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// buildVersion returns the version set at link time, or else the module
// version and VCS revision that the Go toolchain recorded.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
