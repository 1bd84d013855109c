package wasm

// Codes of the runtime.ActionError values that Invoke returns. A module's
// own structured error keeps the code the module chose.
const (
	CodeInvalidInput      = "invalid_input"      // input does not match the input schema
	CodeInvalidOutput     = "invalid_output"     // stdout is not a result envelope, or output does not match the output schema
	CodeOutputTooLarge    = "output_too_large"   // stdout exceeds Config.MaxOutputBytes
	CodeTimeout           = "timeout"            // the call's deadline passed
	CodeMemoryLimit       = "memory_limit"       // the module ran out of its memory cap
	CodeTrap              = "trap"               // the module trapped, such as on unreachable code
	CodeExitStatus        = "exit_status"        // the module exited non-zero without an error envelope
	CodeHostCallDenied    = "host_call_denied"   // the module failed after a host call was rejected
	CodeInvalidModule     = "invalid_module"     // the module does not compile or does not link
	CodeSecretUnavailable = "secret_unavailable" // a secret the manifest declares could not be read
	CodeActionFailed      = "action_failed"      // the module's error envelope had no valid code
)
