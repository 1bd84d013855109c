package main

import (
	_ "embed"
	"fmt"
	"io"
)

//go:embed action_usage.txt
var actionUsage string

// actionCommand runs `updraft action SUBCOMMAND`.
func actionCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, actionUsage)
		return 2
	}
	switch args[0] {
	case "init":
		return initActionCommand(args[1:], stdout, stderr)
	case "build":
		return buildActionCommand(args[1:], stdout, stderr)
	case "publish":
		return publishActionCommand(args[1:], stdout, stderr)
	case "keygen":
		return keygenCommand(args[1:], stdout, stderr)
	case "from-openapi":
		return fromOpenAPICommand(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, actionUsage)
		return 0
	}
	fmt.Fprintf(stderr, "updraft action: unknown command %q\n\n%s", args[0], actionUsage)
	return 2
}

// exitStatus prints err after the command name and returns 1, or returns 0
// for a nil err.
func exitStatus(stderr io.Writer, command string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", command, err)
	return 1
}
