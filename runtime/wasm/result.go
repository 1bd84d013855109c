package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/updraftsoar/updraft/actions"
)

// maxMessageBytes caps the message of an error a module reports.
const maxMessageBytes = 4 << 10

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// envelope is the JSON document a module writes on stdout: exactly one of
// Output and Error.
type envelope struct {
	Output json.RawMessage `json:"output,omitempty"`
	Error  *envelopeError  `json:"error,omitempty"`
}

type envelopeError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// result converts the outcome of an instance into the call's output or
// error.
func (h *Host) result(ctx context.Context, res *runResult, outSchema *actions.Schema) (json.RawMessage, error) {
	if err := res.ctx.Err(); errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("action call: %w", err)
	}
	if res.deadline {
		return nil, actionErr(CodeTimeout, "the module did not finish before its deadline")
	}
	if res.stdout.overflow {
		return nil, actionErr(CodeOutputTooLarge,
			"stdout exceeds the limit of %d bytes", res.stdout.max)
	}

	env, envErr := parseEnvelope(res.stdout.Bytes())
	if err := h.failure(res, env); err != nil {
		return nil, err
	}
	if envErr != nil {
		return nil, actionErr(CodeInvalidOutput, "stdout: %v", envErr)
	}
	if env.Error != nil {
		return nil, moduleError(env.Error)
	}
	if err := outSchema.Validate(env.Output); err != nil {
		return nil, actionErr(CodeInvalidOutput, "output %s", err)
	}
	return env.Output, nil
}

// failure classifies a module that did not exit with status 0. It returns
// nil for a module that did.
func (h *Host) failure(res *runResult, env *envelope) error {
	if res.err == nil {
		return nil
	}
	code, exited := exitCode(res.err)
	if exited && code == 0 {
		return nil
	}
	tail := res.stderr.Summary()

	// NOTE: an exhausted memory cap is recognized only by the message the
	// module's language runtime prints. A module that prints none fails
	// with exit_status or trap instead.
	switch {
	case res.stderr.OutOfMemory():
		return actionErr(CodeMemoryLimit, "the module ran out of memory: %s", tail)
	case env != nil && env.Error != nil:
		return moduleError(env.Error)
	case res.hostCalls.deniedCount() > 0:
		return actionErr(CodeHostCallDenied, "the module failed after a rejected host call: %s",
			res.hostCalls.lastDenial())
	case exited:
		return actionErr(CodeExitStatus, "the module exited with status %d%s", code, suffix(tail))
	case isLinkError(res.err):
		return actionErr(CodeInvalidModule, "%v", res.err)
	default:
		return actionErr(CodeTrap, "%v%s", res.err, suffix(tail))
	}
}

// parseEnvelope decodes stdout, which must hold one JSON object with
// exactly one of "output" and "error".
func parseEnvelope(stdout []byte) (*envelope, error) {
	if len(bytes.TrimSpace(stdout)) == 0 {
		return nil, errors.New("empty, want a JSON object with \"output\" or \"error\"")
	}
	dec := json.NewDecoder(bytes.NewReader(stdout))
	dec.DisallowUnknownFields()
	var env envelope
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("not a result envelope: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("text after the result envelope")
	}
	hasOutput := len(env.Output) > 0 && string(env.Output) != "null"
	switch {
	case hasOutput && env.Error != nil:
		return nil, errors.New("both \"output\" and \"error\" are set")
	case !hasOutput && env.Error == nil:
		return nil, errors.New("neither \"output\" nor \"error\" is set")
	}
	return &env, nil
}

func moduleError(e *envelopeError) error {
	msg := e.Message
	if len(msg) > maxMessageBytes {
		msg = msg[:maxMessageBytes] + "..."
	}
	if !codeRE.MatchString(e.Code) {
		return actionErr(CodeActionFailed, "%s (invalid error code %q)", msg, e.Code)
	}
	return actionErr(e.Code, "%s", msg)
}

// isLinkError reports whether instantiation failed because the module
// imports a WASI function that wazero does not provide. Other imports are
// checked when the module is compiled.
func isLinkError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "is not exported in module") ||
		strings.Contains(s, "not instantiated")
}

func suffix(tail string) string {
	if tail == "" {
		return ""
	}
	return ": " + tail
}
