// Command testaction is an action module for the runtime tests. Its input
// field "mode" selects what it does:
//
//   - "echo" logs the text and returns it with the idempotency key.
//   - "fail" returns the error code "lookup_failed".
//   - "flaky" fails with code "unavailable" on attempt 1 and echoes after.
//   - "spin" loops until the host stops it.
package main

import (
	"strings"

	"github.com/updraftsoar/updraft/actions/sdk"
)

type input struct {
	Mode string `json:"mode"`
	Text string `json:"text"`
}

type output struct {
	Text string `json:"text"`
	Key  string `json:"key"`
}

var spins int

func main() {
	sdk.Run(func(ctx *sdk.Context, in input) (output, error) {
		switch in.Mode {
		case "fail":
			return output{}, sdk.Errorf("lookup_failed", "no record for %s", in.Text)
		case "flaky":
			if strings.HasSuffix(ctx.IdempotencyKey, ":1") {
				return output{}, sdk.Errorf("unavailable", "try again")
			}
		case "spin":
			for {
				spins++
			}
		}
		ctx.Logf("echo %s", in.Text)
		return output{Text: in.Text, Key: ctx.IdempotencyKey}, nil
	})
}
