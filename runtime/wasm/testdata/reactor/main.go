// Command reactor is a test reactor module that keeps state between calls
// on purpose, so that tests can see when the host reuses an instance. It
// registers the same function as "test.reactor" and as "test.reactor_secret",
// whose manifest declares the secret "token".
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/updraftsoar/updraft/actions/sdk"
)

type input struct {
	Mode string `json:"mode"`
	URL  string `json:"url"` // for the mode "http"
}

type output struct {
	Calls      int    `json:"calls"`       // calls this instance served, this one included
	Secret     string `json:"secret"`      // the token of this call
	LastSecret string `json:"last_secret"` // the token the instance saw before
}

// Globals that a stateless module must not have.
var (
	calls      int
	lastSecret string
)

func init() {
	sdk.Handle("test.reactor", probe)
	sdk.Handle("test.reactor_secret", probe)
}

func probe(ctx *sdk.Context, in input) (output, error) {
	calls++
	secret, _ := ctx.Secret("token")
	out := output{Calls: calls, Secret: secret, LastSecret: lastSecret}
	lastSecret = secret

	switch in.Mode {
	case "secret_get":
		out.Secret, _ = rawSecret("token")
	case "echo":
	case "sleep":
		time.Sleep(100 * time.Millisecond)
	case "http":
		resp, err := ctx.HTTP(&sdk.Request{URL: in.URL})
		if err != nil {
			return output{}, err
		}
		if resp.Status != 200 {
			return output{}, sdk.Errorf("http_status", "GET %s returned status %d", in.URL, resp.Status)
		}
	case "loop":
		for {
		}
	case "exit":
		fmt.Fprintln(os.Stderr, "giving up")
		os.Exit(3)
	case "fail":
		return output{}, sdk.Errorf("probe_failed", "failed on request")
	default:
		return output{}, sdk.Errorf("unknown_mode", "mode %q is unknown", in.Mode)
	}
	return out, nil
}

func main() {}
