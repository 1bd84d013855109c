package wasm

import (
	"context"
	"fmt"

	"github.com/updraftsoar/updraft/runtime"
)

// Precompile compiles the module of the registered action ref for its
// memory limit, as the first Invoke of ref would, so that call does not
// wait for the compilation. It returns an error wrapping
// runtime.ErrNotFound for an unregistered action.
func (h *Host) Precompile(ctx context.Context, ref string) error {
	action, ok := h.cfg.Registry.Lookup(ref)
	if !ok {
		return fmt.Errorf("action %q: %w", ref, runtime.ErrNotFound)
	}
	limits, err := h.limitsFor(&action.Manifest)
	if err != nil {
		return fmt.Errorf("action %q: %w", ref, err)
	}
	if _, err := h.compiled(ctx, action.SHA256, limits.pages); err != nil {
		return h.compileFailure(ref, err)
	}
	return nil
}
