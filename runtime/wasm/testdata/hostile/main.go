// Command hostile is a test action that misbehaves in the way its input's
// "mode" names, so that tests can check how the host contains it.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/updraftsoar/updraft/actions/sdk"
)

type input struct {
	Mode  string `json:"mode"`
	URL   string `json:"url"`
	Name  string `json:"name"`  // the secret of the secret modes
	Size  int    `json:"size"`  // the buffer of secret_get, in bytes
	Lines int    `json:"lines"` // the lines of log_flood from each source
}

var hold [][]byte

func main() {
	sdk.Run(func(ctx *sdk.Context, in input) (map[string]any, error) {
		switch in.Mode {
		case "echo":
			return echo(ctx)
		case "loop":
			for {
			}
		case "alloc":
			for {
				hold = append(hold, make([]byte, 4<<20))
			}
		case "garbage":
			fmt.Print("this is not JSON")
			os.Exit(0)
		case "exit":
			fmt.Fprintln(os.Stderr, "giving up")
			os.Exit(3)
		case "big":
			return map[string]any{"data": strings.Repeat("x", 2<<20)}, nil
		case "bad_output":
			return map[string]any{"unexpected": true}, nil
		case "http":
			resp, err := ctx.HTTP(&sdk.Request{URL: in.URL})
			if err != nil {
				return nil, err
			}
			return map[string]any{"mode": "http", "status": resp.Status, "body": string(resp.Body)}, nil
		case "stdout_flood":
			return floodStdout()
		case "log_flood":
			return floodLog(ctx, in.Lines)
		case "sandbox":
			return probeSandbox()
		case "secret_get":
			value, errno := rawSecret(in.Name, max(in.Size, 1))
			return map[string]any{"mode": in.Mode, "value": value, "errno": errno}, nil
		case "secret_get_fault":
			return map[string]any{"mode": in.Mode, "errno": faultSecret(in.Name)}, nil
		case "sdk_secret":
			value, ok := ctx.Secret(in.Name)
			return map[string]any{"mode": in.Mode, "value": value, "found": ok}, nil
		case "secret_then_exit":
			if _, errno := rawSecret(in.Name, 64); errno < 0 {
				os.Exit(1)
			}
			return map[string]any{"mode": in.Mode}, nil
		case "http_then_exit":
			_, err := ctx.HTTP(&sdk.Request{URL: in.URL})
			fmt.Fprintln(os.Stderr, "request failed:", err)
			os.Exit(1)
		}
		return nil, sdk.Errorf("unknown_mode", "mode %q is unknown", in.Mode)
	})
}

// echo returns what the host sent and logs through stderr and the log
// import.
func echo(ctx *sdk.Context) (map[string]any, error) {
	token, _ := ctx.Secret("token")
	fmt.Fprintln(os.Stderr, "stderr line with token", token)
	ctx.Log("log import line")
	return map[string]any{
		"mode":            "echo",
		"run_id":          ctx.RunID,
		"step_id":         ctx.StepID,
		"idempotency_key": ctx.IdempotencyKey,
		"action":          ctx.Action,
		"args":            len(os.Args),
		"env":             len(os.Environ()),
	}, nil
}
