package wasm

import (
	"context"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero/api"
)

// maxSecretNameBytes caps the name a module passes to secret_get.
const maxSecretNameBytes = 256

// hostSecretGet copies the value of the secret that the module names, as
// declared in its manifest, and returns the value's length. The value is
// copied to out_ptr when it fits in out_cap, and is otherwise kept for
// read_result. A name that is not granted to the action in the calling
// playbook returns ErrnoSecretUnavailable and logs a line that names the
// secret.
func hostSecretGet(ctx context.Context, mod api.Module, stack []uint64) {
	namePtr, nameLen := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	outPtr, outCap := api.DecodeU32(stack[2]), api.DecodeU32(stack[3])
	s := callStateFrom(ctx)
	if s == nil || mod.Memory() == nil {
		stack[0] = api.EncodeI32(ErrnoFault)
		return
	}
	raw, ok := mod.Memory().Read(namePtr, min(nameLen, maxSecretNameBytes+1))
	if !ok {
		stack[0] = api.EncodeI32(ErrnoFault)
		return
	}
	name := string(raw)

	value, granted := s.secrets[name]
	if !granted || nameLen > maxSecretNameBytes {
		s.rejectSecret(ctx, name)
		stack[0] = api.EncodeI32(ErrnoSecretUnavailable)
		return
	}
	n := s.deliver(mod, []byte(value), outPtr, outCap)
	if n >= 0 {
		s.mu.Lock()
		s.secretRead = true
		s.mu.Unlock()
	}
	stack[0] = api.EncodeI32(n)
}

// rejectSecret logs a secret_get of a name the action may not read, to the
// call's log and the host's. The lines name the secret and hold no value,
// because a name that is not granted has none here.
func (s *callState) rejectSecret(ctx context.Context, name string) {
	reason := "is not granted to this action in this playbook"
	if !slices.Contains(s.action.Manifest.Capabilities.Secrets, name) {
		reason = "is not declared in capabilities.secrets"
	}
	// A module could pass a granted value as the name, so the host's own
	// log gets the name redacted like the call's log.
	name = s.log.redact(name)
	s.log.WriteLine(fmt.Sprintf("warn: secret_get: secret %q %s", name, reason))
	s.host.log.WarnContext(ctx, "secret_get rejected",
		"action", s.action.Manifest.Ref(), "secret", name)
}

// secretWasRead reports whether secret_get copied a value into the module.
func (s *callState) secretWasRead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secretRead
}
