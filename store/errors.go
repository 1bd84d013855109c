package store

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/updraftsoar/updraft/runtime"
)

// ErrLocked is returned, wrapped in an error that names the data directory
// and the process holding it, when another process uses the embedded
// database's data directory.
var ErrLocked = errors.New("data directory is in use")

// lockedError is the ErrLocked error for one data directory.
type lockedError struct {
	dir string
	pid string // empty when the lock file holds no pid
}

func (e *lockedError) Error() string {
	pid := "pid unknown"
	if e.pid != "" {
		pid = "pid " + e.pid
	}
	return fmt.Sprintf("data directory %q is in use by another updraft process (%s); "+
		"stop it or pass another --data-dir", e.dir, pid)
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

// wrapErr prefixes err with the object it concerns and maps the driver's
// "no documents" and duplicate key errors to runtime.ErrNotFound and
// runtime.ErrConflict.
func wrapErr(err error, format string, args ...any) error {
	subject := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments), errors.Is(err, mongo.ErrFileNotFound):
		return fmt.Errorf("%s: %w", subject, runtime.ErrNotFound)
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%s: %w: duplicate key", subject, runtime.ErrConflict)
	}
	return fmt.Errorf("%s: %w", subject, err)
}
