package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// handler decodes the raw input of one action and calls its function.
type handler func(ctx *Context, input json.RawMessage) (any, error)

// handlers are the functions that Handle registered, by action name.
var handlers = map[string]handler{}

// prefixHandlers are the functions that HandlePrefix registered, by name
// prefix.
var prefixHandlers = map[string]handler{}

// Run reads the request from stdin, calls fn with the decoded input,
// writes the result envelope to stdout and exits. It exits with status 0
// on success and 1 after writing an error envelope. It does not return.
// Run ignores the request's action name, so a module that calls it serves
// one action.
func Run[In, Out any](fn func(ctx *Context, in In) (Out, error)) {
	os.Exit(run(os.Stdin, os.Stdout, fn))
}

// Handle registers fn as the function of the action name, such as
// "ioc.extract", for Serve. It panics when name is empty or already
// registered.
func Handle[In, Out any](name string, fn func(ctx *Context, in In) (Out, error)) {
	if name == "" {
		panic("sdk: Handle with an empty action name")
	}
	if _, ok := handlers[name]; ok {
		panic(fmt.Sprintf("sdk: action %q is already registered", name))
	}
	handlers[name] = typed(fn)
}

// HandlePrefix registers fn for every action whose name starts with
// prefix, such as "openapi.", and has no function of its own from Handle.
// The longest matching prefix wins. It panics when prefix does not end
// with "." or is already registered.
func HandlePrefix[In, Out any](prefix string, fn func(ctx *Context, in In) (Out, error)) {
	if len(prefix) < 2 || !strings.HasSuffix(prefix, ".") {
		panic(fmt.Sprintf("sdk: HandlePrefix with prefix %q, want a name and a trailing dot", prefix))
	}
	if _, ok := prefixHandlers[prefix]; ok {
		panic(fmt.Sprintf("sdk: action prefix %q is already registered", prefix))
	}
	prefixHandlers[prefix] = typed(fn)
}

// Serve reads the request from stdin, calls the function that Handle
// registered for the request's action name (the part of "name@version"
// before "@"), writes the result envelope to stdout and exits like Run.
// A name without a function fails with the code "unknown_action".
func Serve() {
	os.Exit(serve(os.Stdin, os.Stdout, lookupHandler))
}

// run is Run without the exit, so that it can be tested.
func run[In, Out any](stdin io.Reader, stdout io.Writer, fn func(*Context, In) (Out, error)) int {
	h := typed(fn)
	return serve(stdin, stdout, func(string) (handler, error) { return h, nil })
}

// serve is Serve without the exit. lookup returns the handler of an
// action name.
func serve(stdin io.Reader, stdout io.Writer, lookup func(name string) (handler, error)) int {
	req, err := readRequest(stdin)
	if err != nil {
		return writeError(stdout, err)
	}
	name, _, _ := strings.Cut(req.Action, "@")
	h, err := lookup(name)
	if err != nil {
		return writeError(stdout, err)
	}
	out, err := h(newContext(req), req.Input)
	if err != nil {
		return writeError(stdout, err)
	}
	return writeOutput(stdout, out)
}

func lookupHandler(name string) (handler, error) {
	if h, ok := handlers[name]; ok {
		return h, nil
	}
	var found handler
	longest := 0
	for prefix, h := range prefixHandlers {
		if strings.HasPrefix(name, prefix) && len(prefix) > longest {
			found, longest = h, len(prefix)
		}
	}
	if found == nil {
		return nil, Errorf(CodeUnknownAction, "action %q is not served by this module", name)
	}
	return found, nil
}

// typed wraps fn in a handler that decodes the input into In and turns a
// panic into an error.
func typed[In, Out any](fn func(*Context, In) (Out, error)) handler {
	return func(ctx *Context, input json.RawMessage) (out any, err error) {
		var in In
		if len(bytes.TrimSpace(input)) == 0 {
			input = json.RawMessage("{}")
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, Errorf(CodeInvalidInput, "input: %v", err)
		}
		defer func() {
			if r := recover(); r != nil {
				err = Errorf(CodePanic, "%v", r)
			}
		}()
		return fn(ctx, in)
	}
}

// request is the ABI v1 request on stdin.
type request struct {
	ABI     string            `json:"abi"`
	Action  string            `json:"action"`
	Input   json.RawMessage   `json:"input"`
	Config  json.RawMessage   `json:"config"`
	Secrets map[string]string `json:"secrets"`
	Context struct {
		RunID          string `json:"run_id"`
		StepID         string `json:"step_id"`
		IdempotencyKey string `json:"idempotency_key"`
	} `json:"context"`
}

func readRequest(stdin io.Reader) (*request, error) {
	var req request
	if err := json.NewDecoder(stdin).Decode(&req); err != nil {
		return nil, Errorf(CodeInvalidRequest, "stdin: %v", err)
	}
	if req.ABI != ABI {
		return nil, Errorf(CodeInvalidRequest, "abi %q is not supported, want %q", req.ABI, ABI)
	}
	return &req, nil
}

func newContext(req *request) *Context {
	return &Context{
		Action:         req.Action,
		RunID:          req.Context.RunID,
		StepID:         req.Context.StepID,
		IdempotencyKey: req.Context.IdempotencyKey,
		secrets:        req.Secrets,
		hostLookup:     true,
		config:         req.Config,
	}
}

func writeOutput(stdout io.Writer, out any) int {
	b, err := json.Marshal(struct {
		Output any `json:"output"`
	}{out})
	if err != nil {
		return writeError(stdout, Errorf(CodeActionFailed, "encode output: %v", err))
	}
	if _, err := stdout.Write(append(b, '\n')); err != nil {
		return 1
	}
	return 0
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
