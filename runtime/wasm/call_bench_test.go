package wasm

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/updraftsoar/updraft/runtime"
)

// BenchmarkCompile measures compiling the bundle (a Go command module) and
// the C echo module with an empty in-memory cache and from a warm on-disk
// cache, each time in a new wazero runtime.
func BenchmarkCompile(b *testing.B) {
	reactor, bundle, _ := extraModules(b)
	modules := []struct {
		name string
		bin  []byte
	}{
		{"go_bundle", bundle["ioc.extract"].bytes},
		{"c_echo", reactor["test.c_echo"].bytes},
	}
	for _, m := range modules {
		b.Run(m.name+"/cold", func(b *testing.B) {
			for b.Loop() {
				compileOnce(b, wazero.NewCompilationCache(), m.bin)
			}
		})
		b.Run(m.name+"/disk_cache", func(b *testing.B) {
			dir := b.TempDir()
			warm, err := wazero.NewCompilationCacheWithDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			compileOnce(b, warm, m.bin)
			for b.Loop() {
				cache, err := wazero.NewCompilationCacheWithDir(dir)
				if err != nil {
					b.Fatal(err)
				}
				compileOnce(b, cache, m.bin)
			}
		})
	}
}

// compileOnce compiles bin in a new runtime over cache and closes both.
func compileOnce(b *testing.B, cache wazero.CompilationCache, bin []byte) {
	b.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	if _, err := r.CompileModule(ctx, bin); err != nil {
		b.Fatal(err)
	}
	if err := r.Close(ctx); err != nil {
		b.Fatal(err)
	}
	if err := cache.Close(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInvoke measures Host.Invoke of a compiled module: input and
// output schema checks, request encoding and the call itself.
func BenchmarkInvoke(b *testing.B) {
	reactor, bundle, reactorBundle := extraModules(b)
	raw, err := os.ReadFile("../../actions/builtin/testdata/phishing-report.json")
	if err != nil {
		b.Fatal(err)
	}
	var report struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		b.Fatal(err)
	}
	report.Body, err = marshalString(map[string]string{"text": report.Body})
	if err != nil {
		b.Fatal(err)
	}

	hash := benchCall("hash.compute@1.0.0", `{"text":"abc","algorithms":["sha256"]}`)
	ioc := benchCall("ioc.extract@1.0.0", report.Body)

	cases := []struct {
		name     string
		cfg      Config
		mods     map[string]testModule
		calls    []runtime.ActionCall // made in turn by each caller
		parallel bool                 // 8 callers per GOMAXPROCS at once
	}{
		{"c_echo/command", Config{}, reactor,
			[]runtime.ActionCall{benchCall("test.c_echo@1.0.0", `{"text":"abc"}`)}, false},
		{"hash.compute/command", Config{}, bundle, []runtime.ActionCall{hash}, false},
		{"hash.compute/reactor_new_instance", Config{ReactorPoolSize: -1}, reactorBundle,
			[]runtime.ActionCall{hash}, false},
		{"hash.compute/reactor_pooled", Config{}, reactorBundle, []runtime.ActionCall{hash}, false},
		{"hash.compute/reactor_pooled_parallel", Config{}, reactorBundle,
			[]runtime.ActionCall{hash}, true},
		{"ioc.extract/command", Config{}, bundle, []runtime.ActionCall{ioc}, false},
		{"ioc.extract/reactor_pooled", Config{}, reactorBundle, []runtime.ActionCall{ioc}, false},
		{"ioc.extract+hash.compute/reactor_pooled_parallel", Config{}, reactorBundle,
			[]runtime.ActionCall{ioc, hash}, true},
		{"ioc.extract+hash.compute/reactor_pooled_parallel_no_wait", Config{ReactorWait: -1},
			reactorBundle, []runtime.ActionCall{ioc, hash}, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := newHostWith(b, c.cfg, c.mods)
			for _, call := range c.calls {
				if _, err := h.Invoke(context.Background(), call); err != nil {
					b.Fatal(err) // also compiles the module before the timer starts
				}
			}
			starts := h.reactorStarts.Load()
			if c.parallel {
				invokeParallel(b, h, c.calls)
			} else {
				for b.Loop() {
					if _, err := h.Invoke(context.Background(), c.calls[0]); err != nil {
						b.Fatal(err)
					}
				}
			}
			if n := h.reactorStarts.Load() - starts; n > 0 {
				b.ReportMetric(float64(n)/float64(b.N), "starts/op")
			}
			if mib := idleMemoryMiB(h); mib > 0 {
				b.ReportMetric(mib, "idle_MiB")
			}
		})
	}
}

func benchCall(action, input string) runtime.ActionCall {
	return runtime.ActionCall{Action: action, Input: json.RawMessage(input),
		RunID: "run-1", StepID: "step-1", IdempotencyKey: "step-1/1"}
}

// invokeParallel runs 8 callers per GOMAXPROCS at once, each making the
// calls in turn. One op is one call.
func invokeParallel(b *testing.B, h *Host, calls []runtime.ActionCall) {
	b.Helper()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if _, err := h.Invoke(context.Background(), calls[i%len(calls)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// idleMemoryMiB returns the linear memory of the pooled instances.
func idleMemoryMiB(h *Host) float64 {
	h.pool.mu.Lock()
	defer h.pool.mu.Unlock()
	var size uint32
	for _, ks := range h.pool.keys {
		for _, inst := range ks.idle {
			size += inst.mod.Memory().Size()
		}
	}
	return float64(size) / (1 << 20)
}

func marshalString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
