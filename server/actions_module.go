package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/updraftsoar/updraft/runtime/wasm"
)

// wasmMagic starts every WebAssembly binary module.
var wasmMagic = []byte("\x00asm")

// checkModule compiles module with wazero's interpreter, which decodes and
// validates it without generating machine code, and checks that it is an
// ABI v1 command module: it exports _start and imports only WASI preview 1
// and the host functions.
//
// TODO: compile through wasm.Host once it exports a compile method, so the
// publish check and the runtime share one compilation and its cache.
func checkModule(ctx context.Context, module []byte) error {
	if !bytes.HasPrefix(module, wasmMagic) {
		return errors.New(`not a WebAssembly binary: it does not start with "\0asm"`)
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(context.WithoutCancel(ctx))

	compiled, err := r.CompileModule(ctx, module)
	if err != nil {
		return fmt.Errorf("does not compile: %w", err)
	}
	for _, f := range compiled.ImportedFunctions() {
		module, name, _ := f.Import()
		switch {
		case module == wasi_snapshot_preview1.ModuleName:
		case module == wasm.HostModule && wasm.IsHostFunction(name):
		default:
			return fmt.Errorf("imports %s.%s, which the host does not provide", module, name)
		}
	}
	if len(compiled.ImportedMemories()) > 0 {
		return errors.New("imports a memory; the module must define its own")
	}
	if _, ok := compiled.ExportedFunctions()["_start"]; !ok {
		return errors.New("does not export _start; build a WASI command module, not a reactor or library")
	}
	return nil
}
