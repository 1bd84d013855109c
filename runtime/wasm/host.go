// Package wasm runs action modules in wazero under ABI v1: a WASI
// preview 1 command module that reads its request on stdin, writes its
// result on stdout and reaches the outside only through the host imports
// of the "updraft" module. A reactor module, which exports updraft_alloc
// and updraft_handle, gets the same request through its memory and keeps
// its instance for later calls of the same action version.
package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

const pageSize = 64 << 10 // bytes per WebAssembly page

// Host compiles and runs action modules. It implements runtime.Invoker and
// is safe for concurrent use.
type Host struct {
	cfg    Config
	log    *slog.Logger
	cache  wazero.CompilationCache
	client *http.Client             // shared transport; redirects are checked per call
	dial   atomic.Pointer[dialFunc] // dials checked addresses; tests replace it

	mu       sync.Mutex
	closed   bool
	runtimes map[uint32]wazero.Runtime // by memory limit in pages
	modules  map[moduleKey]*compiledModule
	pool     *reactorPool

	compiles      atomic.Int64 // modules compiled by this Host, for tests
	reactorStarts atomic.Int64 // reactor instances started, for tests
}

// moduleKey names a module compiled under one memory limit, because
// wazero applies the limit per runtime.
type moduleKey struct {
	sha256 string
	pages  uint32
}

type compiledModule struct {
	ready   chan struct{} // closed when module, reactor or err is set
	module  wazero.CompiledModule
	reactor bool // the module exports the reactor functions
	err     error

	// startNanos is a moving average of the time a reactor instance of
	// the module took to start, or 0 before the first one started.
	startNanos atomic.Int64
}

// NewHost returns a Host for cfg. Close releases it.
func NewHost(ctx context.Context, cfg Config) (*Host, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cache := wazero.NewCompilationCache()
	if cfg.CacheDir != "" {
		cache, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: compilation cache %q: %w", cfg.CacheDir, err)
		}
	}
	h := &Host{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "wasm"),
		cache:    cache,
		runtimes: make(map[uint32]wazero.Runtime),
		modules:  make(map[moduleKey]*compiledModule),
	}
	h.pool = newReactorPool(cfg, h.log)
	h.client = newHTTPClient(cfg, &h.dial)
	h.log.InfoContext(ctx, "wasm host started",
		"cache_dir", cfg.CacheDir, "memory_mib", cfg.MemoryMiB, "timeout", cfg.Timeout)
	return h, nil
}

// Close closes every runtime and the compilation cache. Calls in progress
// are stopped.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	runtimes := h.runtimes
	h.runtimes = nil
	h.modules = nil
	h.mu.Unlock()

	errs := []error{h.pool.closeAll(ctx)}
	for _, r := range runtimes {
		errs = append(errs, r.Close(ctx))
	}
	errs = append(errs, h.cache.Close(ctx))
	h.client.CloseIdleConnections()
	h.log.InfoContext(ctx, "wasm host stopped")
	return errors.Join(errs...)
}

var errHostClosed = errors.New("wasm: host is closed")

// runtime returns the runtime for a memory limit, creating it with WASI and
// the "updraft" host module on first use.
func (h *Host) runtime(ctx context.Context, pages uint32) (wazero.Runtime, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errHostClosed
	}
	if r, ok := h.runtimes[pages]; ok {
		return r, nil
	}

	rc := wazero.NewRuntimeConfig().
		WithCompilationCache(h.cache).
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(pages)
	r := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return nil, errors.Join(fmt.Errorf("wasm: instantiate wasi: %w", err), r.Close(ctx))
	}
	if err := instantiateHostModule(ctx, r); err != nil {
		return nil, errors.Join(err, r.Close(ctx))
	}
	h.runtimes[pages] = r
	return r, nil
}

// compiled returns the module with the given SHA-256 compiled for a memory
// limit. Concurrent callers of the same module wait for one compilation.
func (h *Host) compiled(ctx context.Context, sha string, pages uint32) (*compiledModule, error) {
	key := moduleKey{sha256: sha, pages: pages}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, errHostClosed
	}
	cm, ok := h.modules[key]
	if !ok {
		cm = &compiledModule{ready: make(chan struct{})}
		h.modules[key] = cm
	}
	h.mu.Unlock()

	if ok {
		select {
		case <-cm.ready:
			return cm, cm.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}

	cm.module, cm.err = h.compile(ctx, sha, pages)
	if cm.err == nil {
		cm.reactor = isReactor(cm.module)
	}
	if cm.err != nil {
		// A failed compilation is not cached, so a later call retries it.
		h.mu.Lock()
		if h.modules != nil {
			delete(h.modules, key)
		}
		h.mu.Unlock()
	}
	close(cm.ready)
	return cm, cm.err
}

func (h *Host) compile(ctx context.Context, sha string, pages uint32) (wazero.CompiledModule, error) {
	bin, err := h.cfg.Modules.Module(ctx, sha)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", sha, err)
	}
	sum := sha256.Sum256(bin)
	if got := hex.EncodeToString(sum[:]); got != sha {
		return nil, fmt.Errorf("module %s: bytes have sha256 %s", sha, got)
	}
	r, err := h.runtime(ctx, pages)
	if err != nil {
		return nil, err
	}
	m, err := r.CompileModule(ctx, bin)
	if err != nil {
		return nil, &compileError{err: err}
	}
	if err := checkImports(m); err != nil {
		return nil, errors.Join(&compileError{err: err}, m.Close(ctx))
	}
	h.compiles.Add(1)
	h.log.DebugContext(ctx, "module compiled", "sha256", sha, "memory_pages", pages)
	return m, nil
}

// hostFunctions are the functions of the "updraft" import module.
var hostFunctions = map[string]bool{
	"http_request": true, "secret_get": true, "read_result": true, "log": true,
}

// IsHostFunction reports whether the "updraft" import module provides the
// function name, so that a module importing it links.
func IsHostFunction(name string) bool { return hostFunctions[name] }

// checkImports rejects a module that imports anything but functions of
// WASI preview 1 and of the "updraft" module.
func checkImports(m wazero.CompiledModule) error {
	for _, f := range m.ImportedFunctions() {
		module, name, _ := f.Import()
		switch {
		case module == wasi_snapshot_preview1.ModuleName:
		case module == HostModule && IsHostFunction(name):
		default:
			return fmt.Errorf("import %s.%s is not provided by the host", module, name)
		}
	}
	if mems := m.ImportedMemories(); len(mems) > 0 {
		module, name, _ := mems[0].Import()
		return fmt.Errorf("import %s.%s: memory imports are not provided by the host", module, name)
	}
	return nil
}

// compileError marks a module that wazero rejected, as opposed to a module
// that could not be read.
type compileError struct{ err error }

func (e *compileError) Error() string { return "compile: " + e.err.Error() }
func (e *compileError) Unwrap() error { return e.err }
