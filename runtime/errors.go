package runtime

import "errors"

// ErrNotFound is returned, wrapped, when a stored object does not exist.
// The store maps the driver's "no documents" error to it.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned, wrapped, when an insert hits an existing key.
var ErrConflict = errors.New("conflict")

// ErrShuttingDown is returned when the engine takes no new runs because
// Shutdown has begun.
var ErrShuttingDown = errors.New("engine shutting down")

// ErrInvalid is returned, wrapped, when a request names something that
// exists but cannot be used for it, such as a rerun from a node inside a
// loop body.
var ErrInvalid = errors.New("invalid request")

// ErrInvalidAnswer is returned, wrapped, when an approval answer names an
// option the approval does not offer or breaks its comment rule.
var ErrInvalidAnswer = errors.New("invalid answer")
