// Package sdk is the Go SDK for Updraft actions. A module that serves one
// action is a main package whose main function calls Run with one typed
// function:
//
//	type In struct{ Text string `json:"text"` }
//	type Out struct{ Length int `json:"length"` }
//
//	func main() {
//		sdk.Run(func(ctx *sdk.Context, in In) (Out, error) {
//			if in.Text == "" {
//				return Out{}, sdk.Errorf("empty_text", "text is empty")
//			}
//			return Out{Length: len(in.Text)}, nil
//		})
//	}
//
// A module that serves several actions registers each with Handle and then
// calls Serve, which picks the function by the request's action name.
//
// Build it with GOOS=wasip1 GOARCH=wasm. Such a command module runs in a
// fresh instance for every call. A module whose functions keep no state
// between calls may instead register them with Handle in an init function
// and be built with -buildmode=c-shared: the result is a reactor that
// exports updraft_alloc and updraft_handle, whose instances the host keeps
// and reuses for later calls of the same action version, and whose main
// function never runs.
//
// The package also builds natively, where Context.HTTP uses net/http
// directly and logs go to stderr, so an action's code can be unit-tested
// with go test and NewTestContext.
package sdk

import (
	"encoding/json"
	"fmt"
	"maps"
)

// ABI is the action ABI this package implements.
const ABI = "v1"

// Codes of the errors Run and Serve report for failures outside the
// action's own code.
const (
	CodeInvalidRequest = "invalid_request" // stdin is not an ABI v1 request
	CodeInvalidInput   = "invalid_input"   // the input does not decode into In
	CodeUnknownAction  = "unknown_action"  // Serve has no function for the action
	CodeActionFailed   = "action_failed"   // the function returned a plain error
	CodePanic          = "panic"           // the function panicked
)

// Context is the request's metadata and the access to host functions. It
// is valid only during the call of the action function.
type Context struct {
	Action         string // "name@version"
	RunID          string
	StepID         string
	IdempotencyKey string // the engine's key for this attempt of the step

	secrets    map[string]string
	hostLookup bool // Secret calls secret_get for a name the request lacks
	config     json.RawMessage
}

// Config returns the "config" of the request, which the host copies from
// the manifest's config, or nil when the manifest has none.
func (c *Context) Config() json.RawMessage { return c.config }

// NewTestContext returns a Context for calling an action function in a
// native unit test. Secret reads from a copy of secrets, HTTP sends with
// net/http and no host list, and logs go to stderr.
func NewTestContext(secrets map[string]string) *Context {
	return &Context{secrets: maps.Clone(secrets)}
}

// Secret returns a secret that the manifest declares in
// capabilities.secrets and the playbook grants to the action. It returns
// the value from the request's "secrets" and, for a name the request
// lacks, calls the host's secret_get. The host then logs that the
// secret is not granted, and Secret returns false.
func (c *Context) Secret(name string) (string, bool) {
	if v, ok := c.secrets[name]; ok {
		return v, true
	}
	if c.hostLookup {
		return hostSecret(name)
	}
	return "", false
}

// Log sends an info message to the run's log.
func (c *Context) Log(msg string) { hostLog(levelInfo, msg) }

// Logf formats and sends an info message to the run's log.
func (c *Context) Logf(format string, args ...any) { c.Log(fmt.Sprintf(format, args...)) }

// Warn sends a warning to the run's log.
func (c *Context) Warn(msg string) { hostLog(levelWarn, msg) }

// Error is a structured error. Its Code, a short snake_case word, becomes
// the step's error code.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
