package wasm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

var _ runtime.Invoker = (*Host)(nil)

// Invoke runs one call of an action module: a command module in a fresh
// instance, a reactor module in a pooled one (see invokeReactor). A failure
// of the module, its input or its output is a *runtime.ActionError with one
// of the Code constants or the module's own code. An action that is not in
// the registry wraps runtime.ErrNotFound, and a canceled ctx returns its
// error.
func (h *Host) Invoke(ctx context.Context, call runtime.ActionCall) (json.RawMessage, error) {
	action, ok := h.cfg.Registry.Lookup(call.Action)
	if !ok {
		return nil, fmt.Errorf("action %q: %w", call.Action, runtime.ErrNotFound)
	}
	inSchema, outSchema, _ := h.cfg.Registry.Schemas(call.Action)
	m := &action.Manifest

	input := call.Input
	if len(bytes.TrimSpace(input)) == 0 {
		input = json.RawMessage("{}")
	}
	if err := inSchema.Validate(input); err != nil {
		return nil, actionErr(CodeInvalidInput, "input %s", err)
	}

	limits, err := h.limitsFor(m)
	if err != nil {
		return nil, fmt.Errorf("action %q: %w", call.Action, err)
	}
	compiled, err := h.compiled(ctx, action.SHA256, limits.pages)
	if err != nil {
		return nil, h.compileFailure(call.Action, err)
	}

	secrets, err := h.secretsFor(ctx, m, call.Secrets)
	if err != nil {
		return nil, err
	}
	stdin, err := encodeRequest(call, input, m.Config, secrets)
	if err != nil {
		return nil, fmt.Errorf("action %q: %w", call.Action, err)
	}

	start := time.Now()
	if compiled.reactor {
		out, err := h.invokeReactor(ctx, compiled, action, call, stdin, secrets, limits, outSchema)
		out, err = redactResult(out, err, secrets)
		h.logCall(ctx, call, start, err)
		return out, err
	}
	res := h.run(ctx, compiled.module, action, call, stdin, secrets, limits)
	out, err := h.result(ctx, res, outSchema)
	out, err = redactResult(out, err, secrets)
	h.logCall(ctx, call, start, err)
	return out, err
}

type callLimits struct {
	pages   uint32
	timeout time.Duration
}

// limitsFor applies the manifest's limits over the Host defaults.
func (h *Host) limitsFor(m *actions.Manifest) (callLimits, error) {
	mib := h.cfg.MemoryMiB
	if m.Limits.MemoryMiB > 0 {
		mib = m.Limits.MemoryMiB
	}
	timeout, err := m.Limits.TimeoutDuration()
	if err != nil {
		return callLimits{}, fmt.Errorf("limits.timeout: %w", err)
	}
	if timeout == 0 {
		timeout = h.cfg.Timeout
	}
	return callLimits{pages: uint32(mib) * (1 << 20 / pageSize), timeout: timeout}, nil
}

func (h *Host) compileFailure(ref string, err error) error {
	var cerr *compileError
	if errors.As(err, &cerr) {
		return actionErr(CodeInvalidModule, "%s", cerr.err)
	}
	return fmt.Errorf("action %q: %w", ref, err)
}

// runResult is the outcome of one instance: its error, output and log.
type runResult struct {
	ctx       context.Context // the parent context of the call
	err       error           // from InstantiateModule
	stdout    *cappedBuffer
	stderr    *lineWriter
	deadline  bool // the call's own deadline or the parent's passed
	hostCalls *callState
}

// run instantiates the module, which runs its _start function to the end.
func (h *Host) run(ctx context.Context, compiled wazero.CompiledModule, action *actions.Action,
	call runtime.ActionCall, stdin []byte, secrets map[string]string, limits callLimits,
) *runResult {
	callCtx, cancel := context.WithTimeout(ctx, limits.timeout)
	defer cancel()
	// Canceling callCtx closes the module, which ends a module that keeps
	// writing stdout past the limit.
	callCtx, stop := context.WithCancel(callCtx)
	defer stop()

	stderr := newLineWriter(logTo(call), secrets, logLimitsOf(h.cfg))
	state := newCallState(h, action, stderr, secrets)
	callCtx = withCallState(callCtx, state)

	res := &runResult{
		ctx:       ctx,
		stdout:    &cappedBuffer{max: h.cfg.MaxOutputBytes, stop: stop},
		stderr:    stderr,
		hostCalls: state,
	}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(action.Manifest.Name).
		WithStdin(bytes.NewReader(stdin)).
		WithStdout(res.stdout).
		WithStderr(res.stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)

	r, err := h.runtime(ctx, limits.pages)
	if err != nil {
		res.err = err
		return res
	}
	mod, err := r.InstantiateModule(callCtx, compiled, mc)
	if mod != nil {
		_ = mod.Close(callCtx)
	}
	res.stderr.Flush()
	res.err = err
	res.deadline = errors.Is(callCtx.Err(), context.DeadlineExceeded)
	return res
}

func encodeRequest(call runtime.ActionCall, input, config json.RawMessage,
	secrets map[string]string) ([]byte, error) {
	req := request{
		ABI:     actions.ABIv1,
		Action:  call.Action,
		Input:   input,
		Config:  config,
		Secrets: secrets,
		Context: requestContext{
			RunID:          call.RunID,
			StepID:         call.StepID,
			IdempotencyKey: call.IdempotencyKey,
		},
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return b, nil
}

// request is the JSON document a module reads on stdin.
type request struct {
	ABI     string            `json:"abi"`
	Action  string            `json:"action"`
	Input   json.RawMessage   `json:"input"`
	Config  json.RawMessage   `json:"config,omitempty"` // the manifest's config
	Secrets map[string]string `json:"secrets"`
	Context requestContext    `json:"context"`
}

type requestContext struct {
	RunID          string `json:"run_id"`
	StepID         string `json:"step_id"`
	IdempotencyKey string `json:"idempotency_key"`
}

func (h *Host) logCall(ctx context.Context, call runtime.ActionCall, start time.Time, err error) {
	attrs := []any{
		"action", call.Action, "run_id", call.RunID, "step_id", call.StepID,
		"duration_ms", time.Since(start).Milliseconds(),
	}
	var aerr *runtime.ActionError
	switch {
	case err == nil:
		h.log.DebugContext(ctx, "action call succeeded", attrs...)
	case errors.As(err, &aerr):
		h.log.InfoContext(ctx, "action call failed", append(attrs, "code", aerr.Code)...)
	default:
		h.log.WarnContext(ctx, "action call failed", append(attrs, "error", err)...)
	}
}

func actionErr(code, format string, args ...any) *runtime.ActionError {
	return &runtime.ActionError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// exitCode returns the exit code of a module that exited, and false for
// any other failure.
func exitCode(err error) (uint32, bool) {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), true
	}
	return 0, false
}
