package wasm

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// Exports of a reactor module:
//
//	_initialize()
//	updraft_alloc(size i32) -> ptr i32
//	updraft_handle(ptr, len i32) -> i64 (result pointer << 32 | result length)
const (
	exportStart      = "_start"
	exportInitialize = "_initialize"
	exportAlloc      = "updraft_alloc"
	exportHandle     = "updraft_handle"
)

// isReactor reports whether m exports the reactor functions with their
// signatures and no _start. Exporting them is how a module declares that
// its instances may serve several calls.
func isReactor(m wazero.CompiledModule) bool {
	fns := m.ExportedFunctions()
	if _, ok := fns[exportStart]; ok {
		return false
	}
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	return hasSignature(fns[exportInitialize], nil, nil) &&
		hasSignature(fns[exportAlloc], []api.ValueType{i32}, []api.ValueType{i32}) &&
		hasSignature(fns[exportHandle], []api.ValueType{i32, i32}, []api.ValueType{i64})
}

func hasSignature(f api.FunctionDefinition, params, results []api.ValueType) bool {
	return f != nil && string(f.ParamTypes()) == string(params) &&
		string(f.ResultTypes()) == string(results)
}

// reactorInstance is a live instance of a reactor module, used by one call
// at a time.
type reactorInstance struct {
	mod    api.Module
	alloc  api.Function
	handle api.Function
	output *logSwitch
	calls  int       // calls started on this instance
	idle   time.Time // when the instance was last kept idle
}

// logSwitch sends what an instance writes to stdout and stderr to the log
// of its current call, and drops what it writes between calls.
type logSwitch struct {
	mu sync.Mutex
	w  *lineWriter
}

func (s *logSwitch) set(w *lineWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w = w
}

func (s *logSwitch) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return len(p), nil
	}
	return s.w.Write(p)
}

// invokeReactor runs one call in an idle instance of the action version,
// in one that another call releases within the wait of the pool, or in a
// new one. The instance goes back to the pool only when the call
// succeeded, carried no secret value, read none with secret_get, and the
// instance has calls left. Any other instance is closed. A call's
// deadline closes the instance while it runs.
func (h *Host) invokeReactor(ctx context.Context, compiled *compiledModule,
	action *actions.Action, call runtime.ActionCall, request []byte,
	secrets map[string]string, limits callLimits, outSchema *actions.Schema,
) (json.RawMessage, error) {
	// A call with a secret value closes its instance after use, so it
	// does not wait to take an instance that another call could reuse.
	wait := time.Duration(-1)
	if !hasSecretValue(secrets) {
		wait = h.reactorWait(compiled)
	}
	key := poolKey{sha256: action.SHA256, pages: limits.pages, action: action.Manifest.Ref()}
	inst, err := h.pool.acquire(ctx, key, wait)
	if err != nil {
		return nil, fmt.Errorf("action %q: wait for a reactor instance: %w", call.Action, err)
	}

	callCtx, cancel := context.WithTimeout(ctx, limits.timeout)
	defer cancel()

	stderr := newLineWriter(logTo(call), secrets, logLimitsOf(h.cfg))
	state := newCallState(h, action, stderr, secrets)
	callCtx = withCallState(callCtx, state)
	res := &runResult{
		ctx:       ctx,
		stdout:    &cappedBuffer{max: h.cfg.MaxOutputBytes},
		stderr:    stderr,
		hostCalls: state,
	}

	if inst == nil {
		inst, res.err = h.startReactor(callCtx, compiled, action, limits.pages, stderr)
	} else {
		inst.output.set(stderr)
	}
	if res.err == nil {
		res.err = inst.call(callCtx, request, res.stdout)
	}
	if inst != nil {
		inst.output.set(nil)
	}
	stderr.Flush()
	res.deadline = errors.Is(callCtx.Err(), context.DeadlineExceeded)

	out, err := h.result(ctx, res, outSchema)
	reusable := err == nil && inst != nil && inst.calls < h.cfg.ReactorMaxCalls &&
		!hasSecretValue(secrets) && !state.secretWasRead()
	h.pool.release(ctx, key, inst, reusable)
	return out, err
}

// reactorWait returns how long a call of compiled waits for a busy
// instance to be released. That is Config.ReactorWait when set. Otherwise
// it is half the average time an instance of compiled took to start, at
// most maxReactorWait, or DefaultReactorWait before the first start.
// Waiting longer than a start would take only delays the call.
func (h *Host) reactorWait(compiled *compiledModule) time.Duration {
	if h.cfg.ReactorWait != 0 {
		return h.cfg.ReactorWait
	}
	average := time.Duration(compiled.startNanos.Load())
	if average == 0 {
		return DefaultReactorWait
	}
	return min(average/2, maxReactorWait)
}

// recordStart adds the start time of one instance to the moving average
// of compiled, weighting the new sample by a quarter.
//
// NOTE: only new starts move the average, so after a burst of slow starts
// the wait stays near maxReactorWait until later starts bring it down.
func (compiled *compiledModule) recordStart(d time.Duration) {
	for {
		old := compiled.startNanos.Load()
		next := int64(d)
		if old > 0 {
			next = old + (next-old)/4
		}
		if compiled.startNanos.CompareAndSwap(old, max(next, 1)) {
			return
		}
	}
}

// startReactor instantiates the module and runs its _initialize export.
func (h *Host) startReactor(ctx context.Context, compiled *compiledModule,
	action *actions.Action, pages uint32, log *lineWriter,
) (*reactorInstance, error) {
	r, err := h.runtime(ctx, pages)
	if err != nil {
		return nil, err
	}
	output := &logSwitch{w: log}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(action.Manifest.Name).
		WithStdout(output).
		WithStderr(output).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader).
		WithStartFunctions(exportInitialize)
	start := time.Now()
	mod, err := r.InstantiateModule(ctx, compiled.module, mc)
	if err != nil {
		if mod != nil {
			_ = mod.Close(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	compiled.recordStart(time.Since(start))
	h.reactorStarts.Add(1)
	return &reactorInstance{
		mod:    mod,
		alloc:  mod.ExportedFunction(exportAlloc),
		handle: mod.ExportedFunction(exportHandle),
		output: output,
	}, nil
}

// call writes the request into a buffer from updraft_alloc, calls
// updraft_handle and copies the envelope it returns into out.
func (inst *reactorInstance) call(ctx context.Context, request []byte, out *cappedBuffer) error {
	inst.calls++
	results, err := inst.alloc.Call(ctx, uint64(len(request)))
	if err != nil {
		return err
	}
	ptr := api.DecodeU32(results[0])
	if !inst.mod.Memory().Write(ptr, request) {
		return fmt.Errorf("%s returned %d, which leaves no room for %d bytes in memory",
			exportAlloc, ptr, len(request))
	}

	results, err = inst.handle.Call(ctx, uint64(ptr), uint64(len(request)))
	if err != nil {
		return err
	}
	envPtr, envLen := uint32(results[0]>>32), uint32(results[0])
	if int64(envLen) > int64(out.max) {
		out.overflow = true
		return nil
	}
	envelope, ok := inst.mod.Memory().Read(envPtr, envLen)
	if !ok {
		return fmt.Errorf("%s returned %d bytes at %d, outside memory", exportHandle, envLen, envPtr)
	}
	_, err = out.Write(envelope) // copies, so the instance may reuse its memory
	return err
}

// hasSecretValue reports whether any secret is non-empty.
func hasSecretValue(secrets map[string]string) bool {
	for _, v := range secrets {
		if v != "" {
			return true
		}
	}
	return false
}

// logTo returns a function that sends a log line to call.Log, if set.
func logTo(call runtime.ActionCall) func(string) {
	return func(line string) {
		if call.Log != nil {
			call.Log(line)
		}
	}
}
