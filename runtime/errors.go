package runtime

import "errors"

// ErrNotFound is returned, wrapped, when a stored object does not exist.
// The store maps the driver's "no documents" error to it.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned, wrapped, when an insert hits an existing key.
var ErrConflict = errors.New("conflict")
