package wasm

import (
	"context"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/updraftsoar/updraft/actions"
)

// HostModule is the import module name of the host functions.
const HostModule = "updraft"

// Negative results of the host functions. A non-negative result is a
// length in bytes.
const (
	ErrnoFault    = -1 // a pointer and length lie outside the module's memory
	ErrnoNoResult = -2 // read_result found no pending result
	ErrnoTooSmall = -3 // read_result was given a buffer smaller than the result
	// ErrnoSecretUnavailable is returned by secret_get for a name that is
	// not granted to the action in the calling playbook.
	ErrnoSecretUnavailable = -4
	maxRequestSize         = 16 << 20
)

// Levels of the log import.
var logLevels = [...]string{"debug", "info", "warn", "error"}

// callState is the per-call state that the host functions reach through
// the context of the call.
type callState struct {
	host    *Host
	action  *actions.Action
	policy  hostPolicy
	log     *lineWriter
	secrets map[string]string // granted values by declared name, for secret_get

	mu         sync.Mutex
	pending    []byte // a result too large for the buffer the module gave
	denied     int
	lastDenied string
	secretRead bool // secret_get copied a value into the module
}

type callStateKey struct{}

func newCallState(h *Host, action *actions.Action, log *lineWriter,
	secrets map[string]string) *callState {
	return &callState{
		host:    h,
		action:  action,
		policy:  newHostPolicy(h.cfg, action.Manifest.Capabilities.Hosts),
		log:     log,
		secrets: secrets,
	}
}

func withCallState(ctx context.Context, s *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, s)
}

func callStateFrom(ctx context.Context) *callState {
	s, _ := ctx.Value(callStateKey{}).(*callState)
	return s
}

func (s *callState) recordDenial(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied++
	s.lastDenied = msg
}

func (s *callState) deniedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied
}

func (s *callState) lastDenial() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastDenied
}

// instantiateHostModule defines the "updraft" imports in r:
//
//	http_request(req_ptr, req_len, out_ptr, out_cap i32) -> i32
//	secret_get(name_ptr, name_len, out_ptr, out_cap i32) -> i32
//	read_result(out_ptr, out_cap i32) -> i32
//	log(level, msg_ptr, msg_len i32)
func instantiateHostModule(ctx context.Context, r wazero.Runtime) error {
	i32 := api.ValueTypeI32
	_, err := r.NewHostModuleBuilder(HostModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostHTTPRequest), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("req_ptr", "req_len", "out_ptr", "out_cap").
		Export("http_request").
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostSecretGet), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("name_ptr", "name_len", "out_ptr", "out_cap").
		Export("secret_get").
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostReadResult), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("out_ptr", "out_cap").
		Export("read_result").
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostLog), []api.ValueType{i32, i32, i32}, nil).
		WithParameterNames("level", "msg_ptr", "msg_len").
		Export("log").
		Instantiate(ctx)
	if err != nil {
		return fmt.Errorf("wasm: instantiate host module %q: %w", HostModule, err)
	}
	return nil
}

// hostHTTPRequest performs the request the module passes as JSON and
// returns the length of the JSON result. The result is copied to out_ptr
// when it fits in out_cap, and is otherwise kept for read_result.
func hostHTTPRequest(ctx context.Context, mod api.Module, stack []uint64) {
	reqPtr, reqLen := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	outPtr, outCap := api.DecodeU32(stack[2]), api.DecodeU32(stack[3])
	s := callStateFrom(ctx)
	if s == nil || mod.Memory() == nil || reqLen > maxRequestSize {
		stack[0] = api.EncodeI32(ErrnoFault)
		return
	}
	raw, ok := mod.Memory().Read(reqPtr, reqLen)
	if !ok {
		stack[0] = api.EncodeI32(ErrnoFault)
		return
	}

	result := s.doHTTP(ctx, append([]byte(nil), raw...))
	stack[0] = api.EncodeI32(s.deliver(mod, result, outPtr, outCap))
}

// deliver copies result to out_ptr when it fits in out_cap, and otherwise
// keeps it for read_result. It returns the length of result, or ErrnoFault
// when out_ptr lies outside memory.
func (s *callState) deliver(mod api.Module, result []byte, outPtr, outCap uint32) int32 {
	s.mu.Lock()
	s.pending = nil
	if uint32(len(result)) > outCap {
		s.pending = result
	}
	s.mu.Unlock()
	if uint32(len(result)) <= outCap && !mod.Memory().Write(outPtr, result) {
		return ErrnoFault
	}
	return int32(len(result))
}

// hostReadResult copies the pending result of the last host call to
// out_ptr and returns its length.
func hostReadResult(ctx context.Context, mod api.Module, stack []uint64) {
	outPtr, outCap := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	s := callStateFrom(ctx)
	if s == nil || mod.Memory() == nil {
		stack[0] = api.EncodeI32(ErrnoNoResult)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.pending == nil:
		stack[0] = api.EncodeI32(ErrnoNoResult)
	case uint32(len(s.pending)) > outCap:
		stack[0] = api.EncodeI32(ErrnoTooSmall)
	case !mod.Memory().Write(outPtr, s.pending):
		stack[0] = api.EncodeI32(ErrnoFault)
	default:
		stack[0] = api.EncodeI32(int32(len(s.pending)))
		s.pending = nil
	}
}

// hostLog sends "<level>: <message>" to the call's log. An unknown level
// is logged as "info".
func hostLog(ctx context.Context, mod api.Module, stack []uint64) {
	level := api.DecodeU32(stack[0])
	ptr, n := api.DecodeU32(stack[1]), api.DecodeU32(stack[2])
	s := callStateFrom(ctx)
	if s == nil || mod.Memory() == nil {
		return
	}
	n = min(n, uint32(s.log.readLimit()))
	msg, ok := mod.Memory().Read(ptr, n)
	if !ok {
		return
	}
	name := "info"
	if int(level) < len(logLevels) {
		name = logLevels[level]
	}
	s.log.WriteLine(name + ": " + string(msg))
}
