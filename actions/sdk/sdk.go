// Package sdk is the Go SDK for Updraft actions. An action is a main
// package whose main function calls Run with one typed function:
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
// Build it with GOOS=wasip1 GOARCH=wasm. The package also builds natively,
// where Context.HTTP uses net/http directly and logs go to stderr, so an
// action's code can be unit-tested with go test.
package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ABI is the action ABI this package implements.
const ABI = "v1"

// Codes of the errors Run reports for failures outside the action's own
// code.
const (
	CodeInvalidRequest = "invalid_request" // stdin is not an ABI v1 request
	CodeInvalidInput   = "invalid_input"   // the input does not decode into In
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

	secrets map[string]string
}

// Secret returns a secret that the manifest declares in
// capabilities.secrets and the administrator granted.
func (c *Context) Secret(name string) (string, bool) {
	v, ok := c.secrets[name]
	return v, ok
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

// Run reads the request from stdin, calls fn with the decoded input,
// writes the result envelope to stdout and exits. It exits with status 0
// on success and 1 after writing an error envelope. It does not return.
func Run[In, Out any](fn func(ctx *Context, in In) (Out, error)) {
	os.Exit(run(os.Stdin, os.Stdout, fn))
}

// request is the ABI v1 request on stdin.
type request struct {
	ABI     string            `json:"abi"`
	Action  string            `json:"action"`
	Input   json.RawMessage   `json:"input"`
	Secrets map[string]string `json:"secrets"`
	Context struct {
		RunID          string `json:"run_id"`
		StepID         string `json:"step_id"`
		IdempotencyKey string `json:"idempotency_key"`
	} `json:"context"`
}

// run is Run without the exit, so that it can be tested.
func run[In, Out any](stdin io.Reader, stdout io.Writer, fn func(*Context, In) (Out, error)) int {
	ctx, in, err := decode[In](stdin)
	if err != nil {
		return writeError(stdout, err)
	}
	out, err := call(fn, ctx, in)
	if err != nil {
		return writeError(stdout, err)
	}
	b, err := json.Marshal(struct {
		Output Out `json:"output"`
	}{out})
	if err != nil {
		return writeError(stdout, Errorf(CodeActionFailed, "encode output: %v", err))
	}
	if _, err := stdout.Write(append(b, '\n')); err != nil {
		return 1
	}
	return 0
}

func decode[In any](stdin io.Reader) (*Context, In, error) {
	var in In
	var req request
	if err := json.NewDecoder(stdin).Decode(&req); err != nil {
		return nil, in, Errorf(CodeInvalidRequest, "stdin: %v", err)
	}
	if req.ABI != ABI {
		return nil, in, Errorf(CodeInvalidRequest, "abi %q is not supported, want %q", req.ABI, ABI)
	}
	input := req.Input
	if len(bytes.TrimSpace(input)) == 0 {
		input = json.RawMessage("{}")
	}
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, in, Errorf(CodeInvalidInput, "input: %v", err)
	}
	ctx := &Context{
		Action:         req.Action,
		RunID:          req.Context.RunID,
		StepID:         req.Context.StepID,
		IdempotencyKey: req.Context.IdempotencyKey,
		secrets:        req.Secrets,
	}
	return ctx, in, nil
}

// call runs fn and turns a panic into an error.
func call[In, Out any](fn func(*Context, In) (Out, error), ctx *Context, in In) (out Out, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Errorf(CodePanic, "%v", r)
		}
	}()
	return fn(ctx, in)
}

func writeError(stdout io.Writer, err error) int {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: CodeActionFailed, Message: err.Error()}
	}
	b, _ := json.Marshal(struct {
		Error *Error `json:"error"`
	}{e})
	_, _ = stdout.Write(append(b, '\n'))
	return 1
}
